/**
 * The Slurm executor's driver logic, in seconds and on any machine: fake `sbatch`, `squeue`,
 * `sacct` and `scancel` on PATH (test/helpers/fake-slurm.mjs) run each array element at
 * once on this machine, and the rig's plain JavaScript stages (test/helpers/rig.ts) make
 * each element quick. The session is the local executor's: the same outputs, run record,
 * lock and --json shape. An element Slurm ends is recorded with Slurm's state and what to
 * do, and --resume resubmits only its galaxy. test/slurm.test.ts runs the real Slurm.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseLock } from '../src/provenance/lock.ts';
import type { CliResult } from './helpers/cli.ts';
import { fakeSlurm, type FakeSlurm } from './helpers/fake-slurm.ts';
import { makeRig, PIPELINE, type Rig } from './helpers/rig.ts';

const WITH_EXECUTOR = `${PIPELINE}executor:\n  slurm:\n    time: "00:05:00"\n    poll: 0.2\n`;

/** Every output file of a rig, by name, with its content. */
function outputs(rig: Rig): Record<string, string> {
  const dir = path.join(rig.dir, 'out');
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
}

/** The --json tasks as both executors must give them (times aside). */
function shape(r: CliResult): unknown {
  return r.json?.tasks.map((t) => ({ ...t, output: path.basename(t.output ?? ''), stages: t.stages.map((s) => [s.name, s.status]) }));
}

