/**
 * Mass maps of a galaxy's components as MUSE would see them: each profile is integrated
 * over the spaxel (3 x 3 sub-samples) and blurred by the seeing. Blurring each component's
 * mass map separately is exact, because each component has one spectrum per unit mass and
 * the seeing blurs light linearly.
 */
import type { Component, GalaxySpec, KnotPlace, Shape } from './spec.ts';

/** Arcsec per binned MUSE spaxel (0.2" native, 3 x 3 binned). */
export const PIXEL_ARCSEC = 0.6;

const DEG = Math.PI / 180;

/** A galaxy's disk-plane geometry: projects pixels to the disk plane and back. */
export class DiskGeometry {
  private readonly cos: number;
  private readonly sin: number;
  /** Apparent axis ratio of the disk (an intrinsic thickness of 0.15 keeps it finite edge-on). */
  readonly q: number;
  /** sin(inclination), for line-of-sight velocities. */
  readonly sinInc: number;

  constructor(private readonly g: GalaxySpec) {
    this.cos = Math.cos(g.paDeg * DEG);
    this.sin = Math.sin(g.paDeg * DEG);
    const ci = Math.cos(g.incDeg * DEG);
    this.q = Math.sqrt(ci * ci * (1 - 0.15 * 0.15) + 0.15 * 0.15);
    this.sinInc = Math.sin(g.incDeg * DEG);
  }

  /** Disk-plane radius (spaxels) and azimuth (radians, from the major axis) of pixel (x, y). */
  toDisk(x: number, y: number): { r: number; theta: number } {
    const dx = x - this.g.center.x;
    const dy = y - this.g.center.y;
    const u = dx * this.cos + dy * this.sin;
    const v = (-dx * this.sin + dy * this.cos) / this.q;
    return { r: Math.hypot(u, v), theta: Math.atan2(v, u) };
  }

  /** The pixel of disk-plane point (r, theta). */
  toPixel(r: number, theta: number): { x: number; y: number } {
    const u = r * Math.cos(theta);
    const v = r * Math.sin(theta) * this.q;
    return { x: this.g.center.x + u * this.cos - v * this.sin, y: this.g.center.y + u * this.sin + v * this.cos };
  }

  /** Line-of-sight velocity (km/s, relative to systemic) of pixel (x, y). */
  velocity(x: number, y: number): number {
    const { r, theta } = this.toDisk(x, y);
    return this.g.vmax * Math.tanh(r / this.g.rTurn) * Math.cos(theta) * this.sinInc;
  }
}

/**
 * Azimuth offset that makes arm 0 of a logarithmic spiral pass through the SN, so the SN of
 * the spiral example sits in an arm by construction rather than by tuning.
 */
function armPhase(geo: DiskGeometry, g: GalaxySpec, pitchDeg: number): number {
  const { r, theta } = geo.toDisk(g.sn.x, g.sn.y);
  return theta - Math.log(r) / Math.tan(pitchDeg * DEG);
}

function armsOf(g: GalaxySpec): Extract<Shape, { kind: 'arms' }> | undefined {
  for (const c of g.components) if (c.shape.kind === 'arms') return c.shape;
  return undefined;
}

/** Pixel positions of a knot component's knots. */
export function knotPixels(g: GalaxySpec, places: readonly KnotPlace[]): { x: number; y: number }[] {
  const geo = new DiskGeometry(g);
  const arms = armsOf(g);
  return places.map((p) => {
    if ('thetaDeg' in p) return geo.toPixel(p.r, p.thetaDeg * DEG);
    if (arms === undefined) throw new Error(`galaxy ${g.id}: a knot is placed on an arm, but it has no arms`);
    const phase = armPhase(geo, g, arms.pitchDeg);
    const theta = phase + Math.log(p.r) / Math.tan(arms.pitchDeg * DEG) + (2 * Math.PI * p.arm) / arms.arms;
    return geo.toPixel(p.r, theta);
  });
}

/** Sersic b_n (Ciotti & Bertin's expansion, good to 1e-4 for n > 0.5). */
function sersicB(n: number): number {
  return 2 * n - 1 / 3 + 0.009876 / n;
}

