/**
 * FITS module tests. Three sources of truth, so that no check only restates the code:
 * - hand-made cards and bytes whose expected values can be checked by eye;
 * - astropy's view of the real MUSE cut-out, committed as JSON (no astropy needed);
 * - astropy run live (test/py/fits_*.py with /usr/bin/python3) on files it wrote and on
 *   files our writer wrote, with warnings as errors and verify('exception').
 * Run: node --import tsx --test test/fits.test.ts
 */

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FitsError, FitsFile, Header, formatCard, formatFloat, readFitsImage, writeFits, writeFitsSync, type Card, type WriteHdu } from '../src/fits/index.ts';
import { parseCard } from '../src/fits/card.ts';
import { NEGATIVE_ZERO, onesComplementSum } from '../src/fits/checksum.ts';
import { readBigEndianInto } from '../src/fits/raw-io.ts';
import { dtypeOf, ndarray, type NDArray, type TypedArray } from '../src/ndarray.ts';
import {
  assertMatchesAstropy,
  astropyAvailable,
  card,
  expectFitsError,
  FIXTURES,
  fitsBytes,
  ROOT,
  runPython,
  sha256,
  typed,
  type AstropyFile,
} from './fixtures/fits/helpers.ts';

const MUSE = join(FIXTURES, 'mpdaf_subcub_mosaic_UDF.fits');
const MUSE_VOXELS = '1:0,0,0;1:250,15,15;1:499,29,29;1:123,4,27;2:0,0,0;2:250,15,15;2:499,29,29;3:0,0;3:15,15;3:29,29;3:7,22';
// CI installs python3-astropy, so there a missing astropy fails the tests instead of skipping them.
const ASTROPY = astropyAvailable() || process.env.CI !== undefined ? {} : { skip: 'astropy is not importable by /usr/bin/python3: install the Debian package python3-astropy' };

let TMP = '';
before(() => {
  TMP = mkdtempSync(join(tmpdir(), 'sfh-fits-test-'));
});
after(() => rmSync(TMP, { recursive: true, force: true }));

/** Writes bytes to a file in the temp dir and returns its path. */
function put(name: string, bytes: Buffer | string): string {
  const path = join(TMP, name);
  writeFileSync(path, bytes);
  return path;
}

function withFile<T>(path: string, fn: (f: FitsFile) => T): T {
  const f = FitsFile.open(path);
  try {
    return fn(f);
  } finally {
    f.close();
  }
}

