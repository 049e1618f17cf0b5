/**
 * Ctrl-C and SIGTERM during a run, through the real CLI, sent when the run is at a chosen
 * state (one galaxy done, the other's stage running), never after a length of time: the
 * run says how far it got and how to resume (`interrupted: 1 of 2 tasks done; resume with
 * `sfh-pipeline run ... --resume``), ends as interrupted processes do (by the signal: 130 /
 * 143 in a shell), leaves no temporary file and no command of a shell stage running, and
 * the `--resume` it names finishes the run. Locally and under (fake) Slurm.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { alive } from '../src/cache/atomic.ts';
import { BIN } from './helpers/cli.ts';
import { fakeSlurm, type FakeSlurm } from './helpers/fake-slurm.ts';
import { makeRig, PIPELINE, STAGES, type Rig } from './helpers/rig.ts';

/** `scale` holds galaxy `b` (until killed, or until `hold-b` is removed) once `hold-b` exists, saying so in `holding-b`. */
const HOLDING_SCALE = (STAGES['scale.mjs'] ?? '').replace(
  'count(ctx);',
  `count(ctx);
  const here = (f) => new URL(f, import.meta.url);
  if (existsSync(here(\`hold-\${ctx.row.id}\`))) {
    writeFileSync(here(\`holding-\${ctx.row.id}\`), '');
    while (existsSync(here(\`hold-\${ctx.row.id}\`))) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }`,
).replace("import { count } from './count.mjs';", "import { existsSync, writeFileSync } from 'node:fs';\nimport { count } from './count.mjs';");

interface Stopped {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/** Runs the CLI in `rig` and sends `signal` once `ready()` holds; resolves when it has ended. */
function interruptWhen(rig: Rig, args: readonly string[], ready: () => boolean, signal: NodeJS.Signals, env: NodeJS.ProcessEnv = {}): Promise<Stopped> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: rig.dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let sent = false;
    const look = () => {
      if (sent || child.exitCode !== null) return;
      if (ready()) {
        sent = true;
        child.kill(signal);
      } else setTimeout(look, 5);
    };
    child.once('spawn', look);
    child.once('close', (code, sig) => resolve({ code, signal: sig, stderr }));
  });
}

const hidden = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.includes('.tmp-')) : []);

describe('an interrupted local run says how far it got and how to resume', () => {
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    test(`${signal}: "interrupted: 1 of 2 tasks done; resume with ...", ended by the signal (${status} in a shell), nothing left running or half-written`, async () => {
      // `late` is a command of a shell stage, running when the signal comes: it must not outlive the run.
      const pipeline = `${PIPELINE}  late:\n    run: sh -c 'echo $$ > "late-$SFH_GALAXY.pid"; [ "$SFH_GALAXY" = a ] || exec sleep 600'\n    needs: [load]\n`;
      const rig = makeRig({}, { 'scale.mjs': HOLDING_SCALE, 'pipeline.yaml': pipeline, 'hold-b': '' });
      try {
        const args = ['run', '--galaxy', 'a,b', '--jobs', '3', '--plain'];
        // (a is done; b's scale is holding and its command is sleeping)
        const ready = () => existsSync(path.join(rig.dir, 'holding-b')) && existsSync(path.join(rig.dir, 'late-b.pid')) && recordedOk(rig) === 1;
        const r = await interruptWhen(rig, args, ready, signal);
        assert.equal(r.signal, signal, `ended by the signal, not with code ${r.code}: ${r.stderr}`);
        assert.match(r.stderr, /\ninterrupted: 1 of 2 tasks done; resume with `sfh-pipeline run --galaxy a,b --jobs 3 --plain --resume`\n/);
        assert.doesNotMatch(r.stderr, /fail-fast|internal error/);
        const late = Number(readFileSync(path.join(rig.dir, 'late-b.pid'), 'utf8'));
        await until(() => !alive(late));
        assert.deepEqual(hidden(path.join(rig.dir, 'out')), []);
        assert.deepEqual(hidden(path.join(rig.dir, 'cache', 'stat')), []);

        rmSync(path.join(rig.dir, 'hold-b'));
        rig.write({ 'pipeline.yaml': PIPELINE });
        const resumed = rig.exec(['run', '--galaxy', 'a,b', '--jobs', '3', '--plain', '--resume']);
        assert.equal(resumed.code, 0, resumed.stderr);
        assert.deepEqual(readdirSync(path.join(rig.dir, 'out')).sort(), ['a_1.txt', 'b_1.txt']);
      } finally {
        rig.remove();
      }
    });
  }
});

