/**
 * What the study's catalog columns mean, and where each galaxy's files live: the
 * notebook's file layout in one place, so every stage names the same files.
 */
import path from 'node:path';
import { UserError } from '../errors.ts';
import type { CatalogRow, Json } from '../stage.ts';
import { readPandasNumber } from './number.ts';
import { DUPLICATE_ID, ROW_PROBLEM } from './read.ts';

/** The catalog columns the pipeline reads. */
export const REQUIRED_COLUMNS = ['ArcName', 'SN Name', 'SN RA', 'SN DEC'] as const;

/** A galaxy as the pipeline uses it. */
export interface Galaxy {
  readonly id: string;
  readonly snName: string;
  readonly snType: string;
  /** ICRS degrees; null only for an nGIST galaxy given without an SN (`--ngist DIR`). */
  readonly ra: number | null;
  readonly dec: number | null;
  readonly arcName: string;
  /** Seeing FWHM in arcsec from an optional `SKY_RES` column, used when the cube lacks the card. */
  readonly skyRes?: number;
  /**
   * The galaxy's nGIST/GIST results folder (absolute), from an optional `NGIST` column
   * (relative to the catalog's folder) or `--ngist`: its SFHs are then read from there
   * (docs/ngist.md) instead of a pPXF cube.
   */
  readonly ngist?: string;
}

/** The catalog column naming a galaxy's nGIST results folder (matched case-insensitively). */
export const NGIST_COLUMN = 'NGIST';

/**
 * The catalog row of a one-galaxy run on an nGIST folder without a catalog (`--ngist DIR`):
 * the run id (the files' prefix) as id and ArcName, no SN. `run` must be a plain name.
 */
export function ngistRow(dir: string, run: string): CatalogRow {
  return { id: run, fields: { 'SN Name': 'ngist', 'SN Type': '', ArcName: run, 'SN RA': '', 'SN DEC': '', [NGIST_COLUMN]: dir } };
}

/** Reads and checks one catalog row; errors name the galaxy and the column. */
export function galaxyOf(row: CatalogRow, catalogFile: string): Galaxy {
  const f = row.fields;
  const where = `galaxy ${row.id} of ${catalogFile}`;
  const lines = f[DUPLICATE_ID];
  if (lines !== undefined) {
    throw new UserError('catalog-invalid', `${where}: the id ${row.id} is on ${lines.split(',').length} rows (lines ${lines}), so which row is this galaxy is not known`, 'ids must be unique: renumber or remove the extra rows (the other galaxies run)', catalogFile);
  }
  const shape = f[ROW_PROBLEM];
  if (shape !== undefined) {
    throw new UserError('catalog-invalid', `${where}: ${shape}, so its values may sit under the wrong columns`, 'fix the row: a missing or extra comma, or a value holding a comma that is not in double quotes (pandas would read the missing fields as empty, and refuse the whole file for an extra one)', catalogFile);
  }
  const text = (col: string): string => {
    const v = f[col];
    if (v === undefined || v === '') throw new UserError('catalog-invalid', `${where}: column '${col}' is empty`, `fill in '${col}' for this row`, catalogFile);
    return v;
  };
  // Numbers as the notebook's pd.read_csv reads them (./number.ts): `0x15` is not 21 degrees.
  const number = (col: string, s: string, what: string): number | undefined => {
    const n = readPandasNumber(s);
    if (n.kind === 'number') return n.value;
    if (n.kind === 'missing') return undefined;
    throw new UserError('catalog-invalid', `${where}: '${col}' is ${JSON.stringify(s)}, not ${what}: pandas' read_csv (the notebook's reader) does not read it as a number`, `write '${col}' as a plain decimal number (e.g. 47.2213 or 4.72e1): no 0x, _ or thousands separators`, catalogFile);
  };
  const deg = (col: string, lo: number, hi: number): number => {
    const s = text(col);
    const v = number(col, s, `a number of degrees in [${lo}, ${hi}]`);
    if (v === undefined) throw new UserError('catalog-invalid', `${where}: '${col}' is ${JSON.stringify(s)}, which pandas reads as NaN (a missing value)`, `fill in '${col}' in decimal degrees for this row`, catalogFile);
    if (!Number.isFinite(v) || v < lo || v > hi) throw new UserError('catalog-invalid', `${where}: '${col}' is ${JSON.stringify(s)}, not a number of degrees in [${lo}, ${hi}]`, `write '${col}' in decimal degrees`, catalogFile);
    return v;
  };
  const skyResText = f['SKY_RES'];
  const skyRes = skyResText === undefined ? undefined : number('SKY_RES', skyResText, 'a seeing FWHM in arcsec');
  if (skyRes !== undefined && !(Number.isFinite(skyRes) && skyRes > 0)) {
    throw new UserError('catalog-invalid', `${where}: 'SKY_RES' is ${JSON.stringify(skyResText)}, not a positive seeing FWHM in arcsec`, "write the seeing FWHM in arcsec, or leave 'SKY_RES' empty to use the cube's SKY_RES card", catalogFile);
  }
  const ngistKey = Object.keys(f).find((c) => c.toUpperCase() === NGIST_COLUMN);
  const ngistText = ngistKey === undefined ? '' : (f[ngistKey] ?? '');
  const ngist = ngistText === '' ? undefined : path.resolve(path.dirname(catalogFile), ngistText);
  // An nGIST galaxy may come without an SN (a plain clustering of the galaxy); a catalog
  // galaxy always has one.
  const noSn = ngist !== undefined && (f['SN RA'] ?? '') === '' && (f['SN DEC'] ?? '') === '';
  return {
    id: row.id,
    snName: text('SN Name'),
    snType: f['SN Type'] ?? '',
    ra: noSn ? null : deg('SN RA', 0, 360),
    dec: noSn ? null : deg('SN DEC', -90, 90),
    arcName: text('ArcName'),
    ...(skyRes !== undefined ? { skyRes } : {}),
    ...(ngist !== undefined ? { ngist } : {}),
  };
}

