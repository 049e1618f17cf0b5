/**
 * mass-map: the stellar mass per pixel, as the notebook computes it: the nanmedian over
 * wavelength of the observed cube divided by that of the pPXF best fit (normalised to one
 * solar mass). float32 in, float32 arithmetic, as numpy does for float32 cubes. Negative
 * and non-finite ratios (a zero best fit, where the notebook would crash) are excluded (NaN).
 */
import { FitsFile } from '../src/fits/index.ts';
import { nanmedianAxis0 } from '../src/kernels/index.ts';
import { ndarray } from '../src/ndarray.ts';
import type { StageContext, StageInputContext, StageOutput } from '../src/stage.ts';

/** The cube and the pPXF output named by load-cubes. */
export function inputs(ctx: StageInputContext): string[] {
  const m = ctx.upstream.get('load-cubes').meta;
  return [String(m['cube']), String(m['sfh'])];
}

/** Medians of the two cubes, one after the other, so only one cube is in memory at a time. */
export function run(ctx: StageContext): StageOutput {
  const m = ctx.upstream.get('load-cubes').meta;
  const [, ny, nx] = m['shape'] as [number, number, number];
  const observed = medianOf(String(m['cube']), Number(m['dataHdu']));
  const model = medianOf(String(m['sfh']), 0);
  const mass = new Float32Array(ny * nx);
  let excluded = 0;
  for (let i = 0; i < mass.length; i++) {
    // Float32 division, as numpy divides two float32 arrays.
    const r = Math.fround((observed[i] as number) / (model[i] as number));
    if (!(r >= 0) || r === Infinity) {
      mass[i] = NaN;
      excluded++;
    } else mass[i] = r;
  }
  return { meta: { excluded, pixels: ny * nx }, arrays: { mass: ndarray(mass, [ny, nx]) } };
}

function medianOf(file: string, hdu: number): Float32Array {
  const fits = FitsFile.open(file);
  try {
    const cube = fits.readImage(hdu);
    const [nz, ny, nx] = cube.shape as [number, number, number];
    const data = cube.data instanceof Float32Array ? cube.data : Float32Array.from(cube.data as ArrayLike<number>);
    return nanmedianAxis0(data, nz, ny * nx);
  } finally {
    fits.close();
  }
}
