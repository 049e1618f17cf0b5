/**
 * The numbers the pictures and the summary print about each group, defined once: mass
 * fractions, mass-weighted mean age and the fraction of mass younger than 1 Gyr, on the
 * MILES age grid of the pPXF fits (50 ages, log-spaced by 0.05 dex from 0.063 Gyr).
 */
import path from 'node:path';

/** Number of age bins of the SFH. */
export const N_AGES = 50;

/** The MILES ages in Gyr: 10 ** (-1.2 + 0.05 i), i = 0..49 (0.063 to 17.8 Gyr). */
export const AGES_GYR: readonly number[] = Array.from({ length: N_AGES }, (_, i) => 10 ** (-1.2 + 0.05 * i));

/**
 * Bins younger than 1 Gyr: i < 24 (0.063 .. 0.89 Gyr). Bin 24 is 1 Gyr itself
 * (10 ** 0, computed as 1.0000000000000004), so it counts as old; by index, not by the
 * rounded float.
 */
export const YOUNG_BINS = 24;

/** Each group's share of the total mass (sums to 1; all NaN when the total is not positive). */
export function massFractions(masses: readonly number[]): number[] {
  const total = masses.reduce((a, b) => a + b, 0);
  return masses.map((m) => (total > 0 ? m / total : NaN));
}

/**
 * Mass-weighted mean age in Gyr of one mean SFH: sum_i age_i w_i / sum_i w_i, with the
 * weights w_i of the group's mean SFH (NaN when the weights sum to 0). `ages`: the
 * result's own grid (an nGIST run's), default the MILES ages.
 */
export function meanAgeGyr(sfh: ArrayLike<number>, ages: ArrayLike<number> = AGES_GYR): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < Math.min(sfh.length, ages.length); i++) {
    const w = sfh[i] as number;
    num += (ages[i] as number) * w;
    den += w;
  }
  return den > 0 ? num / den : NaN;
}

/**
 * Fraction of a mean SFH's weight in bins younger than 1 Gyr: on the MILES grid by index
 * ({@link YOUNG_BINS}); on a result's own grid (`ages`, Gyr), the bins with age < 1.
 */
export function youngFraction(sfh: ArrayLike<number>, ages?: ArrayLike<number>): number {
  let young = 0;
  let all = 0;
  const n = ages ? ages.length : N_AGES;
  for (let i = 0; i < Math.min(sfh.length, n); i++) {
    const w = sfh[i] as number;
    if (ages ? (ages[i] as number) < 1 : i < YOUNG_BINS) young += w;
    all += w;
  }
  return all > 0 ? young / all : NaN;
}

/** A mean SFH scaled to sum to 1: the fraction of the group's mass per age bin. */
export function normalised(sfh: ArrayLike<number>): number[] {
  let sum = 0;
  for (let i = 0; i < sfh.length; i++) sum += sfh[i] as number;
  return Array.from(sfh, (w) => (sum > 0 ? w / sum : NaN));
}

/** The pictures of a result file: `<result name without .fits>_map.png` and `_sfh.png`. */
export function picturePaths(resultFile: string): { map: string; sfh: string } {
  const stem = resultFile.replace(/\.fits$/i, '');
  return { map: `${stem}_map.png`, sfh: `${stem}_sfh.png` };
}

/** The k-choice picture of a galaxy: `<dir>/<id>_<SN>_kchoice.png`. */
export function kChoicePath(dir: string, galaxy: string, snName: string): string {
  return path.join(dir, `${galaxy}_${snName}_kchoice.png`);
}

/** Formats an age in Gyr for a label: 0.45 Gyr, 4.8 Gyr, 12 Gyr. */
export function formatGyr(age: number): string {
  if (!Number.isFinite(age)) return '–';
  return `${age < 1 ? age.toFixed(2) : age < 10 ? age.toFixed(1) : age.toFixed(0)} Gyr`;
}

/** Formats a fraction as a percentage: 31.2 %. */
export function formatPercent(f: number): string {
  return Number.isFinite(f) ? `${(f * 100).toFixed(1)} %` : '–';
}

/** The original study's quality cuts; results beyond them are flagged, never dropped. */
export interface Thresholds {
  /** Flag `psf>N` when the PSF sigma exceeds this many pixels (default 4). */
  readonly maxPsfSigma: number;
  /** Flag `grouped<N` when fewer pixels than this were grouped (default 200). */
  readonly minGrouped: number;
}

/** The study's defaults (also pipeline.yaml's). */
export const DEFAULT_THRESHOLDS: Thresholds = { maxPsfSigma: 4, minGrouped: 200 };

/** The flags of a result: `psf>4` and/or `grouped<200` (the thresholds as given). */
export function flagsOf(r: { readonly psfSigma: number | null; readonly valid: number }, t: Thresholds): string[] {
  const flags: string[] = [];
  if (r.psfSigma !== null && r.psfSigma > t.maxPsfSigma) flags.push(`psf>${t.maxPsfSigma}`);
  if (r.valid < t.minGrouped) flags.push(`grouped<${t.minGrouped}`);
  return flags;
}