describe('header cards', () => {
  test('parses fixed and free format values as astropy types them', () => {
    const cases: [string, string, unknown, string, string][] = [
      ['NAXIS1  =                   30', 'NAXIS1', 30, 'integer', ''],
      ['BSCALE  =                  1.0 / scale', 'BSCALE', 1, 'float', 'scale'],
      ['DEXP    =              1.5D+02', 'DEXP', 150, 'float', ''],
      ['SMALL   = -2.5d-3', 'SMALL', -0.0025, 'float', ''],
      ['SPACED  = - 1.5E + 2', 'SPACED', -150, 'float', ''],
      ['FREE    = 42   /free', 'FREE', 42, 'integer', 'free'],
      ['PLUS    = +7', 'PLUS', 7, 'integer', ''],
      ['NEGZERO =                 -0.0', 'NEGZERO', -0, 'float', ''],
      ['EXTEND  =                    T', 'EXTEND', true, 'logical', ''],
      ['SIMPLE  = F', 'SIMPLE', false, 'logical', ''],
      ["OBJECT  = 'O''Brien / field 1' / who", 'OBJECT', "O'Brien / field 1", 'string', 'who'],
      ["CTYPE3  = 'AWAV    '", 'CTYPE3', 'AWAV', 'string', ''],
      ["EMPTY   = ''", 'EMPTY', '', 'string', ''],
      ["LEAD    = '  x  '", 'LEAD', '  x', 'string', ''],
      ['UNDEF   =                      / none', 'UNDEF', null, 'undefined', 'none'],
      ['SAFE    =     9007199254740991', 'SAFE', 9007199254740991, 'integer', ''],
      ['UNSAFE  =     9007199254740993', 'UNSAFE', 9007199254740993n, 'integer', ''],
      ['BIG     = -9223372036854775808', 'BIG', -9223372036854775808n, 'integer', ''],
      ['Z       = (1.5, -2E1)', 'Z', { re: 1.5, im: -20 }, 'complex', ''],
      ["HIERARCH ESO DET CHIP NAME = 'CCD-1' / chip", 'ESO DET CHIP NAME', 'CCD-1', 'string', 'chip'],
      ['HIERARCH ESO TEL AIRM START = 1.031', 'ESO TEL AIRM START', 1.031, 'float', ''],
      ['COMMENT   spaced text  ', 'COMMENT', '  spaced text', 'commentary', ''],
      ['HISTORY x / not a comment', 'HISTORY', 'x / not a comment', 'commentary', ''],
      ['        blank key text', '', 'blank key text', 'commentary', ''],
      ['NOVALUE  just text', 'NOVALUE', ' just text', 'commentary', ''],
      ['JUNK    = @@@ / kept', 'JUNK', '@@@', 'unparsed', 'kept'],
    ];
    for (const [image, key, value, type, comment] of cases) {
      const c = parseCard(image.padEnd(80));
      assert.deepStrictEqual({ key: c.key, value: c.value, type: c.type, comment: c.comment }, { key, value, type, comment }, image);
    }
  });

  test('joins CONTINUE long strings, including a quote followed by a blank (astropy 5.2 cuts it there)', () => {
    const h = Header.fromImages(
      ["LONG    = 'the cats'' &'", "CONTINUE  'toys are here&'", "CONTINUE  '' / c1", 'NEXT    =                    1', "AMP     = 'ends with&'", 'N       = 1', "CONTINUE  'orphan'"].map((s) => s.padEnd(80)),
    );
    assert.deepStrictEqual(
      h.cards.map((c) => [c.key, c.value, c.comment]),
      [
        ['LONG', "the cats' toys are here", 'c1'],
        ['NEXT', 1, ''],
        ['AMP', 'ends with&', ''],
        ['N', 1, ''],
        ['CONTINUE', 'orphan', ''], // astropy refuses this header; we keep the card
      ],
    );
  });

  test('looks keys up case-insensitively, with or without HIERARCH; first of duplicates', () => {
    const h = Header.fromImages(['HIERARCH ESO DET CHIP NAME = \'CCD-1\'', 'DUP     = 1', 'DUP     = 2', 'HISTORY a', 'HISTORY b', 'CTYPE1  = \'RA---TAN\''].map((s) => s.padEnd(80)), { file: '/x/cube.fits', hdu: "'DATA'" });
    assert.equal(h.get('eso det chip name'), 'CCD-1');
    assert.equal(h.get('HIERARCH ESO DET  CHIP NAME'), 'CCD-1');
    assert.equal(h.get('dup'), 1);
    assert.deepStrictEqual(h.getAll('DUP'), [1, 2]);
    assert.deepStrictEqual(h.getAll('history'), ['a', 'b']);
    assert.equal(h.has('NOPE'), false);
    assert.equal(h.get('NOPE'), undefined);
    assert.equal(h.getNumber('NOPE', 7), 7);
    assert.equal(h.getString('ctype1'), 'RA---TAN');
    const e = expectFitsError(() => h.getNumber('CTYPE1'), 'bad-header', '/x/cube.fits');
    assert.match(e.message, /^cube\.fits: HDU 'DATA': keyword CTYPE1 should be a number, but it is string 'RA---TAN'/);
    expectFitsError(() => h.getString('DUP'), 'bad-header', '/x/cube.fits');
    assert.match(expectFitsError(() => h.getNumber('NAXIS9'), 'bad-header', '/x/cube.fits').message, /NAXIS9 .*missing/);
  });

  test('formats cards in FITS fixed format', () => {
    const cases: [Card, string[]][] = [
      [{ key: 'NAXIS1', value: 30 }, ['NAXIS1  =                   30']],
      [{ key: 'crval3', value: 4750, type: 'float', comment: 'wavelength' }, ['CRVAL3  =               4750.0 / wavelength']],
      [{ key: 'XTENSION', value: 'IMAGE' }, ["XTENSION= 'IMAGE   '"]],
      [{ key: 'Q', value: "it's", comment: 'c' }, ["Q       = 'it''s   '           / c"]],
      [{ key: 'EXTEND', value: true }, ['EXTEND  =                    T']],
      [{ key: 'UNDEF', value: null, comment: 'x' }, ['UNDEF   =                      / x']],
      [{ key: 'BIG', value: 2n ** 63n }, ['BIG     =  9223372036854775808']],
      [{ key: 'Z', value: { re: 1, im: -0.5 } }, ['Z       =          (1.0, -0.5)']],
      [{ key: 'ESO DET CHIP NAME', value: 'CCD-1' }, ["HIERARCH ESO DET CHIP NAME = 'CCD-1   '"]],
      [{ key: 'LONGKEYNAME', value: 1.5 }, ['HIERARCH LONGKEYNAME = 1.5']],
      [{ key: 'HISTORY', value: 'step 1' }, ['HISTORY step 1']],
      [{ key: 'COMMENT', value: 'c'.repeat(80) }, [`COMMENT ${'c'.repeat(72)}`, `COMMENT ${'c'.repeat(8)}`]],
      [{ key: 'LONG', value: 'a'.repeat(100) }, [`LONG    = '${'a'.repeat(67)}&'`, `CONTINUE  '${'a'.repeat(33)}'`]],
      [{ key: 'LC', value: 'short', comment: 'w '.repeat(40).trim() }, ["LC      = 'short&'", `CONTINUE  '&' / ${'w '.repeat(32).trim()}`, `CONTINUE  '' / ${'w '.repeat(8).trim()}`]],
    ];
    for (const [c, images] of cases) assert.deepStrictEqual(formatCard(c), images.map((i) => i.padEnd(80)), JSON.stringify(c, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
  });

  test('floats are written so that they parse back to the same float64', () => {
    assert.deepStrictEqual([0.1, 1e21, 5e-324, -0, 4750, 1.5e-7].map(formatFloat), ['0.1', '1.0E+21', '5.0E-324', '-0.0', '4750.0', '1.5E-7']);
    const bits = new BigUint64Array(1);
    const f = new Float64Array(bits.buffer);
    let seed = 12345n;
    for (let i = 0; i < 3000; i++) {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
      bits[0] = seed;
      const x = f[0] as number;
      if (!Number.isFinite(x)) continue;
      const card = parseCard(formatCard({ key: 'X', value: x, type: 'float' })[0] ?? '');
      assert.equal(card.type, 'float');
      assert.ok(Object.is(card.value, x), `${x} -> ${formatFloat(x)}`);
    }
  });

  test('format then parse gives back every value, long strings split at any position', () => {
    const values: Card[] = [
      { key: 'ESO PRO LONG STRING', value: 'h'.repeat(150), comment: 'hierarch long' },
      { key: 'AMPEND', value: `${'x'.repeat(90)}&` },
      { key: 'AMPONE', value: 'x&' },
      // Comments are split at blanks (a parser joins the parts with one), so use words here.
      { key: 'EMPTYC', value: '', comment: 'quite a long comment '.repeat(8).trim() },
      { key: 'I', value: -12 },
      { key: 'B', value: -(2n ** 63n) },
      { key: 'F', value: 1 / 3, comment: 'third' },
      { key: 'L', value: false },
      { key: 'U', value: null },
      { key: 'C', value: { re: 1e-300, im: -2 } },
    ];
    for (let at = 55; at < 80; at++) values.push({ key: `Q${at}`, value: `${'x'.repeat(at)}'${'y'.repeat(at)}''z`, comment: `at ${at}` });
    for (const c of values) {
      const images = formatCard(c);
      assert.ok(images.every((i) => i.length === 80 && /^[ -~]*$/.test(i)));
      const h = Header.fromImages(images);
      assert.equal(h.cards.length, 1, c.key);
      const back = h.cards[0];
      assert.deepStrictEqual(back?.value, c.value, c.key);
      assert.equal(back?.comment, c.comment ?? '', c.key);
    }
  });

  test('refuses what FITS cannot hold', () => {
    assert.throws(() => formatCard({ key: 'X', value: 'café' }), /printable ASCII/);
    assert.throws(() => formatCard({ key: 'X', value: NaN }), /NaN/);
    assert.throws(() => formatCard({ key: 'A=B LONG', value: 1 }), /'='/);
    assert.throws(() => formatCard({ key: 'I', value: 1.5, type: 'integer' }), /not a valid integer/);
  });
});

describe('the real MUSE cut-out (astropy values committed as JSON)', () => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'mpdaf_subcub_mosaic_UDF.astropy.json'), 'utf8')) as AstropyFile[];
  const want = expected[0] as AstropyFile;

  test('indexes 4 HDUs from the headers alone', () => {
    withFile(MUSE, (f) => {
      assert.deepStrictEqual(
        f.hdus.map((h) => [h.name, h.bitpix, h.shape, h.header.cards.length, h.isImage]),
        [
          ['PRIMARY', 8, [], 296, false],
          ['DATA', -32, [500, 30, 30], 38, true],
          ['STAT', -32, [500, 30, 30], 38, true],
          ['FIELDMAP', 64, [30, 30], 27, true],
        ],
      );
      assert.deepStrictEqual(f.hdus.map((h) => [h.dataOffset, h.dataBytes]), [[25920, 0], [31680, 1800000], [1837440, 1800000], [3640320, 7200]]);
    });
  });

  test('every card of every HDU and every data byte equal astropy', () => {
    assert.deepStrictEqual(want.hdus.map((h) => h.cards.length), [296, 38, 38, 27]);
    withFile(MUSE, (f) => assertMatchesAstropy(f, want));
  });

  test('HIERARCH ESO keys and typed helpers', () => {
    withFile(MUSE, (f) => {
      const p = f.hdu('primary').header;
      assert.equal(p.get('ESO INS DROT POSANG'), 42);
      assert.equal(p.card('HIERARCH ESO INS DROT POSANG')?.type, 'float');
      assert.equal(p.getString('eso ins mode'), 'WFM-NOAO-N');
      assert.equal(p.getNumber('ESO OBS ID'), 200324947);
      const d = f.hdu('data').header;
      assert.equal(d.getNumber('CD3_3'), 1.25);
      assert.equal(d.getString('CTYPE3'), 'AWAV');
      assert.equal(d.getNumber('CRPIX1'), -41);
      const e = expectFitsError(() => d.getNumber('CTYPE1'), 'bad-header', MUSE);
      assert.match(e.message, /HDU 'DATA': keyword CTYPE1/);
    });
  });

  test('FIELDMAP is int64 as BigInt64Array', () => {
    const m = readFitsImage(MUSE, 'FIELDMAP');
    assert.ok(m.data instanceof BigInt64Array);
    assert.equal(m.data[0], 576n);
    assert.equal((m.data as BigInt64Array).reduce((a, b) => a + b, 0n), BigInt(want.hdus[3]?.sum ?? 'x'));
  });

  test('plane reads equal the slice of the full read; tiny chunks change nothing', () => {
    withFile(MUSE, (f) => {
      const full = f.readImage('DATA');
      for (const [start, count] of [[0, 1], [100, 50], [499, 1], [0, 500]] as const) {
        const part = f.readImage('DATA', { planes: { start, count } });
        assert.deepStrictEqual(part.shape, [count, 30, 30]);
        assert.equal(sha256(part.data), sha256(full.data.subarray(start * 900, (start + count) * 900)), `planes ${start}+${count}`);
      }
      for (const chunkBytes of [3, 4096, 999_999]) assert.equal(sha256(f.readImage('STAT', { chunkBytes }).data), want.hdus[2]?.sha256);
    });
  });

  test('selecting a missing or non-image HDU', () => {
    withFile(MUSE, (f) => {
      const e = expectFitsError(() => f.readImage('VARIANCE'), 'no-such-hdu', MUSE);
      // The hint is kept apart from the message, so a report prints it once.
      assert.equal(e.message, "mpdaf_subcub_mosaic_UDF.fits: HDU 'VARIANCE' not found (HDUs: PRIMARY, DATA, STAT, FIELDMAP)");
      assert.match(e.hint, /^Check that/);
      assert.match(expectFitsError(() => f.hdu(4), 'no-such-hdu', MUSE).message, /HDU #4 not found/);
      assert.match(expectFitsError(() => f.readImage(0), 'not-image', MUSE).message, /HDU 'PRIMARY' has no image data \(NAXIS = 0\)/);
    });
  });

  test('the committed JSON is what astropy says today', ASTROPY, () => {
    const live = runPython<AstropyFile[]>('fits_dump.py', ['--strict', '--voxels', MUSE_VOXELS, MUSE]);
    assert.deepStrictEqual(live, expected);
  });
});

