/**
 * The integrated autocorrelation time of an ensemble chain, exactly as emcee 3 computes it
 * (`sampler.get_autocorr_time(discard=burn, quiet=True)`, dfm/emcee
 * `src/emcee/autocorr.py`, the same in v3.0.0-v3.1.6):
 *
 * 1. per walker and parameter, the normalised autocorrelation function of the kept steps
 *    by FFT (`function_1d`: subtract the mean, zero-pad to twice the next power of two,
 *    |FFT|^2, inverse FFT, divide by lag 0);
 * 2. averaged over the walkers (summed in walker order, then divided by their number);
 * 3. tau(M) = 2 * cumsum(rho)[M] - 1, and Sokal's automatic window: the first M with
 *    M >= c * tau(M), c = 5 (`auto_window`, with numpy's `argmin` on the boolean mask);
 * 4. tau = tau(window).
 *
 * A walker that does not move after burn-in has a zero lag-0 autocovariance, so its
 * function is 0/0 = NaN and so is tau (emcee gives NaN too, without a word; the dtd stage
 * says it). test/dtd-convergence.test.ts checks the values against emcee's to 1e-10.
 */
import { NUMPY1_SUM_BLOCK, numpySum } from '../kernels/sums.ts';
import { fftInPlace, nextPowerOfTwo } from './fft.ts';

/** emcee's defaults: window constant c = 5, and a chain is long enough at 50 tau. */
export const AUTOCORR_C = 5;
export const AUTOCORR_TOL = 50;

/**
 * emcee's `function_1d`: the normalised autocorrelation of `x[offset + i * stride]`,
 * i < n, at lags 0..n-1.
 */
export function autocorrFunction(x: Float64Array, n: number, offset = 0, stride = 1): Float64Array {
  const series = new Float64Array(n);
  for (let i = 0; i < n; i++) series[i] = x[offset + i * stride]!;
  // np.mean: numpy's pairwise sum, divided by n.
  const mean = numpySum(series, 0, n, 1, NUMPY1_SUM_BLOCK) / n;
  const size = 2 * nextPowerOfTwo(n);
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let i = 0; i < n; i++) re[i] = series[i]! - mean;
  fftInPlace(re, im);
  // f * conj(f) = |f|^2, a real spectrum.
  for (let i = 0; i < size; i++) {
    const r = re[i]!;
    const q = im[i]!;
    re[i] = r * r + q * q;
    im[i] = 0;
  }
  fftInPlace(re, im, true);
  const acf = re.slice(0, n);
  const lag0 = acf[0]!;
  for (let i = 0; i < n; i++) acf[i] = acf[i]! / lag0;
  return acf;
}

/**
 * emcee's `auto_window`: the index of the first `false` in `m = arange(n) < c * taus`
 * when any is `true` (numpy's argmin of a boolean array: 0 when all are `true`), else n-1.
 */
export function autoWindow(taus: Float64Array, c = AUTOCORR_C): number {
  let any = false;
  let firstFalse = -1;
  for (let m = 0; m < taus.length; m++) {
    const inside = m < c * taus[m]!;
    if (inside) any = true;
    else if (firstFalse < 0) firstFalse = m;
  }
  if (!any) return taus.length - 1;
  return firstFalse < 0 ? 0 : firstFalse;
}

/** A chain in emcee's `get_chain()` layout: (nsteps, nwalkers, ndim), C order. */
export interface ChainView {
  readonly nsteps: number;
  readonly nwalkers: number;
  readonly ndim: number;
  readonly chain: Float64Array;
}

/**
 * `get_autocorr_time(discard=discard, quiet=True)`: one tau per parameter, in steps, from
 * the steps after `discard`. (emcee's `quiet` only turns its "chain too short" error into a
 * logged warning; the values are the same.)
 */
export function integratedTime(chain: ChainView, discard = 0, c = AUTOCORR_C): Float64Array {
  const { nsteps, nwalkers, ndim } = chain;
  if (!Number.isInteger(discard) || discard < 0 || discard >= nsteps) {
    throw new RangeError(`integratedTime: \`discard\` must be an integer in [0, ${nsteps - 1}]. Value: \`${discard}\`.`);
  }
  const nt = nsteps - discard;
  const tau = new Float64Array(ndim);
  const f = new Float64Array(nt);
  const taus = new Float64Array(nt);
  for (let d = 0; d < ndim; d++) {
    f.fill(0);
    for (let w = 0; w < nwalkers; w++) {
      const acf = autocorrFunction(chain.chain, nt, (discard * nwalkers + w) * ndim + d, nwalkers * ndim);
      for (let i = 0; i < nt; i++) f[i] = f[i]! + acf[i]!;
    }
    for (let i = 0; i < nt; i++) f[i] = f[i]! / nwalkers;
    // np.cumsum: a running sum, left to right.
    let run = 0;
    for (let i = 0; i < nt; i++) {
      run += f[i]!;
      taus[i] = 2.0 * run - 1.0;
    }
    tau[d] = taus[autoWindow(taus, c)]!;
  }
  return tau;
}
