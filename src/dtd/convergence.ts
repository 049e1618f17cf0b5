/**
 * Whether a DTD chain is long enough, by emcee's own rule: the autocorrelation time tau of
 * every parameter (autocorr.ts, emcee's `get_autocorr_time(discard=burn)`), and at least
 * 50 tau of kept steps (emcee's `tol=50`, the length its documentation asks for before an
 * estimate of tau, let alone of the posterior, is trusted). The notebook's 400 steps with
 * 100 burnt keep 300, which is 50 tau only for tau <= 6 steps; the study's catalog gives
 * tau of 19-30 steps, so the check usually fails with the notebook's settings, and says
 * how many steps would do.
 */
import { AUTOCORR_C, AUTOCORR_TOL, integratedTime, type ChainView } from './autocorr.ts';

/** The convergence numbers of one fit, in the order of the model's parameters. */
export interface DtdConvergence {
  /** Integrated autocorrelation time of each parameter, in steps (NaN: a walker never moved). */
  readonly tau: readonly number[];
  /** Steps after burn-in (emcee's n_t). */
  readonly kept: number;
  /** kept / tau per parameter. */
  readonly keptOverTau: readonly number[];
  /** Steps (burn-in included) that give 50 tau of kept steps, per parameter; null where tau is NaN. */
  readonly stepsNeeded: readonly (number | null)[];
  /** The largest of `stepsNeeded`, or null if any tau is NaN. */
  readonly stepsEnough: number | null;
  /** True when every parameter has kept >= 50 tau (and every tau is a number). */
  readonly converged: boolean;
  /** Mean acceptance fraction over walkers, all steps (emcee's `mean(acceptance_fraction)`). */
  readonly acceptance: number;
  /** The sentence a log, report or table shows when `converged` is false; null otherwise. */
  readonly warning: string | null;
}

/**
 * Computes the convergence of `chain` after `burn` steps. `labels` name the parameters in
 * the warning; `accepted` is emcee's per-walker count of accepted proposals.
 */
export function convergenceOf(chain: ChainView, burn: number, labels: readonly string[], accepted: ArrayLike<number>): DtdConvergence {
  const tau = [...integratedTime(chain, burn, AUTOCORR_C)];
  const kept = chain.nsteps - burn;
  const keptOverTau = tau.map((t) => kept / t);
  const stepsNeeded = tau.map((t) => (Number.isFinite(t) ? burn + Math.ceil(AUTOCORR_TOL * t) : null));
  const finite = stepsNeeded.every((s) => s !== null);
  const stepsEnough = finite ? Math.max(...(stepsNeeded as number[])) : null;
  // emcee flags tol * tau > n_t; NaN is neither, so it is named separately.
  const converged = finite && tau.every((t) => !(AUTOCORR_TOL * t > kept));
  let acc = 0;
  for (let w = 0; w < chain.nwalkers; w++) acc += accepted[w]!;
  const acceptance = acc / (chain.nwalkers * chain.nsteps);
  return { tau, kept, keptOverTau, stepsNeeded, stepsEnough, converged, acceptance, warning: converged ? null : warningOf(tau, kept, burn, labels, stepsEnough, acceptance) };
}

function warningOf(tau: readonly number[], kept: number, burn: number, labels: readonly string[], enough: number | null, acceptance: number): string {
  const undefinedAt = labels.filter((_, d) => !Number.isFinite(tau[d]!));
  if (undefinedAt.length > 0) {
    return (
      `the chain's autocorrelation time is undefined for ${undefinedAt.join(', ')}: a walker did not move in the ${kept} steps after burn-in ` +
      `(mean acceptance ${(100 * acceptance).toFixed(1)} %), so nothing says the chain has converged; run more steps (dtdSteps) or check the start (docs/dtd.md)`
    );
  }
  let worst = 0;
  tau.forEach((t, d) => {
    if (t > tau[worst]!) worst = d;
  });
  const t = tau[worst]!;
  return (
    `the chain may be too short: its ${kept} steps after burn-in are ${(kept / t).toFixed(1)} autocorrelation times of ${labels[worst]} ` +
    `(tau = ${t.toFixed(1)} steps), under the ${AUTOCORR_TOL} that emcee asks for; --set dtdSteps=${enough} (burn ${burn} + ${AUTOCORR_TOL} x ${t.toFixed(1)}) ` +
    `would be enough by this estimate, which grows when a chain is too short to measure it: check again after the longer run`
  );
}
