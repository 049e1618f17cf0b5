/**
 * The fault-injection suite: bad inputs of every kind in one catalog (each galaxy fails
 * with an error naming its file and the fix, and the good galaxy still succeeds), SIGKILL
 * at many random moments followed by --resume, two runs at once on one cache and output
 * folder, and a full disk. Everything goes through the real CLI. The closing note of the
 * reliability issue reports the counts this suite prints.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sha256File } from '../src/cache/file-hash.ts';
import { FitsFile, formatCard, writeFitsSync } from '../src/fits/index.ts';
import { ndarray } from '../src/ndarray.ts';
import { parseLock } from '../src/provenance/lock.ts';
import { BIN, PARITY, runCli, tempDir, type TaskJson } from './helpers/cli.ts';
import { cachedRecords, killWhen } from './helpers/kill.ts';

const GOOD = { id: '11', sn: 'SN2013aa', arc: 'ADP.2017-03-11T04:12:11.011', ra: '112.33550185516356', dec: '-58.94783969453248' };
const COLUMNS = ',ArcName,SN Name,SN RA,SN DEC,SN Type,z';

interface Case {
  id: string;
  /** What to do to the copies of galaxy 11's files (cube, pPXF output). */
  make?: (cube: string, sfh: string) => void;
  row?: Partial<{ arc: string; sn: string; ra: string; dec: string }>;
  status: 'ok' | 'failed';
  reason?: string;
  error?: RegExp;
  warning?: RegExp;
}

function cardBlock(cards: { key: string; value?: string | number | boolean }[]): Buffer {
  const text = [...cards.flatMap((c) => formatCard({ key: c.key, value: c.value ?? null })), 'END'.padEnd(80)].join('');
  return Buffer.from(text.padEnd(Math.ceil(text.length / 2880) * 2880, ' '), 'latin1');
}

/** Replaces a header card's value in place (same width), e.g. BITPIX -32 -> 12. */
function patchCard(file: string, hdu: number, key: string, value: string): void {
  const fits = FitsFile.open(file);
  const info = fits.hdu(hdu);
  fits.close();
  const bytes = readFileSync(file);
  const header = bytes.subarray(info.headerOffset, info.dataOffset).toString('latin1');
  const at = header.search(new RegExp(`^${key.padEnd(8)}=`, 'm'));
  const card = Math.floor(header.indexOf(`${key.padEnd(8)}=`) / 80) * 80;
  assert.ok(at >= 0 || card >= 0, `${key} in HDU ${hdu}`);
  bytes.write(`${key.padEnd(8)}= ${value.padStart(20)}`.padEnd(80), info.headerOffset + card, 'latin1');
  writeFileSync(file, bytes);
}

