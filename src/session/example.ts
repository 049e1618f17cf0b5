/**
 * The bundled example dataset as a run's default inputs: generated deterministically on
 * first use (it is a few tens of MB, so it is not committed), so that
 * `npx sfh-pipeline run --galaxy 122` works on a fresh clone.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { generateExample } from '../example/generate.ts';
import { PACKAGE_ROOT } from '../package.ts';
import type { ParamValue } from '../stage.ts';

/** Where the bundled example lives. */
export const EXAMPLE_DIR = path.join(PACKAGE_ROOT, 'example');

/** Generates the example dataset when the run's catalog is the bundled example's and it is not there yet. */
export async function ensureExampleData(values: ReadonlyMap<string, readonly ParamValue[]>, log: NodeJS.WritableStream): Promise<void> {
  const catalog = String(values.get('catalog')?.[0] ?? '');
  // --ngist needs no catalog, so no example either.
  if (String(values.get('ngist')?.[0] ?? '') !== '') return;
  if (!catalog.startsWith(EXAMPLE_DIR + path.sep) || existsSync(catalog)) return;
  log.write(`generating the bundled example dataset in ${path.relative(process.cwd(), EXAMPLE_DIR) || EXAMPLE_DIR} (first run only)\n`);
  await generateExample(EXAMPLE_DIR);
}
