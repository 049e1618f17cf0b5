/**
 * The numeric kernels against numpy/scipy: tiny cases checkable by eye, the public
 * wrappers' errors, and random inputs generated at test time by test/py/kernels_gen.py
 * under each available python (the notebook's numpy 1.24 / scipy 1.10 at /usr/bin/python3,
 * and whatever `python3` is), compared bit for bit where numpy's arithmetic is reproduced.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as K from '../src/kernels/index.ts';
import type { NDArray } from '../src/ndarray.ts';
import { decodeNpy, encodeNpy } from '../src/npy.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const pyDir = path.join(here, 'py');

/** numpy's version under `cmd`, or null when python or numpy/scipy is missing. */
function numpyVersion(cmd: string): string | null {
  const r = spawnSync(cmd, ['-c', 'import numpy, scipy; print(numpy.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function runPy(cmd: string, script: string, args: string[]): string {
  const r = spawnSync(cmd, [path.join(pyDir, script), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${script} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** Bit-level equality that also equates NaN with NaN (and keeps +0 and -0 apart). */
function sameBits(a: number, b: number): boolean {
  return Object.is(a, b);
}

function countDiff(actual: ArrayLike<number>, expected: ArrayLike<number>, eq = sameBits): number {
  assert.equal(actual.length, expected.length, 'length');
  let bad = 0;
  for (let i = 0; i < expected.length; i++) if (!eq(actual[i]!, expected[i]!)) bad++;
  return bad;
}

/** Largest distance in units in the last place (float64) over two arrays. */
function maxUlp(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  const buf = new Float64Array(2);
  const bits = new BigInt64Array(buf.buffer);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    buf[0] = actual[i]!;
    buf[1] = expected[i]!;
    if (Object.is(buf[0], buf[1])) continue;
    worst = Math.max(worst, Math.abs(Number(bits[0]! - bits[1]!)));
  }
  return worst;
}

// ------------------------------------------------------------------------------------
describe('tiny cases a reader can check by eye', () => {
  test('pairwise sums: numpy order, not sequential', () => {
    assert.equal(K.pairwiseSum(Float64Array.of(1, 2, 3, 4), 0, 4, 1), 10);
    assert.equal(K.pairwiseSum(Float64Array.of(1, 100, 2, 100, 3), 0, 3, 2), 6); // stride 2
    // np.sum(np.full(10, 0.1)) == 1.0, while adding left to right gives 0.9999999999999999
    const tenth = new Float64Array(10).fill(0.1);
    assert.equal(K.numpySum(tenth, 0, 10, 1, K.NUMPY1_SUM_BLOCK), 1);
    assert.equal(K.sumMiddleAxis(tenth, 1, 10, 1, new Float64Array(1))[0], 0.9999999999999999);
    assert.ok(Object.is(K.numpySum(Float64Array.of(-0), 0, 1, 1, 8192), 0), 'np.sum([-0.0]) is +0.0');
    assert.equal(K.pairwiseSumF32(Float32Array.of(1, 2 ** -24, 2 ** -24), 0, 3, 1), 1); // float32 rounding
  });

  test('nanmedian: NaNs dropped, middle-two mean in float32, all-NaN -> NaN', () => {
    // columns: [3, NaN, 1, 2] -> 2; [4, 1, 3, 2] -> (2+3)/2; all NaN; [3e38] alone
    const cube = Float32Array.of(3, 4, NaN, 3e38, NaN, 1, NaN, NaN, 1, 3, NaN, NaN, 2, 2, NaN, NaN);
    const med = K.nanmedianAxis0F32(cube, 4, 4);
    assert.equal(med[0], 2);
    assert.equal(med[1], 2.5);
    assert.ok(Number.isNaN(med[2]));
    // numpy < 600 planes computes an odd median as (x + x) / 2 in float32: 3e38 overflows
    assert.equal(med[3], Infinity);
    const part = new Float32Array(4).fill(-1);
    K.nanmedianAxis0F32Range(cube, 4, 4, 1, 3, part);
    assert.deepEqual([...part], [-1, 2.5, NaN, -1]);
  });

  test('nanmedian selection on hostile orders (sorted, reversed, organ pipe, all equal, sawtooth)', () => {
    const nz = 1501;
    const patterns: ((i: number) => number)[] = [
      (i) => i,
      (i) => -i,
      (i) => Math.min(i, nz - i),
      () => 7,
      (i) => i % 17,
      (i) => (i * 7919) % 1000,
    ];
    for (const count of [1, 2, 3, 600, 601, 1000, 1501]) {
      const cube = new Float32Array(nz * patterns.length).fill(NaN);
      patterns.forEach((f, p) => {
        for (let i = 0; i < count; i++) cube[i * patterns.length + p] = f(i);
      });
      const med = K.nanmedianAxis0F32(cube, nz, patterns.length);
      patterns.forEach((f, p) => {
        const sorted = Float32Array.from({ length: count }, (_, i) => f(i)).sort();
        const lo = sorted[(count - 1) >> 1]!;
        const hi = sorted[count >> 1]!;
        assert.equal(med[p], Math.fround((0 + lo + hi) / 2), `pattern ${p}, ${count} values`); // numpy: +0 + lo + hi
      });
    }
  });

  test('gaussian: radius, reflect indices, copy when sigma is ~0, constant planes stay constant', () => {
    assert.equal(K.gaussianRadius(0.8492569002123143, 3), 3);
    assert.equal(K.gaussianRadius(0.1, 3), 0);
    // reflect: d c b a | a b c d | d c b a
    assert.deepEqual([-4, -3, -2, -1, 4, 5, 6, 7, 8].map((i) => K.reflectIndex(i, 4)), [3, 2, 1, 0, 3, 2, 1, 0, 0]);
    assert.deepEqual([-3, -2, -1, 1, 2].map((i) => K.reflectIndex(i, 1)), [0, 0, 0, 0, 0]);
    const plane = Float64Array.of(1, 2, 3, 4, 5, 6);
    assert.deepEqual([...K.gaussianFilter2d(plane, 2, 3, 1e-15, 4)], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...K.gaussianFilter2d(plane, 2, 3, 0.1, 4)], [1, 2, 3, 4, 5, 6]);
    const flat = K.gaussianFilter2d(new Float64Array(20).fill(2), 4, 5, 1.5, 4);
    for (const v of flat) assert.ok(Math.abs(v - 2) < 1e-14);
    const w = K.gaussianWeights(1, 2);
    assert.equal(w.length, 5);
    assert.equal(w[0], w[4]);
    assert.ok(w[2]! > w[1]! && w[1]! > w[0]!);
  });

  test('EMD: one-hot at 0 vs one-hot at 3 is 3; identical shapes are 0', () => {
    const a = new Float64Array(50);
    const b = new Float64Array(50);
    a[0] = 1;
    b[3] = 5;
    assert.equal(K.emd50(a, b), 3);
    assert.equal(K.emd50(b, b.map((x) => x * 7)), 0);
  });

  test('MT19937 / randint: the well-known values', () => {
    assert.equal(K.mt19937Next32(K.mt19937Seed(5489)), 3499211612); // reference MT19937
    assert.deepEqual([...K.seededRandint(0, 10, 5)], [5, 0, 3, 3, 7]); // np.random.seed(0); randint(10, size=5)
    assert.deepEqual([...K.seededRandint(3, 1, 4)], [0, 0, 0, 0]);
  });

  test('emdKMeans on six pixels: young and old separate', () => {
    // 2 x 3 pixels; left column young (all weight in bin 0-1), others old (bins 47-49)
    const ny = 2;
    const nx = 3;
    const sfh = new Float64Array(50 * 6);
    for (let p = 0; p < 6; p++) {
      const young = p % 3 === 0;
      for (const [bin, w] of young ? [[0, 0.7], [1, 0.3]] : [[47, 0.2], [48, 0.3 + p / 100], [49, 0.5]]) {
        sfh[bin! * 6 + p] = w!;
      }
    }
    const mass = Float32Array.of(1, 2, 3, 4, 5, 6);
    const rounds: number[][] = [];
    const r = K.emdKMeans({ sfh, mass, ny, nx, k: 2, seed: 0, onIteration: (i, c) => rounds.push([i, c]) });
    assert.equal(r.failure, null);
    assert.equal(r.valid, 6);
    assert.equal(r.groups, 2);
    assert.ok(r.converged);
    assert.equal(rounds.length, r.iterations);
    assert.equal(rounds.at(-1)![1], 0);
    const young = r.labels[0];
    assert.equal(r.labels[3], young);
    for (const p of [1, 2, 4, 5]) assert.notEqual(r.labels[p], young);
    assert.deepEqual([...r.initialLabels], [...K.seededRandint(0, 2, 6)].map((x) => x + 1));
    // a young group's mass: 1 + 4 in float32
    assert.equal(r.masses[young! - 1], 5);
  });

  test('emdKMeans failures are values', () => {
    const sfh = new Float64Array(50 * 4).fill(0.1);
    const r1 = K.emdKMeans({ sfh, mass: new Float32Array(4).fill(NaN), ny: 2, nx: 2, k: 2, seed: 1 });
    assert.equal(r1.failure?.reason, 'no-valid-pixels');
    assert.equal(r1.groups, 0);
    assert.ok(r1.labels.every(Number.isNaN));
    const r2 = K.emdKMeans({ sfh, mass: Float32Array.of(1, NaN, NaN, NaN), ny: 2, nx: 2, k: 3, seed: 1 });
    assert.equal(r2.failure?.reason, 'no-groups');
    assert.equal(r2.valid, 1);
    const zero = K.emdKMeans({ sfh, mass: new Float32Array(4), ny: 2, nx: 2, k: 1, seed: 1 });
    assert.equal(zero.failure?.reason, 'invalid-weights'); // all masses 0: the centroid is 0/0
  });
});

describe('public wrappers name the expectation', () => {
  test('errors', () => {
    assert.throws(() => K.nanmedianAxis0(new Float32Array(5), 2, 3), /`cube` must hold nz\*npix = 6 values/);
    assert.throws(() => K.nanmedianAxis0(new Float64Array(6) as unknown as Float32Array, 2, 3), /must be a Float32Array/);
    assert.throws(() => K.nanmedianAxis0(new Float32Array(6), 2.5, 3), /`nz` must be a non-negative integer/);
    assert.throws(() => K.smoothPlanes({ data: new Float64Array(4), shape: [2, 2] }, -1), /`sigma` must be a finite number >= 0/);
    assert.throws(() => K.smoothPlanes({ data: new Float64Array(4), shape: [4] }, 1), /at least 2 axes/);
    assert.throws(() => K.smoothPlanes({ data: new Float64Array(4), shape: [2, 2] }, 1, NaN), /`truncate`/);
    assert.throws(() => K.seededRandint(-1, 4, 3), /`seed` must be an integer in \[0, 2\*\*32 - 1\]/);
    assert.throws(() => K.seededRandint(0, 0, 3), /`k` must be an integer in \[1, 2\*\*32\]/);
    assert.throws(() => K.emd50(new Float64Array(49), new Float64Array(50)), /`u` must have 50 weights/);
    assert.throws(() => K.emd50(new Float64Array(50).fill(-1), new Float64Array(50)), /non-negative/);
    assert.throws(() => K.emd50(new Float64Array(50), new Float64Array(50).fill(1)), /positive finite/);
    assert.throws(() => K.numpySumAxis({ data: new Float64Array(6), shape: [2, 3] }, 2), /`axis` must be an integer in \[-2, 1\]/);
    const ok = { sfh: new Float64Array(200), mass: new Float32Array(4), ny: 2, nx: 2, k: 2, seed: 0 };
    assert.throws(() => K.emdKMeans({ ...ok, k: 0 }), /`k` must be an integer in \[1, /);
    assert.throws(() => K.emdKMeans({ ...ok, seed: 2 ** 32 }), /`seed` must be an integer/);
    assert.throws(() => K.emdKMeans({ ...ok, nAges: 1 }), /`nAges` must be an integer in \[2, 4096\]/);
    assert.throws(() => K.emdKMeans({ ...ok, sfh: new Float64Array(10) }), /`sfh` must hold nAges\*ny\*nx = 200 values/);
    assert.throws(() => K.emdKMeans({ ...ok, maxIter: 0 }), /`maxIter`/);
  });
});

// ------------------------------------------------------------------------------------
const PYTHONS = [
  { label: 'python3', cmd: 'python3' },
  { label: "/usr/bin/python3 (Debian: the notebook's numpy 1.24 / scipy 1.10)", cmd: '/usr/bin/python3' },
];

for (const py of PYTHONS) {
  const version = numpyVersion(py.cmd);
  const skip = version === null ? `${py.cmd} with numpy and scipy is not available${py.cmd.startsWith('/usr/bin') ? ': install the Debian packages python3-numpy and python3-scipy' : ' (pip install numpy scipy)'}` : false;
  describe(`against numpy/scipy under ${py.label}`, { skip }, () => {
    let dir = '';
    let manifest: Record<string, any> = {};
    const load = (name: string): NDArray => decodeNpy(readFileSync(path.join(dir, `${name}.npy`)));
    const major = Number((version ?? '0').split('.')[0]);
    const minor = Number((version ?? '0.0').split('.')[1]);
    // numpy <= 2.2 sums contiguous data in 8192-element blocks; 2.3 (gh-27883) stopped.
    const block = major < 2 || (major === 2 && minor < 3) ? K.NUMPY1_SUM_BLOCK : K.NUMPY2_SUM_BLOCK;
    const legacy = major < 2; // the notebook's numpy: np.exp and scipy's EMD reproduced exactly

    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'kernels-'));
      runPy(py.cmd, 'kernels_gen.py', [dir]);
      manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    });
    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('1-D sums, float64 and float32, lengths 0..20000', (t) => {
      const lens = load('sum_lens').data as Int32Array;
      const f64 = load('sum_f64').data as Float64Array;
      const f32 = load('sum_f32').data as Float32Array;
      const e64 = load('sum_f64_expected').data as Float64Array;
      const e32 = load('sum_f32_expected').data as Float32Array;
      const got64 = new Float64Array(lens.length);
      const got32 = new Float32Array(lens.length);
      const other = new Float64Array(lens.length); // with the other numpy's blocking
      const otherBlock = block === K.NUMPY1_SUM_BLOCK ? K.NUMPY2_SUM_BLOCK : K.NUMPY1_SUM_BLOCK;
      let off = 0;
      for (let i = 0; i < lens.length; i++) {
        const n = lens[i]!;
        got64[i] = K.numpySum(f64, off, n, 1, block);
        got32[i] = K.numpySumF32(f32, off, n, 1, block);
        other[i] = K.numpySum(f64, off, n, 1, otherBlock);
        off += n;
      }
      assert.equal(countDiff(got64, e64), 0, 'float64 sums differ');
      assert.equal(countDiff(got32, e32), 0, 'float32 sums differ');
      t.diagnostic(`numpy ${version}: block ${block}; the other blocking differs on ${countDiff(other, e64)} of ${lens.length} lengths`);
      assert.ok(countDiff(other, e64) > 0, 'blocking must matter for lengths > 8192');
    });

    test('axis sums: pairwise along the last axis, sequential along the others (and big-endian)', () => {
      manifest.axisCases.forEach((c: { shape: number[]; axis: number }, i: number) => {
        const input = load(`axis${i}_in`) as NDArray<Float64Array>;
        const got = K.numpySumAxis(input, c.axis, { block });
        assert.equal(countDiff(got.data, load(`axis${i}_out`).data as Float64Array), 0, `shape ${c.shape} axis ${c.axis}`);
      });
    });

    test("the notebook's group sum sfh[:, mask] * mass[mask] is sequential over members", () => {
      assert.deepEqual(manifest.groupStrides, [8, 400], 'sfh[:, mask] is Fortran-ordered');
      const sfh = load('group_sfh').data as Float64Array;
      const mask = load('group_mask').data as Uint8Array;
      const mass = load('group_mass').data as Float32Array;
      const npix = mask.length;
      const acc = new Float64Array(50);
      for (let p = 0; p < npix; p++) {
        if (!mask[p]) continue;
        for (let a = 0; a < 50; a++) acc[a] = acc[a]! + sfh[a * npix + p]! * mass[p]!;
      }
      assert.equal(countDiff(acc, load('group_sum').data as Float64Array), 0);
    });

    test('nanmedian: even/odd counts, ties, +-0, +-inf, huge values, all-NaN columns, 0..1001 planes', (t) => {
      let total = 0;
      manifest.medianCases.forEach((c: { nz: number; npix: number; kind: string }, i: number) => {
        const cube = load(`med${i}_in`).data as Float32Array;
        const expected = load(`med${i}_out`).data as Float32Array;
        const got = K.nanmedianAxis0F32(cube, c.nz, c.npix);
        assert.equal(countDiff(got, expected), 0, `nz=${c.nz} npix=${c.npix} ${c.kind}`);
        // the same through pixel ranges, as worker threads would split it
        const split = new Float32Array(c.npix);
        const cut = Math.floor(c.npix / 3);
        K.nanmedianAxis0F32Range(cube, c.nz, c.npix, 0, cut, split);
        K.nanmedianAxis0F32Range(cube, c.nz, c.npix, cut, c.npix, split);
        assert.equal(countDiff(split, expected), 0, `split nz=${c.nz}`);
        total += c.npix;
      });
      t.diagnostic(`${total} columns bit-identical (NaN = NaN, +0 != -0)`);
    });

    test('gaussian_filter: scipy order and reflect; exact with the notebook numpy', (t) => {
      let exactWithScipyWeights = 0;
      let exactFull = 0;
      let worstUlp = 0;
      manifest.gaussCases.forEach((c: { ny: number; nx: number; sigma: number; truncate: number }, i: number) => {
        const plane = load(`gauss${i}_in`).data as Float64Array;
        const expected = load(`gauss${i}_out`).data as Float64Array;
        const scipyW = load(`gauss${i}_w`).data as Float64Array;
        const where = `ny=${c.ny} nx=${c.nx} sigma=${c.sigma} truncate=${c.truncate}`;
        // 1. the correlation itself, fed scipy's own weights: exact on every numpy
        const radius = (scipyW.length - 1) / 2;
        const w = scipyW.subarray(radius);
        const out = new Float64Array(plane.length);
        if (c.sigma > K.GAUSSIAN_MIN_SIGMA) {
          K.correlateAxis0(plane, c.ny, c.nx, w, radius, out);
          K.correlateAxis1InPlace(out, c.ny, c.nx, w, radius, new Float64Array(c.nx + 2 * radius));
        } else out.set(plane);
        assert.equal(countDiff(out, expected), 0, `correlation with scipy's weights, ${where}`);
        exactWithScipyWeights++;
        // 2. the whole filter, weights included
        const full = K.gaussianFilter2d(plane, c.ny, c.nx, c.sigma, c.truncate);
        if (c.sigma > K.GAUSSIAN_MIN_SIGMA) {
          const ours = K.gaussianWeights(c.sigma, K.gaussianRadius(c.sigma, c.truncate));
          if (legacy && manifest.avx512skx) assert.equal(countDiff(ours, scipyW), 0, `weights, ${where}`);
        }
        if (legacy && manifest.avx512skx) assert.equal(countDiff(full, expected), 0, `filter, ${where}`);
        if (countDiff(full, expected) === 0) exactFull++;
        worstUlp = Math.max(worstUlp, maxUlp(full, expected));
      });
      assert.ok(worstUlp <= 8, `within a few ulp of scipy everywhere (worst ${worstUlp})`);
      t.diagnostic(
        `${exactWithScipyWeights} cases exact given scipy's weights; ${exactFull}/${manifest.gaussCases.length} exact end to end; worst ${worstUlp} ulp (numpy ${version}, scipy ${manifest.scipy})`,
      );
    });

    test('np.exp: SVML replay', (t) => {
      const x = load('exp_in').data as Float64Array;
      const e = load('exp_out').data as Float64Array;
      const got = x.map(K.numpyExp);
      const bad = countDiff(got, e);
      const math = countDiff(x.map(Math.exp), e);
      t.diagnostic(`numpyExp differs from np.exp ${version} on ${bad}/${x.length}; Math.exp on ${math}; worst ${maxUlp(got, e)} ulp`);
      if (legacy && manifest.avx512skx) assert.equal(bad, 0);
      else assert.ok(maxUlp(got, e) <= 4);
    });

    test('EMD: cdf50 + emdFromCdfs vs wasserstein_distance (random, sparse, ties, one-hot, wild magnitudes)', (t) => {
      const u = load('emd_u').data as Float64Array;
      const v = load('emd_v').data as Float64Array;
      const expected = load('emd_out').data as Float64Array;
      const n = expected.length;
      const cu = new Float64Array(50);
      const cv = new Float64Array(50);
      const got = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        K.cdf50(u, j * 50, 1, cu, 0);
        K.cdf50(v, j * 50, 1, cv, 0);
        got[j] = K.emdFromCdfs(cu, 0, cv, 0);
      }
      const bad = countDiff(got, expected);
      let worst = 0;
      for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(got[j]! - expected[j]!));
      t.diagnostic(`scipy ${manifest.scipy}: ${bad}/${n} differ, max abs difference ${worst}`);
      if (manifest.emdUsesNpSum) assert.equal(bad, 0, 'scipy summing with np.sum must match bit for bit');
      else assert.ok(worst < 1e-13, 'scipy with np.vecdot sums in another order: last-bit differences only');
    });

    test('legacy np.random.seed + randint, k from 1 to 2**32', () => {
      const all = load('rand_out').data as BigInt64Array;
      let off = 0;
      for (const c of manifest.randCases as { seed: number; k: number; count: number; then?: [number, number] }[]) {
        const state = K.mt19937Seed(c.seed);
        const out = c.k <= 2 ** 31 ? new Int32Array(c.count) : new Uint32Array(c.count);
        K.legacyRandint(state, c.k, c.count, out);
        const got = [...out];
        if (c.then) got.push(...K.legacyRandint(state, c.then[0], c.then[1], new Int32Array(c.then[1])));
        const expected = Array.from(all.subarray(off, off + got.length), Number);
        assert.deepEqual(got, expected, `seed ${c.seed} k ${c.k} count ${c.count}`);
        off += got.length;
      }
      assert.equal(off, all.length);
    });

    test('.npy: numpy files decode, encoded files load in numpy', () => {
      const d = mkdtempSync(path.join(tmpdir(), 'npy-'));
      try {
        runPy(py.cmd, 'kernels_npy.py', ['write', d]);
        const index = JSON.parse(readFileSync(path.join(d, 'index.json'), 'utf8')) as Record<string, { shape: number[] }>;
        for (const [name, e] of Object.entries(index)) {
          const arr = decodeNpy(readFileSync(path.join(d, `${name}.npy`)));
          assert.deepEqual(arr.shape, e.shape, name);
          const raw = readFileSync(path.join(d, `${name}.bin`));
          assert.ok(Buffer.from(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength).equals(raw), `${name} data`);
        }
        assert.throws(() => decodeNpy(readFileSync(path.join(d, 'fortran.npy'))), /Fortran-ordered/);
        assert.throws(() => decodeNpy(Buffer.from('not numpy')), /magic/);
        // encode: every dtype, 0-d, empty and a long header (version 2.0)
        const arrays: Record<string, NDArray> = {
          f8: { data: Float64Array.of(1.5, -0, NaN, Infinity, 2 ** -1074, 1e308), shape: [2, 3] },
          f4: { data: Float32Array.of(1.5, NaN, -3), shape: [3] },
          i1: { data: Int8Array.of(-128, 127), shape: [2] },
          u1: { data: Uint8Array.of(0, 255, 7, 8), shape: [2, 2] },
          i2: { data: Int16Array.of(-32768, 5), shape: [2, 1] },
          u2: { data: Uint16Array.of(65535), shape: [1] },
          i4: { data: Int32Array.of(-(2 ** 31), 2 ** 31 - 1, 0), shape: [3] },
          u4: { data: Uint32Array.of(2 ** 32 - 1), shape: [1, 1, 1] },
          i8: { data: BigInt64Array.of(-(2n ** 63n), 42n), shape: [2] },
          scalar: { data: Float64Array.of(2.5), shape: [] },
          empty: { data: new Float32Array(0), shape: [3, 0] },
        };
        const expect: Record<string, { shape: number[]; descr: string }> = {};
        const descr: Record<string, string> = { f8: '<f8', f4: '<f4', i1: '|i1', u1: '|u1', i2: '<i2', u2: '<u2', i4: '<i4', u4: '<u4', i8: '<i8', scalar: '<f8', empty: '<f4' };
        for (const [name, arr] of Object.entries(arrays)) {
          const bytes = encodeNpy(arr);
          writeFileSync(path.join(d, `${name}.npy`), bytes);
          writeFileSync(path.join(d, `${name}.bin`), Buffer.from(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength));
          expect[name] = { shape: [...arr.shape], descr: descr[name]! };
          const back = decodeNpy(bytes);
          assert.deepEqual(back.shape, [...arr.shape]);
          assert.deepEqual([...(back.data as ArrayLike<unknown> & Iterable<unknown>)], [...(arr.data as Iterable<unknown>)]);
        }
        // numpy allows at most 64 axes, so a version 2.0 header (> 65535 bytes) only round-trips here
        const long: NDArray = { data: Float64Array.of(4), shape: new Array(30000).fill(1) };
        const longBytes = encodeNpy(long);
        assert.equal(longBytes[6], 2, 'a header over 65535 bytes needs version 2.0');
        assert.equal(longBytes.readUInt32LE(8) % 64, 52, 'version 2.0: 12-byte prefix + header is a multiple of 64');
        assert.deepEqual([...decodeNpy(longBytes).data], [4]);
        writeFileSync(path.join(d, 'expect.json'), JSON.stringify(expect));
        const report = JSON.parse(runPy(py.cmd, 'kernels_npy.py', ['check', d])) as Record<string, { ok: boolean; aligned64: boolean }>;
        for (const [name, r] of Object.entries(report)) {
          assert.ok(r.ok, `numpy read ${name}.npy wrongly: ${JSON.stringify(r)}`);
          assert.ok(r.aligned64, `${name}: data must start on a 64-byte boundary`);
        }
      } finally {
        rmSync(d, { recursive: true, force: true });
      }
    });
  });
}

test('python3 with numpy is available for the cross-checks', (t) => {
  if (numpyVersion('python3') === null) t.skip('python3 with numpy and scipy not found: cross-checks skipped');
  if (!existsSync('/usr/bin/python3')) t.diagnostic("/usr/bin/python3 missing: the notebook's numpy 1.24 was not checked");
});
