/**
 * nGIST/GIST input (docs/ngist.md), through the real CLI on the real GIST 3.1 tutorial
 * results in test/fixtures/ngist/ (30 x 30 spaxels, 28 Voronoi bins, 58 masked, 53 ages x
 * 12 metallicities, light-weighted). Checks: the group map's shape, masked spaxels
 * excluded, one group per bin before smoothing (truncate=0; the result's BINS HDU names
 * each spaxel's bin), reruns stable (cached and from scratch, byte for byte), a k change
 * reruns only the clustering, the lock file and verify, the light-weights warning and the
 * three clear errors (not an nGIST folder, bins that disagree, no GRID).
 * Run: npm run build && node --import tsx --test test/ngist.test.ts
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FitsFile } from '../src/fits/index.ts';
import { findNgistRun } from '../src/ngist/files.ts';
import { readNgist } from '../src/ngist/read.ts';
import { ROOT, runCli, tempDir, type CliResult } from './helpers/cli.ts';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'ngist');
const RESULT = (out: string, k: number) => path.join(out, `NGC0000Example_ngist_${k}.fits`);

let tmp: { dir: string; remove: () => void };
before(() => {
  tmp = tempDir('sfh-ngist-');
});
after(() => tmp.remove());

/** `run --ngist` with results, cache and lock under `dir`. */
function runNgist(dir: string, extra: string[], ngist = FIXTURE): CliResult {
  return runCli(['run', '--ngist', ngist, '--set', 'psfFwhm=0.8', '--out', path.join(dir, 'out'), '--cache', path.join(dir, 'cache'), '--lock', path.join(dir, 'sfh.lock'), '--plain', '--json', '--no-report', ...extra], { cwd: dir });
}