describe("a cancelled run stops the whole process group of a shell stage's command, not only the shell", () => {
  // The command starts a grandchild (`sleep 1000 &`) and waits for it: killing only the
  // shell, as the run once did, leaves the sleep running after the run has ended.
  const GRANDCHILD = `sleep 1000 & echo $! > "grandchild-$SFH_GALAXY.pid"; wait`;
  const pidOf = (rig: Rig, id: string): number | undefined => {
    const file = path.join(rig.dir, `grandchild-${id}.pid`);
    const text = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    return text ? Number(text) : undefined;
  };

  // (SIGINT sent by `kill -INT`, not a terminal's Ctrl-C, which reaches the whole foreground group and hid the bug;
  // the sleep ignores SIGINT, as a shell's background job does, so the run has to follow up with SIGKILL)
  for (const [signal, status] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    test(`${signal} (${status}): the command's grandchild is gone, the run says how far it got`, async () => {
      const pipeline = `${PIPELINE}  late:\n    run: sh -c '${GRANDCHILD}'\n    needs: [load]\n`;
      const rig = makeRig({}, { 'pipeline.yaml': pipeline });
      try {
        const r = await interruptWhen(rig, ['run', '--galaxy', 'a', '--plain'], () => pidOf(rig, 'a') !== undefined, signal);
        assert.equal(r.signal, signal, `ended by the signal, not with code ${r.code}: ${r.stderr}`);
        assert.match(r.stderr, /\ninterrupted: 0 of 1 task done; resume with `sfh-pipeline run --galaxy a --plain --resume`\n/);
        await gone(pidOf(rig, 'a') as number);
      } finally {
        reap(pidOf(rig, 'a'));
        rig.remove();
      }
    });
  }

  test('--fail-fast: a failing galaxy cancels the other\'s command, and its grandchild is gone when the run ends', async () => {
    // b fails once a's grandchild is running (waiting for that state, in the command itself)
    const both = `if [ "$SFH_GALAXY" = a ]; then ${GRANDCHILD}; else while [ ! -s grandchild-a.pid ]; do sleep 0.05; done; exit 3; fi`;
    const rig = makeRig({}, { 'pipeline.yaml': `${PIPELINE}  late:\n    run: sh -c '${both}'\n    needs: [load]\n` });
    try {
      const r = await interruptWhen(rig, ['run', '--galaxy', 'a,b', '--jobs', '2', '--plain', '--fail-fast'], () => false, 'SIGTERM');
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /exited with code 3/);
      await gone(pidOf(rig, 'a') as number);
    } finally {
      reap(pidOf(rig, 'a'));
      rig.remove();
    }
  });
});

describe('an interrupted Slurm run cancels its jobs, then says how far it got', () => {
  let slurm: FakeSlurm;
  before(() => (slurm = fakeSlurm()));
  after(() => slurm.remove());

  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    test(`${signal}: exit status ${status}, "interrupted: 1 of 2 tasks done; resume with ..."`, async () => {
      const rig = makeRig(slurm.env, { 'scale.mjs': HOLDING_SCALE, 'pipeline.yaml': `${PIPELINE}executor:\n  slurm:\n    time: "00:05:00"\n    poll: 0.2\n`, 'hold-b': '' });
      try {
        const r = await interruptWhen(rig, ['run', '--galaxy', 'a,b', '--executor', 'slurm'], () => existsSync(path.join(rig.dir, 'holding-b')) && recordedOk(rig) === 1, signal, slurm.env);
        assert.equal(r.code, status, r.stderr);
        assert.match(r.stderr, /slurm: interrupted: cancelling \d+/);
        assert.match(r.stderr, /\ninterrupted: 1 of 2 tasks done; resume with `sfh-pipeline run --galaxy a,b --executor slurm --resume`\n/);
        rmSync(path.join(rig.dir, 'hold-b'));
        const resumed = rig.exec(['run', '--galaxy', 'a,b', '--executor', 'slurm', '--resume']);
        assert.equal(resumed.code, 0, resumed.stderr);
        assert.deepEqual(readdirSync(path.join(rig.dir, 'out')).sort(), ['a_1.txt', 'b_1.txt']);
      } finally {
        rig.remove();
      }
    });
  }
});

/** Tasks the newest run record has finished well. */
function recordedOk(rig: Rig): number {
  const dir = path.join(rig.dir, 'cache', 'runs');
  const last = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().at(-1) : undefined;
  if (!last) return 0;
  return readFileSync(path.join(dir, last), 'utf8').split('\n').filter((l) => l.includes('"kind":"task"') && l.includes('"status":"ok"')).length;
}

/** Resolves once `state()` holds (the test's own hang guard decides nothing about the result). */
async function until(state: () => boolean): Promise<void> {
  while (!state()) await new Promise((r) => setTimeout(r, 10));
}

/** Kills what a failing test left running, so that it does not outlive the test. */
function reap(pid: number | undefined): void {
  try {
    if (pid) process.kill(pid, 'SIGKILL');
  } catch {
    // (gone)
  }
}

/**
 * Resolves once process `pid` has ended, failing if it is still running after a generous
 * bound (far beyond the run's grace before SIGKILL): ended is no such process, or a zombie
 * (on Linux, state Z in /proc): an orphan is reparented to PID 1, and a container's PID 1
 * does not always reap it, yet it runs nothing.
 */
async function gone(pid: number, boundMs = 60_000): Promise<void> {
  assert.ok(Number.isInteger(pid) && pid > 1, `a pid: ${pid}`);
  const ended = (): boolean => {
    if (!alive(pid)) return true;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
    } catch {
      return !existsSync(`/proc/${pid}`) && process.platform === 'linux';
    }
  };
  const start = Date.now();
  while (!ended()) {
    assert.ok(Date.now() - start < boundMs, `process ${pid}, started by a shell stage's command, is still running ${boundMs / 1000} s after the run ended`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
