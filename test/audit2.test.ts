/**
 * The classes of fault found by the second fault audit (issue 21, round 2), each through the
 * real CLI in a temporary folder: copies of the parity galaxy, each damaged in one way, next
 * to an intact one that must still come out (one bad galaxy never stops a catalog run).
 * Run: node --import tsx --test test/audit2.test.ts (after npm run build)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FitsFile, writeFitsSync, type WriteHdu } from '../src/fits/index.ts';
import { CUBE, GOOD, project, task } from './helpers/audit.ts';
import { runCli, tempDir, type CliResult } from './helpers/cli.ts';


/** The parity cube's HDUs, rewritten by `fn` (which may reorder, drop or rename them) into `file`. */
function rewriteCube(file: string, fn: (hdus: WriteHdu[]) => WriteHdu[]): void {
  const f = FitsFile.open(CUBE);
  const hdus: WriteHdu[] = f.hdus.map((h) => ({ data: h.isImage ? f.readImage(h.index) : null, cards: h.header.cards, ...(h.index > 0 && h.name ? { extname: h.name } : {}) }));
  f.close();
  writeFitsSync(file, fn(hdus));
}


/** Mounts a tmpfs with `options` at `dir` (made here); false, with the test skipped, where that needs root. */
function mountTmpfs(t: TestContext, dir: string, options: string): boolean {
  mkdirSync(dir);
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' }).status === 0) return true;
  if (process.env['CI']) assert.fail('cannot mount a tmpfs in CI');
  t.skip('cannot mount a tmpfs here (needs root)');
  return false;
}


