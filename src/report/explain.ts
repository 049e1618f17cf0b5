/**
 * What `explain` prints: by default a summary that stays readable at 500 galaxies (per
 * stage, how many instances are cached, skipped and would run, each group by its reason:
 * `cluster  1253 cached, 179 would run: param k 8 -> 9`), or one line per instance
 * (`--all`, or a selection of a few galaxies).
 */
import type { Explanation } from '../engine/explain.ts';

/** Reasons shown per stage and state in the summary; the rest are counted. */
const REASONS = 3;

/** One line per instance: `cluster[122 k=5]  would run: param k 4 -> 5`, then the totals. */
export function explainLines(explained: readonly Explanation[]): string[] {
  const width = Math.max(0, ...explained.map((e) => e.instance.id.length));
  const lines = explained.map((e) => `${e.instance.id.padEnd(width)}  ${e.state === 'cached' ? 'cached' : `${e.state === 'skipped' ? 'skipped' : 'would run'}: ${e.reasons.join('; ')}`}`);
  return [...lines, totals(explained)];
}

/**
 * Per stage (in plan order), its instances by state, and the skipped and would-run ones by
 * reason, most frequent first; reasons that name a galaxy's file or the galaxy itself are
 * grouped by their kind (`input ... changed`, `galaxies' write would run`).
 */
export function explainSummary(explained: readonly Explanation[]): string[] {
  const stages = new Map<string, Explanation[]>();
  for (const e of explained) stages.set(e.instance.stage.name, [...(stages.get(e.instance.stage.name) ?? []), e]);
  const width = Math.max(0, ...[...stages.keys()].map((s) => s.length));
  const lines: string[] = [];
  for (const [stage, mine] of stages) {
    const parts: string[] = [];
    const cached = mine.filter((e) => e.state === 'cached').length;
    if (cached) parts.push(`${cached} cached`);
    for (const state of ['skipped', 'would-run'] as const) {
      const these = mine.filter((e) => e.state === state);
      if (!these.length) continue;
      // By how many instances have a reason; a catalog-level stage (one instance) by how many of its galaxies do.
      const one = these.length === 1;
      const byReason = new Map<string, number>();
      for (const e of these) for (const r of one ? e.reasons.map(reasonKind) : new Set(e.reasons.map(reasonKind))) byReason.set(r, (byReason.get(r) ?? 0) + 1);
      const top = [...byReason].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      const shown = top.slice(0, REASONS).map(([r, n]) => (n === these.length ? r : `${r} (${n})`));
      if (top.length > REASONS) shown.push(`${top.length - REASONS} more reason${top.length - REASONS === 1 ? '' : 's'}`);
      parts.push(`${these.length} ${state === 'skipped' ? 'skipped' : 'would run'}: ${shown.join('; ')}`);
    }
    lines.push(`${stage.padEnd(width)}  ${parts.join('; ')}`);
  }
  return [...lines, `${totals(explained)} (one line per instance: --all, or --galaxy with a few galaxies)`];
}

function totals(explained: readonly Explanation[]): string {
  const n = (s: Explanation['state']) => explained.filter((e) => e.state === s).length;
  return `${n('cached')} cached, ${n('skipped')} skipped, ${n('would-run')} would run`;
}

/**
 * A reason as the summary groups it: what names one galaxy (a file, the galaxy in a
 * catalog-level reason, the instance a skip came from, the SN's file in a skip) is taken out.
 */
export function reasonKind(reason: string): string {
  return reason
    .replace(/^([^[\s]+)\[[^\]]*\] skipped: /, '$1 skipped: ')
    .replace(/^galaxy all(?: \w+=\S+)*: /, '')
    .replace(/^galaxy \S+(?: \w+=\S+)*: /, "galaxies' ")
    .replace(/\bgalaxy [^\s:,;)]+/g, 'galaxy <id>')
    .replace(/^(input|output) \S+ /, '$1 ... ')
    .replace(/\b[\w.+-]+\.fits\b/g, '<file>.fits')
    .replace(/\(SN type [^:)]*:/, '(SN type ...:');
}
