/**
 * Follows submitted arrays until every element has left the queue: asks `squeue` every
 * `poll` seconds, reads each element's record as it grows and replays it as engine events
 * (so the plain log and the run record are the local executor's), and records the tasks of
 * an element that Slurm killed as failed with Slurm's state (`sacct`, else `scontrol`).
 */
import type { EngineEmitter, TaskResult } from '../../engine/events.ts';
import type { Failure } from '../../errors.ts';
import type { Task } from '../../pipeline/analyse.ts';
import { LockRecords } from '../../provenance/records.ts';
import type { Json } from '../../stage.ts';
import { finalStates, scancel, squeue } from './commands.ts';
import { KILLED, lostFailure } from './failures.ts';
import { jobFiles, lostResult, readElementRecord, resultFromLine, type ElementRecord } from './records.ts';

/** An array element the driver waits for. */
export interface Watched {
  readonly index: number;
  readonly galaxy: string;
  /** The driver's plan tasks this element runs, by task id. */
  readonly tasks: ReadonlyMap<string, Task>;
}

/** A submitted (or re-attached) array and the elements of it this run waits for. */
export interface WatchedJob {
  readonly id: string;
  readonly dir: string;
  readonly elements: readonly Watched[];
}

interface Progress {
  readonly job: WatchedJob;
  readonly el: Watched;
  state: string;
  /** Task ids already replayed. */
  readonly seen: Set<string>;
  /** When the element was first seen gone without a finished record (for a slow shared filesystem). */
  goneAt?: number;
  done: boolean;
}