describe('files written by astropy (live)', ASTROPY, () => {
  let expected: AstropyFile[] = [];
  let dir = '';
  before(() => {
    dir = join(TMP, 'astropy');
    mkdirSync(dir);
    expected = runPython<AstropyFile[]>('fits_make_synthetic.py', [dir]);
  });
  const byName = (n: string): AstropyFile => expected.find((e) => e.file === n) ?? assert.fail(`no ${n}`);

  for (const name of ['bitpix.fits', 'scaled.fits', 'header.fits', 'table_then_image.fits', 'cube.fits']) {
    test(`${name}: cards and data equal astropy's`, () => withFile(join(dir, name), (f) => assertMatchesAstropy(f, byName(name))));
  }

  test('result types follow astropy (unsigned conventions, float32 vs float64, BLANK -> NaN)', () => {
    withFile(join(dir, 'scaled.fits'), (f) => {
      const kinds = Object.fromEntries(f.hdus.slice(1).map((h) => [h.name, dtypeOf(f.readImage(h.index).data)]));
      assert.deepStrictEqual(kinds, {
        I16S: 'float32', U8S: 'float32', I32S: 'float64', I64S: 'float64', F32S: 'float32', F64S: 'float64', U16: 'uint16', U32: 'uint32', I8: 'int8',
        BLANKONLY: 'float32', U16BLANK: 'uint16', BLANKFLOAT: 'float32', INTBSCALE: 'float32', U8ZERO: 'float32',
      });
      assert.deepStrictEqual([...f.readImage('U16').data], [0, 1, 32767, 32768, 65535, 40000]);
      assert.deepStrictEqual([...f.readImage('BLANKONLY').data], [NaN, 2, 3, NaN]);
      assert.ok(Number.isNaN(f.readImage('I32S').data[2 * 7 + 3]));
    });
  });

  test('a BINTABLE with a heap is skipped exactly; reading it is refused', () => {
    const path = join(dir, 'table_then_image.fits');
    withFile(path, (f) => {
      const cat = f.hdu('CAT');
      assert.equal(cat.xtension, 'BINTABLE');
      assert.ok(cat.header.getNumber('PCOUNT') > 0, 'the table has a heap (PCOUNT > 0)');
      assert.equal(f.hdu('SCI').dataOffset, cat.dataOffset + Math.ceil(cat.dataBytes / 2880) * 2880 + 2880);
      assert.match(expectFitsError(() => f.readImage('CAT'), 'not-image', path).message, /HDU 'CAT' is a BINTABLE, not an image/);
    });
  });

  test('a tile-compressed image is refused with a hint', () => {
    const path = join(dir, 'compressed.fits');
    withFile(path, (f) => {
      assert.equal(f.hdus[1]?.compressed, true);
      const e = expectFitsError(() => f.readImage(1), 'compressed', path);
      assert.match(e.hint, /funpack/);
    });
  });
});

