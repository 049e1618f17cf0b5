/**
 * A small ZIP writer (APPNOTE 6.3: local headers with a data descriptor, a central
 * directory, ZIP64 where sizes or offsets pass 4 GiB), on Node's own zlib (`deflateRaw`
 * and `crc32`): a crate with its results is a few hundred MB, with its inputs terabytes,
 * so every file is streamed through with bounded memory, never read whole. Names are
 * UTF-8 (flag bit 11). The archive is written under a temporary name and renamed when
 * complete, so a zip under the final name is never half-written. No dependency: the
 * permissively licensed ones (archiver, yazl) would add more code than this.
 */
import { closeSync, createReadStream, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { tempNameFor } from '../cache/atomic.ts';

const MAX32 = 0xffffffff;
/** An entry this large or larger gets ZIP64 sizes (its compressed size might pass 4 GiB). */
const ZIP64_ENTRY = 0xfff00000;

interface Entry {
  readonly name: Buffer;
  readonly method: 0 | 8;
  readonly time: number;
  readonly date: number;
  readonly offset: number;
  readonly zip64: boolean;
  crc: number;
  csize: number;
  usize: number;
}

/** Options of {@link ZipWriter}: `forceZip64` writes ZIP64 records for every entry and the end (tests use it to read that path back with Python's zipfile without writing 4 GiB). */
export interface ZipOptions {
  readonly forceZip64?: boolean;
}

/** Writes one ZIP archive, entry by entry; {@link close} completes it under its name. */
export class ZipWriter {
  private readonly temp: string;
  private readonly fd: number;
  private offset = 0;
  private readonly entries: Entry[] = [];
  private done = false;

  constructor(
    readonly file: string,
    private readonly options: ZipOptions = {},
  ) {
    this.temp = tempNameFor(file);
    this.fd = openSync(this.temp, 'w');
  }

  /** Adds `data` as `name`. */
  async addData(name: string, data: Uint8Array, mtime: Date, compress = true): Promise<void> {
    await this.add(name, Readable.from([Buffer.from(data)]), data.length, mtime, compress);
  }

  /** Adds the file `source` as `name`, streamed; `size` is its size now (it decides ZIP64). */
  async addFile(name: string, source: string, size: number, mtime: Date, compress: boolean): Promise<void> {
    await this.add(name, createReadStream(source, { highWaterMark: 4 * 1024 * 1024 }), size, mtime, compress);
  }

  private async add(name: string, input: Readable, size: number, mtime: Date, compress: boolean): Promise<void> {
    if (this.done) throw new Error('zip: add after close');
    if (name.startsWith('/') || name.split('/').includes('..')) throw new Error(`zip: entry name ${name} leaves the archive`);
    const zip64 = this.options.forceZip64 === true || size >= ZIP64_ENTRY;
    const { time, date } = dosTime(mtime);
    const entry: Entry = { name: Buffer.from(name, 'utf8'), method: compress ? 8 : 0, time, date, offset: this.offset, zip64, crc: 0, csize: 0, usize: 0 };
    // A ZIP64 entry's local header says so with an extra field; its sizes follow the data, in 8 bytes.
    const extra = zip64 ? concat(u16(1, 16), Buffer.alloc(16)) : Buffer.alloc(0);
    this.write(concat(u32(0x04034b50), u16(zip64 ? 45 : 20, 0x0808, entry.method, time, date), u32(0, zip64 ? MAX32 : 0, zip64 ? MAX32 : 0), u16(entry.name.length, extra.length), entry.name, extra));
    const counter = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        this.write(chunk);
        entry.csize += chunk.length;
        cb();
      },
    });
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        entry.crc = zlib.crc32(chunk, entry.crc);
        entry.usize += chunk.length;
        cb(null, chunk);
      },
    });
    if (compress) await pipeline(input, tap, zlib.createDeflateRaw({ level: 6 }), counter);
    else await pipeline(input, tap, counter);
    this.write(zip64 ? concat(u32(0x08074b50, entry.crc), u64(entry.csize, entry.usize)) : concat(u32(0x08074b50, entry.crc, entry.csize, entry.usize)));
    if (!zip64 && (entry.csize >= MAX32 || entry.usize >= MAX32)) throw new Error(`zip: ${name} grew past 4 GiB while it was written`);
    this.entries.push(entry);
  }

  /** Writes the central directory and the end records, then renames the archive to its name. */
  close(): void {
    if (this.done) return;
    this.done = true;
    const start = this.offset;
    for (const e of this.entries) {
      const big = { usize: e.zip64 || e.usize >= MAX32, csize: e.zip64 || e.csize >= MAX32, offset: this.options.forceZip64 === true || e.offset >= MAX32 };
      const fields = [...(big.usize ? [e.usize] : []), ...(big.csize ? [e.csize] : []), ...(big.offset ? [e.offset] : [])];
      const extra = fields.length ? concat(u16(1, fields.length * 8), u64(...fields)) : Buffer.alloc(0);
      const needs = fields.length ? 45 : 20;
      this.write(
        concat(
          u32(0x02014b50),
          u16((3 << 8) | needs, needs, 0x0808, e.method, e.time, e.date),
          u32(e.crc, big.csize ? MAX32 : e.csize, big.usize ? MAX32 : e.usize),
          u16(e.name.length, extra.length, 0, 0, 0),
          u32((0o100644 << 16) >>> 0, big.offset ? MAX32 : e.offset),
          e.name,
          extra,
        ),
      );
    }
    const size = this.offset - start;
    const zip64 = this.options.forceZip64 === true || this.entries.length >= 0xffff || start >= MAX32 || size >= MAX32 || this.entries.some((e) => e.zip64);
    if (zip64) {
      const at = this.offset;
      this.write(concat(u32(0x06064b50), u64(44), u16(45, 45), u32(0, 0), u64(this.entries.length, this.entries.length, size, start)));
      this.write(concat(u32(0x07064b50, 0), u64(at), u32(1)));
    }
    const n = zip64 ? 0xffff : this.entries.length;
    this.write(concat(u32(0x06054b50), u16(0, 0, n, n), u32(zip64 ? MAX32 : size, zip64 ? MAX32 : start), u16(0)));
    fsyncSync(this.fd);
    closeSync(this.fd);
    renameSync(this.temp, this.file);
  }

  /** Gives up: the temporary file goes, nothing is left under the archive's name. */
  abort(): void {
    if (!this.done) {
      this.done = true;
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    rmSync(this.temp, { force: true });
  }

  private write(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length) at += writeSync(this.fd, bytes, at, bytes.length - at, this.offset + at);
    this.offset += bytes.length;
  }
}

/** MS-DOS date and time (local time, two-second steps; 1980 at the earliest), as ZIP keeps them. */
function dosTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, Math.min(2107, d.getFullYear()));
  return { time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1), date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate() };
}

function u16(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeUInt16LE(v, i * 2));
  return b;
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32LE(v >>> 0, i * 4));
  return b;
}

function u64(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), i * 8));
  return b;
}

function concat(...parts: Uint8Array[]): Buffer {
  return Buffer.concat(parts);
}
