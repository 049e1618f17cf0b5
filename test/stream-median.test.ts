/**
 * The streamed nanmedian (src/kernels/stream-median.ts, read from a file by
 * src/cube/streamed-median.ts): bit for bit numpy's np.nanmedian(cube, axis=0), with the
 * cube never in memory. Against numpy itself (test/py/stream_median_gen.py) on NaN planes,
 * all-NaN pixels, negative values, odd and even plane counts either side of 256 and 600, a
 * misleading sample; against the in-memory kernel on every path of the bracketing
 * (test/helpers/median-columns.ts); blocks forced small so that a cube crosses many block
 * boundaries; the helper threads (through the compiled kernel, in a child process); other
 * BITPIX and scaling; a truncated file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { lastMedianReads, streamedMedianOfFile, streamedNanmedian } from '../src/cube/streamed-median.ts';
import { FitsFile, writeFitsSync } from '../src/fits/index.ts';
import { nanmedianAxis0F32 } from '../src/kernels/nanmedian.ts';
import { streamCapacity, streamLayout } from '../src/kernels/stream-median.ts';
import { ndarray, type TypedArray } from '../src/ndarray.ts';
import { decodeNpy } from '../src/npy.ts';
import { columns, fill } from './helpers/median-columns.ts';
import { rng } from './helpers/rng.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(tmpdir(), 'stream-median-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Pixels whose bits differ (NaN equals NaN, +0 and -0 differ). */
function differing(a: Float32Array, b: Float32Array): number[] {
  assert.equal(a.length, b.length);
  const bad: number[] = [];
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) bad.push(i);
  return bad;
}

/** A cube FITS like MUSE's: an empty primary HDU, then the cube as DATA, then a STAT-like HDU. */
function writeCube(name: string, data: TypedArray, shape: number[]): string {
  const file = path.join(tmp, name);
  const stat = new Float32Array(data.length).fill(1.5);
  writeFitsSync(file, [{ data: null }, { data: ndarray(data, shape), extname: 'DATA' }, { data: ndarray(stat, shape), extname: 'STAT' }]);
  return file;
}

async function medianOfFile(file: string, blockBytes?: number): Promise<Float32Array> {
  const r = await streamedMedianOfFile(file, { pick: (h) => h.name === 'DATA', fallback: 1 }, blockBytes ? { blockBytes } : {});
  assert.equal(r.target.name, 'DATA');
  return r.median;
}

function numpyPython(): string | null {
  for (const cmd of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(cmd, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0) return cmd;
  }
  return null;
}

const PY = numpyPython();
describe('streamed nanmedian against numpy', { skip: PY ? false : 'numpy is not importable by python3: install the Debian package python3-numpy' }, () => {
  const dir = path.join(tmp, 'numpy');
  const made = PY ? spawnSync(PY, [path.join(ROOT, 'test', 'py', 'stream_median_gen.py'), dir], { encoding: 'utf8' }) : undefined;
  const manifest = made?.status === 0 ? (JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as { numpy: string; cases: { name: string; shape: number[] }[] }) : { numpy: '', cases: [] };

  test('numpy wrote its cases', () => {
    assert.equal(made?.status, 0, made?.stderr);
    assert.ok(manifest.cases.length >= 7);
  });

  for (const c of manifest.cases) {
    test(`${c.name} ${c.shape.join(' x ')}: equal to np.nanmedian (numpy ${manifest.numpy}), blocks of 1, 3 and all planes`, async () => {
      const cube = decodeNpy(readFileSync(path.join(dir, `${c.name}_in.npy`)));
      const expected = decodeNpy(readFileSync(path.join(dir, `${c.name}_out.npy`))).data as Float32Array;
      const file = writeCube(`${c.name}.fits`, cube.data, [...cube.shape]);
      const [nz = 0, ny = 0, nx = 0] = cube.shape;
      const plane = ny * nx * 4;
      for (const planes of [1, 3, nz]) {
        const got = await medianOfFile(file, planes * plane);
        const bad = differing(got, expected);
        assert.deepEqual(bad.slice(0, 5).map((p) => `pixel ${p}: ${got[p]} != ${expected[p]}`), [], `${bad.length} pixels differ with blocks of ${planes} planes`);
        assert.equal(lastMedianReads().sequentialPasses, 1);
      }
      if (c.name === 'misleading_sample') assert.ok(lastMedianReads().failedPixels > 0, 'the misleading pixels were resolved from their columns');
      // the same cube gzip-compressed: inflated as it is read, no positional reads
      const gz = `${file}.gz`;
      writeFileSync(gz, gzipSync(readFileSync(file)));
      const got = await medianOfFile(gz, 3 * plane);
      assert.deepEqual(differing(got, expected).slice(0, 5), [], '.fits.gz');
      const reads = lastMedianReads();
      assert.equal(reads.positionalBytes, 0);
      assert.equal(reads.sequentialPasses, reads.failedPixels > 0 ? 3 : 2, 'one pass for headers and samples, one to count, one for missed pixels');
      assert.ok(expected.some((v) => Number.isNaN(v)) || !c.name.includes('nan'), 'the NaN case has all-NaN pixels');
    });
  }
});

