/**
 * What the engine tells the world. The engine never prints: the live terminal view, the
 * plain log and `--json` all subscribe to these events.
 */
import { EventEmitter } from 'node:events';
import type { KeyFields } from '../cache/key.ts';
import type { Instance, Plan, Task } from '../pipeline/analyse.ts';
import type { Failure } from '../errors.ts';
import type { Excluded, Json, RunInfo } from '../stage.ts';

export type { Failure } from '../errors.ts';

/** How an instance ended. `cached` means its output came from the cache without running. */
export type InstanceStatus = 'ran' | 'cached' | 'failed' | 'skipped' | 'upstream-failed' | 'cancelled';

/** How a task (a galaxy at a sweep point) ended. */
export type TaskStatus = 'ok' | 'failed' | 'skipped';

/** The end of one instance. */
export interface InstanceResult {
  readonly instance: Instance;
  readonly status: InstanceStatus;
  readonly ms: number;
  readonly failure?: Failure;
  /** For `skipped`: the one-line reason. */
  readonly skipReason?: string;
  readonly warnings: readonly string[];
  readonly files: readonly string[];
  /** The instance's key and its parts, when it ran or was cached (for the lock file). */
  readonly key?: string;
  readonly fields?: KeyFields;
  /** Only for a catalog-level instance that ran or was cached: what it covered and said. */
  readonly catalog?: CatalogRun;
  /** When and by which command the run that made its output started (a cached one's: the run that made it). */
  readonly made?: Pick<RunInfo, 'started' | 'command'>;
}

/** What a catalog-level instance ran over. */
export interface CatalogRun {
  /** The items it was given (galaxies x gathered points), excluded ones included. */
  readonly items: number;
  /** The ones left out, and why. */
  readonly excluded: readonly Excluded[];
  /** Its output's meta (e.g. the lines to print after the run: `meta.print`). */
  readonly meta: { readonly [key: string]: Json };
}

/** The end of one task. */
export interface TaskResult {
  readonly task: Task;
  readonly status: TaskStatus;
  readonly failure?: Failure;
  readonly skipReason?: string;
  readonly output?: string;
  readonly instances: readonly InstanceResult[];
}

/** The events, by name, with their payloads. */
export interface EngineEvents {
  'run-start': [plan: Plan];
  'instance-start': [instance: Instance];
  'instance-progress': [instance: Instance, info: { iteration?: number; message?: string }];
  'instance-warning': [instance: Instance, message: string];
  'instance-end': [result: InstanceResult];
  'task-end': [result: TaskResult];
  /** Every catalog-level instance's end, in plan order, just before 'run-end'. */
  'catalog-end': [results: readonly InstanceResult[]];
  'run-end': [results: readonly TaskResult[]];
}

/** A typed event emitter for {@link EngineEvents}. */
export class EngineEmitter extends EventEmitter<EngineEvents> {}
