/**
 * Sky <-> pixel for a validated {@link CelestialWcs}: the gnomonic (TAN) projection of FITS
 * WCS paper II, done on unit vectors with one precomputed rotation (ICRS -> frame ->
 * native), so it is both fast and free of the cancellation that spherical-trigonometry
 * formulas suffer near the reference point and the pole.
 */

import type { CelestialWcs } from './celestial.ts';

/** 180/pi: the TAN projection's R0, so projection-plane coordinates come out in degrees. */
const R0 = 180 / Math.PI;
const DEG = Math.PI / 180;

/** A 0-based pixel position: `x` along FITS axis 1 (numpy column), `y` along axis 2 (row). */
export interface PixelPosition {
  readonly x: number;
  readonly y: number;
}

/** An ICRS position in degrees, `ra` in [0, 360). */
export interface SkyPosition {
  readonly ra: number;
  readonly dec: number;
}

/**
 * The 0-based pixel of an ICRS position, as astropy's
 * `skycoord_to_pixel(SkyCoord(ra, dec), WCS(header), origin=0)` computes it: the position
 * is first rotated into the header's frame (FK5 for MUSE). `x` is the column (FITS axis 1),
 * `y` the row, also when CTYPE1 is the Dec axis. A position 90 degrees or more from the
 * reference point has no TAN pixel and gives NaN, like astropy.
 */
export function worldToPixel(wcs: CelestialWcs, raDeg: number, decDeg: number): PixelPosition {
  const a = raDeg * DEG;
  const d = decDeg * DEG;
  const cosd = Math.cos(d);
  const vx = cosd * Math.cos(a);
  const vy = cosd * Math.sin(a);
  const vz = Math.sin(d);
  const m = wcs.icrsToNative;
  const nx = m[0] * vx + m[1] * vy + m[2] * vz;
  const ny = m[3] * vx + m[4] * vy + m[5] * vz;
  const nz = m[6] * vx + m[7] * vy + m[8] * vz;
  if (!(nz > 0)) return { x: NaN, y: NaN };
  // TAN: x = R0 cot(theta) sin(phi), y = -R0 cot(theta) cos(phi)
  const px = (R0 * ny) / nz;
  const py = (-R0 * nx) / nz;
  const inv = wcs.cdInverse;
  const u = inv[0] * px + inv[1] * py;
  const v = inv[2] * px + inv[3] * py;
  return { x: u + wcs.crpix[0] - 1, y: v + wcs.crpix[1] - 1 };
}

/**
 * The ICRS position of a 0-based pixel (x = column, y = row): the inverse of
 * {@link worldToPixel}, as astropy's `pixel_to_skycoord(x, y, wcs, 0).icrs`. Every finite
 * pixel has a position under TAN.
 */
export function pixelToWorld(wcs: CelestialWcs, x: number, y: number): SkyPosition {
  const u = x + 1 - wcs.crpix[0];
  const v = y + 1 - wcs.crpix[1];
  const cd = wcs.cd;
  const px = cd[0] * u + cd[1] * v;
  const py = cd[2] * u + cd[3] * v;
  // Native unit vector of the projection-plane point (px, py): along (-py, px, R0).
  const norm = Math.sqrt(px * px + py * py + R0 * R0);
  const nx = -py / norm;
  const ny = px / norm;
  const nz = R0 / norm;
  const m = wcs.nativeToIcrs;
  const vx = m[0] * nx + m[1] * ny + m[2] * nz;
  const vy = m[3] * nx + m[4] * ny + m[5] * nz;
  const vz = m[6] * nx + m[7] * ny + m[8] * nz;
  let ra = Math.atan2(vy, vx) / DEG;
  if (ra < 0) ra += 360;
  if (ra >= 360) ra -= 360;
  return { ra, dec: Math.atan2(vz, Math.sqrt(vx * vx + vy * vy)) / DEG };
}

/**
 * The geometric-mean pixel size in arcseconds, sqrt|det CD| * 3600: a quick check that a
 * header is the cube we think it is (MUSE WFM: 0.2", the resampled parity cubes: 0.6").
 */
export function pixelScaleArcsec(wcs: CelestialWcs): number {
  const cd = wcs.cd;
  return Math.sqrt(Math.abs(cd[0] * cd[3] - cd[1] * cd[2])) * 3600;
}
