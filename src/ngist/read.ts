/**
 * Reads an nGIST/GIST run into what the pipeline clusters: the spaxel grid, each spaxel's
 * bin, each bin's SFH over the run's own ages (metallicity and alpha summed), the light
 * map, and how the weights were normalised. The formats (docs/ngist.md; nGIST
 * `spatialBinning/voronoi.py`, `starFormationHistories/ppxf_sfh_wrapper.py`):
 * - `_table.fits` TABLE: one row per spaxel, ID = row * nx + col (C order of the cube
 *   image), BIN_ID >= 0 the Voronoi bin, BIN_ID < 0 a masked spaxel (-(nearest bin));
 *   X, Y in arcsec; FLUX the spaxel's median flux; PIXSIZE in the primary header; since
 *   2023-04 an HDU 2 whose header is the cube's WCS.
 * - `_mask.fits` MASKFILE: MASK = 1 for masked spaxels, the only way to tell a masked
 *   spaxel whose nearest bin is 0 (-0 = 0).
 * - `_sfh-weights.fits` WEIGHTS: one row per bin of NAGES * NMETAL * NALPHA weights in C
 *   order (age, metal, alpha), each row summing to 1; GRID: LOGAGE = log10(age / Gyr),
 *   METAL, ALPHA per template, in the same order.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError, type UserErrorReason } from '../errors.ts';
import type { ColumnArray, FitsTable, Header } from '../fits/index.ts';
import { fitsFileOf } from '../fits/gzip.ts';
import { openSmallFits, type SmallFits } from '../fits/small-fits.ts';
import type { NgistFiles } from './files.ts';

/** How the SSP templates were normalised before the fit, hence what a weight is. */
export type Normalisation = 'MASS' | 'LIGHT' | 'unknown';

/** One nGIST run, ready to be mapped onto spaxels. */
export interface NgistRun {
  readonly files: NgistFiles;
  readonly nx: number;
  readonly ny: number;
  /** Arcsec per spaxel (PIXSIZE), undefined when the header lacks it. */
  readonly pixsize: number | undefined;
  /** Bin of each spaxel, C order (ny, nx); -1 for a masked spaxel. */
  readonly binOf: Int32Array;
  readonly bins: number;
  /** Ages of the grid in Gyr, ascending (10 ** LOGAGE). */
  readonly ages: Float64Array;
  /** Per bin, its weights summed over metallicity and alpha: (bins, ages) C order. */
  readonly binSfh: Float64Array;
  /** Per spaxel FLUX (median flux in nGIST's S/N window), C order (ny, nx). */
  readonly flux: Float64Array;
  readonly normalisation: Normalisation;
  /** Where the normalisation was read: the weights' header card, CONFIG, or nowhere. */
  readonly normalisationSource: string;
  /** Header of the table's WCS HDU (nGIST >= 2023-04), if it has celestial axes. */
  readonly wcsHeader: Header | undefined;
  readonly masked: number;
  /**
   * Bins with weights but no unmasked spaxel, ascending. nGIST never writes one (a Voronoi
   * bin is made of unmasked spaxels), so they mean the table and the weights disagree: two
   * bin ids merged in an edited table, a table from another binning, a mask that hides whole bins.
   */
  readonly emptyBins: readonly number[];
  /**
   * Why no mask was applied, when none was (no `_mask.fits`, or one without a MASK
   * column), else undefined: then the sign of BIN_ID alone tells masked spaxels, and a
   * masked spaxel whose nearest bin is 0 (BIN_ID -0 = 0) is taken as bin 0's.
   */
  readonly maskMissing: string | undefined;
  /** Spaxels with BIN_ID 0 in the table (bin 0's own, and masked ones nearest to it). */
  readonly binZero: number;
}

function numbers(t: FitsTable, name: string): ColumnArray {
  return t.column(name).data as ColumnArray;
}

/** Opens a run's FITS file as found (`X.fits`, or `X.fits.gz` next to that name, or gzip under either name). */
async function open<T>(file: string, fn: (f: SmallFits) => T): Promise<T> {
  const f = await openSmallFits(fitsFileOf(file));
  try {
    return fn(f);
  } finally {
    f.close();
  }
}

