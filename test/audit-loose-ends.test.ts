/**
 * Three classes of bad input the fault audit (issue 21) noticed but did not fix, each
 * through the real CLI in a temporary folder, next to an intact input that must still come out:
 * - nGIST files whose bins disagree: a bin with weights but no unmasked spaxel (two bin ids
 *   merged in the table) is warned about, naming the files, the galaxy and the bins, also
 *   on a cached rerun;
 * - an SN position the cube's WCS cannot put on the map (the antipode of its centre) is named
 *   as such, with its RA/Dec, the cube and its centre, never as "pixel (NaN, NaN)";
 * - a cube of zeros (or an nGIST FLUX with nothing positive) fails its galaxy with a message
 *   about the input, not about the mass map.
 * Run: npm run build && node --import tsx --test test/audit-loose-ends.test.ts
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FitsFile, writeFitsSync, type WriteHdu } from '../src/fits/index.ts';
import { findNgistRun } from '../src/ngist/files.ts';
import { emptyBinsWarning, readNgist } from '../src/ngist/read.ts';
import { copyNgist, CUBE, GOOD, NGIST, SFH, task } from './helpers/audit.ts';
import { runCli, tempDir, type CliResult } from './helpers/cli.ts';




/**
 * Rewrites column `name` of the run's spaxel TABLE in place, row by row (`fn` gets the row's
 * value and returns the new one), at the byte offset the TFORMs give (J: int32, D: float64).
 */
function editTableColumn(dir: string, name: string, fn: (v: number) => number): void {
  const file = path.join(dir, 'NGC0000Example_table.fits');
  const f = FitsFile.open(file);
  const hdu = f.hdu('TABLE');
  const h = hdu.header;
  f.close();
  const rowBytes = Number(h.get('NAXIS1'));
  const rows = Number(h.get('NAXIS2'));
  let offset = 0;
  let kind = '';
  for (let i = 1; i <= Number(h.get('TFIELDS')); i++) {
    const form = String(h.get(`TFORM${i}`)).trim();
    const m = /^(\d*)([A-Z])$/.exec(form);
    assert.ok(m, `TFORM${i} = ${form}`);
    if (String(h.get(`TTYPE${i}`)).trim() === name) {
      kind = m[2]!;
      break;
    }
    offset += Number(m[1] || 1) * ({ J: 4, D: 8, E: 4, K: 8, I: 2, L: 1, A: 1, B: 1 } as Record<string, number>)[m[2]!]!;
  }
  assert.ok(kind === 'J' || kind === 'D', `column ${name} is J or D (${kind})`);
  const bytes = readFileSync(file);
  for (let r = 0; r < rows; r++) {
    const at = hdu.dataOffset + r * rowBytes + offset;
    if (kind === 'J') bytes.writeInt32BE(fn(bytes.readInt32BE(at)), at);
    else bytes.writeDoubleBE(fn(bytes.readDoubleBE(at)), at);
  }
  writeFileSync(file, bytes);
}

function runNgist(dir: string, ngist: string): CliResult {
  return runCli(['run', '--ngist', ngist, '--k', '2', '--set', 'psfFwhm=0.8', '--out', path.join(dir, 'out'), '--cache', path.join(dir, 'cache'), '--lock', path.join(dir, 'sfh.lock'), '--plain', '--json', '--no-report'], { cwd: dir });
}

const EMPTY_BIN = /have weights but no unmasked spaxel/;

