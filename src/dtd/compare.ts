/**
 * Comparing DTD forms fitted to the same SNe (`--set dtdModel=MDA,MDB,MDC,MDD`): the
 * highest ln L each chain found, its number of parameters k and the number of SNe n, and
 * from them Akaike's AIC = 2k - 2 ln L and Schwarz's BIC = k ln n - 2 ln L (lower is
 * better; differences of a few units matter, see docs/dtd.md).
 *
 * The caveat, which every output repeats: ln L is the best *sample* of the chain, not a
 * maximisation. It is a lower bound on the maximum likelihood, so AIC and BIC are upper
 * bounds, and loosest for the models with more parameters, whose chains cover a larger
 * space in the same number of steps.
 */
import type { TypedTable } from '../report/ecsv.ts';

/** What one fit contributes to the comparison (the dtd stage's meta carries it). */
export interface ModelRecord {
  readonly model: string;
  readonly description: string;
  /** Parameter names, in order, and their values at the best sample. */
  readonly params: readonly string[];
  readonly bestParams: readonly number[];
  /** The highest ln L of any stored position of the chain (burn-in included). */
  readonly maxLnL: number;
  /** The SNe fitted (catalog ids). */
  readonly sne: readonly string[];
  readonly kList: readonly number[];
  readonly seed: number;
  readonly walkers: number;
  readonly steps: number;
  readonly burn: number;
  readonly binWeight: string;
  readonly integral: string;
  readonly acceptance: number;
  readonly converged: boolean;
  readonly stepsEnough: number | null;
}

/** One row of the comparison. */
export interface ModelComparison extends ModelRecord {
  readonly nParams: number;
  readonly nSne: number;
  readonly aic: number;
  readonly bic: number;
  /** AIC and BIC minus the lowest of the table's; null when the rows do not fit the same SNe. */
  readonly deltaAic: number | null;
  readonly deltaBic: number | null;
}

/** The sentence that goes with every comparison. */
export const COMPARISON_CAVEAT =
  "Max ln L is the highest ln L any stored sample of the chain reached (burn-in included), not a maximisation: it is a lower bound on the maximum likelihood, so AIC (2k - 2 ln L) and BIC (k ln n - 2 ln L, n = SNe) are upper bounds, loosest for the models with more parameters. The priors are the notebook's bounded flat ones, so a best sample on a bound is not an interior maximum.";

/** True when every record fitted the same SNe with the same k list (else AIC/BIC do not compare). */
export function sameData(records: readonly ModelRecord[]): boolean {
  const key = (r: ModelRecord) => `${[...r.sne].join(',')}|${r.kList.join(',')}|${r.binWeight}`;
  return records.every((r) => key(r) === key(records[0]!));
}

/** The comparison rows, in the order given; deltas against the lowest AIC and BIC when the data are the same. */
export function compareModels(records: readonly ModelRecord[]): ModelComparison[] {
  const rows = records.map((r) => {
    const k = r.params.length;
    const n = r.sne.length;
    return { ...r, nParams: k, nSne: n, aic: 2 * k - 2 * r.maxLnL, bic: k * Math.log(n) - 2 * r.maxLnL };
  });
  const same = sameData(records);
  const minAic = Math.min(...rows.map((r) => r.aic));
  const minBic = Math.min(...rows.map((r) => r.bic));
  return rows.map((r) => ({ ...r, deltaAic: same ? r.aic - minAic : null, deltaBic: same ? r.bic - minBic : null }));
}

/**
 * Warnings about a comparison: different SNe or k lists (not comparable), several k per SN
 * (ln L is then a max over maps, not one model's likelihood), chains below 50 tau.
 */
export function comparisonWarnings(rows: readonly ModelComparison[]): string[] {
  const out: string[] = [];
  if (!sameData(rows)) out.push('the fits do not share the same SNe, k list and bin weighting, so their AIC and BIC do not compare (no differences are given)');
  if (rows.some((r) => r.kList.length > 1)) out.push("with several k per SN, ln L takes each SN's best k at every point, which is not the likelihood of one model of the data: AIC and BIC lose their meaning (use one k, e.g. --set dtdK=15)");
  const short = rows.filter((r) => !r.converged).map((r) => r.model);
  if (short.length) out.push(`the chains of ${short.join(', ')} are shorter than 50 autocorrelation times (see their summaries): their best samples may be far from the maximum`);
  return out;
}

/** The comparison as a table (dtd_models.csv / .ecsv). */
export function modelsTable(rows: readonly ModelComparison[]): TypedTable {
  return {
    columns: [
      { name: 'model', datatype: 'string', description: 'DTD form (DtdEstimator.ipynb)' },
      { name: 'description', datatype: 'string' },
      { name: 'n_params', datatype: 'int64', description: 'k, the parameters sampled' },
      { name: 'n_sne', datatype: 'int64', description: 'n, the SNe Ia fitted' },
      { name: 'max_lnl', datatype: 'float64', description: "highest ln L of the chain's samples, burn-in included (a lower bound on the maximum)" },
      { name: 'aic', datatype: 'float64', description: '2k - 2 max_lnl (an upper bound)' },
      { name: 'bic', datatype: 'float64', description: 'k ln(n) - 2 max_lnl (an upper bound)' },
      { name: 'delta_aic', datatype: 'float64', description: 'aic minus the lowest aic of the table; missing when the fits do not share their SNe' },
      { name: 'delta_bic', datatype: 'float64', description: 'bic minus the lowest bic of the table; missing when the fits do not share their SNe' },
      { name: 'best_params', datatype: 'string', description: 'the best sample, name=value; ...' },
      { name: 'k_list', datatype: 'string', description: 'the k whose group maps were used' },
      { name: 'seed', datatype: 'int64' },
      { name: 'walkers', datatype: 'int64' },
      { name: 'steps', datatype: 'int64' },
      { name: 'burn', datatype: 'int64' },
      { name: 'bin_weight', datatype: 'string' },
      { name: 'integral', datatype: 'string' },
      { name: 'acceptance', datatype: 'float64', description: 'mean acceptance fraction' },
      { name: 'converged', datatype: 'bool', description: 'kept steps >= 50 tau for every parameter' },
      { name: 'steps_enough', datatype: 'int64', description: 'dtdSteps that would give 50 tau after burn-in, by this chain' },
    ],
    rows: rows.map((r) => [
      r.model, r.description, r.nParams, r.nSne, r.maxLnL, r.aic, r.bic, r.deltaAic, r.deltaBic,
      r.params.map((p, i) => `${p}=${r.bestParams[i]}`).join('; '), r.kList.join(' '), r.seed, r.walkers, r.steps, r.burn,
      r.binWeight, r.integral, r.acceptance, r.converged, r.stepsEnough,
    ]),
    meta: { caveat: COMPARISON_CAVEAT, ...(comparisonWarnings(rows).length ? { warnings: comparisonWarnings(rows) } : {}) },
  };
}
