/**
 * mass-map: the stellar mass per pixel, as the notebook computes it: the nanmedian over
 * wavelength of the observed cube divided by that of the pPXF best fit (normalised to one
 * solar mass). float32 in, float32 arithmetic, as numpy does for float32 cubes. Negative
 * and non-finite ratios (a zero best fit, where the notebook would crash) are excluded (NaN).
 * The two medians are taken by load-cubes, in the one read of each file it makes.
 */
import { UserError } from '../src/errors.ts';
import { ndarray } from '../src/ndarray.ts';
import type { StageContext, StageInputContext, StageOutput } from '../src/stage.ts';

/** No files: the medians come from load-cubes (and nGIST's FLUX map too). */
export function inputs(_ctx: StageInputContext): string[] {
  return [];
}

/** The ratio of the two medians, in float32. */
export function run(ctx: StageContext): StageOutput {
  const loaded = ctx.upstream.get('load-cubes');
  if (loaded.meta['mode'] === 'ngist') {
    // nGIST: the spaxels' FLUX, mapped by load-cubes (src/ngist/map.ts says why FLUX).
    const mass = loaded.arrays?.['mass'];
    if (!mass) throw new Error('mass-map: load-cubes produced no nGIST `mass` array');
    let excluded = 0;
    for (const v of mass.data as Float32Array) if (Number.isNaN(v)) excluded++;
    noFlux(mass.data as Float32Array, () => {
      const table = String((loaded.meta['ngist'] as { table?: string } | null)?.table ?? 'the nGIST table');
      return new UserError('bad-input', `${who(ctx)}: ${table} has no positive FLUX: every spaxel's FLUX is zero, negative, NaN or masked, so there is no light to weigh the groups by`, 'check the nGIST run: its input cube (all DATA zero?), its S/N window (LMIN_SNR, LMAX_SNR) and its mask; rerun nGIST on the cube with the observed flux', table);
    });
    return { meta: { excluded, pixels: mass.data.length, source: 'FLUX' }, arrays: { mass } };
  }
  const observed = loaded.arrays?.['dataMedian'];
  const model = loaded.arrays?.['fitMedian'];
  if (!observed || !model) throw new Error('mass-map: load-cubes produced no `dataMedian` and `fitMedian` arrays');
  const [ny, nx] = observed.shape as [number, number];
  const o = observed.data as Float32Array;
  const f = model.data as Float32Array;
  const mass = new Float32Array(ny * nx);
  let excluded = 0;
  for (let i = 0; i < mass.length; i++) {
    // Float32 division, as numpy divides two float32 arrays.
    const r = Math.fround(o[i]! / f[i]!);
    if (!(r >= 0) || r === Infinity) {
      mass[i] = NaN;
      excluded++;
    } else mass[i] = r;
  }
  noFlux(o, () => {
    const cube = String(loaded.meta['cube'] ?? 'the cube');
    return new UserError(
      'bad-input',
      `${who(ctx)}: the cube ${cube} has no positive flux: its DATA's median over wavelength is zero, negative or NaN in all ${ny * nx} pixels (all DATA zero?), so there is no mass to group`,
      "check the cube: its DATA extension must hold the observed flux (was it written empty, or replaced by a blank copy?); use the cube the pPXF fit was made on",
      cube,
    );
  });
  // The cube has flux, yet no pixel has a mass: the best fit is why (all NaN, zero or of
  // the other sign), said naming it rather than as the clustering's "no pixel has a mass".
  // Such a map only ever failed there ('no-valid-pixels'): no result changes.
  if (excluded === mass.length) {
    const sfh = String(loaded.meta['sfh'] ?? 'the pPXF output');
    let nan = 0;
    for (const v of f) if (Number.isNaN(v)) nan++;
    const what = nan === f.length ? 'NaN in every pixel' : nan > 0 ? `NaN in ${nan} pixels, and zero or of the other sign than the cube's flux in the rest` : "zero or of the other sign than the cube's flux in every pixel";
    throw new UserError(
      'no-valid-pixels',
      `${who(ctx)}: no pixel has a mass: the pPXF best fit in ${sfh} HDU 0 has a median over wavelength that is ${what}, so the mass (the cube's median flux over the best fit's) is never a positive number`,
      'the pPXF output holds no fit of this cube (all NaN or 0?): regenerate it from this cube with pPXF',
      sfh,
    );
  }
  return { meta: { excluded, pixels: ny * nx }, arrays: { mass: ndarray(mass, [ny, nx]) } };
}

/** The galaxy, by id (its catalog fields are the catalog stage's alone). */
function who(ctx: StageContext): string {
  return `galaxy ${ctx.row.id}`;
}

/**
 * Fails the galaxy when no pixel has positive flux (a cube of zeros, an nGIST FLUX column
 * with nothing above 0): every group's mass would be 0, which the clustering can only
 * report as an invalid distribution, a word about the mass map rather than the input.
 * Such a map never gave a result, so no result changes.
 */
function noFlux(flux: Float32Array, error: () => UserError): void {
  for (const v of flux) if (v > 0 && v < Number.POSITIVE_INFINITY) return;
  throw error();
}
