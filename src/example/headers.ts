/**
 * FITS header cards of the example files, following the conventions of ESO's MUSE
 * science cubes (ADP products: primary with `HIERARCH ESO` cards and `SKY_RES`, a DATA and
 * a STAT extension with a 3-D CD-matrix WCS and the zero mixed terms). Values that would
 * claim a real provenance (ORIGIN, PROCSOFT, programme) say the data are synthetic.
 */
import type { Card, CardValue } from '../fits/index.ts';
import { SPECTRAL_AXIS } from './cube.ts';
import type { GalaxySpec } from './spec.ts';
import { PIXEL_ARCSEC } from './model.ts';
import { METALLICITIES, N_AGES } from './ssp.ts';

function card(key: string, value: CardValue, comment?: string): Card {
  return comment === undefined ? { key, value } : { key, value, comment };
}

/** A float card even when the value is integral (astropy would read `4750` as an int). */
function real(key: string, value: number, comment?: string): Card {
  return { ...card(key, value, comment), type: 'float' };
}

/** Modified Julian date of an ISO time without a zone (UTC). */
export function mjdOf(iso: string): number {
  return Date.parse(`${iso}Z`) / 86400000 + 40587;
}

/** The celestial CD matrix [CD1_1, CD1_2, CD2_1, CD2_2]: 0.6"/px, east left, turned by the cube's rotation. */
export function cdMatrix(g: GalaxySpec): [number, number, number, number] {
  const s = PIXEL_ARCSEC / 3600;
  if (g.rotationDeg === 0) return [-s, 0, 0, s];
  const r = (g.rotationDeg * Math.PI) / 180;
  return [-s * Math.cos(r), s * Math.sin(r), s * Math.sin(r), s * Math.cos(r)];
}

/** 1-based reference pixel of the celestial axes: the middle of the cube, where CRVAL is the pointing. */
export function crpix(g: GalaxySpec): [number, number] {
  return [(g.nx + 1) / 2, (g.ny + 1) / 2];
}

/** An ESO-style programme id in period 000, which ESO never used: clearly not a real programme. */
function progId(g: GalaxySpec): string {
  return `000.Z-${String(g.id).padStart(4, '0')}(A)`;
}

// Commentary cards hold 72 characters; these fit on one card each.
const COMMENT_SYNTHETIC = 'Synthetic example data from sfh-pipeline; not an observation.';

