/**
 * Reading FITS files. `FitsFile.open` indexes every HDU by reading headers only, so looking
 * at a header of a 3 GB cube is instant; `readImage` then reads one image HDU (or a run of
 * its planes) straight into the memory of the result array.
 */

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ndarray, sizeOf, type NDArray, type TypedArray } from '../ndarray.ts';
import { FitsError, hduLabel } from './errors.ts';
import { findHdu, type HduSelector } from './find-hdu.ts';
import { gzipNextTo, gzipped } from './gzip.ts';
import { Header, parseCards } from './header.ts';
import { BLOCK, describeHdu, padToBlock, type HduInfo } from './hdu-info.ts';
import { afterLastHdu, HeaderScanner } from './header-scan.ts';
import { MAX_CHUNK_BYTES, readBigEndianInto } from './raw-io.ts';
import { decodeTable, type FitsTable } from './table.ts';
import { flipSignBit, planScaling, scaleFloatInPlace, storedToFloat, type ScalePlan, type StoredInts } from './scaling.ts';

/** Options of {@link FitsFile.readImage}. */
export interface ReadImageOptions {
  /**
   * Read only planes `start .. start+count-1` of the slowest axis (the first numpy axis),
   * to walk through a cube in chunks that fit in memory.
   */
  readonly planes?: { readonly start: number; readonly count: number };
  /**
   * Bytes per read call (default and maximum 1 GiB). Only tests change it, to exercise the
   * chunk loop that files over 2 GiB depend on without writing such files.
   */
  readonly chunkBytes?: number;
  /**
   * Read into this array instead of allocating one (float data without scaling only, the
   * exact length): lets a caller reuse one buffer, e.g. a SharedArrayBuffer that worker
   * threads read, for several cubes of the same shape.
   */
  readonly into?: Float32Array | Float64Array;
}

export type { HduSelector };

// Scratch size when stored integers are converted to floats (bounded, unlike the data).
const SCRATCH_BYTES = 16 << 20;

