/**
 * Writes the bundled example dataset: four synthetic MUSE host galaxies in the notebook's
 * layout. Deterministic (byte-identical on every run and machine), safe to interrupt (built
 * in a temporary sibling folder and moved into place at the end) and idempotent (a complete
 * dataset of the current version is left alone).
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeFits } from '../fits/index.ts';
import { ndarray } from '../ndarray.ts';
import { arcNameOf, catalogCsv } from './catalog.ts';
import { SPECTRAL_AXIS, buildGalaxy } from './cube.ts';
import { GALAXIES } from './galaxies.ts';
import { cubeExtensionCards, cubePrimaryCards, ppxfPrimaryCards, sfhCards } from './headers.ts';
import { checkReplaceable, install, readComplete, siblingTemp, sweepStale } from './install.ts';
import { EXAMPLE_LAYOUT, EXAMPLE_VERSION, cubeFileName, ppxfFileName } from './layout.ts';
import type { GalaxySpec } from './spec.ts';
import { N_AGES, N_METALS } from './ssp.ts';

export { EXAMPLE_LAYOUT, EXAMPLE_VERSION, cubeFileName, ppxfFileName } from './layout.ts';

/** One example galaxy as the manifest describes it. */
export interface ExampleGalaxy {
  /** The catalog id (first CSV column), what `--galaxy` takes. */
  readonly id: number;
  readonly snName: string;
  readonly snType: string;
  /** What structure the galaxy has, in words. */
  readonly description: string;
  readonly arcName: string;
  /** Cube path relative to the dataset folder. */
  readonly cube: string;
  /** pPXF output path relative to the dataset folder; null for core-collapse hosts. */
  readonly ppxf: string | null;
  /** DATA shape in numpy order: [nwave, ny, nx]. */
  readonly shape: readonly [number, number, number];
  /** The SN's 0-based pixel position (x = column, y = row) the catalog RA/DEC encode. */
  readonly snPixel: { readonly x: number; readonly y: number };
  /** Seeing FWHM in arcsec (`SKY_RES`). */
  readonly seeing: number;
}

/** What the dataset holds: written into the marker file, and returned to the caller. */
export interface ExampleManifest {
  readonly version: string;
  /** Absolute path of the dataset folder. */
  readonly dir: string;
  /** Catalog path relative to `dir`. */
  readonly catalog: string;
  /** Every data file (relative to `dir`, sorted) and its size, the marker excepted. */
  readonly files: readonly { readonly path: string; readonly bytes: number }[];
  readonly galaxies: readonly ExampleGalaxy[];
  /** False when a complete dataset was already there and nothing was written. */
  readonly generated: boolean;
}

function describe(g: GalaxySpec): ExampleGalaxy {
  const arcName = arcNameOf(g);
  return {
    id: g.id,
    snName: g.snName,
    snType: g.snType,
    description: g.description,
    arcName,
    cube: `${EXAMPLE_LAYOUT.cubeDir}/${cubeFileName(arcName)}`,
    ppxf: g.snType === 'Ia' ? `${EXAMPLE_LAYOUT.ppxfDir}/${ppxfFileName(g.id, g.snName)}` : null,
    shape: [SPECTRAL_AXIS.nwave, g.ny, g.nx],
    snPixel: { x: g.sn.x, y: g.sn.y },
    seeing: g.seeing,
  };
}

/** The marker's content: the manifest without the parts that depend on where or when. */
type ExampleMarker = Omit<ExampleManifest, 'dir' | 'generated'>;

/** Writes every data file into `dir` (an empty folder) and returns what the marker will say. */
async function writeDataset(dir: string): Promise<ExampleMarker> {
  await mkdir(join(dir, EXAMPLE_LAYOUT.cubeDir), { recursive: true });
  await mkdir(join(dir, EXAMPLE_LAYOUT.ppxfDir), { recursive: true });
  await writeFile(join(dir, EXAMPLE_LAYOUT.catalog), catalogCsv(GALAXIES));
  const galaxies = GALAXIES.map(describe);
  for (const [i, g] of GALAXIES.entries()) {
    const info = galaxies[i];
    if (info === undefined) continue;
    const a = buildGalaxy(g);
    checkSnPixel(g, a.fitted);
    const cubeShape = [SPECTRAL_AXIS.nwave, g.ny, g.nx];
    await writeFits(join(dir, info.cube), [
      { data: null, cards: cubePrimaryCards(g) },
      { data: ndarray(a.data, cubeShape), cards: cubeExtensionCards(g, 'DATA'), extname: 'DATA' },
      { data: ndarray(a.stat, cubeShape), cards: cubeExtensionCards(g, 'STAT'), extname: 'STAT' },
    ]);
    if (info.ppxf !== null && a.bestfit !== null && a.weights !== null) {
      await writeFits(join(dir, info.ppxf), [
        { data: ndarray(a.bestfit, cubeShape), cards: ppxfPrimaryCards(g) },
        { data: ndarray(a.weights, [N_AGES, N_METALS, g.ny, g.nx]), cards: sfhCards() },
      ]);
    }
  }
  const paths = [EXAMPLE_LAYOUT.catalog, ...galaxies.flatMap((g) => (g.ppxf === null ? [g.cube] : [g.cube, g.ppxf]))].sort();
  const files = [];
  for (const path of paths) files.push({ path, bytes: (await stat(join(dir, path))).size });
  return { version: EXAMPLE_VERSION, catalog: EXAMPLE_LAYOUT.catalog, files, galaxies };
}

/**
 * The SN pixel, both as the notebook's int() and rounded, must be a fitted spaxel of every
 * Ia host, or the example would not exercise the pipeline. A failure is a bug in the specs.
 */
function checkSnPixel(g: GalaxySpec, fitted: Uint8Array): void {
  for (const [x, y] of [
    [Math.trunc(g.sn.x), Math.trunc(g.sn.y)],
    [Math.round(g.sn.x), Math.round(g.sn.y)],
  ] as const) {
    if (fitted[y * g.nx + x] !== 1) throw new Error(`example galaxy ${g.id}: the SN pixel (${x}, ${y}) is not a fitted spaxel`);
  }
}

/**
 * Makes sure `dir` holds the complete example dataset of the current version, generating it
 * when needed, and says what it holds. Safe to call at every start: a complete dataset is
 * left untouched; a new one is built in a temporary sibling folder and moved in at the end,
 * so an interrupted run never leaves something that looks complete. Other files in `dir`
 * (README.md) are kept. Refuses (UserError 'example-dir-occupied') to replace a catalog or
 * data folders that the generator did not write.
 */
export async function generateExample(dir: string): Promise<ExampleManifest> {
  const target = resolve(dir);
  const existing = await readComplete(target);
  if (existing !== undefined) return { ...(existing as ExampleMarker), dir: target, generated: false };
  await checkReplaceable(target);
  await mkdir(dirname(target), { recursive: true });
  await sweepStale(target);
  const built = siblingTemp(target, 'build');
  try {
    await mkdir(built);
    const marker = await writeDataset(built);
    await install(built, target, marker);
    return { ...marker, dir: target, generated: true };
  } finally {
    await rm(built, { recursive: true, force: true });
  }
}
