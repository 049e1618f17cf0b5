/**
 * The stat memo (an input's sha256 remembered by its stat, so a cube is hashed once) is not
 * trusted blindly: through the real CLI, a wrong hash put into an entry (a flipped byte, an
 * edit, a cache copied from another machine) never reaches a key, the lock or a result's
 * provenance; the run hashes the file again and says so, and `cache verify` re-hashes every
 * input whose entry a run would use, so even an intact entry with a wrong hash is found.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs, { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { writeFileAtomic } from '../src/cache/atomic.ts';
import { canonicalJson } from '../src/cache/canonical.ts';
import { LocalCache } from '../src/cache/store.ts';
import { readStatMemo, statKeyOf, writeStatMemo } from '../src/cache/stat-memo.ts';
import { readLock } from '../src/provenance/lock.ts';
import type { Json } from '../src/stage.ts';
import { runCli } from './helpers/cli.ts';
import { makeRig } from './helpers/rig.ts';

const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const WRONG = sha('some other file');

describe('a wrong hash in the stat memo never reaches a key, the lock or provenance', () => {
  const rig = makeRig();
  after(() => rig.remove());
  const stat = path.join(rig.dir, 'cache', 'stat');
  const dataA = path.join(rig.dir, 'data-a.txt');
  const entries = () => readdirSync(stat).filter((f) => f.endsWith('.json')).map((f) => path.join(stat, f));
  /** The entry of a file: by its device and inode, as entries are named. */
  const entryOf = (file: string) => {
    const st = statSync(file, { bigint: true });
    return entries().find((e) => path.basename(e).endsWith(`${st.dev}-${st.ino}.json`)) as string;
  };
  /** The input hash of data-a.txt in the lock. */
  const locked = (): string[] => {
    const lock = readLock(path.join(rig.dir, 'sfh-pipeline.lock'));
    return Object.values(lock.instances).flatMap((i) => Object.entries(i.inputs ?? {}).filter(([f]) => path.resolve(rig.dir, f) === dataA).map(([, h]) => h));
  };
  /** An entry rewritten with `change`, its checksum made to match (`seal`) or left as it was. */
  const rewrite = (file: string, change: Record<string, string>, seal: boolean) => {
    const e = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    const { checksum, ...rest } = { ...e, ...change };
    writeFileSync(file, JSON.stringify({ ...rest, checksum: seal ? sha(canonicalJson(rest as Json)) : checksum }));
  };

  test('the first run remembers each input\'s hash', () => {
    const r = rig.exec(['run', '--galaxy', 'all', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Number(r.json?.['inputsHashed']) >= 2);
    assert.ok(entryOf(dataA), readdirSync(stat).join(', '));
    assert.deepEqual([...new Set(locked())], [sha(readFileSync(dataA))]);
    assert.ok(locked().length > 0);
  });

  test('a plausible wrong sha256 written into an entry: cache verify finds it; a run hashes the file again and says why', () => {
    rewrite(entryOf(dataA), { sha256: WRONG }, false);
    const v = runCli(['cache', 'verify', '--cache', path.join(rig.dir, 'cache')]);
    assert.equal(v.code, 1, v.stdout);
    assert.match(v.stdout, /CORRUPT +.*stat\/.*\.json: its checksum does not match its content/);
    rig.write({ 'data-b.txt': '4\n' }); // (a change elsewhere, so the run records a new lock entry for a as well)
    const r = rig.exec(['run', '--galaxy', 'all', '--json', '--plain']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /cache: corrupt-stat .*stat\/.*\.json: its checksum does not match its content \(recomputed\)/);
    assert.ok(Number(r.json?.['inputsHashed']) >= 1);
    assert.deepEqual([...new Set(locked())], [sha(readFileSync(dataA))], 'the lock has the file\'s real hash');
  });

  test('an entry a power cut left empty (entries are not flushed to disk): a miss, the file hashed again', () => {
    writeFileSync(entryOf(dataA), '');
    rig.write({ 'data-b.txt': '5\n' });
    const r = rig.exec(['run', '--galaxy', 'all', '--json', '--plain']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /cache: corrupt-stat .*stat\/.*\.json: is not valid JSON \(recomputed\)/);
    assert.deepEqual([...new Set(locked())], [sha(readFileSync(dataA))]);
  });

  test('an entry of another machine (a copied cache), intact, with another file\'s hash: not used', () => {
    rewrite(entryOf(dataA), { machine: 'machine-id:0123456789abcdef', sha256: WRONG }, true);
    const r = rig.exec(['run', '--galaxy', 'all', '--json', '--plain', '--set', 'v=3']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...new Set(locked())], [sha(readFileSync(dataA))]);
    assert.doesNotMatch(JSON.stringify(r.json), new RegExp(WRONG));
  });

  test('cache verify re-hashes what it vouches for: an intact entry of this machine with a wrong hash is found', () => {
    const entry = entryOf(dataA);
    rewrite(entry, { sha256: WRONG }, true);
    const v = runCli(['cache', 'verify', '--cache', path.join(rig.dir, 'cache')]);
    assert.equal(v.code, 1, v.stdout);
    assert.match(v.stdout, new RegExp(`CORRUPT +${entry}: says ${dataA} has sha256 ${WRONG.slice(0, 12)}, it has ${sha(readFileSync(dataA)).slice(0, 12)}`));
    assert.match(v.stdout, /\d+ input hashes checked/);
    const fixed = runCli(['cache', 'verify', '--fix', '--cache', path.join(rig.dir, 'cache')]);
    assert.equal(fixed.code, 0, fixed.stdout);
    assert.equal(runCli(['cache', 'verify', '--cache', path.join(rig.dir, 'cache')]).code, 0);
  });
});

describe('what is flushed to disk', () => {
  test('a stat-memo entry and a latest-key pointer are written without an fsync (a damaged one is a miss); other cache files with one', (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stat-memo-fsync-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const real = fs.fsyncSync;
    let calls = 0;
    fs.fsyncSync = (fd: number) => {
      calls++;
      real(fd);
    };
    syncBuiltinESMExports(); // (the modules' named imports of node:fs see the counter)
    try {
      const input = path.join(dir, 'input.txt');
      writeFileSync(input, 'x');
      const key = statKeyOf(input)!;
      const memo = path.join(dir, 'cache', 'stat');
      writeStatMemo(memo, key, input, sha('x'));
      assert.equal(calls, 0, 'no fsync for a stat-memo entry');
      assert.deepEqual(readStatMemo(memo, key), { sha256: sha('x') });
      const cache = new LocalCache(path.join(dir, 'cache'));
      cache.remember(dir, 'cluster', '122', sha('a key'));
      assert.equal(calls, 0, 'no fsync for the pointer explain reads');
      writeFileSync(readdirSync(path.join(dir, 'cache', 'latest')).map((f) => path.join(dir, 'cache', 'latest', f))[0]!, '');
      assert.equal(cache.latest(dir, 'cluster', '122'), undefined, 'an empty pointer is none');
      writeFileAtomic(path.join(dir, 'record.json'), '{}');
      assert.equal(calls, 1, 'an fsync for any other atomic write');
    } finally {
      fs.fsyncSync = real;
      syncBuiltinESMExports();
    }
  });
});
