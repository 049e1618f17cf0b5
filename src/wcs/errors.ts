/**
 * The one error type of the WCS module. A header we cannot turn into pixels exactly as
 * astropy would is refused up front, with a reason a reporter can switch on, the file it
 * came from and what to do next, instead of yielding a silently wrong supernova position.
 */

/**
 * Why a header was refused. Kebab-case codes so a reporter can render each case in an
 * exhaustive `switch`.
 */
export type WcsErrorReason =
  /** A keyword the transformation needs (CTYPEi, CRPIXi, CRVALi, CDELTi) is absent. */
  | 'missing-key'
  /** A keyword is present but not a finite number / not a string as FITS requires. */
  | 'bad-value'
  /** Axes 1 and 2 are not an RA/Dec pair (no celestial axes, or only one of them). */
  | 'not-celestial'
  /** The projection is not gnomonic (TAN); e.g. SIN, ZEA, TPV. */
  | 'unsupported-projection'
  /** `-SIP` (or another distortion) is present; we implement the undistorted core only. */
  | 'sip-distortion'
  /** The reference frame is not ICRS or FK5 (FK4, FK4-NO-E, GAPPT, galactic, ...). */
  | 'unsupported-frame'
  /** CUNIT1/2 is not degrees. */
  | 'unsupported-unit'
  /** The celestial axes are coupled to a third axis (non-zero CD1_3, PC3_1, ...). */
  | 'coupled-axes'
  /** The 2x2 linear transformation cannot be inverted, so no pixel exists for a position. */
  | 'singular-matrix';

/** A refused header: `reason` for code, `file` and `key` for the reader, `hint` for the fix. */
export class WcsError extends Error {
  /** Machine-readable cause. */
  readonly reason: WcsErrorReason;
  /** The FITS file the header came from, when the caller said so. */
  readonly file: string | undefined;
  /** The offending keyword, when there is one. */
  readonly key: string | undefined;
  /** What the user can do about it. */
  readonly hint: string;

  constructor(
    reason: WcsErrorReason,
    detail: string,
    hint: string,
    where: { file?: string | undefined; key?: string | undefined } = {},
  ) {
    const prefix = where.file === undefined ? '' : `${where.file}: `;
    super(`${prefix}${detail} [${reason}]. ${hint}`);
    this.name = 'WcsError';
    this.reason = reason;
    this.file = where.file;
    this.key = where.key;
    this.hint = hint;
  }
}
