/**
 * The discrete Fourier transform of a power-of-two length, as numpy's `np.fft.fft` and
 * `np.fft.ifft` define it (no scaling forward, 1/n backward), for the autocorrelation time
 * (autocorr.ts). An iterative radix-2 Cooley-Tukey transform with every twiddle factor
 * computed directly by `Math.cos`/`Math.sin` (not by recurrence, which would accumulate
 * rounding): its error grows like log2(n) ulps, so it agrees with numpy's pocketfft to
 * about 1e-15 of the largest coefficient (test/dtd-convergence.test.ts checks it against
 * numpy). Only power-of-two lengths are needed: emcee pads every series to one.
 */

/** True for 1, 2, 4, 8, ... */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** emcee's `next_pow_two`: the smallest power of two >= n (1 for n <= 1). */
export function nextPowerOfTwo(n: number): number {
  let i = 1;
  while (i < n) i *= 2;
  return i;
}

/**
 * Transforms `re` + i `im` in place. `inverse` computes numpy's `ifft` (the conjugate
 * kernel, then 1/n); otherwise `fft`. The length must be a power of two; `re` and `im`
 * the same length.
 */
export function fftInPlace(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (im.length !== n) throw new RangeError(`fftInPlace: \`re\` and \`im\` must have the same length. Lengths: ${n}, ${im.length}.`);
  if (!isPowerOfTwo(n)) throw new RangeError(`fftInPlace: the length must be a power of two. Length: ${n}.`);
  // Bit-reversal permutation.
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i]!;
      re[i] = re[j]!;
      re[j] = tr;
      const ti = im[i]!;
      im[i] = im[j]!;
      im[j] = ti;
    }
  }
  // Twiddles exp(-+2 pi i k / n) for k < n/2, each from cos/sin of its own angle.
  const half = n >> 1;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  const sign = inverse ? 1 : -1;
  for (let k = 0; k < half; k++) {
    const angle = (2 * Math.PI * k) / n;
    cos[k] = Math.cos(angle);
    sin[k] = sign * Math.sin(angle);
  }
  for (let size = 2; size <= n; size *= 2) {
    const halfSize = size >> 1;
    const stride = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < halfSize; k++) {
        const wr = cos[k * stride]!;
        const wi = sin[k * stride]!;
        const a = start + k;
        const b = a + halfSize;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
      }
    }
  }
  if (inverse) {
    for (let i = 0; i < n; i++) {
      re[i] = re[i]! / n;
      im[i] = im[i]! / n;
    }
  }
}