/** Reads and cross-checks the run's files; every failure names the file and what to do. */
export async function readNgist(files: NgistFiles, who: string): Promise<NgistRun> {
  const bad = (file: string, reason: UserErrorReason, message: string, hint: string): UserError => new UserError(reason, `${who}: ${message}`, hint, file);

  // The spaxel table and its grid
  const { ids, binIds, x, y, flux, pixsize, wcsHeader } = await open(files.table, (f) => {
    if (!f.hdus.some((h) => h.name.toUpperCase() === 'TABLE' && h.xtension === 'BINTABLE')) {
      throw bad(files.table, 'not-ngist', `${files.table} has no TABLE binary table, so it is not an nGIST spaxel table`, 'pass the results folder of an nGIST/GIST run');
    }
    const t = f.readTable('TABLE');
    for (const col of ['ID', 'BIN_ID', 'X', 'Y', 'FLUX']) {
      if (!t.has(col)) throw bad(files.table, 'not-ngist', `${files.table} TABLE has no ${col} column (columns: ${t.columns.map((c) => c.name).join(', ')})`, 'this is not an nGIST spaxel table; pass the results folder of an nGIST/GIST run');
    }
    const ps = f.hdu(0).header.get('PIXSIZE');
    const wcs = f.hdus.find((h, i) => i >= 2 && h.header.has('CTYPE1') && h.header.has('CTYPE2'));
    return {
      ids: numbers(t, 'ID'),
      binIds: numbers(t, 'BIN_ID'),
      x: numbers(t, 'X'),
      y: numbers(t, 'Y'),
      flux: numbers(t, 'FLUX'),
      pixsize: typeof ps === 'number' && ps > 0 ? ps : undefined,
      wcsHeader: wcs?.header,
    };
  });
  const n = ids.length;
  // Grid: nx = distinct columns, ny = distinct rows (X, Y on a PIXSIZE lattice); ID must
  // be row * nx + col, which is how nGIST flattens the cube image.
  const step = pixsize ?? minStep(x);
  const col = Array.from(x as ArrayLike<number>, (v) => Math.round(v / step));
  const row = Array.from(y as ArrayLike<number>, (v) => Math.round(v / step));
  const c0 = Math.min(...col);
  const r0 = Math.min(...row);
  const nx = Math.max(...col) - c0 + 1;
  const ny = Math.max(...row) - r0 + 1;
  if (nx * ny !== n) {
    throw bad(files.table, 'bad-input', `${files.table} has ${n} spaxels, but its X, Y span a ${nx} x ${ny} grid of ${step}" pixels`, 'the table must list every spaxel of the cube, as nGIST writes it; was it edited or cut?');
  }
  for (let i = 0; i < n; i++) {
    if (Number(ids[i]) !== (row[i]! - r0) * nx + (col[i]! - c0)) {
      throw bad(files.table, 'bad-input', `${files.table} row ${i}: ID ${ids[i]} is not row * ${nx} + col for X = ${x[i]}, Y = ${y[i]}`, 'the table must be in nGIST\'s layout (ID = the C-order index of the cube image)');
    }
  }

  // The mask (MASK = 1), where present; else the sign of BIN_ID alone (said: maskMissing).
  let maskCol: ColumnArray | undefined;
  let maskMissing: string | undefined = `there is no ${path.basename(files.table).replace(/_table\.fits$/, '_mask.fits')} in ${files.dir}`;
  if (files.mask) {
    maskCol = await open(files.mask, (f) => {
      const t = f.readTable(f.hdus.some((h) => h.name.toUpperCase() === 'MASKFILE') ? 'MASKFILE' : 1);
      return t.has('MASK') ? numbers(t, 'MASK') : undefined;
    });
    maskMissing = maskCol ? undefined : `${files.mask} has no MASK column`;
    if (maskCol && maskCol.length !== n) {
      throw bad(files.mask, 'ngist-mismatch', `${files.mask} has ${maskCol.length} rows, the spaxel table ${n}`, 'the mask and the table must come from the same nGIST run');
    }
  }

  // The weights and their grid
  const w = await open(files.weights, (f) => {
    const h0 = f.hdu(0).header;
    if (!f.hdus.some((h) => h.name.toUpperCase() === 'WEIGHTS' && h.xtension === 'BINTABLE')) {
      throw bad(files.weights, 'not-ngist', `${files.weights} has no WEIGHTS binary table`, 'pass the results folder of an nGIST/GIST run made with the SFH module');
    }
    if (!f.hdus.some((h) => h.name.toUpperCase() === 'GRID' && h.xtension === 'BINTABLE')) {
      throw bad(files.weights, 'ngist-no-grid', `${files.weights} has no GRID table (the age and metallicity of each template), so the ages of the weights are unknown`, 'use the SFH weights file as nGIST wrote it (HDU 2 GRID with LOGAGE, METAL, ALPHA); a file without it cannot be mapped to ages');
    }
    const weights = f.readTable('WEIGHTS');
    const grid = f.readTable('GRID');
    if (!grid.has('LOGAGE')) throw bad(files.weights, 'ngist-no-grid', `${files.weights} GRID has no LOGAGE column`, 'the GRID table must give LOGAGE (log10 age in Gyr) per template');
    const norm = h0.get('NORM_TEMP');
    return { h0, data: numbers(weights, weights.columns[0]!.name) as Float64Array, repeat: weights.columns[0]!.repeat, rows: weights.rows, logAge: numbers(grid, 'LOGAGE'), norm: typeof norm === 'string' ? norm.trim().toUpperCase() : undefined };
  });
  if (w.logAge.length !== w.repeat) {
    throw bad(files.weights, 'ngist-no-grid', `${files.weights}: GRID has ${w.logAge.length} templates, WEIGHTS ${w.repeat} per bin`, 'the weights and their grid must come from the same fit');
  }
  // Ages: consecutive runs of one LOGAGE (C order, age outermost), ascending.
  const perAge = w.repeat / countRuns(w.logAge);
  if (!Number.isInteger(perAge)) throw bad(files.weights, 'bad-input', `${files.weights}: GRID's ${w.repeat} templates do not split into equal blocks per age`, 'the grid must be in nGIST\'s C order (age, metallicity, alpha)');
  const nAges = w.repeat / perAge;
  const ages = new Float64Array(nAges);
  for (let a = 0; a < nAges; a++) {
    const la = Number(w.logAge[a * perAge]);
    for (let j = 1; j < perAge; j++) {
      if (Number(w.logAge[a * perAge + j]) !== la) throw bad(files.weights, 'bad-input', `${files.weights}: GRID LOGAGE is not constant within blocks of ${perAge} templates`, 'the grid must be in nGIST\'s C order (age, metallicity, alpha)');
    }
    ages[a] = 10 ** la;
    if (a > 0 && !(ages[a]! > ages[a - 1]!)) throw bad(files.weights, 'bad-input', `${files.weights}: GRID ages are not ascending (${ages[a - 1]} then ${ages[a]} Gyr)`, 'the grid must list ages from young to old, as nGIST does');
  }
  const cardAges = w.h0.get('NAGES');
  if (typeof cardAges === 'number' && cardAges !== nAges) throw bad(files.weights, 'bad-input', `${files.weights}: NAGES = ${cardAges}, but GRID has ${nAges} distinct ages`, 'the file was edited or damaged; use the one nGIST wrote');

  // Table and weights must agree on the bins
  let maxBin = -1;
  for (let i = 0; i < n; i++) maxBin = Math.max(maxBin, Math.abs(Number(binIds[i])));
  if (maxBin + 1 !== w.rows) {
    throw bad(files.weights, 'ngist-mismatch', `the spaxel table ${files.table} has bins 0..${maxBin} (${maxBin + 1}), but ${files.weights} has weights for ${w.rows} bins`, 'the table and the weights must come from the same nGIST run (same binning); rerun or copy them together');
  }

  const binOf = new Int32Array(n);
  let masked = 0;
  let binZero = 0;
  for (let i = 0; i < n; i++) {
    const b = Number(binIds[i]);
    if (b === 0) binZero++;
    const isMasked = b < 0 || (maskCol !== undefined && Number(maskCol[i]) !== 0);
    binOf[i] = isMasked ? -1 : b;
    if (isMasked) masked++;
  }
  const members = new Int32Array(w.rows);
  for (let i = 0; i < n; i++) if (binOf[i]! >= 0) members[binOf[i]!]!++;
  const emptyBins: number[] = [];
  for (let b = 0; b < w.rows; b++) if (members[b] === 0) emptyBins.push(b);
  const binSfh = new Float64Array(w.rows * nAges);
  for (let b = 0; b < w.rows; b++) {
    for (let a = 0; a < nAges; a++) {
      // metallicity and alpha summed in order, as numpy sums the trailing axes of a row
      let s = 0;
      for (let j = 0; j < perAge; j++) s += w.data[b * w.repeat + a * perAge + j]!;
      binSfh[b * nAges + a] = s;
    }
  }
  const { normalisation, source } = normalisationOf(w.norm, files.config);
  return { files, nx, ny, pixsize, binOf, bins: w.rows, ages, binSfh, flux: Float64Array.from(flux as ArrayLike<number>), normalisation, normalisationSource: source, wcsHeader, masked, emptyBins, maskMissing, binZero };
}

