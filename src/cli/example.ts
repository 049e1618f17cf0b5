/**
 * The bundled example dataset: generated deterministically on first use (it is a few tens
 * of MB, so it is not committed), by `sfh-pipeline example` or by a run whose defaults
 * point at it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../engine/modules.ts';
import { generateExample } from '../example/generate.ts';
import type { Pipeline } from '../pipeline/types.ts';
import type { ParamValue } from '../stage.ts';

/** Where the bundled example lives. */
export const EXAMPLE_DIR = path.join(PACKAGE_ROOT, 'example');

/** Writes the example dataset to `--out` (default: the bundled location). */
export async function commandExample(v: { out?: string }): Promise<number> {
  const dir = path.resolve(v.out ?? EXAMPLE_DIR);
  const manifest = await generateExample(dir);
  process.stdout.write(`example dataset in ${dir} (${manifest.files.length} files)\n`);
  return 0;
}

/**
 * Generates the example dataset when the run's catalog is the bundled example's and it is
 * not there yet, so `npx sfh-pipeline run --galaxy 122` works on a fresh clone.
 */
export async function ensureExampleData(_pipeline: Pipeline, values: ReadonlyMap<string, readonly ParamValue[]>, log: NodeJS.WritableStream): Promise<void> {
  const catalog = String(values.get('catalog')?.[0] ?? '');
  // --ngist needs no catalog, so no example either.
  if (String(values.get('ngist')?.[0] ?? '') !== '') return;
  if (!catalog.startsWith(EXAMPLE_DIR + path.sep) || existsSync(catalog)) return;
  log.write(`generating the bundled example dataset in ${path.relative(process.cwd(), EXAMPLE_DIR) || EXAMPLE_DIR} (first run only)\n`);
  await generateExample(EXAMPLE_DIR);
}
