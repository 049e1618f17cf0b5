/**
 * emcee 3's `EnsembleSampler` with its default move, the affine-invariant stretch move of
 * Goodman & Weare (2010) in the red-blue parallel form of Foreman-Mackey et al. (2013),
 * replaying emcee's calls on numpy's legacy RandomState one for one (dfm/emcee
 * `ensemble.py`, `moves/red_blue.py`, `moves/stretch.py`; the same in v3.0.0-v3.1.6). With
 * the same seed, start and log-probability, the chain equals Python emcee's: positions are
 * IEEE +, -, * of the same numbers, so they agree exactly as long as every accept/reject
 * decision agrees, and decisions compare ln p values that differ only in their last bits.
 *
 * Per iteration emcee draws, in this order:
 * 1. `random.choice(moves, p=weights)`: one random_sample, even with a single move;
 * 2. `random.shuffle(arange(nwalkers) % 2)`: the red-blue split;
 * 3. for each half: `rand(Ns)` for z = ((a-1)u + 1)**2 / a, `randint(Nc, size=Ns)` for the
 *    partners in the other half, the log-probabilities of all proposals, then one `rand()`
 *    per walker of the half, accepting when (ndim-1) ln z + ln p' - ln p > ln u.
 */
import { legacyRandint, legacyRandomSample, legacyShuffle, type LegacyRandomState } from '../kernels/random.ts';

/** What the sampler returns, laid out as emcee's `get_chain()` / `get_log_prob()`. */
export interface EnsembleChain {
  readonly nwalkers: number;
  readonly nsteps: number;
  readonly ndim: number;
  /** Positions, shape (nsteps, nwalkers, ndim), C order: [(step * nwalkers + walker) * ndim + d]. */
  readonly chain: Float64Array;
  /** ln p of each stored position, shape (nsteps, nwalkers). */
  readonly logProb: Float64Array;
  /** Accepted proposals per walker (emcee's `backend.accepted`). */
  readonly accepted: Float64Array;
  /** One flag per walker and step: the proposal was accepted (for comparing decisions). */
  readonly decisions: Uint8Array;
}

/** Options of {@link runStretch}. */
export interface StretchOptions {
  /** The starting positions, (nwalkers, ndim) C order. */
  readonly p0: Float64Array;
  readonly nwalkers: number;
  readonly nsteps: number;
  /** The stretch scale (emcee's default 2). */
  readonly a?: number;
  /** The sampler's generator; it advances in place, as emcee's `sampler._random`. */
  readonly random: LegacyRandomState;
  /** ln p of one position (a view of `ndim` numbers; do not keep it). */
  readonly logProb: (p: Float64Array) => number;
}

/** Raised for inputs emcee itself refuses (same conditions, same meaning). */
export class EnsembleError extends Error {
  override readonly name = 'EnsembleError';
}

function logProbs(coords: Float64Array, n: number, ndim: number, f: (p: Float64Array) => number, out: Float64Array): void {
  for (let i = 0; i < coords.length; i++) {
    const v = coords[i]!;
    if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) throw new EnsembleError('At least one parameter value was infinite');
    if (Number.isNaN(v)) throw new EnsembleError('At least one parameter value was NaN');
  }
  for (let w = 0; w < n; w++) {
    const lp = f(coords.subarray(w * ndim, (w + 1) * ndim));
    if (Number.isNaN(lp)) throw new EnsembleError('Probability function returned NaN');
    out[w] = lp;
  }
}

/** emcee's `walkers_independent` reduced to what can go wrong with a ball start: non-finite or a constant column. */
function checkStart(p0: Float64Array, nwalkers: number, ndim: number): void {
  for (let d = 0; d < ndim; d++) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let w = 0; w < nwalkers; w++) {
      const v = p0[w * ndim + d]!;
      if (!Number.isFinite(v)) throw new EnsembleError('Initial state has a non-finite value');
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    if (lo === hi) throw new EnsembleError(`Initial state has a large condition number: parameter ${d} is the same for every walker`);
  }
}

/**
 * Runs `nsteps` iterations of emcee's default sampler from `p0`
 * (`EnsembleSampler(nwalkers, ndim, f).run_mcmc(p0, nsteps)`).
 */
