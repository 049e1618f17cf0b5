/**
 * The engine's promises without astronomy: a rig of five plain JavaScript stages in a
 * temporary folder (test/helpers/rig.ts) that count their own runs, driven through the real
 * CLI, on both paths a stage can run on: a worker thread (the default) and the main thread
 * (SFH_WORKERS=0). What ran is counted by the stages themselves, so a caching bug cannot
 * hide behind the tool's own report (which is checked against the counts too).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { CliResult } from './helpers/cli.ts';
import { killWhen } from './helpers/kill.ts';
import { GATED_GROUP, makeRig, PIPELINE, STAGES, touchCode, type Rig } from './helpers/rig.ts';

/** Runs the rig's pipeline and returns what ran meanwhile, by stage (0 when nothing did). */
function run(rig: Rig, args: readonly string[], env: NodeJS.ProcessEnv = {}): { r: CliResult; ran: Record<string, number> } {
  const before = rig.runs();
  const r = rig.exec(['run', '--json', ...args], env);
  const now = rig.runs();
  const ran = Object.fromEntries(['rows', 'load', 'scale', 'group', 'total'].map((s) => [s, (now[s] ?? 0) - (before[s] ?? 0)]));
  return { r, ran };
}

/** What the tool's --json says ran, counted as the stages count themselves (shared instances once). */
function reported(r: CliResult): Record<string, number> {
  const seen = new Map<string, string>();
  for (const t of r.json?.tasks ?? []) for (const s of t.stages) seen.set(`${s.name} ${t.galaxy} ${s.name === 'group' ? JSON.stringify(t.params) : ''}`, s.status);
  for (const c of (r.json?.['catalog'] as { stage: string; id: string; status: string }[] | undefined) ?? []) seen.set(c.id, c.status);
  const counts: Record<string, number> = { rows: 0, load: 0, scale: 0, group: 0, total: 0 };
  for (const [id, status] of seen) if (status === 'ran') counts[id.replace(/[ [].*$/, '')] = (counts[id.replace(/[ [].*$/, '')] ?? 0) + 1;
  return counts;
}

const none = { rows: 0, load: 0, scale: 0, group: 0, total: 0 };

const PATHS: [string, NodeJS.ProcessEnv][] = [
  ['in worker threads', {}],
  ['in the main thread (SFH_WORKERS=0)', { SFH_WORKERS: '0' }],
];

for (const [where, env] of PATHS) {
  describe(`the engine, stages ${where}`, () => {
    const rigs: Rig[] = [];
    const rig = (files: Record<string, string> = {}): Rig => {
      const r = makeRig(env, files);
      rigs.push(r);
      return r;
    };
    after(() => rigs.forEach((r) => r.remove()));

    test('v0 -> v1 -> v0: load runs twice in all; an unchanged rerun runs nothing; --json agrees with the counts', () => {
      const r = rig();
      const first = run(r, ['--galaxy', 'a']);
      assert.equal(first.r.code, 0, first.r.stderr);
      assert.deepEqual(first.ran, { rows: 1, load: 1, scale: 1, group: 1, total: 1 });
      assert.deepEqual(reported(first.r), first.ran);
      const again = run(r, ['--galaxy', 'a']);
      assert.deepEqual(again.ran, none);
      assert.deepEqual(reported(again.r), none);
      assert.deepEqual(again.r.json?.tasks[0]?.stages.map((s) => s.status), ['cached', 'cached', 'cached', 'cached']);
      r.write({ 'data-a.txt': '5\n' });
      const v1 = run(r, ['--galaxy', 'a']);
      assert.deepEqual(v1.ran, { rows: 0, load: 1, scale: 1, group: 1, total: 1 });
      assert.deepEqual(reported(v1.r), v1.ran);
      r.write({ 'data-a.txt': '2\n' });
      // v0 again: every instance is in the cache; group only rewrites its file, which v1 changed
      // (a cached result is used only while the files it wrote are as it recorded them)
      assert.deepEqual(run(r, ['--galaxy', 'a']).ran, { ...none, group: 1 });
      assert.equal(r.runs()['load'], 2);
    });

    test('an identical upstream output stops the rerun there; a parameter reruns its readers; a sweep shares the upstream', () => {
      const r = rig();
      assert.equal(run(r, ['--galaxy', 'a,b']).r.code, 0);
      r.write({ 'data-a.txt': '2.0\n' });
      assert.deepEqual(run(r, ['--galaxy', 'a,b']).ran, { ...none, load: 1 }, 'load reran and made the same output');
      assert.deepEqual(run(r, ['--galaxy', 'a,b', '--set', 'v=3']).ran, { rows: 0, load: 0, scale: 2, group: 2, total: 1 });
      const sweep = run(r, ['--galaxy', 'a,b', '--set', 'v=3', '--k', '1..3']);
      assert.deepEqual(sweep.ran, { rows: 0, load: 0, scale: 0, group: 4, total: 0 }, 'k=1 is cached; k=2,3 for each galaxy');
      assert.deepEqual(readdirSync(path.join(r.dir, 'out')).sort(), ['a_1.txt', 'a_2.txt', 'a_3.txt', 'b_1.txt', 'b_2.txt', 'b_3.txt']);
      assert.equal(readFileSync(path.join(r.dir, 'out', 'b_2.txt'), 'utf8'), '9 in 2\n');
    });

    test('edited stage code reruns that stage only, and explain names the file', () => {
      const r = rig();
      assert.equal(run(r, ['--galaxy', 'a']).r.code, 0);
      touchCode(r, 'scale.mjs');
      const why = r.exec(['explain', '--galaxy', 'a']);
      assert.equal(why.code, 0, why.stderr);
      assert.match(why.stdout, /scale\[a\]\s+would run: code of scale\.mjs changed/);
      assert.match(why.stdout, /load\[a\]\s+cached/);
      // (its output is the same: what reads it stays cached)
      assert.deepEqual(run(r, ['--galaxy', 'a']).ran, { ...none, scale: 1 });
    });

    test('a stage reading a parameter it does not declare fails, naming the parameter', () => {
      const r = rig({ 'scale.mjs': STAGES['scale.mjs']?.replace('* ctx.params.v', '* ctx.params.v * ctx.params.k') ?? '' });
      const { r: out } = run(r, ['--galaxy', 'a']);
      assert.equal(out.code, 1, out.stderr);
      const task = out.json?.tasks[0];
      assert.equal(task?.status, 'failed');
      assert.match(task?.error ?? '', /stage `scale` read parameter `k`, which it does not list under params in pipeline\.yaml/);
    });

    test('a stage module without `run` is refused before anything runs (exit 2), with every other module problem', () => {
      const r = rig({ 'scale.mjs': "export const x = 1;\n", 'group.mjs': 'export const run = 5;\n' });
      const out = r.exec(['run', '--galaxy', 'a,b']);
      assert.equal(out.code, 2, out.stderr);
      const yaml = readFileSync(path.join(r.dir, 'pipeline.yaml'), 'utf8').split('\n');
      const line = (s: string) => yaml.findIndex((l) => l.includes(`module: ${s}`)) + 1;
      assert.match(out.stderr, /2 problems in pipeline\.yaml/);
      assert.match(out.stderr, new RegExp(`pipeline\\.yaml:${line('scale.mjs')}:13: stage \`scale\`: scale\\.mjs does not export a \`run\` function`));
      assert.match(out.stderr, new RegExp(`pipeline\\.yaml:${line('group.mjs')}:13: stage \`group\`: group\\.mjs exports \`run\` as a number, not a function`));
      assert.deepEqual(r.lines(), [], 'no stage ran');
      assert.equal(existsSync(path.join(r.dir, 'cache', 'records')), false, 'nothing was cached');
    });

    test('a cancelled run (--fail-fast) aborts the signal of a stage that is running', () => {
      // scale of galaxy a waits for its ctx.signal; scale of b fails once a's has started.
      const waits = `import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const here = (name) => fileURLToPath(new URL(name, import.meta.url));
export async function run(ctx) {
  if (ctx.row.id === 'a') {
    writeFileSync(here('./started-a'), '');
    if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    writeFileSync(here('./saw-abort-a'), '');
    throw new Error('stopped');
  }
  while (!existsSync(here('./started-a'))) await new Promise((resolve) => setTimeout(resolve, 5));
  throw new Error('b fails');
}
`;
      const r = rig({ 'scale.mjs': waits });
      // (a run whose stage never sees the abort would wait for ever: the guard ends it, failing the test)
      const out = r.exec(['run', '--galaxy', 'a,b', '--jobs', '2', '--fail-fast'], {}, 120_000);
      assert.equal(out.code, 1, out.stderr);
      assert.ok(existsSync(path.join(r.dir, 'saw-abort-a')), `the stage running for galaxy a saw the abort\n${out.stderr}`);
    });

    test('a galaxy a catalog-level stage leaves out is named with its root cause, not the stage it failed to reach', () => {
      const r = rig({ 'data-b.txt': 'fail\n' });
      const { r: out } = run(r, ['--galaxy', 'a,b']);
      assert.equal(out.code, 1, out.stderr);
      const total = (out.json?.['catalog'] as { status: string; excluded: { galaxy: string; instance: string; status: string; reason: string }[] }[])[0];
      assert.equal(total?.status, 'ran');
      assert.deepEqual(total?.excluded.map((e) => `${e.galaxy} ${e.instance} ${e.status}`), ['b load[b] failed']);
      assert.match(total?.excluded[0]?.reason ?? '', /galaxy b: its data says fail/);
      assert.match(out.stderr, /total\[all\]: ran over 1 of 2; left out b: failed at load \(galaxy b: its data says fail\)/);
      assert.match(out.stderr, /total: 2 over 1; left out b at load\[b\] \(failed\)/, 'the stage got the same in ctx.excluded');
      const task = out.json?.tasks.find((t) => t.galaxy === 'b');
      assert.equal(task?.reason, 'bad-input', 'the task fails with the root cause');
      assert.deepEqual(task?.stages.map((s) => s.status), ['ran', 'failed', 'upstream-failed', 'upstream-failed']);
    });

    test('killed while a stage runs (the kill lands), then --resume runs only what did not finish', async () => {
      // group of galaxy b waits for a gate, so the run is still going when it is killed.
      const gated = GATED_GROUP;
      const r = rig({ 'group.mjs': gated });
      const kill = await killWhen(['run', '--galaxy', 'a,b', '--jobs', '1'], () => existsSync(path.join(r.dir, 'started-b')), r.dir, env);
      assert.ok(kill.landed, `the kill landed (exit ${kill.exit})`);
      const { total: _total, ...killed } = r.runs();
      assert.deepEqual(killed, { rows: 2, load: 2, scale: 2, group: 2 }, 'a finished; b was in its group stage');
      r.write({ gate: '' });
      rmSync(path.join(r.dir, 'started-b'));
      const before = r.lines().length;
      const resumed = r.exec(['run', '--resume', '--json']);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stderr, /resuming .*: 1 of 2 tasks failed or never finished/);
      const ran = r.lines().slice(before).map((l) => l.split(' ').slice(0, 2).join(' '));
      assert.deepEqual(ran.filter((l) => l !== 'total all'), ['group b'], 'only the unfinished instance');
      assert.equal(r.runs()['total'], 1, 'the catalog-level total ran once, in whichever run reached it');
      assert.deepEqual(readdirSync(path.join(r.dir, 'out')).sort(), ['a_1.txt', 'b_1.txt']);
    });
  });
}

describe('catalog-level instances start with the head of the longest chain', () => {
  // `total` (declared first) is a leaf; `head` has a dependent, `tail`. The first to start
  // gets the worker that ran the galaxies (the bundled dtd, not summarise: src/engine/chain-first.ts).
  const chained = `${PIPELINE}  head:\n    module: total.mjs\n    over: catalog\n    needs: [scale]\n  tail:\n    module: total.mjs\n    over: catalog\n    needs: [scale, head]\n`;
  for (const [where, env] of PATHS) {
    test(`one at a time (--jobs 1), ${where}: head, then the leaf, then tail`, (t) => {
      const r = makeRig(env, { 'pipeline.yaml': chained });
      t.after(() => r.remove());
      const out = r.exec(['run', '--galaxy', 'all', '--jobs', '1', '--json']);
      assert.equal(out.code, 0, out.stderr);
      const catalogLevel = r.lines().map((l) => l.split(' ')[0]).filter((stage) => ['total', 'head', 'tail'].includes(stage as string));
      assert.deepEqual(catalogLevel, ['head', 'total', 'tail']);
      // reported in the pipeline's order all the same
      assert.deepEqual((out.json?.['catalog'] as { stage: string }[]).map((c) => c.stage), ['total', 'head', 'tail']);
    });
  }
});

describe('analysis reports each problem once', () => {
  test('one bad default is one problem, not one more for every stage that reads the parameter', async () => {
    const { parsePipeline, PipelineError } = await import('../src/pipeline/load.ts');
    const { ROOT } = await import('./helpers/cli.ts');
    const bundled = readFileSync(path.join(ROOT, 'pipeline.yaml'), 'utf8');
    // k is read by cluster, write, plot and the catalog-level stages: its bad default is still one problem.
    const bad = bundled.replace(/(\n  k:\n(?:    .*\n)*?    default: )\d+/, '$10');
    assert.notEqual(bad, bundled);
    let problems: string[] = [];
    try {
      parsePipeline(bad, path.join(ROOT, 'pipeline.yaml'));
    } catch (err) {
      assert.ok(err instanceof PipelineError, String(err));
      problems = err.problems.map((p) => p.message);
    }
    assert.deepEqual(problems, ['default of `k`: must be >= 1, got 0']);
  });
});
