/**
 * The four delay-time distributions of DtdEstimator.ipynb (cells 17, 21, 25, 29), their
 * flat priors and their integrals over the 50 age bins, written operation for operation as
 * the notebook's numpy code so the likelihood matches a Python run to float rounding.
 * Times are in years, as in the notebook; the sampled parameters are the notebook's
 * (log10 of tau, tc and the jump ratio r, the slopes as they are).
 */

/**
 * The 51 age-bin edges in years: `10**np.linspace(-1.225, 1.275, num=51)*10**9` (cell 13),
 * i.e. log10(t/yr) = 7.775 .. 10.275 in 0.05 dex steps, around the 50 MILES/EMILES ages.
 * numpy's linspace computes start + i*step with step = (stop - start)/50 and sets the last
 * value to stop exactly; we do the same.
 */
export const AGE_EDGES_YR: Float64Array = (() => {
  const start = -1.225;
  const stop = 1.275;
  const step = (stop - start) / 50;
  const out = new Float64Array(51);
  for (let i = 0; i < 51; i++) {
    const y = i === 50 ? stop : i * step + start;
    out[i] = 10 ** y * 1e9;
  }
  return out;
})();

/** The DTD forms by the notebook's section names. */
export type DtdModel = 'MDA' | 'MDB' | 'MDC' | 'MDD';

/** What a model samples, how the notebook starts it and how the corner plot labels it. */
export interface DtdModelSpec {
  readonly name: DtdModel;
  /** In words, for the report. */
  readonly description: string;
  /** Parameter names, in the order of the sampled vector. */
  readonly params: readonly string[];
  /** The notebook's corner labels, as plain text. */
  readonly labels: readonly string[];
  /** The centre of the starting ball (`np.array([...])` in cells 18, 22, 26, 30). */
  readonly start: readonly number[];
  /** The flat prior's bounds, in the sampled parameters, as [low, high] (see {@link logPrior}). */
  readonly bounds: readonly (readonly [number, number])[];
  /** The histogram bins the notebook's corner plot used (20 for A and B, 30 for C and D). */
  readonly cornerBins: number;
}

/** The four forms, as the notebook defines them. */
export const DTD_MODELS: Readonly<Record<DtdModel, DtdModelSpec>> = {
  MDA: {
    name: 'MDA',
    description: 'power law t^s after a minimum delay tau',
    params: ['logTau', 's'],
    labels: ['log10(tau/yr)', 's'],
    start: [8, -1.3],
    bounds: [[7.3, 10], [-6, -0.5]],
    cornerBins: 20,
  },
  MDB: {
    name: 'MDB',
    description: 'broken power law, continuous at tc: t^s1 on (tau, tc), tc^(s1-s2) t^s2 above',
    params: ['logTau', 's1', 's2', 'logTc'],
    labels: ['log10(tau/yr)', 's1', 's2', 'log10(tc/yr)'],
    start: [8, -0.3, -1.3, 9.5],
    bounds: [[7.3, 9], [-6, 0], [-6, 0], [9, 10.5]],
    cornerBins: 20,
  },
  MDC: {
    name: 'MDC',
    description: 'one slope s with a jump by r at tc',
    params: ['logTau', 's', 'logR', 'logTc'],
    labels: ['log10(tau/yr)', 's', 'log10(r)', 'log10(tc/yr)'],
    start: [8, -1.3, 0.5, 9.5],
    bounds: [[7.3, 9], [-6, 0], [-3, 3], [9, 10.5]],
    cornerBins: 30,
  },
  MDD: {
    name: 'MDD',
    description: 'two slopes s1, s2 and a jump by r at tc',
    params: ['logTau', 's1', 's2', 'logR', 'logTc'],
    labels: ['log10(tau/yr)', 's1', 's2', 'log10(r)', 'log10(tc/yr)'],
    start: [8, -1.3, -1.2, 0.5, 9.5],
    bounds: [[7.3, 9], [-6, 0], [-6, 0], [-3, 3], [9, 10.5]],
    cornerBins: 30,
  },
};

/**
 * The notebook's prior: 0 inside the box, -inf outside, tested exactly as LnLike does (on
 * 10**logTau against 10**7.3 and so on, with its mix of open and closed ends: MDA's
 * s >= -0.5 is out, every other upper bound is in).
 */
export function logPrior(model: DtdModel, p: ArrayLike<number>): number {
  const out = Number.NEGATIVE_INFINITY;
  const tau = 10 ** p[0]!;
  if (tau < 10 ** 7.3) return out;
  switch (model) {
    case 'MDA': {
      const s = p[1]!;
      if (tau > 10 ** 10) return out;
      if (s >= -0.5) return out;
      if (s < -6) return out;
      return 0;
    }
    case 'MDB': {
      const tc = 10 ** p[3]!;
      if (tau > 10 ** 9 || tc < 10 ** 9 || tc > 10 ** 10.5) return out;
      for (const s of [p[1]!, p[2]!]) if (s > 0 || s < -6) return out;
      return 0;
    }
    case 'MDC': {
      const tc = 10 ** p[3]!;
      const ratio = 10 ** p[2]!;
      if (tau > 10 ** 9 || tc < 10 ** 9 || tc > 10 ** 10.5) return out;
      if (p[1]! < -6 || p[1]! > 0) return out;
      if (ratio > 1000 || ratio < 10 ** -3) return out;
      return 0;
    }
    case 'MDD': {
      const tc = 10 ** p[4]!;
      const ratio = 10 ** p[3]!;
      if (tau > 10 ** 9 || tc < 10 ** 9 || tc > 10 ** 10.5) return out;
      for (const s of [p[1]!, p[2]!]) if (s < -6 || s > 0) return out;
      if (ratio > 1000 || ratio < 0.001) return out;
      return 0;
    }
  }
}

