/**
 * Every path a run is given or keeps, when it is not what it must be: a folder where a file
 * should be, a file where a folder should be, nothing there, a link to nothing, no
 * permission, a damaged cache. Through the real CLI, each must name the path, say what is
 * wrong and what to do, never print a bare system error or "internal error"; a galaxy's
 * problem fails that galaxy only (naming it), and `cache verify` finds every damaged record.
 */
import assert from 'node:assert/strict';
import { fork, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { BIN, PARITY, runCli, tempDir, type CliResult } from './helpers/cli.ts';

const INPUT = path.join(PARITY, 'input');
const CUBES = path.join(INPUT, 'MuseObject', 'MuseResample');
const SFH = path.join(INPUT, 'MuseSFH', 'dataOut');
const CATALOG = path.join(INPUT, 'FinalSelMuseMask3.csv');
const CUBE_11 = 'CDP.2017-03-11T04:12:11.011.fits';
const CUBE_45 = 'CDP.2017-01-15T03:12:45.045.fits';

/** A run of galaxies 11 and 45 at k=2 in `dir`, with `over` replacing options. */
function runIn(dir: string, over: Record<string, string> = {}, extra: string[] = []): CliResult {
  const opts: Record<string, string> = { '--galaxy': '11,45', '--k': '2', '--catalog': CATALOG, '--cubes': CUBES, '--sfh': SFH, '--out': path.join(dir, 'out'), '--cache': path.join(dir, 'cache'), ...over };
  return runCli(['run', ...Object.entries(opts).flat(), '--no-report', '--plain', '--json', ...extra], { cwd: dir });
}

/** No message may be a bare system error or a crash. */
function noBareErrors(r: CliResult): void {
  assert.doesNotMatch(r.stderr, /internal error|^\s+at |illegal operation|no such file or directory/m, r.stderr);
}

describe('a path that is not what it must be is named, with what is wrong and what to do', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  const file = path.join(tmp.dir, 'a-file');
  const folder = path.join(tmp.dir, 'a-folder');
  const dangling = path.join(tmp.dir, 'dangling');
  writeFileSync(file, 'x');
  mkdirSync(folder);
  symlinkSync(path.join(tmp.dir, 'unmounted', 'disk'), dangling);

  const refused: [string, Record<string, string>, RegExp][] = [
    ['--cache is a file', { '--cache': file }, /--cache .*a-file is a file, not a folder \(give a folder/],
    ['--cache is a link to nothing', { '--cache': dangling }, /--cache .*dangling is a symbolic link to .*unmounted\/disk, which does not exist/],
    ['--out is a file', { '--out': file }, /--out .*a-file is a file, not a folder/],
    ['--out is a link to nothing', { '--out': dangling }, /--out .*dangling is a symbolic link to .*, which does not exist/],
    ['--lock is a folder', { '--lock': folder }, /--lock .*a-folder is a folder, not a file \(give the path of a file/],
    ['--lock is a link to nothing', { '--lock': dangling }, /--lock .*dangling is a symbolic link/],
    ['--catalog is a folder', { '--catalog': folder }, /cannot read the catalog .*a-folder: it is a folder, not a file \(EISDIR\) \(pass the catalog CSV/],
    ['--catalog is a link to nothing', { '--catalog': dangling }, /cannot read the catalog .*dangling: it is a symbolic link to .*, which does not exist/],
    ['--pipeline is a folder', { '--pipeline': folder }, /cannot read .*a-folder: it is a folder, not a file \(pass --pipeline FILE/],
  ];
  for (const [what, over, message] of refused) {
    test(`${what}: refused before anything runs (exit 2)`, () => {
      const r = runIn(tmp.dir, over);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      noBareErrors(r);
    });
  }

  const failing: [string, () => Record<string, string>, RegExp][] = [
    [
      'the cube is a folder',
      () => {
        const cubes = path.join(tmp.dir, 'cubes-with-folder');
        mkdirSync(path.join(cubes, CUBE_11), { recursive: true });
        copyFileSync(path.join(CUBES, CUBE_45), path.join(cubes, CUBE_45));
        return { '--cubes': cubes };
      },
      /galaxy 11 \(SN2013aa\): .*cubes-with-folder\/CDP\.2017-03-11T04:12:11\.011\.fits is a folder, not a file/,
    ],
    ['--cubes is a file', () => ({ '--galaxy': '11', '--cubes': file }), /galaxy 11 \(SN2013aa\): cube .*a-file\/CDP.* cannot be reached: .*a-file is a file, not a folder/],
    ['--sfh is a file', () => ({ '--galaxy': '11', '--sfh': file }), /galaxy 11 \(SN2013aa\): the pPXF output folder .*a-file is a file, not a folder/],
    ['--cubes is a link to nothing', () => ({ '--galaxy': '11', '--cubes': dangling }), /galaxy 11 \(SN2013aa\): cube .* cannot be reached: .*dangling is a symbolic link to .*, which does not exist/],
  ];
  for (const [what, over, message] of failing) {
    test(`${what}: the galaxy fails, named, and the others go on`, () => {
      const r = runIn(tmp.dir, over());
      assert.equal(r.code, 1, r.stderr);
      const t11 = r.json?.tasks.find((t) => t.galaxy === '11');
      assert.equal(t11?.status, 'failed');
      assert.match(t11?.error ?? '', message);
      const t45 = r.json?.tasks.find((t) => t.galaxy === '45');
      if (t45) assert.equal(t45.status, 'ok', t45.error ?? '');
      noBareErrors(r);
    });
  }
});

/** Runs the CLI as a user without root's power over permissions (nobody, when the tests run as root). */
function runUnprivileged(args: string[], cwd: string): CliResult {
  const root = process.getuid?.() === 0;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, HOME: cwd }, ...(root ? { uid: 65534, gid: 65534 } : {}) });
  const result: CliResult = { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  if (args.includes('--json') && r.stdout.trim().startsWith('{')) result.json = JSON.parse(r.stdout) as CliResult['json'];
  return result;
}

describe('several runs making the same folders at once', () => {
  const tmp = tempDir();
  after(() => tmp.remove());

  // Two runs started together on the same --out make the same folders. A folder that was
  // missing at the first look and made by the other run before the second was once refused
  // as "cannot be read: ... does not exist" (about 9 of 1,800 checks here). Six processes
  // check the same deep new folder in each round, released by one message each; no check
  // may be refused, and every folder must be there at the end (none removed by another).
  test('no run is refused because another made the folder between two looks', async () => {
    const kids = Array.from({ length: 6 }, () => fork(path.join(import.meta.dirname, 'helpers', 'race-folders.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    try {
      await Promise.all(kids.map((k) => new Promise((resolve) => k.once('message', resolve))));
      const refused: string[] = [];
      for (let round = 0; round < 300; round++) {
        const dir = path.join(tmp.dir, `r${round}`, 'a', 'b', 'c', 'd', 'e', 'f');
        const answers = await Promise.all(kids.map((k) => new Promise<unknown>((resolve) => { k.once('message', resolve); k.send(dir); })));
        for (const a of answers) if (a !== 'ok') refused.push(String(a));
        assert.ok(readdirSync(path.dirname(dir)).includes('f'), `${dir} is gone`);
      }
      assert.deepEqual(refused, []);
    } finally {
      for (const k of kids) k.kill();
    }
  });
});

describe('permissions: a folder that cannot be written, a file that cannot be read', { skip: process.platform === 'win32' ? 'POSIX permissions' : false }, () => {
  const tmp = tempDir();
  after(() => {
    chmodSync(tmp.dir, 0o700);
    tmp.remove();
  });
  // (the folders are the unprivileged user's to use, except the ones made read-only)
  chmodSync(tmp.dir, 0o777);
  const own = (name: string, mode: number): string => {
    const p = path.join(tmp.dir, name);
    mkdirSync(p, { recursive: true });
    chmodSync(p, mode);
    return p;
  };
  const readOnly = own('read-only', 0o555);
  const work = own('work', 0o777);
  const args = (over: Record<string, string>): string[] => ['run', ...Object.entries({ '--galaxy': '11', '--k': '2', '--catalog': CATALOG, '--cubes': CUBES, '--sfh': SFH, '--out': path.join(work, 'out'), '--cache': path.join(work, 'cache'), '--lock': path.join(work, 'sfh.lock'), ...over }).flat(), '--no-report', '--plain', '--json'];

  for (const [what, option, target] of [
    ['a read-only cache', '--cache', readOnly],
    ['a cache to be made in a read-only folder', '--cache', path.join(readOnly, 'cache')],
    ['a read-only results folder', '--out', readOnly],
    ['a lock file in a read-only folder', '--lock', path.join(readOnly, 'sfh.lock')],
  ] as const) {
    test(`${what}: refused before anything runs, naming ${option} and the fix`, () => {
      const r = runUnprivileged(args({ [option]: target }), work);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${option} ${target.replaceAll('/', '\\/')}.*(files cannot be written in it: permission denied|cannot be made: cannot write .*: permission denied)`));
      assert.match(r.stderr, /chmod u\+rwx|another/);
      noBareErrors(r);
    });
  }

  test('an unreadable cube fails its galaxy: permission denied, naming the galaxy and the file', () => {
    const cubes = own('cubes', 0o755);
    copyFileSync(path.join(CUBES, CUBE_11), path.join(cubes, CUBE_11));
    chmodSync(path.join(cubes, CUBE_11), 0o000);
    const r = runUnprivileged(args({ '--cubes': cubes }), work);
    assert.equal(r.code, 1, r.stderr);
    const t = r.json?.tasks.find((x) => x.galaxy === '11');
    assert.equal(t?.reason, 'permission-denied');
    assert.match(t?.error ?? '', /galaxy 11 \(SN2013aa\): cannot (open|read) .*cubes\/CDP\.2017-03-11T04:12:11\.011\.fits: permission denied .*chmod u\+r/);
    noBareErrors(r);
  });
});

describe('a damaged cache: every damaged record is found by cache verify, and a run recomputes it', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  const cache = path.join(tmp.dir, 'cache');
  const first = runIn(tmp.dir, { '--galaxy': '11' });
  const files = (part: string) => readdirSync(path.join(cache, part), { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => path.join(e.parentPath, e.name)).sort();
  const records = files('records');
  const objects = files('objects');

  test('the first run fills the cache', () => {
    assert.equal(first.code, 0, first.stderr);
    assert.ok(records.length >= 4 && objects.length >= 2, `${records.length} records, ${objects.length} objects`);
  });

  test('a record replaced by a folder, a byte flipped in a record\'s JSON, an object replaced by a folder, a folder of records replaced by a file', () => {
    const [folderRecord, flippedKey, flippedMeta] = records as [string, string, string];
    rmSync(folderRecord);
    mkdirSync(folderRecord);
    writeFileSync(path.join(folderRecord, 'x'), '');
    // A flipped bit in a key's part (the stage's code hash) and in the output's meta: valid JSON either way.
    const flip = (file: string, after: string) => {
      const b = readFileSync(file);
      const at = b.indexOf(after) + after.length;
      b[at] = b[at] === 0x30 ? 0x31 : 0x30;
      writeFileSync(file, b);
    };
    flip(flippedKey, '"hash": "');
    flip(flippedMeta, '"createdAt": "20');
    const object = objects[0] as string;
    rmSync(object);
    mkdirSync(object);
    // the last shard of records: a file where its folder should be
    const shard = path.dirname(records.at(-1) as string);
    const moved = readdirSync(shard).length;
    rmSync(shard, { recursive: true });
    writeFileSync(shard, 'not a folder');

    const v = runCli(['cache', 'verify', '--cache', cache]);
    assert.equal(v.code, 1, v.stdout + v.stderr);
    assert.match(v.stdout, new RegExp(`CORRUPT +${folderRecord}: is a folder, not a file`));
    assert.match(v.stdout, new RegExp(`CORRUPT +${flippedKey}: its checksum does not match its content`));
    assert.match(v.stdout, new RegExp(`CORRUPT +${flippedMeta}: its checksum does not match its content`));
    assert.match(v.stdout, new RegExp(`CORRUPT +${object}: is a folder, not a file`));
    assert.match(v.stdout, new RegExp(`CORRUPT +${shard}: is a file, not a folder of the cache`));
    assert.ok(moved > 0);
    noBareErrors(v);

    const again = runIn(tmp.dir, { '--galaxy': '11' });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /cache: corrupt-record .*: is a folder, not a file \(recomputed\)/);
    assert.match(again.stderr, /cache: corrupt-record .*: its checksum does not match its content \(recomputed\)/);
    assert.equal(readFileSync(path.join(tmp.dir, 'out', '11_SN2013aa_2.fits')).length > 0, true);
    noBareErrors(again);
    const after = runCli(['cache', 'verify', '--cache', cache]);
    assert.equal(after.code, 0, after.stdout);
    assert.match(after.stdout, / 0 defects/);
  });

  test('cache verify on a cache that is a file, or none, says so', () => {
    const notCache = path.join(tmp.dir, 'out', '11_SN2013aa_2.fits');
    const v = runCli(['cache', 'verify', '--cache', notCache]);
    assert.equal(v.code, 2);
    assert.match(v.stderr, /the cache .*11_SN2013aa_2\.fits is a file, not a folder/);
    const none = runCli(['cache', 'gc', '--cache', path.join(tmp.dir, 'nope')]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /there is no cache at .*nope/);
  });
});
