/**
 * A project is a folder with a pipeline.yaml, and the habits of the neighbouring tools, on
 * the engine rig (test/helpers/rig.ts: stages that count their own runs), through the real
 * CLI: the project found from a folder below it, keys that change only when the work does
 * (a comment, a reordering, an unrelated stage rerun nothing; explain compares with what
 * the cache holds), `run -n`, `--force`, `status`, `clean`, "did you mean", the bundled
 * pipeline outside any project, a copied pipeline.yaml naming the package's stage files.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ROOT, runCli, tempDir } from './helpers/cli.ts';
import { makeRig, PIPELINE } from './helpers/rig.ts';

/** What ran during `fn`, by stage, as the stages counted it. */
function ranDuring(rig: ReturnType<typeof makeRig>, fn: () => void): Record<string, number> {
  const before = rig.runs();
  fn();
  const now = rig.runs();
  return Object.fromEntries(Object.keys(now).filter((s) => (now[s] ?? 0) > (before[s] ?? 0)).map((s) => [s, (now[s] ?? 0) - (before[s] ?? 0)]));
}

describe('a project is the nearest folder upward with a pipeline.yaml', () => {
  const rig = makeRig();
  after(() => rig.remove());

  test('a run from a folder below the project keeps the cache, the lock and the outputs in the project', () => {
    mkdirSync(path.join(rig.dir, 'analysis', 'deep'), { recursive: true });
    const r = runCli(['run', '--galaxy', 'all'], { cwd: path.join(rig.dir, 'analysis', 'deep') });
    assert.equal(r.code, 0, r.stderr);
    for (const f of ['cache', 'sfh-pipeline.lock', 'out/a_1.txt']) assert.ok(existsSync(path.join(rig.dir, f)), f);
    assert.ok(!existsSync(path.join(rig.dir, 'analysis', 'deep', 'cache')));
  });

  test('a comment, a reordered parameter list and a new unrelated stage rerun nothing; explain agrees', () => {
    const changed = PIPELINE.replace('version: 1', '# the rig\nversion: 1').replace('    params: [k, out]', '    params: [out, k]   # reordered') + '  extra:\n    module: load.mjs\n    needs: [rows]\n';
    rig.write({ 'pipeline.yaml': changed });
    const ran = ranDuring(rig, () => assert.equal(rig.exec(['run', '--galaxy', 'all']).code, 0));
    assert.deepEqual(ran, { extra: 2 }, 'only the new stage ran');
    const why = rig.exec(['explain', '--galaxy', 'all']);
    assert.match(why.stdout, /^11 cached, 0 skipped, 0 would run$/m, why.stdout);
  });

  test('explain names the changed part against what the cache holds, not against the last run', () => {
    // A run with another out and v in between: explain for the first out and a new k names k only.
    assert.equal(rig.exec(['run', '--galaxy', 'all', '--set', 'out=other', '--set', 'v=3']).code, 0);
    const why = rig.exec(['explain', '--galaxy', 'all', '--set', 'k=2']);
    assert.match(why.stdout, /group\[a\]\s+would run: param k 1 -> 2\n/);
    assert.doesNotMatch(why.stdout, /param (out|v) /, why.stdout);
    // A declaration edited: its stage's key changes, and explain says so.
    rig.write({ 'pipeline.yaml': PIPELINE.replace('    needs: [load]\n    params: [v]', '    needs: [load, rows]\n    params: [v]') });
    const decl = rig.exec(['explain', '--galaxy', 'all']);
    assert.match(decl.stdout, /scale\[a\]\s+would run: its declaration in pipeline\.yaml changed/);
    rig.write({ 'pipeline.yaml': PIPELINE });
  });

  test('run -n says what would run and runs nothing; --force reruns a stage, or everything', () => {
    assert.equal(rig.exec(['run', '--galaxy', 'all']).code, 0);
    const dry = ranDuring(rig, () => {
      const r = rig.exec(['run', '-n', '--galaxy', 'all', '--set', 'v=5']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /scale\[a\]\s+would run: param v 1 -> 5/);
    });
    assert.deepEqual(dry, {});
    assert.deepEqual(ranDuring(rig, () => assert.equal(rig.exec(['run', '--galaxy', 'all', '--force', 'scale']).code, 0)), { scale: 2 }, 'scale reran; its outputs are the same, so group and total stay cached');
    assert.deepEqual(ranDuring(rig, () => assert.equal(rig.exec(['run', '--galaxy', 'all', '--force']).code, 0)), { rows: 2, load: 2, scale: 2, group: 2, total: 1 });
    const typo = rig.exec(['run', '--galaxy', 'all', '--force', 'scal']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /no stage `scal` \(did you mean `scale`\?\)/);
  });

  test('did you mean: a command, an option, a parameter, a galaxy id', () => {
    const cases: [string[], RegExp][] = [
      [['rnu'], /unknown command `rnu` \(did you mean `run`\?\)/],
      [['run', '--gallaxy', 'a'], /Unknown option '--gallaxy' \(did you mean `--galaxy`\?\)/],
      [['run', '--galaxy', 'all', '--set', 'kk=2'], /unknown parameter `kk` \(did you mean `k`\?\)/],
      [['explain', '--galaxy', 'bb'], /galaxy bb is not in .* \(did you mean b\?\)/],
    ];
    for (const [args, message] of cases) {
      const r = rig.exec(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });

  test('status says what of the last run is stale; clean lists, then with --force removes, the cache and the outputs', () => {
    assert.equal(rig.exec(['run', '--galaxy', 'all']).code, 0);
    writeFileSync(path.join(rig.dir, 'data-b.txt'), '30\n');
    const status = rig.exec(['status']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`project ${rig.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
    assert.match(status.stdout, /load\s+1 of 2 would run: input data-b\.txt changed/);
    assert.match(status.stdout, /lock sfh-pipeline\.lock: \d+ outputs/);
    const dry = rig.exec(['clean']);
    assert.match(dry.stdout, /would remove cache/);
    assert.match(dry.stdout, /would remove out\/a_1\.txt/);
    assert.ok(existsSync(path.join(rig.dir, 'cache')) && existsSync(path.join(rig.dir, 'out', 'a_1.txt')), 'a dry run removes nothing');
    const wet = rig.exec(['clean', '--force']);
    assert.match(wet.stdout, /removed cache/);
    assert.ok(!existsSync(path.join(rig.dir, 'cache')) && !existsSync(path.join(rig.dir, 'out', 'a_1.txt')));
    assert.ok(existsSync(path.join(rig.dir, 'sfh-pipeline.lock')) && existsSync(path.join(rig.dir, 'data-a.txt')), 'the lock and the inputs stay');
  });
});

describe('outside any project, and a pipeline.yaml copied from the repository', () => {
  const tmp = tempDir('sfh-noproject-');
  after(() => tmp.remove());

  test('the bundled pipeline runs with its state in the current folder', () => {
    const r = runCli(['run', '-n', '--galaxy', '122', '--k', '4'], { cwd: tmp.dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /generating the bundled example dataset in example/);
    assert.ok(existsSync(path.join(tmp.dir, 'example', 'FinalSelMuseMask3.csv')), 'the example data in the current folder');
    assert.match(r.stdout, /cluster\[122\]\s+would run: .*never ran/);
  });

  test('init writes a starter that names the built-in stages, and refuses to overwrite', () => {
    const dir = path.join(tmp.dir, 'paper');
    mkdirSync(dir);
    const r = runCli(['init'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const yaml = readFileSync(path.join(dir, 'pipeline.yaml'), 'utf8');
    assert.match(yaml, /^ {4}builtin: cluster$/m);
    assert.doesNotMatch(yaml, /^ {4}module:/m);
    assert.match(r.stdout, /next:/);
    const again = runCli(['init'], { cwd: dir });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists already/);
    // Its plan is the bundled one's.
    const dag = runCli(['dag', '--galaxy', '122', '--set', `catalog=${path.join(tmp.dir, 'example', 'FinalSelMuseMask3.csv')}`], { cwd: dir });
    assert.equal(dag.code, 0, dag.stderr);
  });

  test('module: stages/*.ts naming the package\'s own stages is one problem, pointing at builtin: and init', () => {
    const dir = path.join(tmp.dir, 'copied');
    mkdirSync(dir);
    const old = readFileSync(path.join(ROOT, 'pipeline.yaml'), 'utf8').replace(/builtin: ([a-z-]+)/g, 'module: stages/$1.ts');
    writeFileSync(path.join(dir, 'pipeline.yaml'), old);
    const r = runCli(['run', '--galaxy', '122'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /1 problem in pipeline\.yaml/);
    assert.match(r.stderr, /11 stages name modules in stages\/, which are not in .*: they are sfh-pipeline's built-in stages catalog, load-cubes/);
    assert.match(r.stderr, /`builtin: catalog` in place of `module: stages\/catalog\.ts`.*sfh-pipeline init/);
  });
});