/** Surface density of one component at pixel (x, y), before the seeing. */
function densityAt(c: Component, g: GalaxySpec, geo: DiskGeometry, x: number, y: number, extra: ShapeCache): number {
  const s = c.shape;
  switch (s.kind) {
    case 'sersic': {
      const pa = (s.paDeg ?? g.paDeg) * DEG;
      const dx = x - g.center.x;
      const dy = y - g.center.y;
      const u = dx * Math.cos(pa) + dy * Math.sin(pa);
      const v = (-dx * Math.sin(pa) + dy * Math.cos(pa)) / s.q;
      // A 0.3-spaxel core keeps the n=4 cusp finite without changing any pixel but the centre.
      const r = Math.sqrt(u * u + v * v + 0.09);
      return c.mass * Math.exp(-sersicB(s.n) * (Math.pow(r / s.re, 1 / s.n) - 1));
    }
    case 'exponential': {
      const { r } = geo.toDisk(x, y);
      let f = Math.exp(-r / s.h);
      if (s.window !== undefined) {
        const t = 1 / (1 + Math.exp(-(r - s.window.r0) / s.window.w));
        f *= s.window.side === 'outer' ? t : 1 - t;
      }
      return c.mass * f;
    }
    case 'arms': {
      const { r, theta } = geo.toDisk(x, y);
      const rr = Math.max(r, 0.5);
      const psi = s.arms * (theta - extra.phase - Math.log(rr) / Math.tan(s.pitchDeg * DEG));
      const mod = Math.pow(0.5 * (1 + Math.cos(psi)), s.sharpness);
      const taper = 1 - Math.exp(-((r / s.rIn) ** 2));
      return c.mass * Math.exp(-r / s.h) * mod * taper;
    }
    case 'ring': {
      const { r } = geo.toDisk(x, y);
      const d = (r - s.radius) / s.width;
      return c.mass * Math.exp(-0.5 * d * d);
    }
    case 'knots': {
      let f = 0;
      for (const k of extra.knots) {
        const d2 = ((x - k.x) ** 2 + (y - k.y) ** 2) / (s.sigma * s.sigma);
        f += Math.exp(-0.5 * d2);
      }
      return c.mass * f;
    }
  }
}

interface ShapeCache {
  readonly phase: number;
  readonly knots: readonly { x: number; y: number }[];
}

/** 1-D Gaussian kernel of standard deviation `sigma`, cut at 3 sigma and summing to 1. */
function gaussianKernel(sigma: number): Float64Array {
  const half = Math.ceil(3 * sigma);
  const k = new Float64Array(2 * half + 1);
  let sum = 0;
  for (let i = -half; i <= half; i++) {
    const v = Math.exp(-0.5 * (i / sigma) ** 2);
    k[i + half] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] = (k[i] ?? 0) / sum;
  return k;
}

/**
 * Each component's mass per spaxel (solar masses), seeing-convolved, as `ny * nx` arrays in
 * the order of `g.components`. The profile is computed on a padded grid so the blur near the
 * cube's edge sees the galaxy beyond it.
 */
export function componentMaps(g: GalaxySpec): Float64Array[] {
  const geo = new DiskGeometry(g);
  const arms = armsOf(g);
  const sigma = g.seeing / PIXEL_ARCSEC / 2.355;
  const kernel = gaussianKernel(sigma);
  const half = (kernel.length - 1) / 2;
  const pw = g.nx + 2 * half;
  const ph = g.ny + 2 * half;
  return g.components.map((c) => {
    const cache: ShapeCache = {
      phase: arms === undefined ? 0 : armPhase(geo, g, arms.pitchDeg),
      knots: c.shape.kind === 'knots' ? knotPixels(g, c.shape.at) : [],
    };
    const padded = new Float64Array(pw * ph);
    for (let py = 0; py < ph; py++) {
      for (let px = 0; px < pw; px++) {
        let sum = 0;
        for (let sy = -1; sy <= 1; sy++) {
          for (let sx = -1; sx <= 1; sx++) {
            sum += densityAt(c, g, geo, px - half + sx / 3, py - half + sy / 3, cache);
          }
        }
        padded[py * pw + px] = sum / 9;
      }
    }
    // Separable blur: rows into `tmp`, then columns into the cropped output.
    const tmp = new Float64Array(pw * g.ny);
    for (let y = 0; y < g.ny; y++) {
      for (let px = 0; px < pw; px++) {
        let s = 0;
        for (let k = 0; k < kernel.length; k++) s += (kernel[k] ?? 0) * (padded[(y + k) * pw + px] ?? 0);
        tmp[y * pw + px] = s;
      }
    }
    const out = new Float64Array(g.nx * g.ny);
    for (let y = 0; y < g.ny; y++) {
      for (let x = 0; x < g.nx; x++) {
        let s = 0;
        for (let k = 0; k < kernel.length; k++) s += (kernel[k] ?? 0) * (tmp[y * pw + x + k] ?? 0);
        out[y * g.nx + x] = s;
      }
    }
    return out;
  });
}
