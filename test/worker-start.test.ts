/**
 * When the stage worker starts (src/engine/worker-pool.ts, `wake`): a run whose instances
 * are all cached starts none, a job that fails again starts one that loads only its own
 * module, and a run with work has its worker load the stages ahead of their jobs. Each rig
 * stage notes when it is imported in a worker thread (in the main thread every run imports
 * it, to ask its `inputs()` and `skip()`), so the test sees what a worker loaded, not what
 * the tool says about itself.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { STAGE_WORKER_YOUNG_MB } from '../src/engine/worker-pool.ts';
import { makeRig, STAGES, type Rig } from './helpers/rig.ts';

const NOTE = (stage: string) => `import { isMainThread } from 'node:worker_threads';
import { appendFileSync as noteImport } from 'node:fs';
if (!isMainThread) noteImport(new URL('./worker-imports.log', import.meta.url), '${stage}\\n');
`;

/** The rig's stages, each noting its import in a worker. */
const NOTING = Object.fromEntries(['rows', 'load', 'scale', 'group', 'total'].map((s) => [`${s}.mjs`, NOTE(s) + (STAGES[`${s}.mjs`] ?? '')]));

/** The stages imported in a worker thread since the last call (sorted, each once). */
function workerImports(rig: Rig): string[] {
  const log = path.join(rig.dir, 'worker-imports.log');
  if (!existsSync(log)) return [];
  const seen = [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))].sort();
  rmSync(log);
  return seen;
}

describe('the stage worker starts when the run has work', () => {
  const rigs: Rig[] = [];
  after(() => rigs.forEach((r) => r.remove()));

  test('a cold run loads the stages in a worker; an unchanged rerun starts none', () => {
    const rig = makeRig({}, NOTING);
    rigs.push(rig);
    const cold = rig.exec(['run', '--galaxy', 'a,b', '--json']);
    assert.equal(cold.code, 0, cold.stderr);
    const loaded = workerImports(rig);
    // (what ran there: load, scale, group, and the catalog-level total; rows runs in this thread)
    for (const stage of ['load', 'scale', 'group', 'total']) assert.ok(loaded.includes(stage), `the cold run loaded ${stage} in a worker: ${loaded.join(', ')}`);
    const again = rig.exec(['run', '--galaxy', 'a,b', '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(again.json?.tasks.map((t) => t.stages.map((s) => s.status).join(' ')), ['cached cached cached cached', 'cached cached cached cached']);
    assert.deepEqual(workerImports(rig), [], 'no stage module was loaded in a worker thread');
  });

  test('a galaxy that fails again runs in a worker that loads only its own stage', () => {
    const rig = makeRig({}, { ...NOTING, 'data-b.txt': 'fail\n' });
    rigs.push(rig);
    const first = rig.exec(['run', '--galaxy', 'a,b', '--json']);
    assert.equal(first.code, 1, first.stderr);
    workerImports(rig);
    const again = rig.exec(['run', '--galaxy', 'a,b', '--json']);
    assert.equal(again.code, 1, again.stderr);
    assert.deepEqual(again.json?.tasks.map((t) => `${t.galaxy} ${t.stages.map((s) => s.status).join(' ')}`), ['a cached cached cached cached', 'b cached failed upstream-failed upstream-failed']);
    assert.match(again.stderr, /galaxy b: its data says fail/);
    assert.deepEqual(workerImports(rig), ['load'], 'the failing stage ran in a worker, and nothing else was loaded there');
    // once it succeeds it runs with what follows it, as before
    rig.write({ 'data-b.txt': '4\n' });
    const fixed = rig.exec(['run', '--galaxy', 'a,b', '--json']);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.deepEqual(fixed.json?.tasks.map((t) => `${t.galaxy} ${t.stages.map((s) => s.status).join(' ')}`), ['a cached cached cached cached', 'b cached ran ran ran']);
  });

  test('the stage worker runs with a bounded young generation', () => {
    // A stage notes the resource limits of the worker thread it runs in (src/engine/worker-pool.ts,
    // STAGE_WORKER_YOUNG_MB): without them, V8's default young generation (48 MB) is the
    // worker's, two full semi-spaces of it resident per worker through a catalog run.
    const LIMITS = `import { isMainThread, resourceLimits } from 'node:worker_threads';
import { writeFileSync as noteLimits } from 'node:fs';
if (!isMainThread) noteLimits(new URL('./worker-limits.json', import.meta.url), JSON.stringify(resourceLimits));
`;
    const rig = makeRig({}, { ...NOTING, 'scale.mjs': LIMITS + (STAGES['scale.mjs'] ?? '') });
    rigs.push(rig);
    const cold = rig.exec(['run', '--galaxy', 'a,b', '--json']);
    assert.equal(cold.code, 0, cold.stderr);
    const limits = JSON.parse(readFileSync(path.join(rig.dir, 'worker-limits.json'), 'utf8')) as { maxYoungGenerationSizeMb?: number };
    assert.equal(limits.maxYoungGenerationSizeMb, STAGE_WORKER_YOUNG_MB, `the worker's young generation: ${JSON.stringify(limits)}`);
    assert.ok(STAGE_WORKER_YOUNG_MB < 48, 'below V8\'s default');
  });
});

