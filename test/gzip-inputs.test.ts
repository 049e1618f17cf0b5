/**
 * gzip-compressed inputs (issue #25 item 1, issue #21 class 9), through the real CLI: a
 * `.fits.gz` cube and pPXF output, found next to the `.fits` names the catalog gives, give
 * the same result file byte for byte as the uncompressed ones; compressing the inputs in
 * place changes no key (the cache is keyed on the inflated content); gzip bytes under a
 * `.fits` name are read too; an nGIST run's files may be compressed; a damaged or cut-off
 * .fits.gz, or a tile-compressed cube inside one, fails with a clear reason; the
 * random-access reader says what a gzip file is instead of "not FITS".
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { FitsFile } from '../src/fits/index.ts';
import { PARITY, ROOT, runCli, tempDir, type CliResult } from './helpers/cli.ts';

const CUBE = path.join('MuseObject', 'MuseResample', 'CDP.2017-03-11T04:12:11.011.fits');
const SFH = path.join('MuseSFH', 'dataOut', '11_SN2013aa.fits');
const RESULT = '11_SN2013aa_4.fits';

/** A copy of the parity inputs under `dir/input` (the same folder names for every copy, so the runs' parameters agree). */
function inputs(dir: string): string {
  const to = path.join(dir, 'input');
  cpSync(path.join(PARITY, 'input'), to, { recursive: true });
  return to;
}

/** Replaces `file` by `file.gz`. */
function gzipInPlace(file: string): void {
  writeFileSync(`${file}.gz`, gzipSync(readFileSync(file)));
  rmSync(file);
}

function run(dir: string, data: string, extra: string[] = []): CliResult {
  return runCli(['run', '--galaxy', '11', '--k', '4', '--no-report', '--json', '--catalog', path.join(data, 'FinalSelMuseMask3.csv'), '--cubes', path.join(data, 'MuseObject', 'MuseResample'), '--sfh', path.join(data, 'MuseSFH', 'dataOut'), '--out', path.join(dir, 'out'), '--cache', path.join(dir, 'cache'), '--lock', path.join(dir, 'lock'), ...extra]);
}

function task(r: CliResult) {
  const t = r.json?.tasks[0];
  assert.ok(t, r.stderr);
  return t;
}

