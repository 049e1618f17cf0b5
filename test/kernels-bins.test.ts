/**
 * The EMD k-means on a template grid of other than 50 ages (an nGIST run's 53, say):
 * src/kernels/emd-bins.ts. Sources of truth: the 50-bin kernels already verified against
 * scipy 1.10 (the generic pairwise sum must give their bits), and the notebook's own emdKnn
 * run with scipy on arange(nAges) (test/py/emdknn_bins.py, the pyenv `python3` with numpy
 * and scipy; skipped with a line when it is missing).
 * Run: node --import tsx --test test/kernels-bins.test.ts
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as K from '../src/kernels/index.ts';
import { encodeNpy } from '../src/npy.ts';
import { ndarray } from '../src/ndarray.ts';
import { ROOT } from './helpers/cli.ts';
import { rng } from './helpers/rng.ts';

function scipyAvailable(): boolean {
  try {
    execFileSync('python3', ['-c', 'import numpy, scipy.stats'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const SCIPY = scipyAvailable() ? {} : { skip: 'python3 with numpy and scipy is not available (Debian packages python3-numpy python3-scipy)' };


/** Random SFH rows (bins x n, sparse like pPXF's regularised weights), normalised to 1. */
function sfhCube(bins: number, ny: number, nx: number, seed: number): Float64Array {
  const r = rng(seed);
  const npix = ny * nx;
  const cube = new Float64Array(bins * npix);
  for (let p = 0; p < npix; p++) {
    let s = 0;
    // a young and an old component, each spread over a few bins: groups exist to be found
    const young = Math.floor(r() * bins * 0.4);
    const old = bins - 1 - Math.floor(r() * bins * 0.3);
    for (let a = 0; a < bins; a++) {
      const w = r() < 0.6 ? 0 : r() * (Math.abs(a - young) < 3 ? 4 : Math.abs(a - old) < 4 ? 3 : 0.2);
      cube[a * npix + p] = w;
      s += w;
    }
    for (let a = 0; a < bins; a++) cube[a * npix + p] = s > 0 ? cube[a * npix + p]! / s : 1 / bins;
  }
  return cube;
}

function cdfRows(cube: Float64Array, bins: number, npix: number): Float64Array {
  const out = new Float64Array(bins * npix);
  for (let p = 0; p < npix; p++) K.cdfBins(cube, p, npix, out, p * bins, bins);
  return out;
}

describe('EMD on any number of age bins', () => {
  test('at 50 bins the generic pairwise sum gives the unrolled kernel\'s bits (random, sparse, one-hot rows)', () => {
    const npix = 400;
    const cube = sfhCube(50, 20, 20, 5);
    for (let a = 0; a < 50; a++) cube[a * npix + 7] = a === 13 ? 1 : 0; // one-hot
    const cdfs = cdfRows(cube, 50, npix);
    for (let i = 0; i < npix; i += 3) {
      const j = (i * 7 + 11) % npix;
      assert.equal(K.emdPairwise(cdfs, i * 50, cdfs, j * 50, 50), K.emdFromCdfs(cdfs, i * 50, cdfs, j * 50), `pair ${i}, ${j}`);
    }
  });

  test('hand-checkable: one-hot SFHs 5 bins apart are 5 apart on any grid length', () => {
    for (const bins of [3, 17, 53, 130]) {
      const u = new Float64Array(bins);
      const v = new Float64Array(bins);
      u[0] = 1;
      v[Math.min(5, bins - 1)] = 1;
      const cu = new Float64Array(bins);
      const cv = new Float64Array(bins);
      K.cdfBins(u, 0, 1, cu, 0, bins);
      K.cdfBins(v, 0, 1, cv, 0, bins);
      assert.equal(K.emdBins(cu, 0, cv, 0, bins), Math.min(5, bins - 1));
    }
  });

  test('the JavaScript kernels keep the WebAssembly contract (assign, accumulate, pair sums) at 50 bins', () => {
    // emdKernels(50) is the WebAssembly one; the JavaScript class is what every other grid
    // gets. Same rows through both must give the same labels, objective and sums.
    const n = 300;
    const groups = 4;
    const cube = sfhCube(50, 15, 20, 9);
    const cdfs = cdfRows(cube, 50, n);
    const rows = new Float64Array(50 * n);
    for (let p = 0; p < n; p++) for (let a = 0; a < 50; a++) rows[p * 50 + a] = cube[a * n + p]!;
    const labels = Int32Array.from({ length: n }, (_, i) => 1 + (i % groups));
    const mass = Float32Array.from({ length: n }, (_, i) => 0.5 + (i % 7) * 0.25);
    const run = (k: K.EmdKernels) => {
      const [rc, rr, rl, rm, rs, rcen, rp] = k.layout(n * 400, n * 400, n * 4, n * 4, groups * 400, groups * 400, n * groups * 8);
      k.f64(rc!).set(cdfs);
      k.f64(rr!).set(rows);
      k.i32(rl!).set(labels);
      k.f32(rm!).set(mass);
      k.f64(rs!).fill(0);
      k.accumulateAll(rr!, rl!, rm!, n, rs!);
      const sums = k.f64(rs!).slice();
      const cen = new Float64Array(groups * 50);
      for (let g = 0; g < groups; g++) K.cdfBins(sums, g * 50, 1, cen, g * 50, 50);
      k.f64(rcen!).set(cen);
      const { changed, objective } = k.assign(rc!, n, rcen!, groups, rl!);
      k.f64(rp!).fill(0);
      k.pairSums(rc!, rl!, n, groups, rp!);
      return { sums, changed, objective, labels: k.i32(rl!).slice(), pair: k.f64(rp!).slice() };
    };
    const wasm = run(K.emdKernels(50));
    const js = run(K.jsEmdKernels(50));
    assert.deepEqual(js.sums, wasm.sums);
    assert.equal(js.changed, wasm.changed);
    assert.equal(js.objective, wasm.objective);
    assert.deepEqual(js.labels, wasm.labels);
    assert.deepEqual(js.pair, wasm.pair);
  });

  test("relabel 'age' on a custom grid orders groups by the grid's ages, not the MILES ones", () => {
    const bins = 53;
    const sfh = sfhCube(bins, 10, 10, 33);
    const mass = new Float32Array(100).fill(1);
    // a grid whose ages fall with the index: youngest first must then mean highest index first
    const ages = Float64Array.from({ length: bins }, (_, i) => 14 - i * 0.25);
    const r = K.emdClustering({ sfh, mass, nAges: bins, ny: 10, nx: 10, k: 3, seed: 2, ages, relabel: 'age' });
    assert.equal(r.failure, null);
    const m = Array.from(r.meanAges);
    assert.deepEqual(m, [...m].sort((a, b) => a - b));
    for (let g = 0; g < r.groups; g++) {
      let num = 0;
      let den = 0;
      for (let a = 0; a < bins; a++) {
        num += ages[a]! * r.meanSfh[g * bins + a]!;
        den += r.meanSfh[g * bins + a]!;
      }
      assert.ok(Math.abs(num / den - m[g]!) < 1e-12);
    }
  });

  test('emdKMeans refuses a grid of fewer than 2 ages and an ages list of the wrong length', () => {
    const sfh = sfhCube(53, 4, 4, 1);
    const mass = new Float32Array(16).fill(1);
    assert.throws(() => K.emdClustering({ sfh, mass, nAges: 53, ny: 4, nx: 4, k: 2, seed: 0, ages: new Float64Array(50) }), /`ages` must have one age per bin \(53\)/);
  });
});

