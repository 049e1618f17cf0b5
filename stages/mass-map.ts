/**
 * mass-map: the stellar mass per pixel, as the notebook computes it: the nanmedian over
 * wavelength of the observed cube divided by that of the pPXF best fit (normalised to one
 * solar mass). float32 in, float32 arithmetic, as numpy does for float32 cubes. Negative
 * and non-finite ratios (a zero best fit, where the notebook would crash) are excluded (NaN).
 */
import { FitsFile } from '../src/fits/index.ts';
import { streamedNanmedian } from '../src/cube/streamed-median.ts';
import { startStreamHelpers } from '../src/kernels/stream-median.ts';
import { ndarray } from '../src/ndarray.ts';
import type { StageContext, StageInputContext, StageOutput } from '../src/stage.ts';

/** The cube and the pPXF output named by load-cubes (none for nGIST: load-cubes read its files). */
export function inputs(ctx: StageInputContext): string[] {
  const m = ctx.upstream.get('load-cubes').meta;
  if (m['mode'] === 'ngist') return [];
  return [String(m['cube']), String(m['sfh'])];
}

/** Boots the median's helper threads ahead of the first cube (a worker calls this while idle). */
export function warm(): void {
  startStreamHelpers();
}

/**
 * Medians of the two cubes, one after the other, each streamed from its file through a few
 * MB of blocks (src/cube/streamed-median.ts): neither cube is ever in memory, only the
 * per-pixel state of one median (about a sixth of a cube), reused for the second.
 */
export async function run(ctx: StageContext): Promise<StageOutput> {
  const m = ctx.upstream.get('load-cubes').meta;
  if (m['mode'] === 'ngist') {
    // nGIST: the spaxels' FLUX, mapped by load-cubes (src/ngist/map.ts says why FLUX).
    const mass = ctx.upstream.get('load-cubes').arrays?.['mass'];
    if (!mass) throw new Error('mass-map: load-cubes produced no nGIST `mass` array');
    let excluded = 0;
    for (const v of mass.data as Float32Array) if (Number.isNaN(v)) excluded++;
    return { meta: { excluded, pixels: mass.data.length, source: 'FLUX' }, arrays: { mass } };
  }
  const [, ny, nx] = m['shape'] as [number, number, number];
  const observed = await medianOf(String(m['cube']), Number(m['dataHdu']));
  const model = await medianOf(String(m['sfh']), 0);
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

async function medianOf(file: string, hdu: number): Promise<Float32Array> {
  const fits = FitsFile.open(file);
  let info;
  try {
    info = fits.hdu(hdu);
  } finally {
    fits.close();
  }
  return streamedNanmedian(file, info);
}
