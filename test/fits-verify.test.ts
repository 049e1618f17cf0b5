/**
 * `sfh-pipeline verify` reads DATASUM (issue 25 item 2): when an output's hash differs, it
 * says whether its data changed or only its header, which cards differ, and whether the
 * file's own checksums still match (damaged or hand-edited after it was written). Through the
 * real CLI on the parity galaxy.
 * Run: node --import tsx --test test/fits-verify.test.ts (after npm run build)
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sha256File } from '../src/cache/file-hash.ts';
import { describeFitsChange, FitsFile } from '../src/fits/index.ts';
import { parityArgs, runCli, tempDir } from './helpers/cli.ts';

/** Rewrites the comment of card `key` in HDU 0 of `file` (same width), as a hand edit would. */
function editComment(file: string, key: string, comment: string): void {
  const bytes = readFileSync(file);
  let card = 0;
  while (bytes.toString('latin1', card, card + 10) !== `${key.padEnd(8)}= `) card += 80;
  assert.ok(card < 2880 * 4, key);
  bytes.write(`${bytes.toString('latin1', card, card + 33)}${comment}`.padEnd(80), card, 'latin1');
  writeFileSync(file, bytes);
}

/** Flips one bit of the group map's data (HDU 0). */
function flipMap(file: string): void {
  const f = FitsFile.open(file);
  const at = f.hdu(0).dataOffset + 8 * 100 + 7;
  f.close();
  const bytes = readFileSync(file);
  bytes[at] = (bytes[at] as number) ^ 0x01;
  writeFileSync(file, bytes);
}

describe('verify tells a changed result from a changed header', () => {
  const tmp = tempDir();
  const lock = path.join(tmp.dir, 'sfh.lock');
  const out = (k: number) => path.join(tmp.dir, `11_SN2013aa_${k}.fits`);
  before(() => {
    const r = runCli(['run', '--galaxy', '11', '--k', '2,3', '--no-report', ...parityArgs(tmp.dir), '--lock', lock]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => tmp.remove());

  test('describeFitsChange: same data, different card; different data; own checksums', () => {
    const copy = path.join(tmp.dir, 'copy.fits');
    writeFileSync(copy, readFileSync(out(2)));
    assert.equal(describeFitsChange(out(2), copy), 'its data is unchanged (the data sums of all 3 HDUs agree)');
    editComment(copy, 'K', 'edited by hand');
    assert.equal(describeFitsChange(out(2), copy), "its data is unchanged (the data sums of all 3 HDUs agree); header cards differ: K; its own CHECKSUM/DATASUM do not match its bytes in HDU 'PRIMARY': it was damaged or edited after it was written");
    assert.match(describeFitsChange(out(2), out(3)) ?? '', /^its data changed in HDU 'PRIMARY' \(data sum \d+, not \d+\), #1 .*; header cards differ: K, NGROUPS/);
    assert.equal(describeFitsChange(out(2), path.join(tmp.dir, 'summary.csv')), undefined, 'not FITS: nothing to say');
  });

  test('an output edited on disk: verify says whether its data or only its header changed', () => {
    editComment(out(2), 'K', 'edited by hand');
    flipMap(out(3));
    const v = runCli(['verify', '--lock', lock]);
    assert.equal(v.code, 1, v.stdout + v.stderr);
    assert.match(v.stdout, /^DIFFERS\s+11_SN2013aa_2\.fits: the file on disk has sha256 \w+, not the locked \w+; its data is unchanged \(the data sums of all 3 HDUs agree\); header cards differ: K; its own CHECKSUM\/DATASUM do not match its bytes in HDU 'PRIMARY': it was damaged or edited after it was written \(re-run the pipeline to rewrite it\)$/m);
    assert.match(v.stdout, /^DIFFERS\s+11_SN2013aa_3\.fits: the file on disk has sha256 \w+, not the locked \w+; its data changed in HDU 'PRIMARY' \(data sum \d+, not \d+\); its own CHECKSUM\/DATASUM do not match its bytes in HDU 'PRIMARY'/m);
  });

  test('a recomputed output that differs from the locked one only in a header card', () => {
    // The locked file is the hand-edited one: recomputing gives the original card back.
    const text = readFileSync(lock, 'utf8').replace(/("output":"11_SN2013aa_2\.fits","sha256":")[0-9a-f]{64}/, `$1${sha256File(out(2))}`);
    writeFileSync(lock, text);
    const v = runCli(['verify', '--lock', lock]);
    assert.match(v.stdout, /^DIFFERS\s+11_SN2013aa_2\.fits: recomputed sha256 \w+ != locked \w+; its data is unchanged \(the data sums of all 3 HDUs agree\); header cards differ: K$/m);
  });
});