/** Primary header of a cube: ESO ADP keywords, the seeing (`SKY_RES`) and the pointing. */
export function cubePrimaryCards(g: GalaxySpec): Card[] {
  const mjd = mjdOf(g.ifuTime);
  const waveMax = SPECTRAL_AXIS.crval + SPECTRAL_AXIS.step * (SPECTRAL_AXIS.nwave - 1);
  const posang = g.rotationDeg !== 0 ? g.rotationDeg : g.footprint.angleDeg;
  return [
    card('DATE', g.archiveTime.slice(0, 19), 'file creation date (YYYY-MM-DDThh:mm:ss UT)'),
    card('ORIGIN', 'SYNTHETIC', 'sfh-pipeline example generator, not ESO'),
    card('TELESCOP', 'ESO-VLT-U4', 'ESO Telescope Name'),
    card('INSTRUME', 'MUSE', 'Instrument used.'),
    card('OBJECT', `${g.snName} host`, 'Original target.'),
    real('RA', g.pointing.ra, '[deg] pointing'),
    real('DEC', g.pointing.dec, '[deg] pointing'),
    real('EQUINOX', 2000, 'Standard FK5'),
    card('RADESYS', 'FK5', 'Coordinate system'),
    real('EXPTIME', g.exptime, 'Integration time'),
    real('MJD-OBS', mjd, 'Obs start'),
    card('DATE-OBS', g.ifuTime, 'Observing date'),
    real('MJD-END', mjd + (g.exptime * 1.25) / 86400, 'End of observations (days)'),
    card('PI-COI', 'UNKNOWN', 'PI-COI name.'),
    card('OBSERVER', 'UNKNOWN', 'Name of observer.'),
    card('PROG_ID', progId(g), 'synthetic programme'),
    card('OBID1', 900000000 + g.id, 'Observation block ID'),
    card('PRODCATG', 'SCIENCE.CUBE.IFS', 'Data product category'),
    card('PROCSOFT', 'sfh-pipeline-example/1', 'Reduction software'),
    card('OBSTECH', 'IFU', 'Technique of observation'),
    card('FLUXCAL', 'ABSOLUTE', 'Type of flux calibration'),
    card('PRODLVL', 2, 'phase 3 product level'),
    card('NCOMBINE', 4, 'No. of combined raw science data files'),
    real('TEXPTIME', g.exptime, 'Total integration time of all exposures (s)'),
    real('WAVELMIN', SPECTRAL_AXIS.crval / 10, '[nm] Minimum wavelength'),
    real('WAVELMAX', waveMax / 10, '[nm] Maximum wavelength'),
    real('SPEC_BIN', SPECTRAL_AXIS.step / 10, '[nm] Wavelength bin size'),
    real('SPEC_RES', 2500, 'Spectral resolving power at central wavelength'),
    real('SKY_RES', g.seeing, '[arcsec] FWHM effective spatial resolution'),
    real('SKY_RERR', g.seeingErr, '[arcsec] Error of SKY_RES'),
    real('ABMAGLIM', 22.2, '5-sigma magnitude limit for point sources'),
    card('REFERENC', '', 'Reference publication'),
    card('ESO DPR CATG', 'SCIENCE', 'Data product category'),
    card('ESO DPR TECH', 'IFU', 'Data product technique'),
    card('ESO DPR TYPE', 'OBJECT', 'Data product type'),
    card('ESO INS MODE', 'WFM-NOAO-N', 'Instrument mode used'),
    real('ESO INS DROT POSANG', posang, '[deg] Derotator position angle'),
    card('ESO OBS ID', 900000000 + g.id, 'Observation block ID'),
    card('ESO OBS NAME', `${g.snName}_host`, 'OB name'),
    card('ESO OBS PROG ID', progId(g), 'ESO program identification'),
    card('ESO OBS START', g.ifuTime.slice(0, 19), 'OB start time'),
    real('ESO TEL AIRM START', 1.0 + g.id / 1000, 'Airmass at start'),
    real('ESO TEL AIRM END', 1.02 + g.id / 1000, 'Airmass at end'),
    real('ESO TEL AMBI FWHM START', Math.round((g.seeing + 0.12) * 100) / 100, '[arcsec] Observatory seeing'),
    real('ESO TEL AMBI FWHM END', Math.round((g.seeing + 0.08) * 100) / 100, '[arcsec] Observatory seeing'),
    real('ESO TEL GEOELEV', 2648, '[m] Elevation above sea level'),
    real('ESO TEL GEOLAT', -24.6272, '[deg] Tel geo latitude (+=North)'),
    real('ESO TEL GEOLON', -70.4048, '[deg] Tel geo longitude (+=East)'),
    card('ESO PRO CATG', 'DATACUBE_FINAL', 'Category of pipeline product frame'),
    card('ESO PRO REC1 ID', 'muse_scipost', 'Pipeline recipe (unique) identifier'),
    card('COMMENT', COMMENT_SYNTHETIC),
    card('COMMENT', `3x3 spatially binned (${PIXEL_ARCSEC} arcsec spaxels), resampled to ${SPECTRAL_AXIS.step} A.`),
  ];
}

/**
 * Header of the DATA or STAT extension: ESO's HDU classification cards, the units and the
 * 3-D WCS in the order MUSE writes it.
 */
