/**
 * The cache's contract (src/cache/store.ts, `Cache`), as one suite that every backend runs:
 * today the local folder (`LocalCache`), next a shared or remote one. A backend brings the
 * ways its storage can be damaged (a flipped byte, a cut object, a lost object, a garbled
 * record); the suite checks that a stored output comes back bit for bit, that a damaged one
 * is a miss or a `CacheCorruption` and never a result, and that a record is written last.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { KeyFields } from '../src/cache/key.ts';
import { CacheCorruption, describeOutput, LocalCache, outputHashOf, type ArrayRef, type Cache, type CacheProblem } from '../src/cache/store.ts';
import { ndarray } from '../src/ndarray.ts';
import type { StageOutput } from '../src/stage.ts';
import { tempDir } from './helpers/cli.ts';

/** A backend under test, with the ways its storage can be damaged. */
interface Backend {
  readonly cache: Cache;
  /** The problems it met (corrupt records or objects), as the run reports them. */
  problems(): readonly CacheProblem[];
  flipByte(ref: ArrayRef): void;
  cut(ref: ArrayRef): void;
  lose(ref: ArrayRef): void;
  garble(key: string): void;
  /** Every file it holds, for what a store may leave behind. */
  files(): string[];
  close(): void;
}

const fields = (stage: string): KeyFields => ({ stage, galaxy: '7', decl: 'd3c1', code: { hash: 'c0de', files: { 'stages/x.ts': 'c0de' } }, params: { k: 4 }, upstream: {}, inputs: {} });

const output = (): StageOutput => ({
  meta: { groups: 3, name: 'ngc 7', nested: { list: [1, 2.5, null, 'x'] } },
  arrays: {
    map: ndarray(new Float64Array([1, Number.NaN, -0, 3.25, 1e300, -7]), [2, 3]),
    mass: ndarray(new Float32Array([0.5, 1.5, Number.NaN]), [3]),
    labels: ndarray(new Int32Array([0, 1, 2, 1]), [2, 2]),
  },
  files: ['/data/out/7_4.fits'],
});

const bytes = (a: { data: ArrayBufferView }) => Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength);

