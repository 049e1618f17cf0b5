/**
 * Turns a galaxy model into the arrays of its files: the MUSE cube (DATA, STAT) and, for SN Ia
 * hosts, the pPXF output (best-fit spectra and SFH weights). The cube is drawn from the true
 * star-formation history; the pPXF output is a noisy measurement of it, the way a real fit is.
 */
import type { GalaxySpec } from './spec.ts';
import { DiskGeometry, componentMaps } from './model.ts';
import { Rng } from './prng.ts';
import { N_TEMPLATES, SPEED_OF_LIGHT_KMS, burstWeights, combine, templateMatrix, youngFraction } from './ssp.ts';

/** Spectral axis of every example cube: MUSE's 1.25 A sampling resampled by 3, from 4750 A. */
export const SPECTRAL_AXIS = { crval: 4750, step: 3.75, nwave: 360 } as const;

/** The arrays written for one galaxy, C-ordered in numpy axis order. */
export interface GalaxyArrays {
  /** (nwave, ny, nx) flux, 1e-20 erg/s/cm2/A; NaN outside the field and in bad spaxels/voxels. */
  readonly data: Float32Array;
  /** (nwave, ny, nx) variance of `data`. */
  readonly stat: Float32Array;
  /** (nwave, ny, nx) pPXF best fit per solar mass; NaN where pPXF was not run. Null for core-collapse hosts. */
  readonly bestfit: Float32Array | null;
  /** (50, 7, ny, nx) pPXF mass weights; NaN where pPXF was not run. Null for core-collapse hosts. */
  readonly weights: Float64Array | null;
  /** (ny, nx) true stellar mass per spaxel, solar masses (for checks, not written). */
  readonly mass: Float64Array;
  /** (ny, nx) 1 where pPXF was run. */
  readonly fitted: Uint8Array;
}

// Sky emission lines (observed air A) whose residuals raise the variance, and how much.
const SKY_LINES: readonly (readonly [number, number])[] = [
  [5577.34, 6],
  [5889.95, 2.5],
  [5895.92, 2],
  [6300.3, 4],
];
// Nebular lines (rest air A) in star-forming spaxels, relative strength: DATA only, pPXF fits stars.
const NEBULAR: readonly (readonly [number, number])[] = [
  [4861.33, 1],
  [4958.91, 0.35],
  [5006.84, 1.05],
  [5875.6, 0.12],
];
const SKY_SIGMA = 14;
const GAIN = 0.6;
const MIN_SNR = 3;

/** Observed wavelengths of the spectral axis. */
export function wavelengths(): Float64Array {
  const w = new Float64Array(SPECTRAL_AXIS.nwave);
  for (let k = 0; k < w.length; k++) w[k] = SPECTRAL_AXIS.crval + SPECTRAL_AXIS.step * k;
  return w;
}

/** Per-channel sky noise sigma: bluer is noisier, sky lines leave residuals. */
function skySigma(wave: Float64Array): Float64Array {
  const s = new Float64Array(wave.length);
  for (let k = 0; k < wave.length; k++) {
    const l = wave[k] ?? 0;
    let v = (SKY_SIGMA * (1.3 - (0.3 * (l - 4750)) / 1350)) ** 2;
    for (const [c, a] of SKY_LINES) v += (a * SKY_SIGMA) ** 2 * Math.exp(-0.5 * ((l - c) / 2) ** 2);
    s[k] = Math.sqrt(v);
  }
  return s;
}

/**
 * Which spaxels the field covers: a square turned by the footprint angle, with ragged edges
 * (MUSE's slices do not all end at the same place) and a few dead spaxels, never on the SN.
 */
