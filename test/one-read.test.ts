/**
 * One read of each input (issue #23, docs/caching.md): on a cold cache, load-cubes reads the
 * cube and the pPXF output once, hashing them on the way (its streamed medians' read), and
 * the engine takes those hashes instead of reading the files again; with the hashes already
 * memoised there is no second read either; a touched but unchanged cube is read once and
 * its cached results are used. Counted through the real CLI: test/helpers/count-reads.mjs
 * tallies every byte `fs.readSync` reads, per file, in every thread.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { canonicalJson } from '../src/cache/canonical.ts';
import { FileHasher, HashTap, sha256File } from '../src/cache/file-hash.ts';
import { readStatMemo, statKeyOf } from '../src/cache/stat-memo.ts';
import { readFirst, usableFor } from '../src/engine/read-first.ts';
import { FitsFile, writeFitsSync } from '../src/fits/index.ts';
import type { Json } from '../src/stage.ts';
import { BIN, PARITY, ROOT, runCli, tempDir, type CliResult } from './helpers/cli.ts';

const COUNTER = path.join(ROOT, 'test', 'helpers', 'count-reads.mjs');
const data = tempDir();
after(() => data.remove());
// a copy of the parity inputs: one test touches the cube
cpSync(path.join(PARITY, 'input'), data.dir, { recursive: true });
const CUBE = path.join(data.dir, 'MuseObject', 'MuseResample', 'CDP.2017-03-11T04:12:11.011.fits');
const SFH = path.join(data.dir, 'MuseSFH', 'dataOut', '11_SN2013aa.fits');

/** Runs the CLI with the read counter; returns its result and the bytes read per file. */
function countedRun(dir: string, extra: string[] = []): CliResult & { reads: Map<string, number> } {
  const log = path.join(dir, `reads-${Date.now()}-${Math.random()}.log`);
  const args = ['run', '--galaxy', '11', '--k', '4', '--no-report', '--json', '--out', path.join(dir, 'out'), '--cache', path.join(dir, 'cache'), '--lock', path.join(dir, 'lock'), '--catalog', path.join(data.dir, 'FinalSelMuseMask3.csv'), '--cubes', path.dirname(CUBE), '--sfh', path.dirname(SFH), ...extra];
  const r = spawnSync(process.execPath, ['--import', COUNTER, BIN, ...args], { cwd: ROOT, env: { ...process.env, SFH_TEST_READ_LOG: log }, encoding: 'utf8' });
  const reads = new Map<string, number>();
  if (existsSync(log)) {
    for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
      const [file = '', bytes = '0'] = line.split('\t');
      reads.set(path.resolve(file), (reads.get(path.resolve(file)) ?? 0) + Number(bytes));
    }
  }
  const result: CliResult & { reads: Map<string, number> } = { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, reads };
  if (r.stdout.trim().startsWith('{')) result.json = JSON.parse(r.stdout) as CliResult['json'];
  return result;
}

function statuses(r: CliResult): Record<string, string> {
  return Object.fromEntries((r.json?.tasks[0]?.stages ?? []).map((s) => [s.name, s.status]));
}

/** Bytes of an HDU's data, and of every header block of the file (what opening it reads). */
function layout(file: string): { size: number; headers: number; data: number[] } {
  const f = FitsFile.open(file);
  try {
    return { size: f.size, headers: f.hdus.reduce((a, h) => a + (h.dataOffset - h.headerOffset), 0), data: f.hdus.map((h) => h.dataBytes) };
  } finally {
    f.close();
  }
}