describe('.fits.gz inputs through the CLI', () => {
  const plain = tempDir();
  const packed = tempDir();
  after(() => {
    plain.remove();
    packed.remove();
  });
  const plainData = inputs(plain.dir);
  const packedData = inputs(packed.dir);
  gzipInPlace(path.join(packedData, CUBE));
  gzipInPlace(path.join(packedData, SFH));
  let reference: Buffer;

  test('a .fits.gz cube and pPXF output give the same result file, byte for byte, as the .fits', () => {
    const a = run(plain.dir, plainData);
    assert.equal(task(a).status, 'ok', a.stderr);
    reference = readFileSync(path.join(plain.dir, 'out', RESULT));
    const b = run(packed.dir, packedData);
    assert.equal(task(b).status, 'ok', b.stderr);
    assert.ok(!existsSync(path.join(packedData, CUBE)) && existsSync(path.join(packedData, `${CUBE}.gz`)), 'only the compressed copy was there');
    assert.ok(readFileSync(path.join(packed.dir, 'out', RESULT)).equals(reference), 'the group map, mean SFHs, masses and every header card (input names and sha256) are the same');
  });

  test('compressing the inputs in place changes nothing: the same input, every stage cached', () => {
    gzipInPlace(path.join(plainData, CUBE));
    gzipInPlace(path.join(plainData, SFH));
    const r = run(plain.dir, plainData);
    assert.deepEqual([...new Set(task(r).stages.map((s) => s.status))], ['cached'], r.stderr);
    assert.ok(readFileSync(path.join(plain.dir, 'out', RESULT)).equals(reference));
  });

  test('gzip bytes under the .fits name are read as the cube they hold (issue #21 class 9)', () => {
    const dir = tempDir();
    try {
      const data = inputs(dir.dir);
      writeFileSync(path.join(data, CUBE), gzipSync(readFileSync(path.join(data, CUBE))));
      const r = run(dir.dir, data);
      assert.equal(task(r).status, 'ok', r.stderr);
      assert.ok(readFileSync(path.join(dir.dir, 'out', RESULT)).equals(reference));
    } finally {
      dir.remove();
    }
  });

  test('a cut-off .fits.gz, a damaged one and a tile-compressed cube inside one fail with their reasons, naming the file', () => {
    const dir = tempDir();
    try {
      const data = inputs(dir.dir);
      const cube = path.join(data, CUBE);
      const packedBytes = gzipSync(readFileSync(cube));
      rmSync(cube);
      writeFileSync(`${cube}.gz`, packedBytes.subarray(0, packedBytes.length >> 1));
      let t = task(run(dir.dir, data));
      assert.equal(t.status, 'failed');
      assert.equal(t.reason, 'truncated');
      assert.match(t.error ?? '', /CDP\.2017-03-11T04:12:11\.011\.fits\.gz: the gzip-compressed file ends before its compressed stream does/);
      const damaged = Buffer.from(packedBytes);
      damaged.fill(0x55, 200, 400);
      writeFileSync(`${cube}.gz`, damaged);
      t = task(run(dir.dir, data, ['--cache', path.join(dir.dir, 'cache2')]));
      assert.equal(t.status, 'failed');
      assert.equal(t.reason, 'truncated');
      assert.match(t.error ?? '', /\.fits\.gz: the gzip-compressed file cannot be inflated \(.+\)/);
      // a tile-compressed DATA (ZIMAGE, as funpack's input) inside the gzip: its own clear error
      const block = (cards: string[]) => Buffer.from([...cards, 'END'].map((c) => c.padEnd(80)).join('').padEnd(2880), 'latin1');
      const primary = block(['SIMPLE  =                    T', 'BITPIX  =                    8', 'NAXIS   =                    0', 'EXTEND  =                    T', 'SKY_RES =                  0.8']);
      const table = block(["XTENSION= 'BINTABLE'", 'BITPIX  =                    8', 'NAXIS   =                    2', 'NAXIS1  =                    8', 'NAXIS2  =                    0', 'PCOUNT  =                    0', 'GCOUNT  =                    1', 'TFIELDS =                    1', "TTYPE1  = 'COMPRESSED_DATA'", "TFORM1  = '1PB(0)'", 'ZIMAGE  =                    T', 'ZBITPIX =                  -32', 'ZNAXIS  =                    3', "EXTNAME = 'DATA'"]);
      writeFileSync(`${cube}.gz`, gzipSync(Buffer.concat([primary, table])));
      t = task(run(dir.dir, data, ['--cache', path.join(dir.dir, 'cache3')]));
      assert.equal(t.status, 'failed');
      assert.equal(t.reason, 'compressed');
      assert.match(t.error ?? '', /tile-compressed image \(ZIMAGE = T\)/);
    } finally {
      dir.remove();
    }
  });
});

describe('an nGIST run with gzip-compressed files', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  test('gives the same result as the uncompressed run', () => {
    const fixture = path.join(ROOT, 'test', 'fixtures', 'ngist');
    const results: Buffer[] = [];
    for (const kind of ['plain', 'packed']) {
      const dir = path.join(tmp.dir, kind, 'run');
      cpSync(fixture, dir, { recursive: true });
      if (kind === 'packed') for (const f of readdirSync(dir).filter((n) => n.endsWith('.fits'))) gzipInPlace(path.join(dir, f));
      const out = path.join(tmp.dir, kind, 'out');
      const r = runCli(['run', '--ngist', dir, '--k', '3', '--set', 'psfFwhm=0.8', '--no-report', '--json', '--out', out, '--cache', path.join(tmp.dir, kind, 'cache'), '--lock', path.join(tmp.dir, kind, 'lock')]);
      assert.equal(task(r).status, 'ok', r.stderr);
      results.push(readFileSync(path.join(out, readdirSync(out).find((n) => n.endsWith('.fits'))!)));
    }
    assert.ok(results[0]!.equals(results[1]!));
  });
});

describe('the random-access reader and gzip', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  test('gzip bytes are said to be gzip, and a missing X.fits names the X.fits.gz next to it', () => {
    const file = path.join(tmp.dir, 'cube.fits');
    writeFileSync(file, gzipSync(readFileSync(path.join(PARITY, 'input', CUBE))));
    assert.throws(() => FitsFile.open(file), (err: Error & { reason?: string; hint?: string }) => err.reason === 'compressed' && /is gzip-compressed/.test(err.message) && /gunzip -k/.test(err.hint ?? ''));
    renameSync(file, `${file}.gz`);
    assert.throws(() => FitsFile.open(file), (err: Error & { hint?: string }) => /does not exist, but .*cube\.fits\.gz \(gzip-compressed\) does/.test(err.message) && /gunzip -k/.test(err.hint ?? ''));
  });
});
