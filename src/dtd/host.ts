/**
 * One SN host as the DTD fit needs it, and how to build it from a group-map FITS the write
 * stage produced. The notebook (DtdEstimator.ipynb cells 9-15) re-opens every cube for its
 * WCS and SKY_RES; our result files carry the SN pixel (SNINTX/SNINTY, the notebook's int()
 * of the 0-based skycoord_to_pixel) and the PSF sigma (PSFSIG), so the cube is not needed.
 * A caller with better knowledge (the dtd stage, from load-cubes' metadata) may override
 * each of them.
 */
import { UserError } from '../errors.ts';
import { FitsFile, type Header } from '../fits/index.ts';

/** The number of SFH age bins the fit expects (the MILES/EMILES grid). */
export const N_AGE_BINS = 50;

/** One host galaxy of one SN, for one k: what DtdEstimator's cell 15 collects per galaxy. */
export interface DtdHost {
  /** Catalog id (the notebook's index `i`); SNe are told apart by it. */
  readonly id: string;
  readonly snName: string;
  /** The catalog's `SN Type`; only exactly 'Ia' is fitted. */
  readonly snType: string;
  /** The k the group map was made with (the notebook's `coreNum`). */
  readonly k: number;
  /** The group map, row-major `[y * nx + x]`, NaN = not grouped, else the label 1..groups. */
  readonly groupMap: Float64Array;
  readonly nx: number;
  readonly ny: number;
  /**
   * The SN's pixel [x = column, y = row] as the notebook takes it: `int()` of the 0-based
   * `skycoord_to_pixel` position, a truncation toward zero (so -0.7 gives 0).
   */
  readonly snPixel: readonly [number, number];
  /** The PSF's gaussian sigma in pixels (SKY_RES / pixel scale / 2.355). */
  readonly psfSigma: number;
  /** Mean SFH per group, row-major (groups x 50), ages ascending (HDU 1). */
  readonly groupSfh: Float64Array;
  /**
   * Mass per group (HDU 2). Kept in the file's precision: our write stage stores float32,
   * and numpy normalises a float32 array in float32, which the likelihood reproduces.
   */
  readonly groupMass: Float32Array | Float64Array;
  /** The file it was read from, for messages. */
  readonly file?: string;
}

/**
 * How the SN's pixel is taken from its 0-based WCS position (the pipeline's `snPixel`
 * parameter, one rule per run): 'int' truncates toward zero as the notebook's `int()` does
 * (cards SNINTX/SNINTY); 'nearest' rounds to the closest pixel (`Math.round` of the
 * cards SNX/SNY, as load-cubes does).
 */
export type SnPixelRule = 'int' | 'nearest';

/** What the caller knows better than the file (e.g. from the catalog and load-cubes). */
export interface DtdHostOverrides {
  readonly id?: string;
  readonly snName?: string;
  /** Required unless given here: result files do not record the SN type. */
  readonly snType?: string;
  readonly k?: number;
  readonly snPixel?: readonly [number, number];
  /** Which of the file's SN pixels to take when `snPixel` is not given ('int', the notebook's, by default). */
  readonly snPixelRule?: SnPixelRule;
  readonly psfSigma?: number;
}