describe('the cube HDU read is the one named DATA, or an unnamed HDU 1; never another HDU without a word', () => {
  const tmp = tempDir();
  let r: CliResult;
  before(() => {
    const p = project(tmp.dir, ['401', '402', '403']);
    // 401: DATA missing, so STAT is HDU 1 (the notebook's [1] would read STAT as flux)
    rewriteCube(p.cube('401'), (h) => h.filter((x) => x.extname !== 'DATA'));
    // 402: STAT renamed DATA: two HDUs answer to the name
    rewriteCube(p.cube('402'), (h) => h.map((x) => (x.extname === 'STAT' ? { ...x, extname: 'DATA', cards: x.cards.filter((c) => c.key !== 'EXTNAME') } : x)));
    // 403: no EXTNAME at all: HDU 1 is read, as the notebook reads it
    rewriteCube(p.cube('403'), (h) => h.map(({ extname: _, ...x }) => ({ ...x, cards: x.cards.filter((c) => c.key !== 'EXTNAME') })));
    r = p.run('all');
  });
  after(() => tmp.remove());

  test('a cube without DATA whose HDU 1 is named STAT fails its galaxy, naming both', () => {
    const t = task(r, '401');
    assert.equal(t.status, 'failed');
    assert.equal(t.reason, 'no-such-hdu');
    assert.match(t.error ?? '', /^galaxy 401 \(SN401\): CDP\.401\.fits: HDU 'DATA' not found \(HDUs: 'PRIMARY', 'STAT'\), and HDU #1 is named 'STAT', so it is not taken for it .*name it DATA/);
  });
  test('two HDUs named DATA fail the galaxy', () => {
    const t = task(r, '402');
    assert.equal(t.status, 'failed');
    assert.equal(t.reason, 'bad-header');
    assert.match(t.error ?? '', /CDP\.402\.fits: 2 HDUs are named 'DATA' \(#1, #2;/);
  });
  test('unnamed HDUs are read as the notebook reads them, and the intact galaxy is made', () => {
    assert.equal(task(r, '403').status, 'ok', task(r, '403').error ?? '');
    assert.equal(task(r, '11').status, 'ok');
    assert.equal(r.code, 1);
  });
});

describe('the results folder is apart from the cache and the input folders', () => {
  const tmp = tempDir();
  let p: ReturnType<typeof project>;
  before(() => (p = project(tmp.dir, [])));
  after(() => tmp.remove());

  test('--out into the cache, or at the pPXF or cube folder, is refused before anything runs; no input is overwritten', () => {
    const sfhBefore = readFileSync(p.sfh('11'));
    const cases: [string[], RegExp][] = [
      [['--out', path.join(tmp.dir, 'cache', 'objects')], /--out .*cache[/\\]objects is inside the cache folder /],
      [['--out', path.join(tmp.dir, 'sfh'), '--set', 'name={id}_{sn}.fits'], /--out .*sfh is the folder of the inputs \(--sfh /],
      [['--out', path.join(tmp.dir, 'x', '..', 'cubes')], /--out .*cubes is the folder of the inputs \(--cubes /],
    ];
    for (const [extra, message] of cases) {
      const r = runCli(['run', '--galaxy', '11', '--k', '2', '--no-report', '--catalog', p.catalog, '--cubes', path.join(tmp.dir, 'cubes'), '--sfh', path.join(tmp.dir, 'sfh'), '--cache', path.join(tmp.dir, 'cache'), '--lock', path.join(tmp.dir, 'lock'), ...extra], { cwd: tmp.dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
    assert.ok(readFileSync(p.sfh('11')).equals(sfhBefore), 'the pPXF output is untouched');
  });
});

describe('a catalog that is not UTF-8 is refused, as pandas refuses it, naming the line and the byte', () => {
  const tmp = tempDir();
  let p: ReturnType<typeof project>;
  before(() => (p = project(tmp.dir, ['401'])));
  after(() => tmp.remove());

  test('a Latin-1 byte in an SN name: exit 2 with the line, never a name with U+FFFD in it', () => {
    writeFileSync(p.catalog, Buffer.concat([readFileSync(p.catalog), Buffer.from('402,ADP.401,SN2016', 'latin1'), Buffer.from([0xe9]), Buffer.from(`x,${GOOD.ra},${GOOD.dec},Ia,0.01\n`, 'latin1')]));
    const r = p.run('11');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /the catalog .*catalog\.csv is not UTF-8 text: line 4, column 19 holds the byte 0xe9 .*iconv -f LATIN1 -t UTF-8/);
    assert.doesNotMatch(r.stderr + r.stdout, /\ufffd\.fits/);
  });
  test('UTF-16 is named as such; UTF-8 with a BOM and accents is read', () => {
    const text = readFileSync(p.catalog, 'latin1').split('\n').slice(0, 3).join('\n') + '\n';
    writeFileSync(p.catalog, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const r16 = p.run('11');
    assert.equal(r16.code, 2, r16.stderr);
    assert.match(r16.stderr, /is UTF-16 text, not UTF-8/);
    writeFileSync(p.catalog, `\ufeff${text.replace('SN401,', 'SN401é,')}`);
    const ok = p.run('11');
    assert.equal(ok.code, 0, ok.stderr);
  });
});

describe('an input present both as X.fits and X.fits.gz is read with a word saying which', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  test('the warning names both and the one read, on the first run and on a cached rerun', () => {
    const p = project(tmp.dir, []);
    writeFileSync(`${p.cube('11')}.gz`, gzipSync(readFileSync(p.cube('11'))));
    for (const run of ['first', 'cached']) {
      const t = task(p.run('11'), '11');
      assert.equal(t.status, 'ok', t.error ?? '');
      assert.ok(t.warnings.some((w) => /^galaxy 11 \(SN2013aa\): both CDP\.2017-03-11T04:12:11\.011\.fits and CDP\.2017-03-11T04:12:11\.011\.fits\.gz are in .*: CDP\.2017-03-11T04:12:11\.011\.fits is read, CDP\.2017-03-11T04:12:11\.011\.fits\.gz is not/.test(w)), `${run} run: ${t.warnings.join('\n')}`);
    }
  });
});

describe('a result name the write stage cannot use is the run\'s error, before anything runs', () => {
  const tmp = tempDir();
  let p: ReturnType<typeof project>;
  before(() => (p = project(tmp.dir, [])));
  after(() => tmp.remove());

  test('an unknown placeholder or a folder in --set name exits 2 naming it; nothing is written', () => {
    for (const [name, message] of [
      ['{foo}_{k}.fits', /^sfh-pipeline: --set name: "\{foo\}_\{k\}\.fits" has the placeholder \{foo\}, which is not one of \{id\}, \{sn\}, \{k\}, \{seed\}/],
      ['../../x_{k}.fits', /^sfh-pipeline: --set name: "\.\.\/\.\.\/x_\{k\}\.fits" is not a file name: it holds a folder .*the folder is --out/],
    ] as const) {
      const r = p.run('11', ['--set', `name=${name}`]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /catalog/);
    }
    assert.ok(!existsSync(path.join(tmp.dir, 'out')), 'no results folder');
    assert.equal(task(p.run('11', ['--set', 'name={id}_{sn}_{k}_s{seed}.fits']), '11').status, 'ok');
  });
});

describe('a disk that fills up while a picture or table is written: the message names the file', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  test('ENOSPC from a write on an open file (not from open) names the file it was writing', (t) => {
    // A real 1 MiB tmpfs as the results folder, filled but for 40 KiB: the result FITS
    // (31 KB) fits, its first picture does not. Root can mount one here.
    const small = path.join(tmp.dir, 'small');
    if (!mountTmpfs(t, small, 'size=1m')) return;
    try {
      spawnSync('dd', ['if=/dev/zero', `of=${path.join(small, 'filler')}`, 'bs=1k', `count=${1024 - 40}`], { stdio: 'ignore' });
      const p = project(tmp.dir, []);
      const r = runCli(['run', '--galaxy', '11', '--k', '2', '--catalog', p.catalog, '--cubes', path.join(tmp.dir, 'cubes'), '--sfh', path.join(tmp.dir, 'sfh'), '--out', path.join(small, 'out'), '--cache', path.join(tmp.dir, 'cache'), '--lock', path.join(tmp.dir, 'lock'), '--json'], { cwd: tmp.dir });
      const task11 = task(r, '11');
      assert.equal(task11.reason, 'disk-full', task11.error ?? r.stderr);
      assert.match(task11.error ?? '', /no space left on the device writing \/\S+\/small\/out\/11_SN2013aa_2_map\.png \(ENOSPC, write\)/);
      assert.doesNotMatch(r.stdout + r.stderr, /writing \(E/);
    } finally {
      spawnSync('umount', [small], { stdio: 'ignore' });
    }
  });
});

describe('a results folder to be made on a read-only file system', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  test('says the file system is read-only (EROFS), not that the folder it was to make does not exist', (t) => {
    const ro = path.join(tmp.dir, 'ro');
    if (!mountTmpfs(t, ro, 'size=64k,ro')) return;
    try {
      const p = project(tmp.dir, []);
      for (const [option, where] of [['--out', path.join(ro, 'out', 'GroupMap')], ['--cache', path.join(ro, 'cache')]] as const) {
        const places = { '--out': path.join(tmp.dir, 'out'), '--cache': path.join(tmp.dir, 'cache'), [option]: where };
        const r = runCli(['run', '--galaxy', '11', '--k', '2', '--catalog', p.catalog, '--cubes', path.join(tmp.dir, 'cubes'), '--sfh', path.join(tmp.dir, 'sfh'), '--lock', path.join(tmp.dir, 'lock'), ...Object.entries(places).flat()], { cwd: tmp.dir });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, new RegExp(`${option} \\S+ cannot be made: cannot write \\S+: the file system is read-only \\(EROFS, mkdir\\)`));
        assert.doesNotMatch(r.stderr, /does not exist/);
      }
    } finally {
      spawnSync('umount', [ro], { stdio: 'ignore' });
    }
  });
});

describe('a legal but huge parameter value is a clear error naming it, or just works; never a bare throw', () => {
  const tmp = tempDir();
  let p: ReturnType<typeof project>;
  before(() => (p = project(tmp.dir, [])));
  after(() => tmp.remove());

  test('--k 1e12 fails the galaxy with k-too-large, not stage-threw', () => {
    const t = task(p.run('11', ['--k', '999999999999']), '11');
    assert.equal(t.reason, 'k-too-large', t.error ?? '');
    assert.match(t.error ?? '', /k=999999999999 groups for a map of \d+ x \d+ = \d+ pixels \(the clustering makes at most 1048576 groups\)/);
  });
  test('--set maxIter=1e15 (a bound, not a size) runs as maxIter=100 does', () => {
    const t = task(p.run('11', ['--set', 'maxIter=1000000000000000']), '11');
    assert.equal(t.status, 'ok', t.error ?? '');
  });
  test('--set dtdSteps=1e9 fails the DTD fit naming dtdSteps and dtdWalkers, quickly', () => {
    const r = p.run('11', ['--set', 'dtdSteps=1000000000']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr + r.stdout, /dtd: dtdSteps x dtdWalkers = 1000000000 x 36 = 36000000000 samples, more than the 20000000 a chain may hold/);
    assert.doesNotMatch(r.stderr + r.stdout, /Invalid typed array length/);
    assert.equal(task(r, '11').status, 'ok', 'the galaxy\'s own result is made');
  });
});

describe('a catalog row with too few or too many fields fails its galaxy only, with its line', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  test('a missing comma, an extra field and a row of commas: two galaxies fail, the rest is made', () => {
    const p = project(tmp.dir, ['401', '402', '403']);
    const lines = readFileSync(p.catalog, 'utf8').split('\n');
    // 401 loses the comma between SN RA and SN DEC (its DEC would read z); 402 gains a field
    const edited = lines.map((l) => (l.startsWith('401,') ? l.replace(`${GOOD.ra},`, GOOD.ra) : l.startsWith('402,') ? `${l},extra` : l));
    writeFileSync(p.catalog, `${edited.join('\n').trimEnd()}\n,,,,,,\n\n`);
    const r = p.run('all');
    assert.equal(r.code, 1, r.stderr);
    const t401 = task(r, '401');
    assert.equal(t401.reason, 'catalog-invalid');
    assert.match(t401.error ?? '', /^galaxy 401 of \S+catalog\.csv: line 3 has 6 fields, the header 7, so its values may sit under the wrong columns/);
    assert.match(task(r, '402').error ?? '', /line 4 has 8 fields, the header 7/);
    assert.equal(task(r, '11').status, 'ok');
    assert.equal(task(r, '403').status, 'ok');
    assert.equal(r.json?.tasks.length, 4, 'the row of commas is no galaxy');
  });
});

describe('an id on two rows of the catalog fails that galaxy only, naming both lines', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  // pandas reads both rows under one index value and the notebook's df.loc[id] gives two rows
  // for one galaxy: which is meant is a guess. It once stopped the whole catalog (exit 2).
  test('the twice-used id fails with its lines, every other galaxy is made', () => {
    const p = project(tmp.dir, ['401', '402']);
    const lines = readFileSync(p.catalog, 'utf8').trimEnd().split('\n');
    const row401 = lines.find((l) => l.startsWith('401,'));
    assert.ok(row401);
    writeFileSync(p.catalog, `${[...lines, row401.replace(GOOD.ra, String(Number(GOOD.ra) + 0.001))].join('\n')}\n`);
    const r = p.run('all');
    assert.equal(r.code, 1, r.stderr);
    const t401 = task(r, '401');
    assert.equal(t401.reason, 'catalog-invalid');
    assert.match(t401.error ?? '', /^galaxy 401 of \S+catalog\.csv: the id 401 is on 2 rows \(lines 3, 5\)/);
    assert.equal(task(r, '11').status, 'ok');
    assert.equal(task(r, '402').status, 'ok');
    assert.equal(r.json?.tasks.filter((t) => t.galaxy === '401').length, 1, 'one galaxy 401, not two');
  });
});

describe('a WCS keyword twice in the cube header with different values is refused', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  test('astropy\'s WCS reads the last, header[key] the first: the galaxy fails naming both values; identical twins are fine', () => {
    const p = project(tmp.dir, ['401', '402']);
    const twin = (value: (v: number) => number) => (h: WriteHdu[]) =>
      h.map((x) => {
        if (x.extname !== 'DATA') return x;
        const crval = x.cards.find((c) => c.key === 'CRVAL1');
        assert.ok(crval && typeof crval.value === 'number');
        return { ...x, cards: [{ ...crval, value: value(crval.value) }, ...x.cards] };
      });
    rewriteCube(p.cube('401'), twin((v) => v + 0.001));
    rewriteCube(p.cube('402'), twin((v) => v));
    const r = p.run('all');
    const t = task(r, '401');
    assert.equal(t.reason, 'bad-value', t.error ?? '');
    assert.match(t.error ?? '', /CRVAL1 is in the header 2 times, with different values \(112\.3\d*, 112\.3\d*\)/);
    assert.equal(task(r, '402').status, 'ok', task(r, '402').error ?? '');
    assert.equal(task(r, '11').status, 'ok');
  });
});

describe('a catalog that is compressed or a workbook is read or named for what it is', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  test('catalog.csv.gz is read as pandas reads it; an .xlsx is refused as a zip archive, not as text', () => {
    const p = project(tmp.dir, []);
    const gz = `${p.catalog}.gz`;
    writeFileSync(gz, gzipSync(readFileSync(p.catalog)));
    const args = (catalog: string) => ['run', '--galaxy', '11', '--k', '2', '--no-report', '--catalog', catalog, '--cubes', path.join(tmp.dir, 'cubes'), '--sfh', path.join(tmp.dir, 'sfh'), '--out', path.join(tmp.dir, 'out'), '--cache', path.join(tmp.dir, 'cache'), '--lock', path.join(tmp.dir, 'lock'), '--json'];
    const fromGz = runCli(args(gz), { cwd: tmp.dir });
    assert.equal(fromGz.code, 0, fromGz.stderr);
    assert.equal(task(fromGz, '11').status, 'ok');
    const xlsx = path.join(tmp.dir, 'catalog.xlsx');
    writeFileSync(xlsx, Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)]));
    const r = runCli(args(xlsx), { cwd: tmp.dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /the catalog \S+catalog\.xlsx is a zip archive \(an Excel \.xlsx workbook, or a zipped file\), not a CSV file/);
  });
});
