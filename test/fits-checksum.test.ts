/**
 * The FITS checksum convention: the incremental 32-bit ones'-complement sum and the
 * CHECKSUM encoding, checked against sums a reader can do by eye, against astropy (values
 * committed, and live on files it writes with checksum=True), and on files we write, which
 * astropy must verify with checksum=True and must refuse after one flipped byte.
 * Run: node --import tsx --test test/fits-checksum.test.ts
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeChecksum, NEGATIVE_ZERO, OnesComplementSum, onesComplementSum } from '../src/fits/checksum.ts';
import { FitsFile, writeFitsSync, type WriteHdu } from '../src/fits/index.ts';
import { ndarray } from '../src/ndarray.ts';
import { astropyAvailable, PYTHON } from './fixtures/fits/helpers.ts';
import { rng as mulberry32 } from './helpers/rng.ts';

const ASTROPY = astropyAvailable() || process.env.CI !== undefined ? {} : { skip: 'astropy is not importable by /usr/bin/python3: install the Debian package python3-astropy' };

let TMP = '';
before(() => {
  TMP = mkdtempSync(join(tmpdir(), 'sfh-checksum-test-'));
});
after(() => rmSync(TMP, { recursive: true, force: true }));

/** Big-endian bytes of 32-bit words. */
function words(...w: number[]): Uint8Array {
  const b = Buffer.alloc(4 * w.length);
  w.forEach((x, i) => b.writeUInt32BE(x, 4 * i));
  return b;
}

describe('the ones-complement sum', () => {
  test('sums a reader can check by eye', () => {
    assert.equal(onesComplementSum(new Uint8Array(0)), 0, 'nothing sums to +0');
    assert.equal(onesComplementSum(words(0x3f800000, 0xc0000000)), 0xff800000, 'no carry');
    assert.equal(onesComplementSum(words(0x80000000, 0x80000000)), 1, 'the carry out of bit 31 comes back in at bit 0');
    assert.equal(onesComplementSum(words(0xffffffff, 1)), 1, '-0 + 1 = 1');
    assert.equal(onesComplementSum(words(0xfffffffe, 1)), NEGATIVE_ZERO, 'x + ~x = -0');
    assert.equal(onesComplementSum(words(0x0000ffff, 0x00000001)), 0x00010000, 'a carry between the 16-bit halves');
    assert.equal(onesComplementSum(Uint8Array.from([1, 2, 3])), 0x01020300, 'a short tail counts as zero-padded');
    assert.equal(onesComplementSum(words(2), 0xfffffffe), 1, 'continues from a start value');
  });

  test('chunks of any length and alignment give the sum of the whole', () => {
    const rand = mulberry32(7);
    const bytes = Uint8Array.from({ length: 100_003 }, () => Math.floor(rand() * 256));
    const whole = onesComplementSum(bytes);
    for (const step of [1, 2, 3, 5, 7, 13, 2880, 65_537]) {
      const sum = new OnesComplementSum();
      for (let i = 0; i < bytes.length; i += step) sum.update(bytes.subarray(i, i + step));
      assert.equal(sum.value, whole, `chunks of ${step}`);
    }
    // An unaligned view is summed through the aligned scratch, a word split at every offset.
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    assert.equal(onesComplementSum(shifted.subarray(1)), whole);
    // Per byte lane by hand: the big-endian words, summed with end-around carries.
    let ref = 0;
    const view = new DataView(bytes.buffer);
    for (let i = 0; i + 4 <= bytes.length; i += 4) {
      ref += view.getUint32(i);
      if (ref > 0xffffffff) ref -= 0xffffffff;
    }
    ref += (bytes[100_000] as number) * 2 ** 24 + ((bytes[100_001] as number) << 16) + ((bytes[100_002] as number) << 8);
    if (ref > 0xffffffff) ref -= 0xffffffff;
    assert.equal(whole, ref);
  });

  test('many full words do not lose precision (the lanes carry out every 128 words)', () => {
    const ones = new Uint8Array(4 << 20).fill(0xff);
    assert.equal(onesComplementSum(ones), NEGATIVE_ZERO);
    const top = words(...Array.from({ length: 1000 }, () => 0xff00ff00));
    // 1000 * 0xff00ff00 mod (2^32 - 1), folded as the convention does.
    assert.equal(onesComplementSum(top), Number((1000n * 0xff00ff00n) % 0xffffffffn));
  });

  test('the CHECKSUM encoding equals astropy\'s _char_encode(~sum) (values from astropy 5.2.1)', () => {
    const cases: [number, string][] = [
      [0, 'orrrrooooooooooo'],
      [1, 'orrrqooooooooooo'],
      [0xffffffff, '0000000000000000'],
      [0x12345678, 'QleaTkbTQkbZQkbZ'],
      [0xff800000, 'o0Rrr0Ooo0Ooo0Oo'],
      [0x7a444420, 'gReejQZZgQbbgQZZ'],
      [0x7fffffff, '0P000P000P000P00'],
    ];
    for (const [sum, expected] of cases) assert.equal(encodeChecksum(sum), expected, sum.toString(16));
  });

  test('the encoding makes a header sum to -0 wherever the sum starts', () => {
    const rand = mulberry32(3);
    for (let t = 0; t < 200; t++) {
      // A CHECKSUM card at offset 0 of an 80-byte card, value at bytes 11..26, as in a header.
      const card = Buffer.from(`CHECKSUM= '${'0'.repeat(16)}'`.padEnd(80), 'latin1');
      const start = Math.floor(rand() * 0x100000000);
      const sum = onesComplementSum(card, start);
      card.write(encodeChecksum(sum), 11, 'latin1');
      assert.equal(onesComplementSum(card, start), NEGATIVE_ZERO, `start ${start}`);
    }
  });
});