describe('one read of each input, through the CLI', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  const cube = layout(CUBE);
  const sfh = layout(SFH);
  // What one read costs: the whole file once, plus its headers each time a stage opens it;
  // the pPXF file also gives collapse-smooth its SFH weights (HDU 1), read by position.
  // Reading either file twice (to hash it, then to use it) is beyond these bounds.
  const once = (f: typeof cube, extra = 0) => ({ min: f.size + extra, max: f.size + 4 * f.headers + extra });
  const stat = path.join(tmp.dir, 'cache', 'stat');
  /** A file's stat memo entry (named by its device and inode). */
  const entryOf = (file: string): string => {
    const id = statKeyOf(file)?.id;
    const entry = readdirSync(stat).find((f) => f.endsWith(`-${id}.json`));
    assert.ok(entry, `no stat memo entry for ${file}`);
    return path.join(stat, entry);
  };
  const within = (bytes: number | undefined, b: { min: number; max: number }, what: string) =>
    assert.ok(bytes !== undefined && bytes >= b.min && bytes <= b.max, `${what}: ${bytes} bytes read, one read is ${b.min}..${b.max}`);

  test('a cold run reads the cube and the pPXF output once (their hashes come from that read)', () => {
    const r = countedRun(tmp.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statuses(r)['load-cubes'], 'ran');
    within(r.reads.get(CUBE), once(cube), 'cube');
    within(r.reads.get(SFH), once(sfh, sfh.data[1]), 'pPXF output');
  });

  test('the hashes taken on the way are in the stat memo as any other: checksummed, this machine\'s, naming the file; cache verify re-hashes them', () => {
    const stat = path.join(tmp.dir, 'cache', 'stat');
    for (const file of [CUBE, SFH]) {
      assert.deepEqual(readStatMemo(stat, statKeyOf(file)!), { sha256: sha256File(file) }, file);
      assert.equal((JSON.parse(readFileSync(entryOf(file), 'utf8')) as { file: string }).file, file);
    }
    const verify = () => runCli(['cache', 'verify', '--cache', path.join(tmp.dir, 'cache')]);
    const v = verify();
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /, 0 defects/);
    // the cube's entry given another hash, its checksum made to match: verify re-hashes the cube and says so
    const entry = entryOf(CUBE);
    const kept = readFileSync(entry, 'utf8');
    const { checksum: _, ...rest } = { ...(JSON.parse(kept) as Record<string, Json>), sha256: '0'.repeat(64) };
    writeFileSync(entry, JSON.stringify({ ...rest, checksum: createHash('sha256').update(canonicalJson(rest)).digest('hex') }));
    const wrong = verify();
    writeFileSync(entry, kept);
    assert.equal(wrong.code, 1, wrong.stdout);
    assert.match(wrong.stdout, new RegExp(`CORRUPT +${entry}: says ${CUBE} has sha256 000000000000`));
  });

  test('a cube whose hash is already memoised: an unchanged rerun reads neither file (no second read, to hash or to use)', () => {
    const before = [CUBE, SFH].map((f) => statSync(entryOf(f)).mtimeMs);
    const r = countedRun(tmp.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Object.values(statuses(r)).every((s) => s === 'cached'), JSON.stringify(statuses(r)));
    assert.equal(r.reads.get(CUBE) ?? 0, 0, 'cube bytes read');
    assert.equal(r.reads.get(SFH) ?? 0, 0, 'pPXF output bytes read');
    assert.deepEqual([CUBE, SFH].map((f) => statSync(entryOf(f)).mtimeMs), before, 'the memo entries are read, not rewritten');
  });

  test('with the hashes memoised (results gone), the files are read once more, not twice', () => {
    const before = [CUBE, SFH].map((f) => statSync(entryOf(f)).mtimeMs);
    rmSync(path.join(tmp.dir, 'cache', 'records'), { recursive: true, force: true });
    rmSync(path.join(tmp.dir, 'cache', 'objects'), { recursive: true, force: true });
    assert.ok(existsSync(path.join(tmp.dir, 'cache', 'stat')), 'the stat memo is kept');
    const r = countedRun(tmp.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statuses(r)['load-cubes'], 'ran');
    // the memo answered both hashes: load-cubes ran after its key, not before it to hash them
    // (which would have written their entries again)
    assert.deepEqual([CUBE, SFH].map((f) => statSync(entryOf(f)).mtimeMs), before);
    within(r.reads.get(CUBE), once(cube), 'cube');
    within(r.reads.get(SFH), once(sfh, sfh.data[1]), 'pPXF output');
  });

  test('a touched but unchanged cube: read once (by load-cubes, which hashes it), the run then found cached', () => {
    const t = new Date(Date.now() + 5000);
    utimesSync(CUBE, t, t);
    const r = countedRun(tmp.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.values(statuses(r)), ['cached', 'cached', 'cached', 'cached', 'cached', 'cached', 'cached']);
    // load-cubes ran before its key (the cube's hash was unknown), reading both files once;
    // its key turned out cached, so its output was dropped and nothing downstream ran
    within(r.reads.get(CUBE), once(cube), 'cube');
    within(r.reads.get(SFH), once(sfh), 'pPXF output (no collapse-smooth read)');
  });
});

describe('inputs that carry CHECKSUM and DATASUM', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  test('are still read once: their checks ride on that read, and a changed byte is reported', () => {
    const data = path.join(tmp.dir, 'input');
    cpSync(path.join(PARITY, 'input'), data, { recursive: true });
    const cube = path.join(data, 'MuseObject', 'MuseResample', 'CDP.2017-03-11T04:12:11.011.fits');
    const sfh = path.join(data, 'MuseSFH', 'dataOut', '11_SN2013aa.fits');
    for (const f of [cube, sfh]) {
      // our writer puts CHECKSUM and DATASUM in every HDU
      const fits = FitsFile.open(f);
      const hdus = fits.hdus.map((h) => ({ data: h.isImage ? fits.readImage(h.index) : null, cards: h.header.cards, ...(h.index > 0 && h.name ? { extname: h.name } : {}) }));
      fits.close();
      writeFitsSync(f, hdus);
    }
    const info = layout(cube);
    const bytes = readFileSync(cube);
    const opened = FitsFile.open(cube);
    const at = opened.hdu('DATA').dataOffset + 4001;
    opened.close();
    bytes[at] = (bytes[at] as number) ^ 0x01;
    writeFileSync(cube, bytes);
    const args = ['--catalog', path.join(data, 'FinalSelMuseMask3.csv'), '--cubes', path.dirname(cube), '--sfh', path.dirname(sfh)];
    const r = countedRun(tmp.dir, args);
    assert.equal(r.code, 0, r.stderr);
    const cubeReads = r.reads.get(cube);
    assert.ok(cubeReads !== undefined && cubeReads >= info.size && cubeReads <= info.size + 4 * info.headers, `cube: ${cubeReads} bytes read, one read is ${info.size}..${info.size + 4 * info.headers}`);
    assert.ok(r.json?.tasks[0]?.warnings.some((w) => /HDU 'DATA': its data changed since its checksums were written/.test(w)), JSON.stringify(r.json?.tasks[0]?.warnings));
  });
});

