/**
 * The live terminal view, driven by synthetic engine events into a fake terminal: every
 * galaxy gets its line, cached and skipped instances say so, a failure shows its message,
 * the cluster round shows while it runs, and the view finishes only after 'run-end'.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { EngineEmitter, type InstanceResult, type InstanceStatus, type TaskResult } from '../src/engine/events.ts';
import { analyse, type Instance, type Plan } from '../src/pipeline/analyse.ts';
import { parsePipeline } from '../src/pipeline/load.ts';
import { resolveParams } from '../src/pipeline/params.ts';
import { attachListrView } from '../src/report/listr.ts';
import { ROOT } from './helpers/cli.ts';

const FILE = path.join(ROOT, 'pipeline.yaml');
/**
 * Resolves when the screen shows `pattern`: checked on every write to the terminal, so it
 * waits for the frame itself, however slow the machine, never for a length of time. (A view
 * that never draws it leaves the test to the runner's hang guard below.)
 */
function shown(term: FakeTerminal, pattern: RegExp): Promise<void> {
  return term.when(() => pattern.test(term.text()));
}

interface FakeTerminal {
  stream: NodeJS.WriteStream;
  text: () => string;
  /** What was written, escape sequences included. */
  raw: () => string;
  /** Resolves once `ready()` holds, checking now and after every write. */
  when: (ready: () => boolean) => Promise<void>;
}

/** A writable that says it is a 120×60 terminal and keeps everything written to it. */
function fakeTerminal(): FakeTerminal {
  let captured = '';
  const waiting = new Set<() => void>();
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      captured += chunk.toString();
      for (const check of [...waiting]) check();
      done();
    },
  });
  Object.assign(stream, { isTTY: true, columns: 120, rows: 60 });
  const text = () => stripVTControlCharacters(captured);
  const when = (ready: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!ready()) return;
        waiting.delete(check);
        resolve();
      };
      waiting.add(check);
      check();
    });
  return { stream: stream as unknown as NodeJS.WriteStream, text, raw: () => captured, when };
}

// A hang guard, not a wait: a view that never draws what a test waits for would otherwise
// hang the suite. Nothing here finishes sooner or later depending on it.
const HANG_GUARD = { timeout: 300_000 };

function planOf(k: string): Plan {
  const pipeline = parsePipeline(readFileSync(FILE, 'utf8'), FILE);
  const rows = [
    { id: '122', fields: { 'SN Name': 'SNx' } },
    { id: '7', fields: { 'SN Name': 'SNy' } },
    { id: '9', fields: { 'SN Name': 'SNz' } },
  ];
  return analyse(pipeline, rows, resolveParams(pipeline, new Map([['k', k]]), ROOT));
}

function find(plan: Plan, id: string): Instance {
  const inst = plan.instances.find((i) => i.id === id);
  assert.ok(inst, id);
  return inst;
}

function result(instance: Instance, status: InstanceStatus, extra: Partial<InstanceResult> = {}): InstanceResult {
  return { instance, status, ms: status === 'ran' ? 1234 : 0, warnings: [], files: [], ...extra };
}

