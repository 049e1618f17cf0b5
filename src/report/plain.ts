/**
 * The plain log: one greppable line per event, for CI, pipes and log files, and the
 * closing summary. Subscribes to the engine's events; writes to the stream it is given.
 */
import type { EngineEmitter, InstanceResult, TaskResult } from '../engine/events.ts';
import { CATALOG_ROW } from '../pipeline/analyse.ts';
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

/** The closing summary: counts, then each failure's galaxy and reason. */
export function summaryLines(results: readonly TaskResult[]): string[] {
  const count = (s: string) => results.filter((r) => r.status === s).length;
  const cached = results.filter((r) => r.status === 'ok' && r.instances.every((i) => i.status === 'cached')).length;
  const lines = [`tasks: ${count('ok')} ok (${cached} fully cached), ${count('failed')} failed, ${count('skipped')} skipped, ${results.length} in all`];
  const skipped = new Map<string, string>();
  for (const r of results) {
    const galaxy = `${r.task.row.id} ${r.task.row.fields['SN Name'] ?? ''}`.trim();
    const at = `${galaxy}${Object.entries(r.task.point).map(([k, v]) => ` ${k}=${v}`).join('')}`;
    if (r.status === 'failed') lines.push(`  failed  ${at}: ${r.failure ? describeFailure(r.failure) : ''}`);
    // A galaxy skipped for one reason is one line, however many sweep points it has.
    if (r.status === 'skipped' && !skipped.has(galaxy)) skipped.set(galaxy, r.skipReason ?? '');
  }
  for (const [galaxy, reason] of skipped) lines.push(`  skipped ${galaxy}: ${reason}`);
  return lines;
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
    // A galaxy left out at every point for one reason is one entry, as in the summary lines.
    const left = new Map<string, string[]>();
    // (a catalog-level stage it needs that did not end well is left out too, but is no galaxy: it is named by its instance)
    const isGalaxy = (e: { galaxy: string }) => e.galaxy !== CATALOG_ROW.id;
    for (const e of r.catalog?.excluded ?? []) {
      const why = isGalaxy(e) ? `${e.galaxy}: ${e.status}${e.status === 'skipped' ? '' : ` at ${e.instance.replace(/\[.*$/, '')}`} (${e.reason})` : `${e.instance}: ${e.status} (${e.reason})`;
      left.set(why, [...(left.get(why) ?? []), ...Object.entries(e.point).map(([a, v]) => `${a}=${v}`)]);
    }
    if (left.size) {
      const n = r.catalog?.items ?? 0;
      const out = (r.catalog?.excluded ?? []).filter(isGalaxy).length;
      lines.push(`${r.instance.id}: ran over ${n - out} of ${n}; left out ${[...left].map(([why, points]) => (points.length ? why.replace(':', ` (${[...new Set(points)].join(', ')}):`) : why)).join('; ')}`);
    }
    if (r.status === 'failed' || r.status === 'upstream-failed') lines.push(`  failed  ${r.instance.id}: ${r.failure ? describeFailure(r.failure) : ''}`);
    if (r.status === 'cancelled') lines.push(`  not run ${r.instance.id}: ${r.failure?.message ?? 'cancelled'}`);
  }
  return lines;
}

/** One line per corrupt cache entry a run met (it recomputed what the entry held). */
export function cacheProblemLines(problems: readonly { readonly reason?: string; readonly file?: string; readonly detail?: string }[]): string[] {
  return problems.map((p) => `cache: ${p.reason} ${p.file}: ${p.detail} (recomputed)`);
}