/** A cube with stored int16 values, BSCALE/BZERO/BLANK, built byte by byte. */
function scaledCube(): { path: string; raw: Int16Array; shape: number[] } {
  const shape = [6, 2, 3];
  const raw = Int16Array.from({ length: 36 }, (_, i) => (i === 7 ? -1000 : i * 37 - 500));
  const bytes = Buffer.alloc(72);
  raw.forEach((v, i) => bytes.writeInt16BE(v, 2 * i));
  const cards = [card('SIMPLE', true), card('BITPIX', 16), card('NAXIS', 3), card('NAXIS1', 3), card('NAXIS2', 2), card('NAXIS3', 6), card('BSCALE', 0.1), card('BZERO', 3), card('BLANK', -1000)];
  return { path: put('scaled-cube.fits', fitsBytes(cards, bytes)), raw, shape };
}

describe('plane reads and chunked reading (no astropy)', () => {
  test('BSCALE/BZERO/BLANK give float32 values computed in float32, as numpy', () => {
    const { path, raw } = scaledCube();
    const img = readFitsImage(path, 0);
    assert.ok(img.data instanceof Float32Array);
    raw.forEach((r, i) => {
      const want = r === -1000 ? NaN : Math.fround(Math.fround(r * Math.fround(0.1)) + 3);
      assert.ok(Object.is(img.data[i], want), `element ${i}: ${img.data[i]} vs ${want}`);
    });
    assert.equal(img.data[1], Math.fround(-500 * Math.fround(0.1) + 3 + 3.7));
  });

  test('BSCALE/BZERO on float32 data are applied in float32 arithmetic', () => {
    const stored = Float32Array.from({ length: 2000 }, (_, i) => Math.sin(i) * 1000);
    const bytes = Buffer.alloc(8000);
    stored.forEach((v, i) => bytes.writeFloatBE(v, 4 * i));
    const path = put('f32-scaled.fits', fitsBytes([card('SIMPLE', true), card('BITPIX', -32), card('NAXIS', 1), card('NAXIS1', 2000), card('BSCALE', 0.3), card('BZERO', 7)], bytes));
    const img = readFitsImage(path, 0);
    assert.ok(img.data instanceof Float32Array);
    const want = stored.map((v) => Math.fround(Math.fround(v * Math.fround(0.3)) + Math.fround(7)));
    assert.deepStrictEqual(img.data, want);
  });

  test('each slab equals the slice of the full read, for every result type', () => {
    const { path } = scaledCube();
    const arrays: [string, NDArray][] = [
      ['f32', ndarray(Float32Array.from({ length: 105 }, (_, i) => i * 0.5 - 7), [7, 5, 3])],
      ['f64', ndarray(Float64Array.from({ length: 24 }, (_, i) => Math.sqrt(i)), [4, 6])],
      ['i16', ndarray(Int16Array.from({ length: 30 }, (_, i) => i * 1000 - 15000), [5, 3, 2])],
      ['u16', ndarray(Uint16Array.from({ length: 20 }, (_, i) => i * 3000), [10, 2])],
      ['i64', ndarray(BigInt64Array.from({ length: 10 }, (_, i) => BigInt(i) * 2n ** 60n - 2n ** 62n), [5, 2])],
      ['i8', ndarray(Int8Array.from({ length: 8 }, (_, i) => i * 32 - 128), [8])],
    ];
    const written = join(TMP, 'planes.fits');
    writeFitsSync(written, arrays.map(([extname, data]) => ({ data, extname })));
    const files: [string, string | number][] = [[path, 0], ...arrays.map(([n]) => [written, n] as [string, string])];
    for (const [file, sel] of files) {
      withFile(file, (f) => {
        const full = f.readImage(sel);
        const [n = 0, ...rest] = full.shape;
        const plane = rest.reduce((a, b) => a * b, 1);
        for (const [start, count] of [[0, 1], [0, n], [1, n - 2], [n - 1, 1]] as const) {
          const part = f.readImage(sel, { planes: { start, count } });
          assert.deepStrictEqual(part.shape, [count, ...rest]);
          assert.deepStrictEqual(part.data, full.data.slice(start * plane, (start + count) * plane), `${String(sel)} planes ${start}+${count}`);
        }
        for (const chunkBytes of [1, 3, 8, 50]) assert.deepStrictEqual(f.readImage(sel, { chunkBytes }).data, full.data, `${String(sel)} chunk ${chunkBytes}`);
        assert.match(expectFitsError(() => f.readImage(sel, { planes: { start: n - 1, count: 2 } }), 'size-mismatch', file).message, /outside the/);
      });
    }
  });

  test('readBigEndianInto swaps chunk by chunk and reports a short read', () => {
    const path = put('bytes.bin', Buffer.from(Array.from({ length: 64 }, (_, i) => i)));
    const fd = openSync(path, 'r');
    try {
      for (const chunk of [1, 2, 3, 5, 1 << 30]) {
        const u16 = new Uint16Array(5);
        assert.equal(readBigEndianInto(fd, u16, 2, 2, chunk), 10);
        assert.deepStrictEqual([...u16], [0x0203, 0x0405, 0x0607, 0x0809, 0x0a0b], `chunk ${chunk}`);
        const f64 = new BigInt64Array(2);
        assert.equal(readBigEndianInto(fd, f64, 8, 8, chunk), 16);
        assert.deepStrictEqual([...f64], [0x08090a0b0c0d0e0fn, 0x1011121314151617n]);
      }
      const tail = new Uint32Array(4);
      assert.equal(readBigEndianInto(fd, tail, 56, 4, 4), 8);
      assert.deepStrictEqual([...tail], [0x38393a3b, 0x3c3d3e3f, 0, 0]);
    } finally {
      closeSync(fd);
    }
  });
});

