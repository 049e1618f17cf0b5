/**
 * Finding where a header ends, block by block, without ever reading past a damaged one.
 *
 * A header ends at its END card. When END is missing, a reader that only looks for END
 * reads on through the HDU's data into the next header and stops at *its* END: the HDU then
 * gets the next HDU's data (astropy 5.2 does exactly that, with a flood of warnings, and so
 * did this reader). Two things a header cannot contain stop the scan instead, each with a
 * message that names the HDU, the byte and the likely cause:
 * - a card with control bytes (NUL, ...): binary data where header text should be;
 * - a SIMPLE or XTENSION card at the start of a block after the first: the next header.
 * A header that reaches the end of the file is refused as astropy refuses it.
 *
 * The scanner is fed blocks, so the same rules hold whatever reads the file (plain, or a
 * decompressed stream).
 */

import { FitsError, hduLabel } from './errors.ts';
import { BLOCK, type HduInfo } from './hdu-info.ts';

const CARD = 80;
const CARDS_PER_BLOCK = BLOCK / CARD;

/** C0 control bytes other than TAB, LF and CR (seen in carelessly edited headers), and DEL. */
function isBinaryByte(b: number): boolean {
  return (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f;
}

/**
 * How astropy recognises END (astropy.io.fits.header.HEADER_END_RE): `END` and blanks, or
 * `END`, up to 76 blanks and then a character that cannot continue a keyword, which it
 * accepts with a warning ("Unexpected bytes trailing END keyword").
 */
function endKind(image: string): 'end' | 'end-with-bytes' | undefined {
  if (!image.startsWith('END')) return undefined;
  const rest = image.slice(3);
  if (rest.trim() === '') return 'end';
  return /^ {0,76}[^A-Z0-9_-]/.test(rest) ? 'end-with-bytes' : undefined;
}

/** The header of one HDU as the scanner found it. */
export interface ScannedHeader {
  /** Card images before END. */
  readonly images: readonly string[];
  /** Bytes the header occupies (whole blocks). */
  readonly bytes: number;
  /** Defects that were read past, as astropy reads past them (for `FitsFile.warnings`). */
  readonly notes: readonly string[];
}

/**
 * Scans the header of HDU `index`, which starts at byte `offset` of `file`: feed it blocks
 * with {@link HeaderScanner.push} until it returns true, or call
 * {@link HeaderScanner.endOfFile} when the file ends first.
 */
export class HeaderScanner {
  readonly #file: string;
  readonly #index: number;
  readonly #offset: number;
  readonly #images: string[] = [];
  readonly #notes: string[] = [];
  #blocks = 0;
  #ended = false;
  /** A card that looks like a misplaced or misspelt END, for the message when END is missing. */
  #lookalike: string | undefined;

  constructor(file: string, index: number, offset: number) {
    this.#file = file;
    this.#index = index;
    this.#offset = offset;
  }

  /**
   * Scans the next block, of which `got` bytes were read (fewer than 2880 only at the end
   * of the file). Returns true once the END card is found. Throws FitsError 'no-end-card'
   * when the header runs into data or into the next header.
   */
  push(block: Uint8Array, got: number): boolean {
    if (this.#ended) throw new Error('HeaderScanner: the header already ended');
    const base = this.#offset + this.#blocks * BLOCK;
    let after = 0;
    let firstAfter = '';
    for (let c = 0; c + CARD <= got; c += CARD) {
      const image = Buffer.from(block.buffer, block.byteOffset + c, CARD).toString('latin1');
      if (this.#ended) {
        // FITS fills the rest of the last block with blanks; astropy ignores what is there.
        if (image.trim() !== '' && !/^\0+$/.test(image)) {
          after++;
          firstAfter ||= image.trimEnd();
        }
        continue;
      }
      const card = this.#blocks * CARDS_PER_BLOCK + c / CARD;
      for (let i = c; i < c + CARD; i++) {
        if (isBinaryByte(block[i] as number)) {
          this.#missingEnd(`card ${card + 1}, at byte ${base + c}, holds binary bytes (byte 0x${(block[i] as number).toString(16).padStart(2, '0')}), not header text: the header runs on into data`);
        }
      }
      if (card > 0 && c === 0 && /^(XTENSION|SIMPLE  )= /.test(image)) {
        this.#missingEnd(`the header of another HDU (${image.trimEnd()}) starts at byte ${base}, inside it`);
      }
      const end = endKind(image);
      if (end === undefined) {
        this.#images.push(image);
        if (this.#lookalike === undefined && /^\s*end(\s|$)/i.test(image)) this.#lookalike = `card ${card + 1} is ${JSON.stringify(image.trimEnd())}, but END must be upper case and start in column 1`;
        continue;
      }
      this.#ended = true;
      if (end === 'end-with-bytes') this.#note(`the END card has bytes after it (${JSON.stringify(image.trimEnd())}); read as END, as astropy does`);
    }
    this.#blocks++;
    if (after > 0) this.#note(`${after} card${after === 1 ? '' : 's'} after the END card ignored (the first: ${JSON.stringify(firstAfter)}); FITS fills the rest of the header with blanks, so a tool may have appended cards after END, where no reader sees them`);
    return this.#ended;
  }

  /** The scanned header; valid once {@link HeaderScanner.push} returned true. */
  get header(): ScannedHeader {
    return { images: this.#images, bytes: this.#blocks * BLOCK, notes: this.#notes };
  }

  /** The file ended inside the header: FitsError 'truncated', as astropy's "Header missing END card". */
  endOfFile(size: number): never {
    throw new FitsError({
      reason: 'truncated',
      file: this.#file,
      detail: `the header of HDU ${this.#label()} (at byte ${this.#offset}) has no END card before the end of the file (${size} bytes)${this.#lookalike ? `; ${this.#lookalike}` : ''}`,
      hint: 'The file is truncated (an interrupted download or copy?) or its END card is missing; fetch it again.',
    });
  }

  #note(text: string): void {
    this.#notes.push(`HDU ${this.#label()}: ${text}`);
  }

  #label(): string {
    const extname = this.#images.find((i) => i.startsWith('EXTNAME ='));
    const name = /^EXTNAME = '([^']*)/.exec(extname ?? '')?.[1]?.trim() ?? (this.#index === 0 ? 'PRIMARY' : '');
    return hduLabel(this.#index, name);
  }

  #missingEnd(why: string): never {
    throw new FitsError({
      reason: 'no-end-card',
      file: this.#file,
      detail: `HDU ${this.#label()} (header at byte ${this.#offset}) has no END card: ${why}${this.#lookalike ? `; ${this.#lookalike}` : ''}. Read on, the next HDU's data would be taken for this one's`,
      hint: 'The file is damaged: fetch or regenerate it. If you edited the header, put the END card (END and 77 blanks) back after its last card.',
    });
  }
}

/**
 * What follows the last HDU when it is not an extension: nothing to say about one block of
 * zeros or blanks (padding); a warning for anything else, which astropy ignores with a
 * warning too; an error for what looks like a header that does not start with XTENSION
 * (a damaged header, which would otherwise lose this HDU and every one after it).
 */
export function afterLastHdu(path: string, block: Buffer, got: number, offset: number, size: number, hdus: readonly HduInfo[]): string | undefined {
  const padding = block.subarray(0, got).every((b) => b === 0 || b === 0x20);
  if (padding && size - offset <= BLOCK) return undefined;
  const first = block.toString('latin1', 0, Math.min(got, 80));
  const last = hdus[hdus.length - 1];
  // hdus is never empty here (this is what follows HDU 0 or a later one).
  const lastHdu = last === undefined ? 'the last HDU' : `HDU ${hduLabel(last.index, last.name)}`;
  if (/^[A-Z0-9_-]{1,8} *= /.test(first) && /^[ -~]*$/.test(first)) {
    throw new FitsError({
      reason: 'bad-header',
      file: path,
      detail: `HDU #${hdus.length} (at byte ${offset}, after ${lastHdu}) starts with ${JSON.stringify(first.trimEnd())}, but an extension header starts with XTENSION`,
      hint: 'The header is damaged: fetch or regenerate the file (astropy reads it as a corrupted HDU).',
    });
  }
  const what = `${size - offset} bytes after the last HDU, ${lastHdu}, from byte ${offset}`;
  if (padding) return `${what}, are ignored: they begin with a block of zeros or blanks (padding?)`;
  return `${what}, starting ${JSON.stringify(first.slice(0, 16))}, are not an HDU and are ignored, as astropy ignores them; if the file should hold more HDUs, the size cards (NAXISn, BITPIX, PCOUNT, GCOUNT) of ${lastHdu} are wrong`;
}
