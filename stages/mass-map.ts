/**
 * mass-map: the stellar mass per pixel, as the notebook computes it: the nanmedian over
 * wavelength of the observed cube divided by that of the pPXF best fit (normalised to one
 * solar mass). float32 in, float32 arithmetic, as numpy does for float32 cubes. Negative
 * and non-finite ratios (a zero best fit, where the notebook would crash) are excluded (NaN).
 * The two medians are taken by load-cubes, in the one read of each file it makes.
 */
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
  return { meta: { excluded, pixels: ny * nx }, arrays: { mass: ndarray(mass, [ny, nx]) } };
}
