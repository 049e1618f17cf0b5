/**
 * Where an nGIST/GIST run keeps what sfh-pipeline reads, found from its results folder:
 * `<run>_table.fits` (spaxel -> Voronoi bin), `<run>_sfh-weights.fits` (or
 * `_sfh_weights.fits`, the spelling of nGIST's dev branch and documentation), the optional
 * `<run>_mask.fits` and the run's `CONFIG`; each FITS file may be gzip-compressed as
 * `.fits.gz`, and is named by its `.fits` name either way. Names only: nothing is opened
 * here, so the load stage can list its inputs (and hash them) before it runs.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { bothFormsWarning, fitsFileOf } from '../fits/gzip.ts';

/** The files of one nGIST run. */
export interface NgistFiles {
  readonly dir: string;
  /** The run id, the prefix of its file names (nGIST's GENERAL.RUN_ID). */
  readonly run: string;
  readonly table: string;
  readonly weights: string;
  readonly mask: string | undefined;
  readonly config: string | undefined;
  /**
   * The files found in two forms, one of them read (`X.fits` and `X.fits.gz`; both spellings
   * of the weights), each in a sentence saying which: the two may differ, and a choice made
   * without a word could give a result from the wrong one (src/fits/gzip.ts).
   */
  readonly notes: readonly string[];
}

const TABLE_SUFFIX = '_table.fits';
const WEIGHTS_SUFFIXES = ['_sfh-weights.fits', '_sfh_weights.fits'];

/**
 * Whether a run's FITS file is there, as `X.fits` or gzip-compressed as `X.fits.gz` (its
 * `.fits` name stands for either: src/fits/gzip.ts).
 */
function present(file: string): boolean {
  return existsSync(fitsFileOf(file));
}

/**
 * The run in `dir`, or a UserError saying what is missing: the folder, a `_table.fits`
 * (then it is not an nGIST result), the SFH weights (the run had no SFH module), or which
 * run to take when the folder holds several.
 */
export function findNgistRun(dir: string, who: string): NgistFiles {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError('missing-input', `${who}: the nGIST results folder ${dir} does not exist`, 'pass the folder nGIST wrote for the run (results/<RUN_ID>), which holds <RUN_ID>_table.fits', dir);
  }
  const names = readdirSync(dir);
  const runs = [...new Set(names.map((n) => n.replace(/\.gz$/, '')).filter((n) => n.endsWith(TABLE_SUFFIX)).map((n) => n.slice(0, -TABLE_SUFFIX.length)))];
  if (runs.length === 0) {
    const fits = names.filter((n) => /\.fits(\.gz)?$/i.test(n));
    throw new UserError(
      'not-ngist',
      `${who}: ${dir} is not an nGIST/GIST result: it has no <run>_table.fits${fits.length ? ` (FITS files there: ${fits.slice(0, 5).join(', ')}${fits.length > 5 ? ', ...' : ''})` : ''}`,
      'pass the run folder nGIST wrote (results/<RUN_ID>), with <RUN_ID>_table.fits and <RUN_ID>_sfh-weights.fits',
      dir,
    );
  }
  if (runs.length > 1) {
    throw new UserError('not-ngist', `${who}: ${dir} holds ${runs.length} nGIST runs (${runs.join(', ')})`, 'keep one run per folder, as nGIST writes them (results/<RUN_ID>), and pass that folder', dir);
  }
  const run = runs[0]!;
  const spellings = WEIGHTS_SUFFIXES.map((s) => path.join(dir, `${run}${s}`)).filter(present);
  const weights = spellings[0];
  if (!weights) {
    throw new UserError(
      'missing-input',
      `${who}: nGIST run ${run} in ${dir} has no star-formation-history weights (${WEIGHTS_SUFFIXES.map((s) => run + s).join(' or ')})`,
      'run nGIST with its SFH module (SFH: METHOD: ppxf) so it writes the weights per bin',
      dir,
    );
  }
  const mask = path.join(dir, `${run}_mask.fits`);
  const config = path.join(dir, 'CONFIG');
  const table = path.join(dir, `${run}${TABLE_SUFFIX}`);
  const notes: string[] = [];
  for (const f of [table, weights, mask]) {
    const both = bothFormsWarning(f);
    if (both) notes.push(both);
  }
  if (spellings.length > 1) {
    const [read, other] = spellings.map((f) => path.basename(fitsFileOf(f)));
    notes.push(`both ${read} and ${other} (two spellings of the SFH weights) are in ${dir}: ${read} is read, ${other} is not (remove the one that is not meant)`);
  }
  return { dir, run, table, weights, mask: present(mask) ? mask : undefined, config: existsSync(config) ? config : undefined, notes };
}

/** The files to hash for a run, or [] when the folder is not one (the stage then reports why). */
export function ngistInputs(dir: string): string[] {
  try {
    const f = findNgistRun(dir, '');
    return [f.table, f.weights, ...(f.mask ? [f.mask] : []), ...(f.config ? [f.config] : [])];
  } catch {
    return [];
  }
}