/** A set of HDUs covering every typed array, special floats and tricky cards. */
function roundTripHdus(): WriteHdu[] {
  const f64 = Float64Array.from({ length: 24 }, (_, i) => Math.PI * 10 ** (i - 12));
  f64.set([NaN, -0, Infinity, -Infinity, 5e-324, 1.7976931348623157e308], 0);
  const f32 = Float32Array.from({ length: 15 }, (_, i) => i / 7);
  f32[4] = NaN;
  const cards: Card[] = [
    { key: 'OBJECT', value: 'NGC 0000' },
    { key: 'RA', value: 53.148089, comment: '[deg] pointing' },
    { key: 'CRVAL3', value: 4750, type: 'float' },
    { key: 'THIRD', value: 1 / 3 },
    { key: 'TINY', value: 5e-324 },
    { key: 'NEGZERO', value: -0, type: 'float' },
    { key: 'BIGINT', value: 2n ** 62n + 1n },
    { key: 'FLAG', value: false },
    { key: 'NOTHING', value: null, comment: 'undefined on purpose' },
    { key: 'Z', value: { re: 1, im: -2.5 } },
    { key: 'LONGSTR', value: `It's a long value: ${'abc '.repeat(40)}end`, comment: `and a long comment ${'word '.repeat(25)}done` },
    { key: 'ESO DET CHIP NAME', value: 'CCD-1', comment: 'chip' },
    { key: 'ESO TEL AIRM START', value: 1.031 },
    { key: 'ESO PRO LONG', value: 'z'.repeat(120) },
    { key: 'COMMENT', value: 'a comment' },
    { key: 'HISTORY', value: 'h'.repeat(100) },
    { key: 'BITPIX', value: 99 },
    { key: 'NAXIS', value: 5 },
  ];
  return [
    { data: null, cards },
    { data: ndarray(f64, [2, 3, 4]), extname: 'F64', cards: [{ key: 'BUNIT', value: '10**-20 Angstrom-1 cm-2 erg s-1' }] },
    { data: ndarray(f32, [3, 5]), extname: 'F32' },
    { data: ndarray(Int16Array.from([-32768, -1, 0, 1, 32767, 12345]), [2, 3]), extname: 'I16' },
    { data: ndarray(Uint16Array.from([0, 1, 32767, 32768, 65535, 40000]), [6]), extname: 'U16' },
    { data: ndarray(Int32Array.from([-(2 ** 31), -1, 0, 2 ** 31 - 1]), [2, 2]), extname: 'I32' },
    { data: ndarray(Uint32Array.from([0, 1, 2 ** 31, 2 ** 32 - 1]), [4]), extname: 'U32' },
    { data: ndarray(Int8Array.from([-128, -1, 0, 1, 127]), [5]), extname: 'I8' },
    { data: ndarray(Uint8Array.from([0, 1, 128, 255]), [1, 2, 2]), extname: 'U8' },
    { data: ndarray(BigInt64Array.from([-(2n ** 63n), -1n, 0n, 2n ** 53n + 1n, 2n ** 63n - 1n, 42n]), [3, 2]), extname: 'I64' },
    { data: null, extname: 'EMPTY', cards: [{ key: 'EXTNAME', value: 'IGNORED' }] },
  ];
}

