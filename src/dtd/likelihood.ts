/**
 * The notebook's likelihood (`ProbMapOneGal` and `LnLike`, DtdEstimator cells 17-29):
 * each group's expected SN rate is its mean SFH dotted with the normalised DTD bin weights,
 * times its mass fraction; a host's probability is the rate-weighted mean of the blurred SN
 * position over its groups; ln L sums the log of each SN's best probability over the k's.
 * Sums are numpy's pairwise sums and the mass normalisation keeps the file's float32, so
 * the value equals the notebook's to float rounding (test/dtd.test.ts, 1e-12 relative).
 */
import { NUMPY1_SUM_BLOCK, numpySum, numpySumF32 } from '../kernels/sums.ts';
import { N_AGE_BINS } from './host.ts';
import { AGE_EDGES_YR, dtdBinIntegrals, logPrior, type DtdIntegral, type DtdModel } from './models.ts';
import type { PreparedHost } from './select.ts';

/**
 * How a bin's DTD enters the rate.
 * - 'integral' (the notebook, default): the DTD integrated over the bin.
 * - 'mean' (opt-in): the integral divided by the bin's width, i.e. the mean DTD over the
 *   bin. That is the rate of a bin whose SFH weight is the mass formed at a constant rate
 *   over the bin; see docs/dtd.md for why the notebook's choice is questionable.
 */
export type DtdBinWeight = 'integral' | 'mean';

/** The normalised DTD weights of the 50 bins (`dtdSeries/np.sum(dtdSeries)`). */
export function dtdWeights(
  model: DtdModel,
  p: ArrayLike<number>,
  binWeight: DtdBinWeight = 'integral',
  out: Float64Array = new Float64Array(N_AGE_BINS),
  integral: DtdIntegral = 'notebook',
): Float64Array {
  dtdBinIntegrals(model, p, AGE_EDGES_YR, out, integral);
  if (binWeight === 'mean') for (let i = 0; i < out.length; i++) out[i] = out[i]! / (AGE_EDGES_YR[i + 1]! - AGE_EDGES_YR[i]!);
  const total = numpySum(out, 0, out.length, 1, NUMPY1_SUM_BLOCK);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / total;
  return out;
}

/** Scratch space for one host's rates, so the sampler's inner loop does not allocate. */
interface Scratch {
  rates: Float64Array;
  weighted: Float64Array;
  massNorm: Float64Array;
  massReady: boolean;
}

const scratchFor = (groups: number): Scratch => ({
  rates: new Float64Array(groups),
  weighted: new Float64Array(groups),
  massNorm: new Float64Array(groups),
  massReady: false,
});

/**
 * The mass fractions `massList/np.sum(massList)`: in float32 when the file's masses are
 * float32 (numpy keeps the dtype), else in float64.
 */
export function massFractions(mass: Float32Array | Float64Array, out: Float64Array = new Float64Array(mass.length)): Float64Array {
  if (mass instanceof Float32Array) {
    const total = numpySumF32(mass, 0, mass.length, 1, NUMPY1_SUM_BLOCK);
    for (let i = 0; i < mass.length; i++) out[i] = Math.fround(mass[i]! / total);
  } else {
    const total = numpySum(mass, 0, mass.length, 1, NUMPY1_SUM_BLOCK);
    for (let i = 0; i < mass.length; i++) out[i] = mass[i]! / total;
  }
  return out;
}

/**
 * One host's SN probability for DTD weights `w` (`ProbMapOneGal`):
 * rate_c = sum_a(meanSFH[c, a] * w_a) * m_c, P = sum_c(rate_c * probIndex_c) / sum_c(rate_c).
 */
export function hostProbability(prepared: PreparedHost, w: Float64Array, scratch: Scratch = scratchFor(prepared.groups)): number {
  const { host, probIndex, groups } = prepared;
  const sfh = host.groupSfh;
  if (!scratch.massReady) {
    // Independent of the DTD: computed once per host, the same numbers every call.
    massFractions(host.groupMass, scratch.massNorm);
    scratch.massReady = true;
  }
  for (let c = 0; c < groups; c++) {
    scratch.rates[c] = numpySumOfProducts(sfh, c * N_AGE_BINS, w, N_AGE_BINS) * scratch.massNorm[c]!;
    scratch.weighted[c] = scratch.rates[c]! * probIndex[c]!;
  }
  return numpySum(scratch.weighted, 0, groups, 1, NUMPY1_SUM_BLOCK) / numpySum(scratch.rates, 0, groups, 1, NUMPY1_SUM_BLOCK);
}

/**
 * `np.sum(a[row:row+n] * w[:n])` of float64 data, bit for bit: the products summed in
 * numpy's pairwise order (+0.0 plus `pairwiseSum` of one block, src/kernels/sums.ts), without writing them
 * to an array first. The sampler's hot loop (every group of every host, at every step of
 * every walker: most of the dtd stage's time) runs here; for 8 <= n <= 128 (the 50 age
 * bins) the eight accumulators are kept in registers, otherwise the products go through
 * {@link numpySum}.
 */
