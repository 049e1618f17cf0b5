/**
 * Binary-table reader tests (src/fits/table.ts). Sources of truth:
 * - astropy run live (test/py/fits_table.py with /usr/bin/python3): every column of a
 *   synthetic table covering every TFORM letter, TDIM, TSCAL/TZERO and the heap, and every
 *   column of the real GIST 3.1 tutorial outputs in test/fixtures/ngist/, compared bit for bit;
 * - hand-made headers whose expected errors can be checked by eye (no astropy needed).
 * Run: node --import tsx --test test/fits-table.test.ts
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FitsFile, type ColumnArray, type TableColumn } from '../src/fits/index.ts';
import { astropyAvailable, card, expectFitsError, fitsBytes, ROOT, runPython, sha256 } from './fixtures/fits/helpers.ts';

const NGIST = join(ROOT, 'test', 'fixtures', 'ngist');
// CI installs python3-astropy, so there a missing astropy fails the tests instead of skipping them.
const ASTROPY = astropyAvailable() || process.env.CI !== undefined ? {} : { skip: 'astropy is not importable by /usr/bin/python3 (Debian package python3-astropy)' };

interface AstropyColumn {
  hdu: number;
  name: string;
  shape: number[];
  kind: 'num' | 'str' | 'bool' | 'vla';
  dtype?: string;
  sha256?: string;
  values?: (string | number)[];
  cells?: string[];
  lengths?: number[];
}

let TMP = '';
before(() => {
  TMP = mkdtempSync(join(tmpdir(), 'sfh-table-test-'));
});
after(() => rmSync(TMP, { recursive: true, force: true }));

/** numpy's dtype name for one of our column arrays (complex columns are float pairs). */
function dtypeName(c: TableColumn, a: ColumnArray): string {
  if (c.code === 'C') return 'complex64';
  if (c.code === 'M') return 'complex128';
  return a.constructor.name.replace('Array', '').replace('BigInt64', 'Int64').replace(/^Float(\d+)$/, 'float$1').replace(/^(U?)[Ii]nt(\d+)$/, (_, u: string, n: string) => `${u ? 'uint' : 'int'}${n}`);
}

/** Asserts that every BINTABLE column of `file` equals astropy's view of it. */
function assertTablesMatch(file: string, expected: AstropyColumn[]): void {
  const fits = FitsFile.open(file);
  try {
    assert.ok(expected.length > 0, `${file}: astropy saw no columns`);
    for (const want of expected) {
      const table = fits.readTable(want.hdu);
      const c = table.column(want.name);
      const where = `${file} HDU ${want.hdu} column ${want.name} (${c.format})`;
      if (want.kind === 'vla') {
        const cells = c.data as ColumnArray[];
        assert.deepEqual(cells.map((x) => x.length), want.lengths, `${where}: lengths`);
        assert.deepEqual(cells.map((x) => sha256(x)), want.cells, `${where}: heap values`);
        continue;
      }
      assert.deepEqual([table.rows, ...c.cellShape], want.shape, `${where}: shape`);
      if (want.kind === 'str') assert.deepEqual(c.data, want.values, `${where}: strings`);
      else if (want.kind === 'bool') assert.deepEqual(Array.from(c.data as Uint8Array), want.values, `${where}: logical/bit values`);
      else {
        const a = c.data as ColumnArray;
        assert.equal(dtypeName(c, a), want.dtype, `${where}: type`);
        assert.equal(sha256(a), want.sha256, `${where}: values bit for bit`);
      }
    }
  } finally {
    fits.close();
  }
}

describe('binary tables vs astropy (live)', ASTROPY, () => {
  test('a synthetic table: every TFORM letter, TDIM, unsigned and real TSCAL/TZERO, a heap column', () => {
    runPython<unknown>('fits_table.py', ['make', TMP]);
    const file = join(TMP, 'synthetic_table.fits');
    const [dumped] = runPython<{ columns: AstropyColumn[] }[]>('fits_table.py', ['dump', file]);
    assert.equal(dumped!.columns.length, 17);
    assertTablesMatch(file, dumped!.columns);
  });

  test('the real GIST 3.1 tutorial outputs: every column of every table', () => {
    const files = readdirSync(NGIST).filter((n) => n.endsWith('.fits')).map((n) => join(NGIST, n));
    assert.ok(files.length >= 4);
    const dumped = runPython<{ file: string; columns: AstropyColumn[] }[]>('fits_table.py', ['dump', ...files]);
    for (const d of dumped) assertTablesMatch(d.file, d.columns);
  });
});

