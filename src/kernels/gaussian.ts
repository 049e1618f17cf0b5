/**
 * `scipy.ndimage.gaussian_filter(plane, sigma, truncate=truncate)` for a 2-D float64
 * plane, bit-exact with scipy 1.10 + numpy 1.24 (the notebook's smoothing of every SFH age
 * plane by the seeing).
 *
 * What scipy does, reproduced step by step:
 * - sigma <= 1e-15 (including negative): a plain copy (gaussian_filter skips the axis).
 * - radius = int(truncate * sigma + 0.5); weights phi(x) = np.exp(-0.5 / sigma**2 * x**2)
 *   for x = -radius..radius, divided by their numpy pairwise sum. np.exp is numpy's own
 *   (SVML on AVX-512 machines, see numpyExp.ts), not Math.exp.
 * - axis 0 is filtered first, then axis 1 of that result.
 * - `NI_Correlate1D` with symmetric weights: out[i] = x[i]*w[0], then for j = radius down
 *   to 1: out[i] += (x[i-j] + x[i+j]) * w[j] (double precision, no FMA).
 * - mode 'reflect' (d c b a | a b c d | d c b a), repeated as often as needed when the
 *   radius exceeds the axis length (period 2n; n = 1 repeats the single value).
 */
import { numpyExp } from './numpyExp.ts';
import { NUMPY1_SUM_BLOCK, numpySum } from './sums.ts';

/** scipy's gaussian_filter skips an axis whose sigma is not above this. */
export const GAUSSIAN_MIN_SIGMA = 1e-15;

/** scipy's radius for a sigma and a truncation: int(truncate * sigma + 0.5). */
export function gaussianRadius(sigma: number, truncate: number): number {
  return Math.trunc(truncate * sigma + 0.5);
}

/**
 * The widest kernel smoothed with, as a multiple of the plane's longer side: a radius of
 * a few times the plane is already a near-constant result (scipy's 'reflect' repeats the
 * plane as often as the kernel needs, and this kernel does too, bit for bit), and the cost
 * grows with the radius without bound (truncate = 1e12 asked for a 2e12-tap kernel).
 */
export const GAUSSIAN_MAX_RADIUS_SIDES = 4;

/**
 * Why a smoothing of an (ny, nx) plane cannot be done, or undefined when it can: the
 * radius int(truncate * sigma + 0.5) must be finite and at most
 * {@link GAUSSIAN_MAX_RADIUS_SIDES} times the longer side (a sigma too small to smooth,
 * as scipy skips it, is always fine).
 */
export function gaussianTooWide(ny: number, nx: number, sigma: number, truncate: number): string | undefined {
  if (!(sigma > GAUSSIAN_MIN_SIGMA)) return undefined;
  const radius = gaussianRadius(sigma, truncate);
  const max = GAUSSIAN_MAX_RADIUS_SIDES * Math.max(ny, nx, 1);
  if (Number.isFinite(radius) && radius <= max) return undefined;
  return `the gaussian kernel would reach ${Number.isFinite(radius) ? radius : truncate * sigma} pixels from its centre (int(truncate * sigma + 0.5) with truncate = ${truncate}, sigma = ${sigma}), more than ${GAUSSIAN_MAX_RADIUS_SIDES} times the ${nx} x ${ny} plane`;
}

/**
 * scipy's `_gaussian_kernel1d(sigma, 0, radius)`: 2*radius+1 weights, centre at index
 * radius, normalised by numpy's pairwise sum. `exp` defaults to numpy 1.24's np.exp.
 */
export function gaussianWeights(sigma: number, radius: number, exp: (x: number) => number = numpyExp): Float64Array {
  const n = 2 * radius + 1;
  const phi = new Float64Array(n);
  const a = -0.5 / (sigma * sigma);
  for (let i = 0; i < n; i++) {
    const x = i - radius;
    phi[i] = exp(a * (x * x));
  }
  const total = numpySum(phi, 0, n, 1, NUMPY1_SUM_BLOCK);
  for (let i = 0; i < n; i++) phi[i] = phi[i]! / total;
  return phi;
}

/** Index of position i (any integer) under scipy's 'reflect' extension of an axis of n. */
export function reflectIndex(i: number, n: number): number {
  const period = 2 * n;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - 1 - m;
}

/**
 * scipy's symmetric correlation along axis 0 of a (ny, nx) plane, weights w[0..radius]
 * (w[0] the centre): out may not alias src. Rows are combined whole, so the inner loop
 * runs along contiguous memory while each output keeps scipy's operation order.
 */
export function correlateAxis0(
  src: Float64Array,
  ny: number,
  nx: number,
  w: Float64Array,
  radius: number,
  out: Float64Array,
): void {
  const w0 = w[0]!;
  for (let y = 0; y < ny; y++) {
    const ob = y * nx;
    for (let x = 0; x < nx; x++) out[ob + x] = src[ob + x]! * w0;
    for (let j = radius; j >= 1; j--) {
      const wj = w[j]!;
      const ab = reflectIndex(y - j, ny) * nx;
      const bb = reflectIndex(y + j, ny) * nx;
      for (let x = 0; x < nx; x++) out[ob + x] = out[ob + x]! + (src[ab + x]! + src[bb + x]!) * wj;
    }
  }
}

