/**
 * The benchmark galaxy: the example dataset's face-on spiral (galaxy 122 of src/example:
 * old bulge, intermediate-age disk, star-forming arms, young knots) scaled to fill a MUSE
 * field of any size, so clustering it converges the way a real host does. The model
 * functions of src/example (component mass maps, SSP templates, burst weights) are reused
 * as they are; what differs is that the spectra are evaluated one wavelength plane at a
 * time, so a 1.3 GB cube is never held in memory.
 */
import { GALAXIES } from '../../src/example/galaxies.ts';
import { componentMaps, DiskGeometry, PIXEL_ARCSEC } from '../../src/example/model.ts';
import { Rng } from '../../src/example/prng.ts';
import type { Component, GalaxySpec, Shape } from '../../src/example/spec.ts';
import { burstWeights, combine, N_TEMPLATES, SPEED_OF_LIGHT_KMS, templateMatrix } from '../../src/example/ssp.ts';

/** MUSE's native wavelength grid: 3681 channels of 1.25 A from 4750 A. */
export const MUSE_AXIS = { crval: 4750, step: 1.25, nwave: 3681 } as const;

/** What defines one benchmark galaxy. */
export interface BenchGalaxy {
  readonly id: number;
  readonly snName: string;
  /** Spaxels per side (the field is square). */
  readonly n: number;
  /** Wavelength channels (3681 for MUSE). */
  readonly nwave: number;
  /** Arcsec per spaxel: 0.6 for a 3x3-binned cube, 0.2 at full resolution. */
  readonly pixelScale: number;
  /** Seeing FWHM in arcsec (`SKY_RES`). */
  readonly seeing: number;
  /** Whether the cube gets a STAT extension (omitted at full resolution to save 1.3 GB of disk). */
  readonly stat: boolean;
  /** The example galaxy's geometry, scaled to this grid (seeing expressed for componentMaps). */
  readonly model: GalaxySpec;
}

/** Linear size of the galaxy in this grid's pixels relative to the example's (44 x 40) grid. */
function scaleOf(n: number): number {
  return (2.2 * n) / 100;
}

function scaleShape(s: Shape, f: number): Shape {
  switch (s.kind) {
    case 'sersic':
      return { ...s, re: s.re * f };
    case 'exponential':
      return s.window === undefined ? { ...s, h: s.h * f } : { ...s, h: s.h * f, window: { ...s.window, r0: s.window.r0 * f, w: s.window.w * f } };
    case 'arms':
      return { ...s, h: s.h * f, rIn: s.rIn * f };
    case 'ring':
      return { ...s, radius: s.radius * f, width: s.width * f };
    case 'knots':
      return { ...s, sigma: s.sigma * f, at: s.at.map((p) => ({ ...p, r: p.r * f })) };
  }
}

/**
 * The benchmark galaxy on an n x n grid of `pixelScale` arcsec spaxels. The galaxy spans the
 * same fraction of the field at every size (a 100 x 100 binned cube and a 300 x 300
 * full-resolution one show the same galaxy); the surface density per spaxel is kept, so the
 * S/N per spaxel is the same at every size (as if the full-resolution cube were deeper).
 */
export function benchGalaxy(o: { id: number; snName: string; n: number; nwave: number; pixelScale: number; stat: boolean }): BenchGalaxy {
  const base = GALAXIES.find((g) => g.id === 122);
  if (base === undefined) throw new Error('bench: the example galaxy 122 is missing from src/example/galaxies.ts');
  const f = scaleOf(o.n);
  const c0 = { x: (base.nx - 1) / 2, y: (base.ny - 1) / 2 };
  const mid = (o.n - 1) / 2;
  const at = (p: { x: number; y: number }) => ({ x: mid + (p.x - c0.x) * f, y: mid + (p.y - c0.y) * f });
  const components: Component[] = base.components.map((c) => ({ ...c, shape: scaleShape(c.shape, f) }));
  const model: GalaxySpec = {
    ...base,
    id: o.id,
    snName: o.snName,
    nx: o.n,
    ny: o.n,
    center: at(base.center),
    rTurn: base.rTurn * f,
    components,
    // componentMaps blurs by seeing / 0.6" / 2.355 pixels: express the seeing in its units.
    seeing: (base.seeing * PIXEL_ARCSEC) / o.pixelScale,
    footprint: { angleDeg: 0, half: o.n / 2 },
    sn: at(base.sn),
  };
  return { id: o.id, snName: o.snName, n: o.n, nwave: o.nwave, pixelScale: o.pixelScale, seeing: base.seeing, stat: o.stat, model };
}

