/**
 * The manifest of a catalog-level shell stage: what a module stage gets as `ctx.items`,
 * as a TSV file a script reads with awk, pandas or `csv.DictReader(delimiter='\t')`. One
 * header line, then one line per galaxy and gathered point that ended well:
 *
 *   galaxy  sn  <gathered axes, e.g. k>  <one column per per-galaxy need: the first file it wrote>
 *
 * and a second file of the ones left out (galaxy, axes, status, instance, reason). Both are
 * written to a private temporary folder (temporary name, then rename) and removed after
 * the command; their paths are `{manifest}` and $SFH_MANIFEST, and $SFH_EXCLUDED.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../cache/atomic.ts';
import { UserError } from '../../errors.ts';
import type { StageDecl } from '../../pipeline/types.ts';
import type { Gathered } from '../context.ts';

/** Where the manifests of one command were written. */
export interface Manifests {
  readonly manifest: string;
  readonly excluded: string;
  /** Lines of the manifest (without its header). */
  readonly items: number;
}

/** Writes the manifest and the excluded list of a catalog-level instance. */
export function writeManifests(decl: StageDecl, gathered: Pick<Gathered, 'items' | 'excluded'>): Manifests {
  const { items, excluded: left } = gathered;
  const axes = [...new Set([...items, ...left].flatMap((i) => Object.keys(i.point)))].sort();
  // Only per-galaxy needs have a file per galaxy; catalog-level ones are not in the table.
  const needs = decl.needs.filter((n) => items.every((i) => hasStage(i.upstream, n)));
  const lines = [['galaxy', 'sn', ...axes, ...needs]];
  for (const item of items) {
    let sn = '';
    for (const need of needs) {
      const g = item.upstream.get(need).meta['galaxy'];
      if (g && typeof g === 'object' && !Array.isArray(g) && typeof g['snName'] === 'string') sn = g['snName'];
    }
    lines.push([item.row.id, sn, ...axes.map((a) => String(item.point[a] ?? '')), ...needs.map((n) => item.upstream.get(n).files?.[0] ?? '')]);
  }
  const lost = [['galaxy', ...axes, 'status', 'instance', 'reason']];
  for (const e of left) lost.push([e.galaxy, ...axes.map((a) => String(e.point[a] ?? '')), e.status, e.instance, e.reason.replace(/\s+/g, ' ')]);
  const dir = mkdtempSync(path.join(os.tmpdir(), `sfh-${decl.name}-`));
  const manifest = path.join(dir, 'manifest.tsv');
  const excluded = path.join(dir, 'excluded.tsv');
  writeFileAtomic(manifest, tsv(lines, decl.name));
  writeFileAtomic(excluded, tsv(lost, decl.name));
  return { manifest, excluded, items: items.length };
}

function hasStage(upstream: { get(stage: string): unknown }, stage: string): boolean {
  try {
    upstream.get(stage);
    return true;
  } catch {
    return false;
  }
}

/** TSV text; a tab or line break inside a value would shift the columns, so it is refused. */
function tsv(rows: readonly (readonly string[])[], stage: string): string {
  for (const row of rows) {
    for (const cell of row) {
      if (/[\t\r\n]/.test(cell)) throw new UserError('bad-input', `stage \`${stage}\`: the manifest value ${JSON.stringify(cell)} holds a tab or a line break`, 'rename the file or fix the catalog value so the manifest stays one line per galaxy');
    }
  }
  return rows.map((r) => r.join('\t')).join('\n') + '\n';
}
