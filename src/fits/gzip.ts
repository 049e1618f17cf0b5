/**
 * gzip-compressed FITS (`.fits.gz`, as the ESO archive and collaborators hand cubes out):
 * recognised by its first two bytes under any name, found next to the name a pipeline
 * expects (`X.fits` absent, `X.fits.gz` there), and inflated as a stream while it is read
 * (zlib on libuv's thread pool, so the inflating overlaps the reader's work). gzip has no
 * random access: a reader that needs several passes inflates the file each time.
 * Tile-compressed FITS (`.fz`, ZIMAGE) is a different format, refused with its own error.
 */
import { closeSync, createReadStream, existsSync, openSync, readSync, type ReadStream } from 'node:fs';
import { createGunzip, type Gunzip } from 'node:zlib';
import path from 'node:path';
import { FileByteStream, type ByteStream } from './byte-stream.ts';
import { FitsError } from './errors.ts';

/** Bytes zlib hands over at a time. */
const CHUNK = 1 << 20;

/** True when `file` starts with gzip's magic bytes 1f 8b (false when it cannot be read). */
export function isGzip(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The file a FITS name stands for: `X.fits` itself when it exists, else `X.fits.gz` when
 * that does (so a compressed copy is found under the name the catalog gives), else `X.fits`.
 */
export function fitsFileOf(file: string): string {
  if (existsSync(file) || !/\.(fits?|fts)$/i.test(file)) return file;
  const gz = `${file}.gz`;
  return existsSync(gz) ? gz : file;
}

/**
 * When both `X.fits` and `X.fits.gz` exist, which one is read (`X.fits`, by {@link fitsFileOf})
 * in a sentence for a warning; else undefined. The two may differ (an old copy next to a new
 * download), and choosing between them without a word could give a result from the wrong one.
 */
export function bothFormsWarning(file: string): string | undefined {
  if (!/\.(fits?|fts)$/i.test(file) || !existsSync(file) || !existsSync(`${file}.gz`)) return undefined;
  const name = path.basename(file);
  return `both ${name} and ${name}.gz are in ${path.dirname(file)}: ${name} is read, ${name}.gz is not (remove the one that is not meant, e.g. after \`gunzip -k\`)`;
}

/** A gzip file's inflated bytes, in order. */
export class GunzipByteStream implements ByteStream {
  readonly #source: ReadStream;
  readonly #gunzip: Gunzip;
  readonly #chunks: AsyncIterator<Buffer>;
  #current: Buffer | undefined;
  #offset = 0;
  #done = false;

  constructor(readonly file: string) {
    this.#source = createReadStream(file, { highWaterMark: CHUNK });
    this.#gunzip = createGunzip({ chunkSize: CHUNK });
    this.#source.on('error', (err) => this.#gunzip.destroy(err));
    this.#source.pipe(this.#gunzip);
    this.#chunks = this.#gunzip[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  async read(into: Uint8Array): Promise<number> {
    let got = 0;
    while (got < into.length && !this.#done) {
      if (!this.#current || this.#offset === this.#current.length) {
        let next: IteratorResult<Buffer>;
        try {
          next = await this.#chunks.next();
        } catch (err) {
          throw damaged(this.file, err);
        }
        if (next.done) {
          this.#done = true;
          break;
        }
        this.#current = next.value;
        this.#offset = 0;
      }
      const n = Math.min(into.length - got, this.#current.length - this.#offset);
      into.set(this.#current.subarray(this.#offset, this.#offset + n), got);
      this.#offset += n;
      got += n;
    }
    return got;
  }

  close(): void {
    this.#done = true;
    this.#source.destroy();
    this.#gunzip.destroy();
  }
}

/**
 * For readers that need random access (they cannot read gzip): the error for a gzip file.
 * The pipeline's own inputs (cubes, pPXF outputs, nGIST files) are read compressed.
 */
export function gzipped(file: string): FitsError {
  return new FitsError({
    reason: 'compressed',
    file,
    detail: 'is gzip-compressed (a .fits.gz), and this reader needs the uncompressed file',
    hint: `sfh-pipeline reads .fits.gz cubes, pPXF outputs and nGIST files as they are; to use this file elsewhere, decompress it: gunzip -k ${file}`,
  });
}

/** The error for a `X.fits` that is absent while `X.fits.gz` is there (undefined otherwise). */
export function gzipNextTo(file: string): FitsError | undefined {
  if (!existsSync(`${file}.gz`)) return undefined;
  return new FitsError({
    reason: 'not-fits',
    file,
    detail: `does not exist, but ${file}.gz (gzip-compressed) does`,
    hint: `sfh-pipeline's stages find X.fits.gz under the name X.fits and read it compressed; to open it here, decompress it: gunzip -k ${file}.gz`,
    code: 'ENOENT',
  });
}

/** The bytes of a FITS file in order: inflated when it is gzip-compressed. */
export function openByteStream(file: string): ByteStream {
  return isGzip(file) ? new GunzipByteStream(file) : new FileByteStream(file);
}

/** zlib's failure on a damaged or cut-off gzip file, as the FITS module's error. */
function damaged(file: string, err: unknown): FitsError {
  const code = (err as NodeJS.ErrnoException).code;
  const cut = code === 'Z_BUF_ERROR' || /unexpected end/i.test(String((err as Error).message));
  return new FitsError({
    reason: code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' ? 'not-fits' : 'truncated',
    file,
    detail: cut ? 'the gzip-compressed file ends before its compressed stream does (truncated)' : `the gzip-compressed file cannot be inflated (${(err as Error).message})`,
    hint: cut ? 'The file is truncated (an interrupted download or copy?); fetch it again (`gzip -t` checks a copy).' : 'The file is damaged; fetch it again, or check it with `gzip -t`.',
    ...(code === undefined ? {} : { code }),
    cause: err,
  });
}
