/**
 * `run --executor slurm` against a real Slurm (a one-node cluster on localhost in CI, see
 * scripts/slurm-local.sh): a two-galaxy k = 2..4 sweep gives the local executor's outputs
 * bit for bit and the same records; an element cancelled with scancel is recorded with
 * Slurm's state and `--resume` resubmits only its galaxy. Without Slurm these tests are
 * skipped with how to run them, except in CI, where they must run. The `executor:`
 * section's validation needs no Slurm.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { sha256File } from '../src/cache/file-hash.ts';
import { PipelineError, parsePipeline } from '../src/pipeline/load.ts';
import { parseLock } from '../src/provenance/lock.ts';
import { BIN, parityArgs, ROOT, runCli, tempDir, type CliResult } from './helpers/cli.ts';

const HOW = 'Slurm is not running here: install the Debian packages slurm-wlm and munge and start a one-node cluster with `bash scripts/slurm-local.sh` (as root), see docs/slurm.md';

function slurmUp(): boolean {
  // (The timeout only guards against a hung sinfo; a busy machine answers well within it.)
  const r = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 120_000 });
  return r.status === 0 && /idle|mixed|allocated|completing/.test(r.stdout);
}
const UP = slurmUp();

/** True when Slurm is up; else skips the test, or, in CI, fails it. */
function needSlurm(t: TestContext): boolean {
  if (UP) return true;
  if (process.env['CI']) assert.fail(`CI must run the Slurm tests, but ${HOW}`);
  t.skip(HOW);
  return false;
}

