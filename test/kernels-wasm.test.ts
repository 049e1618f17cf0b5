/**
 * The WebAssembly SIMD kernels (src/kernels/wasm/emd.wat) against the JavaScript kernels
 * they replace in the hot loops, bit for bit: one EMD, an assignment round, a centroid's
 * weighted sum and the silhouette's pair sums, on random rows with ties, zeros and wide
 * magnitudes; and the committed bytes against what the .wat source compiles to.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { compileEmdWat, emdWasmModuleText } from '../scripts/build-wasm.ts';
import * as K from '../src/kernels/index.ts';
import { emdWasm, ROW_BYTES, type Region } from '../src/kernels/wasm/index.ts';

const B = K.EMD_BINS;

/** A deterministic generator (the tests must not depend on Math.random). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** n CDF rows of weights that are sparse, tied, one-hot or of wild magnitude by turns. */
function randomCdfs(n: number, seed: number, into?: Float64Array): Float64Array {
  const rnd = lcg(seed);
  const out = into ?? new Float64Array(n * B);
  const w = new Float64Array(B);
  for (let i = 0; i < n; i++) {
    const kind = i % 5;
    for (let a = 0; a < B; a++) {
      if (kind === 0) w[a] = rnd();
      else if (kind === 1) w[a] = rnd() < 0.7 ? 0 : rnd();
      else if (kind === 2) w[a] = a === Math.floor(rnd() * B) ? 1 : 0;
      else if (kind === 3) w[a] = rnd() * 10 ** Math.floor(rnd() * 40 - 20);
      else w[a] = (a % 7) + 1; // identical rows: exact ties
    }
    if (!w.some((x) => x > 0)) w[0] = 1;
    K.cdf50(w, 0, 1, out, i * B);
  }
  return out;
}

