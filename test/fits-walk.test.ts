/**
 * The header/HDU walker on damaged files (issue 21, class 1): every way a malformed header
 * could make the reader run past it (END missing or misplaced, a header reaching the end of
 * the file, truncated data, NAXISn that do not fit the file, bogus BITPIX, odd PCOUNT/GCOUNT,
 * bytes after the last HDU), each checked against what astropy does with the same bytes.
 * The files are built by hand: a MUSE-like cube, PRIMARY (header only) + DATA + STAT, whose
 * DATA holds 0..23 (sum 276) and STAT all 7 (sum 168), so a reader that takes STAT's data
 * for DATA's is caught by the sum.
 * Run: node --import tsx --test test/fits-walk.test.ts
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FitsFile } from '../src/fits/index.ts';
import { astropyAvailable, card, expectFitsError, fitsBytes, PYTHON } from './fixtures/fits/helpers.ts';

const ASTROPY = astropyAvailable() || process.env.CI !== undefined ? {} : { skip: 'astropy is not importable by /usr/bin/python3: install the Debian package python3-astropy' };

let TMP = '';
before(() => {
  TMP = mkdtempSync(join(tmpdir(), 'sfh-fits-walk-'));
});
after(() => rmSync(TMP, { recursive: true, force: true }));

const END = 'END'.padEnd(80);
const DATA_HEADER = 2880;
const STAT_HEADER = 8640;

function f32(values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeFloatBE(v, 4 * i));
  return b;
}

/** The intact cube: 5 blocks of 2880 bytes (headers at 0, 2880, 8640). */
function cube(): Buffer {
  const ext = (name: string): string[] => [card('XTENSION', 'IMAGE'), card('BITPIX', -32), card('NAXIS', 3), card('NAXIS1', 2), card('NAXIS2', 3), card('NAXIS3', 4), card('PCOUNT', 0), card('GCOUNT', 1), card('EXTNAME', name)];
  return Buffer.concat([
    fitsBytes([card('SIMPLE', true), card('BITPIX', 8), card('NAXIS', 0), card('EXTEND', true), card('SKY_RES', 0.8)]),
    fitsBytes(ext('DATA'), f32(Array.from({ length: 24 }, (_, i) => i))),
    fitsBytes(ext('STAT'), f32(Array.from({ length: 24 }, () => 7))),
  ]);
}

/** The byte offset of the card `key` (or END) in the header that starts at `header`. */
function cardAt(bytes: Buffer, header: number, key: string): number {
  for (let at = header; at < header + 2880; at += 80) if (bytes.toString('latin1', at, at + 8).trimEnd() === key) return at;
  throw new Error(`no ${key} card in the header at ${header}`);
}

/** The cube with card `key` of the header at `header` replaced by `image`. */
function patched(header: number, key: string, image: string, bytes = cube()): Buffer {
  bytes.write(image.padEnd(80), cardAt(bytes, header, key), 'latin1');
  return bytes;
}

function put(name: string, bytes: Buffer): string {
  const path = join(TMP, name);
  writeFileSync(path, bytes);
  return path;
}

function sumOf(f: FitsFile, hdu: string): number {
  return [...f.readImage(hdu).data].reduce((a: number, b) => a + Number(b), 0);
}

/** What astropy makes of HDU 1 (DATA) of each file: its sum, or the error it raises. */
function astropyReads(paths: string[]): { sum?: number; error?: string; hdus?: number }[] {
  const script = `
import sys, json, warnings
from astropy.io import fits
warnings.simplefilter('ignore')
out = []
for p in sys.argv[1:]:
    try:
        with fits.open(p) as h:
            n = len(h)
            out.append({'sum': float(h[1].data.sum()), 'hdus': n})
    except Exception as e:
        out.append({'error': type(e).__name__})
print(json.dumps(out))`;
  return JSON.parse(execFileSync(PYTHON, ['-c', script, ...paths], { encoding: 'utf8' })) as { sum?: number; error?: string; hdus?: number }[];
}

