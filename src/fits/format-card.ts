/**
 * Turns a {@link Card} into FITS 4.0 card images for writing, in the layout astropy writes
 * and verifies without a warning: fixed-format values right-justified to column 30, strings
 * quoted and at least 8 characters, long strings over CONTINUE cards (the `&` convention),
 * HIERARCH for keys that are longer than 8 characters or contain spaces.
 */

import { COMMENTARY_KEYS, type Card, type CardType, type CardValue } from './card.ts';

const CARD = 80;
const STANDARD_KEY = /^[A-Z0-9_-]{1,8}$/;
const PRINTABLE = /^[ -~]*$/;

/**
 * Formats a float so that parsing it gives back the same float64: the shortest decimal that
 * round-trips (at most 17 significant digits, as JavaScript and Python print numbers), with
 * a decimal point and an upper-case `E`, so it stays a float for astropy.
 */
export function formatFloat(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`a FITS header cannot hold ${x}; store NaN/Infinity as an undefined value or a string`);
  if (Object.is(x, -0)) return '-0.0';
  const s = String(x);
  const e = s.indexOf('e');
  const mantissa = e < 0 ? s : s.slice(0, e);
  const exponent = e < 0 ? '' : `E${s.slice(e + 1)}`;
  return (mantissa.includes('.') ? mantissa : `${mantissa}.0`) + exponent;
}

function inferType(value: CardValue): CardType {
  if (value === null) return 'undefined';
  if (typeof value === 'boolean') return 'logical';
  if (typeof value === 'bigint') return 'integer';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? 'integer' : 'float';
  if (typeof value === 'string') return 'string';
  return 'complex';
}

/** The value field for non-string types, unpadded. */
function formatScalar(key: string, value: CardValue, type: CardType): string {
  const bad = (): never => {
    throw new RangeError(`card ${key}: value ${String(value)} is not a valid ${type}`);
  };
  switch (type) {
    case 'logical':
      return typeof value === 'boolean' ? (value ? 'T' : 'F') : bad();
    case 'integer':
      if (typeof value === 'bigint') return value.toString();
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value).toString() : bad();
    case 'float':
      return typeof value === 'number' ? formatFloat(value) : typeof value === 'bigint' ? formatFloat(Number(value)) : bad();
    case 'complex':
      return typeof value === 'object' && value !== null ? `(${formatFloat(value.re)}, ${formatFloat(value.im)})` : bad();
    case 'undefined':
      return '';
    case 'unparsed':
      return typeof value === 'string' ? value : bad();
    default:
      return bad();
  }
}

/** Escapes a string value and cuts it into pieces of at most `width` escaped characters, never inside a `''` pair. */
function chunkEscaped(value: string, firstWidth: number, width: number): string[] {
  const chunks: string[] = [];
  let cur = '';
  let limit = firstWidth;
  for (const ch of value) {
    const piece = ch === "'" ? "''" : ch;
    if (cur.length + piece.length > limit) {
      chunks.push(cur);
      cur = '';
      limit = width;
    }
    cur += piece;
  }
  chunks.push(cur);
  return chunks;
}

/** Packs comment words into lines of at most `width` characters (a parser joins them with spaces). */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(' ')) {
    let w = word;
    while (w.length > width) {
      if (cur !== '') lines.push(cur);
      lines.push(w.slice(0, width));
      w = w.slice(width);
      cur = '';
    }
    if (cur === '') cur = w;
    else if (cur.length + 1 + w.length <= width) cur += ` ${w}`;
    else {
      lines.push(cur);
      cur = w;
    }
  }
  if (cur !== '' || lines.length === 0) lines.push(cur);
  return lines;
}

/** A string value over several cards: `KEY = 'part&'`, `CONTINUE  'part&'`, ..., comment last. */
function longString(prefix: string, value: string, comment: string): string[] {
  const cont = 'CONTINUE  ';
  const firstWidth = CARD - prefix.length - 3;
  if (firstWidth < 1) throw new RangeError(`card ${prefix.trim()}: key too long for a string value`);
  const chunks = chunkEscaped(value, firstWidth, CARD - cont.length - 3);
  const images = chunks.map((c, i) => `${i === 0 ? prefix : cont}'${c}&'`);
  const last = chunks[chunks.length - 1] ?? '';
  const closing = `${chunks.length === 1 ? prefix : cont}'${last}'`;
  const withComment = comment === '' ? closing : `${closing} / ${comment}`;
  if (!last.endsWith('&') && withComment.length <= CARD) {
    images[images.length - 1] = withComment;
    return images;
  }
  if (comment === '') return [...images, `${cont}''`];
  const lines = wrapWords(comment, CARD - `${cont}'&' / `.length);
  lines.forEach((line, i) => images.push(`${cont}'${i === lines.length - 1 ? '' : '&'}' / ${line}`));
  return images;
}

/** Commentary text over as many cards as it needs (72 characters each, as astropy splits it). */
function commentary(key: string, value: CardValue): string[] {
  const text = value === null ? '' : String(value);
  const images: string[] = [];
  for (let i = 0; i === 0 || i < text.length; i += 72) images.push(key.padEnd(8) + text.slice(i, i + 72));
  return images;
}

/**
 * Formats one card as one or more 80-character images (more for long strings and long
 * commentary). Throws RangeError for what FITS cannot hold: non-ASCII text, NaN values,
 * keys with `=`, a value that does not fit. A comment that does not fit beside a
 * non-string value is cut at column 80, as astropy does.
 */
export function formatCard(card: Card): string[] {
  const value = card.value;
  const comment = (card.comment ?? '').trim();
  const rawKey = card.key.trim().replace(/^HIERARCH\s+/i, '');
  for (const text of [rawKey, comment, typeof value === 'string' ? value : '']) {
    if (!PRINTABLE.test(text)) throw new RangeError(`card ${rawKey}: FITS headers hold printable ASCII only, got ${JSON.stringify(text)}`);
  }
  const upper = rawKey.toUpperCase();
  if (upper === 'END' || upper === 'CONTINUE') throw new RangeError(`card ${upper} is written by the writer itself`);
  const type = card.type ?? inferType(value);
  if (COMMENTARY_KEYS.has(upper) || type === 'commentary') {
    if (upper !== '' && !STANDARD_KEY.test(upper)) throw new RangeError(`card ${rawKey}: a commentary card needs a key of at most 8 characters`);
    return commentary(upper, value).map((i) => i.padEnd(CARD));
  }

  const hierarch = !STANDARD_KEY.test(upper);
  if (hierarch && rawKey.includes('=')) throw new RangeError(`card ${rawKey}: a key cannot contain '='`);
  const prefix = hierarch ? `HIERARCH ${rawKey} = ` : `${upper.padEnd(8)}= `;
  let field: string;
  if (type === 'string') {
    if (typeof value !== 'string') throw new RangeError(`card ${rawKey}: value ${String(value)} is not a string`);
    const quoted = `'${value.replace(/'/g, "''").padEnd(8)}'`;
    field = hierarch ? quoted : quoted.padEnd(20);
    const one = comment === '' ? prefix + field : `${prefix}${field} / ${comment}`;
    if (one.length > CARD) return longString(prefix, value, comment).map((i) => i.padEnd(CARD));
  } else {
    const scalar = formatScalar(rawKey, value, type);
    field = hierarch ? scalar : scalar.padStart(20);
  }
  const base = prefix + field;
  if (base.length > CARD) throw new RangeError(`card ${rawKey}: key and value need ${base.length} characters, a card has 80`);
  const image = comment === '' ? base : `${base} / ${comment}`;
  return [image.slice(0, CARD).padEnd(CARD)];
}