/** What following produced, beyond the events. */
export interface Followed {
  readonly results: Map<Task, TaskResult>;
  readonly locks: LockRecords;
  inputsHashed: number;
  readonly cacheProblems: Json[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Follows `jobs`; `stop()` cancels them all (once), and following goes on until they are gone. */
export class Follower {
  readonly out: Followed = { results: new Map(), locks: new LockRecords(), inputsHashed: 0, cacheProblems: [] };
  private readonly emitted = new Set<string>();
  private stopRequested = false;
  private stopped = false;

  constructor(
    private readonly events: EngineEmitter,
    private readonly log: NodeJS.WritableStream,
    private readonly pollMs: number,
    private readonly failFast: boolean,
  ) {}

  /** Asks Slurm to cancel every followed element (Ctrl-C, --fail-fast). */
  stop(): void {
    this.stopRequested = true;
  }

  /** Resolves when every element of `jobs` has ended and been recorded. */
  async follow(jobs: readonly WatchedJob[]): Promise<void> {
    const all: Progress[] = jobs.flatMap((job) => job.elements.map((el) => ({ job, el, state: 'SUBMITTED', seen: new Set<string>(), done: false })));
    let lastCounts = '';
    let squeueDown = false;
    while (all.some((p) => !p.done)) {
      if (this.stopRequested && !this.stopped) {
        this.stopped = true;
        for (const job of jobs) {
          const problem = await scancel(job.id);
          this.log.write(`slurm: cancelling job ${job.id}${problem ? ` failed: ${problem}` : ''}\n`);
        }
      }
      for (const job of jobs) {
        const open = all.filter((p) => p.job === job && !p.done);
        if (!open.length) continue;
        const queued = await squeue(job.id);
        if (!queued) {
          if (!squeueDown) this.log.write(`slurm: squeue does not answer for job ${job.id}; asking again in ${this.pollMs / 1000} s\n`);
          squeueDown = true;
          continue;
        }
        squeueDown = false;
        const gone: { p: Progress; record: ElementRecord }[] = [];
        for (const p of open) {
          const record = readElementRecord(jobFiles.record(job.dir, p.el.index));
          this.replay(p, record);
          const q = queued.get(p.el.index);
          if (q) p.state = q.state;
          else if (record.end) this.finish(p, record, undefined);
          else gone.push({ p, record });
        }
        if (gone.length) {
          const finals = await finalStates(job.id);
          for (const { p, record } of gone) {
            const state = finals.get(p.el.index);
            // A record is written before the element exits; on a shared filesystem it may
            // show up here a little later. Killed elements have nothing more to say.
            const killed = record.error !== undefined || record.signal !== undefined || (state !== undefined && KILLED.has(state.state));
            p.goneAt ??= Date.now();
            if (!killed && Date.now() - p.goneAt < Math.max(5_000, 2 * this.pollMs)) continue;
            this.replay(p, readElementRecord(jobFiles.record(job.dir, p.el.index)));
            this.finish(p, record, state);
          }
        }
      }
      const counts = countStates(all);
      if (counts !== lastCounts) this.log.write(`slurm: ${counts}\n`);
      lastCounts = counts;
      if (all.some((p) => !p.done)) await sleep(this.pollMs);
    }
  }

  /** Replays the tasks an element has reported since the last look. */
  private replay(p: Progress, record: ElementRecord): void {
    for (const [id, line] of record.tasks) {
      const task = p.el.tasks.get(id);
      if (!task || p.seen.has(id)) continue;
      p.seen.add(id);
      const result = resultFromLine(task, line);
      for (const r of result.instances) {
        if (this.emitted.has(r.instance.id) || r.status === 'cancelled') continue;
        this.emitted.add(r.instance.id);
        for (const w of r.warnings) this.events.emit('instance-warning', r.instance, w);
        this.events.emit('instance-end', r);
      }
      if (line.lock) this.out.locks.add(line.lock);
      this.record(result);
    }
  }

  /** The element has ended: its unreported tasks fail with Slurm's word for why. */
  private finish(p: Progress, record: ElementRecord, state: Parameters<typeof lostFailure>[1]): void {
    p.done = true;
    const element = `element ${p.job.id}_${p.el.index}`;
    const where = `${element} (galaxy ${p.el.galaxy})`;
    const files = { record: jobFiles.record(p.job.dir, p.el.index), log: jobFiles.log(p.job.dir, p.el.index) };
    const lost = [...p.el.tasks].filter(([id]) => !p.seen.has(id));
    if (record.end) {
      this.out.inputsHashed += record.end.inputsHashed;
      this.out.cacheProblems.push(...record.end.cacheProblems);
    }
    p.state = record.end ? 'finished' : (state?.state ?? 'UNKNOWN');
    const failure: Failure | undefined = !lost.length
      ? undefined
      : record.end
        ? { reason: 'slurm-task-missing', message: `${element} finished without this task`, hint: 'the catalog or pipeline.yaml changed after the job was submitted; run again' }
        : lostFailure(element, state, record, files);
    for (const [id, task] of lost) {
      p.seen.add(id);
      if (failure) this.record(lostResult(task, failure));
    }
    const mine = [...p.el.tasks.values()].map((t) => this.out.results.get(t)?.status);
    const n = (s: string) => mine.filter((m) => m === s).length;
    this.log.write(`slurm: ${where} ${record.end ? 'finished' : `ended ${p.state}`}: ${n('ok')} ok, ${n('failed')} failed, ${n('skipped')} skipped${failure ? `; ${failure.message}` : ''}\n`);
  }

  private record(result: TaskResult): void {
    this.out.results.set(result.task, result);
    this.events.emit('task-end', result);
    if (result.status === 'failed' && this.failFast) this.stop();
  }
}

function countStates(all: readonly Progress[]): string {
  const counts = new Map<string, number>();
  for (const p of all) {
    const state = p.done ? 'ended' : p.state.toLowerCase();
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  const order = ['submitted', 'pending', 'configuring', 'running', 'completing'];
  const states = [...order.filter((s) => counts.has(s)), ...[...counts.keys()].filter((s) => !order.includes(s) && s !== 'ended'), ...(counts.has('ended') ? ['ended'] : [])];
  return `${states.map((s) => `${counts.get(s)} ${s}`).join(', ')} of ${all.length} galax${all.length === 1 ? 'y' : 'ies'}`;
}