describe('files we write', () => {
  const hdus = (): WriteHdu[] => [
    { data: null, cards: [{ key: 'OBJECT', value: 'x' }] },
    { data: ndarray(Float64Array.from({ length: 35 }, (_, i) => Math.sin(i)), [7, 5]), extname: 'F64' },
    { data: ndarray(Uint16Array.from([0, 1, 65535, 7]), [4]), extname: 'U16' },
    { data: ndarray(Int8Array.from([-128, 5, 127]), [3]), extname: 'I8' },
    { data: ndarray(new Float32Array(0), [0]), extname: 'EMPTY' },
  ];

  test('every HDU carries CHECKSUM and DATASUM, and sums to -0', () => {
    const path = join(TMP, 'ours.fits');
    writeFitsSync(path, hdus());
    const bytes = readFileSync(path);
    const f = FitsFile.open(path);
    try {
      for (const h of f.hdus) {
        const end = h.dataOffset + Math.ceil(h.dataBytes / 2880) * 2880;
        assert.equal(onesComplementSum(bytes.subarray(h.headerOffset, end)), NEGATIVE_ZERO, h.name);
        assert.equal(h.header.get('DATASUM'), String(onesComplementSum(bytes.subarray(h.dataOffset, end))), h.name);
        assert.match(String(h.header.get('CHECKSUM')), /^[0-9A-Za-z]{16}$/);
      }
    } finally {
      f.close();
    }
  });

  test('astropy verifies them with checksum=True, and refuses a flipped byte in data or header', ASTROPY, () => {
    const path = join(TMP, 'astropy.fits');
    writeFitsSync(path, hdus());
    const check = `
import sys, json, warnings
from astropy.io import fits
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter('always')
    with fits.open(sys.argv[1], checksum=True) as h:
        valid = [[x.name, x._checksum_valid, x._datasum_valid] for x in h]
print(json.dumps({'valid': valid, 'warnings': [str(w.message).strip() for w in caught]}))`;
    const run = (p: string): { valid: [string, number, number][]; warnings: string[] } => JSON.parse(execFileSync(PYTHON, ['-c', check, p], { encoding: 'utf8' }));
    const good = run(path);
    assert.deepStrictEqual(good.warnings, []);
    assert.deepStrictEqual(good.valid, [['PRIMARY', 1, 1], ['F64', 1, 1], ['U16', 1, 1], ['I8', 1, 1], ['EMPTY', 1, 1]]);
    const f = FitsFile.open(path);
    const f64 = f.hdu('F64');
    f.close();
    const flip = (at: number, name: string): string => {
      const bytes = readFileSync(path);
      bytes[at] = (bytes[at] as number) ^ 0x04;
      const p = join(TMP, name);
      writeFileSync(p, bytes);
      return p;
    };
    const data = run(flip(f64.dataOffset + 17, 'data-flip.fits'));
    assert.deepStrictEqual(data.warnings, ["Checksum verification failed for HDU ('F64', 1).", "Datasum verification failed for HDU ('F64', 1)."]);
    // A header byte: the OBJECT value 'x' becomes '|'; DATASUM still matches.
    const header = run(flip(f.hdu(0).headerOffset + 80 * 4 + 11, 'header-flip.fits'));
    assert.deepStrictEqual(header.warnings, ["Checksum verification failed for HDU ('PRIMARY', 1)."]);
  });

  test('our sums equal those astropy writes (writeto(checksum=True))', ASTROPY, () => {
    const path = join(TMP, 'by-astropy.fits');
    execFileSync(PYTHON, ['-c', `
import sys, numpy as np
from astropy.io import fits
rng = np.random.default_rng(1)
p = fits.PrimaryHDU(rng.normal(size=(7, 5)))
e = fits.ImageHDU(rng.integers(-30000, 30000, size=(3, 3, 3)).astype('>i2'), name='I16')
u = fits.ImageHDU(rng.integers(0, 255, size=(5,)).astype('u1'), name='U8')
fits.HDUList([p, e, u]).writeto(sys.argv[1], checksum=True)`, path]);
    const bytes = readFileSync(path);
    const f = FitsFile.open(path);
    try {
      for (const h of f.hdus) {
        const end = h.dataOffset + Math.ceil(h.dataBytes / 2880) * 2880;
        assert.equal(String(onesComplementSum(bytes.subarray(h.dataOffset, end))), h.header.get('DATASUM'), h.name);
        assert.equal(onesComplementSum(bytes.subarray(h.headerOffset, end)), NEGATIVE_ZERO, h.name);
        const zeroed = Buffer.from(bytes.subarray(h.headerOffset, h.dataOffset));
        zeroed.write('0'.repeat(16), zeroed.indexOf("CHECKSUM= '") + 11, 'latin1');
        assert.equal(encodeChecksum(onesComplementSum(zeroed, Number(h.header.get('DATASUM')))), h.header.get('CHECKSUM'), h.name);
      }
    } finally {
      f.close();
    }
  });
});
