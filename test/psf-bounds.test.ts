/**
 * Unbounded work from a legal value (issue #21 class 7), through the real CLI: a seeing, a
 * pixel scale or a truncation that makes the smoothing kernel many times wider than the map
 * (`--set psfFwhm=1e300`, a cube's `SKY_RES = 1E300`, `--set pixelScale=0.000001`, the
 * declared minimum, `--set truncate=1e12`) fails its galaxy at once with reason
 * `psf-too-wide`, naming the parameter and the value, instead of "Invalid typed array
 * length" or minutes of work without a word. Values in the notebook's range are untouched.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { FitsFile } from '../src/fits/index.ts';
import { GAUSSIAN_MAX_RADIUS_SIDES, gaussianTooWide, smoothPlanes } from '../src/kernels/index.ts';
import { PARITY, runCli, tempDir, type CliResult } from './helpers/cli.ts';

const CUBE = path.join('MuseObject', 'MuseResample', 'CDP.2017-03-11T04:12:11.011.fits');

function run(dir: string, data: string, set: string[]): CliResult {
  const sets = set.flatMap((s) => ['--set', s]);
  return runCli(['run', '--galaxy', '11', '--k', '4', '--no-report', '--json', ...sets, '--catalog', path.join(data, 'FinalSelMuseMask3.csv'), '--cubes', path.join(data, 'MuseObject', 'MuseResample'), '--sfh', path.join(data, 'MuseSFH', 'dataOut'), '--out', path.join(dir, 'out'), '--cache', path.join(dir, `cache-${set.join('-')}`)]);
}

/** The galaxy's failure, and which stage failed. */
function failure(r: CliResult): { reason: string | null; error: string; stage: string | undefined } {
  const t = r.json?.tasks[0];
  assert.ok(t, r.stderr);
  assert.equal(t.status, 'failed', `expected a failure, the run ended ${t.status}`);
  return { reason: t.reason, error: t.error ?? '', stage: t.stages.find((s) => s.status === 'failed')?.name };
}

/** Sets a numeric card of the primary header in place (the card must exist). */
function setPrimaryCard(file: string, key: string, value: string): void {
  const fits = FitsFile.open(file);
  const info = fits.hdu(0);
  fits.close();
  const bytes = readFileSync(file);
  const header = bytes.subarray(info.headerOffset, info.dataOffset).toString('latin1');
  const at = header.indexOf(`${key.padEnd(8)}=`);
  assert.ok(at >= 0 && at % 80 === 0, `${key} in the primary header`);
  bytes.write(`${key.padEnd(8)}= ${value.padStart(20)}`.padEnd(80), info.headerOffset + at, 'latin1');
  writeFileSync(file, bytes);
}

describe('a smoothing kernel wider than the map is refused, naming what made it', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  const data = path.join(tmp.dir, 'input');
  cpSync(path.join(PARITY, 'input'), data, { recursive: true });

  test('--set psfFwhm=1e300: refused by load-cubes, before any cube is read', () => {
    const f = failure(run(tmp.dir, data, ['psfFwhm=1e300']));
    assert.equal(f.reason, 'psf-too-wide');
    assert.equal(f.stage, 'load-cubes');
    assert.match(f.error, /the PSF sigma would be 7\.08e\+299 pixels \(psfFwhm = 1e\+300 \(--set psfFwhm\), over pixelScale = 0\.6" per pixel, \/ 2\.355\), wider than the 36 x 32 map/);
  });

  test('--set pixelScale=0.000001 (the declared minimum): refused at once, naming the pixel scale and the cube\'s seeing', () => {
    const f = failure(run(tmp.dir, data, ['pixelScale=0.000001']));
    assert.equal(f.reason, 'psf-too-wide');
    assert.match(f.error, /pixelScale = 0\.000001" per pixel/);
    assert.match(f.error, /SKY_RES = 1\.2 in .*CDP\.2017-03-11T04:12:11\.011\.fits/);
  });

  test('--set truncate=1e12: refused by collapse-smooth, naming truncate', () => {
    const f = failure(run(tmp.dir, data, ['truncate=1e12']));
    assert.equal(f.reason, 'psf-too-wide');
    assert.equal(f.stage, 'collapse-smooth');
    assert.match(f.error, /with truncate = 1000000000000, sigma = 0\.849\d*\), more than 4 times the 36 x 32 plane/);
  });

  test("a cube's SKY_RES = 1E300: refused, naming the card and the file", () => {
    const copy = path.join(tmp.dir, 'sky');
    cpSync(data, copy, { recursive: true });
    setPrimaryCard(path.join(copy, CUBE), 'SKY_RES', '1E300');
    const f = failure(run(tmp.dir, copy, []));
    assert.equal(f.reason, 'psf-too-wide');
    assert.match(f.error, /SKY_RES = 1e\+300 in .*CDP\.2017-03-11T04:12:11\.011\.fits/);
  });

  test('values in the notebook\'s range run as before (truncate 4, a 2" seeing)', () => {
    const r = run(tmp.dir, data, ['truncate=4', 'psfFwhm=2']);
    assert.equal(r.json?.tasks[0]?.status, 'ok', r.stderr);
  });
});

describe('the kernel bound', () => {
  test(`a radius up to ${GAUSSIAN_MAX_RADIUS_SIDES} times the longer side is smoothed; beyond, the checked entry point says why`, () => {
    const side = 7;
    const limit = GAUSSIAN_MAX_RADIUS_SIDES * side; // radius = int(3 * sigma + 0.5)
    assert.equal(gaussianTooWide(5, side, (limit - 0.5) / 3, 3), undefined);
    assert.match(gaussianTooWide(5, side, (limit + 0.6) / 3, 3) ?? '', /would reach 29 pixels/);
    assert.match(gaussianTooWide(5, side, 1, Infinity) ?? '', /would reach Infinity pixels/);
    assert.equal(gaussianTooWide(5, side, 1e-16, 1e300), undefined, 'a sigma scipy does not smooth with is never too wide');
    const cube = { data: new Float64Array(5 * side).fill(1), shape: [5, side] };
    assert.equal(smoothPlanes(cube, (limit - 0.5) / 3, 3).data.length, 5 * side);
    assert.throws(() => smoothPlanes(cube, 1, 1e12), /smoothPlanes: the gaussian kernel would reach 1000000000000 pixels/);
  });
});