/** Fills `buf` from `position`, returning how many bytes the file had. */
function readFully(fd: number, buf: Buffer, position: number): number {
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

function notFits(file: string, detail: string, code?: string): FitsError {
  const hint = 'Check the path; a FITS file starts with the card SIMPLE = T.';
  return new FitsError({ reason: 'not-fits', file, detail, hint, ...(code === undefined ? {} : { code }) });
}

/** An open FITS file with every HDU indexed. Call {@link FitsFile.close} when done. */
export class FitsFile {
  readonly path: string;
  /** File size in bytes when opened. */
  readonly size: number;
  /** Every HDU in file order. */
  readonly hdus: readonly HduInfo[];
  /**
   * Defects read past while indexing, as astropy reads past them with a warning (cards
   * after END, bytes after the last HDU, an HDU whose data the file does not hold): each
   * names its HDU, for a caller to pass on to the user.
   */
  readonly warnings: readonly string[];
  #fd: number | undefined;

  private constructor(path: string, fd: number, size: number, index: { hdus: readonly HduInfo[]; warnings: readonly string[] }) {
    this.path = path;
    this.#fd = fd;
    this.size = size;
    this.hdus = index.hdus;
    this.warnings = index.warnings;
  }

  /** Opens `path` and parses every header; no data is read. */
  static open(path: string): FitsFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw (code === 'ENOENT' && gzipNextTo(path)) || notFits(path, `cannot be opened (${(err as Error).message})`, code);
    }
    try {
      const stat = fstatSync(fd);
      // A folder opens for reading; its first read fails with an EISDIR that names no path.
      if (stat.isDirectory()) throw notFits(path, 'is a folder, not a file', 'EISDIR');
      const size = stat.size;
      if (size === 0) throw notFits(path, 'the file is empty');
      return new FitsFile(path, fd, size, indexHdus(path, fd, size));
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** Finds an HDU by index or EXTNAME, or throws FitsError 'no-such-hdu' listing the HDUs there are. */
  hdu(sel: HduSelector): HduInfo {
    return findHdu(this.hdus, sel, this.path);
  }

  /**
   * Reads an image HDU as physical values in numpy axis order, with the result type astropy
   * would give (see scaling.ts). Throws FitsError 'not-image', 'compressed', 'truncated'.
   */
  readImage(sel: HduSelector, opts: ReadImageOptions = {}): NDArray {
    const info = this.hdu(sel);
    const where = `HDU ${hduLabel(info.index, info.name)}`;
    if (info.compressed) {
      throw new FitsError({
        reason: 'compressed',
        file: this.path,
        detail: `${where} is a tile-compressed image (ZIMAGE = T), which this reader does not decompress`,
        hint: 'Decompress it first: `funpack file.fits.fz`, or in Python `fits.open(p)[i].data` and write it back uncompressed.',
      });
    }
    if (!info.isImage) {
      const why =
        info.xtension !== '' && info.xtension !== 'IMAGE'
          ? `is a ${info.xtension}, not an image`
          : info.shape.length === 0
            ? 'has no image data (NAXIS = 0)'
            : info.index === 0 && info.header.get('GROUPS') === true
              ? 'holds random groups, not an image'
              : `has no image data (shape [${info.shape.join(', ')}])`;
      throw new FitsError({
        reason: 'not-image',
        file: this.path,
        detail: `${where} ${why}`,
        hint: `Pick an image HDU: ${this.hdus.filter((h) => h.isImage).map((h) => (h.name === '' ? `#${h.index}` : h.name)).join(', ') || 'this file has none'}.`,
      });
    }
    const plan = planScaling(info.header, info.bitpix);
    const elementSize = Math.abs(info.bitpix) / 8;
    const [slowest = 1, ...rest] = info.shape;
    const planeElements = sizeOf(rest);
    const { start, count } = opts.planes ?? { start: 0, count: slowest };
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 1 || start + count > slowest) {
      throw new FitsError({
        reason: 'size-mismatch',
        file: this.path,
        detail: `${where}: planes ${start}..${start + count - 1} are outside the ${slowest} planes of shape [${info.shape.join(', ')}]`,
        hint: 'Ask for 0 <= start, 1 <= count and start + count <= the first axis length.',
      });
    }
    const elements = count * planeElements;
    const position = info.dataOffset + start * planeElements * elementSize;
    const needed = elements * elementSize;
    if (position + needed > this.size) {
      throw new FitsError({
        reason: 'truncated',
        file: this.path,
        detail: `${where} needs ${needed} bytes of data at offset ${position}, but the file (${this.size} bytes) holds only ${Math.max(0, this.size - position)} of them`,
        hint: 'The file is truncated (an interrupted download or copy?); fetch it again.',
      });
    }
    const chunkBytes = Math.max(1, Math.min(opts.chunkBytes ?? MAX_CHUNK_BYTES, MAX_CHUNK_BYTES));
    const data = this.#readPhysical(info, plan, elements, position, chunkBytes, where, opts.into);
    return ndarray(data, [count, ...rest]);
  }

  /**
   * Reads a binary-table HDU (rows and heap) into one array per column (see table.ts).
   * Throws FitsError 'not-table' for any other HDU, 'truncated' when the data is short.
   */
  readTable(sel: HduSelector): FitsTable {
    const info = this.hdu(sel);
    const where = `HDU ${hduLabel(info.index, info.name)}`;
    if (info.xtension !== 'BINTABLE' || info.compressed) {
      const what = info.compressed ? 'a tile-compressed image' : info.xtension === '' ? 'the primary HDU' : `a ${info.xtension}`;
      throw new FitsError({
        reason: 'not-table',
        file: this.path,
        detail: `${where} is ${what}, not a binary table${info.xtension === 'TABLE' ? ' (ASCII tables are not read)' : ''}`,
        hint: `Pick a BINTABLE HDU: ${this.hdus.filter((h) => h.xtension === 'BINTABLE' && !h.compressed).map((h) => (h.name === '' ? `#${h.index}` : h.name)).join(', ') || 'this file has none'}.`,
      });
    }
    const fd = this.#fd;
    if (fd === undefined) throw new Error(`${this.path}: FitsFile was closed`);
    if (info.dataOffset + info.dataBytes > this.size) {
      throw new FitsError({
        reason: 'truncated',
        file: this.path,
        detail: `${where} needs ${info.dataBytes} bytes of data at offset ${info.dataOffset}, but the file (${this.size} bytes) holds only ${Math.max(0, this.size - info.dataOffset)} of them`,
        hint: 'The file is truncated (an interrupted download or copy?); fetch it again.',
      });
    }
    const bytes = Buffer.alloc(info.dataBytes);
    readFully(fd, bytes, info.dataOffset);
    return decodeTable(info, bytes);
  }

  /**
   * Reads the file's raw bytes at `position` into `target` (for checksums, which sum the
   * bytes as stored); returns how many there were, short only at the end of the file.
   */
  readBytes(target: Uint8Array, position: number): number {
    const fd = this.#fd;
    if (fd === undefined) throw new Error(`${this.path}: FitsFile was closed`);
    return readFully(fd, Buffer.from(target.buffer, target.byteOffset, target.byteLength), position);
  }

  /** Closes the file descriptor; the FitsFile can still be inspected but not read. */
  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #readPhysical(info: HduInfo, plan: ScalePlan, elements: number, position: number, chunkBytes: number, where: string, into?: Float32Array | Float64Array): TypedArray {
    const fd = this.#fd;
    if (fd === undefined) throw new Error(`${this.path}: FitsFile was closed`);
    const elementSize = Math.abs(info.bitpix) / 8;
    const read = (target: TypedArray, at: number): void => {
      const got = readBigEndianInto(fd, target, at, elementSize, chunkBytes);
      if (got < target.byteLength) {
        throw new FitsError({
          reason: 'truncated',
          file: this.path,
          detail: `${where}: expected ${target.byteLength} bytes at offset ${at}, read only ${got} (did the file shrink?)`,
          hint: 'The file is truncated; fetch it again.',
        });
      }
    };
    const alloc = <T>(make: () => T): T => {
      try {
        return make();
      } catch (err) {
        if (!(err instanceof RangeError)) throw err;
        throw new FitsError({
          reason: 'size-mismatch',
          file: this.path,
          detail: `${where}: ${elements} elements do not fit in one typed array (${err.message})`,
          hint: 'Read the cube in chunks with the `planes` option.',
          cause: err,
        });
      }
    };
    if (plan.kind === 'to-float') {
      const out = alloc(() => (plan.out === 'float32' ? new Float32Array(elements) : new Float64Array(elements)));
      const step = Math.max(1, Math.floor(Math.min(SCRATCH_BYTES, chunkBytes) / elementSize));
      const scratch = storedArray(info.bitpix, Math.min(step, elements));
      for (let done = 0; done < elements; done += step) {
        const n = Math.min(step, elements - done);
        const part = scratch.subarray(0, n) as StoredInts;
        read(part, position + done * elementSize);
        storedToFloat(part, out, done, plan);
      }
      return out;
    }
    if (plan.kind === 'flip-sign') {
      const stored = alloc(() => (info.bitpix === 8 ? new Uint8Array(elements) : info.bitpix === 16 ? new Uint16Array(elements) : new Uint32Array(elements)));
      read(stored, position);
      flipSignBit(stored);
      return info.bitpix === 8 ? new Int8Array(stored.buffer) : stored;
    }
    const fits = into && into.length === elements && (info.bitpix === -32 ? into instanceof Float32Array : info.bitpix === -64 && into instanceof Float64Array);
    if (into && !fits) {
      throw new FitsError({ reason: 'size-mismatch', file: this.path, detail: `${where}: cannot read ${elements} BITPIX ${info.bitpix} values into a ${into.constructor.name} of ${into.length}`, hint: 'Pass an `into` array of the HDU\'s type and size.' });
    }
    const data = fits ? into : alloc(() => storedArray(info.bitpix, elements));
    read(data, position);
    if (plan.kind === 'scale-in-place') scaleFloatInPlace(data as Float32Array | Float64Array, plan.bscale, plan.bzero);
    return data;
  }
}