describe('a header without its END card is refused, never read on into the next HDU', () => {
  test('the intact cube reads DATA as 0..23', () => {
    const f = FitsFile.open(put('intact.fits', cube()));
    assert.equal(sumOf(f, 'DATA'), 276);
    assert.deepStrictEqual(f.warnings, []);
    f.close();
  });

  test('DATA without END: binary data where header text should be', () => {
    const path = put('noend-data.fits', patched(DATA_HEADER, 'END', ''));
    const e = expectFitsError(() => FitsFile.open(path), 'no-end-card', path);
    assert.match(e.message, /^noend-data\.fits: HDU 'DATA' \(header at byte 2880\) has no END card: card 37, at byte 5760, holds binary bytes .*the header runs on into data\. Read on, the next HDU's data would be taken for this one's$/);
    assert.match(e.hint, /fetch or regenerate it.*put the END card/);
  });

  test('PRIMARY without END: the next header starts inside it', () => {
    const path = put('noend-primary.fits', patched(0, 'END', ''));
    const e = expectFitsError(() => FitsFile.open(path), 'no-end-card', path);
    assert.match(e.message, /HDU 'PRIMARY' \(header at byte 0\) has no END card: the header of another HDU \(XTENSION= 'IMAGE   '\) starts at byte 2880, inside it/);
  });

  test('the last HDU without END, and a header that reaches the end of the file', () => {
    const stat = put('noend-stat.fits', patched(STAT_HEADER, 'END', ''));
    assert.match(expectFitsError(() => FitsFile.open(stat), 'no-end-card', stat).message, /HDU 'STAT' .*at byte 11520, holds binary bytes/);
    const cut = put('eof-header.fits', patched(0, 'END', '').subarray(0, 2880));
    assert.match(expectFitsError(() => FitsFile.open(cut), 'truncated', cut).message, /header of HDU 'PRIMARY' \(at byte 0\) has no END card before the end of the file \(2880 bytes\)/);
  });

  test('an END in the wrong column or case is named in the message', () => {
    const indented = put('end-indented.fits', patched(DATA_HEADER, 'END', '   END'));
    assert.match(expectFitsError(() => FitsFile.open(indented), 'no-end-card', indented).message, /card 10 is "   END", but END must be upper case and start in column 1/);
    const lower = put('end-lower.fits', patched(DATA_HEADER, 'END', 'end'));
    assert.match(expectFitsError(() => FitsFile.open(lower), 'no-end-card', lower).message, /card 10 is "end"/);
  });

  test('astropy reads on into STAT (or refuses) where we refuse', ASTROPY, () => {
    const seen = astropyReads(['noend-data.fits', 'noend-primary.fits', 'noend-stat.fits', 'end-indented.fits', 'eof-header.fits'].map((n) => join(TMP, n)));
    // None of them gives DATA's own values: reading on is never right.
    for (const r of seen) assert.ok(r.error !== undefined || r.sum !== 276, JSON.stringify(r));
    assert.deepStrictEqual(seen[0], { sum: 168, hdus: 2 }, "astropy 5.2 takes STAT's data for DATA's");
    assert.equal(seen[4]?.error, 'OSError', 'astropy: "Header missing END card."');
  });
});

