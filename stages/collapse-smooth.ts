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
    // What the weights hold where there is a mass, for the two ways they can leave nothing
    // to group, each said here, naming the file, rather than as the clustering's failure
    // about "the smoothed SFH": +Inf (which the notebook keeps, and scipy's
    // wasserstein_distance then refuses), and nothing positive anywhere.
    const infinite = new Uint8Array(npix);
    const positive = new Uint8Array(npix);
    // One age at a time (its 7 metallicity planes), into one buffer reused for every age: a
    // full-resolution SFH HDU is 250 MB, and a fresh 5 MB per age is 250 MB of new memory.
    for (let a = 0; a < nAges; a++) {
      const w = await weights.next(1);
      for (let p = 0; p < npix; p++) {
        // numpy's sum over the metallicity axis adds the metallicities in order.
        let s = 0;
        for (let z = 0; z < nMetals; z++) s += w[z * npix + p]!;
        plane[p] = s < 0 || Number.isNaN(s) || Number.isNaN(massData[p] as number) ? 0 : s;
        if (plane[p]! > 0) {
          positive[p] = 1;
          if (plane[p] === Infinity) infinite[p] = 1;
        }
      }
      gaussianFilter2d(plane, ny, nx, sigma, truncate, out.subarray(a * npix, (a + 1) * npix));
    }
    noUsableWeights(ctx, String(loaded['sfh']), massData, positive, infinite, nx);
    return { meta: { sigma, truncate }, arrays: { sfh: ndarray(out, [nAges, ny, nx]) } };
  } finally {
    weights.close();
  }
}

/**
 * Fails the galaxy, naming the pPXF output, when its SFH weights leave nothing to group:
 * +Inf where there is a mass (`infinite`), or nothing positive in any pixel with a mass
 * (`positive`: the metallicity sum after NaN and negative sums are set to 0, as the
 * notebook sets them). Both only ever failed, at the clustering, in words about the smoothed
 * cube ('invalid-weights', 'no-valid-pixels'); no result changes.
 */
function noUsableWeights(ctx: StageContext, sfh: string, mass: Float32Array, positive: Uint8Array, infinite: Uint8Array, nx: number): void {
  const who = `galaxy ${ctx.row.id}`;
  const inf = infinite.reduce((n, v) => n + v, 0);
  if (inf > 0) {
    const p = infinite.indexOf(1);
    throw new UserError(
      'bad-input',
      `${who}: the SFH weights in ${sfh} HDU 1 sum to +Inf over metallicity in ${inf} pixel${inf > 1 ? 's' : ''} with a mass (the first at x=${p % nx}, y=${Math.floor(p / nx)}), which no distance between SFHs can take (the notebook's wasserstein_distance refuses them too)`,
      'the pPXF output is damaged or not a weights cube: regenerate it (pPXF weights are finite fractions)',
      sfh,
    );
  }
  let withMass = 0;
  for (let p = 0; p < mass.length; p++) if (!Number.isNaN(mass[p]!)) withMass++;
  if (withMass > 0 && !positive.includes(1)) {
    throw new UserError(
      'no-valid-pixels',
      `${who}: the SFH weights in ${sfh} HDU 1 are NaN, zero or negative in all ${withMass} pixels with a mass, so no pixel has an SFH to group`,
      'the pPXF output holds no fit (all NaN or 0?): regenerate it from this cube with pPXF',
      sfh,
    );
  }
}
