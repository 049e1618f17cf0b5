/**
 * Damaged and checksummed input FITS through the real CLI (issues 21 class 1 and 25 item 2):
 * copies of the parity galaxy's cube and pPXF output, each damaged in one way, in one
 * catalog. A header without END fails its galaxy with a message naming the file, the HDU and
 * what to do (it used to run to the end with STAT's numbers as DATA); defects astropy reads
 * past are warnings; an input whose CHECKSUM/DATASUM no longer match is a warning naming the
 * file, HDU and galaxy, or an error with `--set checksums=strict`.
 * Run: node --import tsx --test test/fits-inputs.test.ts (after npm run build)
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FitsFile, writeFitsSync, type WriteHdu } from '../src/fits/index.ts';
import { PARITY, runCli, tempDir, type TaskJson } from './helpers/cli.ts';

const GOOD = { id: '11', sn: 'SN2013aa', arc: 'ADP.2017-03-11T04:12:11.011', ra: '112.33550185516356', dec: '-58.94783969453248' };

/** Rewrites a FITS file with our writer, which adds CHECKSUM and DATASUM to every HDU. */
function withChecksums(file: string): void {
  const f = FitsFile.open(file);
  const hdus: WriteHdu[] = f.hdus.map((h) => ({ data: h.isImage ? f.readImage(h.index) : null, cards: h.header.cards, ...(h.index > 0 && h.name ? { extname: h.name } : {}) }));
  f.close();
  writeFitsSync(file, hdus);
}

/** Edits the bytes of `file` in place: `fn` gets them and the file's HDU index. */
function edit(file: string, fn: (bytes: Buffer, hdus: FitsFile['hdus']) => void): void {
  const f = FitsFile.open(file);
  const hdus = f.hdus;
  f.close();
  const bytes = readFileSync(file);
  fn(bytes, hdus);
  writeFileSync(file, bytes);
}

/** Byte offset of the END card (or another card) of HDU `i`. */
function cardOf(bytes: Buffer, hdus: FitsFile['hdus'], i: number, key = 'END'): number {
  const h = hdus[i];
  assert.ok(h);
  for (let at = h.headerOffset; at < h.dataOffset; at += 80) if (bytes.toString('latin1', at, at + 8).trimEnd() === key) return at;
  throw new Error(`no ${key} in HDU ${i}`);
}

const blankEnd = (hdu: number) => (b: Buffer, hdus: FitsFile['hdus']) => void b.write(' '.repeat(80), cardOf(b, hdus, hdu), 'latin1');
const flipData = (hdu: number) => (b: Buffer, hdus: FitsFile['hdus']) => {
  const at = (hdus[hdu]?.dataOffset ?? 0) + 1001;
  b[at] = (b[at] as number) ^ 0x01;
};

interface Case {
  id: string;
  checksums?: boolean;
  cube?: (bytes: Buffer, hdus: FitsFile['hdus']) => void;
  sfh?: (bytes: Buffer, hdus: FitsFile['hdus']) => void;
  status: 'ok' | 'failed';
  reason?: string;
  error?: RegExp;
  /** Expected warnings (each must match one); none other is allowed. */
  warnings?: RegExp[];
}