function numberCard(h: Header, key: string): number | undefined {
  const v = h.get(key);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Reads a group-map FITS (`{id}_{SN Name}_{k}.fits`: HDU 0 map, HDU 1 mean SFHs (groups x
 * 50), HDU 2 masses) into a {@link DtdHost}. The SN pixel comes from SNINTX/SNINTY (or
 * rounded SNX/SNY with `snPixelRule: 'nearest'`), the PSF
 * from PSFSIG, id/name/k from GALAXY/SNNAME/K, unless `overrides` give them; a value found
 * nowhere is a UserError naming the file and what to pass.
 */
export function readDtdHost(file: string, overrides: DtdHostOverrides = {}): DtdHost {
  const fits = FitsFile.open(file);
  try {
    const h = fits.hdu(0).header;
    const bad = (detail: string, hint: string): UserError => new UserError('bad-input', `${file}: ${detail}`, hint, file);
    if (fits.hdus.length < 3) throw bad(`has ${fits.hdus.length} HDU(s), a group map has 3 (map, mean SFHs, masses)`, 'pass a file the write stage (or GroupSeparater) produced');
    const map = fits.readImage(0);
    if (map.shape.length !== 2) throw bad(`HDU 0 has shape [${map.shape.join(', ')}], not a 2-D group map`, 'pass a group-map FITS');
    const [ny, nx] = map.shape as [number, number];
    const sfh = fits.readImage(1);
    const mass = fits.readImage(2);
    const groups = mass.data.length;
    if (sfh.shape.length !== 2 || sfh.shape[0] !== groups || sfh.shape[1] !== N_AGE_BINS) {
      throw bad(`HDU 1 (mean SFHs) has shape [${sfh.shape.join(', ')}], expected [${groups}, ${N_AGE_BINS}] for ${groups} masses in HDU 2`, 'the file is not a complete group map; rerun the write stage');
    }
    const id = overrides.id ?? (h.get('GALAXY') !== undefined ? String(h.get('GALAXY')) : undefined);
    const snName = overrides.snName ?? (typeof h.get('SNNAME') === 'string' ? String(h.get('SNNAME')) : undefined);
    const k = overrides.k ?? numberCard(h, 'K');
    const nearest = overrides.snPixelRule === 'nearest';
    const [cx, cy] = nearest ? ['SNX', 'SNY'] : ['SNINTX', 'SNINTY'];
    const sx = numberCard(h, cx);
    const sy = numberCard(h, cy);
    const fromCards = sx !== undefined && sy !== undefined ? ((nearest ? [Math.round(sx), Math.round(sy)] : [sx, sy]) as [number, number]) : undefined;
    const snPixel = overrides.snPixel ?? fromCards;
    const psfSigma = overrides.psfSigma ?? numberCard(h, 'PSFSIG');
    const missing = (what: string, card: string): UserError => bad(`has no ${what} (card ${card})`, `pass ${what} from the catalog or load-cubes`);
    if (id === undefined) throw missing('galaxy id', 'GALAXY');
    if (snName === undefined) throw missing('SN name', 'SNNAME');
    if (k === undefined) throw missing('k', 'K');
    // cards written undefined: no position was given, no WCS placed it, or the WCS could not
    // project it (load-cubes warned which); the map has no SN pixel, and no overrides give one
    if (snPixel === undefined && h.has(cx)) throw bad(`has no SN pixel (card ${cx}/${cy} is undefined): the run had no SN position, no WCS, or a position its WCS could not put on the map (its load-cubes warning says which)`, "check the catalog's SN RA and SN DEC columns and the cube's WCS, then rerun");
    if (snPixel === undefined) throw missing(nearest ? 'SN position (its nearest pixel is the SN pixel)' : "SN pixel (the notebook's int() of the WCS position)", `${cx}/${cy}`);
    if (psfSigma === undefined) throw missing('PSF sigma in pixels', 'PSFSIG');
    if (overrides.snType === undefined) throw bad('the SN type is not recorded in group maps', "pass the catalog's 'SN Type' for this galaxy");
    const massData = mass.data instanceof Float32Array ? Float32Array.from(mass.data) : Float64Array.from(mass.data as ArrayLike<number>);
    return {
      id,
      snName,
      snType: overrides.snType,
      k,
      groupMap: Float64Array.from(map.data as ArrayLike<number>),
      nx,
      ny,
      snPixel: [snPixel[0], snPixel[1]],
      psfSigma,
      groupSfh: Float64Array.from(sfh.data as ArrayLike<number>),
      groupMass: massData,
      file,
    };
  } finally {
    fits.close();
  }
}
