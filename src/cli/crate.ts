/**
 * `sfh-pipeline crate`: the options become a request for src/crate/write.ts, which writes
 * a Workflow Run RO-Crate of the last run (or of the lock); this prints what it wrote.
 */
import path from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { UserError } from '../errors.ts';
import { writeCrate } from '../crate/write.ts';

/** The options of `crate`. */
export const CRATE_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  lock: { type: 'string' },
  cache: { type: 'string' },
  of: { type: 'string' },
  license: { type: 'string' },
  name: { type: 'string' },
  description: { type: 'string' },
  author: { type: 'string', multiple: true },
  zip: { type: 'string' },
  'with-outputs': { type: 'boolean' },
  'with-inputs': { type: 'boolean' },
};

/** Writes the crate; resolves with the exit status. */
export async function commandCrate(v: { readonly [key: string]: string | boolean | readonly (string | boolean)[] | undefined }): Promise<number> {
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const license = str('license');
  if (!license) throw new UserError('usage', 'crate: --license is required: under which licence do the results go out?', 'e.g. --license CC-BY-4.0 (Zenodo\'s usual choice for data) or --license CC0-1.0; any SPDX id or a licence URL');
  const of = str('of') ?? 'run';
  if (of !== 'run' && of !== 'lock') throw new UserError('usage', `--of ${of}: expected run or lock`);
  const zip = str('zip');
  const written = await writeCrate({
    ...(str('pipeline') ? { pipeline: str('pipeline') } : {}),
    ...(str('lock') ? { lock: str('lock') } : {}),
    ...(str('cache') ? { cache: str('cache') } : {}),
    of,
    license,
    ...(str('name') ? { name: str('name') } : {}),
    ...(str('description') ? { description: str('description') } : {}),
    authors: ((v['author'] ?? []) as readonly string[]),
    ...(zip ? { zip } : {}),
    withOutputs: v['with-outputs'] === true,
    withInputs: v['with-inputs'] === true,
  });
  for (const w of written.warnings) process.stderr.write(`warning: ${w}\n`);
  const size = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`);
  const errors = written.errors ? `, ${written.errors} failed (as errors of the run)` : '';
  process.stderr.write(`crate: ${path.relative(process.cwd(), written.file) || written.file} (${written.results} results, ${written.inputs} inputs${errors}; ${written.entities} entities, metadata ${size(written.metadataBytes)}${written.zipBytes === undefined ? '' : `, zip ${size(written.zipBytes)}`})\n`);
  return 0;
}
