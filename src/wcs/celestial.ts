/**
 * Reads the celestial (RA/Dec, gnomonic) part of a FITS header into a validated
 * {@link CelestialWcs}, applying the defaults astropy/wcslib apply, and refusing with a
 * {@link WcsError} whatever we could not transform exactly as astropy does.
 * Analyse once here; the per-point transforms in `transform.ts` never re-validate.
 */

import { WcsError, type WcsErrorReason } from './errors.ts';
import { frameName, frameRotation, icrsToFrame, mul, transpose, type CelestialFrame, type Mat3 } from './frames.ts';

/**
 * Anything with a FITS-style keyword lookup, such as the FITS module's `Header`; taken
 * structurally so the WCS module does not depend on the FITS module.
 */
export interface HeaderLike {
  get(key: string): unknown;
  /** Every value of the key, in file order (a header that has it: duplicates are then checked). */
  getAll?(key: string): readonly unknown[];
}

/** Where a header came from, so errors can name it. */
export interface WcsContext {
  file?: string;
}

/**
 * A validated TAN world coordinate system for pixel axes 1 and 2 of an image or cube.
 * Plain immutable data; the matrices are precomputed so each transform is a few
 * multiply-adds.
 */
export interface CelestialWcs {
  /** FITS axis (1 or 2) that carries RA; the other carries Dec. */
  readonly lonAxis: 1 | 2;
  /** CRPIX1, CRPIX2: 1-based reference pixel along pixel axes 1 and 2. */
  readonly crpix: readonly [number, number];
  /** Reference point [RA, Dec] in degrees, in `frame`. */
  readonly crval: readonly [number, number];
  /**
   * Row-major 2x2 (degrees per pixel): row 0 gives the projection-plane coordinate along
   * RA, row 1 along Dec, from pixel offsets along axes 1 and 2 (CD, or CDELT.PC).
   */
  readonly cd: readonly [number, number, number, number];
  /** Inverse of `cd`. */
  readonly cdInverse: readonly [number, number, number, number];
  /** Native longitude of the celestial pole, degrees (LONPOLE or the TAN default). */
  readonly lonpole: number;
  /** LATPOLE or its default 90; it has no effect for TAN (the pole is CRVAL itself). */
  readonly latpole: number;
  /** The frame RA/Dec refer to (RADESYS/EQUINOX with astropy's defaults). */
  readonly frame: CelestialFrame;
  /** Unit vector ICRS -> native spherical (frame conversion then celestial rotation). */
  readonly icrsToNative: Mat3;
  /** Inverse of `icrsToNative`. */
  readonly nativeToIcrs: Mat3;
  /** The file the header came from, if known. */
  readonly file: string | undefined;
}

/** Builds a {@link CelestialWcs} from a header; throws {@link WcsError} on what we refuse. */
export function celestialWcs(header: HeaderLike, context: WcsContext = {}): CelestialWcs {
  const r = new Reader(header, context.file);
  const ctype = [r.str('CTYPE1', true)!, r.str('CTYPE2', true)!];
  const lonAxis = celestialAxes(ctype, r);
  const lon = lonAxis - 1;
  const lat = 1 - lon;
  for (const i of [1, 2]) {
    const unit = r.str(`CUNIT${i}`, false);
    if (unit !== undefined && unit !== '' && unit.toLowerCase() !== 'deg') {
      throw r.fail('unsupported-unit', `CUNIT${i}='${unit}' is not degrees`, 'Only degree-valued celestial axes are supported.', `CUNIT${i}`);
    }
  }
  const crpix: [number, number] = [r.num('CRPIX1', true)!, r.num('CRPIX2', true)!];
  const crvalFits = [r.num('CRVAL1', true)!, r.num('CRVAL2', true)!];
  const crval: [number, number] = [crvalFits[lon]!, crvalFits[lat]!];
  if (Math.abs(crval[1]) > 90) {
    throw r.fail('bad-value', `CRVAL${lat + 1}=${crval[1]} is not a declination`, 'A declination lies in [-90, 90] degrees.', `CRVAL${lat + 1}`);
  }
  checkUncoupled(r);
  const m = linearMatrix(r, lat + 1); // rows: world axes 1,2; columns: pixel axes 1,2
  const cd: [number, number, number, number] = [m[2 * lon]!, m[2 * lon + 1]!, m[2 * lat]!, m[2 * lat + 1]!];
  const det = cd[0] * cd[3] - cd[1] * cd[2];
  const scale = Math.max(Math.abs(cd[0]), Math.abs(cd[1]), Math.abs(cd[2]), Math.abs(cd[3]));
  if (!(Math.abs(det) > 1e-12 * scale * scale)) {
    throw r.fail('singular-matrix', `the celestial CD/PC matrix [${cd.join(', ')}] is singular`, 'Each pixel axis must map to an independent sky direction; check the CD (or PC and CDELT) keywords.');
  }
  const cdInverse: [number, number, number, number] = [cd[3] / det, -cd[1] / det, -cd[2] / det, cd[0] / det];
  // FITS WCS paper II: for zenithal projections (theta0 = 90) LONPOLE defaults to 180
  // unless the reference point is the pole itself.
  const lonpole = r.num('LONPOLE', false) ?? (crval[1] >= 90 ? 0 : 180);
  const latpole = r.num('LATPOLE', false) ?? 90;
  const frame = readFrame(r);
  // native -> celestial (Calabretta & Greisen eq. 2) = Rz(-ra0) . M . Rz(lonpole) in
  // frame-rotation form: M puts the native pole at (0, dec0) with native longitude 0
  // pointing to the celestial north pole, Rz(lonpole) makes that longitude LONPOLE.
  const d0 = crval[1] * (Math.PI / 180);
  const [sd, cdp] = [Math.sin(d0), Math.cos(d0)];
  const flip: Mat3 = [-sd, 0, cdp, 0, -1, 0, cdp, 0, sd];
  const nativeToFrame = mul(mul(frameRotation(2, -crval[0] * (Math.PI / 180)), flip), frameRotation(2, lonpole * (Math.PI / 180)));
  const toFrame = icrsToFrame(frame);
  const nativeToIcrs = mul(transpose(toFrame), nativeToFrame);
  const icrsToNative = transpose(nativeToIcrs);
  return { lonAxis, crpix, crval, cd, cdInverse, lonpole, latpole, frame, icrsToNative, nativeToIcrs, file: r.file };
}

