/**
 * The classes of fault found by the third fault audit (issue 21, round 3, the inputs side),
 * each through the real CLI in a temporary folder, next to an intact input that must still
 * come out (one bad galaxy never stops a catalog run).
 * Run: npm run build && node --import tsx --test test/audit3.test.ts
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FitsFile, writeFitsSync, type WriteHdu } from '../src/fits/index.ts';
import { ndarray } from '../src/ndarray.ts';
import { copyNgist, CUBE, project, SFH, task } from './helpers/audit.ts';
import { runCli, tempDir, type CliResult } from './helpers/cli.ts';

const RUN = 'NGC0000Example';



/** `run --ngist` on `ngist`, results and cache under `dir`. */
function runNgist(dir: string, ngist: string): CliResult {
  mkdirSync(dir, { recursive: true });
  return runCli(['run', '--ngist', ngist, '--k', '2', '--set', 'psfFwhm=0.8', '--out', path.join(dir, 'out'), '--cache', path.join(dir, 'cache'), '--lock', path.join(dir, 'sfh.lock'), '--plain', '--json', '--no-report'], { cwd: dir });
}


describe('an nGIST run read without its mask, or with one of two copies of a file, says so', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  test('no _mask.fits: the map differs from the intact run, so a warning names the missing mask, the bin-0 spaxels and what to do, also when cached', () => {
    const intact = task(runNgist(path.join(tmp.dir, 'a'), copyNgist(path.join(tmp.dir, 'intact'))), RUN);
    assert.equal(intact.status, 'ok', intact.error ?? '');
    assert.ok(!intact.warnings.some((w) => /mask/.test(w)), intact.warnings.join('\n'));
    const dir = copyNgist(path.join(tmp.dir, 'nomask'));
    rmSync(path.join(dir, `${RUN}_mask.fits`));
    for (const run of ['first', 'cached']) {
      const t = task(runNgist(path.join(tmp.dir, 'b'), dir), RUN);
      assert.equal(t.status, 'ok', t.error ?? '');
      assert.ok(
        t.warnings.some((w) => /^galaxy NGC0000Example \(ngist\): there is no NGC0000Example_mask\.fits in \S+nomask, so a masked spaxel whose nearest bin is 0 \(BIN_ID -0 = 0\) cannot be told from bin 0's own: all \d+ spaxels with BIN_ID 0 in \S+_table\.fits are grouped as bin 0's, masked or not; .*copy it next to the table/.test(w)),
        `${run} run: ${t.warnings.join('\n')}`,
      );
    }
  });

  test('both spellings of the weights, or X.fits next to X.fits.gz, name the one read', () => {
    const dir = copyNgist(path.join(tmp.dir, 'two'));
    copyFileSync(path.join(dir, `${RUN}_sfh-weights.fits`), path.join(dir, `${RUN}_sfh_weights.fits`));
    writeFileSync(path.join(dir, `${RUN}_table.fits.gz`), gzipSync(readFileSync(path.join(dir, `${RUN}_table.fits`))));
    const t = task(runNgist(path.join(tmp.dir, 'c'), dir), RUN);
    assert.equal(t.status, 'ok', t.error ?? '');
    assert.ok(t.warnings.some((w) => /both NGC0000Example_sfh-weights\.fits and NGC0000Example_sfh_weights\.fits \(two spellings of the SFH weights\) are in \S+: NGC0000Example_sfh-weights\.fits is read, NGC0000Example_sfh_weights\.fits is not/.test(w)), t.warnings.join('\n'));
    assert.ok(t.warnings.some((w) => /both NGC0000Example_table\.fits and NGC0000Example_table\.fits\.gz are in \S+: NGC0000Example_table\.fits is read/.test(w)), t.warnings.join('\n'));
  });
});

describe('a folder in the place of an input file is named, never "a path is a folder"', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  test('a pPXF output that is a folder fails its galaxy naming it; the intact galaxy is made', () => {
    const p = project(path.join(tmp.dir, 'muse'), ['401']);
    rmSync(p.sfh('401'));
    mkdirSync(p.sfh('401'));
    const r = p.run('all');
    assert.equal(r.code, 1, r.stderr);
    const t = task(r, '401');
    assert.equal(t.status, 'failed');
    assert.match(t.error ?? '', /^galaxy 401 \(SN401\): the pPXF output \S+\/sfh\/401_SN401\.fits is a folder, not a file/);
    assert.equal(task(r, '11').status, 'ok');
  });

  for (const name of [`${RUN}_table.fits`, `${RUN}_mask.fits`, 'CONFIG']) {
    test(`an nGIST ${name} that is a folder is named`, () => {
      const dir = copyNgist(path.join(tmp.dir, name));
      rmSync(path.join(dir, name));
      mkdirSync(path.join(dir, name));
      const t = task(runNgist(path.join(tmp.dir, `run-${name}`), dir), RUN);
      assert.equal(t.status, 'failed');
      assert.equal(t.reason, 'bad-path', t.error ?? '');
      assert.match(t.error ?? '', new RegExp(`^galaxy NGC0000Example \\(ngist\\): \\S+/${name.replace('.', '\\.')} is a folder, not a file`));
    });
  }
});