export function cubeExtensionCards(g: GalaxySpec, ext: 'DATA' | 'STAT'): Card[] {
  const [cd11, cd12, cd21, cd22] = cdMatrix(g);
  const [p1, p2] = crpix(g);
  const unit = '10**(-20)*erg/s/cm**2/Angstrom';
  const classCards =
    ext === 'DATA'
      ? [card('HDUCLAS2', 'DATA', 'this extension contains the science data'), card('ERRDATA', 'STAT', 'pointer to the variance extension')]
      : [
          card('HDUCLAS2', 'ERROR', 'this extension contains the error data'),
          card('HDUCLAS3', 'MSE', 'the extension contains variances'),
          card('SCIDATA', 'DATA', 'pointer to the data extension'),
        ];
  return [
    card('HDUCLASS', 'ESO', 'class name (ESO format)'),
    card('HDUDOC', 'DICD', 'document with class description'),
    card('HDUVERS', 'DICD version 6', 'version number (according to spec v2.5.1)'),
    card('HDUCLAS1', 'IMAGE', 'Image data format'),
    ...classCards,
    card('OBJECT', `${g.snName} host`, ''),
    card('BUNIT', ext === 'DATA' ? unit : `(${unit})**2`, ''),
    card('WCSAXES', 3, 'Number of coordinate axes'),
    real('CRPIX1', p1, 'Pixel coordinate of reference point'),
    real('CRPIX2', p2, 'Pixel coordinate of reference point'),
    real('CD1_1', cd11, 'Coordinate transformation matrix element'),
    real('CD1_2', cd12, 'Coordinate transformation matrix element'),
    real('CD2_1', cd21, 'Coordinate transformation matrix element'),
    real('CD2_2', cd22, 'Coordinate transformation matrix element'),
    card('CUNIT1', 'deg', 'Units of coordinate increment and value'),
    card('CUNIT2', 'deg', 'Units of coordinate increment and value'),
    card('CTYPE1', 'RA---TAN', 'Right ascension, gnomonic projection'),
    card('CTYPE2', 'DEC--TAN', 'Declination, gnomonic projection'),
    real('CRVAL1', g.pointing.ra, '[deg] Coordinate value at reference point'),
    real('CRVAL2', g.pointing.dec, '[deg] Coordinate value at reference point'),
    card('RADESYS', 'FK5', 'Equatorial coordinate system'),
    real('EQUINOX', 2000, '[yr] Equinox of equatorial coordinates'),
    real('CRPIX3', 1, 'Pixel coordinate of reference point'),
    real('CRVAL3', SPECTRAL_AXIS.crval, ''),
    real('CD3_3', SPECTRAL_AXIS.step, ''),
    card('CUNIT3', 'Angstrom', ''),
    card('CTYPE3', 'AWAV', ''),
    real('CD1_3', 0),
    real('CD2_3', 0),
    real('CD3_1', 0),
    real('CD3_2', 0),
  ];
}

/** A header-like view of cards, for the WCS module (which reads values by key). */
export function headerOf(cards: readonly Card[]): { get(key: string): unknown } {
  const map = new Map<string, unknown>();
  for (const c of cards) map.set(c.key.toUpperCase(), c.value);
  return { get: (key: string) => map.get(key.toUpperCase()) };
}

/** Primary header of a pPXF output file: the best-fit cube, per solar mass. */
export function ppxfPrimaryCards(g: GalaxySpec): Card[] {
  return [
    card('OBJECT', `${g.snName} host`, ''),
    card('BUNIT', '10**(-20)*erg/s/cm**2/Angstrom/Msun', 'best fit for 1 Msun of stars'),
    card('COMMENT', COMMENT_SYNTHETIC),
    card('COMMENT', 'pPXF best fit per Msun, shape of the cube DATA; NaN where not fitted.'),
  ];
}

/** Header of the SFH-weights extension: the age and metallicity grid its axes stand for. */
export function sfhCards(): Card[] {
  return [
    real('LOGAGE0', -1.2, 'log10(age/Gyr) of age index 0 (NAXIS4)'),
    real('DLOGAGE', 0.05, 'log10 age step; ages are 10**(-1.2+0.05i) Gyr'),
    card('NAGES', N_AGES, 'ages (MILES)'),
    card('METALS', METALLICITIES.map((m) => m.toFixed(2)).join(','), '[M/H], NAXIS3 index 0..6'),
    card('COMMENT', 'pPXF mass weights (50 ages x 7 [M/H] x ny x nx); NaN where not fitted.'),
  ];
}