function fieldMask(g: GalaxySpec, rng: Rng): Uint8Array {
  const { nx, ny } = g;
  const m = new Uint8Array(nx * ny);
  const a = (g.footprint.angleDeg * Math.PI) / 180;
  const cx = (nx - 1) / 2;
  const cy = (ny - 1) / 2;
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const u = (x - cx) * Math.cos(a) + (y - cy) * Math.sin(a);
      const v = -(x - cx) * Math.sin(a) + (y - cy) * Math.cos(a);
      m[y * nx + x] = Math.abs(u) <= g.footprint.half && Math.abs(v) <= g.footprint.half ? 1 : 0;
    }
  }
  const nearSn = (x: number, y: number): boolean => Math.abs(x - g.sn.x) < 2.5 && Math.abs(y - g.sn.y) < 2.5;
  for (const p of [0.45, 0.25]) {
    const before = m.slice();
    const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= nx || y >= ny ? 0 : (before[y * nx + x] ?? 0));
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const edge = at(x - 1, y) === 0 || at(x + 1, y) === 0 || at(x, y - 1) === 0 || at(x, y + 1) === 0;
        if (at(x, y) === 1 && edge && rng.uniform() < p && !nearSn(x, y)) m[y * nx + x] = 0;
      }
    }
  }
  for (let dead = 0; dead < 5; ) {
    const x = rng.int(nx);
    const y = rng.int(ny);
    if (m[y * nx + x] === 1 && !nearSn(x, y)) {
      m[y * nx + x] = 0;
      dead++;
    }
  }
  return m;
}

/** `out[k] = spec(wave[k] / (1 + v/c))` by linear interpolation on the same grid: a Doppler shift. */
function shift(spec: Float64Array, velocity: number, out: Float64Array): void {
  const n = spec.length;
  const factor = 1 / (1 + velocity / SPEED_OF_LIGHT_KMS);
  for (let k = 0; k < n; k++) {
    const lam = SPECTRAL_AXIS.crval + SPECTRAL_AXIS.step * k;
    const f = Math.min(n - 1, Math.max(0, (lam * factor - SPECTRAL_AXIS.crval) / SPECTRAL_AXIS.step));
    const i = Math.min(n - 2, Math.floor(f));
    const t = f - i;
    out[k] = (spec[i] ?? 0) * (1 - t) + (spec[i + 1] ?? 0) * t;
  }
}

function median(values: Float64Array): number {
  const s = Float64Array.from(values).sort();
  const h = s.length >> 1;
  return s.length % 2 === 1 ? (s[h] ?? 0) : 0.5 * ((s[h - 1] ?? 0) + (s[h] ?? 0));
}