describe('a catalog laid out otherwise than pandas reads it is named for what it is', () => {
  const tmp = tempDir();
  let p: ReturnType<typeof project>;
  let text: string;
  before(() => {
    p = project(tmp.dir, ['12']);
    text = readFileSync(p.catalog, 'utf8');
  });
  after(() => tmp.remove());

  test('written without its index column (to_csv(index=False)): exit 2 naming the first column, not every galaxy failing with an empty ArcName', () => {
    writeFileSync(p.catalog, text.split('\n').map((l) => l.replace(/^[^,]*,/, '')).join('\n'));
    const r = p.run('all');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /the catalog \S+catalog\.csv has 'ArcName' as its first column, but the first column must hold the galaxy ids .*index=False/);
    assert.doesNotMatch(r.stderr, /is empty/);
  });

  test('tab- or semicolon-separated: exit 2 saying so, not "has no columns"', () => {
    for (const [sep, words] of [['\t', /split by tabs/], [';', /split by semicolons/]] as const) {
      writeFileSync(p.catalog, text.replaceAll(',', sep));
      const r = p.run('all');
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /the catalog \S+catalog\.csv is not comma-separated: its header row is one column, /);
      assert.match(r.stderr, words);
    }
  });

  test('a header that ends with a comma (an unnamed last column, as pandas reads it): every galaxy is made', () => {
    writeFileSync(p.catalog, text.replace('z\n', 'z,\n'));
    const r = p.run('all');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json?.tasks.map((t) => t.status), ['ok', 'ok']);
  });
});

/** The parity pPXF output with HDU `index`'s data replaced by `fn` of it, written to `file`. */
function rewriteSfh(file: string, index: number, fn: (v: number, i: number) => number): void {
  const f = FitsFile.open(SFH);
  const hdus: WriteHdu[] = f.hdus.map((h) => {
    const d = f.readImage(h.index);
    return { data: h.index === index ? ndarray(d.data.map(fn), d.shape) : d, cards: h.header.cards };
  });
  f.close();
  writeFitsSync(file, hdus);
}

describe('pPXF weights or a best fit that leave nothing to group fail naming the file, not the smoothed cube', () => {
  const tmp = tempDir();
  let r: CliResult;
  before(() => {
    const p = project(tmp.dir, ['501', '502', '503', '504']);
    rewriteSfh(p.sfh('501'), 1, () => NaN); // weights all NaN
    rewriteSfh(p.sfh('502'), 1, (v, i) => (i % 997 === 5 ? Infinity : v)); // +Inf weights here and there
    rewriteSfh(p.sfh('503'), 0, () => NaN); // best fit all NaN
    rewriteSfh(p.sfh('504'), 1, () => 0); // weights all zero
    r = p.run('all');
  });
  after(() => tmp.remove());

  test('all-NaN or all-zero weights: no-valid-pixels naming HDU 1 of the pPXF output', () => {
    for (const id of ['501', '504']) {
      const t = task(r, id);
      assert.equal(t.reason, 'no-valid-pixels', t.error ?? '');
      assert.match(t.error ?? '', new RegExp(`^galaxy ${id}: the SFH weights in \\S+/${id}_SN${id}\\.fits HDU 1 are NaN, zero or negative in all \\d+ pixels with a mass`));
    }
  });
  test('+Inf weights: bad-input naming the file, the count and the first pixel', () => {
    const t = task(r, '502');
    assert.equal(t.reason, 'bad-input', t.error ?? '');
    assert.match(t.error ?? '', /^galaxy 502: the SFH weights in \S+\/502_SN502\.fits HDU 1 sum to \+Inf over metallicity in \d+ pixels with a mass \(the first at x=\d+, y=\d+\)/);
  });
  test('an all-NaN best fit: no-valid-pixels naming HDU 0; the intact galaxy is made', () => {
    const t = task(r, '503');
    assert.equal(t.reason, 'no-valid-pixels', t.error ?? '');
    assert.match(t.error ?? '', /^galaxy 503: no pixel has a mass: the pPXF best fit in \S+\/503_SN503\.fits HDU 0 has a median over wavelength that is NaN in every pixel/);
    assert.equal(task(r, '11').status, 'ok');
    assert.equal(r.code, 1);
  });
});

describe('a cube whose DATA has an axis of length 0 is said to hold no data', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  test('NAXIS3 = 0: the cube is named, not the pPXF output for disagreeing with it', () => {
    const p = project(tmp.dir, ['601']);
    const f = FitsFile.open(CUBE);
    const hdus: WriteHdu[] = f.hdus.map((h) => {
      const d = h.isImage ? f.readImage(h.index) : null;
      return { data: d && h.name === 'DATA' ? ndarray(new Float32Array(0), [0, ...d.shape.slice(1)]) : d, cards: h.header.cards, ...(h.index > 0 && h.name ? { extname: h.name } : {}) };
    });
    f.close();
    writeFitsSync(p.cube('601'), hdus);
    const r = p.run('all');
    const t = task(r, '601');
    assert.equal(t.reason, 'bad-input', t.error ?? '');
    assert.match(t.error ?? '', /^galaxy 601 \(SN601\): \S+\/CDP\.601\.fits HDU DATA holds no data: NAXIS3 = 0 \(shape \[0, 32, 36\]\)/);
    assert.doesNotMatch(t.error ?? '', /pPXF/);
    assert.equal(task(r, '11').status, 'ok');
  });
});