/** A one-line description for logs and error reports: frame, reference point and scale. */
export function describeWcs(wcs: CelestialWcs): string {
  const [a, b, c, d] = wcs.cd;
  const scale = Math.sqrt(Math.abs(a * d - b * c)) * 3600;
  return `TAN ${frameName(wcs.frame)} CRVAL=(${wcs.crval[0]}, ${wcs.crval[1]}) CRPIX=(${wcs.crpix[0]}, ${wcs.crpix[1]}) ${scale.toPrecision(4)}"/px`;
}

/** Finds which of axes 1, 2 is RA and checks the projection; returns the RA axis. */
function celestialAxes(ctype: string[], r: Reader): 1 | 2 {
  const kinds = ctype.map((c, i) => {
    const key = `CTYPE${i + 1}`;
    const coord = c.slice(0, 4);
    const kind = coord === 'RA--' ? 'ra' : coord === 'DEC-' ? 'dec' : undefined;
    if (/-SIP$/.test(c)) {
      throw r.fail('sip-distortion', `${key}='${c}' has SIP distortion`, 'SIP polynomials are not implemented; ask for them, or use a header without -SIP.', key);
    }
    if (kind === undefined) {
      const other = /^(GLON|GLAT|ELON|ELAT|SLON|SLAT|HPLN|HPLT)/.test(c);
      throw r.fail(
        other ? 'unsupported-frame' : 'not-celestial',
        `${key}='${c}' is not an RA/Dec axis`,
        other ? 'Only equatorial (RA/DEC) coordinates are supported.' : 'Axes 1 and 2 must be RA---TAN and DEC--TAN (either order); for a MUSE cube pass the DATA extension header.',
        key,
      );
    }
    const proj = c.length === 8 ? c.slice(5) : '';
    if (c.length !== 8 || proj !== 'TAN') {
      throw r.fail('unsupported-projection', `${key}='${c}' is not a gnomonic (TAN) projection`, 'Only RA---TAN/DEC--TAN is implemented.', key);
    }
    return kind;
  });
  if (kinds[0] === kinds[1]) {
    throw r.fail('not-celestial', `CTYPE1='${ctype[0]}' and CTYPE2='${ctype[1]}' are not an RA/Dec pair`, 'Axes 1 and 2 must be RA---TAN and DEC--TAN (either order).');
  }
  return kinds[0] === 'ra' ? 1 : 2;
}

/** Refuses cubes whose celestial axes depend on axis 3+ (MUSE writes those terms as 0). */
function checkUncoupled(r: Reader): void {
  const n = Math.max(2, r.num('NAXIS', false) ?? 2, r.num('WCSAXES', false) ?? 2);
  for (let j = 3; j <= n; j++) {
    for (const i of [1, 2]) {
      for (const key of [`CD${i}_${j}`, `CD${j}_${i}`, `PC${i}_${j}`, `PC${j}_${i}`]) {
        const v = r.num(key, false);
        if (v !== undefined && v !== 0) {
          throw r.fail('coupled-axes', `${key}=${v} couples a celestial axis to axis ${j}`, 'Only headers whose RA/Dec do not depend on the other axes are supported.', key);
        }
      }
    }
  }
}

/**
 * The 2x2 linear part, rows = world axes 1, 2, as wcslib resolves it: PCi_j (identity
 * default) times CDELTi if any PC is present, else CDi_j (missing = 0) if any CD is
 * present, else CDELTi with the CROTA of the latitude axis.
 */
