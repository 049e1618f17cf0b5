/**
 * What a crate describes: the stage instances, results, inputs, parameter values and
 * failures of one run (its run record under `cache/runs/` and the lock entries of its
 * instances), or of everything the lock file records. The lock gives every result's
 * sha256 and the instance that made it, every input's sha256 and every parameter value;
 * the run record gives which instances were the run's, when it started and ended, its
 * command, and which galaxies failed and why (the lock records only what ended well).
 * Paths are the lock's: relative to the project folder.
 */
import path from 'node:path';
import type { RunRecord, TaskLine } from '../cache/runs.ts';
import { UserError } from '../errors.ts';
import type { Lock, LockInstance } from '../provenance/lock.ts';
import { refOf } from '../provenance/records.ts';
import { toLockPath } from '../provenance/paths.ts';
import type { ParamValue } from '../stage.ts';

/** A result: its sha256 and the stage that wrote it. */
export interface ScopeResult {
  readonly sha256: string;
  readonly stage: string;
}

/** What one crate covers. */
export interface CrateScope {
  /** `run` (one run record) or `lock` (the whole lock file). */
  readonly of: 'run' | 'lock';
  /** A stable id for the action: the run record's id, or a digest of the lock's outputs. */
  readonly id: string;
  /** Results by lock path. */
  readonly results: ReadonlyMap<string, ScopeResult>;
  /** Input files (not results) by lock path, with the sha256 the run read. */
  readonly inputs: ReadonlyMap<string, string>;
  /** Every value each parameter took, sorted (path parameters as lock paths). */
  readonly params: ReadonlyMap<string, readonly ParamValue[]>;
  /** The galaxies with a result (catalog order is not known here: sorted as numbers, then as text). */
  readonly galaxies: readonly string[];
  /** Why each failed galaxy (and catalog-level stage) failed, one line each. */
  readonly errors: readonly string[];
  /** How the tasks ended (run only). */
  readonly counts?: { readonly ok: number; readonly failed: number; readonly skipped: number };
  /** The run's command(s) as the run record or the lock keeps them. */
  readonly commands: readonly string[];
  /** ISO times, when known (a lock knows only when its catalog-level runs started). */
  readonly started?: string;
  readonly ended?: string;
  /** Problems that make the crate wrong (a result of the run the lock no longer lists). */
  readonly problems: readonly string[];
}

/** The scope of one finished run: its instances are those its run record lists the keys of. */
export function runScope(lock: Lock, record: RunRecord, dir: string): CrateScope {
  if (!record.finished) {
    throw new UserError('bad-input', `the last run (${path.basename(record.file)}) has not finished: it is still going, or it was killed`, 'wait for it to end, or finish it with `sfh-pipeline run --resume`; then make the crate (or use --of lock for what the lock file records)');
  }
  const tasks = [...record.tasks.values()];
  const refs = new Set<string>();
  for (const t of tasks) for (const key of t.keys ?? []) refs.add(refOf(key));
  for (const key of record.catalogKeys) refs.add(refOf(key));
  const problems: string[] = [];
  const results = resultsOf(lock, refs);
  for (const t of tasks) {
    if (t.status !== 'ok' || !t.output) continue;
    const stored = toLockPath(dir, t.output);
    if (!results.has(stored)) problems.push(`${stored}, a result of this run, is not in the lock file as this run's (a later run replaced it, or the lock was edited)`);
  }
  const count = (s: TaskLine['status']) => tasks.filter((t) => t.status === s).length;
  const header = record.header;
  const found = gathered(lock, refs, results);
  // Messages name files by absolute path; the crate, by their place relative to the project.
  const here = relativizer(dir, [...found.inputs.keys()]);
  const errors = [...taskErrors(tasks), ...record.catalog.filter((c) => c.status === 'failed').map((c) => `${c.instance}: ${c.error ?? 'failed'}`)].map(here);
  return {
    of: 'run',
    id: header.id,
    results,
    ...found,
    errors,
    counts: { ok: count('ok'), failed: count('failed'), skipped: count('skipped') },
    commands: [header.run?.command ?? `sfh-pipeline run ${JSON.stringify(header.args)}`],
    started: header.run?.started ?? header.started,
    ...(record.ended ? { ended: record.ended } : {}),
    problems,
  };
}

/** The scope of everything the lock records, as one action (its failures are not recorded anywhere: there are none to give). */
export function lockScope(lock: Lock, digest: string): CrateScope {
  const refs = new Set(Object.keys(lock.instances));
  const results = resultsOf(lock, refs);
  if (results.size === 0) throw new UserError('missing-input', 'the lock file lists no output', 'run the pipeline first: it records its outputs in the lock');
  const runs = Object.values(lock.instances).flatMap((i) => (i.run ? [i.run] : []));
  const starts = runs.flatMap((r) => (r.started ? [r.started] : [])).sort();
  return {
    of: 'lock',
    id: `lock-${digest.slice(0, 12)}`,
    results,
    ...gathered(lock, refs, results),
    errors: [],
    commands: [...new Set(runs.flatMap((r) => (r.command ? [r.command] : [])))].sort(),
    ...(starts[0] ? { started: starts[0] } : {}),
    problems: [],
  };
}