/**
 * scipy's symmetric correlation along axis 1 of a (ny, nx) plane, in place in `data`,
 * using `line` (length >= nx + 2*radius) as the reflect-extended row buffer.
 */
export function correlateAxis1InPlace(
  data: Float64Array,
  ny: number,
  nx: number,
  w: Float64Array,
  radius: number,
  line: Float64Array,
): void {
  const w0 = w[0]!;
  for (let y = 0; y < ny; y++) {
    const rb = y * nx;
    for (let i = 0; i < radius; i++) {
      line[i] = data[rb + reflectIndex(i - radius, nx)]!;
      line[radius + nx + i] = data[rb + reflectIndex(nx + i, nx)]!;
    }
    for (let x = 0; x < nx; x++) line[radius + x] = data[rb + x]!;
    for (let x = 0; x < nx; x++) {
      const c = radius + x;
      let acc = line[c]! * w0;
      for (let j = radius; j >= 1; j--) acc += (line[c - j]! + line[c + j]!) * w[j]!;
      data[rb + x] = acc;
    }
  }
}

/** The weights of the last call: a cube's planes all share one sigma (exp replay is slow). */
let lastWeights: { sigma: number; radius: number; w: Float64Array } | null = null;

/**
 * `scipy.ndimage.gaussian_filter(plane, sigma, truncate=truncate)` (mode 'reflect') of a
 * C-ordered (ny, nx) float64 plane into `out` (allocated if omitted; must not alias
 * `plane`). Arguments are not checked: see {@link smoothPlanes} for the checked form.
 */
export function gaussianFilter2d(
  plane: Float64Array,
  ny: number,
  nx: number,
  sigma: number,
  truncate: number,
  out?: Float64Array,
): Float64Array {
  const n = ny * nx;
  const dst = out ?? new Float64Array(n);
  if (!(sigma > GAUSSIAN_MIN_SIGMA)) {
    dst.set(plane.subarray(0, n));
    return dst;
  }
  const radius = gaussianRadius(sigma, truncate);
  if (lastWeights === null || lastWeights.sigma !== sigma || lastWeights.radius !== radius) {
    lastWeights = { sigma, radius, w: gaussianWeights(sigma, radius).subarray(radius) };
  }
  const w = lastWeights.w; // w[j] = weight at distance j (the weights are symmetric)
  correlateAxis0(plane, ny, nx, w, radius, dst);
  correlateAxis1InPlace(dst, ny, nx, w, radius, new Float64Array(nx + 2 * radius));
  return dst;
}

/**
 * Checked entry point: smooths every (ny, nx) plane of a C-ordered float64 array of shape
 * (..., ny, nx) with {@link gaussianFilter2d}, as the notebook's
 * `for i in range(50): cube[i] = gaussian_filter(cube[i], sigma, truncate=3)`.
 */
export function smoothPlanes(
  cube: { readonly data: Float64Array; readonly shape: readonly number[] },
  sigma: number,
  truncate = 4,
): { data: Float64Array; shape: number[] } {
  if (!(cube.data instanceof Float64Array)) {
    throw new TypeError('smoothPlanes: `cube.data` must be a Float64Array (the SFH cube is float64).');
  }
  if (cube.shape.length < 2) {
    throw new RangeError(`smoothPlanes: \`cube\` must have at least 2 axes (..., ny, nx). Shape: [${cube.shape.join(', ')}].`);
  }
  if (!Number.isFinite(sigma) || sigma < 0) {
    throw new RangeError(`smoothPlanes: \`sigma\` must be a finite number >= 0 (pixels). Value: \`${sigma}\`.`);
  }
  if (!Number.isFinite(truncate) || truncate < 0) {
    throw new RangeError(`smoothPlanes: \`truncate\` must be a finite number >= 0 (sigmas). Value: \`${truncate}\`.`);
  }
  const ny = cube.shape[cube.shape.length - 2]!;
  const nx = cube.shape[cube.shape.length - 1]!;
  const wide = gaussianTooWide(ny, nx, sigma, truncate);
  if (wide) throw new RangeError(`smoothPlanes: ${wide}.`);
  const n = cube.shape.reduce((a, b) => a * b, 1);
  if (n !== cube.data.length) {
    throw new RangeError(`smoothPlanes: shape [${cube.shape.join(', ')}] holds ${n} elements, but the data has ${cube.data.length}.`);
  }
  const out = new Float64Array(n);
  const plane = ny * nx;
  for (let o = 0; o + plane <= n && plane > 0; o += plane) {
    gaussianFilter2d(cube.data.subarray(o, o + plane), ny, nx, sigma, truncate, out.subarray(o, o + plane));
  }
  return { data: out, shape: [...cube.shape] };
}
