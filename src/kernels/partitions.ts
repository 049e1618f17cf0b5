/**
 * Comparing two groupings of the same pixels, for the stability of restarts: the adjusted
 * Rand index (label names do not matter), the label matching of maximum overlap, and the
 * per-pixel agreement map built on it. Labels are positive integers 1..k (0 never occurs).
 */

/** The largest label, i.e. the number of label slots a table over `labels[0..n)` needs. */
function maxLabel(labels: Int32Array, n: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (labels[i]! > k) k = labels[i]!;
  return k;
}

/**
 * The contingency table of two groupings of n items: `table[(i - 1) * kb + (j - 1)]` = how
 * many items have label i in `a` and label j in `b`. The counts everything below is made of.
 */
export function contingency(a: Int32Array, b: Int32Array, n: number): { table: Float64Array; ka: number; kb: number } {
  const ka = maxLabel(a, n);
  const kb = maxLabel(b, n);
  const table = new Float64Array(ka * kb);
  for (let i = 0; i < n; i++) table[(a[i]! - 1) * kb + (b[i]! - 1)]!++;
  return { table, ka, kb };
}

const pairs = (x: number): number => (x * (x - 1)) / 2;

/**
 * The adjusted Rand index of two groupings of n items (Hubert & Arabie 1985): 1 for the
 * same partition under any renaming of labels, about 0 for independent ones, negative when
 * worse than chance. With the sums of C(n_ij, 2) over the table (index), over its row sums
 * (A) and column sums (B): ARI = (index - A B / C(n, 2)) / ((A + B) / 2 - A B / C(n, 2)).
 * When the denominator is 0 (both partitions trivial and equal, or n < 2) it is 1, as in
 * scikit-learn.
 */
export function adjustedRandIndex(a: Int32Array, b: Int32Array, n: number): number {
  const { table, ka, kb } = contingency(a, b, n);
  let index = 0;
  let sumA = 0;
  let sumB = 0;
  for (let i = 0; i < ka; i++) {
    let row = 0;
    for (let j = 0; j < kb; j++) {
      const c = table[i * kb + j]!;
      index += pairs(c);
      row += c;
    }
    sumA += pairs(row);
  }
  for (let j = 0; j < kb; j++) {
    let col = 0;
    for (let i = 0; i < ka; i++) col += table[i * kb + j]!;
    sumB += pairs(col);
  }
  const total = pairs(n);
  const expected = total > 0 ? (sumA * sumB) / total : 0;
  const max = (sumA + sumB) / 2;
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}

/**
 * The one-to-one matching of the labels of `a` to those of `b` with the largest total
 * overlap (the assignment problem on the contingency table, Hungarian algorithm, O(k^3)):
 * `match[i]` is the label of `b` matched to label i of `a` (index 0 unused), 0 when label i
 * has no partner (a has more labels than b). Deterministic: ties go the algorithm's way.
 */
export function matchLabels(a: Int32Array, b: Int32Array, n: number): Int32Array {
  const { table, ka, kb } = contingency(a, b, n);
  const s = Math.max(ka, kb);
  // minimise cost = -overlap on an s x s square (padding costs 0); 1-based as in the
  // classic shortest-augmenting-path formulation
  const cost = (i: number, j: number): number => (i <= ka && j <= kb ? -table[(i - 1) * kb + (j - 1)]! : 0);
  const u = new Float64Array(s + 1);
  const v = new Float64Array(s + 1);
  const p = new Int32Array(s + 1); // p[j] = row matched to column j
  const way = new Int32Array(s + 1);
  const minv = new Float64Array(s + 1);
  const used = new Uint8Array(s + 1);
  for (let i = 1; i <= s; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Number.POSITIVE_INFINITY);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Number.POSITIVE_INFINITY;
      let j1 = 0;
      for (let j = 1; j <= s; j++) {
        if (used[j]) continue;
        const cur = cost(i0, j) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= s; j++) {
        if (used[j]) {
          u[p[j]!] = u[p[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else {
          minv[j] = minv[j]! - delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const match = new Int32Array(ka + 1);
  for (let j = 1; j <= s; j++) {
    const i = p[j]!;
    if (i >= 1 && i <= ka && j <= kb) match[i] = j;
  }
  return match;
}

/**
 * Per item, the fraction of the groupings `runs` that put it in the same group as `kept`,
 * after renaming each run's labels to kept's by {@link matchLabels} (maximum total
 * overlap). A run identical to kept up to renaming agrees everywhere; an item of a run's
 * label left without partner disagrees. `kept` itself may be one of the runs.
 */
export function agreementFractions(kept: Int32Array, runs: readonly Int32Array[], n: number): Float64Array {
  const agree = new Float64Array(n);
  for (const run of runs) {
    const match = matchLabels(run, kept, n);
    for (let i = 0; i < n; i++) if (match[run[i]!] === kept[i]) agree[i]!++;
  }
  for (let i = 0; i < n; i++) agree[i] = agree[i]! / runs.length;
  return agree;
}

/** The mean adjusted Rand index over all pairs of `runs` (null with fewer than two runs). */
export function meanPairwiseAri(runs: readonly Int32Array[], n: number): number | null {
  if (runs.length < 2) return null;
  let sum = 0;
  let count = 0;
  for (let r = 0; r < runs.length; r++) {
    for (let s = r + 1; s < runs.length; s++) {
      sum += adjustedRandIndex(runs[r]!, runs[s]!, n);
      count++;
    }
  }
  return sum / count;
}
