/**
 * A small streaming FITS image writer for the benchmark's multi-GB cubes: src/fits writes
 * whole arrays, which would mean holding a 1.3 GB cube in memory. Here every HDU's place in
 * the file is laid out first, then data is written plane by plane (positional writes, so
 * the planes of several HDUs can be produced together). Headers are made with the project's
 * own card formatter, in the order src/fits/encode.ts writes them; the file is written under
 * a temporary name and renamed when complete.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import type { Card } from '../../src/fits/card.ts';
import { formatCard } from '../../src/fits/format-card.ts';

const BLOCK = 2880;

/** One image HDU to stream: numpy-order shape ([] and BITPIX 8 for a header-only primary), float type, extra cards. */
export interface StreamHdu {
  readonly shape: readonly number[];
  readonly bitpix: 8 | -32 | -64;
  readonly cards: readonly Card[];
  readonly extname?: string;
}

function padded(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

function headerBytes(hdu: StreamHdu, primary: boolean): Buffer {
  const cards: Card[] = [
    primary ? { key: 'SIMPLE', value: true, comment: 'conforms to FITS standard' } : { key: 'XTENSION', value: 'IMAGE', comment: 'Image extension' },
    { key: 'BITPIX', value: hdu.bitpix, comment: 'array data type' },
    { key: 'NAXIS', value: hdu.shape.length, comment: 'number of array dimensions' },
    ...[...hdu.shape].reverse().map((n, i) => ({ key: `NAXIS${i + 1}`, value: n })),
    ...(primary ? [{ key: 'EXTEND', value: true }] : [{ key: 'PCOUNT', value: 0, comment: 'number of parameters' }, { key: 'GCOUNT', value: 1, comment: 'number of groups' }]),
  ];
  if (hdu.extname !== undefined) cards.push({ key: 'EXTNAME', value: hdu.extname, comment: 'extension name' });
  const owned = /^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|PCOUNT|GCOUNT|BSCALE|BZERO|BLANK|EXTNAME|END)$/;
  for (const c of hdu.cards) if (!owned.test(c.key.trim().toUpperCase())) cards.push(c);
  const text = [...cards.flatMap((c) => formatCard(c)), 'END'.padEnd(80)].join('');
  const buf = Buffer.alloc(padded(text.length), ' ');
  buf.write(text, 'latin1');
  return buf;
}

/** A FITS file being written: `writePlane` in any order, then `finish` (or `abort`). */
export class FitsStreamWriter {
  private readonly fd: number;
  private readonly tmp: string;
  private readonly dataStart: number[] = [];
  private readonly dataBytes: number[] = [];
  private readonly elem: number[] = [];
  private readonly planeElems: number[] = [];
  /** Length of the complete file. */
  readonly bytes: number;
  private scratch = Buffer.alloc(0);

  /** Lays out `hdus` (the first is the primary) and writes the headers. */
  constructor(
    private readonly path: string,
    private readonly hdus: readonly StreamHdu[],
  ) {
    this.tmp = `${path}.tmp-${process.pid}`;
    this.fd = openSync(this.tmp, 'w', 0o644);
    let off = 0;
    hdus.forEach((hdu, i) => {
      const h = headerBytes(hdu, i === 0);
      this.write(h, off);
      off += h.length;
      const n = hdu.shape.length === 0 ? 0 : hdu.shape.reduce((a, b) => a * b, 1);
      const size = Math.abs(hdu.bitpix) / 8;
      this.dataStart.push(off);
      this.dataBytes.push(n * size);
      this.elem.push(size);
      this.planeElems.push(hdu.shape.length < 2 ? n : hdu.shape.slice(1).reduce((a, b) => a * b, 1));
      off += padded(n * size);
    });
    this.bytes = off;
  }

  private write(buf: Buffer, position: number): void {
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done, position + done);
  }

  /** Writes plane `index` (along the slowest axis) of HDU `hdu`, converting to big-endian. */
  writePlane(hdu: number, index: number, plane: Float32Array | Float64Array): void {
    const size = this.elem[hdu]!;
    const elems = this.planeElems[hdu]!;
    if (plane.length !== elems || (size === 4) !== plane instanceof Float32Array) {
      throw new RangeError(`writePlane: HDU ${hdu} takes planes of ${elems} ${size === 4 ? 'float32' : 'float64'} values`);
    }
    const bytes = elems * size;
    if (this.scratch.length < bytes) this.scratch = Buffer.alloc(bytes);
    const chunk = this.scratch.subarray(0, bytes);
    Buffer.from(plane.buffer, plane.byteOffset, bytes).copy(chunk);
    if (size === 4) chunk.swap32();
    else chunk.swap64();
    this.write(chunk, this.dataStart[hdu]! + index * bytes);
  }

  /** Pads the file to its full length, syncs and renames it into place. */
  finish(): void {
    // Zero padding after each HDU's data (written, so the file has its full length).
    this.hdus.forEach((_, i) => {
      const pad = padded(this.dataBytes[i]!) - this.dataBytes[i]!;
      if (pad > 0) this.write(Buffer.alloc(pad), this.dataStart[i]! + this.dataBytes[i]!);
    });
    fsyncSync(this.fd);
    closeSync(this.fd);
    renameSync(this.tmp, this.path);
  }

  /** Closes and removes the temporary file. */
  abort(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(this.tmp);
    } catch {
      // never created
    }
  }
}
