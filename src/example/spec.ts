/**
 * The vocabulary the example galaxies are described in: components with a mass profile and
 * a star-formation history, and what a galaxy's cube and catalog row need besides.
 */

/**
 * A log-normal bump of formed mass in (log age, [M/H]). A component's star-formation
 * history is a sum of these, evaluated on the 50 x 7 MILES grid.
 */
export interface Burst {
  /** log10 of the age in Gyr at the peak. */
  readonly logAge: number;
  /** Width in dex of log age. */
  readonly width: number;
  /** [M/H] at the peak. */
  readonly mh: number;
  /** Width in dex of [M/H]. */
  readonly mhWidth: number;
  /** Relative amount of mass in this bump. */
  readonly amp: number;
}

/** Where a knot sits, in the galaxy's disk plane (pixels, degrees), or on a spiral arm. */
export type KnotPlace = { readonly r: number; readonly thetaDeg: number } | { readonly r: number; readonly arm: number };

/**
 * A component's mass surface-density profile. Radii are in spaxels; everything except a
 * Sersic with its own `q`/`paDeg` lives in the galaxy's (inclined) disk plane.
 */
export type Shape =
  | { readonly kind: 'sersic'; readonly n: number; readonly re: number; readonly q: number; readonly paDeg?: number }
  | {
      readonly kind: 'exponential';
      readonly h: number;
      /** Keeps only the inner or outer part, with a soft edge at `r0` of width `w`: a radial age gradient. */
      readonly window?: { readonly r0: number; readonly w: number; readonly side: 'inner' | 'outer' };
    }
  | {
      readonly kind: 'arms';
      readonly h: number;
      readonly arms: number;
      readonly pitchDeg: number;
      /** Power of the (1 + cos)/2 modulation: larger is narrower arms. */
      readonly sharpness: number;
      /** Arms fade in inside this radius (no arms in the bulge). */
      readonly rIn: number;
    }
  | { readonly kind: 'ring'; readonly radius: number; readonly width: number }
  | { readonly kind: 'knots'; readonly sigma: number; readonly at: readonly KnotPlace[] };

/** One physical component of a galaxy: where its mass is and when it formed. */
export interface Component {
  /** Short name used in the README and the manifest ('bulge', 'arms', ...). */
  readonly name: string;
  readonly shape: Shape;
  /** Surface density scale in solar masses per 0.6" spaxel (at r_e for a Sersic, centre otherwise). */
  readonly mass: number;
  readonly sfh: readonly Burst[];
}

/** Where the MUSE field is valid: a square turned on the pixel grid, as in north-up cubes. */
export interface Footprint {
  /** Angle of the field's square against the pixel grid, degrees. */
  readonly angleDeg: number;
  /** Half the side of the square, spaxels. */
  readonly half: number;
}

/** Everything that defines one example galaxy, its cube and its catalog row. */
export interface GalaxySpec {
  readonly id: number;
  readonly snName: string;
  readonly snType: string;
  readonly redshift: number;
  /** What the galaxy is, for the README and the manifest. */
  readonly description: string;
  readonly nx: number;
  readonly ny: number;
  /** Galaxy centre, 0-based pixels. */
  readonly center: { readonly x: number; readonly y: number };
  readonly incDeg: number;
  /** Position angle of the major axis on the pixel grid, from +x towards +y, degrees. */
  readonly paDeg: number;
  /** Rotation curve: v = vmax tanh(r / rTurn), km/s. */
  readonly vmax: number;
  readonly rTurn: number;
  readonly components: readonly Component[];
  /** Seeing FWHM and its error, arcsec (`SKY_RES`, `SKY_RERR`). */
  readonly seeing: number;
  readonly seeingErr: number;
  /** IFU pointing (CRVAL, `IFU RA/DEC`) in degrees, and the cube's rotation on the sky. */
  readonly pointing: { readonly ra: number; readonly dec: number };
  readonly rotationDeg: number;
  readonly footprint: Footprint;
  /** The SN, 0-based pixels; chosen off-integer so int() and rounding differ somewhere. */
  readonly sn: { readonly x: number; readonly y: number };
  /** `IFU Time` (= DATE-OBS), `SN Time`, archive product date (in `ArcName`). */
  readonly ifuTime: string;
  readonly snTime: string;
  readonly archiveTime: string;
  readonly exptime: number;
  /** The study's quality-flag columns; empty for core-collapse rows, as in the real catalog. */
  readonly flags: { readonly extraCare: string; readonly seMask2: string; readonly good: string; readonly mask: string; readonly seMask: string };
}
