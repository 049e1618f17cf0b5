/**
 * Run records under `cache/runs/`: what each run was asked to do and how each of its tasks
 * ended, so `run --resume` can redo only what failed or never finished. A record is JSON
 * lines, appended one task at a time with O_APPEND: a run killed at any moment leaves at
 * worst a torn last line, which is ignored.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { InstanceResult, TaskResult } from '../engine/events.ts';
import type { Json } from '../stage.ts';
import { canonicalJson } from './canonical.ts';

/** The first line of a run record. */
export interface RunHeader {
  readonly kind: 'run';
  readonly id: string;
  readonly started: string;
  readonly cwd: string;
  /** The project folder it ran in (absent in records older than it): `--resume` in a copy or a move of the project takes the run there. */
  readonly root?: string;
  /** The options the run was given (enough to plan it again). */
  readonly args: { readonly [key: string]: Json };
  /** The run's date and command as its stages see them (RunInfo); a resumed run keeps the first run's. */
  readonly run?: { readonly started: string; readonly command: string };
}

/** A task's line: its identity and how it ended. */
export interface TaskLine {
  readonly kind: 'task';
  readonly task: string;
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly error?: string;
  readonly output?: string;
  /** The cache keys of the task's instances: what `cache gc` keeps for this run. */
  readonly keys?: readonly string[];
  /** The lock records of what it made that the lock did not have yet, so a killed run's finished work still reaches the lock. */
  readonly lock?: { readonly [key: string]: Json };
}

/** A parsed run record. */
export interface RunRecord {
  readonly file: string;
  readonly header: RunHeader;
  readonly tasks: ReadonlyMap<string, TaskLine>;
  readonly finished: boolean;
  /** The cache keys of its catalog-level instances (`catalog` lines): `cache gc` keeps them too. */
  readonly catalogKeys: readonly string[];
  /** Its catalog-level instances as they ended (`sfh-pipeline crate` names the failed ones). */
  readonly catalog: readonly CatalogLine[];
  /** When it ended (its `end` line), if it did. */
  readonly ended?: string;
}

/** A catalog-level instance's line: its id, how it ended and why it failed. */
export interface CatalogLine {
  readonly kind: 'catalog';
  readonly instance: string;
  readonly status: string;
  readonly error?: string;
  readonly keys?: readonly string[];
}

/** A task's identity across runs: its galaxy and sweep point. */
export function taskId(galaxy: string, point: Readonly<Record<string, Json>>): string {
  return `${galaxy} ${canonicalJson(point as Json)}`;
}

/** Appends the lines of one run. */
export class RunLog {
  readonly file: string;

  constructor(dir: string, header: Omit<RunHeader, 'kind' | 'id' | 'started'>) {
    mkdirSync(dir, { recursive: true });
    const started = new Date();
    const id = `${started.toISOString().replace(/[:.]/g, '-')}-${process.pid}`;
    this.file = path.join(dir, `${id}.jsonl`);
    this.append({ kind: 'run', id, started: started.toISOString(), ...header });
  }

  /** Records how a task ended. */
  task(result: TaskResult, lock?: { readonly [key: string]: Json }): void {
    const line: TaskLine = {
      kind: 'task',
      task: taskId(result.task.row.id, result.task.point),
      status: result.status,
      ...(result.failure ? { error: result.failure.message } : {}),
      ...(result.output ? { output: result.output } : {}),
      keys: result.instances.flatMap((i) => (i.key ? [i.key] : [])),
      ...(lock && Object.keys(lock).length ? { lock } : {}),
    };
    this.append(line);
  }

  /** Records a catalog-level instance's end and key (it belongs to no task). */
  catalog(result: InstanceResult): void {
    this.append({ kind: 'catalog', instance: result.instance.id, status: result.status, ...(result.failure ? { error: result.failure.message } : {}), ...(result.key ? { keys: [result.key] } : {}) });
  }

  /**
   * Copies a task line of the run this one resumes: a resumed run's record then holds all
   * the work of the chain, so resuming a killed resume loses nothing either.
   */
  carry(line: TaskLine): void {
    this.append(line);
  }

  /** Marks the run finished. */
  end(summary: { readonly [key: string]: Json }): void {
    this.append({ kind: 'end', ended: new Date().toISOString(), ...summary });
  }

  /** Why the record could not be written (a full disk), once: the run itself goes on. */
  failed?: string;

  private append(value: object): void {
    try {
      appendFileSync(this.file, `${JSON.stringify(value)}\n`);
    } catch (err) {
      this.failed ??= `${this.file}: ${(err as Error).message}`;
    }
  }
}

/** A run's first line as a resumed run needs it: its folder, and its options as the command line gave them (text, or lists of text). */
function validHeader(v: object): boolean {
  const h = v as Partial<RunHeader>;
  if (typeof h.cwd !== 'string' || (h.root !== undefined && typeof h.root !== 'string') || typeof h.args !== 'object' || h.args === null || Array.isArray(h.args)) return false;
  return Object.values(h.args).every((a) => typeof a === 'string' || typeof a === 'boolean' || (Array.isArray(a) && a.every((x) => typeof x === 'string')));
}

/** Run record files in `dir`, newest first (by start time, which their names begin with). */
export function runFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith('.jsonl'))
      .sort()
      .reverse()
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

/** The newest run record in `dir`, or undefined when there is none. */
export function lastRun(dir: string): RunRecord | undefined {
  const newest = runFiles(dir)[0];
  return newest ? readRun(newest) : undefined;
}

/** Parses a run record, ignoring a torn last line. */
export function readRun(file: string): RunRecord | undefined {
  const lines = readFileSync(file, 'utf8').split('\n');
  let header: RunHeader | undefined;
  const tasks = new Map<string, TaskLine>();
  const catalogKeys: string[] = [];
  const catalog: CatalogLine[] = [];
  let ended: string | undefined;
  let finished = false;
  for (const line of lines) {
    if (!line.trim()) continue;
    let v: { kind?: string };
    try {
      v = JSON.parse(line) as { kind?: string };
    } catch {
      continue;
    }
    // (a record is appended by this tool, but it is a file: a line of another shape is passed over as a torn one is)
    if (typeof v !== 'object' || v === null || Array.isArray(v)) continue;
    if (v.kind === 'run') header = validHeader(v) ? (v as RunHeader) : undefined;
    else if (v.kind === 'task') {
      const t = v as TaskLine;
      if (typeof t.task !== 'string' || typeof t.status !== 'string') continue;
      tasks.set(t.task, { ...t, ...(Array.isArray(t.keys) && t.keys.every((k) => typeof k === 'string') ? {} : { keys: [] }), ...(t.lock !== undefined && (typeof t.lock !== 'object' || t.lock === null || Array.isArray(t.lock)) ? { lock: undefined } : {}) });
    }
    else if (v.kind === 'end') {
      finished = true;
      ended = (v as { ended?: string }).ended;
    } else if (v.kind === 'catalog') {
      catalog.push(v as CatalogLine);
      catalogKeys.push(...((v as CatalogLine).keys ?? []));
    }
  }
  return header ? { file, header, tasks, finished, catalogKeys, catalog, ...(ended ? { ended } : {}) } : undefined;
}
