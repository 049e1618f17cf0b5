/**
 * A catalog of any size with the study's layout and proportions, for the scale benchmark
 * (`npm run bench -- --scale N`) and tests at a few hundred galaxies: N catalog rows (SNe)
 * of small synthetic cubes (the example's four galaxies drawn on a few spaxels), in the
 * notebook's layout. The proportions are those of the study's catalog (511 SNe in 469 cubes,
 * `FinalSelMuseMask3.csv`), kept here as counts, not copied rows: the SN type mix (188 of
 * 511 Ia, the only rows with a pPXF fit, so ~63 % are skipped), cubes shared by two to four
 * SNe, and ~1 % of rows whose cube is missing (a download that never came), so a run at scale
 * also meets failures. Deterministic: the same N gives the same bytes.
 */
import { celestialWcs, pixelToWorld } from '../wcs/index.ts';
import { arcNameOf, CATALOG_COLUMNS, separationArcsec } from './catalog.ts';
import { GALAXIES } from './galaxies.ts';
import { cubeExtensionCards, headerOf } from './headers.ts';
import { Rng } from './prng.ts';
import type { Component, GalaxySpec, KnotPlace, Shape } from './spec.ts';

/** The study catalog's SN types and how many rows have each (511 in all; only Ia has a fit). */
export const STUDY_TYPES: readonly (readonly [string, number])[] = [
  ['Ia', 188], ['II', 149], ['IIP', 34], ['Ia-pec', 33], ['Ic', 31], ['IIn', 23], ['IIb', 17], ['Ib', 10], ['Ib/c', 6], ['Ic-BL', 4],
  ['I', 4], ['II-pec', 3], ['SLSN-I', 2], ['SN', 1], ['Ibn', 1], ['IIn-pec', 1], ['Ib-pec', 1], ['Iax[02cx-like]', 1], ['Iax', 1], ['IIL', 1],
];

/** The study's rows and cubes, and how many cubes hold 2, 3 and 4 SNe (the rest hold one). */
export const STUDY_ROWS = 511;
export const STUDY_SHARED_CUBES: Readonly<Record<number, number>> = { 2: 29, 3: 5, 4: 1 };

/** One SN of the scale catalog. */
export interface ScaleRow {
  readonly id: number;
  readonly snName: string;
  readonly snType: string;
  /** Index into {@link ScalePlan.cubes}. */
  readonly cube: number;
  /** Whether its pPXF output exists (the Ia rows). */
  readonly fitted: boolean;
}

/** One cube of the scale catalog, with the SNe in it. */
export interface ScaleCube {
  readonly spec: GalaxySpec;
  readonly rows: readonly number[];
  /** True for the ~1 % whose file is not written: their SNe fail at load-cubes. */
  readonly missing: boolean;
}

/** Who is in the catalog: rows, cubes, which cubes are missing. */
export interface ScalePlan {
  readonly rows: readonly ScaleRow[];
  readonly cubes: readonly ScaleCube[];
}

/** Default side of the small cubes, in spaxels: 256 spaxels, ~200 of them fitted. */
export const SCALE_SIDE = 16;

/** Counts proportional to `weights` summing to `n` (largest remainder). */
function apportion(weights: readonly number[], n: number): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w * n) / total);
  const out = exact.map(Math.floor);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let i = 0; out.reduce((a, b) => a + b, 0) < n; i++) out[order[i % order.length]![1]]! += 1;
  return out;
}

/** Who is where, for `n` rows (SNe): types, cubes and sharing in the study's proportions. */
export function planScale(n: number, side = SCALE_SIDE): ScalePlan {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`planScale: n must be a whole number >= 1, not ${n}`);
  const rng = new Rng(`scale/${n}`);
  const types = apportion(STUDY_TYPES.map(([, c]) => c), n).flatMap((c, i) => Array<string>(c).fill(STUDY_TYPES[i]![0]));
  shuffle(types, rng);
  // Shared cubes first (as many as the study has per SN), then one cube per remaining SN.
  const sizes: number[] = [];
  let shared = 0;
  for (const s of [4, 3, 2]) {
    const count = Math.round(((STUDY_SHARED_CUBES[s] ?? 0) * n) / STUDY_ROWS);
    for (let i = 0; i < count && shared + s <= n; i++, shared += s) sizes.push(s);
  }
  while (shared + sizes.filter((s) => s === 1).length < n) sizes.push(1);
  shuffle(sizes, rng);
  const cubeOf: number[] = sizes.flatMap((s, c) => Array<number>(s).fill(c));
  shuffle(cubeOf, rng);
  const rows: ScaleRow[] = types.map((snType, id) => ({ id, snName: snNameOf(id), snType, cube: cubeOf[id]!, fitted: snType === 'Ia' }));
  // ~1 % of the rows lose their cube: single-SN cubes of fitted rows (a failure, not a skip).
  const lost = new Set<number>();
  const want = n >= 10 ? Math.max(1, Math.floor(n / 100)) : 0;
  for (const r of rows) if (lost.size < want && r.fitted && sizes[r.cube] === 1 && r.id % 7 === 3) lost.add(r.cube);
  const cubes: ScaleCube[] = sizes.map((_, c) => {
    const members = rows.filter((r) => r.cube === c).map((r) => r.id);
    const anyIa = members.some((id) => rows[id]!.fitted);
    return { spec: cubeSpec(c, anyIa, side), rows: members, missing: lost.has(c) };
  });
  return { rows, cubes };
}

