/**
 * Toy single-stellar-population templates on the notebook's 50 x 7 MILES grid. They are not
 * MILES spectra: a black body whose temperature falls with age, a mass-to-light ratio that
 * rises with age, Balmer lines that peak at a few hundred Myr and metal lines that grow with
 * age and [M/H]. That is enough for `median(DATA) / median(bestfit)` to recover the mass and
 * for the spectra to look like galaxies.
 */
import type { Burst } from './spec.ts';

/** Number of ages on the grid (MILES: 10**(-1.2 + 0.05 i) Gyr, 63 Myr to 17.8 Gyr). */
export const N_AGES = 50;
/** [M/H] of the 7 MILES/Padova metallicities. */
export const METALLICITIES: readonly number[] = [-2.32, -1.71, -1.31, -0.71, -0.4, 0.0, 0.22];
/** Number of metallicities on the grid. */
export const N_METALS = METALLICITIES.length;
/** Templates on the grid; template `j = age * N_METALS + metal`, the order of the weights HDU. */
export const N_TEMPLATES = N_AGES * N_METALS;

/** log10 of the age in Gyr of age index `i`, as the notebook's grid. */
export function logAgeOf(i: number): number {
  return -1.2 + 0.05 * i;
}

// Older than the Universe is not a solution pPXF is allowed to find (14.1 Gyr is index 47).
const MAX_LOG_AGE = 1.14;
const C_KMS = 299792.458;
const H0 = 70;
// Specific luminosity of the Sun near 5500 A, erg/s/A; flux unit of the cubes is 1e-20 cgs.
const L_SUN_5500 = 5e29;
const MPC_CM = 3.0857e24;

/**
 * Mass weights of a star-formation history made of log-normal bursts: `N_TEMPLATES`
 * values summing to 1, zero beyond the age of the Universe.
 */
export function burstWeights(bursts: readonly Burst[]): Float64Array {
  const w = new Float64Array(N_TEMPLATES);
  let total = 0;
  for (let i = 0; i < N_AGES; i++) {
    const la = logAgeOf(i);
    if (la > MAX_LOG_AGE) continue;
    for (let m = 0; m < N_METALS; m++) {
      const mh = METALLICITIES[m] ?? 0;
      let v = 0;
      for (const b of bursts) {
        const da = (la - b.logAge) / b.width;
        const dz = (mh - b.mh) / b.mhWidth;
        v += b.amp * Math.exp(-0.5 * (da * da + dz * dz));
      }
      w[i * N_METALS + m] = v;
      total += v;
    }
  }
  // Far tails are set to exact zeros, as pPXF reports unused templates; it also lets
  // `combine` skip most of the grid.
  for (let j = 0; j < w.length; j++) {
    const v = (w[j] ?? 0) / total;
    w[j] = v < 1e-8 ? 0 : v;
  }
  return w;
}

/** Mass-to-light ratio near 5500 A in solar units: ~0.05 at 63 Myr, ~4 at 12 Gyr. */
function massToLight(ageGyr: number, mh: number): number {
  return 1.9 * Math.pow(ageGyr / 5, 0.85) * Math.max(0.4, 1 + 0.25 * mh);
}

/** Planck B_lambda(T) up to a constant, lambda in Angstrom. */
function planck(lambda: number, temp: number): number {
  const x = 1.4388e8 / (lambda * temp);
  return 1 / (Math.pow(lambda, 5) * (Math.exp(x) - 1));
}

interface Line {
  readonly center: number;
  readonly sigma: number;
  readonly kind: 'balmer' | 'metal';
  readonly weight: number;
}