function read(file: string) {
  const f = FitsFile.open(file);
  try {
    const map = f.readImage(0);
    const bins = f.readImage('BINS');
    const ages = f.readImage('AGES');
    const sfh = f.readImage(1);
    return { header: f.hdu(0).header, map: map.shape, mapData: map.data as Float64Array, bins: bins.data as Int32Array, ages: Array.from(ages.data as Float64Array), sfhShape: sfh.shape };
  } finally {
    f.close();
  }
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Bins whose spaxels carry more than one group. */
function splitBins(map: Float64Array, bins: Int32Array): number[] {
  const groups = new Map<number, Set<number>>();
  for (let p = 0; p < map.length; p++) {
    if (bins[p]! < 0 || Number.isNaN(map[p]!)) continue;
    const s = groups.get(bins[p]!) ?? new Set<number>();
    s.add(map[p]!);
    groups.set(bins[p]!, s);
  }
  return [...groups].filter(([, s]) => s.size > 1).map(([b]) => b);
}

describe('nGIST input through the CLI (real GIST 3.1 tutorial results)', () => {
  let first: CliResult;
  let dir = '';
  before(() => {
    dir = path.join(tmp.dir, 'main');
    mkdirSync(dir);
    first = runNgist(dir, ['--k', '2..3']);
  });

  test('the run succeeds, warns that the weights are light fractions and records it', () => {
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.json?.tasks.length, 2);
    for (const t of first.json!.tasks) {
      assert.equal(t.status, 'ok');
      assert.ok(t.warnings.some((w) => /LIGHT fractions \(NORM_TEMP = LIGHT, from CONFIG PREPARE_TEMPLATES.NORM_TEMP\)/.test(w)), t.warnings.join('\n'));
    }
    const r = read(RESULT(path.join(dir, 'out'), 3));
    assert.equal(r.header.get('SFHWEIGH'), 'LIGHT');
    assert.equal(r.header.get('INPUT'), 'nGIST');
    assert.equal(r.header.get('NGISTRUN'), 'NGC0000Example');
    assert.equal(r.header.get('MASSSRC'), 'FLUX');
    assert.equal(r.header.get('NBINS'), 28);
    // PSF sigma from --set psfFwhm and PIXSIZE, not the notebook's fixed 0.6"
    assert.ok(Math.abs((r.header.get('PSFSIG') as number) - 0.8 / 0.2000000000000001 / 2.355) < 1e-12);
    assert.equal(r.header.get('SNGROUP'), null, 'no SN was given');
  });

  test('the group map is 30 x 30; the mean SFHs are over the file\'s 53 ages, labelled from GRID', () => {
    const r = read(RESULT(path.join(dir, 'out'), 3));
    assert.deepEqual(r.map, [30, 30]);
    assert.equal(r.header.get('NAGES'), 53);
    assert.equal(r.sfhShape[1], 53);
    assert.equal(r.ages.length, 53);
    // GRID's LOGAGE is log10(age / Gyr): the grid starts at 0.03 Gyr and ends at 14 Gyr
    assert.ok(Math.abs(r.ages[0]! - 0.03) < 1e-12 && Math.abs(r.ages[52]! - 14) < 1e-9, `${r.ages[0]} .. ${r.ages[52]}`);
  });

  test('masked spaxels (BIN_ID < 0 or MASK = 1) are excluded: NaN in the map, -1 in BINS', () => {
    const r = read(RESULT(path.join(dir, 'out'), 3));
    let masked = 0;
    for (let p = 0; p < 900; p++) {
      if (r.bins[p]! >= 0) continue;
      masked++;
      assert.ok(Number.isNaN(r.mapData[p]!), `masked spaxel ${p} has group ${r.mapData[p]}`);
    }
    assert.equal(masked, 58);
    const grouped = r.mapData.filter((v) => !Number.isNaN(v)).length;
    assert.equal(r.header.get('NVALID'), grouped);
    assert.ok(grouped > 700 && grouped <= 842, `${grouped} spaxels grouped`);
  });

  test('before smoothing (truncate=0) every spaxel of a bin gets the same group', () => {
    const d = path.join(tmp.dir, 'unsmoothed');
    mkdirSync(d);
    const r = runNgist(d, ['--k', '3', '--set', 'truncate=0']);
    assert.equal(r.code, 0, r.stderr);
    const res = read(RESULT(path.join(d, 'out'), 3));
    assert.deepEqual(splitBins(res.mapData, res.bins), []);
    // and every unmasked spaxel is grouped: identical SFHs within a bin, each summing to 1
    assert.equal(res.mapData.filter((v) => !Number.isNaN(v)).length, 842);
    // the smoothed map (the default) is what splits bins at their edges: say how many
    const smoothed = read(RESULT(path.join(dir, 'out'), 3));
    const split = splitBins(smoothed.mapData, smoothed.bins).length;
    assert.ok(split < 28);
  });

  test('a rerun is fully cached and byte-identical; so is a run from an empty cache', () => {
    const before2 = sha(RESULT(path.join(dir, 'out'), 2));
    const again = runNgist(dir, ['--k', '2..3']);
    assert.equal(again.code, 0, again.stderr);
    for (const t of again.json!.tasks) assert.ok(t.stages.every((s) => s.status === 'cached'), JSON.stringify(t.stages));
    assert.equal(sha(RESULT(path.join(dir, 'out'), 2)), before2);
    const fresh = path.join(tmp.dir, 'fresh');
    mkdirSync(fresh);
    const r = runNgist(fresh, ['--k', '2..3']);
    assert.equal(r.code, 0, r.stderr);
    for (const k of [2, 3]) assert.equal(sha(RESULT(path.join(fresh, 'out'), k)), sha(RESULT(path.join(dir, 'out'), k)), `k=${k}`);
  });

  test('a new k reruns only the clustering and what follows it', () => {
    const r = runNgist(dir, ['--k', '4']);
    assert.equal(r.code, 0, r.stderr);
    const stages = Object.fromEntries(r.json!.tasks[0]!.stages.map((s) => [s.name, s.status]));
    assert.deepEqual(stages, { catalog: 'cached', 'load-cubes': 'cached', 'mass-map': 'cached', 'collapse-smooth': 'cached', cluster: 'ran', write: 'ran', plot: 'ran' });
  });

  test('the lock file lists the nGIST files as inputs, and verify reproduces every output', () => {
    const lock = readFileSync(path.join(dir, 'sfh.lock'), 'utf8');
    for (const f of ['NGC0000Example_table.fits', 'NGC0000Example_sfh-weights.fits', 'NGC0000Example_mask.fits', 'CONFIG']) assert.ok(lock.includes(f), `lock lists ${f}`);
    const v = runCli(['verify', '--lock', path.join(dir, 'sfh.lock')], { cwd: dir });
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });
});

