/**
 * The DTD fit in one call: the notebook's cuts, likelihood and emcee run (DtdEstimator
 * cells 15-31), seeded. What the dtd stage calls; it writes the outputs.
 */
import { UserError } from '../errors.ts';
import { legacyCopy, legacyGauss, legacySeed } from '../kernels/random.ts';
import { convergenceOf, type DtdConvergence } from './convergence.ts';
import { runStretch, type EnsembleChain } from './emcee.ts';
import type { DtdHost } from './host.ts';
import { dtdLikelihood, type DtdBinWeight, type DtdLikelihood } from './likelihood.ts';
import { DTD_MODELS, type DtdIntegral, type DtdModel, type DtdModelSpec } from './models.ts';
import { NOTEBOOK_CUTS, selectHosts, type DtdCuts, type DtdExclusion, type PreparedHost } from './select.ts';
import { summarise, type ParamSummary } from './summary.ts';

/** Options of {@link fitDtd}; every one defaults to {@link DTD_DEFAULTS}. */
export interface DtdOptions {
  /** The DTD form (the notebook fits all four in turn; MDA is the paper's headline). */
  readonly model?: DtdModel;
  /** Walkers (36), steps (400) and steps discarded as burn-in (100): the notebook's. */
  readonly nwalkers?: number;
  readonly nsteps?: number;
  readonly burn?: number;
  /**
   * `np.random.seed(seed)` before the start is drawn. The notebook sets no seed, so its
   * chains cannot be repeated; ours can, and equal a seeded Python emcee run.
   */
  readonly seed?: number;
  /** The k's whose group maps are used (the notebook's KNumList; the study used [15]). */
  readonly kList?: readonly number[];
  /** The walkers start at the model's centre plus N(0, startScale) per parameter (0.1). */
  readonly startScale?: number;
  /** emcee's stretch scale a (2). */
  readonly a?: number;
  /** 'integral' (the notebook) or the opt-in 'mean' (see {@link DtdBinWeight}). */
  readonly binWeight?: DtdBinWeight;
  /** 'notebook' (its expression, bit for bit) or the opt-in 'stable' (see {@link DtdIntegral}). */
  readonly integral?: DtdIntegral;
  /** The notebook's cuts (SN Type 'Ia', PSF sigma <= 4 px, >= 200 grouped pixels). */
  readonly cuts?: DtdCuts;
}

/** The defaults: the notebook's settings, seed 0, the study's k = 15. */
export const DTD_DEFAULTS = {
  model: 'MDA' as DtdModel,
  nwalkers: 36,
  nsteps: 400,
  burn: 100,
  seed: 0,
  kList: [15] as readonly number[],
  startScale: 0.1,
  a: 2.0,
  binWeight: 'integral' as DtdBinWeight,
  integral: 'notebook' as DtdIntegral,
  cuts: NOTEBOOK_CUTS,
} as const;

/** The chain's best sample: the largest ln p of any stored position (burn-in included). */
export interface DtdBestSample {
  /** ln L there (the priors are flat, so ln p = ln L inside them). */
  readonly lnL: number;
  readonly params: readonly number[];
  readonly step: number;
  readonly walker: number;
}

/** The result of a fit. */
export interface DtdFit {
  readonly model: DtdModelSpec;
  /** The options after defaults, so a report can print exactly what ran. */
  readonly options: Required<DtdOptions>;
  /** The SNe fitted (catalog ids, ascending) and the hosts left out, with the reason. */
  readonly sne: readonly string[];
  readonly excluded: readonly DtdExclusion[];
  /** The hosts that passed the cuts, in the order given, with their per-group SN probabilities. */
  readonly kept: readonly PreparedHost[];
  /** The likelihood the chain sampled (to evaluate it elsewhere, e.g. per host at the best sample). */
  readonly likelihood: DtdLikelihood;
  /** The starting positions (nwalkers x ndim). */
  readonly p0: Float64Array;
  /** The whole chain, burn-in included, in emcee's get_chain layout (steps, walkers, params). */
  readonly chain: EnsembleChain;
  /** The post-burn-in samples, flat ((nsteps - burn) * nwalkers, ndim), as get_chain(discard, flat=True). */
  readonly flat: Float64Array;
  /** Median and 16/84 % per parameter. */
  readonly summary: readonly ParamSummary[];
  /** Mean acceptance fraction over walkers. */
  readonly acceptance: number;
  /** tau per parameter, kept steps / tau, and emcee's 50-tau rule (convergence.ts). */
  readonly convergence: DtdConvergence;
  /** The highest ln L the chain found, for the model comparison's AIC and BIC. */
  readonly best: DtdBestSample;
}

/** The position with the largest ln p in the whole chain (the first one on ties). */
export function bestSample(chain: EnsembleChain): DtdBestSample {
  let at = 0;
  for (let i = 1; i < chain.logProb.length; i++) if (chain.logProb[i]! > chain.logProb[at]!) at = i;
  const params = [...chain.chain.subarray(at * chain.ndim, (at + 1) * chain.ndim)];
  return { lnL: chain.logProb[at]!, params, step: Math.floor(at / chain.nwalkers), walker: at % chain.nwalkers };
}

/**
 * The notebook's start: `center + np.random.randn(nwalkers, ndim) * scale` right after
 * `np.random.seed(seed)`; returns the start and the generator state after it, which is
 * what emcee 3 copies into the sampler.
 */
