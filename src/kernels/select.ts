/**
 * Exact selection of order statistics in a Float32Array, and numpy's arithmetic for the
 * middle of a column: shared by the nanmedian kernels (src/kernels/nanmedian.ts and
 * src/kernels/bracket-median.ts), which must agree bit for bit.
 */

/**
 * Floyd-Rivest selection: reorders a[left..right] (inclusive, no NaN) so that a[k] is its
 * (k-left)-th smallest value and a[left..k) <= a[k] <= a(k..right]; returns a[k]. Ranges
 * above 600 elements first narrow the pivot on a sample (about 1.5n comparisons in all);
 * if partitioning ever degenerates the range is sorted instead, bounding the worst case.
 */
export function selectInPlace(a: Float32Array, left: number, right: number, k: number, depth = 0): number {
  let budget = 64;
  let t: number;
  while (right > left) {
    if (budget-- === 0 || depth > 32) {
      a.subarray(left, right + 1).sort();
      break;
    }
    if (right - left > 600) {
      const n = right - left + 1;
      const m = k - left + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (m - n / 2 < 0 ? -1 : 1);
      const l2 = Math.max(left, Math.floor(k - (m * s) / n + sd));
      const r2 = Math.min(right, Math.floor(k + ((n - m) * s) / n + sd));
      selectInPlace(a, l2, r2, k, depth + 1);
    }
    const pivot = a[k]!;
    let i = left;
    let j = right;
    a[k] = a[left]!;
    a[left] = pivot;
    if (a[right]! > pivot) {
      a[left] = a[right]!;
      a[right] = pivot;
    }
    while (i < j) {
      t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
      i++;
      j--;
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
    }
    if (a[left] === pivot) {
      t = a[left]!;
      a[left] = a[j]!;
      a[j] = t;
    } else {
      j++;
      t = a[j]!;
      a[j] = a[right]!;
      a[right] = t;
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
  return a[k]!;
}

/**
 * numpy's median of n values from its middle order statistics: `hi` the (n >> 1)-th
 * smallest, `below` the one before it (used when n is even). +0 + hi for an odd count from
 * 600 planes on, (hi + hi) / 2 in float32 below (`small`, numpy's masked-array path, which
 * overflows above 1.7e38), (below + hi) / 2 in float32 for an even count.
 */
export function numpyMiddle(n: number, below: number, hi: number, small: boolean): number {
  const f = Math.fround;
  if (n & 1) return small ? f(f(0 + hi + hi) / 2) : 0 + hi;
  return f(f(0 + below + hi) / 2);
}
