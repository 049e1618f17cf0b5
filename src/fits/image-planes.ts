/**
 * An image HDU read in order, a run of planes (slices of its first numpy axis) at a time,
 * into one buffer reused for every run: by position from a plain file (read.ts), inflated
 * in order from a gzip one (block-reader.ts), so a stage that walks through an HDU (the SFH
 * weights, one age at a time) reads a `.fits.gz` without a temporary file or the whole
 * HDU in memory. Values are astropy's physical values as float64.
 */
import { FitsBlockReader } from './block-reader.ts';
import { FitsError, hduLabel } from './errors.ts';
import { GunzipByteStream, isGzip } from './gzip.ts';
import type { HduInfo } from './hdu-info.ts';
import { storedToFloats } from './raw-io.ts';
import { FitsFile } from './read.ts';
import { planScaling } from './scaling.ts';

/** Planes of one image HDU, in order. */
export interface ImagePlanes {
  readonly info: HduInfo;
  /** The next `count` planes, as float64 physical values (valid until the next call). */
  next(count: number): Promise<Float64Array>;
  close(): void;
}

/** Opens HDU `index` of `file` (plain or gzip) for reading its planes in order. */
export async function openImagePlanes(file: string, index: number): Promise<ImagePlanes> {
  return isGzip(file) ? GzipPlanes.open(file, index) : new PlainPlanes(file, index);
}

function planeSize(info: HduInfo): number {
  return info.shape.slice(1).reduce((a, b) => a * b, 1);
}

class PlainPlanes implements ImagePlanes {
  readonly info: HduInfo;
  readonly #fits: FitsFile;
  #at = 0;
  #buf: Float64Array | undefined;

  constructor(file: string, index: number) {
    this.#fits = FitsFile.open(file);
    this.info = this.#fits.hdu(index);
  }

  async next(count: number): Promise<Float64Array> {
    const plain = this.info.bitpix === -64 && planScaling(this.info.header, -64).kind === 'raw';
    const n = count * planeSize(this.info);
    if (plain && this.#buf?.length !== n) this.#buf = new Float64Array(n);
    const data = this.#fits.readImage(this.info.index, { planes: { start: this.#at, count }, ...(plain ? { into: this.#buf } : {}) }).data;
    this.#at += count;
    return data instanceof Float64Array ? data : Float64Array.from(data as ArrayLike<number>);
  }

  close(): void {
    this.#fits.close();
  }
}

class GzipPlanes implements ImagePlanes {
  #raw: Buffer | undefined;
  #out: Float64Array | undefined;
  #left: number;

  private constructor(
    readonly info: HduInfo,
    private readonly reader: FitsBlockReader,
  ) {
    this.#left = info.shape[0] ?? 0;
  }

  static async open(file: string, index: number): Promise<GzipPlanes> {
    const reader = new FitsBlockReader(file, new GunzipByteStream(file), undefined, 'the gzip-compressed file');
    try {
      for (let info = await reader.nextHdu(); info; info = await reader.nextHdu()) if (info.index === index) return new GzipPlanes(info, reader);
    } catch (err) {
      reader.close();
      throw err;
    }
    reader.close();
    throw new FitsError({ reason: 'no-such-hdu', file, detail: `HDU #${index} not found (the gzip-compressed file has ${reader.hdus.length})`, hint: 'Check that this is the file you meant.' });
  }

  async next(count: number): Promise<Float64Array> {
    if (count > this.#left) throw new FitsError({ reason: 'size-mismatch', file: this.reader.file, detail: `HDU ${hduLabel(this.info.index, this.info.name)}: ${count} planes asked, ${this.#left} left`, hint: 'Ask for planes within the HDU.' });
    const n = count * planeSize(this.info);
    const size = Math.abs(this.info.bitpix) / 8;
    if (this.#raw?.length !== n * size) this.#raw = Buffer.from(new ArrayBuffer(n * size));
    if (this.#out?.length !== n) this.#out = new Float64Array(n);
    await this.reader.readData(this.#raw);
    storedToFloats(this.#raw, n, this.info.bitpix, planScaling(this.info.header, this.info.bitpix), this.#out);
    this.#left -= count;
    return this.#out;
  }

  close(): void {
    this.reader.close();
  }
}
