/**
 * The plain log: one greppable line per event, for CI, pipes and log files, and the
 * closing summary. Subscribes to the engine's events; writes to the stream it is given.
 */
import type { EngineEmitter, InstanceResult, TaskResult } from '../engine/events.ts';
import { CATALOG_ROW } from '../pipeline/analyse.ts';
import type { Excluded, ParamValue } from '../stage.ts';
import { describeFailure, stackOf } from './failure.ts';

/** Formats a duration for a person. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Prints a line per finished stage instance, warning and failure on `out`. */
export function attachPlainLog(events: EngineEmitter, out: NodeJS.WritableStream, verbose = false): void {
  events.on('instance-end', (r) => {
    if (r.status === 'upstream-failed' || r.status === 'cancelled') return;
    if (r.status === 'skipped' && !r.ms && !verbose) return;
    const tail = r.status === 'failed' ? `: ${r.failure ? describeFailure(r.failure) : ''}` : r.status === 'skipped' ? `: ${r.skipReason ?? ''}` : '';
    out.write(`${r.instance.id} ${r.status} ${formatMs(r.ms)}${tail}\n`);
    const stack = verbose ? stackOf(r.failure) : undefined;
    if (stack) out.write(`${stack}\n`);
  });
  events.on('instance-warning', (inst, message) => out.write(`${inst.id} warning: ${message}\n`));
}

/**
 * The closing summary: counts, then each failed galaxy, then each skipped one, once, with the
 * sweep points it has (`k=2..8`), the stage it ended at and the reason: one line per galaxy
 * and cause, however many points it has.
 */
export function summaryLines(results: readonly TaskResult[]): string[] {
  const count = (s: string) => results.filter((r) => r.status === s).length;
  const cached = results.filter((r) => r.status === 'ok' && r.instances.every((i) => i.status === 'cached')).length;
  const lines = [`tasks: ${count('ok')} ok (${cached} fully cached), ${count('failed')} failed, ${count('skipped')} skipped, ${results.length} in all`];
  for (const status of ['failed', 'skipped'] as const) {
    const groups = new Map<string, { galaxy: string; stage: string; reason: string; points: Record<string, ParamValue>[] }>();
    for (const r of results) {
      if (r.status !== status) continue;
      const galaxy = `${r.task.row.id} ${r.task.row.fields['SN Name'] ?? ''}`.trim();
      const stage = endedAt(r);
      const reason = status === 'failed' ? (r.failure ? describeFailure(r.failure) : '') : (r.skipReason ?? '');
      const key = JSON.stringify([galaxy, stage, reason]);
      const g = groups.get(key) ?? { galaxy, stage, reason, points: [] };
      g.points.push(r.task.point);
      groups.set(key, g);
    }
    for (const g of groups.values()) {
      const points = pointsText(g.points);
      lines.push(`  ${status === 'failed' ? 'failed ' : 'skipped'} ${g.galaxy}${points ? ` (${points})` : ''}${g.stage ? ` at ${g.stage}` : ''}: ${g.reason}`);
    }
  }
  return lines;
}

/**
 * The stage a task that did not end well ended at: the instance that failed, or the first
 * that was skipped (instances are in execution order: the one that decided to skip). None
 * for a task that never started (a Slurm element lost, a cancelled run).
 */
function endedAt(r: TaskResult): string {
  const root = r.instances.find((i) => i.status === (r.status === 'failed' ? 'failed' : 'skipped'));
  return root?.instance.stage.name ?? '';
}

/**
 * Sweep points in words: each axis's values, as a range where they run on without a gap
 * (`k=2..8`, `k=2..4 seed=0,1`) when the points are every combination; else each point.
 */
export function pointsText(points: readonly Readonly<Record<string, ParamValue>>[]): string {
  const axes = [...new Set(points.flatMap((p) => Object.keys(p)))];
  if (!axes.length) return '';
  const values = axes.map((a) => [...new Set(points.map((p) => p[a]))].sort((x, y) => (typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : 1)));
  const grid = values.reduce((n, v) => n * v.length, 1) === new Set(points.map((p) => JSON.stringify(axes.map((a) => p[a])))).size;
  if (!grid) return points.map((p) => axes.map((a) => `${a}=${p[a]}`).join(' ')).join(', ');
  return axes.map((a, i) => `${a}=${valuesText(values[i] ?? [])}`).join(' ');
}