describe('defects astropy reads past are read past too, with a warning', () => {
  test('END followed by other bytes is END (astropy: "Unexpected bytes trailing END keyword")', () => {
    const f = FitsFile.open(put('end-bytes.fits', patched(DATA_HEADER, 'END', 'END     = 1')));
    assert.equal(sumOf(f, 'DATA'), 276);
    assert.deepStrictEqual(f.warnings, [`HDU 'DATA': the END card has bytes after it ("END     = 1"); read as END, as astropy does`]);
    f.close();
  });

  test('cards after END are ignored and named', () => {
    const bytes = cube();
    bytes.write(card('BUNIT', 'erg').padEnd(80), cardAt(bytes, DATA_HEADER, 'END') + 80, 'latin1');
    const f = FitsFile.open(put('after-end.fits', bytes));
    assert.equal(f.hdu('DATA').header.get('BUNIT'), undefined);
    assert.match(f.warnings[0] ?? '', /^HDU 'DATA': 1 card after the END card ignored \(the first: "BUNIT   = 'erg     '"\)/);
    f.close();
  });

  test('bytes after the last HDU: padding is silent, anything else a warning', () => {
    const padded = FitsFile.open(put('padded.fits', Buffer.concat([cube(), Buffer.alloc(2880)])));
    assert.deepStrictEqual([padded.hdus.length, padded.warnings], [3, []]);
    padded.close();
    const zeros = FitsFile.open(put('zeros.fits', Buffer.concat([cube(), Buffer.alloc(3 * 2880)])));
    assert.deepStrictEqual(zeros.warnings, ["8640 bytes after the last HDU, HDU 'STAT', from byte 14400, are ignored: they begin with a block of zeros or blanks (padding?)"]);
    zeros.close();
    const junk = FitsFile.open(put('junk.fits', Buffer.concat([cube(), Buffer.from('x'.repeat(100))])));
    assert.deepStrictEqual(junk.warnings, [`100 bytes after the last HDU, HDU 'STAT', from byte 14400, starting "xxxxxxxxxxxxxxxx", are not an HDU and are ignored, as astropy ignores them; if the file should hold more HDUs, the size cards (NAXISn, BITPIX, PCOUNT, GCOUNT) of HDU 'STAT' are wrong`]);
    junk.close();
  });

  test('NAXIS3 too large for the file: the HDU is there, reading it fails, the warning says why', () => {
    const path = put('naxis-big.fits', patched(STAT_HEADER, 'NAXIS3', card('NAXIS3', 400_000)));
    const f = FitsFile.open(path);
    assert.match(f.warnings[0] ?? '', /^HDU 'STAT': the header announces 9600000 bytes of data, the file holds 2880 of them/);
    assert.equal(sumOf(f, 'DATA'), 276, 'DATA is intact');
    expectFitsError(() => f.readImage('STAT'), 'truncated', path);
    f.close();
  });

  test('data cut short in the middle of the file', () => {
    const path = put('cut-data.fits', cube().subarray(0, 5760 + 50));
    const f = FitsFile.open(path);
    assert.deepStrictEqual(f.hdus.map((h) => h.name), ['PRIMARY', 'DATA']);
    assert.match(f.warnings[0] ?? '', /^HDU 'DATA': the header announces 96 bytes of data, the file holds 50 of them/);
    expectFitsError(() => f.readImage('DATA'), 'truncated', path);
    f.close();
  });
});

describe('size cards that would misplace the next HDU are refused', () => {
  test('a damaged XTENSION keyword loses no HDU silently', () => {
    const path = put('xtensiom.fits', patched(DATA_HEADER, 'XTENSION', card('XTENSIOM', 'IMAGE')));
    assert.match(expectFitsError(() => FitsFile.open(path), 'bad-header', path).message, /HDU #1 \(at byte 2880, after HDU 'PRIMARY'\) starts with "XTENSIOM= 'IMAGE   '", but an extension header starts with XTENSION/);
  });

  test('PCOUNT and GCOUNT of an image', () => {
    for (const [key, value, text] of [['GCOUNT', 2, /GCOUNT = 2 in an extension of type IMAGE, which must have PCOUNT = 0 and GCOUNT = 1/], ['PCOUNT', 5, /PCOUNT = 5 in an extension of type IMAGE/], ['PCOUNT', -1, /PCOUNT = -1 is not an integer >= 0/]] as const) {
      const path = put(`${key}${value}.fits`, patched(DATA_HEADER, key, card(key, value)));
      assert.match(expectFitsError(() => FitsFile.open(path), 'bad-header', path).message, text);
    }
  });

  test('BITPIX and NAXISn that are not integers, or missing', () => {
    const cases: [string, string, RegExp, 'bad-header' | 'bad-bitpix'][] = [
      ['BITPIX', card('BITPIX', '-32.0').replace("'-32.0   '", '               -32.0'), /BITPIX = -32 is written as a float, but FITS requires an integer/, 'bad-header'],
      ['BITPIX', card('BITPIX', 'abc'), /keyword BITPIX should be a number, but it is string 'abc'/, 'bad-header'],
      ['BITPIX', card('BITPIX', 12), /BITPIX = 12 is not one of 8, 16, 32, 64, -32, -64/, 'bad-bitpix'],
      ['NAXIS', card('NAXIS', 4), /keyword NAXIS4 should be a number, but it is missing/, 'bad-header'],
      ['NAXIS3', card('NAXIS3', -4), /NAXIS3 = -4 is not an integer >= 0/, 'bad-header'],
    ];
    cases.forEach(([key, image, text, reason], i) => {
      const path = put(`size-${i}.fits`, patched(DATA_HEADER, key, image));
      assert.match(expectFitsError(() => FitsFile.open(path), reason, path).message, text);
    });
  });

  test('astropy cannot read these DATA HDUs either', ASTROPY, () => {
    const seen = astropyReads(['size-0.fits', 'size-1.fits', 'size-2.fits', 'size-3.fits', 'size-4.fits'].map((n) => join(TMP, n)));
    for (const r of seen) assert.ok(r.error !== undefined, JSON.stringify(r));
  });
});