/** The galaxy as JSON metadata (what the catalog stage outputs). */
export function galaxyJson(g: Galaxy): { [key: string]: Json } {
  return { ...g };
}

/**
 * `dir/name`, refusing names from the catalog that would leave `dir` (`/`, `..`, NUL):
 * the catalog is data, and data must not choose where the pipeline reads or writes.
 */
export function fileIn(dir: string, name: string, what: string, galaxy: string): string {
  const bad = name.includes('/') || name.includes('\\') || name.includes('\0') || name === '.' || name === '..' || name.startsWith('..');
  const full = path.resolve(dir, name);
  if (bad || path.dirname(full) !== path.resolve(dir)) {
    throw new UserError('catalog-invalid', `galaxy ${galaxy}: the ${what} ${JSON.stringify(name)} is not a plain file name`, 'catalog names must not contain /, \\ or start with ..; fix the row in the catalog');
  }
  return full;
}

/** The binned cube: `<cubes>/<ArcName with ADP replaced by CDP>.fits`, as in the notebook. */
export function cubeFile(cubes: string, g: Galaxy): string {
  return fileIn(cubes, `${g.arcName.replaceAll('ADP', 'CDP')}.fits`, 'cube name (ArcName)', g.id);
}

/** The pPXF output: `<sfh>/<id>_<SN Name>.fits`. */
export function sfhFile(sfh: string, g: Galaxy): string {
  return fileIn(sfh, `${g.id}_${g.snName}.fits`, 'pPXF output name (id_SN Name)', g.id);
}

/**
 * The result file: `<out>/<name>` where `{id}`, `{sn}`, `{k}` and `{seed}` in the name are
 * replaced; the default `{id}_{sn}_{k}.fits` is the notebook's `<id>_<SN Name>_<k>.fits`.
 */
export function resultFile(out: string, name: string, g: Galaxy, values: { k: number; seed: number }): string {
  const problem = resultNameProblem(name);
  if (problem !== undefined) throw new UserError('usage', `the result name (parameter name) ${problem}`, RESULT_NAME_HINT);
  const file = name.replace(/\{(id|sn|k|seed)\}/g, (_, key: string) => (key === 'id' ? g.id : key === 'sn' ? g.snName : String(values[key as 'k' | 'seed'])));
  return fileIn(out, file, 'result name', g.id);
}

/** What to do about a result name {@link resultNameProblem} refuses. */
export const RESULT_NAME_HINT = 'write a file name with the placeholders {id}, {sn}, {k} and {seed}, e.g. --set name={id}_{sn}_{k}.fits; the folder is --out';

/**
 * Why the result name template `name` cannot name the results, or undefined: a placeholder
 * that is not one of `{id}`, `{sn}`, `{k}`, `{seed}` (it used to be written as it is, a file
 * literally named `{foo}_4.fits`), or a folder in it (the folder is `--out`). Checked before
 * anything runs, so that it is not reported as every galaxy's failure and blamed on the catalog.
 */
export function resultNameProblem(name: string): string | undefined {
  const unknown = [...name.matchAll(/\{([^{}]*)\}/g)].map((m) => m[0]).filter((p) => !/^\{(id|sn|k|seed)\}$/.test(p));
  if (unknown.length) return `${JSON.stringify(name)} has the placeholder${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}, which ${unknown.length > 1 ? 'are' : 'is'} not one of {id}, {sn}, {k}, {seed}`;
  if (/[/\\]/.test(name) || name.startsWith('..')) return `${JSON.stringify(name)} is not a file name: it holds a folder`;
  return undefined;
}

