/**
 * Parity with the notebook's own outputs (shared/parity, converted to .npy by
 * test/py/kernels_make_fixtures.py): the smoothing of the real SFH cubes and all 16
 * clusterings (seeds 0 and 1, galaxies 11 and 45, k = 2, 3, 4, 6). No python needed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { emdKMeans, gaussianFilter2d } from '../src/kernels/index.ts';
import { decodeNpy } from '../src/npy.ts';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'kernels', 'parity');
const load = <T>(name: string): T => decodeNpy(readFileSync(path.join(dir, name))).data as T;

interface Case {
  seed: number;
  galaxy: string;
  k: number;
  ny: number;
  nx: number;
  psfSig: number;
  groups: number;
  iters: number;
  valid: number;
}
const cases = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as Case[];

/** Largest |a - b| / |b| (0 when identical, Infinity on a length mismatch). */
function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    if (Object.is(a[i], b[i])) continue;
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.abs(b[i]!));
  }
  return worst;
}

describe("the notebook's smoothing (gaussian_filter, truncate=3) of the real SFH cubes", () => {
  for (const galaxy of ['11', '45']) {
    test(`galaxy ${galaxy}: every value bit-identical`, () => {
      const c = cases.find((x) => x.galaxy === galaxy)!;
      const raw = load<Float64Array>(`${galaxy}_sfh_raw.npy`);
      const expected = load<Float64Array>(`${galaxy}_sfh.npy`);
      const npix = c.ny * c.nx;
      const out = new Float64Array(raw.length);
      for (let a = 0; a < raw.length / npix; a++) {
        const s = a * npix;
        gaussianFilter2d(raw.subarray(s, s + npix), c.ny, c.nx, c.psfSig, 3, out.subarray(s, s + npix));
      }
      let differ = 0;
      for (let i = 0; i < out.length; i++) if (!Object.is(out[i], expected[i])) differ++;
      assert.equal(differ, 0, `${differ} of ${out.length} smoothed values differ`);
    });
  }
});

describe("the notebook's emdKnn: 2 seeds x 2 galaxies x k = 2, 3, 4, 6", () => {
  for (const c of cases) {
    test(`seed ${c.seed}, galaxy ${c.galaxy}, k ${c.k}`, (t) => {
      const base = `seed${c.seed}/${c.galaxy}_${c.k}`;
      const r = emdKMeans({
        sfh: load<Float64Array>(`${c.galaxy}_sfh.npy`),
        mass: load<Float32Array>(`${c.galaxy}_mass.npy`),
        ny: c.ny,
        nx: c.nx,
        k: c.k,
        seed: c.seed,
      });
      assert.equal(r.failure, null);
      assert.deepEqual([...r.initialLabels], [...load<Int32Array>(`${base}_init.npy`)], 'initial labels');
      const map = load<Float64Array>(`${base}_map.npy`);
      let differ = 0;
      for (let i = 0; i < map.length; i++) if (!Object.is(r.labels[i], map[i])) differ++;
      assert.equal(differ, 0, `${differ} pixels have another group (NaN included)`);
      assert.equal(r.groups, c.groups, 'groups kept');
      assert.equal(r.iterations, c.iters, 'iterations');
      assert.equal(r.valid, c.valid, 'valid pixels');
      assert.ok(r.converged);
      const meanDev = maxRel(r.meanSfh, load<Float64Array>(`${base}_mean.npy`));
      const massDev = maxRel(r.masses, load<Float32Array>(`${base}_mass.npy`));
      t.diagnostic(`iters ${r.iterations}, groups ${r.groups}, valid ${r.valid}; max relative deviation: mean SFH ${meanDev}, masses ${massDev}`);
      assert.ok(meanDev <= 1e-6, `mean SFH deviates by ${meanDev}`);
      assert.ok(massDev <= 1e-6, `masses deviate by ${massDev}`);
      assert.equal(meanDev, 0, 'the mean SFH is reproduced bit for bit');
      assert.equal(massDev, 0, 'the masses are reproduced bit for bit');
    });
  }
});
