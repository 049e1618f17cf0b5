/**
 * Writes a scale catalog (./scale.ts) to a folder in the notebook's layout: the catalog
 * CSV, one binned cube per cube (DATA and STAT) and one pPXF output per Ia SN. Built in a
 * sibling folder and moved into place when complete, with a marker naming N and the side,
 * so a later call with the same N reuses it and an interrupted one leaves nothing that
 * looks complete.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeFits } from '../fits/index.ts';
import { ndarray } from '../ndarray.ts';
import { SPECTRAL_AXIS, buildGalaxy } from './cube.ts';
import { cubeExtensionCards, cubePrimaryCards, ppxfPrimaryCards, sfhCards } from './headers.ts';
import { EXAMPLE_LAYOUT, EXAMPLE_VERSION, cubeFileName, ppxfFileName } from './layout.ts';
import { arcNameOf } from './catalog.ts';
import { planScale, scaleCatalogCsv, scaleCatalogRows, SCALE_SIDE } from './scale.ts';
import { N_AGES, N_METALS } from './ssp.ts';

/** Bump when the written bytes change. */
export const SCALE_VERSION = `sfh-scale/1+${EXAMPLE_VERSION}`;
const MARKER = '.sfh-scale.json';

/** What a scale dataset holds. */
export interface ScaleDataset {
  readonly dir: string;
  readonly catalog: string;
  readonly cubes: string;
  readonly sfh: string;
  readonly rows: number;
  readonly cubeFiles: number;
  readonly ppxfFiles: number;
  /** Rows with a pPXF output (Ia), rows without (skipped by the pipeline), rows whose cube is missing (they fail). */
  readonly fitted: number;
  readonly unfitted: number;
  readonly missingCube: number;
  readonly bytes: number;
  /** Seconds it took to write; null when reused. */
  readonly generatedSeconds: number | null;
}

type Marker = Omit<ScaleDataset, 'dir' | 'catalog' | 'cubes' | 'sfh' | 'generatedSeconds'> & { version: string; side: number };

function layout(dir: string) {
  return { dir, catalog: path.join(dir, EXAMPLE_LAYOUT.catalog), cubes: path.join(dir, EXAMPLE_LAYOUT.cubeDir), sfh: path.join(dir, EXAMPLE_LAYOUT.ppxfDir) };
}

/** Makes sure `dir` holds the scale catalog of `n` rows (SNe), writing it if needed. */
export async function ensureScaleDataset(dir: string, n: number, opts: { side?: number; log?: (line: string) => void } = {}): Promise<ScaleDataset> {
  const side = opts.side ?? SCALE_SIDE;
  const log = opts.log ?? (() => {});
  try {
    const m = JSON.parse(readFileSync(path.join(dir, MARKER), 'utf8')) as Marker;
    if (m.version === SCALE_VERSION && m.rows === n && m.side === side) {
      const { version: _v, side: _s, ...rest } = m;
      return { ...layout(dir), ...rest, generatedSeconds: null };
    }
  } catch {
    // no complete dataset yet
  }
  const t0 = performance.now();
  const build = `${dir}.build-${process.pid}`;
  rmSync(build, { recursive: true, force: true });
  const p = layout(build);
  mkdirSync(p.cubes, { recursive: true });
  mkdirSync(p.sfh, { recursive: true });
  const plan = planScale(n, side);
  const rows: string[][] = [];
  let bytes = 0;
  let cubeFiles = 0;
  let ppxfFiles = 0;
  const shape = [SPECTRAL_AXIS.nwave, side, side];
  for (const [c, cube] of plan.cubes.entries()) {
    const a = buildGalaxy(cube.spec);
    rows.push(...scaleCatalogRows(plan, c, a.fitted));
    if (!cube.missing) {
      const file = path.join(p.cubes, cubeFileName(arcNameOf(cube.spec)));
      await writeFits(file, [
        { data: null, cards: cubePrimaryCards(cube.spec) },
        { data: ndarray(a.data, shape), cards: cubeExtensionCards(cube.spec, 'DATA'), extname: 'DATA' },
        { data: ndarray(a.stat, shape), cards: cubeExtensionCards(cube.spec, 'STAT'), extname: 'STAT' },
      ]);
      bytes += statSync(file).size;
      cubeFiles++;
    }
    for (const id of cube.rows) {
      const row = plan.rows[id]!;
      if (!row.fitted || a.bestfit === null || a.weights === null) continue;
      const file = path.join(p.sfh, ppxfFileName(id, row.snName));
      await writeFits(file, [
        { data: ndarray(a.bestfit, shape), cards: ppxfPrimaryCards(cube.spec) },
        { data: ndarray(a.weights, [N_AGES, N_METALS, side, side]), cards: sfhCards() },
      ]);
      bytes += statSync(file).size;
      ppxfFiles++;
    }
    if ((c + 1) % 100 === 0) log(`scale data: ${c + 1} of ${plan.cubes.length} cubes (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  writeFileSync(p.catalog, scaleCatalogCsv(rows));
  const missing = new Set(plan.cubes.flatMap((c) => (c.missing ? c.rows : [])));
  const marker: Marker = {
    version: SCALE_VERSION,
    side,
    rows: n,
    cubeFiles,
    ppxfFiles,
    fitted: plan.rows.filter((r) => r.fitted && !missing.has(r.id)).length,
    unfitted: plan.rows.filter((r) => !r.fitted).length,
    missingCube: missing.size,
    bytes,
  };
  writeFileSync(path.join(build, MARKER), `${JSON.stringify(marker, null, 1)}\n`);
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.dirname(dir), { recursive: true });
  renameSync(build, dir);
  const { version: _v, side: _s, ...rest } = marker;
  return { ...layout(dir), ...rest, generatedSeconds: (performance.now() - t0) / 1000 };
}