describe('streamed nanmedian against the in-memory kernel', () => {
  for (const nz of [100, 256, 599, 600, 1001]) {
    test(`${nz} planes, every path of the bracketing, blocks of 2 planes`, async () => {
      const patterns = columns(nz);
      const npix = 2 * patterns.length + 3;
      const cube = new Float32Array(nz * npix);
      fill(cube, nz, npix, patterns);
      const expected = nanmedianAxis0F32(cube, nz, npix);
      const got = await medianOfFile(writeCube(`paths-${nz}.fits`, cube, [nz, 1, npix]), 2 * npix * 4);
      const bad = differing(got, expected);
      assert.deepEqual(bad.slice(0, 5).map((p) => `${patterns[p % patterns.length]![0]}: ${got[p]} != ${expected[p]}`), [], `${bad.length} of ${npix} differ`);
      if (nz >= 256) assert.ok(lastMedianReads().failedPixels > 0, 'the misleading and overflowing columns were read again');
    });
  }

  test('a wrong median would be seen (the comparison is of bits)', () => {
    const a = Float32Array.of(1, NaN, 0);
    assert.deepEqual(differing(a, Float32Array.of(1, NaN, -0)), [2]);
    assert.deepEqual(differing(a, Float32Array.of(Math.fround(1 + 2 ** -23), NaN, 0)), [0]);
  });

  test('other BITPIX: int16, uint16 (BZERO), float64, and int16 with BSCALE, BZERO and BLANK', async () => {
    const nz = 300;
    const npix = 11;
    const noise = rng(5);
    const make = <T extends TypedArray>(arr: T, f: (i: number) => number): T => {
      for (let i = 0; i < arr.length; i++) (arr as unknown as number[])[i] = f(i);
      return arr;
    };
    const variants: [string, TypedArray][] = [
      ['int16', make(new Int16Array(nz * npix), (i) => (i % 50 === 0 ? 7 : Math.round((noise() - 0.5) * 2000)))],
      ['uint16', make(new Uint16Array(nz * npix), () => Math.round(noise() * 60000))],
      ['float64', make(new Float64Array(nz * npix), (i) => (i % 97 === 0 ? NaN : (noise() - 0.3) * 1e-3))],
    ];
    for (const [name, data] of variants) {
      const file = writeCube(`bitpix-${name}.fits`, data, [nz, 1, npix]);
      const fits = FitsFile.open(file);
      const physical = Float32Array.from(fits.readImage('DATA').data as ArrayLike<number>);
      fits.close();
      assert.deepEqual(differing(await medianOfFile(file, 5 * npix * 8), nanmedianAxis0F32(physical, nz, npix)), [], name);
    }
    // scaled integers: BSCALE, BZERO and BLANK cards added to an int16 DATA header
    const file = writeCube('bitpix-scaled.fits', variants[0]![1], [nz, 1, npix]);
    addCards(file, 1, ['BSCALE  =                 0.25', 'BZERO   =                -12.5', 'BLANK   =                    7']);
    const fits = FitsFile.open(file);
    const physical = Float32Array.from(fits.readImage('DATA').data as ArrayLike<number>);
    fits.close();
    assert.ok(physical.some((v) => Number.isNaN(v)) && physical.some((v) => v !== Math.round(v)), 'scaled, with BLANK pixels');
    assert.deepEqual(differing(await medianOfFile(file, 7 * npix * 2), nanmedianAxis0F32(physical, nz, npix)), []);
  });

  test('a truncated cube is an error that names the file, not a median', async () => {
    const nz = 400;
    const npix = 6;
    const cube = new Float32Array(nz * npix).fill(1);
    const file = writeCube('short.fits', cube, [nz, 1, npix]);
    truncateSync(file, 2880 * 3 + nz * npix * 2);
    await assert.rejects(medianOfFile(file), (err: Error & { reason?: string }) => err.reason === 'truncated' && /short\.fits/.test(err.message));
  });

  test('the per-pixel state is about a quarter of a MUSE cube, the blocks 8 MB', () => {
    const nz = 3681;
    const npix = 320 * 320;
    const l = streamLayout(nz, npix);
    assert.ok(l.bytes < (nz * npix * 4) / 3.5, `${(l.bytes / 1e6).toFixed(0)} MB for a ${((nz * npix * 4) / 1e6).toFixed(0)} MB cube`);
    assert.ok(l.planes * npix * 4 <= 8 * 1024 * 1024 && l.planes >= 1);
    assert.equal(streamCapacity(100), 100, 'short axes keep every value');
  });
});

