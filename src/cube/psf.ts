/**
 * The PSF the SFH maps are smoothed with: the seeing FWHM (from `--set psfFwhm`, the cube's
 * SKY_RES or the catalog's SKY_RES column) over the pixel scale, as a Gaussian sigma in
 * pixels (FWHM / 2.355, the notebook's). A sigma wider than the whole map is refused: the
 * smoothed map would be flat, and the kernel's size, and its cost, grow with it without
 * bound (a SKY_RES of 1E300 asked for a 10^300-pixel kernel; `pixelScale=0.000001` for
 * minutes of work without a word). Every value in the notebook's range is far below it.
 */
import { UserError } from '../errors.ts';

/** A seeing FWHM in arcsec, and what gave it (named in messages). */
export interface Seeing {
  readonly fwhm: number;
  readonly from: string;
}

/**
 * The seeing: `forced` (`--set psfFwhm`, when > 0), else the cube's SKY_RES `header` value,
 * else the catalog's. Without any, a UserError saying how to supply it (the PSF width
 * drives the smoothing, so guessing would silently change results).
 */
export function seeingOf(forced: number, header: unknown, catalog: number | undefined, cube: string | undefined, who: string, ngistRun?: string): Seeing {
  if (forced > 0) return { fwhm: forced, from: `psfFwhm = ${forced} (--set psfFwhm)` };
  if (typeof header === 'number' && header > 0) return { fwhm: header, from: `SKY_RES = ${header} in ${cube}` };
  if (catalog !== undefined && catalog > 0) return { fwhm: catalog, from: `SKY_RES = ${catalog} in the catalog` };
  const found = header === undefined ? 'has no SKY_RES' : `has SKY_RES = ${JSON.stringify(header)}, not a positive number of arcsec`;
  const what = cube !== undefined ? `${cube} ${found} in its primary header` : `nGIST run ${ngistRun} records no seeing and there is no cube for it in --cubes`;
  throw new UserError(
    'missing-seeing',
    `${who}: ${what}, and the catalog has no SKY_RES column value for it`,
    "give the seeing FWHM in arcsec: add a 'SKY_RES' column to the catalog, or pass --set psfFwhm=0.8 (applies to every selected galaxy)",
    cube,
  );
}

/**
 * The PSF sigma in pixels on an (ny, nx) map, or UserError 'psf-too-wide' naming the seeing
 * and the pixel scale that made it when it is wider than the map.
 */
export function psfSigmaOf(seeing: Seeing, pixelScale: number, ny: number, nx: number, who: string, file?: string): number {
  const sigma = seeing.fwhm / pixelScale / 2.355;
  const side = Math.max(ny, nx);
  if (Number.isFinite(sigma) && sigma <= side) return sigma;
  throw new UserError(
    'psf-too-wide',
    `${who}: the PSF sigma would be ${sigma.toPrecision(3)} pixels (${seeing.from}, over pixelScale = ${pixelScale}" per pixel, / 2.355), wider than the ${nx} x ${ny} map: smoothed with it, every pixel would be the same`,
    'check the seeing (arcsec FWHM: a MUSE cube\'s SKY_RES is about 0.5-1.5) and --set pixelScale (arcsec per pixel of this cube: 0.2 for MUSE, 0.6 for the 3x3-binned cubes)',
    file,
  );
}