/** The contract: every backend passes it. */
function cacheContract(name: string, open: () => Backend): void {
  describe(`the cache contract: ${name}`, () => {
    const opened: Backend[] = [];
    const backend = (): Backend => {
      const b = open();
      opened.push(b);
      return b;
    };
    after(() => opened.forEach((b) => b.close()));

    test('a key never stored is a miss', () => {
      const { cache } = backend();
      assert.equal(cache.lookup('0'.repeat(64)), undefined);
    });

    test('a stored output comes back bit for bit: meta, every array (dtype, shape, bytes), files, skip', () => {
      const b = backend();
      const out = output();
      const rec = b.cache.store('a'.repeat(64), 'cluster[7]', fields('cluster'), out, { '/data/out/7_4.fits': 'f'.repeat(64) });
      const back = b.cache.lookup('a'.repeat(64));
      assert.ok(back);
      assert.deepEqual(back, rec);
      assert.deepEqual(back.output.meta, out.meta);
      assert.deepEqual(back.output.files, { '/data/out/7_4.fits': 'f'.repeat(64) });
      assert.equal(back.output.skip, null);
      assert.deepEqual(back.fields, fields('cluster'));
      for (const [name, arr] of Object.entries(out.arrays ?? {})) {
        const ref = back.output.arrays[name];
        assert.ok(ref, name);
        const loaded = b.cache.loadArray(ref);
        assert.equal(loaded.data.constructor, arr.data.constructor, `${name}: dtype`);
        assert.deepEqual(loaded.shape, arr.shape, `${name}: shape`);
        assert.ok(bytes(loaded).equals(bytes(arr)), `${name}: bytes (NaN and -0 included)`);
      }
      assert.deepEqual(b.problems(), []);
    });

    test('the output hash is the one computed without a cache, so verify and a cached run agree', () => {
      const b = backend();
      const files = { '/data/out/7_4.fits': 'f'.repeat(64) };
      const rec = b.cache.store('b'.repeat(64), 'cluster[7]', fields('cluster'), output(), files);
      assert.equal(rec.outputHash, outputHashOf(describeOutput(output(), files).out));
    });

    test('a skipped output keeps its reason', () => {
      const b = backend();
      b.cache.store('c'.repeat(64), 'load-cubes[12]', fields('load-cubes'), { meta: {}, skip: 'no pPXF output (SN type II)' }, {});
      assert.equal(b.cache.lookup('c'.repeat(64))?.output.skip, 'no pPXF output (SN type II)');
    });

    test('identical outputs under two keys share their objects, and both load', () => {
      const b = backend();
      const one = b.cache.store('d'.repeat(64), 'cluster[7]', fields('cluster'), output(), {});
      const two = b.cache.store('e'.repeat(64), 'cluster[8]', fields('cluster'), output(), {});
      assert.deepEqual(one.output.arrays, two.output.arrays);
      for (const ref of Object.values(two.output.arrays)) assert.ok(b.cache.loadArray(ref));
    });

    test('a flipped byte in an object is a CacheCorruption when read, never an array; storing again repairs it', () => {
      const b = backend();
      const rec = b.cache.store('f'.repeat(64), 'cluster[7]', fields('cluster'), output(), {});
      const ref = rec.output.arrays['map'] as ArrayRef;
      b.flipByte(ref);
      assert.throws(() => b.cache.loadArray(ref), (err: unknown) => err instanceof CacheCorruption && err.problem.reason === 'corrupt-object');
      assert.deepEqual(b.problems().map((p) => p.reason), ['corrupt-object']);
      b.cache.store('f'.repeat(64), 'cluster[7]', fields('cluster'), output(), {});
      assert.ok(bytes(b.cache.loadArray(ref)).equals(bytes(output().arrays?.['map'] as { data: ArrayBufferView })));
    });

    test('a cut or lost object makes its record a miss', () => {
      const b = backend();
      const cutRec = b.cache.store('1'.repeat(64), 'a[1]', fields('a'), { meta: {}, arrays: { x: ndarray(new Float64Array([1, 2, 3]), [3]) } }, {});
      b.cut(cutRec.output.arrays['x'] as ArrayRef);
      assert.equal(b.cache.lookup('1'.repeat(64)), undefined);
      const lostRec = b.cache.store('2'.repeat(64), 'a[2]', fields('a'), { meta: {}, arrays: { y: ndarray(new Int32Array([4, 5]), [2]) } }, {});
      b.lose(lostRec.output.arrays['y'] as ArrayRef);
      assert.equal(b.cache.lookup('2'.repeat(64)), undefined);
      assert.deepEqual(b.problems().map((p) => p.reason), ['corrupt-object', 'missing-object']);
    });

    test('a garbled record is a miss, reported, and gone', () => {
      const b = backend();
      b.cache.store('3'.repeat(64), 'a[3]', fields('a'), { meta: { v: 1 } }, {});
      b.garble('3'.repeat(64));
      assert.equal(b.cache.lookup('3'.repeat(64)), undefined);
      assert.deepEqual(b.problems().map((p) => p.reason), ['corrupt-record']);
      assert.equal(b.cache.lookup('3'.repeat(64)), undefined, 'still a miss');
      assert.equal(b.problems().length, 1, 'and reported once: it was removed');
    });

    test('invalidate drops a record', () => {
      const b = backend();
      b.cache.store('4'.repeat(64), 'a[4]', fields('a'), { meta: {} }, {});
      b.cache.invalidate('4'.repeat(64));
      assert.equal(b.cache.lookup('4'.repeat(64)), undefined);
    });

    test('latest is the record last remembered for a stage and a galaxy of one pipeline', () => {
      const b = backend();
      const first = b.cache.store('5'.repeat(64), 'cluster[7]', fields('cluster'), { meta: { k: 4 } }, {});
      const second = b.cache.store('6'.repeat(64), 'cluster[7]', fields('cluster'), { meta: { k: 5 } }, {});
      assert.equal(b.cache.latest('/p', 'cluster', '7'), undefined);
      b.cache.remember('/p', 'cluster', '7', first.key);
      b.cache.remember('/p', 'cluster', '7', second.key);
      assert.equal(b.cache.latest('/p', 'cluster', '7')?.key, second.key);
      assert.equal(b.cache.latest('/p', 'cluster', '8'), undefined, 'another galaxy');
      assert.equal(b.cache.latest('/other', 'cluster', '7'), undefined, 'another pipeline');
      b.cache.invalidate(second.key);
      assert.equal(b.cache.latest('/p', 'cluster', '7'), undefined, 'a remembered key whose record is gone');
    });

    test('a store leaves no temporary file behind', () => {
      const b = backend();
      b.cache.store('7'.repeat(64), 'cluster[7]', fields('cluster'), output(), {});
      assert.deepEqual(b.files().filter((f) => /\.tmp-/.test(f)), []);
    });
  });
}

cacheContract('LocalCache (a folder)', () => {
  const tmp = tempDir('sfh-cache-contract-');
  const cache = new LocalCache(path.join(tmp.dir, 'cache'));
  const object = (ref: ArrayRef) => cache.objectFile(ref.object);
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  return {
    cache,
    problems: () => cache.problems,
    flipByte(ref) {
      const b = readFileSync(object(ref));
      b[b.length - 1] = (b[b.length - 1] ?? 0) ^ 0xff;
      writeFileSync(object(ref), b);
    },
    cut: (ref) => truncateSync(object(ref), statSync(object(ref)).size - 1),
    lose: (ref) => rmSync(object(ref)),
    garble: (key) => writeFileSync(path.join(cache.dir, 'records', key.slice(0, 2), `${key}.json`), '{"format": 1, "key": "'),
    files: () => walk(cache.dir),
    close: () => tmp.remove(),
  };
});