describe('streamed nanmedian on helper threads (the compiled kernel)', () => {
  test('two helpers count while this thread reads: equal to the in-memory kernel, blocks of 3 planes', () => {
    const nz = 1001;
    const patterns = columns(nz);
    const npix = 1024 + 3 * patterns.length + 5; // enough pixels for helpers, a ragged split
    const cube = new Float32Array(nz * npix);
    fill(cube, nz, npix, patterns);
    const file = writeCube('threads.fits', cube, [nz, 1, npix]);
    const out = path.join(tmp, 'threads.bin');
    const dist = (p: string) => JSON.stringify(path.join(ROOT, 'dist', p));
    const script = `
      import { writeFileSync } from 'node:fs';
      import { FitsFile } from ${dist('src/fits/index.js')};
      import { streamedNanmedian } from ${dist('src/cube/streamed-median.js')};
      const fits = FitsFile.open(${JSON.stringify(file)});
      const info = fits.hdu('DATA');
      fits.close();
      const m = await streamedNanmedian(${JSON.stringify(file)}, info, { blockBytes: ${3 * npix * 4}, helpers: 2 });
      writeFileSync(${JSON.stringify(out)}, Buffer.from(m.buffer, m.byteOffset, m.byteLength));
      process.exit(0);
    `;
    // a file, not `node -e`: worker threads inherit `-e` and would run the script instead
    const child = path.join(tmp, 'threads.mjs');
    writeFileSync(child, script);
    const r = spawnSync(process.execPath, [child], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const bytes = readFileSync(out);
    const got = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    assert.deepEqual(differing(got, nanmedianAxis0F32(cube, nz, npix)), []);
  });

  test("load-cubes' warm-up boots no helper thread; a streamed median starts its helpers when it needs them", () => {
    // (booted by the warm-up, two threads a binned galaxy never uses took CPU from the stages
    // after load-cubes on a 2-core machine)
    const nz = 7;
    const npix = 2048;
    const cube = new Float32Array(nz * npix).map((_, i) => (i * 7919) % 1000);
    const file = writeCube('warm.fits', cube, [nz, 1, npix]);
    const dist = (p: string) => JSON.stringify(path.join(ROOT, 'dist', p));
    const script = `
      import { FitsFile } from ${dist('src/fits/index.js')};
      import { streamedNanmedian } from ${dist('src/cube/streamed-median.js')};
      import { medianHelpersStarted } from ${dist('src/kernels/median-helpers.js')};
      const loadCubes = await import(${dist('stages/load-cubes.js')});
      await loadCubes.warm();
      const afterWarm = medianHelpersStarted();
      const fits = FitsFile.open(${JSON.stringify(file)});
      const info = fits.hdu('DATA');
      fits.close();
      await streamedNanmedian(${JSON.stringify(file)}, info, { helpers: 2 });
      console.log(JSON.stringify({ afterWarm, afterMedian: medianHelpersStarted() }));
      process.exit(0);
    `;
    const child = path.join(tmp, 'warm.mjs');
    writeFileSync(child, script);
    const r = spawnSync(process.execPath, [child], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { afterWarm: 0, afterMedian: 2 });
  });
});

/** Inserts header cards before END in HDU `index` (whose header must have room in its last block). */
function addCards(file: string, index: number, cards: string[]): void {
  const fits = FitsFile.open(file);
  const info = fits.hdus[index]!;
  fits.close();
  const bytes = readFileSync(file);
  const header = bytes.subarray(info.headerOffset, info.dataOffset).toString('latin1');
  const end = header.search(/END {77}/);
  assert.ok(end >= 0 && end % 80 === 0 && end + 80 * (cards.length + 1) <= header.length, 'room for the cards');
  const text = cards.map((c) => c.padEnd(80)).join('') + 'END'.padEnd(80);
  bytes.write(text, info.headerOffset + end, 'latin1');
  writeFileSync(file, bytes);
}
