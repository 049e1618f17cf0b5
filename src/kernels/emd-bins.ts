/**
 * The EMD and its k-means kernels for any number of age bins, not only the notebook's 50:
 * an nGIST run has its own template grid (the GIST tutorial's has 53 ages). The distance is
 * still scipy's `wasserstein_distance(arange(B), arange(B), u, v)`: the 2B - 1 summands
 * [0, d0, 0, d1, ..., d_{B-2}, 0] (d_m = |U_m - V_m|) added by numpy's pairwise sum from
 * +0.0 (see emd.ts for the derivation at B = 50, which this reproduces for every B; the
 * 50-bin path keeps its unrolled and WebAssembly versions, bit-identical to this one).
 *
 * {@link emdKernels} hands out the kernels of the clustering's hot loops for B bins: the
 * WebAssembly SIMD ones (src/kernels/wasm) for B = 50, else plain JavaScript ones with the
 * same contract and the same order of operations. An nGIST map has hundreds to thousands of
 * spaxels, so the JavaScript speed is ample there.
 */
import { cdf50, EMD_BINS, emdFromCdfs } from './emd.ts';
import { pairwiseSum } from './sums.ts';
import { emdWasm, type Region } from './wasm/index.ts';

/** The normalised CDF of `bins` weights `w[offset + m * stride]` (cdf50 for any length). */
export function cdfBins(w: Float64Array, offset: number, stride: number, out: Float64Array, outOffset: number, bins: number): void {
  if (bins === EMD_BINS) return cdf50(w, offset, stride, out, outOffset);
  let c = w[offset]!;
  out[outOffset] = c;
  for (let m = 1; m < bins; m++) {
    c += w[offset + m * stride]!;
    out[outOffset + m] = c;
  }
  for (let m = 0; m < bins; m++) out[outOffset + m] = out[outOffset + m]! / c;
}

let terms = new Float64Array(2 * EMD_BINS - 1);

/**
 * scipy's EMD on arange(bins) from two CDF rows, by numpy's pairwise sum of the 2*bins - 1
 * summands (the zeros included: they decide which accumulator each difference lands in).
 */
export function emdPairwise(a: Float64Array, aOff: number, b: Float64Array, bOff: number, bins: number): number {
  const n = 2 * bins - 1;
  if (terms.length < n) terms = new Float64Array(n);
  for (let m = 0; m < bins - 1; m++) {
    terms[2 * m] = 0;
    terms[2 * m + 1] = Math.abs(a[aOff + m]! - b[bOff + m]!);
  }
  terms[n - 1] = 0;
  return 0 + pairwiseSum(terms, 0, n, 1);
}

/** The EMD for `bins` bins: the unrolled 50-bin kernel, or {@link emdPairwise}. */
export function emdBins(a: Float64Array, aOff: number, b: Float64Array, bOff: number, bins: number): number {
  return bins === EMD_BINS ? emdFromCdfs(a, aOff, b, bOff) : emdPairwise(a, aOff, b, bOff, bins);
}

/** The clustering's hot loops (emd.wat's contract), for rows of `bins` float64. */
export interface EmdKernels {
  /** Age bins per row. */
  readonly bins: number;
  /** Bytes of one row (bins float64). */
  readonly rowBytes: number;
  layout(...sizes: number[]): Region[];
  f64(r: Region): Float64Array;
  f32(r: Region): Float32Array;
  i32(r: Region): Int32Array;
  /** One assignment round: labels updated in place (first nearest on ties); changes and the objective. */
  assign(pix: Region, n: number, cen: Region, kept: number, labels: Region): { changed: number; objective: number };
  /** out[labels[v] - 1] += rows[v] * mass[v] for v < n, in pixel order (label 0: none). */
  accumulateAll(rows: Region, labels: Region, mass: Region, n: number, out: Region): void;
  /** The silhouette's per-pixel, per-group distance sums (sums zeroed by the caller). */
  pairSums(cdfs: Region, labels: Region, n: number, groups: number, sums: Region): void;
}

