/**
 * catalog: reads the catalog CSV (the analyser calls `enumerate` once per run to select
 * galaxies) and, per galaxy, checks its row and hands the galaxy on.
 */
import { galaxyJson, galaxyOf, ngistRow, REQUIRED_COLUMNS } from '../src/catalog/galaxy.ts';
import { readCatalog } from '../src/catalog/read.ts';
import { findNgistRun } from '../src/ngist/files.ts';
import type { CatalogRow, ParamValue, StageContext, StageInputContext, StageOutput } from '../src/stage.ts';

/**
 * Every row of the catalog; the run selects among them with --galaxy and --where. With
 * `ngist` set (`--ngist DIR`), no catalog: one galaxy, the run in that folder, without an SN.
 */
export function enumerate(params: Readonly<Record<string, ParamValue>>): CatalogRow[] {
  const ngist = String(params['ngist'] ?? '');
  if (ngist !== '') return [ngistRow(ngist, findNgistRun(ngist, `--ngist ${ngist}`).run)];
  return readCatalog(String(params['catalog']), REQUIRED_COLUMNS);
}

/** The catalog file: its hash decides whether this stage re-runs (none for `--ngist`). */
export function inputs(ctx: StageInputContext): string[] {
  // (`in`, not a read: a pipeline file that predates the ngist parameter does not declare it)
  const ngist = 'ngist' in ctx.params ? String(ctx.params['ngist']) : '';
  return ngist !== '' ? [] : [String(ctx.params['catalog'])];
}

/** Checks the galaxy's row (numeric coordinates, names that are plain file names). */
export function run(ctx: StageContext): StageOutput {
  const galaxy = galaxyOf(ctx.row, String(ctx.params['catalog']));
  return { meta: { galaxy: galaxyJson(galaxy) } };
}
