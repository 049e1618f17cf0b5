/**
 * The galaxies a Slurm driver settles before it submits: those whose every task would only
 * skip (a row without a pPXF fit: 323 of the study's 511), which an array element would
 * start Node, plan the catalog and hash a cube for. The driver runs them here with the local
 * engine in its settle-only mode (ExecuteOptions.settleOnly: the source stage reads the row,
 * a stage that can tell it skips says so before reading anything, anything with work stops
 * its galaxy), so their records in the cache, their events and their task results are a
 * local run's; the galaxies with work go to the array as before.
 */
import { EngineEmitter, type EngineEvents, type TaskResult } from '../../engine/events.ts';
import { execute } from '../../engine/execute.ts';
import { restrictPlan, type Plan, type Task } from '../../pipeline/analyse.ts';
import type { RunInfo } from '../../stage.ts';
import type { Cache, LocalCache } from '../../cache/store.ts';
import type { Prepared } from '../../session/prepare.ts';

/** What settling found. */
export interface Settled {
  /** The task results of the settled galaxies, by task. */
  readonly results: Map<Task, TaskResult>;
  /** The galaxies settled (no array element for them). */
  readonly galaxies: ReadonlySet<string>;
  /** Replays the settled galaxies' events, in the order they happened, onto the run's. */
  replay(events: EngineEmitter): void;
}

/** The events of a galaxy's instances and tasks, as they were emitted. */
type Replayed = 'instance-start' | 'instance-progress' | 'instance-warning' | 'instance-end' | 'task-end';
type Recorded = { [E in Replayed]: [E, ...EngineEvents[E]] }[Replayed];

/** Settles what of `plan`'s tasks needs no work; the rest is left as it is. */
export async function settle(prepared: Prepared, plan: Plan, info: RunInfo): Promise<Settled> {
  const { cache, hasher } = prepared;
  const tasks = restrictPlan(plan, () => true);
  const byGalaxy = new Map<string, Recorded[]>();
  const note = (galaxy: string, e: Recorded) => (byGalaxy.get(galaxy) ?? byGalaxy.set(galaxy, []).get(galaxy)!).push(e);
  const mine = new EngineEmitter();
  mine.on('instance-start', (inst) => note(inst.row.id, ['instance-start', inst]));
  mine.on('instance-progress', (inst, p) => note(inst.row.id, ['instance-progress', inst, p]));
  mine.on('instance-warning', (inst, m) => note(inst.row.id, ['instance-warning', inst, m]));
  mine.on('instance-end', (r) => note(r.instance.row.id, ['instance-end', r]));
  mine.on('task-end', (r) => note(r.task.row.id, ['task-end', r]));
  // What it stores is kept for the galaxies it settles only: a galaxy with work finds its
  // catalog row uncached in its element and reads it there, as a local run does (its stages
  // then report what a local run reports).
  const stored = new Map<string, string[]>();
  const keeping: Cache = Object.assign(Object.create(cache) as LocalCache, {
    store(...args: Parameters<Cache['store']>) {
      const rec = cache.store(...args);
      const galaxy = args[2].galaxy;
      (stored.get(galaxy) ?? stored.set(galaxy, []).get(galaxy)!).push(rec.key);
      return rec;
    },
  });
  // (one at a time, in this thread: each step is a row read or a file's absence)
  const results = await execute(tasks, { jobs: 1, workers: false, failFast: false, settleOnly: true, cache: keeping, hasher, run: info }, mine);
  const unsettled = new Set(results.filter((r) => r.status === 'failed').map((r) => r.task.row.id));
  const galaxies = new Set(results.map((r) => r.task.row.id).filter((g) => !unsettled.has(g)));
  for (const g of unsettled) for (const key of stored.get(g) ?? []) cache.invalidate(key);
  return {
    results: new Map(results.filter((r) => galaxies.has(r.task.row.id)).map((r) => [r.task, r])),
    galaxies,
    replay(events) {
      for (const [galaxy, recorded] of byGalaxy) if (galaxies.has(galaxy)) for (const [name, ...args] of recorded) (events.emit as (n: string, ...a: unknown[]) => boolean)(name, ...args);
    },
  };
}
