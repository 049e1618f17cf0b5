/**
 * `np.nanmedian(data, axis=0)` of one image HDU of a FITS file, read as a stream: the mass
 * map's medians of a MUSE cube and of its pPXF best fit, without either being in memory
 * (the kernel is src/kernels/stream-median.ts). A plain file is read
 * 1. at its sample planes (every 8th plane of the HDU; 12.5 % of its data), by position;
 * 2. once from its first byte to its last, in blocks of a few MB: the HDU's planes are
 *    counted, and every byte goes to the caller's tap (the input's content hash);
 * 3. at the columns of the pixels whose median fell outside their bracket (about one in ten
 *    thousand), by position.
 * Values are converted as numpy would (any BITPIX, BSCALE/BZERO, BLANK: float32 of astropy's
 * physical values), so the result is bit-identical to the in-memory nanmedian.
 */
import { closeSync, openSync } from 'node:fs';
import { FitsBlockReader, type ByteTap } from '../fits/block-reader.ts';
import { FileByteStream } from '../fits/byte-stream.ts';
import { FitsError, hduLabel } from '../fits/errors.ts';
import type { HduInfo } from '../fits/hdu-info.ts';
import { MAX_CHUNK_BYTES, readBigEndianInto, storedToFloat32 } from '../fits/raw-io.ts';
import { planScaling, type ScalePlan } from '../fits/scaling.ts';
import { StreamedNanmedian } from '../kernels/stream-median.ts';

/** Options of {@link streamedNanmedian}. */
export interface StreamedMedianOptions {
  /** Sees every byte of the file, in order (the sequential pass reads it whole when given). */
  readonly tap?: ByteTap;
  /** Bytes of planes per block (tests make it small). */
  readonly blockBytes?: number;
  /** Median helper threads (see StreamedNanmedian). */
  readonly helpers?: number;
}

/** How a streamed median read its file, for tests and the benchmark. */
export interface MedianReads {
  /** Passes from the first byte (1 for a plain file). */
  readonly sequentialPasses: number;
  /** Bytes read by position (the sample planes and the failed pixels' columns). */
  readonly positionalBytes: number;
  /** Pixels whose column was read again. */
  readonly failedPixels: number;
}

/** The last median's reads in this thread (tests and the benchmark look at it). */
export let lastMedianReads: MedianReads = { sequentialPasses: 0, positionalBytes: 0, failedPixels: 0 };

/** Converts stored planes into a kernel slot, through a scratch when they are not float32. */
class PlaneDecoder {
  readonly size: number;
  readonly plan: ScalePlan;
  readonly direct: boolean;
  #scratch: Buffer | undefined;
  constructor(
    readonly info: HduInfo,
    readonly npix: number,
  ) {
    this.size = Math.abs(info.bitpix) / 8;
    this.plan = planScaling(info.header, info.bitpix);
    // MUSE's float32 cubes: read straight into the slot and swapped there
    this.direct = info.bitpix === -32 && this.plan.kind === 'raw';
  }