/** The typed array that holds stored values of a BITPIX (as numpy's `>u1, >i2, ... >f8`). */
function storedArray(bitpix: number, n: number): StoredInts | Float32Array | Float64Array {
  switch (bitpix) {
    case 8:
      return new Uint8Array(n);
    case 16:
      return new Int16Array(n);
    case 32:
      return new Int32Array(n);
    case 64:
      return new BigInt64Array(n);
    case -32:
      return new Float32Array(n);
    default:
      return new Float64Array(n);
  }
}

/**
 * Reads the header blocks of every HDU and works out where each one's data lies. Headers
 * are scanned by {@link HeaderScanner}, which refuses one that runs past where it should
 * end; what is read past, as astropy reads past it, becomes a warning.
 */
function indexHdus(path: string, fd: number, size: number): { hdus: HduInfo[]; warnings: string[] } {
  const hdus: HduInfo[] = [];
  const warnings: string[] = [];
  const block = Buffer.alloc(BLOCK);
  let offset = 0;
  while (offset < size) {
    const index = hdus.length;
    let got = readFully(fd, block, offset);
    const start = block.toString('latin1', 0, Math.min(got, 9));
    if (index === 0 && start !== 'SIMPLE  =') {
      if (block[0] === 0x1f && block[1] === 0x8b) throw gzipped(path);
      throw notFits(path, `does not start with SIMPLE = (first bytes: ${JSON.stringify(start)})`);
    }
    if (index > 0 && start.slice(0, 8) !== 'XTENSION') {
      const note = afterLastHdu(path, block, got, offset, size, hdus);
      if (note !== undefined) warnings.push(note);
      break;
    }
    const scanner = new HeaderScanner(path, index, offset);
    for (let pos = offset; !scanner.push(block, got); ) {
      if (got < BLOCK) scanner.endOfFile(size);
      pos += BLOCK;
      got = readFully(fd, block, pos);
    }
    const scanned = scanner.header;
    warnings.push(...scanned.notes);
    const cards = parseCards(scanned.images);
    const extname = cards.find((c) => c.key === 'EXTNAME');
    const name = typeof extname?.value === 'string' ? extname.value.trim() : index === 0 ? 'PRIMARY' : '';
    const header = new Header(cards, { file: path, hdu: hduLabel(index, name) });
    const info = describeHdu(index, header, offset, offset + scanned.bytes);
    hdus.push(info);
    if (info.dataOffset + info.dataBytes > size) {
      // Reading this HDU fails ('truncated'); the others may still be read, as in astropy.
      warnings.push(`HDU ${hduLabel(index, name)}: the header announces ${info.dataBytes} bytes of data, the file holds ${Math.max(0, size - info.dataOffset)} of them (the file is truncated, or its NAXISn cards are wrong)`);
    }
    offset = info.dataOffset + padToBlock(info.dataBytes);
  }
  return { hdus, warnings };
}

/** One-shot convenience: open `path`, read one image HDU, close. */
export function readFitsImage(path: string, sel: HduSelector, opts?: ReadImageOptions): NDArray {
  const file = FitsFile.open(path);
  try {
    return file.readImage(sel, opts);
  } finally {
    file.close();
  }
}
