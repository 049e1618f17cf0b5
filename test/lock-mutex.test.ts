/**
 * The lock file's mutex after a kill: a run killed while it held the mutex (a real SIGKILL
 * of a real holder) must not block the `--resume` that follows; a dead holder's mutex is
 * taken over at once (its pid gone, its pid reused, the machine rebooted), one on another
 * host or without a holder once it is older than an update takes, and a live holder's never.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { parseLock, readLock } from '../src/provenance/lock.ts';
import { holderDead, self } from '../src/provenance/lock-mutex.ts';
import { BIN, ROOT } from './helpers/cli.ts';
import { makeRig } from './helpers/rig.ts';

/** A process that takes the mutex `file` through the real module, says `held`, and holds it until it reads a line. */
function holder(file: string): ChildProcess {
  const code = `
import { readSync, writeSync } from 'node:fs';
import { withMutex } from ${JSON.stringify(path.join(ROOT, 'src', 'provenance', 'lock-mutex.ts'))};
withMutex(${JSON.stringify(file)}, () => {
  writeSync(1, 'held\\n');
  readSync(0, Buffer.alloc(1));
});
writeSync(1, 'released\\n');
`;
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
}

/** Resolves when the child has printed `line`. */
function said(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').includes(line)) resolve();
    });
    child.once('exit', () => (out.split('\n').includes(line) ? resolve() : reject(new Error(`exited before saying ${line}: ${out}`))));
  });
}

const exited = (child: ChildProcess): Promise<void> => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

describe('a mutex whose holder was killed does not block --resume', () => {
  const rig = makeRig();
  after(() => rig.remove());
  const mutex = path.join(rig.dir, 'sfh-pipeline.lock.mutex');

  test('a run killed holding the mutex: the next --resume takes it over and updates the lock', async () => {
    assert.equal(rig.exec(['run', '--galaxy', 'all']).code, 0);
    const child = holder(mutex);
    await said(child, 'held');
    child.kill('SIGKILL');
    await exited(child);
    assert.equal(child.signalCode, 'SIGKILL');
    assert.ok(existsSync(mutex), 'the killed holder left its mutex');
    const lock = path.join(rig.dir, 'sfh-pipeline.lock');
    const before = readFileSync(lock, 'utf8');
    // (the old mutex waited 30 s for a mutex younger than a minute, then failed)
    const r = rig.exec(['run', '--resume'], {}, 120_000);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /held/);
    assert.ok(!existsSync(mutex), 'the mutex is released');
    assert.deepEqual(Object.keys(readLock(lock).outputs), Object.keys(parseLock(before, lock).outputs));
    assert.deepEqual(readdirSync(rig.dir).filter((f) => f.includes('.mutex')), [], 'no temporary or moved mutex is left');
  });

  test('a live holder is waited for, never taken over', async () => {
    rig.write({ 'data-a.txt': '6\n' });
    const child = holder(mutex);
    await said(child, 'held');
    const run = spawn(process.execPath, [BIN, 'run', '--galaxy', 'all'], { cwd: rig.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    run.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    // The run's record ends just before the run updates the lock: wait for that state.
    const runs = path.join(rig.dir, 'cache', 'runs');
    const ended = () => readdirSync(runs).filter((f) => f.endsWith('.jsonl')).sort().map((f) => readFileSync(path.join(runs, f), 'utf8')).at(-1)?.includes('"kind":"end"') ?? false;
    const started = readdirSync(runs).length;
    while (!(readdirSync(runs).length > started && ended())) await new Promise((r) => setImmediate(r));
    assert.equal(run.exitCode, null, `the run ended while another process held the mutex: ${stderr}`);
    const heldBy = JSON.parse(readFileSync(mutex, 'utf8')) as { pid: number };
    assert.equal(heldBy.pid, child.pid, 'the mutex is still the holder\'s');
    const releasing = said(child, 'released');
    child.stdin?.write('go\n');
    await releasing;
    await exited(run);
    assert.equal(run.exitCode, 0, stderr);
    assert.ok(!existsSync(mutex));
  });
});

describe('whose mutex is dead', () => {
  const rig = makeRig();
  after(() => rig.remove());
  const mutex = path.join(rig.dir, 'sfh-pipeline.lock.mutex');
  const me = self();

  test('a holder on this machine: dead when its pid is gone, reused, or the machine rebooted', () => {
    assert.equal(holderDead(me), false);
    assert.equal(holderDead({ ...me, pid: 2 ** 22 + 17 }), true, 'no such pid');
    assert.equal(holderDead({ ...me, started: '1' }), me.started === '' ? false : true, 'a pid now of a process that started later');
    if (me.boot) assert.equal(holderDead({ ...me, boot: 'another-boot' }), true);
    assert.equal(holderDead({ ...me, host: `${os.hostname()}-login2` }), undefined, 'another host cannot be probed');
  });

  test('a reused pid, an old mutex of another host, or one without a holder is taken over at once', () => {
    for (const content of [JSON.stringify({ ...me, pid: process.pid, started: '1' }), JSON.stringify({ ...me, host: 'login2.cluster' }), '']) {
      if (content.includes('"started":"1"') && me.started === '') continue; // (no /proc: a reused pid cannot be told)
      writeFileSync(mutex, content);
      const minuteAgo = new Date(Date.now() - 60_000);
      if (!content.includes('"started":"1"')) utimesSync(mutex, minuteAgo, minuteAgo);
      const r = rig.exec(['run', '--galaxy', 'all'], {}, 120_000);
      assert.equal(r.code, 0, `${content}: ${r.stderr}`);
      assert.ok(!existsSync(mutex), content);
    }
  });
});
