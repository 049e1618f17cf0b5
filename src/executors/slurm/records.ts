/**
 * What passes between the driver and the array elements, all of it through files in the
 * job's folder on the shared filesystem (`<cache>/slurm/<run>-<n>/`): `job.json` says what
 * each element runs, and each element appends its record `<index>.jsonl`, one line per task
 * as it ends (O_APPEND, so a killed element leaves at worst a torn last line, ignored).
 * Catalog values travel only in these JSON files, never through a shell.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { taskId } from '../../cache/runs.ts';
import type { Failure, InstanceResult, InstanceStatus, TaskResult, TaskStatus } from '../../engine/events.ts';
import type { Task } from '../../pipeline/analyse.ts';
import type { LockRecordsJson } from '../../provenance/records.ts';
import type { PlanValues } from '../../session/request.ts';
import type { Json, RunInfo } from '../../stage.ts';

/** One element of the array: a galaxy and the tasks (by {@link taskId}) it runs. */
export interface ElementSpec {
  readonly galaxy: string;
  readonly tasks: readonly string[];
}

/** `job.json`: enough for an element to plan exactly what the driver planned. */
export interface JobSpec {
  readonly version: 1;
  /** The driver's folder: relative paths in `values` mean what they meant there. */
  readonly cwd: string;
  readonly values: PlanValues;
  /** The run's information (its date and command too), as the driver's stages get it. */
  readonly run?: RunInfo;
  /** Stages of one galaxy running at once (the element's CPUs). */
  readonly jobs: number;
  readonly failFast: boolean;
  readonly verbose: boolean;
  /** By array index. */
  readonly elements: readonly ElementSpec[];
}

/** An instance as an element reports it. */
export interface InstanceLine {
  readonly id: string;
  readonly status: InstanceStatus;
  readonly ms: number;
  readonly warnings: readonly string[];
  /** The files it wrote outside the cache (results, plots). */
  readonly files?: readonly string[];
  readonly failure?: Failure;
  readonly skipReason?: string;
  readonly key?: string;
}

/** A task's line in an element's record: how it ended and, when ok, the lock records of what it made (those an earlier line of the element did not send). */
export interface TaskLine {
  readonly kind: 'task';
  readonly task: string;
  readonly status: TaskStatus;
  readonly failure?: Failure;
  readonly skipReason?: string;
  readonly output?: string;
  readonly instances: readonly InstanceLine[];
  readonly lock?: LockRecordsJson;
}

/** An element's record as read back: its lines, by kind. */
export interface ElementRecord {
  readonly started?: { host: string; pid: number };
  readonly tasks: ReadonlyMap<string, TaskLine>;
  /** The element finished its tasks (whatever their status). */
  readonly end?: { inputsHashed: number; cacheProblems: Json[] };
  /** The element could not plan or start (a user error on the node), with why. */
  readonly error?: Failure;
  /** A signal the element received (Slurm sends SIGTERM before killing). */
  readonly signal?: string;
}

/** The files of a job and of its elements. */
export const jobFiles = {
  spec: (dir: string) => path.join(dir, 'job.json'),
  script: (dir: string) => path.join(dir, 'job.sh'),
  record: (dir: string, index: number) => path.join(dir, `${index}.jsonl`),
  log: (dir: string, index: number) => path.join(dir, `${index}.err`),
};

/** Appends one line to an element's record. */
export function appendLine(file: string, line: { kind: string; [key: string]: unknown }): void {
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}

/** A task's line, from the element's engine. */
export function taskLine(result: TaskResult, lock: LockRecordsJson | undefined): TaskLine {
  return {
    kind: 'task',
    task: taskId(result.task.row.id, result.task.point),
    status: result.status,
    ...(result.failure ? { failure: result.failure } : {}),
    ...(result.skipReason !== undefined ? { skipReason: result.skipReason } : {}),
    ...(result.output ? { output: result.output } : {}),
    instances: result.instances.map((r) => ({
      id: r.instance.id,
      status: r.status,
      ms: r.ms,
      warnings: r.warnings,
      files: r.files,
      ...(r.failure ? { failure: r.failure } : {}),
      ...(r.skipReason !== undefined ? { skipReason: r.skipReason } : {}),
      ...(r.key ? { key: r.key } : {}),
    })),
    ...(lock ? { lock } : {}),
  };
}

/** Reads an element's record; a missing file is an empty record, a torn line is skipped. */
export function readElementRecord(file: string): ElementRecord {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { tasks: new Map() };
  }
  const tasks = new Map<string, TaskLine>();
  let record: { -readonly [K in keyof ElementRecord]: ElementRecord[K] } = { tasks };
  for (const line of text.split('\n')) {
    let v: { kind?: string; [key: string]: unknown };
    try {
      v = JSON.parse(line) as typeof v;
    } catch {
      continue;
    }
    if (v.kind === 'task') tasks.set((v as unknown as TaskLine).task, v as unknown as TaskLine);
    else if (v.kind === 'start') record = { ...record, started: { host: String(v['host']), pid: Number(v['pid']) } };
    else if (v.kind === 'end') record = { ...record, end: { inputsHashed: Number(v['inputsHashed'] ?? 0), cacheProblems: (v['cacheProblems'] ?? []) as Json[] } };
    else if (v.kind === 'error') record = { ...record, error: v['failure'] as Failure };
    else if (v.kind === 'signal') record = { ...record, signal: String(v['signal']) };
  }
  return record;
}

/** The driver's result for a task an element reported, rebuilt on the driver's own plan. */
export function resultFromLine(task: Task, line: TaskLine): TaskResult {
  const byId = new Map(line.instances.map((i) => [i.id, i]));
  const instances: InstanceResult[] = task.instances.map((instance) => {
    const i = byId.get(instance.id);
    if (!i) return { instance, status: 'cancelled', ms: 0, warnings: [], files: [] };
    return { instance, status: i.status, ms: i.ms, warnings: i.warnings, files: i.files ?? [], ...(i.failure ? { failure: i.failure } : {}), ...(i.skipReason !== undefined ? { skipReason: i.skipReason } : {}), ...(i.key ? { key: i.key } : {}) };
  });
  return {
    task,
    status: line.status,
    ...(line.failure ? { failure: line.failure } : {}),
    ...(line.skipReason !== undefined ? { skipReason: line.skipReason } : {}),
    ...(line.output ? { output: line.output } : {}),
    instances,
  };
}

/** A task whose element ended without reporting it (Slurm killed it, or it never started). */
export function lostResult(task: Task, failure: Failure): TaskResult {
  return { task, status: 'failed', failure, instances: task.instances.map((instance) => ({ instance, status: 'cancelled', ms: 0, failure, warnings: [], files: [] })) };
}
