/**
 * A file's bytes in order, from the first to the last, for readers that go through a file
 * once (the streamed medians, the input hash): a plain file read with large positional
 * reads, or a gzip file inflated as it is read (src/fits/gzip.ts). No random access, so both
 * look the same to the block reader, and nothing larger than the caller's buffer is held.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { naming } from '../path-errors.ts';

/** Sequential bytes of one file. */
export interface ByteStream {
  /** Fills `into` with the next bytes; returns how many there were (fewer only at the end). */
  read(into: Uint8Array): Promise<number>;
  /** Releases the file (idempotent). */
  close(): void;
}

/** A plain file, read sequentially with `readSync` straight into the caller's memory. */
export class FileByteStream implements ByteStream {
  #fd: number | undefined;
  #position = 0;

  /** Opens `path` (throws the fs error: the caller names the file). */
  constructor(readonly path: string) {
    this.#fd = openSync(path, 'r');
  }

  read(into: Uint8Array): Promise<number> {
    const fd = this.#fd;
    if (fd === undefined) return Promise.reject(new Error('FileByteStream: closed'));
    let got = 0;
    try {
      while (got < into.length) {
        const n = readSync(fd, into, got, into.length - got, this.#position + got);
        if (n === 0) break;
        got += n;
      }
    } catch (err) {
      // (a read's EISDIR, EIO ... names no path)
      return Promise.reject(naming(err, this.path));
    }
    this.#position += got;
    return Promise.resolve(got);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