  /** Where to put the stored bytes of `planes` planes bound for `slot`. */
  target(slot: Float32Array, planes: number): Buffer {
    const bytes = planes * this.npix * this.size;
    if (this.direct) return Buffer.from(slot.buffer, slot.byteOffset, bytes);
    if (!this.#scratch || this.#scratch.length < bytes) this.#scratch = Buffer.from(new ArrayBuffer(bytes));
    return this.#scratch.subarray(0, bytes);
  }

  /** The stored bytes (from {@link target}) of `planes` planes as float32 values in `slot`. */
  decode(raw: Buffer, slot: Float32Array, planes: number): void {
    storedToFloat32(raw, planes * this.npix, this.info.bitpix, this.plan, slot);
  }
}

/**
 * The nanmedian over the first axis of image HDU `info` of the plain FITS file `file`
 * (`info` from FitsFile.open on the same file), streamed as described above.
 */
export async function streamedNanmedian(file: string, info: HduInfo, opts: StreamedMedianOptions = {}): Promise<Float32Array> {
  const [nz = 0, ...rest] = info.shape;
  const npix = rest.reduce((a, b) => a * b, 1);
  const median = new StreamedNanmedian(nz, npix, { ...(opts.blockBytes ? { blockBytes: opts.blockBytes } : {}), ...(opts.helpers !== undefined ? { helpers: opts.helpers } : {}) });
  const dec = new PlaneDecoder(info, npix);
  const planeBytes = npix * dec.size;
  let positional = 0;
  const fd = openSync(file, 'r');
  try {
    // 1. the sample planes, by position, packed into slots
    const samples = median.samplePlanes();
    for (let i = 0; i < samples.length; ) {
      const slot = median.slot();
      const k = Math.min(median.planesPerSlot, samples.length - i);
      const raw = dec.target(slot, k);
      for (let j = 0; j < k; j++) {
        const at = info.dataOffset + samples[i + j]! * planeBytes;
        const got = readAt(fd, raw.subarray(j * planeBytes, (j + 1) * planeBytes), at);
        if (got < planeBytes) throw truncated(file, info, at + got);
        positional += planeBytes;
      }
      dec.decode(raw, slot, k);
      median.submitSamples(k);
      i += k;
    }
    median.bracket();
    // 2. every byte in order: the HDU's planes counted, everything tapped
    const reader = new FitsBlockReader(file, new FileByteStream(file), opts.tap);
    try {
      for (let h = await reader.nextHdu(); h && h.index < info.index; h = await reader.nextHdu());
      const here = reader.hdus[info.index];
      if (!here || here.dataOffset !== info.dataOffset || here.dataBytes !== info.dataBytes) {
        throw new FitsError({ reason: 'truncated', file, detail: `HDU ${hduLabel(info.index, info.name)} changed while it was read`, hint: 'Is another program writing the file? Run again once it is complete.' });
      }
      for (let z = 0; z < nz; ) {
        const slot = median.slot();
        const k = Math.min(median.planesPerSlot, nz - z);
        const raw = dec.target(slot, k);
        await reader.readData(raw);
        dec.decode(raw, slot, k);
        median.submitCount(k);
        z += k;
      }
      if (opts.tap) await reader.drain();
    } finally {
      reader.close();
    }
    // 3. the pixels the brackets missed, from their whole columns
    const failed = median.finish();
    positional += resolveByPosition(fd, info, dec, median, failed, nz, npix);
    lastMedianReads = { sequentialPasses: 1, positionalBytes: positional, failedPixels: failed.length };
    return median.result();
  } finally {
    median.close();
    closeSync(fd);
  }
}

/** Columns gathered at once for failed pixels (a pathological cube with many takes several rounds). */
const COLUMN_BYTES = 64 * 1024 * 1024;

/** Reads the columns of the failed pixels by position, a few pixels' runs per plane; returns the bytes read. */
function resolveByPosition(fd: number, info: HduInfo, dec: PlaneDecoder, median: StreamedNanmedian, failed: Int32Array, nz: number, npix: number): number {
  const sorted = Int32Array.from(failed).sort();
  const per = Math.max(1, Math.floor(COLUMN_BYTES / (4 * nz)));
  let bytes = 0;
  for (let i = 0; i < sorted.length; i += per) bytes += resolveSome(fd, info, dec, median, sorted.subarray(i, i + per), nz, npix);
  return bytes;
}

function resolveSome(fd: number, info: HduInfo, dec: PlaneDecoder, median: StreamedNanmedian, pixels: Int32Array, nz: number, npix: number): number {
  // runs of pixels close enough to read together (one page apart at most)
  const gap = Math.max(1, Math.floor(4096 / dec.size));
  const runs: [number, number][] = [];
  for (const p of pixels) {
    const last = runs[runs.length - 1];
    if (last && p - last[1] <= gap) last[1] = p;
    else runs.push([p, p]);
  }
  const widest = Math.max(...runs.map(([a, b]) => b - a + 1));
  const raw = Buffer.from(new ArrayBuffer(widest * dec.size));
  const values = new Float32Array(widest);
  // each failed pixel's non-NaN values, pixel by pixel (nz each)
  const columns = new Float32Array(pixels.length * nz);
  const counts = new Int32Array(pixels.length);
  let bytes = 0;
  for (let z = 0; z < nz; z++) {
    let f = 0;
    for (const [a, b] of runs) {
      const n = b - a + 1;
      const at = info.dataOffset + (z * npix + a) * dec.size;
      const part = raw.subarray(0, n * dec.size);
      if (readAt(fd, part, at) < part.length) throw truncated(info.header.source.file, info, at);
      bytes += part.length;
      storedToFloat32(part, n, info.bitpix, dec.plan, values);
      for (; f < pixels.length && pixels[f]! <= b; f++) {
        const v = values[pixels[f]! - a]!;
        if (v === v) columns[f * nz + counts[f]!++] = v;
      }
    }
  }
  for (let f = 0; f < pixels.length; f++) median.resolveFailed(pixels[f]!, columns.subarray(f * nz, (f + 1) * nz), counts[f]!);
  return bytes;
}

function readAt(fd: number, into: Buffer, position: number): number {
  return readBigEndianInto(fd, into, position, 1, MAX_CHUNK_BYTES);
}

function truncated(file: string, info: HduInfo, at: number): FitsError {
  return new FitsError({ reason: 'truncated', file, detail: `HDU ${hduLabel(info.index, info.name)}: the file ends before byte ${at} of its data`, hint: 'The file is truncated (an interrupted download or copy?); fetch it again.' });
}
