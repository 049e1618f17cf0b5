/**
 * The numbers of a run, one row per result: what the SN's group is like (its mass
 * fraction, mass-weighted mean age, fraction of mass younger than 1 Gyr) next to how the
 * clustering went, with the original study's quality cuts as flags rather than silent
 * drops. Written as `summary.csv` and printed as a table at the end of `run`; the report's
 * index shows the same rows.
 */
import path from 'node:path';
import { removeStaleTemps, writeFileAtomic } from '../cache/atomic.ts';
import type { GroupResult } from './plots/result.ts';
import { flagsOf, massFractions, meanAgeGyr, youngFraction, type Thresholds } from './plots/stats.ts';

/** One result's row. Numbers are null where the result has no value (no SN group, no card). */
export interface SummaryRow {
  readonly galaxy: string;
  readonly sn: string;
  readonly snType: string;
  readonly k: number;
  readonly seed: number | null;
  /** Groups kept (NGROUPS). */
  readonly groups: number;
  readonly iterations: number | null;
  readonly converged: boolean | null;
  /** Pixels grouped. */
  readonly valid: number;
  /** PSF gaussian sigma in pixels. */
  readonly psfSigma: number | null;
  readonly snPixel: readonly [number, number] | null;
  /** The run's `snPixel` rule that chose that pixel (`int`, the notebook's, or `nearest`); null when not given. */
  readonly snPixelRule: string | null;
  readonly snGroup: number | null;
  /** The SN group's share of the grouped mass. */
  readonly snMassFraction: number | null;
  /** The SN group's mass-weighted mean age in Gyr. */
  readonly snMeanAge: number | null;
  /** The SN group's fraction of mass in age bins younger than 1 Gyr. */
  readonly snYoungFraction: number | null;
  readonly objective: number | null;
  readonly silhouette: number | null;
  /** `psf>4`, `grouped<200` (with the thresholds in force). */
  readonly flags: readonly string[];
  /** The result FITS. */
  readonly file: string;
}

/**
 * The row of one result; `snType` comes from the catalog (the FITS does not record it),
 * `snPixelRule` from the run (the rule load-cubes chose the SN pixel by, and the DTD fit uses).
 */
export function summaryRow(r: GroupResult, thresholds: Thresholds, snType = '', snPixelRule: string | null = null): SummaryRow {
  const g = r.snGroup;
  const sfh = g !== null ? r.meanSfh[g - 1] : undefined;
  const fraction = g !== null ? massFractions(r.masses)[g - 1] : undefined;
  const finite = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);
  return {
    galaxy: r.galaxy,
    sn: r.snName,
    snType,
    k: r.k,
    seed: r.seed,
    groups: r.groups,
    iterations: r.iterations,
    converged: r.converged,
    valid: r.valid,
    psfSigma: r.psfSigma,
    snPixel: r.snPixel,
    snPixelRule,
    snGroup: g,
    snMassFraction: finite(fraction),
    snMeanAge: sfh ? finite(meanAgeGyr(sfh, r.ages ?? undefined)) : null,
    snYoungFraction: sfh ? finite(youngFraction(sfh, r.ages ?? undefined)) : null,
    objective: r.objective,
    silhouette: r.silhouette,
    flags: flagsOf(r, thresholds),
    file: r.file,
  };
}

/** The CSV columns, in order (documented in docs/report.md). */
export const SUMMARY_COLUMNS = [
  'galaxy', 'sn', 'sn_type', 'k', 'seed', 'groups', 'iterations', 'converged', 'valid_pixels', 'psf_sigma_px',
  'sn_pixel_x', 'sn_pixel_y', 'sn_pixel_rule', 'sn_group', 'sn_group_mass_fraction', 'sn_group_mean_age_gyr', 'sn_group_young_fraction',
  'objective', 'silhouette', 'flags', 'file',
] as const;

/**
 * summary.csv's text: a header and one line per row (RFC 4180 quoting, `\n` line ends).
 * `file` is the result's name alone: the CSV sits next to the results, so a copied folder
 * keeps a valid, byte-identical summary.
 */
export function summaryCsv(rows: readonly SummaryRow[]): string {
  const lines = [SUMMARY_COLUMNS.join(',')];
  for (const r of rows) {
    const cells = [
      r.galaxy, r.sn, r.snType, r.k, r.seed, r.groups, r.iterations, r.converged, r.valid, num(r.psfSigma),
      r.snPixel?.[0] ?? null, r.snPixel?.[1] ?? null, r.snPixelRule, r.snGroup, num(r.snMassFraction), num(r.snMeanAge), num(r.snYoungFraction),
      num(r.objective), num(r.silhouette), r.flags.join(';'), path.basename(r.file),
    ];
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Writes summary.csv atomically (a temporary name, then rename). */
export function writeSummaryCsv(file: string, rows: readonly SummaryRow[]): void {
  removeStaleTemps(file);
  writeFileAtomic(file, summaryCsv(rows));
}

/** The rows as an aligned text table for a terminal (the end of `run`). */
export function summaryTable(rows: readonly SummaryRow[]): string[] {
  const head = ['galaxy', 'SN', 'type', 'k', 'groups', 'iter', 'conv', 'valid', 'psf σ', 'SN pixel', 'SN group', 'mass', 'mean age', '<1 Gyr', 'objective', 'silhouette', 'flags'];
  const seeds = new Set(rows.map((r) => r.seed)).size > 1;
  const body = rows.map((r) => [
    r.galaxy, r.sn, r.snType, `${r.k}${r.seed !== null && seeds ? ` s${r.seed}` : ''}`, String(r.groups), r.iterations === null ? '' : String(r.iterations),
    r.converged === null ? '' : r.converged ? 'yes' : 'NO', String(r.valid), r.psfSigma === null ? '' : r.psfSigma.toFixed(2),
    r.snPixel ? `${r.snPixel[0]},${r.snPixel[1]}` : '', r.snGroup === null ? 'none' : String(r.snGroup),
    r.snMassFraction === null ? '' : `${(r.snMassFraction * 100).toFixed(1)}%`, r.snMeanAge === null ? '' : `${r.snMeanAge.toFixed(2)} Gyr`,
    r.snYoungFraction === null ? '' : `${(r.snYoungFraction * 100).toFixed(1)}%`, r.objective === null ? '' : r.objective.toPrecision(5),
    r.silhouette === null ? '' : r.silhouette.toFixed(3), r.flags.join(' '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(head), ...body.map(line)];
}

/** Numbers with 10 significant digits: exact enough, and no float noise in the CSV. */
function num(v: number | null): number | null {
  return v === null ? null : Number(v.toPrecision(10));
}

function csvCell(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