export function numpySumOfProducts(a: Float64Array, row: number, w: Float64Array, n: number): number {
  if (n < 8 || n > 128) {
    const products = new Float64Array(n);
    for (let i = 0; i < n; i++) products[i] = a[row + i]! * w[i]!;
    return numpySum(products, 0, n, 1, NUMPY1_SUM_BLOCK);
  }
  // pairwiseSum's 8 <= n <= 128 branch, operation for operation, on the products
  let r0 = a[row]! * w[0]!;
  let r1 = a[row + 1]! * w[1]!;
  let r2 = a[row + 2]! * w[2]!;
  let r3 = a[row + 3]! * w[3]!;
  let r4 = a[row + 4]! * w[4]!;
  let r5 = a[row + 5]! * w[5]!;
  let r6 = a[row + 6]! * w[6]!;
  let r7 = a[row + 7]! * w[7]!;
  const end = n - (n % 8);
  let i = 8;
  for (; i < end; i += 8) {
    const b = row + i;
    r0 += a[b]! * w[i]!;
    r1 += a[b + 1]! * w[i + 1]!;
    r2 += a[b + 2]! * w[i + 2]!;
    r3 += a[b + 3]! * w[i + 3]!;
    r4 += a[b + 4]! * w[i + 4]!;
    r5 += a[b + 5]! * w[i + 5]!;
    r6 += a[b + 6]! * w[i + 6]!;
    r7 += a[b + 7]! * w[i + 7]!;
  }
  // prettier-ignore
  let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
  for (; i < n; i++) res += a[row + i]! * w[i]!;
  // (numpySum starts at +0.0: a sum of -0.0 comes out +0.0, as numpy's)
  let total = 0;
  total += res;
  return total;
}

/** A ready-to-call log-likelihood over a fixed set of hosts. */
export interface DtdLikelihood {
  /** ln L(p): -inf outside the prior or where the model gives NaN, as the notebook. */
  (p: ArrayLike<number>): number;
  /** The SNe (catalog ids) the sum runs over, in the order summed (ascending id). */
  readonly sne: readonly string[];
  /** Each SN's probability at p, in the order of `sne` (the notebook's `probSel`). */
  perSn(p: ArrayLike<number>): Float64Array;
  /**
   * Each prepared host's probability at p, in the order the hosts were given: with several
   * k per SN, the SN's value in `perSn` is the largest of its hosts'.
   */
  perHost(p: ArrayLike<number>): Float64Array;
}

/** Catalog ids compared as numbers when both are numeric, else as text. */
export function compareIds(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Builds `LnLike` for a model over prepared hosts. One SN may have several hosts (one per
 * k of the notebook's KNumList): its probability is the largest of theirs. The notebook
 * sums over `set(snNumberList)`, whose order is CPython's hash order; we sum in ascending
 * id order (the Python reference does too), which is the same set with a defined order.
 */
export function dtdLikelihood(model: DtdModel, hosts: readonly PreparedHost[], binWeight: DtdBinWeight = 'integral', integral: DtdIntegral = 'notebook'): DtdLikelihood {
  const byId = new Map<string, PreparedHost[]>();
  for (const h of hosts) {
    const list = byId.get(h.host.id);
    if (list) list.push(h);
    else byId.set(h.host.id, [h]);
  }
  const sne = [...byId.keys()].sort(compareIds);
  const groupsOf = sne.map((id) => byId.get(id)!);
  const scratch = new Map<PreparedHost, Scratch>(hosts.map((h) => [h, scratchFor(h.groups)]));
  const w = new Float64Array(N_AGE_BINS);
  const best = new Float64Array(sne.length);
  const logs = new Float64Array(sne.length);

  const perSn = (p: ArrayLike<number>): Float64Array => {
    dtdWeights(model, p, binWeight, w, integral);
    for (let i = 0; i < groupsOf.length; i++) {
      // np.max propagates NaN; Math.max does too.
      let m = Number.NEGATIVE_INFINITY;
      for (const h of groupsOf[i]!) m = Math.max(m, hostProbability(h, w, scratch.get(h)));
      best[i] = m;
    }
    return best;
  };
  const lnLike = ((p: ArrayLike<number>): number => {
    if (logPrior(model, p) === Number.NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
    const probs = perSn(p);
    for (let i = 0; i < probs.length; i++) logs[i] = Math.log(probs[i]!);
    const total = numpySum(logs, 0, logs.length, 1, NUMPY1_SUM_BLOCK);
    return Number.isNaN(total) ? Number.NEGATIVE_INFINITY : total;
  }) as DtdLikelihood;
  Object.defineProperty(lnLike, 'sne', { value: sne });
  Object.defineProperty(lnLike, 'perSn', { value: (p: ArrayLike<number>) => Float64Array.from(perSn(p)) });
  Object.defineProperty(lnLike, 'perHost', {
    value: (p: ArrayLike<number>): Float64Array => {
      dtdWeights(model, p, binWeight, w, integral);
      return Float64Array.from(hosts, (h) => hostProbability(h, w, scratch.get(h)));
    },
  });
  return lnLike;
}