/** The bundled pipeline with its stages by absolute path, plus an executor section. */
function pipelineText(executor: string): string {
  const bundled = readFileSync(path.join(ROOT, 'pipeline.yaml'), 'utf8').replace(/module: stages\//g, `module: ${ROOT}/stages/`);
  return `${bundled}\n${executor}`;
}

// Element 1 sleeps when SLOW_ELEMENT=1, long enough to be caught running and cancelled.
const EXECUTOR = `executor:
  slurm:
    time: "00:10:00"
    memory: 1G
    poll: 0.5
    setup:
      - 'if [ "$SLURM_ARRAY_TASK_ID" = "\${SLOW_ELEMENT:-}" ]; then sleep 120; fi'
`;

/**
 * Files a run writes about all its tasks together (summary.csv, report.html and
 * report-run.json): they name the output folder, and the page its run's command, whose paths
 * are those of the run's folder.
 */
const RUN_WIDE = /\.(csv|ecsv|html|json)$/;

/**
 * The sha256 of every file in an output folder; for the run-wide files, of their text with
 * the run's folder (the output folder's parent) taken out. `perTask` keeps only the tasks'
 * own outputs (after a resume the run-wide files describe the resumed run only, as a local
 * resume's do). Every run of this file has the same date (SOURCE_DATE_EPOCH, below).
 */
function outputHashes(dir: string, perTask = false): Record<string, string> {
  const files = readdirSync(dir).filter((f) => !f.startsWith('.') && !(perTask && RUN_WIDE.test(f))).sort();
  const hash = (f: string) => (RUN_WIDE.test(f) ? createHash('sha256').update(readFileSync(path.join(dir, f), 'utf8').replaceAll(path.dirname(dir), '<run>')).digest('hex') : sha256File(path.join(dir, f)));
  return Object.fromEntries(files.map((f) => [f, hash(f)]));
}

/** The run's options: the parity data, results in `<dir>/out` (the same folder name for both executors). */
function sweep(dir: string, pipeline: string): string[] {
  const args = parityArgs(dir);
  args[args.indexOf('--out') + 1] = path.join(dir, 'out');
  return ['--pipeline', pipeline, '--galaxy', '11,45', '--k', '2..4', ...args, '--lock', path.join(dir, 'sfh.lock'), '--json'];
}

function runAsync(args: string[], env: NodeJS.ProcessEnv, onStderr: (text: string) => void): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr(stderr);
    });
    child.on('close', (code) => {
      resolve({ code: code ?? -1, stdout, stderr, ...(stdout.trim().startsWith('{') ? { json: JSON.parse(stdout) as CliResult['json'] } : {}) });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('--executor slurm, through a real Slurm', () => {
  const tmp = tempDir('sfh-slurm-');
  const pipeline = path.join(tmp.dir, 'pipeline.yaml');
  const local = path.join(tmp.dir, 'local');
  let localHashes: Record<string, string> = {};
  let localRun: CliResult | undefined;
  const epoch = process.env['SOURCE_DATE_EPOCH'];
  before(() => {
    process.env['SOURCE_DATE_EPOCH'] = '1765000000';
    // Without Slurm the tests below skip (or, in CI, fail): the local reference run (seconds
    // of work) would be for nothing.
    if (!UP) return;
    writeFileSync(pipeline, pipelineText(EXECUTOR));
    mkdirSync(local);
    localRun = runCli(['run', ...sweep(local, pipeline)]);
    assert.equal(localRun.code, 0, localRun.stderr);
    localHashes = outputHashes(path.join(local, 'out'));
    assert.ok(Object.keys(localHashes).filter((f) => f.endsWith('.fits')).length === 6, Object.keys(localHashes).join(' '));
  });
  after(() => {
    if (epoch === undefined) delete process.env['SOURCE_DATE_EPOCH'];
    else process.env['SOURCE_DATE_EPOCH'] = epoch;
    tmp.remove();
  });

  test('a 2-galaxy k = 2..4 sweep gives the local executor\'s outputs, run record, lock and --json shape', (t) => {
    if (!needSlurm(t)) return;
    const dir = path.join(tmp.dir, 'sweep');
    mkdirSync(dir);
    const started = Date.now();
    const r = runCli(['run', ...sweep(dir, pipeline), '--executor', 'slurm']);
    t.diagnostic(`slurm sweep: ${Date.now() - started} ms`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /slurm: submitted job \d+: 2 galaxies \(array 0-1\), 6 tasks/);
    assert.deepEqual(outputHashes(path.join(dir, 'out')), localHashes);

    const shape = (x: CliResult | undefined) => x?.json?.tasks.map((task) => ({ ...task, output: path.basename(task.output ?? ''), stages: task.stages.map((s) => [s.name, s.status]) }));
    assert.deepEqual(shape(r), shape(localRun));
    assert.equal(r.json?.['executor'], 'slurm');

    const runs = readdirSync(path.join(dir, 'cache', 'runs'));
    assert.equal(runs.length, 1, 'elements write no run records of their own');
    const lines = readFileSync(path.join(dir, 'cache', 'runs', runs[0] as string), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; status?: string; args?: Record<string, unknown> });
    assert.equal(lines[0]?.args?.['executor'], 'slurm');
    assert.equal(lines.filter((l) => l.kind === 'task' && l.status === 'ok').length, 6);
    assert.equal(lines.at(-1)?.kind, 'end');

    const lock = parseLock(readFileSync(path.join(dir, 'sfh.lock'), 'utf8'), path.join(dir, 'sfh.lock'));
    const locked = Object.fromEntries(Object.entries(lock.outputs).map(([f, e]) => [path.basename(f), e.sha256]));
    // The tasks' 6 results and their 12 pictures (as a local run's lock lists them), and the
    // catalog-level stages' summary.csv, report.html, report-run.json, 2 k-choice plots, the
    // DTD fit's chain, summary and hosts tables (CSV and ECSV each) and corner plot, and
    // dtd-models' table (CSV and ECSV).
    assert.equal(Object.keys(locked).length, 31);
    // (the run-wide files are the local run's but for the run's folder: the lock has their own bytes' sha256)
    for (const [file, sha] of Object.entries(locked)) assert.equal(sha, RUN_WIDE.test(file) ? sha256File(path.join(dir, 'out', file)) : localHashes[file], `the lock's sha256 of ${file}`);
  });

  test('an element cancelled with scancel is recorded with Slurm\'s state; --resume resubmits only its galaxy', async (t) => {
    if (!needSlurm(t)) return;
    const dir = path.join(tmp.dir, 'cancel');
    mkdirSync(dir);
    let job: string | undefined;
    const first = runAsync(['run', ...sweep(dir, pipeline), '--executor', 'slurm'], { SLOW_ELEMENT: '1' }, (text) => {
      job ??= /submitted job (\d+)/.exec(text)?.[1];
    });
    // Wait until element 1 runs (it sleeps in its setup line), then cancel it: a look at
    // the queue every 200 ms until that state, or until the run has ended without it.
    let ended = false;
    void first.then(() => (ended = true));
    let running = false;
    while (!running && !ended) {
      await sleep(200);
      if (job) running = spawnSync('squeue', ['-h', '-r', '-j', job, '-o', '%i %T'], { encoding: 'utf8' }).stdout.includes(`${job}_1 RUNNING`);
    }
    assert.ok(running, `element 1 of job ${job ?? '(not submitted)'} never ran`);
    assert.equal(spawnSync('scancel', [`${job}_1`]).status, 0);
    const r = await first;
    assert.equal(r.code, 1, r.stderr);
    const spec = JSON.parse(readFileSync(path.join(dir, 'cache', 'slurm', readdirSync(path.join(dir, 'cache', 'slurm'))[0] as string, 'job.json'), 'utf8')) as { elements: { galaxy: string }[] };
    const cancelled = spec.elements[1]?.galaxy;
    for (const task of r.json?.tasks ?? []) {
      if (task.galaxy === cancelled) {
        assert.equal(task.status, 'failed');
        assert.equal(task.reason, 'slurm-cancelled');
        assert.match(task.error ?? '', /^slurm: CANCELLED/);
      } else assert.equal(task.status, 'ok', task.error ?? '');
    }
    assert.match(r.stderr, new RegExp(`failed  ${cancelled} \\S+ \\(k=2\\.\\.4\\): slurm: CANCELLED`), "the galaxy once, with its k values");

    // --resume without --executor: the resumed run's executor, and only the missing galaxy.
    const resumed = runCli(['run', '--resume', '--pipeline', pipeline, '--cache', path.join(dir, 'cache'), '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /resuming .*: 3 of 6 tasks failed or never finished/);
    assert.match(resumed.stderr, /slurm: submitted job \d+: 1 galaxy \(array 0-0\), 3 tasks/);
    assert.deepEqual([...new Set(resumed.json?.tasks.map((task) => task.galaxy))], [cancelled]);
    const perTask = Object.fromEntries(Object.entries(localHashes).filter(([f]) => !RUN_WIDE.test(f)));
    assert.deepEqual(outputHashes(path.join(dir, 'out'), true), perTask);
    const lock = parseLock(readFileSync(path.join(dir, 'sfh.lock'), 'utf8'), path.join(dir, 'sfh.lock'));
    assert.equal(Object.keys(lock.outputs).length, 31, 'the lock lists the outputs of both runs (and of the catalog-level stages)');
  });
});

describe('--executor slurm without Slurm, and the executor: section', () => {
  const tmp = tempDir('sfh-slurm-conf-');
  after(() => tmp.remove());

  test('missing Slurm commands are named, with where to read on', () => {
    const bin = path.join(tmp.dir, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const r = runCli(['run', '--executor', 'slurm', ...parityArgs(tmp.dir), '--galaxy', '11'], { env: { PATH: bin } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /needs Slurm's commands, and sbatch, squeue, scancel are not on PATH/);
    assert.match(r.stderr, /docs\/slurm\.md/);
    const bad = runCli(['run', '--executor', 'pbs', ...parityArgs(tmp.dir), '--galaxy', '11']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--executor pbs: unknown executor \(use one of local, slurm/);
  });

  test('every problem of the section is reported at its line and column', () => {
    const text = pipelineText(`executor:
  slurm:
    time: two hours
    memory: 8 GB
    cpusPerTask: 0
    sbatch: [--array=0-3, account]
    colour: blue
  pbs: {}
`);
    const base = pipelineText('').split('\n').length;
    const problems = (() => {
      try {
        parsePipeline(text, path.join(tmp.dir, 'pipeline.yaml'));
      } catch (err) {
        if (err instanceof PipelineError) return err.problems.map((p) => `${p.line - base + 1}:${p.col} ${p.message}`);
        throw err;
      }
      return [];
    })();
    assert.deepEqual(problems, [
      '3:11 `executor.slurm.time` must be a Slurm time limit (minutes, HH:MM:SS or D-HH:MM:SS), got "two hours"',
      '4:13 `executor.slurm.memory` must be a size with an optional unit K, M, G or T, got "8 GB"',
      '5:18 `executor.slurm.cpusPerTask` must be a whole number >= 1, got 0',
      '6:14 sbatch option `--array=0-3` is set by sfh-pipeline itself (it needs it to follow the job)',
      '6:27 sbatch option `account` must start with - (one option per item, e.g. --account=astro)',
      '7:5 unknown key `colour` in `executor.slurm`',
      '8:3 unknown executor `pbs` under `executor`',
    ]);
  });

  test('the CLI shows pipeline.yaml:LINE:COL and exits 2, before it looks for Slurm', () => {
    const file = path.join(tmp.dir, 'pipeline.yaml');
    writeFileSync(file, pipelineText('executor:\n  slurm:\n    poll: 0\n'));
    const line = pipelineText('').split('\n').length + 2;
    // Slurm's commands hidden: the file's problem is the user's to fix on any machine.
    const bin = path.join(tmp.dir, 'node-only');
    mkdirSync(bin, { recursive: true });
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const r = runCli(['run', '--pipeline', file, ...parityArgs(tmp.dir), '--galaxy', '11', '--executor', 'slurm'], { cwd: tmp.dir, env: { PATH: bin } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`pipeline\\.yaml:${line}:11: \`executor\\.slurm\\.poll\` must be a number of seconds >= 0\\.2`));
  });

  test('executor settings change no output: they are left out of the pipeline hash', () => {
    const file = path.join(tmp.dir, 'p.yaml');
    const hash = (executor: string) => parsePipeline(pipelineText(executor), file).hash;
    assert.equal(hash(EXECUTOR), hash(EXECUTOR.replace('"00:10:00"', '"1-00:00:00"').replace('1G', '64G')));
    assert.notEqual(hash(EXECUTOR), parsePipeline(pipelineText(EXECUTOR).replace('default: 100', 'default: 101'), file).hash);
  });
});
