/**
 * Why a sky position has no pixel on a map, in words a user can act on. The TAN projection
 * gives no pixel to a position 90 degrees or more from its reference point (the antipode of
 * a cube's centre, an RA/Dec in the wrong columns or units), and a position that is not a
 * number has none either; without this, such an SN was reported "at pixel (NaN, NaN)".
 */
import type { CelestialWcs } from './celestial.ts';
import { pixelToWorld, type PixelPosition } from './transform.ts';

/** Whether a pixel position is a usable one (both coordinates finite). */
export function hasPixel(pos: PixelPosition): boolean {
  return Number.isFinite(pos.x) && Number.isFinite(pos.y);
}

/** Great-circle distance in degrees (haversine: accurate near 0 and 180). */
function separationDeg(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const r = Math.PI / 180;
  const s = Math.sin(((dec2 - dec1) * r) / 2) ** 2 + Math.cos(dec1 * r) * Math.cos(dec2 * r) * Math.sin(((ra2 - ra1) * r) / 2) ** 2;
  return (2 * Math.asin(Math.min(1, Math.sqrt(s)))) / r;
}

/**
 * One sentence for an SN at (`ra`, `dec`) that `worldToPixel` could not place on the
 * `nx` x `ny` map of `file`: its position, the map's centre and how far apart they are,
 * and what to check (the catalog's SN RA / SN DEC columns, or the file's WCS).
 */
export function noPixelMessage(wcs: CelestialWcs, ra: number, dec: number, nx: number, ny: number, file: string): string {
  const c = pixelToWorld(wcs, (nx - 1) / 2, (ny - 1) / 2);
  const centre = `RA ${c.ra.toFixed(5)}, Dec ${c.dec.toFixed(5)}`;
  if (!Number.isFinite(ra) || !Number.isFinite(dec)) {
    return `the SN's position (RA ${ra}, Dec ${dec}) is not a number, so it cannot be put on the map of ${file} (centre ${centre}); its group will be reported as none: check the catalog's SN RA and SN DEC columns (decimal degrees)`;
  }
  const sep = separationDeg(ra, dec, c.ra, c.dec);
  return (
    `the SN at RA ${ra}, Dec ${dec} cannot be put on the map of ${file}: it is ${sep.toFixed(1)} deg from the cube's centre (${centre}), ` +
    `where the WCS's TAN projection has no pixel; its group will be reported as none: check the catalog's SN RA and SN DEC columns ` +
    `(decimal degrees, not swapped, the sign of Dec) or the cube's WCS (CRVAL1, CRVAL2, CTYPE1, CTYPE2)`
  );
}
