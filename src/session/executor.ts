/**
 * What runs a prepared plan: the seam between the session (which prepares, records and
 * reports a run the same way whoever runs it) and an executor (here, in this process's
 * worker threads, or as a Slurm job array). A new executor implements this interface in
 * src/executors/ and is chosen in src/executors/choose.ts; nothing else changes.
 */
import type { CacheProblem } from '../cache/store.ts';
import type { RunLog } from '../cache/runs.ts';
import type { EngineEmitter, InstanceResult, TaskResult } from '../engine/events.ts';
import type { Plan } from '../pipeline/analyse.ts';
import type { LockRecords } from '../provenance/records.ts';
import type { Json, RunInfo } from '../stage.ts';
import type { Prepared } from './prepare.ts';
import type { PlanValues, RunRequest } from './request.ts';
import type { Resumed } from './resume.ts';

/** A run as the session hands it to its executor. */
export interface SessionRun {
  readonly request: RunRequest;
  /** The options the run was planned with (after `--resume`, the resumed run's). */
  readonly values: PlanValues;
  readonly prepared: Prepared;
  /** What to run: the prepared plan, less the tasks a resumed run finished. */
  readonly plan: Plan;
  /** The run's information for its stages (its date and command too): what the executor gives execute(). */
  readonly info: RunInfo;
  /** The engine's events: the executor emits its instances' and tasks' ends here. */
  readonly events: EngineEmitter;
  /** The run record (`<cache>/runs/`), for an executor that notes more in it. */
  readonly log: RunLog;
  readonly resumed?: Resumed;
  /** Where to say what it does (the run's log stream). */
  readonly out: NodeJS.WritableStream;
}

/** What an executor ran, for the session to record and report. */
export interface Executed {
  /** One result per task of the plan, in plan order. */
  readonly tasks: readonly TaskResult[];
  /** Every catalog-level instance's end, in plan order. */
  readonly catalog: readonly InstanceResult[];
  /**
   * Lock records of what it made that the session does not get from the tasks' ends (those
   * whose results carry no key fields: a Slurm element's, sent in its record).
   */
  readonly locks: LockRecords;
  /** Input files read to hash them (the rest came from the stat cache). */
  readonly inputsHashed: number;
  /** Corrupt cache entries met and recomputed. */
  readonly cacheProblems: readonly CacheProblem[];
  /** Stopped by a signal before it finished. */
  readonly interrupted: boolean;
  /** What the `--json` record says of the executor beyond the session's fields. */
  readonly record?: { readonly [key: string]: Json };
}

/** Runs plans; the session calls `check`, then perhaps `takeOver`, then `run`, then `close`. */
export interface Executor {
  /** The name `--executor` gives it. */
  readonly name: string;
  /** Noted in the run record with the plan's options, so `--resume` runs on the same executor. */
  readonly recordArgs: { readonly [key: string]: Json };
  /** Whether its events may drive the live terminal view (else the plain log shows them). */
  readonly live: boolean;
  /** Checks made before the run is recorded: what the user must fix wherever it runs (exit 2). */
  check(values: PlanValues): Promise<void>;
  /**
   * For `--resume`: the tasks of the resumed run done beyond what its record says (and
   * their lock entries), e.g. those a Slurm array finished after its driver stopped.
   */
  takeOver?(resumed: Resumed, log: RunLog): { readonly done: ReadonlyMap<string, string>; readonly locks: LockRecords };
  /** Runs the plan, emitting the engine's events on `run.events`. */
  run(run: SessionRun): Promise<Executed>;
  /**
   * Whether it stops in order on Ctrl-C or SIGTERM (a Slurm driver cancels its jobs, then
   * `run` returns, `interrupted`), or the session ends the process at once (the local one:
   * what runs in its worker threads ends with the process).
   */
  readonly stopsInOrder?: boolean;
  /** Ctrl-C or SIGTERM while it runs: stop (in order), or stop what it started outside this process (a shell stage's command). */
  interrupt?(signal: NodeJS.Signals): void;
  /** Releases what it holds (worker threads); called once, whatever happened. */
  close(): Promise<void>;
}
