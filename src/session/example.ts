/**
 * The bundled example dataset as a run's default inputs: generated deterministically on
 * first use (it is a few tens of MB, so neither the repository nor the package holds it),
 * into the project folder's `example/`, so that `sfh-pipeline run --galaxy 122` works in a
 * fresh clone, and in an empty folder after `npm install sfh-pipeline`. Never into the
 * package: a global install is not its user's to write.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { generateExample } from '../example/generate.ts';
import type { ParamValue } from '../stage.ts';

/** The example's catalog, as the bundled pipeline's `catalog` default names it. */
const EXAMPLE_CATALOG = 'FinalSelMuseMask3.csv';

/** Where the example lives for a project: `example/` in its folder. */
export function exampleDir(projectRoot: string): string {
  return path.join(projectRoot, 'example');
}

/** Generates the example dataset when the run's catalog is the project's example catalog and it is not there yet. */
export async function ensureExampleData(values: ReadonlyMap<string, readonly ParamValue[]>, projectRoot: string, log: NodeJS.WritableStream): Promise<void> {
  const catalog = String(values.get('catalog')?.[0] ?? '');
  // --ngist needs no catalog, so no example either.
  if (String(values.get('ngist')?.[0] ?? '') !== '') return;
  const dir = exampleDir(projectRoot);
  if (catalog !== path.join(dir, EXAMPLE_CATALOG) || existsSync(catalog)) return;
  log.write(`generating the bundled example dataset in ${path.relative(process.cwd(), dir) || dir} (first run only; \`sfh-pipeline example\` writes it too)\n`);
  await generateExample(dir);
}
