/**
 * `np.nanmedian(data, axis=0)` of one image HDU of a FITS file, read as a stream: the mass
 * map's medians of a MUSE cube and of its pPXF best fit, without either being in memory
 * (the kernel is src/kernels/stream-median.ts). A plain file is read once in order plus a
 * few positional reads (src/cube/plain-median.ts); a gzip-compressed one is inflated twice
 * (src/cube/gzip-median.ts). Values are converted as numpy would (any BITPIX, BSCALE/BZERO,
 * BLANK: float32 of astropy's physical values), so the result is bit-identical to the
 * in-memory nanmedian, and to numpy's.
 */
import { FitsError, hduLabel } from '../fits/errors.ts';
import type { HduInfo } from '../fits/hdu-info.ts';
import { isGzip } from '../fits/gzip.ts';
import { FitsFile } from '../fits/read.ts';
import { chooseHdu } from './choose-hdu.ts';
import { gzipMedian } from './gzip-median.ts';
import type { MedianTarget, StreamedMedian, StreamedMedianOptions } from './median-options.ts';
import { plainMedian } from './plain-median.ts';

export { lastMedianReads, type MedianReads, type MedianTarget, type StreamedMedian, type StreamedMedianOptions } from './median-options.ts';

/**
 * The median of the HDU `target` chooses in `file` (plain or gzip, told apart by its first
 * bytes), with every header of the file; `target.check` sees the headers first.
 */
export async function streamedMedianOfFile(file: string, target: MedianTarget, opts: StreamedMedianOptions = {}): Promise<StreamedMedian> {
  if (isGzip(file)) return gzipMedian(file, target, opts);
  const fits = FitsFile.open(file);
  let chosen: HduInfo;
  try {
    chosen = chooseHdu(fits.hdus, target, file);
  } finally {
    fits.close();
  }
  target.check?.(fits.hdus, chosen);
  if (!chosen.isImage) throw new FitsError({ reason: 'not-image', file, detail: `HDU ${hduLabel(chosen.index, chosen.name)} is not an image`, hint: 'Pick an image HDU.' });
  return { ...(await plainMedian(file, chosen, opts)), hdus: fits.hdus, target: chosen };
}

/** The median of HDU `info` (from FitsFile.open, or any reader of the same file) of `file`, plain or gzip. */
export async function streamedNanmedian(file: string, info: HduInfo, opts: StreamedMedianOptions = {}): Promise<Float32Array> {
  if (isGzip(file)) return (await gzipMedian(file, { pick: (h) => h.index === info.index, fallback: info.index }, opts)).median;
  return (await plainMedian(file, info, opts)).median;
}