const CASES: Case[] = [
  { id: '11', checksums: true, status: 'ok' },
  { id: '301', cube: blankEnd(1), status: 'failed', reason: 'no-end-card', error: /^galaxy 301 \(SN301\): CDP\.301\.fits: HDU 'DATA' \(header at byte 2880\) has no END card: card \d+, at byte \d+, holds binary bytes .* \(The file is damaged: fetch or regenerate it/ },
  { id: '302', cube: blankEnd(0), status: 'failed', reason: 'no-end-card', error: /^galaxy 302 \(SN302\): CDP\.302\.fits: HDU 'PRIMARY' \(header at byte 0\) has no END card: the header of another HDU \(XTENSION= 'IMAGE   '.*\) starts at byte 2880/ },
  { id: '303', sfh: blankEnd(0), status: 'failed', reason: 'no-end-card', error: /^galaxy 303 \(SN303\): 303_SN303\.fits: HDU 'PRIMARY' .*has no END card/ },
  { id: '304', sfh: blankEnd(1), status: 'failed', reason: 'no-end-card', error: /^galaxy 304 \(SN304\): 304_SN304\.fits: HDU #1 .*has no END card/ },
  {
    id: '305',
    cube: (b, hdus) => void b.write("BUNIT   = 'erg'".padEnd(80), cardOf(b, hdus, 1) + 80, 'latin1'),
    status: 'ok',
    warnings: [/^galaxy 305 \(SN305\): CDP\.305\.fits HDU 'DATA': 1 card after the END card ignored/],
  },
  { id: '306', checksums: true, cube: flipData(1), status: 'ok', warnings: [/^galaxy 306 \(SN306\): CDP\.306\.fits HDU 'DATA': its data changed since its checksums were written \(DATASUM is "\d+", the data sums to \d+\) \(a damaged copy\?/] },
  {
    id: '307',
    checksums: true,
    sfh: (b, hdus) => void b.write('hdu', cardOf(b, hdus, 1, 'CHECKSUM') + 33, 'latin1'),
    status: 'ok',
    warnings: [/^galaxy 307 \(SN307\): 307_SN307\.fits HDU #1: its header changed since its checksums were written \(CHECKSUM does not match; DATASUM does, so the data is intact\)/],
  },
  // STAT is not read, so it is not checked (docs/errors.md#checksums).
  { id: '308', checksums: true, cube: flipData(2), status: 'ok' },
];

describe('damaged and checksummed inputs through the CLI', () => {
  const tmp = tempDir();
  const catalog = path.join(tmp.dir, 'catalog.csv');
  const run = (galaxy: string, extra: string[] = []): TaskJson[] => {
    const r = runCli(['run', '--galaxy', galaxy, '--k', '2', '--no-report', '--catalog', catalog, '--cubes', path.join(tmp.dir, 'cubes'), '--sfh', path.join(tmp.dir, 'sfh'), '--out', path.join(tmp.dir, 'out'), '--cache', path.join(tmp.dir, 'cache'), '--lock', path.join(tmp.dir, 'lock'), '--json', ...extra], { cwd: tmp.dir });
    assert.ok(r.json, r.stderr);
    return r.json.tasks;
  };
  let tasks: TaskJson[] = [];
  before(() => {
    mkdirSync(path.join(tmp.dir, 'cubes'));
    mkdirSync(path.join(tmp.dir, 'sfh'));
    const rows = [',ArcName,SN Name,SN RA,SN DEC,SN Type,z'];
    for (const c of CASES) {
      const arc = c.id === GOOD.id ? GOOD.arc : `ADP.${c.id}`;
      const sn = c.id === GOOD.id ? GOOD.sn : `SN${c.id}`;
      rows.push(`${c.id},${arc},${sn},${GOOD.ra},${GOOD.dec},Ia,0.01`);
      const cube = path.join(tmp.dir, 'cubes', `${arc.replace('ADP', 'CDP')}.fits`);
      const sfh = path.join(tmp.dir, 'sfh', `${c.id}_${sn}.fits`);
      copyFileSync(path.join(PARITY, 'input', 'MuseObject', 'MuseResample', `${GOOD.arc.replace('ADP', 'CDP')}.fits`), cube);
      copyFileSync(path.join(PARITY, 'input', 'MuseSFH', 'dataOut', `${GOOD.id}_${GOOD.sn}.fits`), sfh);
      if (c.checksums) {
        withChecksums(cube);
        withChecksums(sfh);
      }
      if (c.cube) edit(cube, c.cube);
      if (c.sfh) edit(sfh, c.sfh);
    }
    writeFileSync(catalog, `${rows.join('\n')}\n`);
    tasks = run('all');
  });
  after(() => tmp.remove());

  for (const c of CASES) {
    test(`galaxy ${c.id}: ${c.status}${c.reason ? ` (${c.reason})` : ''}`, () => {
      const t = tasks.find((x) => x.galaxy === c.id);
      assert.ok(t, `task for ${c.id}`);
      assert.equal(t.status, c.status, t.error ?? '');
      if (c.reason) assert.equal(t.reason, c.reason, t.error ?? '');
      if (c.error) assert.match(t.error ?? '', c.error);
      const expected = c.warnings ?? [];
      assert.equal(t.warnings.length, expected.length, t.warnings.join('\n'));
      for (const w of expected) assert.ok(t.warnings.some((x) => w.test(x)), `${w} in\n${t.warnings.join('\n')}`);
    });
  }

  test('--set checksums=strict fails a galaxy whose input does not match its checksums; off skips the check', () => {
    const strict = run('306,307,11', ['--set', 'checksums=strict']);
    assert.deepStrictEqual(strict.map((t) => [t.galaxy, t.status, t.reason]), [['11', 'ok', null], ['306', 'failed', 'bad-checksum'], ['307', 'failed', 'bad-checksum']]);
    assert.match(strict[1]?.error ?? '', /^galaxy 306 \(SN306\): CDP\.306\.fits: HDU 'DATA': its data changed since its checksums were written .*--set checksums=warn/);
    const off = run('306,307', ['--set', 'checksums=off']);
    assert.deepStrictEqual(off.map((t) => [t.galaxy, t.status, t.warnings]), [['306', 'ok', []], ['307', 'ok', []]]);
  });
});
