/**
 * What the notebook reads off its corner plots: each parameter's median and 16/84 %
 * quantiles of the post-burn-in samples, computed as corner.py does (`np.percentile` with
 * linear interpolation, numpy 1.24's `_lerp`), plus the table and chain as CSV text.
 */

/**
 * `np.percentile(sorted, 100*q)` for one q with numpy's 'linear' method: virtual index
 * (n-1)*q, then a + (b-a)*t, or b - (b-a)*(1-t) when t >= 0.5 (numpy's `_lerp`).
 * `sorted` must be ascending and non-empty.
 */
export function percentileLinear(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const virtual = (n - 1) * ((100.0 * q) / 100);
  if (virtual >= n - 1) return sorted[n - 1]!;
  if (virtual < 0) return sorted[0]!;
  const lo = Math.floor(virtual);
  const t = virtual - lo;
  const a = sorted[lo]!;
  const b = sorted[lo + 1]!;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** One row of the results table. */
export interface ParamSummary {
  readonly name: string;
  readonly label: string;
  readonly median: number;
  readonly q16: number;
  readonly q84: number;
  /** The corner-title offsets: +(q84 - median), -(median - q16). */
  readonly plus: number;
  readonly minus: number;
}

/** Median and 16/84 % of each column of flat samples (n x ndim, C order). */
export function summarise(flat: Float64Array, ndim: number, names: readonly string[], labels: readonly string[] = names): ParamSummary[] {
  const n = flat.length / ndim;
  const col = new Float64Array(n);
  return names.map((name, d) => {
    for (let i = 0; i < n; i++) col[i] = flat[i * ndim + d]!;
    col.sort();
    const [q16, median, q84] = [0.16, 0.5, 0.84].map((q) => percentileLinear(col, q)) as [number, number, number];
    return { name, label: labels[d] ?? name, median, q16, q84, plus: q84 - median, minus: median - q16 };
  });
}

/** The table as CSV: one row per parameter, full precision (shortest round-trip). */
export function summaryCsv(rows: readonly ParamSummary[]): string {
  const lines = ['param,median,q16,q84,plus,minus'];
  for (const r of rows) lines.push([r.name, r.median, r.q16, r.q84, r.plus, r.minus].join(','));
  return lines.join('\n') + '\n';
}

/** The chain as CSV: step, walker, each parameter, ln p; one row per stored position. */
export function chainCsv(chain: { nsteps: number; nwalkers: number; ndim: number; chain: Float64Array; logProb: Float64Array }, names: readonly string[]): string {
  const { nsteps, nwalkers, ndim } = chain;
  const lines = [['step', 'walker', ...names, 'logProb'].join(',')];
  for (let s = 0; s < nsteps; s++) {
    for (let w = 0; w < nwalkers; w++) {
      const base = (s * nwalkers + w) * ndim;
      const row: (number | string)[] = [s, w];
      for (let d = 0; d < ndim; d++) row.push(chain.chain[base + d]!);
      row.push(chain.logProb[s * nwalkers + w]!);
      lines.push(row.join(','));
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * The chain reordered walker-major, (nwalkers, nsteps, ndim): emcee 2's `sampler.chain`
 * layout, which some older scripts index; emcee 3's get_chain is (nsteps, nwalkers, ndim).
 */
export function chainByWalker(chain: { nsteps: number; nwalkers: number; ndim: number; chain: Float64Array }): Float64Array {
  const { nsteps, nwalkers, ndim } = chain;
  const out = new Float64Array(chain.chain.length);
  for (let s = 0; s < nsteps; s++) {
    for (let w = 0; w < nwalkers; w++) {
      const from = (s * nwalkers + w) * ndim;
      out.set(chain.chain.subarray(from, from + ndim), (w * nsteps + s) * ndim);
    }
  }
  return out;
}