test('the view shows each galaxy, cached and skipped stages, a failure and the cluster round; it finishes after run-end', HANG_GUARD, async () => {
  const plan = planOf('4,5');
  const events = new EngineEmitter();
  const term = fakeTerminal();
  const view = attachListrView(events, plan, term.stream);
  let done = false;
  void view.finished.then(() => (done = true));

  const end = (id: string, status: InstanceStatus, extra: Partial<InstanceResult> = {}) => {
    const inst = find(plan, id);
    if (status === 'ran' || status === 'cached' || status === 'failed') events.emit('instance-start', inst);
    events.emit('instance-end', result(inst, status, extra));
  };
  events.emit('run-start', plan);
  // Galaxy 122: partly cached, k=4 clusters in rounds, k=5 fails.
  end('catalog[122]', 'ran');
  end('load-cubes[122]', 'cached');
  end('mass-map[122]', 'cached');
  end('collapse-smooth[122]', 'ran');
  const cluster4 = find(plan, 'cluster[122 k=4]');
  events.emit('instance-start', cluster4);
  await shown(term, /⠋|⠙|⠹|⠸|⠼|⠴|⠦|⠧|⠇|⠏/);
  for (const iteration of [1, 2, 3, 7]) events.emit('instance-progress', cluster4, { iteration });
  await shown(term, /cluster k=4 — round 7/);
  end('cluster[122 k=4]', 'ran', { warnings: ['2 groups of one pixel dropped'] });
  end('cluster[122 k=5]', 'failed', { failure: { reason: 'stage-threw', message: 'EMD solver did not converge', hint: 'try another seed' } });
  end('write[122 k=4]', 'ran');
  end('write[122 k=5]', 'upstream-failed', { failure: { reason: 'upstream-failed', root: 'cluster[122 k=5]', cause: { reason: 'stage-threw', message: 'EMD solver did not converge' }, message: 'EMD solver did not converge' } });
  // Galaxy 7: everything from the cache. Galaxy 9: skipped at its first stage.
  for (const inst of plan.instances.filter((i) => i.row.id === '7')) end(inst.id, 'cached');
  end('catalog[9]', 'ran');
  events.emit('instance-start', find(plan, 'load-cubes[9]'));
  const skipped9 = plan.instances.filter((i) => i.row.id === '9' && i.stage.name !== 'catalog');
  for (const inst of skipped9) {
    // Hold the last one back, so a frame shows the galaxy expanded.
    if (inst === skipped9.at(-1)) await shown(term, /mass-map — skipped\n/);
    end(inst.id, 'skipped', { skipReason: 'core-collapse SN: no pPXF output' });
  }

  // Every instance has ended and a frame shows it: a view that finished on its last
  // instance would have resolved by the next turn of the event loop. It must wait for run-end.
  await shown(term, /9 SNz — skipped/);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(done, false, 'the view must not finish before run-end');
  events.emit('run-end', [] as TaskResult[]);
  await view.finished;

  const text = term.text();
  for (const galaxy of ['122 SNx', '7 SNy', '9 SNz']) assert.ok(text.includes(galaxy), `${galaxy} in:\n${text}`);
  assert.match(text, /mass-map \(cached\)/);
  assert.match(text, /7 SNy \(cached\)/);
  assert.match(text, /122 SNx — 1 failed/);
  assert.match(text, /cluster k=5: EMD solver did not converge \(try another seed\)/);
  assert.match(text, /write k=5 — not run: cluster\[122 k=5\] failed \(stage-threw\)/, 'the root cause, by name');
  assert.match(text, /cluster k=4 — 7 rounds \[1\.23 s\]/);
  assert.match(text, /9 SNz — skipped: core-collapse SN: no pPXF output/);
  assert.match(text, /load-cubes — skipped: core-collapse SN: no pPXF output/);
  assert.doesNotMatch(text, /mass-map — skipped:/, 'the reason is given once, where the stage decided it');
  assert.match(text, /cluster\[122 k=4\] warning: 2 groups of one pixel dropped/);
  assert.doesNotMatch(text, /\n\s+at /, 'no stack traces');
});

test('stop() ends the view when the engine sends no more events', HANG_GUARD, async () => {
  const plan = planOf('4');
  const events = new EngineEmitter();
  const term = fakeTerminal();
  const view = attachListrView(events, plan, term.stream);
  events.emit('instance-start', find(plan, 'catalog[122]'));
  await shown(term, /122 SNx/);
  await view.stop();
  assert.match(term.text(), /122 SNx — not finished/);
});

test('interrupt() ends the view at once: the last frame and the cursor stay, what is written next comes under it', HANG_GUARD, async () => {
  const plan = planOf('4');
  const events = new EngineEmitter();
  const term = fakeTerminal();
  const view = attachListrView(events, plan, term.stream);
  events.emit('instance-start', find(plan, 'catalog[122]'));
  await shown(term, /122 SNx/);
  assert.doesNotMatch(term.raw().slice(term.raw().lastIndexOf('\x1b[?25l')), /\x1b\[\?25h/, 'the cursor is hidden while it draws');
  view.interrupt();
  // (synchronously: the process ends right after, without another turn of the event loop)
  assert.match(term.raw().slice(term.raw().lastIndexOf('\x1b[?25l')), /\x1b\[\?25h/, 'the cursor is shown again');
  term.stream.write('interrupted: 0 of 3 tasks done\n');
  assert.match(term.text(), /122 SNx[\s\S]*interrupted: 0 of 3 tasks done\n$/);
  events.emit('run-end', [] as TaskResult[]);
  await view.finished;
});
