/**
 * A FITS file read once, from its first byte to its last: each HDU's header parsed as it
 * comes, its data handed out in the caller's blocks, and every byte (headers, data, padding,
 * anything after the last HDU) shown to a tap in file order, so a content hash can be taken
 * from the same read. Plain and gzip files alike (src/fits/byte-stream.ts): this is how a
 * cube is read without being held, and how a `.fits.gz` is read at all.
 *
 * The random-access reader (read.ts) indexes every header first; this one sees them in
 * order, so what follows an HDU is unknown until its data has been read through.
 */
import type { ByteStream } from './byte-stream.ts';
import { OnesComplementSum } from './checksum.ts';
import { checksumsOf, type HduChecksums } from './checksum-verify.ts';
import { FitsError, hduLabel } from './errors.ts';
import { BLOCK, describeHdu, padToBlock, type HduInfo } from './hdu-info.ts';
import { afterLastHdu, HeaderScanner } from './header-scan.ts';
import { Header, parseCards } from './header.ts';

/** Receives every byte the reader reads, in file order. */
export type ByteTap = (bytes: Uint8Array) => void;

const SKIP_BYTES = 1 << 20;

/** Reads a FITS byte stream HDU by HDU. */
export class FitsBlockReader {
  /** Every HDU whose header has been read, in file order. */
  readonly hdus: HduInfo[] = [];
  #position = 0;
  #ended = false;
  #scratch: Uint8Array | undefined;
  /** The HDU whose data is being read, how far, and its checksum sums when they are taken. */
  #current: { info: HduInfo; read: number; sum: { info: HduInfo; header: Uint8Array; data: OnesComplementSum } | undefined } | undefined;
  readonly #sums: HduChecksums[] = [];
  /** Defects read past, as FitsFile.warnings: each names its HDU. */
  readonly warnings: string[] = [];

  /**
   * @param file named in errors
   * @param what how the file is described in errors (e.g. "the gzip-compressed file")
   * @param sums the HDUs whose CHECKSUM and DATASUM to check as their bytes pass (those that
   *   carry them), the check read.ts's checksum-verify.ts makes with a read of its own
   */
  constructor(
    readonly file: string,
    private readonly stream: ByteStream,
    private readonly tap?: ByteTap,
    private readonly what = 'the file',
    private readonly sums?: (info: HduInfo) => boolean,
  ) {}


  /** Bytes read so far. */
  get position(): number {
    return this.#position;
  }

