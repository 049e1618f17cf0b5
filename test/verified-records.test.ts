/**
 * The cache's list of records found intact (src/cache/verified-records.ts): a rerun trusts a
 * record without recomputing its checksum only when its text is, byte for byte, one the full
 * check passed, under the same checks, in a list that is itself intact. Anything else gets
 * the full check, which reports a damaged record as before.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { KeyFields } from '../src/cache/key.ts';
import { LocalCache } from '../src/cache/store.ts';
import { VERIFIED_FILE } from '../src/cache/verified-records.ts';
import { ndarray } from '../src/ndarray.ts';
import { tempDir } from './helpers/cli.ts';

const fields = (stage: string): KeyFields => ({ stage, galaxy: '7', decl: 'd3c1', code: { hash: 'c0de', files: { 'stages/x.ts': 'c0de' } }, params: { k: 4 }, upstream: {}, inputs: {} });
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('the list of records found intact', () => {
  const tmps: { remove(): void }[] = [];
  after(() => tmps.forEach((t) => t.remove()));

  /** A cache folder with records A and B stored by one "run" and its list saved. */
  function ranOnce() {
    const tmp = tempDir('sfh-verified-');
    tmps.push(tmp);
    const dir = path.join(tmp.dir, 'cache');
    const first = new LocalCache(dir);
    const a = first.store(A, 'cluster[7]', fields('cluster'), { meta: { v: 1 }, arrays: { x: ndarray(new Float64Array([1, 2]), [2]) } }, {});
    const b = first.store(B, 'write[7]', fields('write'), { meta: { v: 2 } }, {});
    first.saveVerified();
    const recordFile = (key: string) => path.join(dir, 'records', key.slice(0, 2), `${key}.json`);
    return { dir, a, b, recordFile, list: path.join(dir, VERIFIED_FILE) };
  }

  /** The list as `save` writes it, for `entries` (key -> text of the record). */
  function listOf(entries: Record<string, string>, header: { checks?: string; sha256?: string } = {}): string {
    const body = Object.entries(entries).map(([k, text]) => `${k} ${sha256(text)}\n`).join('');
    const real = JSON.parse(readFileSync(path.join(ranOnce().dir, VERIFIED_FILE), 'utf8').split('\n')[0] as string) as { format: string; checks: string };
    return `${JSON.stringify({ format: real.format, checks: header.checks ?? real.checks, records: Object.keys(entries).length, sha256: header.sha256 ?? sha256(body) })}\n${body}`;
  }

  test('a run lists what it stored; the next run gets the same records back, and does not rewrite an unchanged list', () => {
    const { dir, a, b, list } = ranOnce();
    const lines = readFileSync(list, 'utf8').trim().split('\n');
    assert.equal(lines.length, 3, 'a header and one line per record');
    assert.deepEqual(lines.slice(1).map((l) => l.split(' ')[0]).sort(), [A, B]);
    const inode = statSync(list).ino;
    const next = new LocalCache(dir);
    assert.deepEqual(next.lookup(A), a);
    assert.deepEqual(next.lookup(B), b);
    assert.deepEqual(next.problems, []);
    next.saveVerified();
    assert.equal(statSync(list).ino, inode, 'the same records: the list is left as it was');
  });

  test('a record changed after it was listed gets the full check: a miss, reported, and dropped from the list', () => {
    const { dir, recordFile, list } = ranOnce();
    // (still a JSON record of its key: only its output's meta differs, which its hashes catch)
    const text = readFileSync(recordFile(B), 'utf8');
    writeFileSync(recordFile(B), text.replace('"v": 2', '"v": 3'));
    const next = new LocalCache(dir);
    assert.equal(next.lookup(B), undefined);
    assert.deepEqual(next.problems.map((p) => `${p.reason} ${p.detail}`), ['corrupt-record its output does not match its output hash']);
    assert.ok(next.lookup(A), 'the other record is used');
    next.saveVerified();
    assert.deepEqual(readFileSync(list, 'utf8').trim().split('\n').slice(1).map((l) => l.split(' ')[0]), [A]);
  });

  test('a damaged list, or one of other checks, vouches for nothing', () => {
    for (const [what, header] of [
      ['a list whose lines do not match its sha256', { sha256: '0'.repeat(64) }],
      ['a list made under other checks (another version)', { checks: 'f'.repeat(32) }],
    ] as const) {
      const { dir, recordFile, list } = ranOnce();
      const changed = readFileSync(recordFile(B), 'utf8').replace('"v": 2', '"v": 3');
      writeFileSync(recordFile(B), changed);
      // the list names the changed text: only a list that is intact and of these checks may vouch for it
      writeFileSync(list, listOf({ [B]: changed }, header));
      const next = new LocalCache(dir);
      assert.equal(next.lookup(B), undefined, what);
      assert.deepEqual(next.problems.map((p) => p.reason), ['corrupt-record'], what);
    }
    // (the control: the same list, intact and of these checks, is trusted as the cache's own
    // records are; the two above were refused for their damage, not for something else)
    const { dir, recordFile, list } = ranOnce();
    const changed = readFileSync(recordFile(B), 'utf8').replace('"v": 2', '"v": 3');
    writeFileSync(recordFile(B), changed);
    writeFileSync(list, listOf({ [B]: changed }));
    assert.deepEqual(new LocalCache(dir).lookup(B)?.output.meta, { v: 3 });
  });

  test('a listed record whose object is gone is a miss, and is dropped from the list', () => {
    const { dir, a, list } = ranOnce();
    const next = new LocalCache(dir);
    const ref = Object.values(a.output.arrays)[0];
    assert.ok(ref);
    writeFileSync(next.objectFile(ref.object), 'cut');
    assert.equal(next.lookup(A), undefined);
    assert.deepEqual(next.problems.map((p) => p.reason), ['corrupt-object']);
    assert.ok(next.lookup(B));
    next.saveVerified();
    assert.deepEqual(readFileSync(list, 'utf8').trim().split('\n').slice(1).map((l) => l.split(' ')[0]), [B]);
  });
});