function linearMatrix(r: Reader, latAxis: number): number[] {
  const keys = (p: string) => [`${p}1_1`, `${p}1_2`, `${p}2_1`, `${p}2_2`];
  const has = (p: string) => keys(p).some((k) => r.num(k, false) !== undefined);
  if (has('PC') || !has('CD')) {
    const cdelt = [r.num('CDELT1', true)!, r.num('CDELT2', true)!];
    let pc = keys('PC').map((k, n) => r.num(k, false) ?? (n === 0 || n === 3 ? 1 : 0));
    if (!has('PC')) pc = crotaMatrix(r, cdelt, latAxis);
    return pc.map((v, n) => v * cdelt[n < 2 ? 0 : 1]!);
  }
  return keys('CD').map((k) => r.num(k, false) ?? 0);
}

/** wcslib's PC equivalent of the old AIPS CROTA convention (CROTA of the Dec axis). */
function crotaMatrix(r: Reader, cdelt: number[], latAxis: number): number[] {
  const rho = (r.num(`CROTA${latAxis}`, false) ?? 0) * (Math.PI / 180);
  if (rho === 0) return [1, 0, 0, 1];
  const [lat, lon] = [latAxis - 1, 2 - latAxis];
  const [c, s] = [Math.cos(rho), Math.sin(rho)];
  const lambda = cdelt[lat]! / cdelt[lon]!;
  const pc = [0, 0, 0, 0];
  pc[3 * lon] = c; // [lon][lon]
  pc[2 * lon + lat] = -s * lambda;
  pc[2 * lat + lon] = s / lambda;
  pc[3 * lat] = c; // [lat][lat]
  return pc;
}

/** RADESYS/EQUINOX with the defaults astropy applies (FITS WCS paper II, section 3.1). */
function readFrame(r: Reader): CelestialFrame {
  const rawSys = r.str('RADESYS', false) ?? r.str('RADECSYS', false) ?? '';
  const sys = rawSys.toUpperCase();
  const eq = r.num('EQUINOX', false) ?? r.num('EPOCH', false);
  const resolved = sys !== '' ? sys : eq === undefined ? 'ICRS' : eq < 1984 ? 'FK4' : 'FK5';
  if (resolved === 'ICRS') return { system: 'ICRS' }; // EQUINOX does not apply to ICRS
  if (resolved === 'FK5') return { system: 'FK5', equinox: eq ?? 2000 };
  const why = sys === '' ? ` (no RADESYS, and EQUINOX=${eq} < 1984 means FK4)` : '';
  throw r.fail('unsupported-frame', `reference frame ${resolved}${why} is not supported`, 'Only ICRS and FK5 are implemented; FK4 needs the E-terms and B1950 conversion.', sys === '' ? 'EQUINOX' : 'RADESYS');
}

/** Typed, error-reporting access to header values. */
class Reader {
  constructor(
    private readonly header: HeaderLike,
    readonly file: string | undefined,
  ) {}

  fail(reason: WcsErrorReason, detail: string, hint: string, key?: string): WcsError {
    return new WcsError(reason, detail, hint, { file: this.file, key });
  }

  private missing(key: string): WcsError {
    return this.fail('missing-key', `${key} is missing`, `A celestial WCS needs CTYPE, CRPIX, CRVAL and CD (or CDELT); for a MUSE cube pass the DATA extension (HDU 1) header, not the primary.`, key);
  }

  /**
   * The key's value, refused when the key is there twice with different values: astropy's
   * WCS (wcslib, the notebook's) reads the last, its `header[key]` the first, so either
   * choice disagrees with one of them, and the SN pixel would move without a word.
   */
  private value(key: string): unknown {
    const all = this.header.getAll?.(key) ?? [];
    const first = this.header.get(key);
    const other = all.find((v) => String(v) !== String(first));
    if (other !== undefined) {
      throw this.fail('bad-value', `${key} is in the header ${all.length} times, with different values (${all.map((v) => String(v)).join(', ')})`, 'Remove the card that is wrong (astropy\'s WCS reads the last one, header[key] the first).', key);
    }
    return first;
  }

  num(key: string, required: boolean): number | undefined {
    const v = this.value(key);
    if (v === undefined || v === null) {
      if (required) throw this.missing(key);
      return undefined;
    }
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      throw this.fail('bad-value', `${key}=${String(v)} is not a finite number`, 'Fix the header value.', key);
    }
    return n;
  }

  str(key: string, required: boolean): string | undefined {
    const v = this.value(key);
    if (v === undefined || v === null) {
      if (required) throw this.missing(key);
      return undefined;
    }
    if (typeof v !== 'string') {
      throw this.fail('bad-value', `${key}=${String(v)} is not a string`, 'Fix the header value.', key);
    }
    return v.trimEnd();
  }
}