describe('WebAssembly kernels', () => {
  test('the committed emd-wasm.ts is what emd.wat compiles to (npm run build:wasm)', async () => {
    const committed = readFileSync(new URL('../src/kernels/wasm/emd-wasm.ts', import.meta.url), 'utf8');
    assert.equal(committed, emdWasmModuleText(await compileEmdWat()), 'emd-wasm.ts is stale: run npm run build:wasm');
  });

  test('emd equals emdFromCdfs bit for bit', () => {
    const wasm = emdWasm();
    const n = 400;
    const [r] = wasm.layout(n * ROW_BYTES) as [Region];
    const cdfs = randomCdfs(n, 1, wasm.f64(r));
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j += 7) {
        const want = K.emdFromCdfs(cdfs, i * B, cdfs, j * B);
        const got = wasm.emd(r.offset + i * ROW_BYTES, r.offset + j * ROW_BYTES);
        assert.ok(Object.is(got, want), `rows ${i}, ${j}: ${got} !== ${want}`);
        pairs++;
      }
    }
    assert.ok(pairs > 20000);
  });

  for (const kept of [1, 2, 3, 4, 5, 8]) {
    test(`assign with ${kept} centroid(s): the labels, changes and objective of the JavaScript round`, () => {
      const wasm = emdWasm();
      const n = 1500;
      const [rPix, rCen, rLab] = wasm.layout(n * ROW_BYTES, kept * ROW_BYTES, n * 4) as [Region, Region, Region];
      const pix = randomCdfs(n, 10 + kept, wasm.f64(rPix));
      const cen = wasm.f64(rCen);
      // centroids: copies of some pixels (exact ties with them, and between centroids when
      // kept > 1: rows 4 and 9 are the same) and random rows
      for (let c = 0; c < kept; c++) cen.set(pix.subarray(((c * 5 + 4) % n) * B, ((c * 5 + 4) % n) * B + B), c * B);
      const labels = wasm.i32(rLab);
      const rnd = lcg(kept);
      for (let v = 0; v < n; v++) labels[v] = Math.floor(rnd() * (kept + 1)); // 0: a label no centroid has
      const before = labels.slice();

      const want = new Int32Array(n);
      let wantChanged = 0;
      let wantObjective = 0;
      for (let v = 0; v < n; v++) {
        let best = 0;
        let bestD = K.emdFromCdfs(cen, 0, pix, v * B);
        for (let c = 1; c < kept; c++) {
          const d = K.emdFromCdfs(cen, c * B, pix, v * B);
          if (d < bestD) {
            bestD = d;
            best = c;
          }
        }
        wantObjective += bestD;
        want[v] = best + 1;
        if (want[v] !== before[v]) wantChanged++;
      }
      const got = wasm.assign(rPix, n, rCen, kept, rLab);
      assert.deepEqual([...wasm.i32(rLab)], [...want]);
      assert.equal(got.changed, wantChanged);
      assert.ok(Object.is(got.objective, wantObjective), `objective ${got.objective} !== ${wantObjective}`);
      assert.ok(wantChanged > 0, 'the case must change labels');
      const again = wasm.assign(rPix, n, rCen, kept, rLab);
      assert.equal(again.changed, 0, 'a second round changes nothing');
    });
  }

  test('accumulateAll equals meanOfMembers sums: each group adds its members in pixel order', () => {
    const wasm = emdWasm();
    const n = 700;
    const groups = 3;
    const [rRows, rLabels, rMass, rOut] = wasm.layout(n * ROW_BYTES, n * 4, n * 4, groups * ROW_BYTES) as [Region, Region, Region, Region];
    const rows = wasm.f64(rRows);
    const rnd = lcg(7);
    for (let i = 0; i < rows.length; i++) rows[i] = rnd() < 0.2 ? 0 : rnd() * 10 ** Math.floor(rnd() * 12 - 6);
    const labels = wasm.i32(rLabels);
    for (let v = 0; v < n; v++) labels[v] = v % 11 === 0 ? 0 : 1 + ((v * 7) % groups); // 0: in no group
    const mass = wasm.f32(rMass);
    for (let v = 0; v < n; v++) mass[v] = Math.fround(rnd() * 1e4);
    const out = wasm.f64(rOut);
    out.fill(0);
    wasm.accumulateAll(rRows, rLabels, rMass, n, rOut);

    // meanOfMembers' sums, group by group over the members in order (before its division)
    const validIdx = Int32Array.from({ length: n }, (_, v) => v);
    const sfh = new Float64Array(B * n); // age-major, as the pipeline's cube
    for (let v = 0; v < n; v++) for (let a = 0; a < B; a++) sfh[a * n + v] = rows[v * B + a]!;
    for (let g = 1; g <= groups; g++) {
      const members = [...validIdx].filter((v) => labels[v] === g);
      const order = Int32Array.from(members);
      const want = new Float64Array(B);
      const msum = K.meanOfMembers(sfh, n, mass, validIdx, order, 0, members.length, new Float32Array(n), K.NUMPY1_SUM_BLOCK, want, 0);
      for (let a = 0; a < B; a++) assert.ok(Object.is(out[(g - 1) * B + a]! / msum, want[a]), `group ${g}, age ${a}: ${out[(g - 1) * B + a]! / msum} !== ${want[a]}`);
    }
  });

  test('the silhouette (pairSums) equals the plain double loop, exactly', () => {
    const n = 300;
    const groups = 4;
    const cdfs = randomCdfs(n, 3);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) labels[i] = 1 + ((i * 7) % groups);
    const counts = new Int32Array(groups + 1);
    for (const l of labels) counts[l]!++;
    // the definition: a(i), b(i) from every other pixel, accumulated j ascending
    let total = 0;
    for (let i = 0; i < n; i++) {
      const sums = new Float64Array(groups + 1);
      for (let j = 0; j < n; j++) if (j !== i) sums[labels[j]!] = sums[labels[j]!]! + K.emdFromCdfs(cdfs, i * B, cdfs, j * B);
      const own = labels[i]!;
      const a = sums[own]! / (counts[own]! - 1);
      let b = Infinity;
      for (let g = 1; g <= groups; g++) if (g !== own) b = Math.min(b, sums[g]! / counts[g]!);
      total += (b - a) / Math.max(a, b);
    }
    const got = K.emdSilhouette(cdfs, labels, n, { seed: 0, sample: n });
    assert.equal(got.exact, true);
    assert.ok(Object.is(got.value, total / n), `${got.value} !== ${total / n}`);
  });

  test('layout grows the memory and keeps 16-byte alignment', () => {
    const wasm = emdWasm();
    const big = 3 * 65536 + 8;
    const regions = wasm.layout(8, big, 24);
    assert.deepEqual(
      regions.map((r) => r.offset % 16),
      [0, 0, 0],
    );
    const v = wasm.f64(regions[2]!);
    v.fill(1.5);
    assert.equal(v.length, 3);
    assert.ok(regions[2]!.offset >= big);
  });

  test('a layout beyond the 4 GiB memory says so and what to do, and leaves the memory usable', () => {
    const wasm = emdWasm();
    const [r] = wasm.layout(64) as [Region];
    const before = wasm.f64(r);
    // 5.4 million pixels' two rows of 50 float64
    assert.throws(() => wasm.layout(5_400_000 * ROW_BYTES, 5_400_000 * ROW_BYTES), (e: Error & { reason?: string; hint?: string }) => {
      assert.match(e.message, /need 4120 MiB .*4 GiB/);
      assert.equal(e.reason, 'too-many-pixels');
      assert.match(e.hint ?? '', /cluster fewer pixels/);
      return true;
    });
    before.fill(2);
    assert.equal(wasm.f64(r)[7], 2);
  });
});