/** Observed wavelengths of a galaxy's spectral axis. */
export function wavelengths(nwave: number): Float64Array {
  const w = new Float64Array(nwave);
  for (let k = 0; k < nwave; k++) w[k] = MUSE_AXIS.crval + MUSE_AXIS.step * k;
  return w;
}

/** Per-channel sky noise sigma (bluer is noisier, sky lines leave residuals), as src/example/cube.ts. */
function skySigma(wave: Float64Array): Float64Array {
  const lines: readonly (readonly [number, number])[] = [
    [5577.34, 6],
    [5889.95, 2.5],
    [5895.92, 2],
    [6300.3, 4],
    [6363.8, 1.5],
  ];
  const s = new Float64Array(wave.length);
  for (let k = 0; k < wave.length; k++) {
    const l = wave[k]!;
    let v = (14 * (1.3 - (0.3 * (l - 4750)) / 4600)) ** 2;
    for (const [c, a] of lines) v += (a * 14) ** 2 * Math.exp(-0.5 * ((l - c) / 2) ** 2);
    s[k] = Math.sqrt(v);
  }
  return s;
}

function median(values: ArrayLike<number>): number {
  const s = Float64Array.from(values).sort();
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
}

/**
 * Which spaxels MUSE covers: the whole square but a ragged edge (slices do not all end at the
 * same place) and a few dead spaxels, never near the SN.
 */
function fieldMask(g: BenchGalaxy, rng: Rng): Uint8Array {
  const n = g.n;
  const m = new Uint8Array(n * n).fill(1);
  const sn = g.model.sn;
  const nearSn = (x: number, y: number) => Math.abs(x - sn.x) < 2.5 && Math.abs(y - sn.y) < 2.5;
  for (const p of [0.5, 0.3]) {
    const before = m.slice();
    const at = (x: number, y: number) => (x < 0 || y < 0 || x >= n || y >= n ? 0 : before[y * n + x]!);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const edge = at(x - 1, y) === 0 || at(x + 1, y) === 0 || at(x, y - 1) === 0 || at(x, y + 1) === 0;
        if (at(x, y) === 1 && edge && rng.uniform() < p && !nearSn(x, y)) m[y * n + x] = 0;
      }
    }
  }
  const dead = Math.max(1, Math.round((n * n) / 2000));
  for (let d = 0; d < dead; ) {
    const x = rng.int(n);
    const y = rng.int(n);
    if (m[y * n + x] === 1 && !nearSn(x, y)) {
      m[y * n + x] = 0;
      d++;
    }
  }
  return m;
}

// A spaxel is fitted by pPXF when its continuum S/N per channel reaches this.
const MIN_SNR = 3;
const GAIN = 0.6;

/**
 * Everything per spaxel that the cube planes and the pPXF output are computed from. Only
 * (ny * nx)-sized maps and the (ncomp x nwave) component spectra: a few MB even at 300 x 300.
 */
