/**
 * The bytes of an image HDU to be written: the header (mandatory cards in FITS order, then
 * the caller's) and the data as big-endian chunks. Kept apart from the file handling so the
 * sync and async writers share it, and so that every validation error surfaces before a
 * file is touched.
 */

import { sizeOf, type NDArray, type TypedArray } from '../ndarray.ts';
import type { Card } from './card.ts';
import { encodeChecksum, OnesComplementSum } from './checksum.ts';
import { FitsError } from './errors.ts';
import { formatCard } from './format-card.ts';
import { padToBlock } from './hdu-info.ts';

/** One HDU to write: an image (or `null` for a header-only HDU), extra cards, a name. */
export interface WriteHdu {
  readonly data: NDArray | null;
  /**
   * Cards written after the mandatory ones, in order (COMMENT and HISTORY allowed). Cards the
   * writer owns are skipped, so a header read elsewhere can be passed through as is:
   * SIMPLE, XTENSION, BITPIX, NAXIS*, EXTEND, PCOUNT, GCOUNT, BSCALE, BZERO, BLANK,
   * CHECKSUM, DATASUM, END, and EXTNAME when `extname` is given.
   */
  readonly cards?: readonly Card[];
  readonly extname?: string;
}

/**
 * A validated HDU ready to be streamed: header bytes plus what the data needs. The header
 * ends with CHECKSUM and DATASUM cards holding placeholders until {@link sealHeader} fills
 * them in from the data's sum (the cards keep their size, so the header can be written
 * first and rewritten in place once the data has streamed past).
 */
export interface EncodedHdu {
  readonly header: Buffer;
  readonly data: TypedArray | null;
  readonly dataBytes: number;
  /** Byte offset in `header` of the CHECKSUM card (DATASUM is the next card). */
  readonly checksumAt: number;
}

const CHECKSUM_COMMENT = 'HDU checksum (FITS checksum convention)';
const DATASUM_COMMENT = 'data unit checksum';

const OWNED = /^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|PCOUNT|GCOUNT|BSCALE|BZERO|BLANK|CHECKSUM|DATASUM|END)$/;

/** BITPIX and the BZERO convention for each typed array (unsigned types as astropy writes them). */
export function bitpixOf(data: TypedArray): { bitpix: number; bzero?: number } {
  if (data instanceof Float64Array) return { bitpix: -64 };
  if (data instanceof Float32Array) return { bitpix: -32 };
  if (data instanceof Uint8Array) return { bitpix: 8 };
  if (data instanceof Int8Array) return { bitpix: 8, bzero: -128 };
  if (data instanceof Int16Array) return { bitpix: 16 };
  if (data instanceof Uint16Array) return { bitpix: 16, bzero: 32768 };
  if (data instanceof Int32Array) return { bitpix: 32 };
  if (data instanceof Uint32Array) return { bitpix: 32, bzero: 2147483648 };
  if (data instanceof BigInt64Array) return { bitpix: 64 };
  throw new RangeError(`cannot write a ${Object.prototype.toString.call(data)} to FITS`);
}

/**
 * Builds the header of HDU `index` and checks its data; `file` is only for messages.
 * Throws FitsError 'size-mismatch' for a shape that does not fit the data and
 * 'bad-header' for a card FITS cannot hold.
 */
