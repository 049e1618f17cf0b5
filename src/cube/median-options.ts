/**
 * What the streamed medians of a FITS HDU are asked (which HDU, checks, a tap) and what they
 * report about their reads (tests and the benchmark count them).
 */
import type { ByteTap } from '../fits/block-reader.ts';
import type { HduChecksums } from '../fits/checksum-verify.ts';
import type { HduInfo } from '../fits/hdu-info.ts';

/** Options of the streamed medians. */
export interface StreamedMedianOptions {
  /** Sees every byte of the file, in order (for gzip: every inflated byte); the file is then read to its end. */
  readonly tap?: ByteTap;
  /** Bytes of planes per block (tests make it small). */
  readonly blockBytes?: number;
  /** Median helper threads (see StreamedNanmedian). */
  readonly helpers?: number;
  /**
   * The HDUs whose CHECKSUM and DATASUM to check from the same read (src/fits/block-reader.ts);
   * with `wholeFile`, the file is read to its end for them even without a tap.
   */
  readonly sums?: (info: HduInfo) => boolean;
  readonly wholeFile?: boolean;
}

/** What a streamed median found besides the median: every header, the HDU it took, what its read found. */
export interface StreamedMedian {
  readonly median: Float32Array;
  readonly hdus: readonly HduInfo[];
  readonly target: HduInfo;
  /** Defects the read went past (FitsFile.warnings' kind), each naming its HDU. */
  readonly warnings: readonly string[];
  /** The checksums of the HDUs `sums` chose that carry them. */
  readonly checksums: readonly HduChecksums[];
}

/** Which HDU's median is wanted, told apart as the headers arrive (a gzip file is read in order). */
export interface MedianTarget {
  /** The first HDU this is true for... */
  readonly pick: (info: HduInfo) => boolean;
  /** ...or, when there is none, the HDU with this index, if it has no EXTNAME (src/cube/choose-hdu.ts). */
  readonly fallback: number;
  /** How the wanted HDU is named in messages (`'DATA'`); `#fallback` without it. */
  readonly wanted?: string;
  /**
   * Checks the file's headers (every HDU, and the chosen one) before its median is taken:
   * throw to refuse the file. For a gzip file this runs after one pass through it.
   */
  readonly check?: (hdus: readonly HduInfo[], target: HduInfo) => void;
}

/** How a streamed median read its file. */
export interface MedianReads {
  /** Passes from the first byte to the last (or to the end of the HDU). */
  readonly sequentialPasses: number;
  /** Bytes read by position (a plain file's sample planes and failed pixels' columns). */
  readonly positionalBytes: number;
  /** Pixels whose column was read again. */
  readonly failedPixels: number;
}

let last: MedianReads = { sequentialPasses: 0, positionalBytes: 0, failedPixels: 0 };

/** The last median's reads in this thread. */
export function lastMedianReads(): MedianReads {
  return last;
}

/** Records a median's reads (the readers call it). */
export function recordMedianReads(reads: MedianReads): void {
  last = reads;
}

/** The number of planes (first axis) and pixels per plane of an image HDU. */
export function planesOf(info: HduInfo): { nz: number; npix: number } {
  const [nz = 0, ...rest] = info.shape;
  return { nz, npix: rest.reduce((a, b) => a * b, 1) };
}
