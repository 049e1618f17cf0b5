/**
 * plot: the pictures of one result, next to its FITS: `<result name>_map.png` (the group
 * map with the SN, scale bar, compass and legend) and `<result name>_sfh.png` (the mean SFH
 * of each group). It re-reads the FITS the write stage produced, so the pictures show
 * exactly what was written. The drawing lives in src/report/plots/, shared with the report.
 */
import type { Galaxy } from '../src/catalog/galaxy.ts';
import { picturePaths } from '../src/report/plots/stats.ts';
import type { StageContext, StageInputContext, StageOutput } from '../src/stage.ts';

function resultOf(ctx: StageInputContext): string {
  return String(ctx.upstream.get('write').meta['output']);
}

/** The result FITS: its hash is part of this stage's key, so a rewritten result is redrawn. */
export function inputs(ctx: StageInputContext): string[] {
  return [resultOf(ctx)];
}

/** The two pictures, claimed before the stage runs. */
export function outputs(ctx: StageInputContext): string[] {
  const p = picturePaths(resultOf(ctx));
  return [p.map, p.sfh];
}

/** Loads the drawing code and the canvas library (a worker does this before its first job). */
export async function warm(): Promise<void> {
  (await import('../src/report/plots/index.ts')).fontFamily();
}

/**
 * Draws both pictures; flags (psf>4, grouped<200) are written on them. The drawing code is
 * imported here, not at the top: the engine loads this module in the main thread to learn
 * its inputs and outputs, which should not cost loading the canvas library there.
 */
export async function run(ctx: StageContext): Promise<StageOutput> {
  const { writeResultPictures } = await import('../src/report/plots/index.ts');
  const file = resultOf(ctx);
  const galaxy = ctx.upstream.get('catalog').meta['galaxy'] as unknown as Galaxy;
  const thresholds = { maxPsfSigma: Number(ctx.params['maxPsfSigma']), minGrouped: Number(ctx.params['minGrouped']) };
  const { map, sfh } = writeResultPictures(file, { thresholds, snType: galaxy.snType });
  return { meta: { map, sfh }, files: [map, sfh] };
}