export interface GalaxyMaps {
  readonly npix: number;
  readonly ncomp: number;
  /** Mass of component c in spaxel p at [p * ncomp + c] (solar masses). */
  readonly compMass: Float64Array;
  /** Total mass per spaxel. */
  readonly mass: Float64Array;
  /** 1 / (1 + v/c) per spaxel: the Doppler factor of its rest wavelengths. */
  readonly doppler: Float64Array;
  /** 1 inside the field. */
  readonly field: Uint8Array;
  /** 1 where pPXF was run (in the field and S/N >= 3). */
  readonly fitted: Uint8Array;
  /** Total of the fitted weights (below 1 near the detection limit). */
  readonly target: Float64Array;
  /** Continuum S/N per channel. */
  readonly snr: Float64Array;
  /** Rest-frame spectrum of one solar mass of each component, [c * nwave + k], on the observed grid. */
  readonly compSpec: Float64Array;
  /** Mass weights (N_TEMPLATES) of each component, [c * N_TEMPLATES + j]. */
  readonly compWeights: Float64Array;
  /** Sky noise sigma per channel. */
  readonly sky: Float64Array;
}

/** Builds the per-spaxel maps of a benchmark galaxy. Deterministic. */
export function galaxyMaps(g: BenchGalaxy): GalaxyMaps {
  const npix = g.n * g.n;
  const wave = wavelengths(g.nwave);
  const templates = templateMatrix(wave, g.model.redshift);
  const maps = componentMaps(g.model);
  const ncomp = maps.length;
  const compWeights = new Float64Array(ncomp * N_TEMPLATES);
  const compSpec = new Float64Array(ncomp * g.nwave);
  const compMedian = new Float64Array(ncomp);
  g.model.components.forEach((c, i) => {
    const w = burstWeights(c.sfh);
    compWeights.set(w, i * N_TEMPLATES);
    const s = compSpec.subarray(i * g.nwave, (i + 1) * g.nwave);
    combine(w, templates, s);
    compMedian[i] = median(s);
  });
  const sky = skySigma(wave);
  const medianSky = median(sky);
  const geo = new DiskGeometry(g.model);
  const field = fieldMask(g, new Rng(`bench/${g.id}/field`));
  const compMass = new Float64Array(npix * ncomp);
  const mass = new Float64Array(npix);
  const doppler = new Float64Array(npix);
  const fitted = new Uint8Array(npix);
  const target = new Float64Array(npix);
  const snr = new Float64Array(npix);
  const rng = new Rng(`bench/${g.id}/target`);
  for (let y = 0; y < g.n; y++) {
    for (let x = 0; x < g.n; x++) {
      const p = y * g.n + x;
      let m = 0;
      let light = 0;
      for (let c = 0; c < ncomp; c++) {
        const mc = maps[c]![p]!;
        compMass[p * ncomp + c] = mc;
        m += mc;
        light += mc * compMedian[c]!;
      }
      mass[p] = m;
      doppler[p] = 1 / (1 + geo.velocity(x, y) / SPEED_OF_LIGHT_KMS);
      snr[p] = light / medianSky;
      // Draw for every spaxel, so the field mask never shifts the stream.
      const t = 1 + 0.02 * rng.normal() - 0.45 * Math.exp(-(snr[p]! - MIN_SNR) / 1.5);
      if (field[p] !== 1 || snr[p]! < MIN_SNR || m <= 0) continue;
      fitted[p] = 1;
      target[p] = t;
    }
  }
  return { npix, ncomp, compMass, mass, doppler, field, fitted, target, snr, compSpec, compWeights, sky };
}

/**
 * pPXF's weights for every fitted spaxel: the true mixture of the components' weights with
 * multiplicative noise that grows at low S/N, scaled to the spaxel's `target` total (the
 * notebook's 0.8 cut removes the faint ones). Calls `put(p, w)` with the N_TEMPLATES weights
 * of spaxel p (ordered age * 7 + metallicity); `w` is reused between calls.
 */