/** Builds every array of one galaxy. Deterministic: each random draw comes from a named stream. */
export function buildGalaxy(g: GalaxySpec): GalaxyArrays {
  const { nx, ny } = g;
  const nw = SPECTRAL_AXIS.nwave;
  const npix = nx * ny;
  const wave = wavelengths();
  const templates = templateMatrix(wave, g.redshift);
  const maps = componentMaps(g);
  const compW = g.components.map((c) => burstWeights(c.sfh));
  const compSpec = compW.map((w) => {
    const s = new Float64Array(nw);
    combine(w, templates, s);
    return s;
  });
  const compYoung = compW.map(youngFraction);
  // Peak of the nebular lines per solar mass of <100 Myr stars: twice the 5500 A continuum
  // of the youngest solar-metallicity template (row 5: age 0, [M/H] = 0).
  const nebularScale = 2 * (templates[5 * nw + Math.round((5500 * (1 + g.redshift) - SPECTRAL_AXIS.crval) / SPECTRAL_AXIS.step)] ?? 0);
  const sky = skySigma(wave);
  const medianSky = median(sky);
  const geo = new DiskGeometry(g);
  const field = fieldMask(g, new Rng(`${g.id}/field`));
  const noise = new Rng(`${g.id}/noise`);
  const badVoxels = new Rng(`${g.id}/bad-voxels`);
  const wNoise = new Rng(`${g.id}/weights`);
  const isIa = g.snType === 'Ia';

  const data = new Float32Array(nw * npix);
  const stat = new Float32Array(nw * npix);
  const bestfit = isIa ? new Float32Array(nw * npix).fill(Number.NaN) : null;
  const weights = isIa ? new Float64Array(N_TEMPLATES * npix).fill(Number.NaN) : null;
  const mass = new Float64Array(npix);
  const fitted = new Uint8Array(npix);
  const rest = new Float64Array(nw);
  const light = new Float64Array(nw);
  const w = new Float64Array(N_TEMPLATES);
  const wFit = new Float64Array(N_TEMPLATES);

  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const p = y * nx + x;
      rest.fill(0);
      let m = 0;
      let young = 0;
      for (let c = 0; c < maps.length; c++) {
        const mc = maps[c]?.[p] ?? 0;
        m += mc;
        young += mc * (compYoung[c] ?? 0);
        const s = compSpec[c];
        if (s === undefined) continue;
        for (let k = 0; k < nw; k++) rest[k] = (rest[k] ?? 0) + mc * (s[k] ?? 0);
      }
      mass[p] = m;
      const v = geo.velocity(x, y);
      shift(rest, v, light);
      // Draw the noise even for dead spaxels so the field mask never shifts the noise stream.
      for (let k = 0; k < nw; k++) {
        const l = light[k] ?? 0;
        let em = 0;
        for (const [c, a] of NEBULAR) {
          const d = (wave[k]! - c * (1 + g.redshift) * (1 + v / SPEED_OF_LIGHT_KMS)) / 2.2;
          if (d * d < 40) em += a * Math.exp(-0.5 * d * d);
        }
        const variance = sky[k]! ** 2 + GAIN * Math.max(l, 0);
        const value = l + em * nebularScale * young + Math.sqrt(variance) * noise.normal();
        const bad = badVoxels.uniform() < 4e-4;
        const i = k * npix + p;
        const ok = field[p] === 1;
        data[i] = ok && !bad ? value : Number.NaN;
        stat[i] = ok ? variance : Number.NaN;
      }
      const snr = median(light) / medianSky;
      if (field[p] !== 1 || snr < MIN_SNR || m <= 0) continue;
      fitted[p] = 1;
      if (bestfit === null || weights === null) continue;

      // pPXF's answer: the true weights with multiplicative noise that grows at low S/N, and a
      // total that falls below 1 near the detection limit (the notebook's 0.8 cut removes those).
      w.fill(0);
      for (let c = 0; c < maps.length; c++) {
        const f = (maps[c]?.[p] ?? 0) / m;
        const cw = compW[c];
        if (cw === undefined) continue;
        for (let j = 0; j < N_TEMPLATES; j++) w[j] = (w[j] ?? 0) + f * (cw[j] ?? 0);
      }
      const sigma = 0.2 + 1 / Math.sqrt(snr);
      let sum = 0;
      for (let j = 0; j < N_TEMPLATES; j++) {
        const wj = w[j] ?? 0;
        const r = wNoise.normal();
        const noisy = wj === 0 ? 0 : wj * Math.exp(sigma * r - 0.5 * sigma * sigma);
        wFit[j] = noisy;
        sum += noisy;
      }
      const target = 1 + 0.02 * wNoise.normal() - 0.45 * Math.exp(-(snr - MIN_SNR) / 1.5);
      for (let j = 0; j < N_TEMPLATES; j++) {
        const wj = ((wFit[j] ?? 0) / sum) * target;
        wFit[j] = wj;
        weights[j * npix + p] = wj;
      }
      // The best fit is per solar mass of the fitted mixture, whatever the weights' total.
      combine(wFit, templates, rest);
      for (let k = 0; k < nw; k++) rest[k] = (rest[k] ?? 0) / target;
      shift(rest, v, light);
      for (let k = 0; k < nw; k++) bestfit[k * npix + p] = light[k] ?? 0;
    }
  }
  return { data, stat, bestfit, weights, mass, fitted };
}