  /**
   * The next HDU's header, after skipping what is left of the current HDU's data; undefined
   * at the end of the file (or where what follows the last HDU is not an extension, which is
   * read through and, as astropy does, ignored with a warning unless it is padding).
   * Headers are scanned by the same rules as the random-access reader's (header-scan.ts):
   * one without END is refused, defects read past become {@link warnings}.
   */
  async nextHdu(): Promise<HduInfo | undefined> {
    if (this.#ended) return undefined;
    await this.#skipCurrent();
    const index = this.hdus.length;
    const headerOffset = this.#position;
    const block = new Uint8Array(BLOCK);
    let got = await this.#read(block);
    if (index > 0 && got === 0) return this.#end();
    const start = Buffer.from(block.buffer, block.byteOffset, Math.min(got, 9)).toString('latin1');
    if (index === 0 && start !== 'SIMPLE  =') {
      throw new FitsError({ reason: 'not-fits', file: this.file, detail: `${this.what} does not start with SIMPLE = (first bytes: ${JSON.stringify(start)})`, hint: 'Check the path; a FITS file starts with the card SIMPLE = T.' });
    }
    if (index > 0 && start.slice(0, 8) !== 'XTENSION') {
      // what follows the last HDU: read to the end (the tap), then judged as read.ts judges it
      await this.#skip(Infinity);
      const note = afterLastHdu(this.file, Buffer.from(block.buffer, block.byteOffset, block.length), got, headerOffset, this.#position, this.hdus);
      if (note !== undefined) this.warnings.push(note);
      return this.#end();
    }
    const scanner = new HeaderScanner(this.file, index, headerOffset);
    const header: Uint8Array[] | undefined = this.sums ? [] : undefined;
    for (;;) {
      header?.push(block.slice(0, got));
      if (scanner.push(block, got)) break;
      if (got < BLOCK) scanner.endOfFile(this.#position);
      got = await this.#read(block);
    }
    const scanned = scanner.header;
    this.warnings.push(...scanned.notes);
    const cards = parseCards(scanned.images);
    const extname = cards.find((c) => c.key === 'EXTNAME');
    const name = typeof extname?.value === 'string' ? extname.value.trim() : index === 0 ? 'PRIMARY' : '';
    const info = describeHdu(index, new Header(cards, { file: this.file, hdu: hduLabel(index, name) }), headerOffset, headerOffset + scanned.bytes);
    this.hdus.push(info);
    const sum = header && this.sums?.(info) && (info.header.has('CHECKSUM') || info.header.has('DATASUM')) ? { info, header: Buffer.concat(header), data: new OnesComplementSum() } : undefined;
    this.#current = { info, read: 0, sum };
    return info;
  }

  /**
   * The CHECKSUM and DATASUM of each HDU the `sums` option chose that carries them, from the
   * bytes read (complete once the HDU has been read through: call after {@link drain}).
   */
  checksums(): HduChecksums[] {
    return this.#sums;
  }

  /** Fills `into` with the next bytes of the current HDU's data (FitsError 'truncated' when the file ends first). */
  async readData(into: Uint8Array): Promise<void> {
    const cur = this.#current;
    if (!cur) throw new Error('FitsBlockReader: readData before nextHdu');
    if (cur.read + into.length > cur.info.dataBytes) throw new Error(`FitsBlockReader: ${into.length} bytes asked past the end of HDU ${cur.info.index}'s data`);
    const got = await this.#read(into);
    cur.read += got;
    if (got < into.length) throw this.#truncated(cur.info);
  }

  /** Reads what is left of the current HDU's data and its padding (the tap sees it). */
  async #skipCurrent(): Promise<void> {
    const cur = this.#current;
    if (!cur) return;
    const data = cur.info.dataBytes - cur.read;
    if ((await this.#skip(data)) < data) throw this.#truncated(cur.info);
    // a short padding block at the end of the file is tolerated, as astropy does
    const pad = padToBlock(cur.info.dataBytes) - cur.info.dataBytes;
    if ((await this.#skip(pad)) < pad) this.#ended = true;
    this.#current = undefined;
    if (cur.sum) this.#sums.push(checksumsOf(cur.sum.info, cur.sum.data.value, cur.sum.header));
  }

  /** Reads up to `n` bytes and returns how many there were. */
  async #skip(n: number): Promise<number> {
    let done = 0;
    while (done < n) {
      this.#scratch ??= new Uint8Array(SKIP_BYTES);
      const part = this.#scratch.subarray(0, Math.min(n - done, SKIP_BYTES));
      const got = await this.#read(part);
      done += got;
      if (got < part.length) break;
    }
    return done;
  }

  /** Reads everything that is left (the tap sees it), e.g. to finish a content hash. */
  async drain(): Promise<void> {
    if (this.#current) await this.#skipCurrent();
    while (!this.#ended && (await this.nextHdu()));
  }

  /** Releases the file. */
  close(): void {
    this.stream.close();
  }

  async #read(into: Uint8Array): Promise<number> {
    const got = await this.stream.read(into);
    const bytes = got === into.length ? into : into.subarray(0, got);
    if (got > 0) this.tap?.(bytes);
    this.#current?.sum?.data.update(bytes);
    this.#position += got;
    return got;
  }

  #end(): undefined {
    this.#ended = true;
    this.#current = undefined;
    return undefined;
  }

  #truncated(info: HduInfo): FitsError {
    return new FitsError({
      reason: 'truncated',
      file: this.file,
      detail: `HDU ${hduLabel(info.index, info.name)} announces ${info.dataBytes} bytes of data at offset ${info.dataOffset}, but ${this.what} ends at byte ${this.#position}`,
      hint: 'The file is truncated (an interrupted download or copy?); fetch it again.',
    });
  }
}