/** emd.wat's kernels in JavaScript for any row length, over one growable ArrayBuffer. */
class JsEmdKernels implements EmdKernels {
  readonly bins: number;
  readonly rowBytes: number;
  #memory = new ArrayBuffer(0);
  constructor(bins: number) {
    this.bins = bins;
    this.rowBytes = bins * 8;
  }
  layout(...sizes: number[]): Region[] {
    const regions: Region[] = [];
    let at = 0;
    for (const bytes of sizes) {
      regions.push({ offset: at, bytes });
      at += Math.ceil(bytes / 16) * 16;
    }
    if (at > this.#memory.byteLength) this.#memory = new ArrayBuffer(at);
    return regions;
  }
  f64(r: Region): Float64Array {
    return new Float64Array(this.#memory, r.offset, r.bytes / 8);
  }
  f32(r: Region): Float32Array {
    return new Float32Array(this.#memory, r.offset, r.bytes / 4);
  }
  i32(r: Region): Int32Array {
    return new Int32Array(this.#memory, r.offset, r.bytes / 4);
  }
  assign(pix: Region, n: number, cen: Region, kept: number, labels: Region): { changed: number; objective: number } {
    const B = this.bins;
    const p = this.f64(pix);
    const c = this.f64(cen);
    const l = this.i32(labels);
    let changed = 0;
    let objective = 0;
    for (let v = 0; v < n; v++) {
      let best = 0;
      let bestD = Number.POSITIVE_INFINITY;
      for (let g = 0; g < kept; g++) {
        const d = emdBins(c, g * B, p, v * B, B);
        if (d < bestD) {
          bestD = d;
          best = g;
        }
      }
      objective += bestD;
      if (l[v] !== best + 1) {
        l[v] = best + 1;
        changed++;
      }
    }
    return { changed, objective };
  }
  accumulateAll(rows: Region, labels: Region, mass: Region, n: number, out: Region): void {
    const B = this.bins;
    const r = this.f64(rows);
    const l = this.i32(labels);
    const m = this.f32(mass);
    const o = this.f64(out);
    for (let v = 0; v < n; v++) {
      const g = l[v]!;
      if (g <= 0) continue;
      const mv = m[v]!;
      const row = (g - 1) * B;
      for (let a = 0; a < B; a++) o[row + a] = o[row + a]! + r[v * B + a]! * mv;
    }
  }
  pairSums(cdfs: Region, labels: Region, n: number, groups: number, sums: Region): void {
    const B = this.bins;
    const c = this.f64(cdfs);
    const l = this.i32(labels);
    const s = this.f64(sums);
    for (let i = 0; i < n; i++) {
      const li = l[i]! - 1;
      for (let j = i + 1; j < n; j++) {
        const d = emdBins(c, i * B, c, j * B, B);
        s[i * groups + l[j]! - 1] = s[i * groups + l[j]! - 1]! + d;
        s[j * groups + li] = s[j * groups + li]! + d;
      }
    }
  }
}

/** The JavaScript kernels for `bins` ages, whatever `bins` is (tests compare them with WebAssembly's at 50). */
export function jsEmdKernels(bins: number): EmdKernels {
  return new JsEmdKernels(bins);
}

const kernels = new Map<number, EmdKernels>();

/** This thread's kernels for rows of `bins` ages (WebAssembly for the notebook's 50). */
export function emdKernels(bins: number): EmdKernels {
  if (bins === EMD_BINS) {
    const w = emdWasm();
    // The WebAssembly kernels keep their own class; this view adds the row geometry.
    return { bins, rowBytes: bins * 8, layout: (...s) => w.layout(...s), f64: (r) => w.f64(r), f32: (r) => w.f32(r), i32: (r) => w.i32(r), assign: (...a) => w.assign(...a), accumulateAll: (...a) => w.accumulateAll(...a), pairSums: (...a) => w.pairSums(...a) };
  }
  let k = kernels.get(bins);
  if (!k) {
    k = new JsEmdKernels(bins);
    kernels.set(bins, k);
  }
  return k;
}