describe('--executor slurm, against fake Slurm commands', () => {
  let slurm: FakeSlurm;
  const rigs: Rig[] = [];
  const rig = (files: Record<string, string> = {}): Rig => {
    const r = makeRig(slurm.env, { 'pipeline.yaml': WITH_EXECUTOR, ...files });
    rigs.push(r);
    return r;
  };
  before(() => (slurm = fakeSlurm()));
  after(() => {
    rigs.forEach((r) => r.remove());
    slurm.remove();
  });

  test('a sweep gives the local executor\'s outputs, --json shape, run record and lock; the catalog-level stage runs here after the array', () => {
    const local = rig();
    const args = ['run', '--galaxy', 'a,b', '--k', '1..2', '--json'];
    const l = local.exec(args);
    assert.equal(l.code, 0, l.stderr);
    const remote = rig();
    const s = remote.exec([...args, '--executor', 'slurm']);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stderr, /slurm: submitted job \d+: 2 galaxies \(array 0-1\), 4 tasks; time 00:05:00, 1 CPU each/);
    assert.deepEqual(outputs(remote), outputs(local));
    assert.deepEqual(shape(s), shape(l));
    assert.equal(s.json?.['executor'], 'slurm');
    assert.deepEqual((s.json?.['slurm'] as { jobs: { galaxies: string[] }[] }).jobs.map((j) => j.galaxies), [['a', 'b']]);
    const catalog = (r: CliResult) => (r.json?.['catalog'] as { ms: number }[]).map(({ ms: _ms, ...c }) => c);
    assert.deepEqual(catalog(s), catalog(l));
    // The elements ran the galaxies' stages; the driver ran the catalog-level total, after them.
    assert.equal(remote.lines().at(-1)?.split(' ').slice(0, 2).join(' '), 'total all');
    assert.equal(remote.runs()['total'], 1);

    const runs = readdirSync(path.join(remote.dir, 'cache', 'runs'));
    assert.equal(runs.length, 1, 'elements write no run records of their own');
    const lines = readFileSync(path.join(remote.dir, 'cache', 'runs', runs[0] as string), 'utf8').trim().split('\n').map((x) => JSON.parse(x) as { kind: string; status?: string; args?: Record<string, unknown> });
    assert.equal(lines[0]?.args?.['executor'], 'slurm');
    assert.equal(lines.filter((x) => x.kind === 'task' && x.status === 'ok').length, 4);
    assert.equal(lines.filter((x) => x.kind === 'slurm').length, 1, 'the job is noted, for --resume');
    assert.equal(lines.at(-1)?.kind, 'end');

    const lock = (r: Rig) => Object.fromEntries(Object.entries(parseLock(readFileSync(path.join(r.dir, 'sfh-pipeline.lock'), 'utf8'), path.join(r.dir, 'sfh-pipeline.lock')).outputs).map(([f, e]) => [f, e.sha256]));
    assert.deepEqual(lock(remote), lock(local));
    assert.equal(Object.keys(lock(remote)).length, 4);
  });

  test('an element Slurm ends (TIMEOUT) fails its galaxy\'s tasks with Slurm\'s state and what to do; --resume resubmits only that galaxy', () => {
    const r = rig();
    const first = r.exec(['run', '--galaxy', 'a,b', '--json', '--executor', 'slurm'], { FAKE_SLURM_FATE: '1=TIMEOUT' });
    assert.equal(first.code, 1, first.stderr);
    const b = first.json?.tasks.find((t) => t.galaxy === 'b');
    assert.equal(b?.status, 'failed');
    assert.equal(b?.reason, 'slurm-timeout');
    assert.match(b?.error ?? '', /^slurm: TIMEOUT \(TimeLimit, exit 0:15, ran 00:00:01, MaxRSS 4321K\) \(element \d+_1 ran out of time: raise `time` under executor\.slurm in pipeline\.yaml/);
    assert.equal(first.json?.tasks.find((t) => t.galaxy === 'a')?.status, 'ok');
    assert.match(first.stderr, /failed  b: slurm: TIMEOUT/);
    const before = r.runs();

    const resumed = r.exec(['run', '--resume', '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /resuming .*: 1 of 2 tasks failed or never finished/);
    assert.match(resumed.stderr, /slurm: submitted job \d+: 1 galaxy \(array 0-0\), 1 tasks/);
    assert.deepEqual(resumed.json?.tasks.map((t) => t.galaxy), ['b']);
    const now = r.runs();
    assert.deepEqual([now['load']! - before['load']!, now['scale']! - before['scale']!], [1, 1], 'only b ran, once');
    assert.deepEqual(Object.keys(outputs(r)), ['a_1.txt', 'b_1.txt']);
  });

  test('a failing galaxy in an element is replayed with its own reason; the catalog-level stage leaves it out', () => {
    const r = rig({ 'data-b.txt': 'fail\n' });
    const out = r.exec(['run', '--galaxy', 'a,b', '--json', '--executor', 'slurm']);
    assert.equal(out.code, 1, out.stderr);
    const b = out.json?.tasks.find((t) => t.galaxy === 'b');
    assert.equal(b?.reason, 'bad-input');
    assert.match(b?.error ?? '', /galaxy b: its data says fail \(write a number into it\)/);
    const total = (out.json?.['catalog'] as { status: string; excluded: { galaxy: string; instance: string }[] }[])[0];
    assert.equal(total?.status, 'ran');
    assert.deepEqual(total?.excluded.map((e) => `${e.galaxy} ${e.instance}`), ['b load[b]']);
  });

  test('sbatch refusing the job is an error that names what to check', () => {
    const r = rig();
    const out = r.exec(['run', '--galaxy', 'a', '--executor', 'slurm'], { FAKE_SLURM_REFUSE: 'Invalid account or account/partition combination specified' });
    assert.equal(out.code, 1, out.stderr);
    assert.match(out.stderr, /sbatch refused the job: sbatch: error: Batch job submission failed: Invalid account.* \(check the executor\.slurm settings in pipeline\.yaml/);
  });

  test('--jobs does not apply to Slurm, and says why (exit 2)', () => {
    const out = rig().exec(['run', '--galaxy', 'a', '--executor', 'slurm', '--jobs', '2']);
    assert.equal(out.code, 2, out.stderr);
    assert.match(out.stderr, /--jobs does not apply to --executor slurm \(each galaxy runs as one array element/);
  });
});