describe('the notebook\'s emdKnn on a 53-age grid (scipy, live)', SCIPY, () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sfh-bins-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('same labels, mean SFHs and masses as the notebook run with arange(53); EMDs to 1e-14', () => {
    const [bins, ny, nx, k, seed] = [53, 14, 16, 3, 4];
    const npix = ny * nx;
    const sfh = sfhCube(bins, ny, nx, 21);
    const mass = Float32Array.from({ length: npix }, (_, p) => (p % 23 === 0 ? NaN : 1 + ((p * 37) % 11)));
    writeFileSync(join(dir, 'sfh.npy'), encodeNpy(ndarray(sfh, [bins, ny, nx])));
    writeFileSync(join(dir, 'mass.npy'), encodeNpy(ndarray(mass, [ny, nx])));
    const out = JSON.parse(execFileSync('python3', [join(ROOT, 'test', 'py', 'emdknn_bins.py'), dir, String(k), String(seed)], { encoding: 'utf8' })) as {
      labels: (number | null)[];
      meanSfh: number[][];
      masses: number[];
      rounds: number;
      pairs: [number, number][];
      emds: number[];
    };
    const cdfs = cdfRows(sfh, bins, npix);
    out.pairs.forEach(([a, b], i) => {
      const d = K.emdBins(cdfs, a * bins, cdfs, b * bins, bins);
      assert.ok(Math.abs(d - out.emds[i]!) <= 1e-14 * Math.max(1, d), `pair ${a}, ${b}: ${d} vs scipy ${out.emds[i]}`);
    });
    const r = K.emdKMeans({ sfh, mass, nAges: bins, ny, nx, k, seed });
    assert.equal(r.failure, null);
    assert.deepEqual(Array.from(r.labels, (x) => (Number.isNaN(x) ? null : x)), out.labels);
    assert.equal(r.iterations, out.rounds);
    assert.equal(r.groups, out.meanSfh.length);
    out.meanSfh.forEach((row, g) => row.forEach((w, a) => assert.ok(Math.abs(r.meanSfh[g * bins + a]! - w) <= 1e-15, `group ${g + 1} age ${a}`)));
    out.masses.forEach((m, g) => assert.ok(Math.abs(r.masses[g]! - m) <= 1e-3, `mass ${g + 1}`));
    assert.ok(new Set(out.labels.filter((x) => x !== null)).size >= 2, 'the test data has groups to find');
  });
});