/** `(max(e, lo)**q - max(b, lo)**q) / q`-style clamp helpers, in numpy's order of masking. */
function clampLow(t: number, lo: number): number {
  return t < lo ? lo : t;
}
function clampHigh(t: number, hi: number): number {
  return t > hi ? hi : t;
}

/**
 * How a bin's power-law integral, the integral of scale * t^s from a to b, is evaluated.
 * - 'notebook' (default): `((b**(s+1) - a**(s+1)) * scale) / (1+s)`, the notebook's
 *   expression bit for bit. Near s = -1 it is a difference of nearly equal powers divided
 *   by a nearly zero number: its relative error is ~2e-7 at 1e-9 from s = -1, ~1e-3 at
 *   1e-12, and at s = -1 exactly it is 0/0 = NaN (ln L = -inf there, so the sampler never
 *   stays on that line).
 * - 'stable' (opt-in, `--set dtdIntegral=stable`): `scale * a**q * expm1(q L) / q` with
 *   q = s+1 and L = log1p((b-a)/a) = ln(b/a), exact to a few ulps for every s, and at
 *   s = -1 the limit `scale * ln(b/a)`.
 */
export type DtdIntegral = 'notebook' | 'stable';

/** The notebook's `((b**(s+1) - a**(s+1)) * scale) / (1+s)`, operation for operation. */
function notebookIntegral(a: number, b: number, s: number, scale: number): number {
  return ((b ** (s + 1) - a ** (s + 1)) * scale) / (1 + s);
}

/** `scale * a**q * expm1(q L) / q`, L = log1p((b-a)/a); `scale * L` at q = 0. */
function stableIntegral(a: number, b: number, s: number, scale: number): number {
  // q = s + 1 is exact near s = -1 (Sterbenz), and b - a is exact for b <= 2a.
  const q = s + 1;
  const L = Math.log1p((b - a) / a);
  return scale * a ** q * (q === 0 ? L : Math.expm1(q * L) / q);
}

/** The integral of scale * t^s over [a, b] (a <= b, both > 0), evaluated per `integral`. */
export function powerLawIntegral(a: number, b: number, s: number, scale: number, integral: DtdIntegral): number {
  return integral === 'notebook' ? notebookIntegral(a, b, s, scale) : stableIntegral(a, b, s, scale);
}

/**
 * The notebook's `DTDint(ageBorder[:-1], ageBorder[1:], ...)`: the DTD integrated over
 * each age bin (not yet normalised), written into `out` (length edges.length - 1).
 * `p` holds the sampled parameters; the integrals use 10**logTau etc. as LnLike does.
 * With `integral` = 'notebook' (the default) every value is the notebook's expression
 * (a factor `* 1` where the notebook has `* A` with A = 1 changes no bit).
 */
export function dtdBinIntegrals(
  model: DtdModel,
  p: ArrayLike<number>,
  edges: Float64Array = AGE_EDGES_YR,
  out: Float64Array = new Float64Array(edges.length - 1),
  integral: DtdIntegral = 'notebook',
): Float64Array {
  const n = edges.length - 1;
  const tau = 10 ** p[0]!;
  // (one function per call, so the sampler's hot loop stays monomorphic)
  const part = integral === 'notebook' ? notebookIntegral : stableIntegral;
  switch (model) {
    case 'MDA': {
      const s = p[1]!;
      for (let i = 0; i < n; i++) out[i] = part(clampLow(edges[i]!, tau), clampLow(edges[i + 1]!, tau), s, 1);
      return out;
    }
    case 'MDB': {
      const [s1, s2, tc] = [p[1]!, p[2]!, 10 ** p[3]!];
      const A = 1;
      const B = A * tc ** (s1 - s2);
      for (let i = 0; i < n; i++) {
        const aPart = Math.abs(part(clampHigh(clampLow(edges[i]!, tau), tc), clampHigh(clampLow(edges[i + 1]!, tau), tc), s1, A));
        const bPart = Math.abs(part(clampLow(edges[i]!, tc), clampLow(edges[i + 1]!, tc), s2, B));
        out[i] = aPart + bPart;
      }
      return out;
    }
    case 'MDC': {
      const [s, ratio, tc] = [p[1]!, 10 ** p[2]!, 10 ** p[3]!];
      const A = 1;
      const B = A * ratio;
      for (let i = 0; i < n; i++) {
        const aPart = part(clampHigh(clampLow(edges[i]!, tau), tc), clampHigh(clampLow(edges[i + 1]!, tau), tc), s, A);
        const bPart = part(clampLow(edges[i]!, tc), clampLow(edges[i + 1]!, tc), s, B);
        out[i] = aPart + bPart;
      }
      return out;
    }
    case 'MDD': {
      const [s1, s2, ratio, tc] = [p[1]!, p[2]!, 10 ** p[3]!, 10 ** p[4]!];
      const A = 1;
      // The notebook's `ratio*A*tc**s1/tc**s2`, evaluated left to right.
      const B = (ratio * A * tc ** s1) / tc ** s2;
      for (let i = 0; i < n; i++) {
        const aPart = part(clampHigh(clampLow(edges[i]!, tau), tc), clampHigh(clampLow(edges[i + 1]!, tau), tc), s1, A);
        const bPart = part(clampLow(edges[i]!, tc), clampLow(edges[i + 1]!, tc), s2, B);
        out[i] = aPart + bPart;
      }
      return out;
    }
  }
}
