/**
 * A synthetic SN Ia host catalog whose SN positions are drawn from a known DTD, so the DTD
 * fit can be checked for recovery (test/dtd.test.ts) and run on files of the real layout.
 *
 * Each host is a small round map cut into Voronoi groups; each group has a mean SFH (a
 * burst at a random age on a small constant floor) and a mass. The SN's group is drawn
 * with probability proportional to the model's rate (mean SFH . DTD weights x mass
 * fraction, the fit's own model), and its pixel uniformly among the group's pixels. Under
 * that process the fit's likelihood is the true one up to a factor that does not depend on
 * the DTD (1 / pixels of the SN's group), so a correct fit must recover the truth.
 *
 * Deterministic: every draw comes from the example generator's seeded Rng.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempNameFor } from '../cache/atomic.ts';
import { N_AGE_BINS, type DtdHost } from '../dtd/host.ts';
import { dtdWeights, massFractions } from '../dtd/likelihood.ts';
import type { DtdModel } from '../dtd/models.ts';
import { writeFitsSync, type Card } from '../fits/index.ts';
import { ndarray } from '../ndarray.ts';
import { Rng } from './prng.ts';

/** What to simulate. */
export interface SyntheticDtdOptions {
  /** SN Ia hosts that pass the notebook's cuts (>= 50 for the recovery test). */
  readonly hosts?: number;
  /** The true DTD. */
  readonly model?: DtdModel;
  readonly params?: readonly number[];
  /** The k recorded in the files (the groups per map vary from 3 to k). */
  readonly k?: number;
  /** Map side in pixels (a round footprint of radius side/2 - 0.5 is grouped). */
  readonly side?: number;
  /** Stream name of the Rng, so different catalogs can be drawn. */
  readonly seed?: string;
  /**
   * Add hosts the cuts must leave out (an 'Ia-pec', a PSF above 4 px, a map with too few
   * pixels), to exercise them; they do not count towards `hosts`.
   */
  readonly decoys?: boolean;
}

/** The defaults: 60 hosts, a power law with tau = 10^8.3 yr and slope -1.3 (MDA). */
export const SYNTHETIC_DTD_DEFAULTS = { hosts: 60, model: 'MDA' as DtdModel, params: [8.3, -1.3] as readonly number[], k: 6, side: 20, seed: 'dtd', decoys: true } as const;

/** A host's SFH: a gaussian burst (1.5 bins wide) at bin `peak` over a 2 % floor, summing to 1. */
function burstSfh(peak: number, out: Float64Array, offset: number): void {
  let total = 0;
  for (let a = 0; a < N_AGE_BINS; a++) {
    const v = 0.02 / N_AGE_BINS + Math.exp(-0.5 * ((a - peak) / 1.5) ** 2);
    out[offset + a] = v;
    total += v;
  }
  for (let a = 0; a < N_AGE_BINS; a++) out[offset + a] = out[offset + a]! / total;
}

/** One host drawn from the process described above. */
function drawHost(rng: Rng, id: number, o: Required<SyntheticDtdOptions>, w: Float64Array, extra: { snType?: string; psfSigma?: number; radius?: number } = {}): DtdHost {
  const side = o.side;
  const nx = side;
  const ny = side;
  const radius = extra.radius ?? side / 2 - 0.5;
  const centre = (side - 1) / 2;
  const inside: number[] = [];
  for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) if ((x - centre) ** 2 + (y - centre) ** 2 <= radius * radius) inside.push(y * nx + x);
  const groups = 3 + rng.int(o.k - 2);
  // Voronoi seeds at distinct grouped pixels; label = 1 + index of the nearest seed.
  const seeds: number[] = [];
  while (seeds.length < groups) {
    const p = inside[rng.int(inside.length)]!;
    if (!seeds.includes(p)) seeds.push(p);
  }
  const map = new Float64Array(nx * ny).fill(NaN);
  const members: number[][] = seeds.map(() => []);
  for (const p of inside) {
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    seeds.forEach((s, g) => {
      const d = ((p % nx) - (s % nx)) ** 2 + (Math.floor(p / nx) - Math.floor(s / nx)) ** 2;
      if (d < bestD) {
        bestD = d;
        best = g;
      }
    });
    map[p] = best + 1;
    members[best]!.push(p);
  }
  const sfh = new Float64Array(groups * N_AGE_BINS);
  for (let g = 0; g < groups; g++) burstSfh(rng.int(N_AGE_BINS), sfh, g * N_AGE_BINS);
  // float32 masses, as the write stage stores them; log-normal around 1e8.
  const mass = new Float32Array(groups);
  for (let g = 0; g < groups; g++) mass[g] = Math.fround(1e8 * Math.exp(rng.normal()));
  // The SN: a group by its rate, then a pixel of it.
  const m = massFractions(mass);
  const rates = new Float64Array(groups);
  let total = 0;
  for (let g = 0; g < groups; g++) {
    let r = 0;
    for (let a = 0; a < N_AGE_BINS; a++) r += sfh[g * N_AGE_BINS + a]! * w[a]!;
    rates[g] = r * m[g]!;
    total += rates[g]!;
  }
  let u = rng.uniform() * total;
  let pick = groups - 1;
  for (let g = 0; g < groups; g++) {
    u -= rates[g]!;
    if (u < 0) {
      pick = g;
      break;
    }
  }
  const pixels = members[pick]!;
  const sn = pixels[rng.int(pixels.length)]!;
  return {
    id: String(id),
    snName: `SIM${String(id).padStart(4, '0')}`,
    snType: extra.snType ?? 'Ia',
    k: o.k,
    groupMap: map,
    nx,
    ny,
    snPixel: [sn % nx, Math.floor(sn / nx)],
    psfSigma: extra.psfSigma ?? rng.between(0.5, 1.5),
    groupSfh: sfh,
    groupMass: mass,
  };
}