describe('binary tables: the real tutorial values a reader can check by eye', () => {
  test('the spaxel table: 900 rows, ID = row * 30 + col, 58 masked (negative BIN_ID), PIXSIZE 0.2', () => {
    const fits = FitsFile.open(join(NGIST, 'NGC0000Example_table.fits'));
    try {
      const t = fits.readTable('TABLE');
      assert.equal(t.rows, 900);
      const id = t.column('ID').data as Int32Array;
      const bin = t.column('bin_id').data as Int32Array; // names match case-insensitively
      assert.deepEqual(Array.from(id.subarray(0, 3)), [0, 1, 2]);
      assert.equal(id[899], 899);
      assert.equal(bin.filter((b) => b < 0).length, 58);
      assert.equal(Math.max(...bin), 27);
      assert.equal(fits.hdu(0).header.get('PIXSIZE'), 0.2000000000000001);
    } finally {
      fits.close();
    }
  });

  test('the weights: a 636-element vector column per bin, each row summing to 1', () => {
    const fits = FitsFile.open(join(NGIST, 'NGC0000Example_sfh-weights.fits'));
    try {
      const w = fits.readTable('WEIGHTS').column('WEIGHTS');
      assert.deepEqual([w.repeat, ...w.cellShape], [636, 636]);
      const data = w.data as Float64Array;
      for (let r = 0; r < 28; r++) {
        let s = 0;
        for (let i = 0; i < 636; i++) s += data[r * 636 + i]!;
        assert.ok(Math.abs(s - 1) < 1e-12, `row ${r} sums to ${s}`);
      }
      assert.equal(fits.readTable('GRID').rows, 636);
    } finally {
      fits.close();
    }
  });
});

describe('binary tables: clear errors (hand-made headers)', () => {
  const table = (extra: string[], rowBytes: number, rows: number, data: Buffer): string => {
    const cards = [card('SIMPLE', true), card('BITPIX', 8), card('NAXIS', 0), card('EXTEND', true)];
    const ext = [card('XTENSION', 'BINTABLE'), card('BITPIX', 8), card('NAXIS', 2), card('NAXIS1', rowBytes), card('NAXIS2', rows), card('PCOUNT', 0), card('GCOUNT', 1), ...extra];
    return Buffer.concat([fitsBytes(cards), fitsBytes(ext, data)]).toString('latin1');
  };
  const put = (name: string, text: string): string => {
    const p = join(TMP, name);
    writeFileSync(p, Buffer.from(text, 'latin1'));
    return p;
  };

  test('a hand-made J + 2E table reads as its bytes say', () => {
    const data = Buffer.alloc(24);
    data.writeInt32BE(-5, 0);
    data.writeFloatBE(1.5, 4);
    data.writeFloatBE(-2, 8);
    data.writeInt32BE(7, 12);
    data.writeFloatBE(0.25, 16);
    data.writeFloatBE(3, 20);
    const p = put('ok.fits', table([card('TFIELDS', 2), card('TTYPE1', 'N'), card('TFORM1', 'J'), card('TTYPE2', 'V'), card('TFORM2', '2E')], 12, 2, data));
    const f = FitsFile.open(p);
    try {
      const t = f.readTable(1);
      assert.deepEqual(Array.from(t.column('N').data as Int32Array), [-5, 7]);
      assert.deepEqual(Array.from(t.column('V').data as Float32Array), [1.5, -2, 0.25, 3]);
      assert.equal(t.has('W'), false);
      const err = expectFitsError(() => t.column('W'), 'no-such-column', p);
      assert.match(err.message, /columns: N, V/);
      expectFitsError(() => f.readTable(0), 'not-table', p);
    } finally {
      f.close();
    }
  });

  test('an unknown TFORM, columns wider than NAXIS1, or narrower: bad-header naming the card', () => {
    const p1 = put('tform.fits', table([card('TFIELDS', 1), card('TFORM1', '3Z')], 3, 1, Buffer.alloc(3)));
    const e1 = expectFitsError(() => withTable(p1), 'bad-header', p1);
    assert.match(e1.message, /TFORM1 = '3Z'/);
    const p2 = put('wide.fits', table([card('TFIELDS', 1), card('TFORM1', '2D')], 8, 1, Buffer.alloc(8)));
    assert.match(expectFitsError(() => withTable(p2), 'bad-header', p2).message, /more than the row's NAXIS1 = 8/);
    const p3 = put('narrow.fits', table([card('TFIELDS', 1), card('TFORM1', 'D')], 12, 1, Buffer.alloc(12)));
    assert.match(expectFitsError(() => withTable(p3), 'bad-header', p3).message, /NAXIS1 = 12/);
  });

  test('a table whose data is cut short: truncated', () => {
    const full = table([card('TFIELDS', 1), card('TFORM1', 'D')], 8, 400, Buffer.alloc(3200));
    const p = put('short.fits', full.slice(0, 2880 * 2 + 1000));
    expectFitsError(() => withTable(p), 'truncated', p);
  });
});

function withTable(path: string): void {
  const f = FitsFile.open(path);
  try {
    f.readTable(1);
  } finally {
    f.close();
  }
}
