/**
 * The FITS checksum convention (FITS 4.0 Appendix J, after Seaman, Pence & Rots): a 32-bit
 * ones'-complement sum of a byte stream read as big-endian 32-bit words. `DATASUM` is the
 * sum of an HDU's data unit as a decimal string; `CHECKSUM` is a 16-character ASCII encoding
 * of the complement of the header-and-data sum, chosen so that the whole HDU then sums to
 * negative zero (0xFFFFFFFF). DATASUM alone identifies a payload across header edits.
 *
 * The sum is incremental ({@link OnesComplementSum}): bytes may arrive in chunks of any
 * length and alignment, so it can ride on a read that streams a 3 GB cube anyway instead
 * of reading it a second time.
 */

/** The 32-bit ones'-complement sum of every HDU that carries a valid CHECKSUM. */
export const NEGATIVE_ZERO = 0xffffffff;

/** Words summed between two carry-outs of the byte lanes: 128 x 0x00FF00FF stays below 2^31. */
const LANE_WORDS = 128;

/** Aligned scratch for chunks whose byte offset is not a multiple of 4. */
const SCRATCH_BYTES = 1 << 16;
let scratch: Uint8Array | undefined;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Folds `hi * 2^16 + lo` (each up to 2^53) with end-around carries into a 32-bit value, as
 * the convention's reference code does: 0 only for an all-zero input, else 1..0xFFFFFFFF.
 */
function fold(hi: number, lo: number): number {
  let h = hi;
  let l = lo;
  while (h > 0xffff || l > 0xffff) {
    const hc = Math.floor(h / 0x10000);
    const lc = Math.floor(l / 0x10000);
    h = (h % 0x10000) + lc;
    l = (l % 0x10000) + hc;
  }
  return h * 0x10000 + l;
}

/**
 * A running 32-bit ones'-complement sum over a byte stream (FITS checksum convention).
 * `update` takes chunks of any size; words are counted from the first byte of the stream,
 * so a word split between two chunks is summed once both halves are in. A stream whose
 * length is not a multiple of 4 is summed as if padded with zeros (FITS HDUs never are).
 */
export class OnesComplementSum {
  /** Sums of the words' high and low 16-bit halves (exact while below 2^53: ~2^37 words). */
  #hi: number;
  #lo: number;
  /** Bytes of a word begun at the end of the previous chunk. */
  readonly #partial = new Uint8Array(4);
  #partialLength = 0;

  /** Starts from `start`, e.g. a DATASUM, so a header's bytes can be added to its data's sum. */
  constructor(start = 0) {
    if (!Number.isInteger(start) || start < 0 || start > 0xffffffff) throw new RangeError(`a 32-bit sum is an integer in 0..2^32-1, got ${start}`);
    this.#hi = Math.floor(start / 0x10000);
    this.#lo = start % 0x10000;
  }

