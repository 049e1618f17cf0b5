/**
 * The per-pixel steps of the bracketing nanmedian, shared by the kernel that reads a cube in
 * memory (bracket-median.ts) and the one that reads it streamed, plane block by plane block
 * (stream-median.ts): both must select the same order statistics with numpy's arithmetic, so
 * they run the same code for the bracket, for the median inside it and for a whole column.
 */
import { numpyMiddle, selectInPlace } from './select.ts';

/**
 * The bracket [lo, hi] of pixel `j` from its `m` non-NaN samples at `sample[base..base+m)`
 * (reordered in place): the sample's order statistics `sigmas` standard deviations of the
 * sample median's rank (0.5 sqrt(m)) either side of it, plus one. Too few samples to
 * narrow anything (or none) give (-inf, inf): every value is then kept.
 */
export function setBracket(sample: Float32Array, base: number, m: number, sigmas: number, lo: Float32Array, hi: Float32Array, j: number): void {
  const half = Math.ceil(sigmas * 0.5 * Math.sqrt(m)) + 1;
  const r0 = (m >> 1) - half;
  const r1 = (m >> 1) + half;
  if (m === 0 || r0 <= 0 || r1 >= m - 1) {
    lo[j] = -Infinity;
    hi[j] = Infinity;
    return;
  }
  hi[j] = selectInPlace(sample, base, base + m - 1, base + r1);
  lo[j] = selectInPlace(sample, base, base + r1 - 1, base + r0);
}

/**
 * The counting pass in JavaScript (median.wat is the same in WebAssembly SIMD, for widths
 * that are multiples of 4): over `nz` planes of `npix` values whose first value for the
 * block's first pixel is `cube[row0]`, for the block's pixels j0..bw, count per pixel the
 * values below its bracket and above it, and append those inside to its buffer. Pixel j's
 * state is at index `s0 + j` of lo, hi and the counts, its buffer at `buf[(s0 + j) * cap]`.
 */
export function countPassJs(cube: Float32Array, row0: number, npix: number, nz: number, j0: number, bw: number, lo: Float32Array, hi: Float32Array, below: Int32Array, inside: Int32Array, above: Int32Array, s0: number, buf: Float32Array, cap: number): void {
  const last = cap - 1;
  for (let z = 0; z < nz; z++) {
    const row = row0 + z * npix;
    for (let j = j0; j < bw; j++) {
      const v = cube[row + j]!;
      const s = s0 + j;
      const l = lo[s]!;
      const h = hi[s]!;
      const c = inside[s]!;
      // The value is always stored at the next free slot (kept in bounds), and the slot is
      // taken only when the value is inside. NaN compares false throughout.
      buf[s * cap + Math.min(c, last)] = v;
      inside[s] = c + (Number(v >= l) & Number(v <= h));
      below[s] = below[s]! + Number(v < l);
      above[s] = above[s]! + Number(v > h);
    }
  }
}

/**
 * The median of a column from what the counting pass kept: `nb` values below the bracket
 * [lo, hi], `na` above it and `ni` inside, the first min(ni, cap) of them at
 * `buf[base..)` (reordered in place). Writes `out[p]` and returns true, or returns false
 * when the median's rank(s) fall outside the bracket or the buffer overflowed (the caller
 * then takes the pixel's whole column, {@link medianOfValues}). `small`: numpy's masked path
 * (an axis of fewer than 600 planes).
 */
export function medianFromBracket(buf: Float32Array, base: number, cap: number, nb: number, ni: number, na: number, lo: number, hi: number, small: boolean, out: Float32Array, p: number): boolean {
  const n = nb + ni + na;
  if (n === 0) {
    out[p] = NaN;
    return true;
  }
  const k = n >> 1;
  const first = n & 1 ? k : k - 1; // the lowest rank the median needs
  if (first < nb || k >= nb + ni) return false;
  if (ni > cap) {
    // overflowed; fine only when the bracket is a single value (a constant column)
    if (lo !== hi) return false;
    out[p] = numpyMiddle(n, lo, hi, small);
    return true;
  }
  const at = base + (k - nb);
  const m = selectInPlace(buf, base, base + ni - 1, at);
  let prev = m;
  if (!(n & 1)) {
    prev = buf[base]!;
    for (let i = base + 1; i < at; i++) if (buf[i]! > prev) prev = buf[i]!;
  }
  out[p] = numpyMiddle(n, prev, m, small);
  return true;
}

/** numpy's nanmedian of the `n` non-NaN values `col[0..n)` (reordered in place); NaN when n = 0. */
export function medianOfValues(col: Float32Array, n: number, small: boolean): number {
  if (n === 0) return NaN;
  const k = n >> 1;
  const m = selectInPlace(col, 0, n - 1, k);
  let prev = m;
  if (!(n & 1)) {
    prev = col[0]!;
    for (let i = 1; i < k; i++) if (col[i]! > prev) prev = col[i]!;
  }
  return numpyMiddle(n, prev, m, small);
}
