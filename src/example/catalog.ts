/**
 * The example catalog, in the columns of the study's `FinalSelMuseMask3.csv`, so the
 * pipeline reads it exactly as it reads the real one. SN coordinates come from the cube's
 * own WCS, so each SN lands on the pixel the generator chose for it.
 */
import { celestialWcs, pixelToWorld } from '../wcs/index.ts';
import type { GalaxySpec } from './spec.ts';
import { cubeExtensionCards, headerOf } from './headers.ts';

/** The catalog's header row: the first column (the galaxy id) is unnamed, as pandas writes it. */
export const CATALOG_COLUMNS: readonly string[] = [
  '',
  'SN Name',
  'SN Type',
  'ExtraCare',
  'SeMask2',
  'Good',
  'Mask',
  'seMask',
  'IFU RA',
  'IFU DEC',
  'SN RA',
  'SN DEC',
  'Separation',
  'ArcName',
  'SN Time',
  'IFU Time',
  'Redshift',
  'Note',
];

/** The archive name the catalog lists (`ADP.<date>`); the binned cube's file swaps ADP for CDP. */
export function arcNameOf(g: GalaxySpec): string {
  return `ADP.${g.archiveTime}`;
}

/** ICRS position (degrees) of the SN: its chosen pixel through the cube's WCS. */
export function snSky(g: GalaxySpec): { ra: number; dec: number } {
  return pixelToWorld(celestialWcs(headerOf(cubeExtensionCards(g, 'DATA'))), g.sn.x, g.sn.y);
}

/** Angular distance in arcsec (Vincenty's formula: exact at every separation). */
export function separationArcsec(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const d = Math.PI / 180;
  const dl = (ra2 - ra1) * d;
  const [s1, c1, s2, c2] = [Math.sin(dec1 * d), Math.cos(dec1 * d), Math.sin(dec2 * d), Math.cos(dec2 * d)];
  const num = Math.hypot(c2 * Math.sin(dl), c1 * s2 - s1 * c2 * Math.cos(dl));
  const den = s1 * s2 + c1 * c2 * Math.cos(dl);
  return (Math.atan2(num, den) / d) * 3600;
}

/** One catalog row's cells, in {@link CATALOG_COLUMNS} order. */
function row(g: GalaxySpec): string[] {
  const sn = snSky(g);
  const f = g.flags;
  return [
    String(g.id),
    g.snName,
    g.snType,
    f.extraCare,
    f.seMask2,
    f.good,
    f.mask,
    f.seMask,
    String(g.pointing.ra),
    String(g.pointing.dec),
    String(sn.ra),
    String(sn.dec),
    String(separationArcsec(g.pointing.ra, g.pointing.dec, sn.ra, sn.dec)),
    arcNameOf(g),
    g.snTime,
    g.ifuTime,
    String(g.redshift),
    'synthetic',
  ];
}

/** The whole CSV text (LF line ends; no cell needs quoting). */
export function catalogCsv(galaxies: readonly GalaxySpec[]): string {
  const lines = [CATALOG_COLUMNS.join(','), ...galaxies.map((g) => row(g).join(','))];
  return `${lines.join('\n')}\n`;
}
