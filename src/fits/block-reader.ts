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
import { FitsError, hduLabel } from './errors.ts';
import { BLOCK, describeHdu, padToBlock, type HduInfo } from './hdu-info.ts';
import { Header, parseCards } from './header.ts';
import type { ByteStream } from './byte-stream.ts';

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
  /** The HDU whose data is being read, and how far. */
  #current: { info: HduInfo; read: number } | undefined;

  /**
   * @param file named in errors
   * @param what how the file is described in errors (e.g. "the gzip-compressed file")
   */
  constructor(
    readonly file: string,
    private readonly stream: ByteStream,
    private readonly tap?: ByteTap,
    private readonly what = 'the file',
  ) {}

  /** Bytes read so far. */
  get position(): number {
    return this.#position;
  }

  /**
   * The next HDU's header, after skipping what is left of the current HDU's data; undefined
   * at the end of the file (or where what follows the last HDU is not an extension, which is
   * read through and ignored, as astropy does).
   */
  async nextHdu(): Promise<HduInfo | undefined> {
    if (this.#ended) return undefined;
    await this.#skipCurrent();
    const index = this.hdus.length;
    const headerOffset = this.#position;
    const images: string[] = [];
    const block = new Uint8Array(BLOCK);
    for (let first = true; ; first = false) {
      const got = await this.#read(block);
      if (first && index > 0 && got === 0) return this.#end();
      const text = Buffer.from(block.buffer, block.byteOffset, got).toString('latin1');
      if (first) {
        if (index === 0 && !text.startsWith('SIMPLE  =')) {
          throw new FitsError({ reason: 'not-fits', file: this.file, detail: `${this.what} does not start with SIMPLE = (first bytes: ${JSON.stringify(text.slice(0, 9))})`, hint: 'Check the path; a FITS file starts with the card SIMPLE = T.' });
        }
        if (index > 0 && !text.startsWith('XTENSION')) {
          await this.drain();
          return this.#end();
        }
      } else if (/^(XTENSION=|SIMPLE  =)/.test(text)) {
        // the next HDU began before this header ended
        throw this.#noEnd(index, headerOffset);
      }
      let ended = false;
      for (let c = 0; c + 80 <= got && !ended; c += 80) {
        const image = text.slice(c, c + 80);
        if (image.startsWith('END') && image.slice(3).trim() === '') ended = true;
        else images.push(image);
      }
      if (ended) break;
      if (got < BLOCK) throw this.#noEnd(index, headerOffset);
    }
    const cards = parseCards(images);
    const extname = cards.find((c) => c.key === 'EXTNAME');
    const name = typeof extname?.value === 'string' ? extname.value.trim() : index === 0 ? 'PRIMARY' : '';
    const info = describeHdu(index, new Header(cards, { file: this.file, hdu: hduLabel(index, name) }), headerOffset, this.#position);
    this.hdus.push(info);
    this.#current = { info, read: 0 };
    return info;
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
    this.#current = undefined;
    const data = cur.info.dataBytes - cur.read;
    if ((await this.#skip(data)) < data) throw this.#truncated(cur.info);
    // a short padding block at the end of the file is tolerated, as astropy does
    const pad = padToBlock(cur.info.dataBytes) - cur.info.dataBytes;
    if ((await this.#skip(pad)) < pad) this.#ended = true;
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
    this.#current = undefined;
    this.#scratch ??= new Uint8Array(SKIP_BYTES);
    while ((await this.#read(this.#scratch)) === this.#scratch.length);
    this.#ended = true;
  }

  /** Releases the file. */
  close(): void {
    this.stream.close();
  }

  async #read(into: Uint8Array): Promise<number> {
    const got = await this.stream.read(into);
    if (got > 0) this.tap?.(got === into.length ? into : into.subarray(0, got));
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

  #noEnd(index: number, offset: number): FitsError {
    return new FitsError({
      reason: 'truncated',
      file: this.file,
      detail: `the header of HDU #${index} (at byte ${offset}) has no END card`,
      hint: 'The file is damaged or truncated; astropy refuses it too. Fetch or write it again.',
    });
  }
}
