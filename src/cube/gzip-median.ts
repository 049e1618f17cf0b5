/**
 * The streamed nanmedian of an HDU of a gzip-compressed FITS file. gzip has no random
 * access, so where a plain file is read by position the stream is inflated again:
 * 1. once whole: every header, every (inflated) byte to the caller's tap, the chosen HDUs'
 *    checksums, and the sample planes of the median's HDU, copied out as they pass;
 * 2. once to the end of the chosen HDU: its planes counted;
 * 3. only when a pixel's median fell outside its bracket: once more to the end of the HDU,
 *    gathering those pixels' columns.
 * Two inflations of the file, three in the rare case; each holds a few MB, never the file.
 */
import { FitsBlockReader, type ByteTap } from '../fits/block-reader.ts';
import { FitsError, hduLabel } from '../fits/errors.ts';
import { chooseHdu } from './choose-hdu.ts';
import { GunzipByteStream } from '../fits/gzip.ts';
import type { HduInfo } from '../fits/hdu-info.ts';
import { StreamedNanmedian } from '../kernels/stream-median.ts';
import { planesOf, recordMedianReads, type MedianTarget, type StreamedMedian, type StreamedMedianOptions } from './median-options.ts';
import { countPlanes, PlaneDecoder } from './plane-decoder.ts';

const WHAT = 'the gzip-compressed file';

/** Columns gathered at once for failed pixels (a pathological cube with many takes several passes). */
const COLUMN_BYTES = 64 * 1024 * 1024;

/** The median of the HDU `target` chooses, and every header, of the gzip file `file`. */
export async function gzipMedian(file: string, target: MedianTarget, opts: StreamedMedianOptions): Promise<StreamedMedian> {
  let median: StreamedNanmedian | undefined;
  try {
    // 1. the whole file: headers, tap, and the samples of the first HDU `pick` accepts
    let sampled: HduInfo | undefined;
    let passes = 1;
    let found: Pick<StreamedMedian, 'warnings' | 'checksums'> = { warnings: [], checksums: [] };
    const hdus = await pass(file, opts.tap, opts.sums, (reader) => (found = { warnings: reader.warnings, checksums: reader.checksums() }), async (reader, info) => {
      if (sampled || !target.pick(info) || !info.isImage) return false;
      sampled = info;
      median = new StreamedNanmedian(planesOf(info).nz, planesOf(info).npix, opts);
      await takeSamples(reader, info, median);
      return false; // read on to the end (the tap)
    });
    const chosen = chooseHdu(hdus, target, file);
    target.check?.(hdus, chosen);
    if (!chosen.isImage) throw new FitsError({ reason: 'not-image', file, detail: `HDU ${hduLabel(chosen.index, chosen.name)} is not an image`, hint: 'Pick an image HDU.' });
    if (sampled !== chosen) {
      // the chosen HDU was only known at the end (no HDU passed `pick`): sample it now
      median?.close();
      median = new StreamedNanmedian(planesOf(chosen).nz, planesOf(chosen).npix, opts);
      const m = median;
      await pass(file, undefined, undefined, undefined, async (reader, info) => info.index === chosen.index && (await takeSamples(reader, info, m), true));
      passes++;
    }
    const m = median!;
    m.bracket();
    // 2. the chosen HDU's planes, counted
    const { nz } = planesOf(chosen);
    await pass(file, undefined, undefined, undefined, async (reader, info) => info.index === chosen.index && (await countPlanes(reader, info, m), true));
    passes++;
    // 3. the pixels the brackets missed, from their whole columns
    const failed = m.finish();
    const per = Math.max(1, Math.floor(COLUMN_BYTES / (4 * nz)));
    for (let i = 0; i < failed.length; i += per) {
      await resolveFromStream(file, chosen, m, failed.subarray(i, i + per));
      passes++;
    }
    recordMedianReads({ sequentialPasses: passes, positionalBytes: 0, failedPixels: failed.length });
    return { median: m.result(), hdus, target: chosen, ...found };
  } finally {
    median?.close();
  }
}

/**
 * One pass through the file: `onHdu` is called after each header and may read that HDU's
 * data; returning true ends the pass there. Returns the headers seen.
 */
async function pass(file: string, tap: ByteTap | undefined, sums: ((info: HduInfo) => boolean) | undefined, done: ((reader: FitsBlockReader) => void) | undefined, onHdu: (reader: FitsBlockReader, info: HduInfo) => Promise<boolean>): Promise<HduInfo[]> {
  const reader = new FitsBlockReader(file, new GunzipByteStream(file), tap, WHAT, sums);
  try {
    for (let info = await reader.nextHdu(); info; info = await reader.nextHdu()) if (await onHdu(reader, info)) return reader.hdus;
    done?.(reader);
    return reader.hdus;
  } finally {
    reader.close();
  }
}

/** Reads HDU `info`'s data (the reader is at its start), handing every 8th plane to the median as a sample. */
async function takeSamples(reader: FitsBlockReader, info: HduInfo, median: StreamedNanmedian): Promise<void> {
  const { nz, npix } = planesOf(info);
  const samples = new Set(median.samplePlanes());
  if (samples.size === 0) return;
  const dec = new PlaneDecoder(info, npix);
  const block = new Float32Array(median.planesPerSlot * npix);
  let slot = median.slot();
  let filled = 0;
  for (let z = 0; z < nz; ) {
    const k = Math.min(median.planesPerSlot, nz - z);
    const raw = dec.target(block, k);
    await reader.readData(raw);
    dec.decode(raw, block, k);
    for (let j = 0; j < k; j++) {
      if (!samples.has(z + j)) continue;
      slot.set(block.subarray(j * npix, (j + 1) * npix), filled * npix);
      if (++filled === median.planesPerSlot) {
        median.submitSamples(filled);
        slot = median.slot();
        filled = 0;
      }
    }
    z += k;
  }
  if (filled > 0) median.submitSamples(filled);
}

/** Gathers the columns of `pixels` in one more pass to the end of the HDU and resolves them. */
async function resolveFromStream(file: string, chosen: HduInfo, median: StreamedNanmedian, pixels: Int32Array): Promise<void> {
  const { nz, npix } = planesOf(chosen);
  const columns = new Float32Array(pixels.length * nz);
  const counts = new Int32Array(pixels.length);
  await pass(file, undefined, undefined, undefined, async (reader, info) => {
    if (info.index !== chosen.index) return false;
    const dec = new PlaneDecoder(info, npix);
    const planes = Math.max(1, Math.floor((4 << 20) / (npix * 4)));
    const block = new Float32Array(planes * npix);
    for (let z = 0; z < nz; ) {
      const k = Math.min(planes, nz - z);
      const raw = dec.target(block, k);
      await reader.readData(raw);
      dec.decode(raw, block, k);
      for (let j = 0; j < k; j++) {
        for (let f = 0; f < pixels.length; f++) {
          const v = block[j * npix + pixels[f]!]!;
          if (v === v) columns[f * nz + counts[f]!++] = v;
        }
      }
      z += k;
    }
    return true;
  });
  for (let f = 0; f < pixels.length; f++) median.resolveFailed(pixels[f]!, columns.subarray(f * nz, (f + 1) * nz), counts[f]!);
}