function valuesText(values: readonly (ParamValue | undefined)[]): string {
  const ints = values.every((v) => typeof v === 'number' && Number.isInteger(v));
  const n = values as number[];
  if (ints && n.length > 2 && n.every((v, i) => i === 0 || v === (n[i - 1] as number) + 1)) return `${n[0]}..${n.at(-1)}`;
  return values.map(String).join(',');
}

/**
 * After the summary lines: what each catalog-level stage says (`meta.print`, e.g. the
 * summary table), who it left out, and its failure. Printed for a cached stage as for one
 * that ran, so a rerun's end looks the same.
 */
export function catalogLines(results: readonly InstanceResult[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const print = r.catalog?.meta['print'];
    if (typeof print === 'string' && print) lines.push(print.replace(/\n$/, ''));
    const left = leftOutText(r.catalog?.excluded ?? []);
    if (left) {
      const n = r.catalog?.items ?? 0;
      // (a catalog-level stage it needs that did not end well is left out too, but is no item)
      const out = (r.catalog?.excluded ?? []).filter(isGalaxy).length;
      lines.push(`${r.instance.id}: ran over ${n - out} of ${n}; left out ${left}`);
    }
    if (r.status === 'failed' || r.status === 'upstream-failed') lines.push(`  failed  ${r.instance.id}: ${r.failure ? describeFailure(r.failure) : ''}`);
    if (r.status === 'cancelled') lines.push(`  not run ${r.instance.id}: ${r.failure?.message ?? 'cancelled'}`);
  }
  return lines;
}

/** An exclusion of a galaxy (not of a catalog-level stage the instance needs). */
const isGalaxy = (e: { readonly galaxy: string }): boolean => e.galaxy !== CATALOG_ROW.id;

/** Galaxies whose exclusions a catalog-level line names one by one; beyond, it counts them. */
const NAMED = 5;

/**
 * Who a catalog-level instance left out, in words: each galaxy at its points with how and
 * why, when there are a few (`205 (k=2, k=3): failed at load-cubes (...)`); else counts by
 * how and where, with one galaxy's reason for each (the summary lines above list them all).
 */
function leftOutText(excluded: readonly Excluded[]): string {
  const why = (e: Excluded) => `${e.status}${e.status === 'skipped' ? '' : ` at ${e.instance.replace(/\[.*$/, '')}`}`;
  const galaxies = new Set(excluded.filter(isGalaxy).map((e) => e.galaxy));
  if (galaxies.size <= NAMED) {
    // A galaxy left out at every point for one reason is one entry, as in the summary lines;
    // a catalog-level stage it needs that did not end well is no galaxy: it is named by its instance.
    const left = new Map<string, string[]>();
    for (const e of excluded) {
      const key = isGalaxy(e) ? `${e.galaxy}: ${why(e)} (${e.reason})` : `${e.instance}: ${e.status} (${e.reason})`;
      left.set(key, [...(left.get(key) ?? []), ...Object.entries(e.point).map(([a, v]) => `${a}=${v}`)]);
    }
    return [...left].map(([key, points]) => (points.length ? key.replace(':', ` (${[...new Set(points)].join(', ')}):`) : key)).join('; ');
  }
  const groups = new Map<string, { items: number; galaxies: Set<string>; example: Excluded }>();
  for (const e of excluded) {
    const key = isGalaxy(e) ? why(e) : `${e.instance}: ${e.status}`;
    const g = groups.get(key) ?? { items: 0, galaxies: new Set<string>(), example: e };
    g.items++;
    g.galaxies.add(e.galaxy);
    groups.set(key, g);
  }
  const parts = [...groups].sort((a, b) => b[1].items - a[1].items).map(([key, g]) => (!isGalaxy(g.example) ? `${key} (${g.example.reason})` : `${g.items} ${key} (${g.galaxies.size} ${g.galaxies.size === 1 ? 'galaxy' : 'galaxies'}; e.g. ${g.example.galaxy}: ${g.example.reason})`));
  return `${excluded.length} (${galaxies.size} galaxies): ${parts.join('; ')}; every galaxy is listed in the lines above`;
}

/** One line per corrupt cache entry a run met (it recomputed what the entry held). */
export function cacheProblemLines(problems: readonly { readonly reason?: string; readonly file?: string; readonly detail?: string }[]): string[] {
  return problems.map((p) => `cache: ${p.reason} ${p.file}: ${p.detail} (recomputed)`);
}
