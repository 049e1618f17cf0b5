/**
 * The sentences a DTD fit owes its reader, shared by the log, the report and the tables:
 * what "k" means for this fit (the maps of which clustering it used), and the lines that
 * sum a fit up. Kept here so every output says the same thing in the same words.
 */
import type { DtdFit } from './fit.ts';

/** The k the study fitted (DtdEstimator's `KNumList = [15]`). */
export const STUDY_K = 15;

/**
 * A sentence when the k list is not the study's [15]: one other k (the numbers are not the
 * paper's), or several (each SN takes its best k, the notebook's KNumList max, which is not
 * the likelihood of one model). Null for [15].
 */
export function kNote(kList: readonly number[]): string | null {
  if (kList.length === 1 && kList[0] === STUDY_K) return null;
  const fix = kList.includes(STUDY_K) ? `--set dtdK=${STUDY_K}` : `run with --k ${STUDY_K} and --set dtdK=${STUDY_K}`;
  if (kList.length === 1) {
    return `the fit uses the group maps of k = ${kList[0]}; the study fitted k = ${STUDY_K}, so these numbers are not the paper's; for them, ${fix}`;
  }
  return (
    `the fit uses the group maps of k = ${kList.join(', ')}: each SN counts with the k whose map gives it the highest probability at each ` +
    `parameter point (the notebook's max over KNumList), which is not the likelihood of one model of the data; the study fitted k = ${STUDY_K} alone; for that, ${fix}`
  );
}

/** `3 SNe Ia; k = 15; 36 walkers x 400 steps (burn 100); seed 0`: what was fitted, in one line. */
export function fitLine(fit: DtdFit): string {
  const o = fit.options;
  const n = fit.sne.length;
  const k = o.kList.length === 1 ? `k = ${o.kList[0]}` : `k in [${o.kList.join(', ')}]`;
  return `${n} SN${n === 1 ? '' : 'e'} Ia; ${k}; ${o.nwalkers} walkers x ${o.nsteps} steps (burn ${o.burn}); seed ${o.seed}`;
}

/** `tau = 15.4 steps, 300 kept = 19.5 tau` per parameter, for the log and the report. */
export function tauLine(fit: DtdFit, d: number): string {
  const c = fit.convergence;
  const t = c.tau[d]!;
  return Number.isFinite(t) ? `tau = ${t.toFixed(1)} steps, ${c.kept} kept = ${(c.kept / t).toFixed(1)} tau` : 'tau undefined (a walker never moved)';
}