/** Draws the synthetic catalog as DtdHost objects (no files). */
export function syntheticDtdHosts(options: SyntheticDtdOptions = {}): { hosts: DtdHost[]; truth: { model: DtdModel; params: readonly number[] } } {
  const o = { ...SYNTHETIC_DTD_DEFAULTS, ...options } as Required<SyntheticDtdOptions>;
  if (!Number.isInteger(o.k) || o.k < 3) throw new RangeError(`syntheticDtdHosts: \`k\` must be an integer >= 3. Value: \`${o.k}\`.`);
  const rng = new Rng(`synthetic-dtd/${o.seed}`);
  const w = dtdWeights(o.model, o.params);
  const hosts: DtdHost[] = [];
  for (let i = 0; i < o.hosts; i++) hosts.push(drawHost(rng, i, o, w));
  if (o.decoys) {
    hosts.push(drawHost(rng, o.hosts, o, w, { snType: 'Ia-pec' }));
    hosts.push(drawHost(rng, o.hosts + 1, o, w, { psfSigma: 4.5 }));
    hosts.push(drawHost(rng, o.hosts + 2, o, w, { radius: 7 }));
  }
  return { hosts, truth: { model: o.model, params: o.params } };
}

/** One file of {@link writeSyntheticDtdCatalog}: where it is and what the cube would have told. */
export interface SyntheticDtdEntry {
  readonly file: string;
  readonly id: string;
  readonly snName: string;
  readonly snType: string;
  readonly k: number;
  readonly snPixel: readonly [number, number];
  readonly psfSigma: number;
}

/**
 * Writes the hosts as group maps in the write stage's layout (`{id}_{SN Name}_{k}.fits`:
 * map, mean SFHs, float32 masses, each with TYPE; the cards readDtdHost reads) plus
 * `catalog.csv` (id, SN Name, SN Type) and `manifest.json` (what the Python reference and
 * the notebook would take from the cubes: SN pixel and PSF sigma). Each file is written
 * under a temporary name and renamed.
 */
export function writeSyntheticDtdCatalog(dir: string, hosts: readonly DtdHost[]): SyntheticDtdEntry[] {
  mkdirSync(dir, { recursive: true });
  const entries: SyntheticDtdEntry[] = [];
  for (const h of hosts) {
    const file = path.join(dir, `${h.id}_${h.snName}_${h.k}.fits`);
    const groups = h.groupMass.length;
    let valid = 0;
    for (const v of h.groupMap) if (!Number.isNaN(v)) valid++;
    const label = h.groupMap[h.snPixel[1] * h.nx + h.snPixel[0]]!;
    const cards: Card[] = [
      { key: 'SFHVER', value: 'synthetic', comment: 'drawn by src/example/dtd.ts, not a pipeline run' },
      { key: 'GALAXY', value: h.id, comment: 'catalog id' },
      { key: 'SNNAME', value: h.snName },
      { key: 'K', value: h.k, comment: 'groups requested' },
      { key: 'NGROUPS', value: groups, comment: 'groups kept' },
      { key: 'NVALID', value: valid, comment: 'pixels grouped' },
      { key: 'PSFSIG', value: h.psfSigma, type: 'float', comment: '[pixel] gaussian sigma' },
      { key: 'SNX', value: h.snPixel[0], type: 'float', comment: '[pixel] SN x, 0-based' },
      { key: 'SNY', value: h.snPixel[1], type: 'float', comment: '[pixel] SN y, 0-based' },
      { key: 'SNPIXX', value: h.snPixel[0] },
      { key: 'SNPIXY', value: h.snPixel[1] },
      { key: 'SNINTX', value: h.snPixel[0], comment: "the notebook's int() of SNX" },
      { key: 'SNINTY', value: h.snPixel[1], comment: "the notebook's int() of SNY" },
      { key: 'SNGROUP', value: Number.isNaN(label) ? null : label },
    ];
    writeFitsSync(file, [
      { data: ndarray(Float64Array.from(h.groupMap), [h.ny, h.nx]), cards: [{ key: 'TYPE', value: 'Group Map' }, ...cards] },
      { data: ndarray(Float64Array.from(h.groupSfh), [groups, N_AGE_BINS]), cards: [{ key: 'TYPE', value: 'Mean SFH' }] },
      { data: ndarray(Float32Array.from(h.groupMass), [groups]), cards: [{ key: 'TYPE', value: 'Mass List' }] },
    ]);
    entries.push({ file, id: h.id, snName: h.snName, snType: h.snType, k: h.k, snPixel: [h.snPixel[0], h.snPixel[1]], psfSigma: h.psfSigma });
  }
  const atomic = (name: string, text: string): void => {
    const target = path.join(dir, name);
    const tmp = tempNameFor(target);
    writeFileSync(tmp, text);
    renameSync(tmp, target);
  };
  const csvField = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  atomic('catalog.csv', ['id,SN Name,SN Type', ...entries.map((e) => [e.id, e.snName, e.snType].map(csvField).join(','))].join('\n') + '\n');
  atomic('manifest.json', JSON.stringify({ hosts: entries }, null, 1) + '\n');
  return entries;
}