describe('the hashing tap and its checks', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  test('a tap fed the whole file gives its sha256; a short feed or a file changed meanwhile gives nothing', () => {
    const file = path.join(tmp.dir, 'f.bin');
    writeFileSync(file, Buffer.from('0123456789'));
    const whole = new HashTap(file);
    whole.update(Buffer.from('01234'));
    whole.update(Buffer.from('56789'));
    const read = whole.finish();
    assert.equal(read?.sha256, new FileHasher(undefined).hash(file));
    const short = new HashTap(file);
    short.update(Buffer.from('01234'));
    assert.equal(short.finish(), undefined);
    const changed = new HashTap(file);
    changed.update(Buffer.from('0123456789'));
    writeFileSync(file, Buffer.from('0123456780'));
    utimesSync(file, new Date(Date.now() + 10_000), new Date(Date.now() + 10_000));
    assert.equal(changed.finish(), undefined);
  });

  test('the hasher adopts a tap only for the file as it was read', () => {
    const file = path.join(tmp.dir, 'g.bin');
    writeFileSync(file, Buffer.from('abc'));
    const tap = new HashTap(file);
    tap.update(Buffer.from('abc'));
    const read = tap.finish()!;
    const hasher = new FileHasher(path.join(tmp.dir, 'stat'));
    assert.equal(hasher.known(file), false);
    assert.equal(hasher.adopt(file, read), true);
    assert.equal(hasher.known(file), true);
    assert.equal(hasher.hash(file), read.sha256);
    writeFileSync(file, Buffer.from('abd'));
    utimesSync(file, new Date(Date.now() + 10_000), new Date(Date.now() + 10_000));
    const fresh = new FileHasher(path.join(tmp.dir, 'stat'));
    assert.equal(fresh.adopt(file, read), false, 'not for the file as it is now');
    assert.notEqual(fresh.hash(file), read.sha256);
    assert.equal(hasher.known(path.join(tmp.dir, 'absent.bin')), true, 'an absent file needs no read');
  });

  test('an early output is kept only when every input hash of the key is one the stage took', () => {
    const out = { meta: {}, inputsRead: { '/a': { sha256: 'x'.repeat(64), stamp: 's' } } };
    assert.equal(usableFor(out, { '/a': 'x'.repeat(64) }), out);
    assert.equal(usableFor(out, { '/a': 'y'.repeat(64) }), undefined, 'a file changed after it was read');
    assert.equal(usableFor(out, { '/a': 'x'.repeat(64), '/b': 'z'.repeat(64) }), undefined, 'a file the stage did not hash');
    assert.equal(usableFor(undefined, {}), undefined);
  });

  test('an instance runs before its key only when it hashes its inputs, one is not known, and it records no provenance and writes no files', async () => {
    const file = path.join(tmp.dir, 'early.bin');
    writeFileSync(file, Buffer.from('early'));
    const bound = { hashesInputs: true, provenance: false, inputs: () => [file], outputs: (): string[] => [] };
    let runs = 0;
    const run = async () => {
      runs++;
      const tap = new HashTap(file);
      tap.update(readFileSync(file));
      return { meta: {}, inputsRead: { [file]: tap.finish()! } };
    };
    const hasher = new FileHasher(path.join(tmp.dir, 'early-stat'));
    for (const not of [{ hashesInputs: false }, { provenance: true }, { outputs: () => [path.join(tmp.dir, 'out.fits')] }]) {
      assert.equal(await readFirst(hasher, { ...bound, ...not }, run), undefined, JSON.stringify(not));
    }
    assert.equal(runs, 0);
    const early = await readFirst(hasher, bound, run);
    assert.equal(runs, 1);
    assert.equal(hasher.known(file), true, 'its hash adopted');
    assert.equal(hasher.hash(file), early?.inputsRead?.[file]?.sha256);
    assert.equal(await readFirst(new FileHasher(path.join(tmp.dir, 'early-stat')), bound, run), undefined, 'known from the stat memo: no early run');
    assert.equal(runs, 1);
  });
});
