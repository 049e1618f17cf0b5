/**
 * What `run --resume --executor slurm` takes over from the run it resumes: the arrays it
 * submitted (noted in its run record), the tasks their elements finished even after that
 * driver stopped following them, and the elements still queued or running, which are
 * followed again rather than submitted twice.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { taskId, type TaskLine as RunTaskLine } from '../../cache/runs.ts';
import type { Plan, Task } from '../../pipeline/analyse.ts';
import { LockRecords } from '../../provenance/records.ts';
import { squeue } from './commands.ts';
import type { WatchedJob } from './follow.ts';
import { jobFiles, readElementRecord, type JobSpec, type TaskLine } from './records.ts';

/** A job a run submitted, as its run record notes it. */
export interface JobNote {
  readonly kind: 'slurm';
  readonly job: string;
  readonly dir: string;
}

/** Appends a line of the driver's own (a job note, a carried task) to a run record. */
export function appendRunLine(file: string, line: object): void {
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}

/** The jobs noted in the run record `file`. */
export function earlierJobs(file: string): JobNote[] {
  const notes: JobNote[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    try {
      const v = JSON.parse(line) as Partial<JobNote>;
      if (v.kind === 'slurm' && typeof v.job === 'string' && typeof v.dir === 'string') notes.push(v as JobNote);
    } catch {
      // a torn line
    }
  }
  return notes;
}

function readSpec(dir: string): JobSpec | undefined {
  try {
    return JSON.parse(readFileSync(jobFiles.spec(dir), 'utf8')) as JobSpec;
  } catch {
    return undefined;
  }
}

/** Every task the elements of `jobs` reported, by task id (the last report wins). */
export function harvest(jobs: readonly JobNote[]): Map<string, TaskLine> {
  const lines = new Map<string, TaskLine>();
  for (const job of jobs) {
    const spec = readSpec(job.dir);
    spec?.elements.forEach((_, index) => {
      for (const [id, line] of readElementRecord(jobFiles.record(job.dir, index)).tasks) lines.set(id, line);
    });
  }
  return lines;
}

/** The elements of `jobs` still in the queue that run tasks of `plan`, to follow again. */
export async function reattach(jobs: readonly JobNote[], plan: Plan, log: NodeJS.WritableStream): Promise<WatchedJob[]> {
  const wanted = new Map<string, Task>(plan.tasks.map((t) => [taskId(t.row.id, t.point), t]));
  const out: WatchedJob[] = [];
  for (const job of jobs) {
    const spec = readSpec(job.dir);
    const queued = spec ? await squeue(job.job) : undefined;
    if (!spec || !queued?.size) continue;
    const elements = [...queued.keys()].flatMap((index) => {
      const el = spec.elements[index];
      const tasks = new Map(el ? el.tasks.flatMap((id) => (wanted.has(id) ? [[id, wanted.get(id) as Task] as const] : [])) : []);
      return el && tasks.size ? [{ index, galaxy: el.galaxy, tasks }] : [];
    });
    if (!elements.length) continue;
    log.write(`slurm: job ${job.job} of the resumed run still has ${elements.length} galax${elements.length === 1 ? 'y' : 'ies'} queued or running (${elements.map((e) => e.galaxy).join(', ')}): following ${elements.length === 1 ? 'it' : 'them'} instead of submitting again\n`);
    out.push({ id: job.job, dir: job.dir, elements });
  }
  return out;
}

/**
 * What of the run record `resumed.file` its elements finished beyond what the record says
 * (they go on after their driver stopped following them), with their lock entries: a driver
 * that was killed never wrote the lock. Those finished are copied into the new record
 * `runLog`, so a later --resume needs only that one.
 */
export function takeOver(resumed: { file: string; done: ReadonlyMap<string, string> }, runLog: string): { done: Map<string, string>; locks: LockRecords } {
  const finished = (status: string | undefined) => status === 'ok' || status === 'skipped';
  const done = new Map<string, string>();
  const locks = new LockRecords();
  for (const [id, line] of harvest(earlierJobs(resumed.file))) {
    if (line.lock) locks.add(line.lock);
    if (finished(resumed.done.get(id))) continue;
    done.set(id, line.status);
    const carried: RunTaskLine = { kind: 'task', task: id, status: line.status, ...(line.output ? { output: line.output } : {}), keys: line.instances.flatMap((i) => (i.key ? [i.key] : [])) };
    if (finished(line.status)) appendRunLine(runLog, carried);
  }
  return { done, locks };
}
