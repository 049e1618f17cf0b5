/**
 * An nGIST run's bins mapped back onto its spaxels, in the shapes the pipeline's later
 * stages take from a pPXF cube: the SFH cube (ages, ny, nx), already summed over
 * metallicity, and the "mass" map (ny, nx), float32 as the notebook's.
 *
 * - Every spaxel of bin b gets bin b's SFH (nGIST fits the bin's summed spectrum, so that
 *   is all it knows about each member); masked spaxels get NaN, which collapse-smooth turns
 *   into 0 before smoothing and the clustering excludes, as the notebook's unfitted pixels.
 * - The mass map is the FLUX column, each spaxel's median flux: the notebook's "mass" is
 *   nanmedian(cube) / nanmedian(best fit), which for its per-spaxel fits reduces to the
 *   spaxel's median flux too (docs/ngist.md). Bin-level best fits cannot be apportioned to
 *   spaxels, and nGIST saves no template mass-to-light ratios, so a true stellar mass map
 *   is not in the files. Masked spaxels, and a non-finite or negative FLUX, are NaN.
 */
import type { NgistRun } from './read.ts';

/** The spaxel maps of a run. */
export interface NgistMaps {
  /** (ages, ny, nx) C order, float64; NaN on masked spaxels. */
  readonly sfh: Float64Array;
  /** (ny, nx) float32; NaN where excluded. */
  readonly mass: Float32Array;
  /** (ny, nx) bin of each spaxel, -1 where masked. */
  readonly bins: Int32Array;
  /** Spaxels without a usable FLUX (besides the masked ones). */
  readonly noFlux: number;
}

/** Broadcasts each bin's SFH to its spaxels; see the module comment. */
export function ngistMaps(run: NgistRun): NgistMaps {
  const npix = run.nx * run.ny;
  const nAges = run.ages.length;
  const sfh = new Float64Array(nAges * npix);
  const mass = new Float32Array(npix);
  let noFlux = 0;
  for (let p = 0; p < npix; p++) {
    const b = run.binOf[p]!;
    if (b < 0) {
      for (let a = 0; a < nAges; a++) sfh[a * npix + p] = NaN;
      mass[p] = NaN;
      continue;
    }
    for (let a = 0; a < nAges; a++) sfh[a * npix + p] = run.binSfh[b * nAges + a]!;
    const f = run.flux[p]!;
    if (f >= 0 && f < Number.POSITIVE_INFINITY) mass[p] = f;
    else {
      mass[p] = NaN;
      noFlux++;
    }
  }
  return { sfh, mass, bins: run.binOf, noFlux };
}