/**
 * The warning for a run's bins with weights but no spaxel ({@link NgistRun.emptyBins}), or
 * undefined when every bin has one. A few ids, then a count: a run has hundreds of bins.
 */
export function emptyBinsWarning(run: NgistRun, who: string): string | undefined {
  const e = run.emptyBins;
  if (e.length === 0) return undefined;
  const ids = e.length <= 5 ? e.join(', ') : `${e.slice(0, 5).join(', ')} and ${e.length - 5} more`;
  const f = run.files;
  return (
    `${who}: ${e.length} of the ${run.bins} bins in ${f.weights} have weights but no unmasked spaxel in ${f.table}${f.mask ? ` (with ${f.mask})` : ''}: bin${e.length > 1 ? 's' : ''} ${ids}. ` +
    `nGIST never writes such a bin, so the table and the weights disagree (bin ids merged or renumbered, a table from another binning, a mask hiding whole bins) and spaxels may carry another bin's SFH; ` +
    `use the table, mask and weights of one nGIST run as it wrote them (rerun nGIST if the table was edited)`
  );
}

/**
 * The warning for a run read without a mask ({@link NgistRun.maskMissing}), or undefined.
 * nGIST writes `<run>_mask.fits` with every run, and it is the only way to tell a masked
 * spaxel whose nearest bin is 0 (BIN_ID -0 = 0) from bin 0's own: without it those spaxels
 * are grouped as bin 0's, a map that differs from the run's as nGIST wrote it (the tutorial
 * run's group map changes). Said, not refused: the maps are made from what is there.
 */