const CASES: Case[] = [
  { id: '11', status: 'ok' },
  { id: '101', make: (cube) => truncateSync(cube, Math.floor(statSync(cube).size / 2)), status: 'failed', reason: 'truncated', error: /CDP\.101\.fits.*(truncated|shorter)/ },
  { id: '102', make: (cube) => writeFileSync(cube, 'this is not a FITS file\n'), status: 'failed', reason: 'not-fits', error: /CDP\.102\.fits/ },
  { id: '103', make: (cube) => patchCard(cube, 1, 'BITPIX', '12'), status: 'failed', reason: 'bad-bitpix', error: /CDP\.103\.fits.*BITPIX/ },
  { id: '104', make: (cube) => writeFitsSync(cube, [{ data: null, cards: [{ key: 'SKY_RES', value: 0.8 }] }]), status: 'failed', reason: 'no-such-hdu', error: /CDP\.104\.fits/ },
  {
    id: '105',
    make: (cube) => {
      const primary = cardBlock([{ key: 'SIMPLE', value: true }, { key: 'BITPIX', value: 8 }, { key: 'NAXIS', value: 0 }, { key: 'EXTEND', value: true }, { key: 'SKY_RES', value: 0.8 }]);
      const table = cardBlock([
        { key: 'XTENSION', value: 'BINTABLE' }, { key: 'BITPIX', value: 8 }, { key: 'NAXIS', value: 2 }, { key: 'NAXIS1', value: 8 }, { key: 'NAXIS2', value: 0 },
        { key: 'PCOUNT', value: 0 }, { key: 'GCOUNT', value: 1 }, { key: 'TFIELDS', value: 1 }, { key: 'TTYPE1', value: 'COMPRESSED_DATA' }, { key: 'TFORM1', value: '1PB(0)' },
        { key: 'ZIMAGE', value: true }, { key: 'ZBITPIX', value: -32 }, { key: 'ZNAXIS', value: 3 }, { key: 'EXTNAME', value: 'DATA' },
      ]);
      writeFileSync(cube, Buffer.concat([primary, table]));
    },
    status: 'failed',
    reason: 'compressed',
    error: /CDP\.105\.fits/,
  },
  {
    id: '106',
    // DATA as the last HDU with NAXIS3 doubled: the header announces more data than the file holds.
    make: (cube) => {
      const fits = FitsFile.open(cube);
      const data = fits.readImage('DATA');
      const cards = fits.hdu('DATA').header.cards.filter((c) => !['XTENSION', 'BITPIX', 'NAXIS', 'NAXIS1', 'NAXIS2', 'NAXIS3', 'PCOUNT', 'GCOUNT', 'EXTNAME', 'END'].includes(c.key));
      fits.close();
      writeFitsSync(cube, [{ data: null, cards: [{ key: 'SKY_RES', value: 0.8 }] }, { data, cards, extname: 'DATA' }]);
      patchCard(cube, 1, 'NAXIS3', '300');
    }, status: 'failed', reason: 'truncated', error: /CDP\.106\.fits HDU DATA: the header announces 1382400 bytes of data, the file holds 691200/ },
  {
    id: '107',
    make: (_cube, sfh) => {
      const fits = FitsFile.open(sfh);
      const fit = fits.readImage(0);
      const w = fits.readImage(1);
      fits.close();
      const [a, , ny, nx] = w.shape as [number, number, number, number];
      writeFitsSync(sfh, [{ data: fit }, { data: ndarray(new Float64Array(a * 6 * ny * nx), [a, 6, ny, nx]) }]);
    },
    status: 'failed',
    reason: 'bad-input',
    error: /107_SN107\.fits HDU 1 have shape \[50, 6, 32, 36\], expected \[50, 7, 32, 36\]/,
  },
  {
    id: '108',
    make: (_cube, sfh) => {
      const fits = FitsFile.open(sfh);
      const fit = fits.readImage(0);
      const w = fits.readImage(1);
      fits.close();
      const [nz, ny, nx] = fit.shape as [number, number, number];
      writeFitsSync(sfh, [{ data: ndarray(new Float32Array(nz * (ny - 2) * nx), [nz, ny - 2, nx]) }, { data: w }]);
    },
    status: 'failed',
    reason: 'bad-input',
    error: /best fit in .*108_SN108\.fits HDU 0 has shape \[150, 30, 36\], the cube's DATA \[150, 32, 36\]/,
  },
  {
    id: '109',
    make: (cube) => {
      const fits = FitsFile.open(cube);
      const data = fits.readImage('DATA');
      const cards = fits.hdu('DATA').header.cards.filter((c) => !['XTENSION', 'BITPIX', 'NAXIS', 'NAXIS1', 'NAXIS2', 'NAXIS3', 'PCOUNT', 'GCOUNT', 'EXTNAME', 'END'].includes(c.key));
      fits.close();
      writeFitsSync(cube, [{ data: null, cards: [{ key: 'TELESCOP', value: 'ESO-VLT-U4' }] }, { data, cards, extname: 'DATA' }]);
    },
    status: 'failed',
    reason: 'missing-seeing',
    error: /CDP\.109\.fits has no SKY_RES.*--set psfFwhm/,
  },
  { id: '110', row: { ra: 'abc' }, status: 'failed', reason: 'catalog-invalid', error: /galaxy 110 .*'SN RA' is "abc", not a number of degrees/ },
  { id: '111', row: { ra: '112.5', dec: '-58.2' }, status: 'ok', warning: /outside the 36 x 32 cube; its group will be reported as none/ },
  {
    id: '112',
    make: (_cube, sfh) => {
      const fits = FitsFile.open(sfh);
      const fit = fits.readImage(0);
      const w = fits.readImage(1);
      fits.close();
      const neg = new Float32Array(fit.data.length).fill(-1);
      writeFitsSync(sfh, [{ data: ndarray(neg, fit.shape) }, { data: w }]);
    },
    status: 'failed',
    reason: 'no-valid-pixels',
    error: /galaxy 112/,
  },
  { id: '113', row: { sn: '../../escape' }, status: 'failed', reason: 'catalog-invalid', error: /galaxy 113: the pPXF output name \(id_SN Name\) "113_\.\.\/\.\.\/escape\.fits" is not a plain file name/ },
  { id: '114', row: { arc: 'ADP/../../../etc/passwd' }, status: 'failed', reason: 'catalog-invalid', error: /galaxy 114: the cube name .* is not a plain file name/ },
  { id: '115', row: { sn: 'x$(touch PWNED);`touch PWNED2`' }, status: 'ok' },
];

