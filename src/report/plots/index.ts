/**
 * Public face of the pictures: read a result FITS, draw its group map and mean-SFH plot,
 * draw a galaxy's k-choice plot from all its results, and write them next to the results.
 * The plot stage and the report both come through here, so a picture looks the same
 * wherever it is made.
 *
 *   readResult(file)                      the result FITS as one object
 *   findResults(dir)                      the result FITS in a folder (headers only)
 *   drawGroupMap(r) / drawSfhPlot(r)      PNG bytes and where things were drawn
 *   drawKChoice(galaxy, sn, points)       the objective and silhouette against k
 *   kChoiceDigest / kChoiceCurrent        whether a k-choice PNG on disk is what a redraw would give
 *   writeResultPictures(file, opts)       both per-result PNGs, next to the FITS
 *   writeKChoice(dir, galaxy)             the k-choice PNG of a galaxy's results in dir
 */
import { writeFileAtomic } from '../../cache/atomic.ts';
import { drawKChoice } from './kchoice.ts';
import { drawGroupMap } from './map.ts';
import { findResults, readResult, type GroupResult } from './result.ts';
import { drawSfhPlot } from './sfh.ts';
import { flagsOf, kChoicePath, picturePaths, type Thresholds } from './stats.ts';

export { cornerTitle, drawCornerPlot, type CornerInput, type CornerLayout, type CornerParam } from './corner.ts';
export { drawKChoice, type KChoiceLayout, type KPoint } from './kchoice.ts';
export { KCHOICE_DIGEST, kChoiceCurrent, kChoiceDigest } from './kchoice-digest.ts';
export { drawGroupMap, pixelCentre, type MapLayout, type MapOptions } from './map.ts';
export { compareEntries, compareGalaxies, entryOf, findResults, fitsFilesIn, isResultHeader, readEntry, readResult, type GroupResult, type ResultEntry } from './result.ts';
export { drawSfhPlot, type SfhLayout } from './sfh.ts';
export * from './stats.ts';
export { GROUP_COLOURS, groupColour, rgbOf } from './palette.ts';
export { fontFamily } from './canvas.ts';

/** Draws the map and SFH pictures of a result FITS and writes them (atomically) next to it. */
export function writeResultPictures(file: string, opts: { thresholds: Thresholds; snType?: string }): { map: string; sfh: string; result: GroupResult } {
  const result = readResult(file);
  const paths = picturePaths(file);
  const flags = flagsOf(result, opts.thresholds);
  const extra = { flags, ...(opts.snType ? { snType: opts.snType } : {}) };
  writeFileAtomic(paths.map, drawGroupMap(result, extra).png);
  writeFileAtomic(paths.sfh, drawSfhPlot(result, extra).png);
  return { ...paths, result };
}

/**
 * Draws the k-choice plot of `galaxy` from every result of it in `dir` and writes
 * `<dir>/<id>_<SN>_kchoice.png`; returns its path and bytes, or null when the folder holds
 * no result of that galaxy.
 */
export function writeKChoice(dir: string, galaxy: string): { file: string; png: Buffer } | null {
  const entries = findResults(dir).filter((e) => e.galaxy === galaxy);
  const first = entries[0];
  if (!first) return null;
  const { png } = drawKChoice(galaxy, first.snName, entries);
  const file = kChoicePath(dir, galaxy, first.snName);
  writeFileAtomic(file, png);
  return { file, png };
}
