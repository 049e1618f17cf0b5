/**
 * collapse-smooth: the notebook's "refine the SFH cube". Sum the weights over metallicity,
 * set negative and NaN weights and pixels without a mass to 0, then smooth every age plane
 * with a gaussian as wide as the seeing (scipy's gaussian_filter, truncate=3, mode reflect).
 * The smoothing regularises noisy per-pixel fits; the clustering's input is this cube.
 */
import { fitsFileOf } from '../src/fits/gzip.ts';
import { openImagePlanes } from '../src/fits/image-planes.ts';
import { UserError } from '../src/errors.ts';
import { gaussianFilter2d, gaussianTooWide } from '../src/kernels/index.ts';
import { ndarray } from '../src/ndarray.ts';
import type { StageContext, StageInputContext, StageOutput } from '../src/stage.ts';

/** The pPXF output (its SFH weights HDU); none for nGIST (load-cubes passes its SFH cube). */
export function inputs(ctx: StageInputContext): string[] {
  const m = ctx.upstream.get('load-cubes').meta;
  return m['mode'] === 'ngist' ? [] : [String(m['sfh'])];
}

/** Collapses, cleans and smooths; returns the (ages, ny, nx) float64 cube. */
export async function run(ctx: StageContext): Promise<StageOutput> {
  const loaded = ctx.upstream.get('load-cubes').meta;
  const mass = ctx.upstream.get('mass-map').arrays?.['mass'];
  if (!mass) throw new Error('collapse-smooth: mass-map produced no `mass` array');
  const sigma = Number(loaded['psfSigma']);
  const truncate = Number(ctx.params['truncate']);
  const massData = mass.data as Float32Array;
  // Before anything is read: a kernel many times the map's size is refused, not computed.
  const [ny, nx] = mass.shape as [number, number];
  const wide = gaussianTooWide(ny, nx, sigma, truncate);
  if (wide) {
    throw new UserError('psf-too-wide', `collapse-smooth: ${wide}; the smoothed maps would be flat`, `check --set truncate (scipy's, in sigmas: the notebook's 3) and the PSF sigma (${loaded['skyRes']}" seeing / ${loaded['pixelScale']}" per pixel / 2.355)`);
  }
  if (loaded['mode'] === 'ngist') {
    // nGIST: the bins' SFHs on the spaxels (already summed over metallicity), cleaned and
    // smoothed exactly as a pPXF cube's; the run's ages go on to the clustering.
    const cube = ctx.upstream.get('load-cubes').arrays?.['sfh'];
    if (!cube) throw new Error('collapse-smooth: load-cubes produced no nGIST `sfh` array');
    const [nAges, ny, nx] = cube.shape as [number, number, number];
    const npix = ny * nx;
    const w = cube.data as Float64Array;
    const plane = new Float64Array(npix);
    const out = new Float64Array(nAges * npix);
    for (let a = 0; a < nAges; a++) {
      for (let p = 0; p < npix; p++) {
        const s = w[a * npix + p]!;
        plane[p] = s < 0 || Number.isNaN(s) || Number.isNaN(massData[p] as number) ? 0 : s;
      }
      gaussianFilter2d(plane, ny, nx, sigma, truncate, out.subarray(a * npix, (a + 1) * npix));
    }
    return { meta: { sigma, truncate, ages: loaded['ages'] ?? null }, arrays: { sfh: ndarray(out, [nAges, ny, nx]) } };
  }
  // the pPXF output as found: `.fits`, or `.fits.gz` inflated in order (src/fits/image-planes.ts)
  const weights = await openImagePlanes(fitsFileOf(String(loaded['sfh'])), 1);
  try {
    const [nAges, nMetals, ny, nx] = weights.info.shape as [number, number, number, number];
    const npix = ny * nx;
    const plane = new Float64Array(npix);
    const out = new Float64Array(nAges * npix);
    // One age at a time (its 7 metallicity planes), into one buffer reused for every age: a
    // full-resolution SFH HDU is 250 MB, and a fresh 5 MB per age is 250 MB of new memory.
    for (let a = 0; a < nAges; a++) {
      const w = await weights.next(1);
      for (let p = 0; p < npix; p++) {
        // numpy's sum over the metallicity axis adds the metallicities in order.
        let s = 0;
        for (let z = 0; z < nMetals; z++) s += w[z * npix + p]!;
        plane[p] = s < 0 || Number.isNaN(s) || Number.isNaN(massData[p] as number) ? 0 : s;
      }
      gaussianFilter2d(plane, ny, nx, sigma, truncate, out.subarray(a * npix, (a + 1) * npix));
    }
    return { meta: { sigma, truncate }, arrays: { sfh: ndarray(out, [nAges, ny, nx]) } };
  } finally {
    weights.close();
  }
}
