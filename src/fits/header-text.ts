/**
 * Text that FITS headers cannot hold, made writable. FITS 4.0 allows printable ASCII only
 * (0x20-0x7E), but real SN names, file and folder names hold `ü`, `é` or an emoji, and a
 * result must never fail at `write` because of a name.
 *
 * The choice, for astropy users: such a value stays in its own card, as UTF-8 percent-encoded
 * (RFC 3986, the escaping of URIs and file URLs): `SN2013ü` becomes `SN2013%C3%BC`, and the
 * card's comment starts with {@link ENCODED_MARK}. Python gives it back exactly with
 * `urllib.parse.unquote(h['SNNAME'])`; our own reader decodes it (header.ts). A script that
 * reads `h['SNNAME']` still finds the name, readable for accented letters, in the card it
 * always read; the file opens in astropy without a warning; ASCII names are written byte for
 * byte as before. The alternatives were worse: a table HDU would take the name away from its
 * card (SNNAME would have to be dropped or approximated) and hold UTF-8 where FITS 4.0 allows
 * ASCII characters too (astropy's Table shows it, `hdul[i].data` gives raw bytes); dropping
 * the card loses the name.
 *
 * A card that still cannot be written (a key too long for its value) is dropped and named,
 * for the caller to warn about: the result is never lost for a header card.
 */

import type { Card } from './card.ts';
import { formatCard } from './format-card.ts';

/** Starts the comment of every card whose value is percent-encoded. */
export const ENCODED_MARK = '[%-encoded UTF-8]';

const PRINTABLE = /^[ -~]*$/;

/** True when `text` holds a character a FITS header cannot (outside printable ASCII). */
export function needsEncoding(text: string): boolean {
  return !PRINTABLE.test(text);
}

/**
 * `text` as printable ASCII: every character outside 0x20-0x7E, and `%` itself, as the
 * `%XX` of its UTF-8 bytes; `urllib.parse.unquote` and {@link decodeHeaderText} invert it.
 */
export function encodeHeaderText(text: string): string {
  let out = '';
  for (const ch of text) {
    if (ch !== '%' && PRINTABLE.test(ch)) {
      out += ch;
      continue;
    }
    for (const b of new TextEncoder().encode(ch)) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Inverse of {@link encodeHeaderText}; text that is not valid percent-encoded UTF-8 comes back as it is. */
export function decodeHeaderText(text: string): string {
  try {
    return decodeURIComponent(text.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
  } catch {
    return text;
  }
}

/** A card left out of a header, and why (the formatter's message). */
export interface DroppedCard {
  readonly card: Card;
  readonly why: string;
}

/**
 * Makes `cards` writable: string values (and comments) outside printable ASCII are
 * percent-encoded and marked; a card that still cannot be formatted is left out and
 * returned in `dropped`, for the caller to warn about.
 */
export function writableCards(cards: readonly Card[]): { cards: Card[]; dropped: DroppedCard[] } {
  const kept: Card[] = [];
  const dropped: DroppedCard[] = [];
  for (const card of cards) {
    let c = card;
    const comment = card.comment ?? '';
    const encodedComment = needsEncoding(comment) ? encodeHeaderText(comment) : comment;
    if (typeof card.value === 'string' && needsEncoding(card.value) && card.type !== 'commentary' && !['COMMENT', 'HISTORY', ''].includes(card.key.trim().toUpperCase())) {
      const marked = encodedComment.startsWith(ENCODED_MARK) ? encodedComment : `${ENCODED_MARK} ${encodedComment}`.trimEnd();
      c = { ...card, value: encodeHeaderText(card.value), comment: marked };
    } else if (typeof card.value === 'string' && needsEncoding(card.value)) {
      c = { ...card, value: encodeHeaderText(card.value) };
    } else if (encodedComment !== comment) {
      c = { ...card, comment: encodedComment };
    }
    try {
      formatCard(c);
      kept.push(c);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      dropped.push({ card, why: err.message });
    }
  }
  return { cards: kept, dropped };
}