function snNameOf(id: number): string {
  // SN2016a .. SN2016zz style names, unique per id, plain file-name characters.
  let s = '';
  let v = id;
  do {
    s = String.fromCharCode(97 + (v % 26)) + s;
    v = Math.floor(v / 26) - 1;
  } while (v >= 0);
  return `SN${2014 + (id % 6)}sc${s}`;
}

function shuffle<T>(xs: T[], rng: Rng): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
}

/** The spec of cube `c`: one of the example's galaxies, scaled to `side` spaxels, its own sky position and date. */
function cubeSpec(c: number, ia: boolean, side: number): GalaxySpec {
  const base = GALAXIES[c % GALAXIES.length]!;
  const f = side / base.nx;
  const rng = new Rng(`scale/cube/${c}`);
  const t = Date.UTC(2014, 9, 1) + c * 3 * 86400e3 + Math.floor(rng.uniform() * 86400e3);
  const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '');
  return {
    ...base,
    id: 100000 + c,
    snName: `cube${c}`,
    snType: ia ? 'Ia' : 'II',
    description: `${base.description} (scaled to ${side} x ${side} spaxels)`,
    nx: side,
    ny: side,
    center: { x: base.center.x * f, y: base.center.y * (side / base.ny) },
    rTurn: base.rTurn * f,
    components: base.components.map((comp) => scaleComponent(comp, f)),
    footprint: { angleDeg: base.footprint.angleDeg, half: base.footprint.half * f },
    pointing: { ra: Number(rng.between(0, 360).toFixed(6)), dec: Number(rng.between(-70, 20).toFixed(6)) },
    sn: { x: side / 2, y: side / 2 },
    archiveTime: iso(t),
    ifuTime: iso(t - 40 * 86400e3),
    snTime: iso(t + 90 * 86400e3).replace('T', ' ').slice(0, 19),
    redshift: Number((0.005 + 0.03 * rng.uniform()).toFixed(4)),
    seeing: Number((0.7 + 0.6 * rng.uniform()).toFixed(2)),
  };
}

function scaleComponent(c: Component, f: number): Component {
  return { ...c, shape: scaleShape(c.shape, f) };
}

function scaleShape(s: Shape, f: number): Shape {
  switch (s.kind) {
    case 'sersic':
      return { ...s, re: s.re * f };
    case 'exponential':
      return { ...s, h: s.h * f, ...(s.window ? { window: { ...s.window, r0: s.window.r0 * f, w: s.window.w * f } } : {}) };
    case 'arms':
      return { ...s, h: s.h * f, rIn: s.rIn * f };
    case 'ring':
      return { ...s, radius: s.radius * f, width: s.width * f };
    case 'knots':
      return { ...s, sigma: s.sigma * f, at: s.at.map((k): KnotPlace => ({ ...k, r: k.r * f })) };
  }
}

/**
 * The catalog rows of a cube's SNe, each at its own spaxel (a fitted one for a Ia row, so
 * its SN lands in a group; off-integer, so int() and rounding differ), RA/DEC through the
 * cube's WCS, in the columns of the study's catalog.
 */
export function scaleCatalogRows(plan: ScalePlan, c: number, fitted: Uint8Array): string[][] {
  const cube = plan.cubes[c]!;
  const g = cube.spec;
  const wcs = celestialWcs(headerOf(cubeExtensionCards(g, 'DATA')));
  const rng = new Rng(`scale/sn/${c}`);
  const spaxels = [...fitted.keys()].filter((p) => fitted[p] === 1);
  return cube.rows.map((id) => {
    const row = plan.rows[id]!;
    const p = spaxels.length ? spaxels[rng.int(spaxels.length)]! : Math.floor((g.nx * g.ny) / 2);
    const x = (p % g.nx) + rng.between(-0.45, 0.45);
    const y = Math.floor(p / g.nx) + rng.between(-0.45, 0.45);
    const sn = pixelToWorld(wcs, x, y);
    const flags = row.fitted ? ['0', '1', '0', '1', '1'] : ['', '', '', '', ''];
    return [
      String(id), row.snName, row.snType, ...flags,
      String(g.pointing.ra), String(g.pointing.dec), String(sn.ra), String(sn.dec),
      String(separationArcsec(g.pointing.ra, g.pointing.dec, sn.ra, sn.dec)),
      arcNameOf(g), g.snTime, g.ifuTime, String(g.redshift), cube.missing ? 'synthetic (scale); cube not written' : 'synthetic (scale)',
    ];
  });
}

/** The catalog's text from rows in id order. */
export function scaleCatalogCsv(rows: readonly (readonly string[])[]): string {
  const sorted = [...rows].sort((a, b) => Number(a[0]) - Number(b[0]));
  return `${[CATALOG_COLUMNS, ...sorted].map((r) => r.join(',')).join('\n')}\n`;
}
