/**
 * The streamed nanmedian of an HDU of a plain FITS file (src/cube/streamed-median.ts has the
 * gzip one and the choice). The file is read
 * 1. at its sample planes (every 8th plane of the HDU; 12.5 % of its data), by position;
 * 2. once from its first byte to its last, in blocks of a few MB: the HDU's planes are
 *    counted, every byte goes to the caller's tap (the input's content hash), and the
 *    chosen HDUs' checksums are summed;
 * 3. at the columns of the pixels whose median fell outside their bracket (about one in ten
 *    thousand), by position.
 */
import { closeSync, openSync } from 'node:fs';
import { FitsBlockReader } from '../fits/block-reader.ts';
import { FileByteStream } from '../fits/byte-stream.ts';
import { FitsError, hduLabel } from '../fits/errors.ts';
import type { HduChecksums } from '../fits/checksum-verify.ts';
import type { HduInfo } from '../fits/hdu-info.ts';
import { MAX_CHUNK_BYTES, readBigEndianInto, storedToFloats } from '../fits/raw-io.ts';
import { StreamedNanmedian } from '../kernels/stream-median.ts';
import { planesOf, recordMedianReads, type StreamedMedianOptions } from './median-options.ts';
import { countPlanes, PlaneDecoder } from './plane-decoder.ts';

/**
 * The nanmedian over the first axis of image HDU `info` of the plain (not compressed) FITS
 * file `file` (`info` from FitsFile.open on the same file), read as described above.
 */
export async function plainMedian(file: string, info: HduInfo, opts: StreamedMedianOptions = {}): Promise<{ median: Float32Array; warnings: readonly string[]; checksums: readonly HduChecksums[] }> {
  const { nz, npix } = planesOf(info);
  const median = new StreamedNanmedian(nz, npix, opts);
  const dec = new PlaneDecoder(info, npix);
  const planeBytes = npix * dec.size;
  let positional = 0;
  let found: { warnings: readonly string[]; checksums: readonly HduChecksums[] } = { warnings: [], checksums: [] };
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
    const reader = new FitsBlockReader(file, new FileByteStream(file), opts.tap, 'the file', opts.sums);
    try {
      for (let h = await reader.nextHdu(); h && h.index < info.index; h = await reader.nextHdu());
      const here = reader.hdus[info.index];
      if (!here || here.dataOffset !== info.dataOffset || here.dataBytes !== info.dataBytes) {
        throw new FitsError({ reason: 'truncated', file, detail: `HDU ${hduLabel(info.index, info.name)} changed while it was read`, hint: 'Is another program writing the file? Run again once it is complete.' });
      }
      await countPlanes(reader, info, median);
      if (opts.tap || opts.wholeFile) await reader.drain();
      else await reader.nextHdu(); // (the rest of this HDU, for its checksums)
      found = { warnings: reader.warnings, checksums: reader.checksums() };
    } finally {
      reader.close();
    }
    // 3. the pixels the brackets missed, from their whole columns
    const failed = median.finish();
    positional += resolveByPosition(fd, info, dec, median, failed, nz, npix);
    recordMedianReads({ sequentialPasses: 1, positionalBytes: positional, failedPixels: failed.length });
    return { median: median.result(), ...found };
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
      storedToFloats(part, n, info.bitpix, dec.plan, values);
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