describe('nGIST bins with weights but no spaxel are warned about, naming the files and the bins', () => {
  const tmp = tempDir('sfh-ngist-bins-');
  after(() => tmp.remove());

  test('bin 4 merged into bin 3 in the table: a warning naming both files, the bin and what to do, repeated when cached', () => {
    const d = copyNgist(path.join(tmp.dir, 'merged'));
    editTableColumn(d, 'BIN_ID', (b) => (b === 4 ? 3 : b));
    const first = runNgist(tmp.dir, d);
    assert.equal(first.code, 0, first.stderr);
    const t = first.json!.tasks[0]!;
    assert.equal(t.status, 'ok');
    const w = t.warnings.find((x) => EMPTY_BIN.test(x));
    assert.ok(w, t.warnings.join('\n'));
    assert.match(w, /^galaxy \S+ .*: 1 of the 28 bins in .*NGC0000Example_sfh-weights\.fits have weights but no unmasked spaxel in .*NGC0000Example_table\.fits \(with .*NGC0000Example_mask\.fits\): bin 4\. /);
    assert.match(w, /use the table, mask and weights of one nGIST run as it wrote them/);
    const again = runNgist(tmp.dir, d);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(again.json!.tasks[0]!.warnings.some((x) => x === w), `the cached rerun repeats the warning: ${again.json!.tasks[0]!.warnings.join('\n')}`);
  });

  test('the intact run has no such warning', async () => {
    const run = await readNgist(findNgistRun(NGIST, 'test'), 'test');
    assert.deepEqual(run.emptyBins, []);
    assert.equal(emptyBinsWarning(run, 'test'), undefined);
  });

  test('many empty bins: a few ids, then a count', async () => {
    const d = copyNgist(path.join(tmp.dir, 'many'));
    editTableColumn(d, 'BIN_ID', (b) => (b >= 1 && b <= 7 ? 0 : b));
    const run = await readNgist(findNgistRun(d, 'galaxy x'), 'galaxy x');
    assert.deepEqual(run.emptyBins, [1, 2, 3, 4, 5, 6, 7]);
    assert.match(emptyBinsWarning(run, 'galaxy x') ?? '', /^galaxy x: 7 of the 28 bins .*: bins 1, 2, 3, 4, 5 and 2 more\. /);
  });

  test('a FLUX column with nothing positive fails the galaxy naming the table, not the mass map', () => {
    const d = copyNgist(path.join(tmp.dir, 'noflux'));
    editTableColumn(d, 'FLUX', () => 0);
    const r = runNgist(path.join(tmp.dir, 'noflux'), d);
    assert.equal(r.code, 1, r.stderr);
    const t = r.json!.tasks[0]!;
    assert.equal(t.reason, 'bad-input');
    assert.match(t.error ?? '', /NGC0000Example_table\.fits has no positive FLUX: every spaxel's FLUX is zero, negative, NaN or masked/);
  });
});

describe('a MUSE galaxy whose SN has no pixel, and a cube of zeros', () => {
  const tmp = tempDir('sfh-loose-ends-');
  let first: CliResult;
  let again: CliResult;
  const cube = (arc: string) => path.join(tmp.dir, 'cubes', `${arc.replace('ADP', 'CDP')}.fits`);
  before(() => {
    mkdirSync(path.join(tmp.dir, 'cubes'));
    mkdirSync(path.join(tmp.dir, 'sfh'));
    // 11: intact; 501: the SN at the antipode of the cube's centre; 502: a cube of zeros
    const rows = [',ArcName,SN Name,SN RA,SN DEC,SN Type,z', `11,${GOOD.arc},${GOOD.sn},${GOOD.ra},${GOOD.dec},Ia,0.01`, `501,ADP.501,SN501,${Number(GOOD.ra) + 180},${-Number(GOOD.dec)},Ia,0.01`, `502,ADP.502,SN502,${GOOD.ra},${GOOD.dec},Ia,0.01`];
    writeFileSync(path.join(tmp.dir, 'catalog.csv'), `${rows.join('\n')}\n`);
    for (const [id, sn, arc] of [[GOOD.id, GOOD.sn, GOOD.arc], ['501', 'SN501', 'ADP.501'], ['502', 'SN502', 'ADP.502']] as const) {
      copyFileSync(SFH, path.join(tmp.dir, 'sfh', `${id}_${sn}.fits`));
      if (id !== '502') copyFileSync(CUBE, cube(arc));
    }
    const f = FitsFile.open(CUBE);
    const hdus: WriteHdu[] = f.hdus.map((h) => {
      const data = h.isImage ? f.readImage(h.index) : null;
      if (data && h.name === 'DATA') (data.data as Float32Array).fill(0);
      return { data, cards: h.header.cards, ...(h.index > 0 && h.name ? { extname: h.name } : {}) };
    });
    f.close();
    writeFitsSync(cube('ADP.502'), hdus);
    const run = () =>
      runCli(['run', '--galaxy', 'all', '--k', '2', '--catalog', path.join(tmp.dir, 'catalog.csv'), '--cubes', path.join(tmp.dir, 'cubes'), '--sfh', path.join(tmp.dir, 'sfh'), '--out', path.join(tmp.dir, 'out'), '--cache', path.join(tmp.dir, 'cache'), '--lock', path.join(tmp.dir, 'lock'), '--json'], { cwd: tmp.dir });
    first = run();
    again = run();
  });
  after(() => tmp.remove());

  test("the antipode's SN is named with its RA/Dec, the cube and its centre, and what to check; the maps are still made", () => {
    const t = task(first, '501');
    assert.equal(t.status, 'ok', t.error ?? '');
    const w = t.warnings.find((x) => /cannot be put on the map/.test(x));
    assert.ok(w, t.warnings.join('\n'));
    assert.match(w, /^galaxy 501 \(SN501\): the SN at RA 292\.335\d*, Dec 58\.947\d* cannot be put on the map of .*CDP\.501\.fits: it is 180\.0 deg from the cube's centre \(RA 112\.3\d+, Dec -58\.9\d+\), where the WCS's TAN projection has no pixel; its group will be reported as none: check the catalog's SN RA and SN DEC columns .* or the cube's WCS/);
    for (const x of t.warnings) assert.doesNotMatch(x, /NaN|left out of/, x);
    assert.doesNotMatch(first.stdout + first.stderr, /pixel \(NaN|NaN, NaN/);
    assert.ok(task(again, '501').warnings.includes(w), 'repeated on the cached rerun');
  });

  test('its result has the SN cards undefined, and the DTD fit says why it left the SN out', () => {
    const f = FitsFile.open(path.join(tmp.dir, 'out', '501_SN501_2.fits'));
    const h = f.hdu(0).header;
    f.close();
    for (const key of ['SNX', 'SNY', 'SNPIXX', 'SNPIXY', 'SNINTX', 'SNINTY', 'SNGROUP']) {
      assert.ok(h.has(key), `card ${key} is written`);
      assert.equal(h.get(key), null, `card ${key} is undefined`);
    }
    const json = JSON.stringify(first.json);
    assert.match(json, /galaxy 501 left out: .*501_SN501_2\.fits: has no SN pixel \(card SNINTX\/SNINTY is undefined\): the run had no SN position, no WCS, or a position its WCS could not put on the map/);
  });

  test('a cube of zeros fails its galaxy naming the cube and the lack of flux; the intact galaxy is made', () => {
    const t = task(first, '502');
    assert.equal(t.status, 'failed');
    assert.equal(t.reason, 'bad-input');
    assert.match(t.error ?? '', /^galaxy 502: the cube .*CDP\.502\.fits has no positive flux: its DATA's median over wavelength is zero, negative or NaN in all 1152 pixels \(all DATA zero\?\)/);
    assert.doesNotMatch(t.error ?? '', /mass map|valid distribution/);
    assert.equal(task(first, '11').status, 'ok');
    assert.equal(first.code, 1);
  });
});
