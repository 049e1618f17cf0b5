/**
 * Public face of the WCS module: find the pixel of a sky position in a MUSE cube (and back)
 * from its DATA extension header, agreeing with astropy's `skycoord_to_pixel` to 1e-6 pixel.
 * Nothing outside `src/wcs/` needs to know about CD matrices, LONPOLE or FK5.
 *
 *   celestialWcs(header, {file})   validate the header once; WcsError on what we refuse
 *   worldToPixel(wcs, ra, dec)     ICRS degrees -> 0-based {x: column, y: row}
 *   pixelToWorld(wcs, x, y)        0-based pixel -> ICRS {ra, dec} degrees
 *   pixelScaleArcsec(wcs)          sqrt|det CD| in arcsec
 *   noPixelMessage(wcs, ra, dec..) why a position has no pixel (NaN from worldToPixel)
 */
export { celestialWcs, describeWcs, type CelestialWcs, type HeaderLike, type WcsContext } from './celestial.ts';
export { WcsError, type WcsErrorReason } from './errors.ts';
export type { CelestialFrame, Mat3 } from './frames.ts';
export { hasPixel, noPixelMessage } from './no-pixel.ts';
export { pixelScaleArcsec, pixelToWorld, worldToPixel, type PixelPosition, type SkyPosition } from './transform.ts';
