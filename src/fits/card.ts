/**
 * One FITS header card: its types and the parser for a single 80-character card image.
 * Values keep their FITS type (an integer `1` and a float `1.0` differ, as in astropy) so
 * that a header read and written back says the same thing.
 */

/** A complex value `(re, im)`, rare in headers but legal. */
export interface FitsComplex {
  readonly re: number;
  readonly im: number;
}

/**
 * A card value as astropy exposes it: logicals as booleans, integers as numbers (as bigint
 * beyond 2^53, so 64-bit BZERO values stay exact), strings unescaped with trailing spaces
 * removed, `null` for an undefined value, commentary text as a string.
 */
export type CardValue = boolean | number | bigint | string | FitsComplex | null;

/**
 * The FITS type of a card's value. `commentary` is COMMENT, HISTORY, a blank key or any
 * card without a value indicator; `unparsed` is a value that is none of the FITS types
 * (kept as its raw text rather than failing the whole file).
 */
export type CardType = 'logical' | 'integer' | 'float' | 'complex' | 'string' | 'undefined' | 'commentary' | 'unparsed';

/**
 * A header card. Keys are as astropy shows them: upper case, and for `HIERARCH` cards the
 * words after `HIERARCH` (`'ESO DET CHIP NAME'`). A CONTINUE long string is one card.
 * `type` is always set on parsed cards; when writing it may be left out and is inferred
 * from the value (set `type: 'float'` to write an integral number as `1.0`).
 */
export interface Card {
  readonly key: string;
  readonly value: CardValue;
  readonly comment?: string;
  readonly type?: CardType;
}

/** A card straight from a file: type and comment always known. */
export interface ParsedCard extends Card {
  readonly type: CardType;
  readonly comment: string;
}

/** Keys whose cards hold free text rather than a value. */
export const COMMENTARY_KEYS: ReadonlySet<string> = new Set(['COMMENT', 'HISTORY', '']);

const INT_RE = /^[+-]?\d+$/;
// astropy accepts blanks after the sign and inside the exponent ("- 1.5E + 3"); so do we.
const NUM_RE = /^([+-]?) *(\.\d+|\d+(?:\.\d*)?)(?:([EeDd]) *([+-]?) *(\d+))?$/;

/** Parses a FITS number (E or D exponent), or returns undefined when `text` is not one. */
function parseNumber(text: string): { value: number | bigint; type: 'integer' | 'float' } | undefined {
  const m = NUM_RE.exec(text);
  if (m === null) return undefined;
  const [, sign = '', digits = '', exp, expSign = '', expDigits = ''] = m;
  if (exp === undefined && INT_RE.test(digits)) {
    const n = Number(sign + digits);
    return { value: Number.isSafeInteger(n) ? n + 0 : BigInt(sign + digits), type: 'integer' };
  }
  const literal = sign + digits + (exp === undefined ? '' : `E${expSign}${expDigits}`);
  return { value: Number(literal), type: 'float' };
}

/** Splits `text` at its first `/` into a value part and a trimmed comment. */
function splitComment(text: string): { valueText: string; comment: string } {
  const slash = text.indexOf('/');
  if (slash < 0) return { valueText: text.trim(), comment: '' };
  return { valueText: text.slice(0, slash).trim(), comment: text.slice(slash + 1).trim() };
}

/**
 * Parses the value field of a card (everything after the value indicator). Exported for
 * CONTINUE cards, whose value field starts in column 11 without an `=`.
 */
export function parseValueField(field: string): Omit<ParsedCard, 'key'> {
  const s = field.trimStart();
  if (s.startsWith("'")) {
    let value = '';
    let i = 1;
    let closed = false;
    while (i < s.length) {
      const ch = s[i];
      if (ch === "'") {
        if (s[i + 1] === "'") {
          value += "'";
          i += 2;
          continue;
        }
        closed = true;
        i += 1;
        break;
      }
      value += ch;
      i += 1;
    }
    if (!closed) return { value: s, type: 'unparsed', comment: '' };
    const rest = s.slice(i);
    const slash = rest.indexOf('/');
    const comment = slash < 0 ? '' : rest.slice(slash + 1).trim();
    return { value: value.trimEnd(), type: 'string', comment };
  }
  const { valueText, comment } = splitComment(s);
  if (valueText === '') return { value: null, type: 'undefined', comment };
  if (valueText === 'T' || valueText === 'F') return { value: valueText === 'T', type: 'logical', comment };
  const num = parseNumber(valueText);
  if (num !== undefined) return { ...num, comment };
  const cm = /^\(\s*([^,]+?)\s*,\s*([^)]+?)\s*\)$/.exec(valueText);
  if (cm !== null) {
    const re = parseNumber(cm[1] ?? '');
    const im = parseNumber(cm[2] ?? '');
    if (re !== undefined && im !== undefined) {
      return { value: { re: Number(re.value), im: Number(im.value) }, type: 'complex', comment };
    }
  }
  return { value: valueText, type: 'unparsed', comment };
}

/**
 * Parses one 80-character card image. CONTINUE cards come back with key `CONTINUE` and
 * their string part as value; {@link parseCards} joins them to the card they continue.
 */
export function parseCard(image: string): ParsedCard {
  const head = image.slice(0, 8).trim().toUpperCase();
  if (COMMENTARY_KEYS.has(head)) {
    return { key: head, value: image.slice(8).trimEnd(), type: 'commentary', comment: '' };
  }
  if (head === 'CONTINUE') {
    const parsed = parseValueField(image.slice(8));
    if (parsed.type === 'string') return { key: head, ...parsed };
    return { key: head, value: image.slice(8).trimEnd(), type: 'commentary', comment: '' };
  }
  if (head === 'HIERARCH' && image[8] === ' ' && image.includes('=')) {
    const eq = image.indexOf('=');
    return { key: image.slice(9, eq).trim(), ...parseValueField(image.slice(eq + 1)) };
  }
  const eq = image.indexOf('= ');
  if (eq >= 0 && eq <= 8) {
    return { key: image.slice(0, eq).trim().toUpperCase(), ...parseValueField(image.slice(eq + 2)) };
  }
  return { key: head, value: image.slice(8).trimEnd(), type: 'commentary', comment: '' };
}
