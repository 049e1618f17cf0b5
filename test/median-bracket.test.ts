/**
 * The bracketing nanmedian (src/kernels/bracket-median.ts) against the transposing one,
 * bit for bit, on columns chosen to take every path: the bracket holds the median, the
 * sample misleads (the median lies outside the bracket), the bracket overflows (constant
 * columns, many ties), too few values to bracket, all NaN; with the counting pass in
 * JavaScript (a plain buffer) and in WebAssembly SIMD (a cube memory), on block widths that
 * are not multiples of 4. numpy itself is compared in test/kernels-parity.test.ts, through
 * the public kernel, which uses the bracketing one from 256 planes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { compileWat, wasmModuleText } from '../scripts/build-wasm.ts';
import { BRACKET_MIN_AXIS, nanmedianBracketRange } from '../src/kernels/bracket-median.ts';
import { nanmedianTransposeRange } from '../src/kernels/nanmedian.ts';
import { medianCubeBuffer, nanmedianAxis0Parallel } from '../src/kernels/parallel-median.ts';
import { cubeMemoryOf } from '../src/kernels/wasm/median.ts';
import { columns, fill } from './helpers/median-columns.ts';

function sameBits(a: Float32Array, b: Float32Array): number[] {
  const bad: number[] = [];
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) bad.push(i);
  return bad;
}

describe('bracketing nanmedian: bit-identical to the transposing kernel', () => {
  test('the committed median-wasm.ts is what median.wat compiles to (npm run build:wasm)', async () => {
    const committed = readFileSync(new URL('../src/kernels/wasm/median-wasm.ts', import.meta.url), 'utf8');
    assert.equal(committed, wasmModuleText('median', await compileWat('median')), 'median-wasm.ts is stale: run npm run build:wasm');
  });

  for (const nz of [BRACKET_MIN_AXIS, 599, 600, 1001, 3681]) {
    test(`${nz} planes, JavaScript and WebAssembly passes`, () => {
      const patterns = columns(nz);
      const npix = 3 * 128 + 2 * patterns.length + 3; // blocks of 128 and a ragged tail
      const plain = new Float32Array(nz * npix);
      fill(plain, nz, npix, patterns);
      const expected = nanmedianTransposeRange(plain, nz, npix, 0, npix, new Float32Array(npix));
      const js = nanmedianBracketRange(plain, nz, npix, 0, npix, new Float32Array(npix));
      const wasmCube = medianCubeBuffer(nz, npix);
      assert.ok(cubeMemoryOf(wasmCube.buffer), 'the cube buffer is a WebAssembly memory');
      wasmCube.set(plain);
      const wasm = nanmedianBracketRange(wasmCube, nz, npix, 0, npix, new Float32Array(npix));
      for (const [name, got] of [['JavaScript', js], ['WebAssembly', wasm]] as const) {
        const bad = sameBits(got, expected);
        assert.deepEqual(
          bad.slice(0, 5).map((p) => `${patterns[p % patterns.length]![0]}: ${got[p]} != ${expected[p]}`),
          [],
          `${name} pass: ${bad.length} of ${npix} pixels differ`,
        );
      }
      // a pixel range starting off a multiple of 4, as a second thread's share would
      const part = new Float32Array(npix).fill(-1);
      nanmedianBracketRange(wasmCube, nz, npix, 5, npix - 2, part, 1);
      assert.deepEqual(sameBits(part.subarray(5, npix - 2), expected.subarray(5, npix - 2)), []);
      assert.equal(part[4], -1, 'nothing written outside the range');
      assert.equal(part[npix - 2], -1, 'nothing written outside the range');
    });
  }

  test('a wrong median would be seen: the check compares bits', () => {
    const nz = 600;
    const npix = 4;
    const cube = new Float32Array(nz * npix);
    fill(cube, nz, npix, [['noise', (_, r) => r()]]);
    const expected = nanmedianTransposeRange(cube, nz, npix, 0, npix, new Float32Array(npix));
    const got = nanmedianBracketRange(cube, nz, npix, 0, npix, new Float32Array(npix));
    got[2] = Math.fround(got[2]! + 2 ** -20);
    assert.deepEqual(sameBits(got, expected), [2]);
  });

  test('through nanmedianAxis0Parallel on a cube memory', async () => {
    const nz = 1200;
    const patterns = columns(nz);
    const npix = 2048 + 7;
    const cube = medianCubeBuffer(nz, npix);
    fill(cube, nz, npix, patterns);
    const expected = nanmedianTransposeRange(cube, nz, npix, 0, npix, new Float32Array(npix));
    const got = await nanmedianAxis0Parallel(cube, nz, npix);
    assert.deepEqual(sameBits(got, expected), []);
  });
});