describe('bad input: each galaxy fails with a clear error, the rest goes on', () => {
  const tmp = tempDir();
  let tasks: TaskJson[] = [];
  let stderr = '';
  before(() => {
    const cubes = path.join(tmp.dir, 'cubes');
    const sfh = path.join(tmp.dir, 'sfh');
    mkdirSync(cubes);
    mkdirSync(sfh);
    const rows = [COLUMNS];
    for (const c of CASES) {
      const arc = c.row?.arc ?? (c.id === '11' ? GOOD.arc : `ADP.${c.id}`);
      const sn = c.row?.sn ?? (c.id === '11' ? GOOD.sn : `SN${c.id}`);
      rows.push(`${c.id},${arc},"${sn.replaceAll('"', '""')}",${c.row?.ra ?? GOOD.ra},${c.row?.dec ?? GOOD.dec},Ia,0.01`);
      if (arc.includes('/') || sn.includes('/')) continue;
      const cube = path.join(cubes, `${arc.replaceAll('ADP', 'CDP')}.fits`);
      const out = path.join(sfh, `${c.id}_${sn}.fits`);
      copyFileSync(path.join(PARITY, 'input', 'MuseObject', 'MuseResample', `${GOOD.arc.replace('ADP', 'CDP')}.fits`), cube);
      copyFileSync(path.join(PARITY, 'input', 'MuseSFH', 'dataOut', `${GOOD.id}_${GOOD.sn}.fits`), out);
      c.make?.(cube, out);
    }
    writeFileSync(path.join(tmp.dir, 'catalog.csv'), `${rows.join('\n')}\n`);
    const r = runCli(['run', '--galaxy', 'all', '--k', '2', '--catalog', path.join(tmp.dir, 'catalog.csv'), '--cubes', cubes, '--sfh', sfh, '--out', path.join(tmp.dir, 'out'), '--cache', path.join(tmp.dir, 'cache'), '--lock', path.join(tmp.dir, 'lock'), '--json'], { cwd: tmp.dir });
    assert.equal(r.code, 1, 'some galaxies failed, so the exit status is 1');
    tasks = r.json?.tasks ?? [];
    stderr = r.stderr;
  });
  after(() => tmp.remove());

  for (const c of CASES) {
    test(`galaxy ${c.id}: ${c.status}${c.reason ? ` (${c.reason})` : ''}`, () => {
      const t = tasks.find((x) => x.galaxy === c.id);
      assert.ok(t, `task for ${c.id}`);
      assert.equal(t.status, c.status, t.error ?? '');
      if (c.reason) assert.equal(t.reason, c.reason, t.error ?? '');
      if (c.error) assert.match(t.error ?? '', c.error);
      if (c.warning) assert.ok(t.warnings.some((w) => c.warning?.test(w)), t.warnings.join('\n'));
      if (c.status === 'failed') assert.match(stderr, new RegExp(`failed\\s+${c.id} `), 'the closing summary lists the failure');
    });
  }

  test('the seeing can be given when a cube lacks SKY_RES: --set psfFwhm', () => {
    const r = runCli(['run', '--galaxy', '109', '--k', '2', '--set', 'psfFwhm=0.8', '--catalog', path.join(tmp.dir, 'catalog.csv'), '--cubes', path.join(tmp.dir, 'cubes'), '--sfh', path.join(tmp.dir, 'sfh'), '--out', path.join(tmp.dir, 'out'), '--cache', path.join(tmp.dir, 'cache'), '--lock', path.join(tmp.dir, 'lock'), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const fits = FitsFile.open(r.json?.tasks[0]?.output ?? '');
    assert.equal(fits.hdu(0).header.get('SKY_RES'), 0.8);
    fits.close();
  });

  test('k larger than the valid pixels fails that galaxy with the largest usable k', () => {
    const r = runCli(['run', '--galaxy', '11', '--k', '5000', '--catalog', path.join(tmp.dir, 'catalog.csv'), '--cubes', path.join(tmp.dir, 'cubes'), '--sfh', path.join(tmp.dir, 'sfh'), '--out', path.join(tmp.dir, 'out'), '--cache', path.join(tmp.dir, 'cache'), '--lock', path.join(tmp.dir, 'lock'), '--json']);
    assert.equal(r.code, 1);
    assert.equal(r.json?.tasks[0]?.reason, 'k-too-large');
    assert.match(r.json?.tasks[0]?.error ?? '', /k=5000 groups for 834 valid pixels \(use k <= 834/);
  });

  test('--fail-fast stops scheduling after the first failure', () => {
    const r = runCli(['run', '--galaxy', 'all', '--k', '2', '--jobs', '1', '--fail-fast', '--catalog', path.join(tmp.dir, 'catalog.csv'), '--cubes', path.join(tmp.dir, 'cubes'), '--sfh', path.join(tmp.dir, 'sfh'), '--out', path.join(tmp.dir, 'out-ff'), '--cache', path.join(tmp.dir, 'cache-ff'), '--lock', path.join(tmp.dir, 'lock'), '--json']);
    assert.equal(r.code, 1);
    const reasons = (r.json?.tasks ?? []).map((t) => t.reason);
    assert.ok(reasons.includes('cancelled'), reasons.join(', '));
    assert.ok(reasons.filter((x) => x !== 'cancelled' && x !== null).length >= 1);
  });

  test('an SN outside the footprint still gets its maps, with no SN group', () => {
    const t = tasks.find((x) => x.galaxy === '111');
    assert.ok(t?.output && existsSync(t.output));
    const fits = FitsFile.open(t.output);
    assert.equal(fits.hdu(0).header.get('SNGROUP'), null);
    fits.close();
  });

  test('untrusted names never escape the folders and never run as commands', () => {
    assert.equal(existsSync(path.join(tmp.dir, 'PWNED')), false);
    assert.equal(existsSync(path.join(tmp.dir, 'PWNED2')), false);
    assert.equal(existsSync(path.join(tmp.dir, 'escape.fits')), false);
    const written = readdirSync(path.join(tmp.dir, 'out')).filter((f) => f.endsWith('.fits'));
    assert.ok(written.includes('115_x$(touch PWNED);`touch PWNED2`_2.fits'), written.join(', '));
  });
});

describe('bad catalogs and options stop before anything runs (exit 2)', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  const catalog = (text: string) => {
    const f = path.join(tmp.dir, `c${Math.random().toString(36).slice(2)}.csv`);
    writeFileSync(f, text);
    return f;
  };
  const base = ['--cubes', path.join(PARITY, 'input', 'MuseObject', 'MuseResample'), '--sfh', path.join(PARITY, 'input', 'MuseSFH', 'dataOut'), '--out', path.join(tmp.dir, 'out'), '--cache', path.join(tmp.dir, 'cache'), '--lock', path.join(tmp.dir, 'lock')];
  const cases: [string, string[], RegExp][] = [
    ['missing required columns', ['--galaxy', 'all', '--catalog', catalog(',ArcName,SN RA\n11,ADP.x,1\n')], /has no columns 'SN Name', 'SN DEC'.*the pipeline needs the columns/],
    ['a row without an id', ['--galaxy', 'all', '--catalog', catalog(`${COLUMNS}\n11,A,S,1,1,Ia,0\n,B,T,1,1,Ia,0\n`)], /:3: the row has no id in the first column/],
    ['an id not in the catalog', ['--galaxy', '44', '--catalog', path.join(PARITY, 'input', 'FinalSelMuseMask3.csv')], /galaxy 44 is not in .*nearest ids: 45, 12, 11/],
    ['an empty selection', ['--galaxy', 'all', '--where', 'SN Type=Ic', '--catalog', path.join(PARITY, 'input', 'FinalSelMuseMask3.csv')], /no galaxy of .* matches --galaxy all --where SN Type=Ic/],
    ['k < 1, named as given', ['--galaxy', '11', '--k', '0', '--catalog', path.join(PARITY, 'input', 'FinalSelMuseMask3.csv')], /sfh-pipeline: --k: must be >= 1, got 0/],
    ['k < 1 by --set', ['--galaxy', '11', '--set', 'k=0', '--catalog', path.join(PARITY, 'input', 'FinalSelMuseMask3.csv')], /sfh-pipeline: --set k: must be >= 1, got 0/],
    ['a catalog that does not exist', ['--galaxy', '11', '--catalog', path.join(tmp.dir, 'nope.csv')], /cannot read the catalog .*nope\.csv: it does not exist \(ENOENT\) \(pass the catalog CSV with --catalog FILE\)/],
  ];
  for (const [name, args, expected] of cases) {
    test(name, () => {
      const r = runCli(['run', ...base, ...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, expected);
      assert.equal(existsSync(path.join(tmp.dir, 'out')), false, 'nothing was written');
    });
  }
});

const PARITY_ARGS = (dir: string) => ['--catalog', path.join(PARITY, 'input', 'FinalSelMuseMask3.csv'), '--cubes', path.join(PARITY, 'input', 'MuseObject', 'MuseResample'), '--sfh', path.join(PARITY, 'input', 'MuseSFH', 'dataOut'), '--out', path.join(dir, 'out'), '--cache', path.join(dir, 'cache'), '--lock', path.join(dir, 'lock')];

function outputs(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.fits')).sort().map((f) => [f, sha256File(path.join(dir, f))]));
}

describe('SIGKILL at random points of a run, then --resume', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  let reference: Record<string, string> = {};
  /** Stage instances a whole run finishes (records in a fresh cache); the last 3 are the catalog-level ones. */
  let instances = 0;
  before(() => {
    const r = runCli(['run', '--galaxy', 'all', '--k', '2..5', ...PARITY_ARGS(path.join(tmp.dir, 'ref'))]);
    assert.equal(r.code, 0, r.stderr);
    reference = outputs(path.join(tmp.dir, 'ref', 'out'));
    instances = cachedRecords(path.join(tmp.dir, 'ref', 'cache'));
    assert.ok(instances > 10, `${instances} instances`);
  });

  test('12 kills at seeded random points of the work lose no result and leave nothing partial', async () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let killed = 0;
    for (let trial = 0; trial < 12; trial++) {
      const dir = path.join(tmp.dir, `t${trial}`);
      // Kill up to three times in a row before letting a resume finish.
      for (let kill = 0; kill < 1 + (trial % 3); kill++) {
        const args = kill === 0 ? ['run', '--galaxy', 'all', '--k', '2..5', ...PARITY_ARGS(dir), '--jobs', '2'] : ['run', '--resume', '--cache', path.join(dir, 'cache')];
        // A seeded random point of the work (more stage instances finished), not of time: the
        // same trial kills at the same place on a fast machine and a busy one. The point comes
        // before the per-galaxy work ends (the catalog-level stages, the DTD fit among them,
        // are still to run then), so every kill must land.
        const cache = path.join(dir, 'cache');
        const done = cachedRecords(cache);
        const room = instances - 3 - done;
        if (room <= 0) break;
        const at = done + Math.floor(random() * room);
        const k = await killWhen(args, () => cachedRecords(cache) >= at);
        assert.ok(k.landed, `trial ${trial}: the kill at ${at} of ${instances} instances landed (the run ended with ${k.exit})`);
        killed++;
        for (const [f, h] of Object.entries(outputs(path.join(dir, 'out')))) assert.equal(h, reference[f], `trial ${trial}: ${f} under its final name is partial`);
      }
      let r = runCli(['run', '--resume', '--cache', path.join(dir, 'cache')]);
      if (r.code === 2 && /no earlier run is recorded/.test(r.stderr)) r = runCli(['run', '--galaxy', 'all', '--k', '2..5', ...PARITY_ARGS(dir)]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(outputs(path.join(dir, 'out')), reference, `trial ${trial}`);
      const v = runCli(['cache', 'verify', '--cache', path.join(dir, 'cache')]);
      assert.equal(v.code, 0, `trial ${trial}: the cache holds no corrupt object\n${v.stdout}`);
    }
    process.stdout.write(`# faults: ${killed} SIGKILLs over 12 trials, 0 results lost\n`);
  });
});

describe('two runs at once on the same cache and output folder', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  test('both finish, outputs identical to a lone run, nothing corrupt', async () => {
    const dir = path.join(tmp.dir, 'shared');
    const start = () => {
      const child = spawn(process.execPath, [BIN, 'run', '--galaxy', 'all', '--k', '2..5', ...PARITY_ARGS(dir), '--jobs', '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      return new Promise<{ code: number | null; err: string }>((r) => child.once('exit', (code) => r({ code, err })));
    };
    const [a, b] = await Promise.all([start(), start()]);
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    const lone = path.join(tmp.dir, 'lone');
    assert.equal(runCli(['run', '--galaxy', 'all', '--k', '2..5', ...PARITY_ARGS(lone)]).code, 0);
    assert.deepEqual(outputs(path.join(dir, 'out')), outputs(path.join(lone, 'out')));
    assert.equal(runCli(['cache', 'verify', '--cache', path.join(dir, 'cache')]).code, 0);
    const lock = parseLock(readFileSync(path.join(dir, 'lock'), 'utf8'), path.join(dir, 'lock'));
    // 24 per-galaxy outputs, and summary.csv, report.html, report-run.json and 2 k-choice plots
    // of the catalog-level stages, the DTD fit's 6 files (chain, corner plot, summary and hosts
    // tables as CSV and ECSV) and dtd-models' 2.
    assert.equal(Object.keys(lock.outputs).length, 37, 'both runs merged into one complete lock');
  });
});

describe('a full disk', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  test('a clear error, nothing corrupt, and the next run with space succeeds', (t) => {
    // A real 4 MiB tmpfs as the output and cache folder (room for one galaxy's results and
    // the DTD fit's ~0.9 MB chain); root can mount one here.
    const small = path.join(tmp.dir, 'small');
    mkdirSync(small);
    const mount = runShell(`mount -t tmpfs -o size=4m tmpfs '${small}'`);
    if (mount !== 0) {
      if (process.env['CI']) assert.fail('cannot mount a tmpfs in CI');
      t.skip('cannot mount a tmpfs here (needs root)');
      return;
    }
    try {
      // Fill it but for a few KB: the results (26 KB each) cannot be written.
      runShell(`dd if=/dev/zero of='${small}/filler' bs=1k count=4072 2>/dev/null`);
      const r = runCli(['run', '--galaxy', '11', '--k', '2', ...PARITY_ARGS(small), '--json']);
      assert.equal(r.code, 1, r.stderr);
      const task = r.json?.tasks[0];
      assert.equal(task?.reason, 'disk-full', task?.error ?? r.stderr);
      assert.match(task?.error ?? '', /no space left on the device.*free some space/);
      assert.deepEqual(Object.keys(outputs(path.join(small, 'out'))), [], 'no partial result under a final name');
      runShell(`rm -f '${small}/filler'`);
      const again = runCli(['run', '--galaxy', '11', '--k', '2', ...PARITY_ARGS(small), '--json']);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(runCli(['cache', 'verify', '--cache', path.join(small, 'cache')]).code, 0);
      const ref = path.join(tmp.dir, 'ref');
      assert.equal(runCli(['run', '--galaxy', '11', '--k', '2', ...PARITY_ARGS(ref)]).code, 0);
      assert.deepEqual(outputs(path.join(small, 'out')), outputs(path.join(ref, 'out')));
    } finally {
      runShell(`umount '${small}'`);
    }
  });
});

function runShell(cmd: string): number {
  return spawnSync('bash', ['-c', cmd], { stdio: 'ignore' }).status ?? 1;
}