export function startingBall(spec: DtdModelSpec, nwalkers: number, seed: number, scale: number): { p0: Float64Array; random: ReturnType<typeof legacySeed> } {
  const random = legacySeed(seed);
  const ndim = spec.params.length;
  const p0 = new Float64Array(nwalkers * ndim);
  for (let i = 0; i < p0.length; i++) p0[i] = spec.start[i % ndim]! + legacyGauss(random) * scale;
  return { p0, random: legacyCopy(random) };
}

/** The most points (steps x walkers) a chain may hold: 20 million, 458 MiB for a two-parameter model. */
export const MAX_CHAIN_SAMPLES = 20_000_000;

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new UserError('usage', `dtd: \`${name}\` must be an integer >= ${min}. Value: \`${v}\`.`, `set ${name} in pipeline.yaml`);
}

/** Fits a DTD to the hosts (all k's given; `kList` picks), as DtdEstimator does, seeded. */
export function fitDtd(hosts: readonly DtdHost[], options: DtdOptions = {}): DtdFit {
  const o: Required<DtdOptions> = { ...DTD_DEFAULTS, ...options } as Required<DtdOptions>;
  const spec = DTD_MODELS[o.model];
  if (spec === undefined) throw new UserError('usage', `dtd: unknown model '${String(o.model)}'`, `use one of ${Object.keys(DTD_MODELS).join(', ')}`);
  checkInt('nwalkers', o.nwalkers, 2 * spec.params.length);
  checkInt('nsteps', o.nsteps, 1);
  checkInt('burn', o.burn, 0);
  if (o.burn >= o.nsteps) throw new UserError('usage', `dtd: burn (${o.burn}) must be below nsteps (${o.nsteps})`, 'lower burn or raise nsteps');
  // The chain is kept whole (nsteps x nwalkers points, each ndim doubles and a log-probability):
  // a legal but huge dtdSteps or dtdWalkers was "Invalid typed array length", or hours of work.
  if (o.nsteps * o.nwalkers > MAX_CHAIN_SAMPLES) {
    throw new UserError('usage', `dtd: dtdSteps x dtdWalkers = ${o.nsteps} x ${o.nwalkers} = ${o.nsteps * o.nwalkers} samples, more than the ${MAX_CHAIN_SAMPLES} a chain may hold (${Math.round((MAX_CHAIN_SAMPLES * (spec.params.length + 1) * 8) / 2 ** 20)} MiB for this model)`, 'lower dtdSteps or dtdWalkers (the study: 36 walkers; 50 autocorrelation times of steps are enough, see the summary)');
  }
  if (o.nwalkers % 2 !== 0) throw new UserError('usage', `dtd: nwalkers must be even (got ${o.nwalkers})`, 'emcee splits the walkers into two equal halves');
  checkInt('seed', o.seed, 0);
  if (!(o.a > 1)) throw new UserError('usage', `dtd: the stretch scale \`a\` must be > 1. Value: \`${o.a}\`.`, 'emcee uses 2');
  if (!(o.startScale > 0) || !Number.isFinite(o.startScale)) throw new UserError('usage', `dtd: \`startScale\` must be a positive number. Value: \`${o.startScale}\`.`, 'the notebook uses 0.1');
  if (o.kList.length === 0) throw new UserError('usage', 'dtd: `kList` is empty', 'give the k whose group maps the fit uses, e.g. [15]');

  const wanted = new Set(o.kList);
  const inK = hosts.filter((h) => wanted.has(h.k));
  const { kept, excluded } = selectHosts(inK, o.cuts);
  if (kept.length === 0) {
    const why = new Map<string, number>();
    for (const e of excluded) why.set(e.reason, (why.get(e.reason) ?? 0) + 1);
    const reasons = [...why].map(([r, n]) => `${n} ${r}`).join(', ');
    throw new UserError(
      'empty-selection',
      `dtd: no SN host to fit: ${hosts.length} host(s) given, ${inK.length} with k in [${o.kList.join(', ')}]${reasons ? `, all left out (${reasons})` : ''}`,
      inK.length === 0 ? 'run the group maps for the k the fit uses, or set its k list to one the run made' : 'see the cuts in docs/dtd.md',
    );
  }
  if (o.integral !== 'notebook' && o.integral !== 'stable') throw new UserError('usage', `dtd: \`integral\` must be 'notebook' or 'stable'. Value: \`${String(o.integral)}\`.`, 'the notebook evaluates (b^(s+1) - a^(s+1))/(1+s); stable uses expm1/log1p');
  const lnLike = dtdLikelihood(o.model, kept, o.binWeight, o.integral);
  const { p0, random } = startingBall(spec, o.nwalkers, o.seed, o.startScale);
  const chain = runStretch({ p0, nwalkers: o.nwalkers, nsteps: o.nsteps, a: o.a, random, logProb: lnLike });
  const ndim = spec.params.length;
  const flat = chain.chain.slice(o.burn * o.nwalkers * ndim);
  const convergence = convergenceOf(chain, o.burn, spec.labels, chain.accepted);
  return {
    model: spec,
    options: o,
    sne: lnLike.sne,
    excluded,
    kept,
    likelihood: lnLike,
    p0,
    chain,
    flat,
    summary: summarise(flat, ndim, spec.params, spec.labels),
    acceptance: convergence.acceptance,
    convergence,
    best: bestSample(chain),
  };
}
