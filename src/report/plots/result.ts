/**
 * A result FITS (what the write stage produced) read back into one plain object, so the
 * pictures, summary.csv and the report all read the same numbers the same way, whether the
 * file comes from this run or an earlier one. Cards added later (OBJECTIV, SILHOUET,
 * INIT, RESTARTS, ... and the AGREEMENT HDU) are read when present and null when absent.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors.ts';
import { FitsFile, type CardValue, type Header } from '../../fits/index.ts';
import { celestialWcs, type CelestialWcs } from '../../wcs/index.ts';

/** One result file: the group map, each group's mean SFH and mass, and its cards. */
export interface GroupResult {
  readonly file: string;
  readonly galaxy: string;
  readonly snName: string;
  /** Groups requested (K) and kept (NGROUPS, = rows of `meanSfh`). */
  readonly k: number;
  readonly groups: number;
  readonly seed: number | null;
  readonly iterations: number | null;
  readonly converged: boolean | null;
  /** Pixels grouped (NVALID; counted from the map when the card is absent). */
  readonly valid: number;
  /** PSF gaussian sigma in pixels (PSFSIG) and the seeing FWHM in arcsec (SKY_RES). */
  readonly psfSigma: number | null;
  readonly skyRes: number | null;
  /** The SN's 0-based position (SNX, SNY) and the pixel used (SNPIXX, SNPIXY). */
  readonly sn: { readonly x: number; readonly y: number } | null;
  readonly snPixel: readonly [number, number] | null;
  /** The group at the SN pixel (SNGROUP), null when undefined (outside or excluded). */
  readonly snGroup: number | null;
  /** Total within-group EMD (OBJECTIV) and the mean silhouette (SILHOUET), when recorded. */
  readonly objective: number | null;
  readonly silhouette: number | null;
  /** INIT, RESTARTS, CENTROID, RELABEL, ARI when recorded. */
  readonly clustering: Readonly<Record<string, string | number | boolean>>;
  readonly nx: number;
  readonly ny: number;
  /** The group map, row-major `[y * nx + x]`: NaN excluded, else the group 1..groups. */
  readonly map: Float64Array;
  /** Mean SFH per group, `meanSfh[g - 1][i]` = weight of age bin i. */
  readonly meanSfh: readonly Float64Array[];
  /** Mass per group (solar masses up to MUSE's flux calibration). */
  readonly masses: readonly number[];
  /** Per-pixel agreement between restarts (AGREEMENT HDU), when written. */
  readonly agreement: Float64Array | null;
  /** The map's celestial WCS, null when the file has none or one we cannot use. */
  readonly wcs: CelestialWcs | null;
  /** The ages (Gyr) of the mean SFH's columns (AGES HDU, nGIST inputs); null: the MILES grid. */
  readonly ages: readonly number[] | null;
  /** SFHWEIGH (nGIST inputs): MASS, LIGHT or unknown; null when the card is absent (pPXF cubes). */
  readonly weights: string | null;
  /** The pipeline parameters the write stage recorded (`HIERARCH SFH <NAME>` cards), by upper-case name. */
  readonly params: Readonly<Record<string, string | number | boolean>>;
  /** SFHVER and PIPEHASH: the version and the pipeline file that made it. */
  readonly version: string | null;
  readonly pipelineHash: string | null;
}

/** The clustering cards the report shows when present. */
const CLUSTERING_KEYS = ['INIT', 'RESTARTS', 'CENTROID', 'RELABEL', 'ARI'] as const;

/** True for the header of a group map this tool wrote (TYPE = 'Group Map' and SFHVER). */
export function isResultHeader(header: Header): boolean {
  return header.get('TYPE') === 'Group Map' && header.has('SFHVER');
}

