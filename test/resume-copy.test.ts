/**
 * `--resume` in a copied project (issue 21, fault audit): the run record keeps the folder the
 * run started in, and a resume used to move there, so a resume typed in a copy of a project
 * (its cache copied with it) computed and wrote in the original, which may be someone else's
 * or a paper's archived folder. A resume acts on the project it is typed in: the run is taken
 * into the copy, and what it would write outside the copy is refused (docs/caching.md).
 * Each test kills a run at a state (galaxy b's group stage started), copies the project,
 * resumes in the copy, and checks that the original is unchanged byte for byte.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { runCli, tempDir } from './helpers/cli.ts';
import { killWhen } from './helpers/kill.ts';
import { GATED_GROUP, makeRig, type Rig } from './helpers/rig.ts';


/** Every file under `dir` with its sha256 and mtime: what "unchanged" is checked against. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.set(path.relative(dir, p), `${createHash('sha256').update(readFileSync(p)).digest('hex')} ${statSync(p).mtimeMs}`);
    }
  };
  walk(dir);
  return files;
}

/**
 * A rig whose run of `args` was killed while galaxy b's group stage ran (a finished, b not),
 * its gate then opened, and a copy of its whole folder, cache included, made elsewhere.
 */
async function killedAndCopied(args: (dir: string) => readonly string[] = () => []): Promise<{ rig: Rig; copy: string; remove: () => void }> {
  const rig = makeRig({}, { 'group.mjs': GATED_GROUP });
  const kill = await killWhen(['run', '--galaxy', 'a,b', '--jobs', '1', ...args(rig.dir)], () => existsSync(path.join(rig.dir, 'started-b')), rig.dir);
  assert.ok(kill.landed, `the kill landed (exit ${kill.exit})`);
  rig.write({ gate: '' });
  rmSync(path.join(rig.dir, 'started-b'));
  const where = tempDir('sfh-copy-');
  const copy = path.join(where.dir, 'project');
  cpSync(rig.dir, copy, { recursive: true });
  return { rig, copy, remove: () => (rig.remove(), where.remove()) };
}

/** Runs the CLI in `cwd`, guarded against a hang (a resume waiting on a gate it cannot see). */
function execIn(cwd: string, args: readonly string[]) {
  return runCli(args, { cwd, hangGuardMs: 120_000 });
}

describe('--resume in a copy of a project resumes the copy, never the original', () => {
  test('--resume alone: the copy finishes the run, the original is byte for byte unchanged', async (t) => {
    const { rig, copy, remove } = await killedAndCopied();
    t.after(remove);
    const before = snapshot(rig.dir);
    const linesBefore = readFileSync(path.join(copy, 'runs.log'), 'utf8').split('\n').filter(Boolean).length;
    const r = execIn(copy, ['run', '--resume']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(snapshot(rig.dir), before, 'the original project is unchanged (outputs, cache, lock, run records)');
    assert.ok(r.stderr.includes(`resuming in ${copy}: the run started in ${rig.dir}`), r.stderr);
    // (a then re-runs too: the cache keys the stages' inputs and `out` by absolute path, so the copy's differ; the resume says so)
    assert.match(r.stderr, /resuming .*\.jsonl: \d of 2 tasks/);
    assert.deepEqual(readdirSync(path.join(copy, 'out')).sort(), ['a_1.txt', 'b_1.txt'], 'the copy has the outputs');
    const ran = readFileSync(path.join(copy, 'runs.log'), 'utf8').split('\n').filter(Boolean).slice(linesBefore).map((l) => l.split(' ').slice(0, 2).join(' '));
    assert.ok(ran.includes('group b') && ran.includes('total all'), `the unfinished work ran with the copy's stages: ${ran.join(', ')}`);
    assert.ok(existsSync(path.join(copy, 'sfh-pipeline.lock')), 'the lock is the copy\'s');
    assert.match(readFileSync(path.join(copy, 'sfh-pipeline.lock'), 'utf8'), /b_1\.txt/);
  });

  test('the killed command with --resume appended, its paths absolute into the original: taken into the copy', async (t) => {
    // The run's paths are absolute, into the original's folder.
    const { rig, copy, remove } = await killedAndCopied((dir) => ['--out', path.join(dir, 'out'), '--cache', path.join(dir, 'cache')]);
    t.after(remove);
    const before = snapshot(rig.dir);
    const r = execIn(copy, ['run', '--galaxy', 'a,b', '--jobs', '1', '--out', path.join(copy, 'out'), '--resume']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(snapshot(rig.dir), before, 'the original project is unchanged');
    assert.deepEqual(readdirSync(path.join(copy, 'out')).sort(), ['a_1.txt', 'b_1.txt']);
    assert.ok(r.stderr.includes(`resuming in ${copy}`), r.stderr);
  });

  test('a results folder outside the project (where the original writes too): refused, naming both folders (exit 2)', async (t) => {
    const outside = tempDir('sfh-outside-');
    const results = path.join(outside.dir, 'results');
    const { rig, copy, remove } = await killedAndCopied(() => ['--out', results]);
    t.after(() => (remove(), outside.remove()));
    const before = snapshot(rig.dir);
    const resultsBefore = snapshot(outside.dir);
    const r = execIn(copy, ['run', '--resume']);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`this project (${copy}) is a copy or a move of ${rig.dir}`), r.stderr);
    assert.ok(r.stderr.includes(results), 'the results folder is named');
    assert.match(r.stderr, /without --resume/, 'it says what to do');
    assert.deepEqual(snapshot(rig.dir), before, 'the original project is unchanged');
    assert.deepEqual(snapshot(outside.dir), resultsBefore, 'the results outside are unchanged');
  });
});