  /** Adds the next bytes of the stream. */
  update(bytes: Uint8Array): this {
    let at = 0;
    if (this.#partialLength > 0) {
      while (this.#partialLength < 4 && at < bytes.length) this.#partial[this.#partialLength++] = bytes[at++] as number;
      if (this.#partialLength < 4) return this;
      this.#addWords(this.#partial, 0, 1);
      this.#partialLength = 0;
    }
    const words = Math.floor((bytes.length - at) / 4);
    if (words > 0) {
      const offset = bytes.byteOffset + at;
      if (offset % 4 === 0) {
        this.#addWords(bytes, at, words);
      } else {
        // A Uint32Array view needs an aligned offset: copy through an aligned scratch.
        scratch ??= new Uint8Array(SCRATCH_BYTES);
        for (let done = 0; done < words; ) {
          const n = Math.min(words - done, SCRATCH_BYTES / 4);
          scratch.set(bytes.subarray(at + done * 4, at + (done + n) * 4));
          this.#addWords(scratch, 0, n);
          done += n;
        }
      }
      at += words * 4;
    }
    while (at < bytes.length) this.#partial[this.#partialLength++] = bytes[at++] as number;
    return this;
  }

  /** The sum so far, folded to 32 bits (a trailing partial word counts as zero-padded). */
  get value(): number {
    let hi = this.#hi;
    let lo = this.#lo;
    if (this.#partialLength > 0) {
      const p = this.#partial;
      hi += ((p[0] as number) << 8) | (this.#partialLength > 1 ? (p[1] as number) : 0);
      lo += this.#partialLength > 2 ? (p[2] as number) << 8 : 0;
    }
    return fold(hi, lo);
  }

  /**
   * Adds `count` big-endian words of `bytes` from `at` (an aligned offset). On a
   * little-endian machine a word read natively holds its bytes reversed, so the bytes are
   * summed lane by lane (two lanes per 32-bit integer, carried out every 128 words) and
   * recombined as big-endian halves: no byte swap and no copy of the data.
   */
  #addWords(bytes: Uint8Array, at: number, count: number): void {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset + at, count);
    if (!LITTLE_ENDIAN) {
      let hi = 0;
      let lo = 0;
      for (let i = 0; i < count; i++) {
        const x = w[i] as number;
        hi += x >>> 16;
        lo += x & 0xffff;
      }
      this.#hi += hi;
      this.#lo += lo;
      return;
    }
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    for (let start = 0; start < count; start += LANE_WORDS) {
      const end = Math.min(count, start + LANE_WORDS);
      let even = 0; // byte 0 + byte 2 << 16
      let odd = 0; // byte 1 + byte 3 << 16
      for (let i = start; i < end; i++) {
        const x = w[i] as number;
        even += x & 0x00ff00ff;
        odd += (x >>> 8) & 0x00ff00ff;
      }
      b0 += even & 0xffff;
      b2 += even >>> 16;
      b1 += odd & 0xffff;
      b3 += odd >>> 16;
    }
    this.#hi += b0 * 256 + b1;
    this.#lo += b2 * 256 + b3;
  }
}

/** The 32-bit ones'-complement sum of `bytes`, optionally continuing from `start`. */
export function onesComplementSum(bytes: Uint8Array, start = 0): number {
  return new OnesComplementSum(start).update(bytes).value;
}

// ASCII punctuation between the digits and the letters that the encoding avoids.
const EXCLUDE: ReadonlySet<number> = new Set([0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60]);

/**
 * The CHECKSUM value for an HDU whose header (with CHECKSUM = '0000000000000000') and data
 * sum to `sum`: the convention's encoding of `~sum` as 16 characters in 0-9A-Za-z (each
 * byte spread over four characters offset from '0', shifted out of the punctuation, then
 * the string rotated one place right because the value starts at byte 11 of its card). The
 * encoding is the reference one that astropy and CFITSIO use, so they read the same string.
 */
export function encodeChecksum(sum: number): string {
  const value = ~sum >>> 0;
  const asc: number[] = Array.from({ length: 16 }, () => 0);
  for (let i = 0; i < 4; i++) {
    const byte = (value >>> ((3 - i) * 8)) & 0xff;
    const q = Math.floor(byte / 4) + 0x30;
    const ch: [number, number, number, number] = [q + (byte % 4), q, q, q];
    // Move each pair (0,1), (2,3) apart until neither character is punctuation: the pair's
    // sum, and so the checksum, is unchanged.
    for (const [j, k] of [[0, 1], [2, 3]] as const) {
      while (EXCLUDE.has(ch[j]) || EXCLUDE.has(ch[k])) {
        ch[j] += 1;
        ch[k] -= 1;
      }
    }
    for (let j = 0; j < 4; j++) asc[4 * j + i] = ch[j] as number;
  }
  return String.fromCharCode(...asc.map((_, i) => asc[(i + 15) % 16] as number));
}