export function maskMissingWarning(run: NgistRun, who: string): string | undefined {
  if (run.maskMissing === undefined || run.binZero === 0) return undefined;
  return (
    `${who}: ${run.maskMissing}, so a masked spaxel whose nearest bin is 0 (BIN_ID -0 = 0) cannot be told from bin 0's own: ` +
    `all ${run.binZero} spaxels with BIN_ID 0 in ${run.files.table} are grouped as bin 0's, masked or not; ` +
    `nGIST writes <run>_mask.fits (MASKFILE, column MASK) with every run: copy it next to the table`
  );
}

/** Number of runs of equal consecutive values (the distinct ages of a C-ordered grid). */
function countRuns(v: ColumnArray): number {
  let runs = 0;
  for (let i = 0; i < v.length; i++) if (i === 0 || Number(v[i]) !== Number(v[i - 1])) runs++;
  return runs;
}

/** The smallest positive spacing of the X offsets: the pixel size when PIXSIZE is absent. */
function minStep(x: ColumnArray): number {
  const s = [...new Set(Array.from(x as ArrayLike<number>))].sort((a, b) => a - b);
  let m = Number.POSITIVE_INFINITY;
  for (let i = 1; i < s.length; i++) m = Math.min(m, s[i]! - s[i - 1]!);
  return Number.isFinite(m) && m > 0 ? m : 1;
}

/**
 * NORM_TEMP: a header card of the weights in nGIST (SFH section, since 2023-04); in GIST
 * <= 3.1 only the run's CONFIG has it (PREPARE_TEMPLATES section), as YAML.
 */
function normalisationOf(card: string | undefined, config: string | undefined): { normalisation: Normalisation; source: string } {
  const known = (v: unknown): Normalisation | undefined => (typeof v === 'string' && ['MASS', 'LIGHT'].includes(v.trim().toUpperCase()) ? (v.trim().toUpperCase() as Normalisation) : undefined);
  const fromCard = known(card);
  if (fromCard) return { normalisation: fromCard, source: 'NORM_TEMP card of the SFH weights' };
  if (config) {
    let doc: Record<string, Record<string, unknown> | undefined> | undefined;
    try {
      doc = parseYaml(readFileSync(config, 'utf8')) as typeof doc;
    } catch {
      doc = undefined;
    }
    for (const section of ['SFH', 'PREPARE_TEMPLATES']) {
      const v = known(doc?.[section]?.['NORM_TEMP']);
      if (v) return { normalisation: v, source: `CONFIG ${section}.NORM_TEMP` };
    }
  }
  return { normalisation: 'unknown', source: 'neither a NORM_TEMP card nor a CONFIG with NORM_TEMP' };
}