// Rest-frame air wavelengths (A) of the strongest absorption features in the MUSE blue end.
const LINES: readonly Line[] = [
  { center: 4861.33, sigma: 6, kind: 'balmer', weight: 1 },
  { center: 6562.8, sigma: 7, kind: 'balmer', weight: 1.2 },
  { center: 5167.3, sigma: 3, kind: 'metal', weight: 0.8 },
  { center: 5172.7, sigma: 3, kind: 'metal', weight: 1 },
  { center: 5183.6, sigma: 3, kind: 'metal', weight: 1 },
  { center: 5269.0, sigma: 3.5, kind: 'metal', weight: 0.7 },
  { center: 5335.1, sigma: 3.5, kind: 'metal', weight: 0.6 },
  { center: 5406.0, sigma: 3.5, kind: 'metal', weight: 0.4 },
  { center: 5889.95, sigma: 3, kind: 'metal', weight: 0.9 },
  { center: 5895.92, sigma: 3, kind: 'metal', weight: 0.8 },
  { center: 6162.2, sigma: 3, kind: 'metal', weight: 0.4 },
];

/** Luminosity distance in cm from the Hubble law (good enough below z = 0.05). */
export function luminosityDistanceCm(z: number): number {
  return ((C_KMS * z) / H0) * (1 + z / 2) * MPC_CM;
}

/**
 * The template matrix: `N_TEMPLATES` rows of `wave.length` fluxes, each the spectrum of one
 * solar mass of that population at redshift `z`, in 1e-20 erg/s/cm2/A, sampled at the
 * observed air wavelengths `wave`.
 */
export function templateMatrix(wave: Float64Array, z: number): Float64Array {
  const nw = wave.length;
  const out = new Float64Array(N_TEMPLATES * nw);
  const dl = luminosityDistanceCm(z);
  const fluxPerLsun = (L_SUN_5500 / (4 * Math.PI * dl * dl) / (1 + z)) * 1e20;
  for (let i = 0; i < N_AGES; i++) {
    const la = logAgeOf(i);
    const age = Math.pow(10, la);
    // Balmer strength peaks for A stars (~0.45 Gyr); metal lines grow with age and [M/H].
    const balmer = 0.06 + 0.3 * Math.exp(-0.5 * ((la + 0.35) / 0.4) ** 2);
    const ageMetal = Math.min(1, Math.max(0, (la + 0.5) / 1.6));
    for (let m = 0; m < N_METALS; m++) {
      const mh = METALLICITIES[m] ?? 0;
      const temp = 5000 + 8000 * Math.pow(age / 0.063, -0.45) - 500 * mh;
      const metal = Math.max(0.01, (0.04 + 0.1 * ageMetal) * (1 + 0.5 * mh));
      const norm = fluxPerLsun / massToLight(age, mh) / planck(5500, temp);
      const row = (i * N_METALS + m) * nw;
      for (let k = 0; k < nw; k++) {
        const rest = (wave[k] ?? 0) / (1 + z);
        let f = planck(rest, temp) * norm;
        for (const line of LINES) {
          const d = (rest - line.center) / line.sigma;
          if (d * d > 50) continue;
          const depth = line.weight * (line.kind === 'balmer' ? balmer : metal);
          f *= 1 - Math.min(0.9, depth) * Math.exp(-0.5 * d * d);
        }
        out[row + k] = f;
      }
    }
  }
  return out;
}

/** `out = sum_j w[j] * templates[j]`, skipping zero weights (most of the grid). */
export function combine(w: Float64Array, templates: Float64Array, out: Float64Array): void {
  const nw = out.length;
  out.fill(0);
  for (let j = 0; j < w.length; j++) {
    const wj = w[j] ?? 0;
    if (wj === 0) continue;
    const row = j * nw;
    for (let k = 0; k < nw; k++) out[k]! += wj * templates[row + k]!;
  }
}

/** Fraction of a weight vector's mass younger than 100 Myr (drives the emission lines). */
export function youngFraction(w: Float64Array): number {
  let young = 0;
  let total = 0;
  for (let i = 0; i < N_AGES; i++) {
    for (let m = 0; m < N_METALS; m++) {
      const v = w[i * N_METALS + m] ?? 0;
      total += v;
      if (logAgeOf(i) < -1) young += v;
    }
  }
  return total > 0 ? young / total : 0;
}

/** Speed of light, km/s, for the Doppler shifts. */
export const SPEED_OF_LIGHT_KMS = C_KMS;