export function runStretch(opts: StretchOptions): EnsembleChain {
  const { nwalkers, nsteps, random } = opts;
  const a = opts.a ?? 2.0;
  const ndim = opts.p0.length / nwalkers;
  if (!Number.isInteger(ndim) || ndim < 1) throw new EnsembleError(`p0 holds ${opts.p0.length} numbers, not nwalkers (${nwalkers}) x ndim`);
  if (nwalkers < 2 * ndim) throw new EnsembleError('It is unadvisable to use a red-blue move with fewer walkers than twice the number of dimensions.');
  if (nwalkers % 2 !== 0) throw new EnsembleError(`nwalkers must be even for the red-blue split (got ${nwalkers})`);
  checkStart(opts.p0, nwalkers, ndim);

  const coords = Float64Array.from(opts.p0);
  const lp = new Float64Array(nwalkers);
  logProbs(coords, nwalkers, ndim, opts.logProb, lp);

  const chain = new Float64Array(nsteps * nwalkers * ndim);
  const logProb = new Float64Array(nsteps * nwalkers);
  const accepted = new Float64Array(nwalkers);
  const decisions = new Uint8Array(nsteps * nwalkers);
  const half = nwalkers / 2;
  const inds = new Int32Array(nwalkers);
  const members: Int32Array[] = [new Int32Array(half), new Int32Array(half)];
  const zz = new Float64Array(half);
  const partner = new Int32Array(half);
  const q = new Float64Array(half * ndim);
  const qlp = new Float64Array(half);
  const acc = new Uint8Array(nwalkers);

  for (let step = 0; step < nsteps; step++) {
    // 1. The move choice: one random_sample, whatever the number of moves.
    legacyRandomSample(random.mt);
    // 2. The red-blue split: arange(n) % 2, shuffled.
    for (let i = 0; i < nwalkers; i++) inds[i] = i % 2;
    legacyShuffle(random.mt, inds);
    acc.fill(0);
    for (let split = 0; split < 2; split++) {
      // The halves as emcee indexes them (`coords[inds == j]`), from the current state.
      const counts = [0, 0];
      for (let i = 0; i < nwalkers; i++) {
        const j = inds[i]!;
        members[j]![counts[j]!++] = i;
      }
      const s = members[split]!;
      const c = members[1 - split]!;
      // 3. z, partners, proposals.
      for (let i = 0; i < half; i++) {
        const u = legacyRandomSample(random.mt);
        const t = (a - 1.0) * u + 1;
        zz[i] = (t * t) / a;
      }
      legacyRandint(random.mt, half, half, partner);
      for (let i = 0; i < half; i++) {
        const cw = c[partner[i]!]!;
        const sw = s[i]!;
        for (let d = 0; d < ndim; d++) {
          const cv = coords[cw * ndim + d]!;
          q[i * ndim + d] = cv - (cv - coords[sw * ndim + d]!) * zz[i]!;
        }
      }
      logProbs(q, half, ndim, opts.logProb, qlp);
      for (let i = 0; i < half; i++) {
        const j = s[i]!;
        const f = (ndim - 1.0) * Math.log(zz[i]!);
        const lnpdiff = f + qlp[i]! - lp[j]!;
        if (lnpdiff > Math.log(legacyRandomSample(random.mt))) acc[j] = 1;
      }
      // emcee's Move.update: accepted walkers of this half take their proposals.
      for (let i = 0; i < half; i++) {
        const j = s[i]!;
        if (!acc[j]) continue;
        for (let d = 0; d < ndim; d++) coords[j * ndim + d] = q[i * ndim + d]!;
        lp[j] = qlp[i]!;
      }
    }
    chain.set(coords, step * nwalkers * ndim);
    logProb.set(lp, step * nwalkers);
    for (let w = 0; w < nwalkers; w++) {
      accepted[w] = accepted[w]! + acc[w]!;
      decisions[step * nwalkers + w] = acc[w]!;
    }
  }
  return { nwalkers, nsteps, ndim, chain, logProb, accepted, decisions };
}