function resultsOf(lock: Lock, refs: ReadonlySet<string>): Map<string, ScopeResult> {
  const results = new Map<string, ScopeResult>();
  for (const file of Object.keys(lock.outputs).sort()) {
    const out = lock.outputs[file];
    const inst = out && refs.has(out.by) ? lock.instances[out.by] : undefined;
    if (out && inst) results.set(file, { sha256: out.sha256, stage: inst.stage });
  }
  return results;
}

/** The inputs, parameter values and galaxies of the instances in `refs`. */
function gathered(lock: Lock, refs: ReadonlySet<string>, results: ReadonlyMap<string, ScopeResult>): Pick<CrateScope, 'inputs' | 'params' | 'galaxies'> {
  const inputs = new Map<string, string>();
  const values = new Map<string, ParamValue[]>();
  const add = (name: string, value: ParamValue) => {
    const list = values.get(name) ?? [];
    values.set(name, list);
    if (!list.includes(value)) list.push(value);
  };
  const galaxies = new Set<string>();
  for (const ref of refs) {
    const inst: LockInstance | undefined = lock.instances[ref];
    if (!inst) continue;
    for (const [file, sha256] of Object.entries(inst.inputs ?? {})) if (!results.has(file)) inputs.set(file, sha256);
    for (const [name, value] of Object.entries(lock.params[inst.params] ?? {})) add(name, value);
    for (const [name, list] of Object.entries(inst.sweep ?? {})) for (const value of list) add(name, value);
    if (inst.galaxy !== 'all') galaxies.add(inst.galaxy);
  }
  for (const list of values.values()) list.sort(compare);
  const sortedInputs = new Map([...inputs].sort(([a], [b]) => (a < b ? -1 : 1)));
  return { inputs: sortedInputs, params: new Map([...values].sort(([a], [b]) => (a < b ? -1 : 1))), galaxies: [...galaxies].sort(compare) };
}

function compare(a: ParamValue, b: ParamValue): number {
  const na = Number(a);
  const nb = Number(b);
  if (typeof a !== 'string' && typeof b !== 'string') return na - nb;
  if (Number.isFinite(na) && Number.isFinite(nb) && a !== '' && b !== '') return na - nb;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/**
 * One line per failed galaxy and message, its sweep points together: `galaxy 205
 * (SN2018ex3), k=2, k=3: <what went wrong and what to do>` (the galaxy named once, when the
 * message names it too).
 */
function taskErrors(tasks: readonly TaskLine[]): string[] {
  const grouped = new Map<string, { galaxy: string; points: string[]; error: string }>();
  for (const t of tasks) {
    if (t.status !== 'failed') continue;
    const space = t.task.indexOf(' ');
    const galaxy = space < 0 ? t.task : t.task.slice(0, space);
    let point = '';
    try {
      point = Object.entries(JSON.parse(t.task.slice(space + 1)) as Record<string, ParamValue>).map(([a, v]) => `${a}=${v}`).join(' ');
    } catch {
      // a task id without a point
    }
    const error = t.error ?? 'failed';
    const key = `${galaxy}\u0000${error}`;
    const g = grouped.get(key) ?? { galaxy, points: [], error };
    grouped.set(key, g);
    if (point) g.points.push(point);
  }
  return [...grouped.values()].map((g) => {
    const points = g.points.length ? `, ${g.points.join(', ')}` : '';
    const colon = g.error.indexOf(': ');
    if (g.error.startsWith(`galaxy ${g.galaxy}`) && colon > 0) return `${g.error.slice(0, colon)}${points}: ${g.error.slice(colon + 2)}`;
    return `galaxy ${g.galaxy}${points}: ${g.error}`;
  });
}

/**
 * Rewrites absolute paths in a message that lie under the deepest folder holding the
 * project and its inputs as paths relative to the project (`../data/x.fits`), as the lock
 * and the crate name them; other absolute paths (a program, `/tmp`) stay as they are.
 */
function relativizer(dir: string, inputs: readonly string[]): (message: string) => string {
  let base = dir;
  for (const f of inputs.map((i) => path.dirname(path.resolve(dir, i)))) while (path.relative(base, f).startsWith('..')) base = path.dirname(base);
  if (base === path.parse(base).root) return (m) => m;
  const prefix = base.endsWith(path.sep) ? base : `${base}${path.sep}`;
  const paths = new RegExp(`${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\\s'"(),;]*`, 'g');
  // (a file name may hold a colon, CDP.2016-09-02T11:45:08.fits; one that ends the path is the message's)
  return (m) => m.replace(paths, (abs) => {
    const tail = /[:.]+$/.exec(abs)?.[0] ?? '';
    return `${toLockPath(dir, abs.slice(0, abs.length - tail.length))}${tail}`;
  });
}