export function forEachFittedWeights(g: BenchGalaxy, maps: GalaxyMaps, put: (p: number, w: Float64Array) => void): void {
  const rng = new Rng(`bench/${g.id}/weights`);
  const w = new Float64Array(N_TEMPLATES);
  const { ncomp, compMass, compWeights } = maps;
  for (let p = 0; p < maps.npix; p++) {
    if (maps.fitted[p] !== 1) continue;
    w.fill(0);
    const m = maps.mass[p]!;
    for (let c = 0; c < ncomp; c++) {
      const f = compMass[p * ncomp + c]! / m;
      const base = c * N_TEMPLATES;
      for (let j = 0; j < N_TEMPLATES; j++) w[j] = w[j]! + f * compWeights[base + j]!;
    }
    const sigma = 0.2 + 1 / Math.sqrt(maps.snr[p]!);
    let sum = 0;
    for (let j = 0; j < N_TEMPLATES; j++) {
      const r = rng.normal();
      const v = w[j] === 0 ? 0 : w[j]! * Math.exp(sigma * r - 0.5 * sigma * sigma);
      w[j] = v;
      sum += v;
    }
    const scale = maps.target[p]! / sum;
    for (let j = 0; j < N_TEMPLATES; j++) w[j] = w[j]! * scale;
    put(p, w);
  }
}

/** A fast deterministic noise source: a table of normals indexed by a xorshift32 stream. */
export class PlaneNoise {
  private readonly table: Float64Array;
  private state: number;

  constructor(name: string) {
    const rng = new Rng(`${name}/table`);
    this.table = new Float64Array(1 << 16);
    for (let i = 0; i < this.table.length; i++) this.table[i] = rng.normal();
    this.state = (rng.nextU32() | 1) >>> 0;
  }

  /** The next 32 random bits. */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** A standard normal deviate from the top 16 bits of `bits`. */
  normal(bits: number): number {
    return this.table[bits >>> 16]!;
  }
}

/**
 * Fills wavelength plane `k` of the observed cube (`data`, `stat`: flux and variance, NaN
 * outside the field, a few bad voxels) and of the pPXF best fit per solar mass (`bestfit`,
 * NaN where pPXF was not run). Planes must be requested in order 0, 1, ... (the noise is a
 * stream). Linear interpolation commutes with the sum over components, so shifting each
 * component spectrum per spaxel is the same as shifting the spaxel's spectrum.
 */
export function fillPlane(maps: GalaxyMaps, nwave: number, k: number, noise: PlaneNoise, data: Float32Array, stat: Float32Array | null, bestfit: Float32Array): void {
  const { npix, ncomp, compMass, compSpec, doppler, field, fitted, target, mass } = maps;
  const lam = MUSE_AXIS.crval + MUSE_AXIS.step * k;
  const sky2 = maps.sky[k]! ** 2;
  for (let p = 0; p < npix; p++) {
    let f = (lam * doppler[p]! - MUSE_AXIS.crval) / MUSE_AXIS.step;
    if (f < 0) f = 0;
    else if (f > nwave - 1) f = nwave - 1;
    let i = Math.floor(f);
    if (i > nwave - 2) i = nwave - 2;
    const t = f - i;
    let light = 0;
    const mb = p * ncomp;
    for (let c = 0; c < ncomp; c++) {
      const s = c * nwave + i;
      light += compMass[mb + c]! * (compSpec[s]! * (1 - t) + compSpec[s + 1]! * t);
    }
    const variance = sky2 + GAIN * (light > 0 ? light : 0);
    const bits = noise.next();
    if (field[p] === 1) {
      // About 4e-4 of the voxels are bad (cosmics, dead pixels): NaN in DATA only.
      data[p] = (bits & 0xffff) < 26 ? NaN : light + Math.sqrt(variance) * noise.normal(bits);
      if (stat !== null) stat[p] = variance;
    } else {
      data[p] = NaN;
      if (stat !== null) stat[p] = NaN;
    }
    bestfit[p] = fitted[p] === 1 ? light / mass[p]! / target[p]! : NaN;
  }
}