export function encodeHdu(hdu: WriteHdu, index: number, file: string): EncodedHdu {
  const data = hdu.data;
  const shape = data?.shape ?? [];
  const where = `HDU #${index}${hdu.extname === undefined ? '' : ` '${hdu.extname}'`}`;
  if (data !== null) {
    const problem =
      shape.length === 0 || shape.length > 999
        ? `an image needs 1 to 999 axes, got shape [${shape.join(', ')}]`
        : !shape.every((n) => Number.isSafeInteger(n) && n >= 0)
          ? `shape [${shape.join(', ')}] must hold non-negative integers`
          : sizeOf(shape) !== data.data.length
            ? `shape [${shape.join(', ')}] holds ${sizeOf(shape)} elements, the data has ${data.data.length}`
            : undefined;
    if (problem !== undefined) {
      throw new FitsError({ reason: 'size-mismatch', file, detail: `${where}: ${problem}`, hint: 'Make the NDArray shape match its data (numpy order, slowest axis first).' });
    }
  }
  const { bitpix, bzero } = data === null ? { bitpix: 8, bzero: undefined } : bitpixOf(data.data);
  const cards: Card[] = [
    index === 0 ? { key: 'SIMPLE', value: true, comment: 'conforms to FITS standard' } : { key: 'XTENSION', value: 'IMAGE', comment: 'Image extension' },
    { key: 'BITPIX', value: bitpix, comment: 'array data type' },
    { key: 'NAXIS', value: shape.length, comment: 'number of array dimensions' },
    ...[...shape].reverse().map((n, i) => ({ key: `NAXIS${i + 1}`, value: n })),
    ...(index === 0 ? [{ key: 'EXTEND', value: true }] : [{ key: 'PCOUNT', value: 0, comment: 'number of parameters' }, { key: 'GCOUNT', value: 1, comment: 'number of groups' }]),
  ];
  if (bzero !== undefined) cards.push({ key: 'BSCALE', value: 1 }, { key: 'BZERO', value: bzero });
  if (hdu.extname !== undefined) cards.push({ key: 'EXTNAME', value: hdu.extname, comment: 'extension name' });
  for (const card of hdu.cards ?? []) {
    const key = card.key.trim().toUpperCase();
    if (OWNED.test(key) || (key === 'EXTNAME' && hdu.extname !== undefined)) continue;
    cards.push(card);
  }
  const images: string[] = [];
  for (const card of cards) {
    try {
      images.push(...formatCard(card));
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      throw new FitsError({
        reason: 'bad-header',
        file,
        detail: `${where}: ${err.message}`,
        hint: 'FITS headers hold printable ASCII, finite numbers and keys without "="; fix or drop the card.',
        cause: err,
      });
    }
  }
  // Last before END, where astropy and CFITSIO put them; ESO asks for them in every HDU.
  const checksumAt = images.length * 80;
  images.push(...formatCard(checksumCard('0'.repeat(16))), ...formatCard(datasumCard(0)));
  images.push('END'.padEnd(80));
  const text = images.join('');
  const header = Buffer.alloc(padToBlock(text.length), ' ');
  header.write(text, 'latin1');
  const elementSize = Math.abs(bitpix) / 8;
  return { header, data: data === null ? null : data.data, dataBytes: data === null ? 0 : data.data.length * elementSize, checksumAt };
}

function checksumCard(value: string): Card {
  return { key: 'CHECKSUM', value, comment: CHECKSUM_COMMENT };
}

function datasumCard(datasum: number): Card {
  return { key: 'DATASUM', value: String(datasum), comment: DATASUM_COMMENT };
}

/**
 * Fills in the HDU's DATASUM (the data unit's sum) and CHECKSUM, in place, so that the
 * whole HDU sums to negative zero. No timestamp goes into the comments (astropy's default
 * has one): the same result must have the same bytes, or `verify` could not compare them.
 */
export function sealHeader(hdu: EncodedHdu, datasum: number): void {
  const card = (c: Card): string => formatCard(c)[0] as string;
  hdu.header.write(card(checksumCard('0'.repeat(16))), hdu.checksumAt, 'latin1');
  hdu.header.write(card(datasumCard(datasum)), hdu.checksumAt + 80, 'latin1');
  const sum = new OnesComplementSum(datasum).update(hdu.header).value;
  hdu.header.write(card(checksumCard(encodeChecksum(sum))), hdu.checksumAt, 'latin1');
}

/** Scratch size for byte-swapped copies: bounded, whatever the data size. */
export const SWAP_CHUNK_BYTES = 16 << 20;

/**
 * The data of one HDU as big-endian chunks followed by the zero padding. The caller's
 * array is never modified: multi-byte data is copied into `scratch` chunk by chunk and
 * swapped there; Uint8 data is handed out as views. Each chunk must be written before the
 * next is requested, since `scratch` is reused.
 */
export function* dataChunks(data: TypedArray, scratch: Buffer): Generator<Buffer> {
  const { bitpix, bzero } = bitpixOf(data);
  const elementSize = Math.abs(bitpix) / 8;
  const step = Math.floor(scratch.length / elementSize) * elementSize;
  const total = data.length * elementSize;
  for (let done = 0; done < total; done += step) {
    const n = Math.min(step, total - done);
    const source = Buffer.from(data.buffer, data.byteOffset + done, n);
    if (elementSize === 1 && bzero === undefined) {
      yield source;
      continue;
    }
    source.copy(scratch, 0, 0, n);
    const chunk = scratch.subarray(0, n);
    if (bzero !== undefined) {
      // Unsigned (and signed-byte) conventions: the stored value differs by a flipped sign bit.
      const words = elementSize === 1 ? new Uint8Array(chunk.buffer, chunk.byteOffset, n) : elementSize === 2 ? new Uint16Array(chunk.buffer, chunk.byteOffset, n / 2) : new Uint32Array(chunk.buffer, chunk.byteOffset, n / 4);
      const bit = elementSize === 1 ? 0x80 : elementSize === 2 ? 0x8000 : 0x80000000;
      for (let i = 0; i < words.length; i++) words[i] = (words[i] as number) ^ bit;
    }
    if (elementSize === 2) chunk.swap16();
    else if (elementSize === 4) chunk.swap32();
    else if (elementSize === 8) chunk.swap64();
    yield chunk;
  }
  const padding = padToBlock(total) - total;
  if (padding > 0) yield Buffer.alloc(padding);
}
