/**
 * A parsed FITS header: the ordered cards (duplicates and commentary kept, CONTINUE long
 * strings joined) plus case-insensitive look-up that accepts astropy's HIERARCH spelling,
 * so `header.get('ESO DET CHIP NAME')` finds `HIERARCH ESO DET CHIP NAME = ...`.
 */

import { parseCard, type CardValue, type ParsedCard } from './card.ts';
import { FitsError } from './errors.ts';
import { decodeHeaderText, ENCODED_MARK } from './header-text.ts';

/** Where a header came from, so that its errors can name the file and HDU. */
export interface HeaderSource {
  readonly file: string;
  /** How the HDU is named in messages, e.g. `'DATA'` or `#2`. */
  readonly hdu: string;
}

/** The look-up form of a key: upper case, single spaces, no `HIERARCH` prefix. */
function normalizeKey(key: string): string {
  return key
    .trim()
    .toUpperCase()
    .replace(/\s+/g, ' ')
    .replace(/^HIERARCH /, '');
}

/**
 * Joins CONTINUE cards to the string card they continue, as astropy does: each part loses
 * one trailing `&`, the comments are joined with a space. A CONTINUE after a card that is
 * not a string stays a commentary card of its own. A value sfh-pipeline wrote
 * percent-encoded (its comment starts with {@link ENCODED_MARK}: a name that is not ASCII)
 * is decoded, so `get('SNNAME')` is the name itself, as it is in the catalog.
 */
export function parseCards(images: readonly string[]): ParsedCard[] {
  const out: ParsedCard[] = [];
  let parts: ParsedCard[] = [];
  const flush = (): void => {
    const first = parts[0];
    if (first === undefined) return;
    const value = parts.length === 1 ? String(first.value) : parts.map((p) => String(p.value).replace(/&$/, '')).join('').trimEnd();
    const comment = parts.length === 1 ? first.comment : parts.map((p) => p.comment).filter((c) => c !== '').join(' ');
    out.push({ key: first.key, value: comment.startsWith(ENCODED_MARK) ? decodeHeaderText(value) : value, type: 'string', comment });
    parts = [];
  };
  for (const image of images) {
    const card = parseCard(image);
    if (card.key === 'CONTINUE' && card.type === 'string' && parts.length > 0) {
      parts.push(card);
      continue;
    }
    flush();
    if (card.type === 'string') parts.push(card);
    else out.push(card);
  }
  flush();
  return out;
}

/**
 * The header of one HDU. Look-ups return the first card with the key (as astropy's
 * `header[key]` does); {@link Header.getAll} returns every one, e.g. all HISTORY lines.
 */
export class Header {
  /** Every card in file order, CONTINUE strings joined, END excluded. */
  readonly cards: readonly ParsedCard[];
  readonly source: HeaderSource;
  readonly #index = new Map<string, ParsedCard[]>();

  constructor(cards: readonly ParsedCard[], source: HeaderSource = { file: '(memory)', hdu: '#0' }) {
    this.cards = cards;
    this.source = source;
    for (const card of cards) {
      const k = normalizeKey(card.key);
      const list = this.#index.get(k);
      if (list === undefined) this.#index.set(k, [card]);
      else list.push(card);
    }
  }

  /** Parses header card images (80 characters each, END already removed). */
  static fromImages(images: readonly string[], source?: HeaderSource): Header {
    return new Header(parseCards(images), source);
  }

  /** The first card with this key, or undefined. */
  card(key: string): ParsedCard | undefined {
    return this.#index.get(normalizeKey(key))?.[0];
  }

  /** True when a card with this key exists (even with an undefined value). */
  has(key: string): boolean {
    return this.#index.has(normalizeKey(key));
  }

  /** The first value for this key; undefined when absent, null when the value is undefined. */
  get(key: string): CardValue | undefined {
    return this.card(key)?.value;
  }

  /** Every value for this key in file order (COMMENT and HISTORY lines, duplicated keys). */
  getAll(key: string): CardValue[] {
    return (this.#index.get(normalizeKey(key)) ?? []).map((c) => c.value);
  }

  /**
   * The value as a number, for keys that must be numeric (NAXISn, CRVALn, BSCALE...).
   * A bigint is converted (exact up to 2^53; use {@link Header.get} for exact 64-bit
   * integers). Without `fallback`, a missing key throws too.
   */
  getNumber(key: string, fallback?: number): number {
    const card = this.card(key);
    if (card === undefined && fallback !== undefined) return fallback;
    if (card !== undefined && (card.type === 'integer' || card.type === 'float')) return Number(card.value);
    throw this.#wrongType(key, card, 'a number');
  }

  /** The value as a string, for keys that must be strings (CTYPEn, BUNIT, EXTNAME...). */
  getString(key: string, fallback?: string): string {
    const card = this.card(key);
    if (card === undefined && fallback !== undefined) return fallback;
    if (card !== undefined && card.type === 'string') return card.value as string;
    throw this.#wrongType(key, card, 'a string');
  }

  /** The value as a boolean, for logical keys (SIMPLE, EXTEND, ZIMAGE...). */
  getBoolean(key: string, fallback?: boolean): boolean {
    const card = this.card(key);
    if (card === undefined && fallback !== undefined) return fallback;
    if (card !== undefined && card.type === 'logical') return card.value as boolean;
    throw this.#wrongType(key, card, 'a logical (T/F)');
  }

  #wrongType(key: string, card: ParsedCard | undefined, expected: string): FitsError {
    const { file, hdu } = this.source;
    const found = card === undefined ? 'it is missing' : `it is ${describe(card)}`;
    return new FitsError({
      reason: 'bad-header',
      file,
      detail: `HDU ${hdu}: keyword ${key} should be ${expected}, but ${found}`,
      hint: 'Check the header (e.g. with `fitsheader` or astropy) and fix or add the keyword.',
    });
  }
}

function describe(card: ParsedCard): string {
  const shown = typeof card.value === 'string' ? `'${card.value}'` : JSON.stringify(card.value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return `${card.type} ${shown}`;
}