describe('nGIST input from a catalog column', () => {
  test('an NGIST column (relative to the catalog) with an SN and SKY_RES: no WCS in GIST 3.1, so the SN is not placed, said so', () => {
    const d = path.join(tmp.dir, 'catalog');
    mkdirSync(path.join(d, 'results'), { recursive: true });
    for (const f of readdirSync(FIXTURE)) copyFileSync(path.join(FIXTURE, f), path.join(d, 'results', f));
    writeFileSync(path.join(d, 'cat.csv'), ',SN Name,SN Type,ArcName,SN RA,SN DEC,NGIST,SKY_RES\n7,SN2099x,Ia,NGC0000,10.5,-20.25,results,0.9\n');
    const r = runCli(['run', '--catalog', path.join(d, 'cat.csv'), '--galaxy', '7', '--k', '2', '--out', path.join(d, 'out'), '--cache', path.join(d, 'cache'), '--lock', path.join(d, 'sfh.lock'), '--plain', '--json', '--no-report'], { cwd: d });
    assert.equal(r.code, 0, r.stderr);
    const t = r.json!.tasks[0]!;
    assert.ok(t.warnings.some((w) => /GIST <= 3\.1 writes no WCS\) nor a cube in --cubes gives a WCS, so the SN's group is not determined/.test(w)), t.warnings.join('\n'));
    const res = read(path.join(d, 'out', '7_SN2099x_2.fits'));
    assert.deepEqual(res.map, [30, 30]);
    assert.ok(Math.abs((res.header.get('PSFSIG') as number) - 0.9 / 0.2000000000000001 / 2.355) < 1e-12, 'SKY_RES from the catalog');
  });
});

describe('nGIST input: clear errors', () => {
  /** A copy of the fixture folder, to break. */
  function copy(name: string): string {
    const d = path.join(tmp.dir, name);
    mkdirSync(d);
    for (const f of readdirSync(FIXTURE)) copyFileSync(path.join(FIXTURE, f), path.join(d, f));
    return d;
  }

  test('--ngist with --catalog is a usage error, not a silent choice', () => {
    const r = runCli(['run', '--ngist', FIXTURE, '--catalog', 'x.csv', '--k', '2'], { cwd: tmp.dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--ngist and --catalog both given/);
  });

  test('a folder that is not an nGIST result names the folder and what it lacks', () => {
    const d = path.join(tmp.dir, 'notngist');
    mkdirSync(d);
    writeFileSync(path.join(d, 'cube.fits'), 'x');
    const r = runNgist(d, ['--k', '2'], d);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /is not an nGIST\/GIST result: it has no <run>_table\.fits \(FITS files there: cube\.fits\)/);
    assert.ok(r.stderr.includes(d));
  });

  test('a table and weights that disagree on the bins name both files', () => {
    const d = copy('mismatch');
    const table = path.join(d, 'NGC0000Example_table.fits');
    // Spaxel 0's BIN_ID (TABLE row 0, bytes 4..8) points to a bin the weights do not have.
    const f = FitsFile.open(table);
    const at = f.hdu('TABLE').dataOffset + 4;
    f.close();
    const bytes = readFileSync(table);
    bytes.writeInt32BE(28, at);
    writeFileSync(table, bytes);
    const r = runNgist(d, ['--k', '2'], d);
    assert.equal(r.code, 1);
    const err = r.json!.tasks[0]!;
    assert.equal(err.reason, 'ngist-mismatch');
    assert.match(err.error!, /has bins 0\.\.28 \(29\), but .*NGC0000Example_sfh-weights\.fits has weights for 28 bins/);
  });

  test('weights without their GRID say the ages are unknown', () => {
    const d = copy('nogrid');
    const weights = path.join(d, 'NGC0000Example_sfh-weights.fits');
    const f = FitsFile.open(weights);
    const cut = f.hdu('GRID').headerOffset;
    f.close();
    writeFileSync(weights, readFileSync(weights).subarray(0, cut));
    const r = runNgist(d, ['--k', '2'], d);
    assert.equal(r.code, 1);
    assert.equal(r.json!.tasks[0]!.reason, 'ngist-no-grid');
    assert.match(r.json!.tasks[0]!.error!, /has no GRID table .* so the ages of the weights are unknown/);
  });
});

describe('nGIST files (no CLI)', () => {
  test("the `_sfh_weights.fits` spelling (nGIST's dev branch) reads the same as `_sfh-weights.fits`", async () => {
    const d = path.join(tmp.dir, 'underscore');
    mkdirSync(d);
    for (const f of readdirSync(FIXTURE)) copyFileSync(path.join(FIXTURE, f), path.join(d, f.replace('_sfh-weights', '_sfh_weights')));
    const a = await readNgist(findNgistRun(FIXTURE, 'test'), 'test');
    const b = await readNgist(findNgistRun(d, 'test'), 'test');
    assert.ok(b.files.weights.endsWith('_sfh_weights.fits'));
    assert.deepEqual(b.binSfh, a.binSfh);
    assert.deepEqual(b.binOf, a.binOf);
  });

  test('each bin\'s age vector is its weights summed over metallicity; the mean ages match _sfh.fits AGE', async () => {
    const run = await readNgist(findNgistRun(FIXTURE, 'test'), 'test');
    assert.equal(run.bins, 28);
    assert.equal(run.nx * run.ny, 900);
    const f = FitsFile.open(path.join(FIXTURE, 'NGC0000Example_sfh.fits'));
    const age = f.readTable('SFH').column('AGE').data as Float64Array;
    f.close();
    for (let b = 0; b < 28; b++) {
      let num = 0;
      let den = 0;
      for (let a = 0; a < 53; a++) {
        num += run.binSfh[b * 53 + a]! * run.ages[a]!;
        den += run.binSfh[b * 53 + a]!;
      }
      assert.ok(Math.abs(num / den - age[b]!) < 1e-12 * age[b]!, `bin ${b}: ${num / den} vs nGIST's ${age[b]}`);
    }
  });
});