describe('writer', () => {
  test('astropy reads our file with no warning, verify("exception"), same cards and bits', ASTROPY, () => {
    const path = join(TMP, 'roundtrip.fits');
    const hdus = roundTripHdus();
    writeFitsSync(path, hdus);
    const [seen] = runPython<AstropyFile[]>('fits_dump.py', ['--strict', path]);
    assert.ok(seen);
    withFile(path, (f) => assertMatchesAstropy(f, seen));
    assert.deepStrictEqual(seen.hdus.map((h) => h.name), ['PRIMARY', 'F64', 'F32', 'I16', 'U16', 'I32', 'U32', 'I8', 'U8', 'I64', 'EMPTY']);
    hdus.forEach((hdu, i) => {
      if (hdu.data === null) return;
      assert.equal(seen.hdus[i]?.dtype, dtypeOf(hdu.data.data), `HDU ${i} dtype`);
      assert.equal(seen.hdus[i]?.sha256, sha256(hdu.data.data), `HDU ${i}: astropy sees the bits we wrote`);
    });
    const primary = (seen.hdus[0]?.cards ?? []).map((c) => [c.key, c.value.v]);
    const long = "It's a long value: " + 'abc '.repeat(40) + 'end';
    assert.deepStrictEqual(primary.slice(0, 4), [['SIMPLE', true], ['BITPIX', '8'], ['NAXIS', '0'], ['EXTEND', true]]);
    assert.deepStrictEqual(primary.slice(4), [
      ['OBJECT', 'NGC 0000'], ['RA', 53.148089], ['CRVAL3', 4750], ['THIRD', 1 / 3], ['TINY', 5e-324], ['NEGZERO', -0], ['BIGINT', String(2n ** 62n + 1n)],
      ['FLAG', false], ['NOTHING', null], ['Z', [1, -2.5]], ['LONGSTR', long], ['ESO DET CHIP NAME', 'CCD-1'], ['ESO TEL AIRM START', 1.031],
      ['ESO PRO LONG', 'z'.repeat(120)], ['COMMENT', 'a comment'], ['HISTORY', 'h'.repeat(72)], ['HISTORY', 'h'.repeat(28)],
      // Every HDU ends with the checksum cards, which astropy (checksum=True, warnings as errors) verified.
      ['CHECKSUM', seen.hdus[0]?.cards.at(-2)?.value.v], ['DATASUM', '0'],
    ]);
    for (const h of seen.hdus) assert.deepStrictEqual(h.cards.slice(-2).map((c) => c.key), ['CHECKSUM', 'DATASUM'], `HDU ${h.index}`);
    assert.equal(seen.hdus[0]?.cards.find((c) => c.key === 'LONGSTR')?.comment, `and a long comment ${'word '.repeat(25)}done`);
  });

  test('our reader reads back what we wrote', async () => {
    const path = join(TMP, 'back.fits');
    const hdus = roundTripHdus();
    await writeFits(path, hdus);
    withFile(path, (f) => {
      hdus.forEach((hdu, i) => {
        if (hdu.data === null) return;
        const back = f.readImage(i);
        assert.deepStrictEqual(back.shape, hdu.data.shape);
        assert.equal(back.data.constructor, hdu.data.data.constructor);
        assert.equal(sha256(back.data), sha256(hdu.data.data), `HDU ${i}`);
      });
      const p = f.hdu(0).header;
      assert.equal(p.get('BIGINT'), 2n ** 62n + 1n);
      assert.equal(p.card('CRVAL3')?.type, 'float');
      assert.equal(p.get('ESO PRO LONG'), 'z'.repeat(120));
      assert.equal(p.getNumber('BITPIX'), 8, 'the caller cannot override BITPIX');
      assert.equal(f.hdu('EMPTY').header.getAll('EXTNAME').length, 1);
    });
  });

  test('layout by hand: mandatory cards, big-endian data, padding', () => {
    const path = join(TMP, 'layout.fits');
    writeFitsSync(path, [{ data: ndarray(Float32Array.from([1, -2]), [2]) }, { data: ndarray(Uint16Array.from([0, 65535]), [2]), extname: 'U' }, { data: ndarray(Int8Array.from([-128, 127]), [2]) }]);
    const bytes = readFileSync(path);
    const cardsOf = (at: number, n: number): string[] => Array.from({ length: n }, (_, i) => bytes.toString('latin1', at + 80 * i, at + 80 * i + 80).trimEnd());
    // The data words 3f800000 + c0000000 sum to ff800000 = 4286578688 (no carry): DATASUM.
    const checksum = /^CHECKSUM= '[0-9A-Za-z]{16}'   \/ HDU checksum \(FITS checksum convention\)$/;
    const primary = cardsOf(0, 8);
    assert.match(primary[5] ?? '', checksum);
    assert.deepStrictEqual([...primary.slice(0, 5), ...primary.slice(6)], ['SIMPLE  =                    T / conforms to FITS standard', 'BITPIX  =                  -32 / array data type', 'NAXIS   =                    1 / number of array dimensions', 'NAXIS1  =                    2', 'EXTEND  =                    T', "DATASUM = '4286578688'         / data unit checksum", 'END']);
    assert.equal(onesComplementSum(bytes.subarray(0, 5760)), NEGATIVE_ZERO, 'the whole HDU sums to -0');
    assert.ok(bytes.subarray(640, 2880).every((b) => b === 0x20), 'header padded with spaces');
    assert.deepStrictEqual([...bytes.subarray(2880, 2888)], [0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0]);
    assert.ok(bytes.subarray(2888, 5760).every((b) => b === 0), 'data padded with zeros');
    const ext = cardsOf(5760, 12);
    assert.match(ext[9] ?? '', checksum);
    // The stored words 8000 7fff make one 32-bit word, 0x80007fff = 2147516415.
    assert.deepStrictEqual([...ext.slice(0, 9), ...ext.slice(10)], ["XTENSION= 'IMAGE   '           / Image extension", 'BITPIX  =                   16 / array data type', 'NAXIS   =                    1 / number of array dimensions', 'NAXIS1  =                    2', 'PCOUNT  =                    0 / number of parameters', 'GCOUNT  =                    1 / number of groups', 'BSCALE  =                    1', 'BZERO   =                32768', "EXTNAME = 'U       '           / extension name", "DATASUM = '2147516415'         / data unit checksum", 'END']);
    assert.equal(onesComplementSum(bytes.subarray(5760, 11520)), NEGATIVE_ZERO);
    assert.deepStrictEqual([...bytes.subarray(8640, 8644)], [0x80, 0, 0x7f, 0xff]);
    assert.deepStrictEqual([...bytes.subarray(14400, 14402)], [0, 0xff]);
    assert.equal(bytes.length, 17280);
  });

  test('sync and async writers give identical bytes and leave the caller arrays alone', async () => {
    const big = Float64Array.from({ length: 3_000_000 }, (_, i) => i * 1.5 - 7);
    const hdus: WriteHdu[] = [{ data: ndarray(big, [3000, 1000]) }, ...roundTripHdus().slice(1)];
    const before = hdus.map((h) => (h.data === null ? '' : sha256(h.data.data)));
    writeFitsSync(join(TMP, 'a.fits'), hdus);
    await writeFits(join(TMP, 'b.fits'), hdus);
    assert.deepStrictEqual(hdus.map((h) => (h.data === null ? '' : sha256(h.data.data))), before);
    assert.ok(readFileSync(join(TMP, 'a.fits')).equals(readFileSync(join(TMP, 'b.fits'))));
    const back = readFitsImage(join(TMP, 'a.fits'), 0);
    assert.equal(sha256(back.data), before[0], 'data crossing the 16 MiB swap buffer');
  });

  test('a subarray view is written from its own offset', () => {
    const path = join(TMP, 'view.fits');
    const base = Int16Array.from([9, 1, -2, 3, 9]);
    writeFitsSync(path, [{ data: ndarray(base.subarray(1, 4), [3]) }]);
    assert.deepStrictEqual([...readFitsImage(path, 0).data], [1, -2, 3]);
    assert.deepStrictEqual([...base], [9, 1, -2, 3, 9]);
  });

  test('bad input fails before any file is made', async () => {
    const path = join(TMP, 'never.fits');
    expectFitsError(() => writeFitsSync(path, [{ data: { data: new Float32Array(5), shape: [2, 3] } }]), 'size-mismatch', path);
    expectFitsError(() => writeFitsSync(path, [{ data: null, cards: [{ key: 'OBJECT', value: 'Škoda' }] }]), 'bad-header', path);
    await assert.rejects(writeFits(path, []), (e: unknown) => e instanceof FitsError && e.reason === 'size-mismatch');
    assert.equal(existsSync(path), false);
  });

  test('file system failures: write-failed with the errno code, no temporary file left', async () => {
    const missing = join(TMP, 'no-such-dir', 'x.fits');
    const e = expectFitsError(() => writeFitsSync(missing, [{ data: null }]), 'write-failed', missing);
    assert.equal(e.code, 'ENOENT');
    assert.match(e.message, /ENOENT/);
    const dirTarget = join(TMP, 'is-a-dir');
    mkdirSync(join(dirTarget, 'child'), { recursive: true });
    const leftovers = (): string[] => readdirSync(TMP).filter((n) => n.includes('.tmp-'));
    assert.equal(expectFitsError(() => writeFitsSync(dirTarget, [{ data: null }]), 'write-failed', dirTarget).code, 'EISDIR');
    await assert.rejects(writeFits(dirTarget, [{ data: null }]), (err: unknown) => err instanceof FitsError && err.reason === 'write-failed' && err.code === 'EISDIR');
    assert.deepStrictEqual(leftovers(), []);
  });

  test('a full disk mid-write (EFBIG under ulimit -f) keeps the old file and removes the temporary one', () => {
    const dir = join(TMP, 'efbig');
    mkdirSync(dir);
    const target = join(dir, 'cube.fits');
    writeFitsSync(target, [{ data: ndarray(Float32Array.from([1, 2, 3]), [3]) }]);
    const old = readFileSync(target);
    const script = join(dir, 'child.mts');
    writeFileSync(
      script,
      `import { writeFits, writeFitsSync } from ${JSON.stringify(pathToFileURL(join(ROOT, 'src/fits/index.ts')).href)};
const hdus = [{ data: { data: new Float64Array(400000), shape: [400000] } }];
const out = [];
try { writeFitsSync(process.argv[2], hdus); out.push('written'); } catch (e) { out.push([e.reason, e.code]); }
try { await writeFits(process.argv[2], hdus); out.push('written'); } catch (e) { out.push([e.reason, e.code]); }
console.log(JSON.stringify(out));`,
    );
    const run = spawnSync('bash', ['-c', 'ulimit -f 256 && exec "$0" --import tsx "$1" "$2"', process.execPath, script, target], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.deepStrictEqual(JSON.parse(run.stdout), [['write-failed', 'EFBIG'], ['write-failed', 'EFBIG']]);
    assert.ok(readFileSync(target).equals(old), 'the old file is untouched');
    assert.deepStrictEqual(readdirSync(dir).sort(), ['child.mts', 'cube.fits']);
  });
});

describe('broken and unsupported files (built by hand)', () => {
  const image = (bitpix: number, axes: number[], extra: string[] = []): string[] => [card('SIMPLE', true), card('BITPIX', bitpix), card('NAXIS', axes.length), ...axes.map((n, i) => card(`NAXIS${i + 1}`, n)), ...extra];

  test('not FITS, empty, missing', () => {
    const text = put('notes.fits', 'hello world\n'.repeat(300));
    assert.match(expectFitsError(() => FitsFile.open(text), 'not-fits', text).message, /does not start with SIMPLE/);
    const empty = put('empty.fits', '');
    assert.match(expectFitsError(() => FitsFile.open(empty), 'not-fits', empty).message, /empty/);
    const missing = join(TMP, 'missing.fits');
    assert.equal(expectFitsError(() => FitsFile.open(missing), 'not-fits', missing).code, 'ENOENT');
  });

  test('truncated data: whole planes that are there can still be read', () => {
    const path = join(TMP, 'cut.fits');
    writeFitsSync(path, [{ data: ndarray(Float32Array.from({ length: 6000 }, (_, i) => i), [10, 20, 30]) }]);
    truncateSync(path, 2880 + 5000);
    withFile(path, (f) => {
      const e = expectFitsError(() => f.readImage(0), 'truncated', path);
      assert.match(e.message, /needs 24000 bytes of data at offset 2880, but the file \(7880 bytes\) holds only 5000 of them/);
      assert.deepStrictEqual([...f.readImage(0, { planes: { start: 1, count: 1 } }).data.subarray(0, 2)], [600, 601]);
      expectFitsError(() => f.readImage(0, { planes: { start: 0, count: 3 } }), 'truncated', path);
    });
  });

  test('truncated header, and NAXIS larger than the data', () => {
    const head = put('head.fits', fitsBytes(image(-32, [4])).subarray(0, 300));
    assert.match(expectFitsError(() => FitsFile.open(head), 'truncated', head).message, /no END card/);
    const big = put('naxis.fits', fitsBytes(image(-32, [1000, 1000]), Buffer.alloc(100)));
    withFile(big, (f) => assert.match(expectFitsError(() => f.readImage(0), 'truncated', big).message, /needs 4000000 bytes/));
  });

  test('unknown BITPIX, unsigned 64-bit', () => {
    const bad = put('bitpix.fits', fitsBytes(image(12, [4]), Buffer.alloc(8)));
    assert.match(expectFitsError(() => FitsFile.open(bad), 'bad-bitpix', bad).message, /BITPIX = 12/);
    const u64 = put('u64.fits', fitsBytes(image(64, [1], ['BZERO   =  9223372036854775808']), Buffer.alloc(8)));
    withFile(u64, (f) => expectFitsError(() => f.readImage(0), 'bad-bitpix', u64));
  });

  test('ZIMAGE BINTABLE, plain BINTABLE, and a missing HDU named in the message', () => {
    const table = (zimage: boolean): string[] => [card('XTENSION', 'BINTABLE'), card('BITPIX', 8), card('NAXIS', 2), card('NAXIS1', 8), card('NAXIS2', 3), card('PCOUNT', 10), card('GCOUNT', 1), card('TFIELDS', 1), ...(zimage ? [card('ZIMAGE', true)] : [card('EXTNAME', 'STAT')])];
    const primary = fitsBytes([card('SIMPLE', true), card('BITPIX', 8), card('NAXIS', 0)]);
    const img = fitsBytes([card('XTENSION', 'IMAGE'), card('BITPIX', -32), card('NAXIS', 1), card('NAXIS1', 2), card('PCOUNT', 0), card('GCOUNT', 1)], Buffer.from([0x3f, 0x80, 0, 0, 0x40, 0, 0, 0]));
    const path = put('cube.fits', Buffer.concat([primary, fitsBytes(table(true), Buffer.alloc(34)), fitsBytes(table(false), Buffer.alloc(34)), img]));
    withFile(path, (f) => {
      assert.deepStrictEqual(f.hdus.map((h) => [h.name, h.dataBytes, h.compressed, h.isImage]), [['PRIMARY', 0, false, false], ['', 34, true, false], ['STAT', 34, false, false], ['', 8, false, true]]);
      assert.match(expectFitsError(() => f.readImage(1), 'compressed', path).hint, /funpack/);
      expectFitsError(() => f.readImage('stat'), 'not-image', path);
      assert.deepStrictEqual([...f.readImage(3).data], [1, 2]);
      const e = expectFitsError(() => f.readImage('DATA'), 'no-such-hdu', path);
      assert.equal(e.message, "cube.fits: HDU 'DATA' not found (HDUs: PRIMARY, #1, STAT, #3)");
      assert.match(e.hint, /^Check that this is/);
    });
  });
});