/** Reads a result FITS; a file that is not one fails with a UserError naming it. */
export function readResult(file: string): GroupResult {
  const fits = FitsFile.open(file);
  try {
    const h = fits.hdu(0).header;
    if (!isResultHeader(h)) throw new UserError('bad-input', `${file} is not an sfh-pipeline result (no TYPE = 'Group Map' with SFHVER in its primary header)`, 'pass a file the write stage produced');
    const map = fits.readImage(0);
    const [ny, nx] = map.shape as [number, number];
    const sfh = fits.readImage(1);
    const masses = fits.readImage(2);
    const groups = masses.data.length;
    const nAges = groups > 0 ? sfh.data.length / groups : 0;
    const meanSfh = Array.from({ length: groups }, (_, g) => Float64Array.from(sfh.data.subarray(g * nAges, (g + 1) * nAges) as ArrayLike<number>));
    const agreementHdu = fits.hdus.find((x) => x.name.toUpperCase() === 'AGREEMENT' && x.isImage);
    const agreement = agreementHdu ? Float64Array.from(fits.readImage(agreementHdu.index).data as ArrayLike<number>) : null;
    const agesHdu = fits.hdus.find((x) => x.name.toUpperCase() === 'AGES' && x.isImage);
    const ages = agesHdu ? Array.from(fits.readImage(agesHdu.index).data as ArrayLike<number>, Number) : null;
    const weights = h.get('SFHWEIGH');
    const mapData = Float64Array.from(map.data as ArrayLike<number>);
    let counted = 0;
    for (const v of mapData) if (!Number.isNaN(v)) counted++;
    const clustering: Record<string, string | number | boolean> = {};
    for (const key of CLUSTERING_KEYS) {
      const v = h.get(key);
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') clustering[key] = v;
    }
    const snx = num(h.get('SNX'));
    const sny = num(h.get('SNY'));
    const pxx = num(h.get('SNPIXX'));
    const pxy = num(h.get('SNPIXY'));
    return {
      file,
      galaxy: String(h.get('GALAXY') ?? ''),
      snName: String(h.get('SNNAME') ?? ''),
      k: num(h.get('K')) ?? groups,
      groups: num(h.get('NGROUPS')) ?? groups,
      seed: num(h.get('SEED')),
      iterations: num(h.get('NITER')),
      converged: typeof h.get('CONVERGE') === 'boolean' ? (h.get('CONVERGE') as boolean) : null,
      valid: num(h.get('NVALID')) ?? counted,
      psfSigma: num(h.get('PSFSIG')),
      skyRes: num(h.get('SKY_RES')),
      sn: snx !== null && sny !== null ? { x: snx, y: sny } : null,
      snPixel: pxx !== null && pxy !== null ? [pxx, pxy] : null,
      snGroup: num(h.get('SNGROUP')),
      objective: num(h.get('OBJECTIV')),
      silhouette: num(h.get('SILHOUET')),
      clustering,
      nx,
      ny,
      map: mapData,
      meanSfh,
      masses: Array.from(masses.data as ArrayLike<number>, Number),
      agreement,
      wcs: wcsOf(h, file),
      ages: ages && (groups === 0 || ages.length === nAges) ? ages : null,
      weights: typeof weights === 'string' ? weights : null,
      params: paramsOf(h),
      version: typeof h.get('SFHVER') === 'string' ? (h.get('SFHVER') as string) : null,
      pipelineHash: typeof h.get('PIPEHASH') === 'string' ? (h.get('PIPEHASH') as string) : null,
    };
  } finally {
    fits.close();
  }
}

/** A result file found in a folder, known from its header alone. */
export interface ResultEntry {
  readonly file: string;
  readonly galaxy: string;
  readonly snName: string;
  readonly k: number;
  readonly seed: number | null;
  readonly objective: number | null;
  readonly silhouette: number | null;
}

/** The `*.fits` files in `dir` (not its subfolders, not hidden), sorted by name: candidates for results. */
export function fitsFilesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.toLowerCase().endsWith('.fits') && !n.startsWith('.'))
      .sort()
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

/** The entry of a result read in full (no second read of its header). */
export function entryOf(r: GroupResult): ResultEntry {
  return { file: r.file, galaxy: r.galaxy, snName: r.snName, k: r.k, seed: r.seed, objective: r.objective, silhouette: r.silhouette };
}

/** The entry of `file` from its primary header alone, or null when it is not a result this tool wrote (or not readable FITS). */
export function readEntry(file: string): ResultEntry | null {
  let fits: FitsFile | undefined;
  try {
    fits = FitsFile.open(file);
    const h = fits.hdu(0).header;
    if (!isResultHeader(h)) return null;
    return { file, galaxy: String(h.get('GALAXY') ?? ''), snName: String(h.get('SNNAME') ?? ''), k: num(h.get('K')) ?? 0, seed: num(h.get('SEED')), objective: num(h.get('OBJECTIV')), silhouette: num(h.get('SILHOUET')) };
  } catch {
    return null;
  } finally {
    fits?.close();
  }
}

/**
 * The result files in `dir` (not its subfolders): every `*.fits` whose primary header says
 * it is a group map this tool wrote, sorted by galaxy (numerically when ids are numbers),
 * k and seed. Only headers are read; other FITS files are passed over.
 */
export function findResults(dir: string): ResultEntry[] {
  return fitsFilesIn(dir)
    .map(readEntry)
    .filter((e): e is ResultEntry => e !== null)
    .sort(compareEntries);
}

/** Galaxy ids in catalog order: numerically when both are numbers, else as text. */
export function compareGalaxies(a: string, b: string): number {
  const [x, y] = [Number(a), Number(b)];
  if (a !== '' && b !== '' && Number.isFinite(x) && Number.isFinite(y) && x !== y) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Result entries in report order: galaxy (catalog order), k, seed, file. */
export function compareEntries(a: ResultEntry, b: ResultEntry): number {
  return compareGalaxies(a.galaxy, b.galaxy) || a.k - b.k || (a.seed ?? 0) - (b.seed ?? 0) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
}

/** The `SFH <NAME>` cards (the lineage's parameters), by NAME. */
function paramsOf(h: Header): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const c of h.cards) {
    const m = /^(?:HIERARCH )?SFH (.+)$/.exec(c.key);
    const v = c.value;
    if (m && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) out[m[1]!] = v;
    else if (m && typeof v === 'bigint') out[m[1]!] = Number(v);
  }
  return out;
}

function num(v: CardValue | undefined): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

function wcsOf(h: Header, file: string): CelestialWcs | null {
  if (!h.has('CTYPE1') || !h.has('CTYPE2')) return null;
  try {
    return celestialWcs(h, { file });
  } catch {
    return null;
  }
}
