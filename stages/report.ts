/**
 * report: a catalog-level stage (`over: catalog`). report.html in each output folder: how
 * the results were made, the galaxies the run left out and why, a sortable table of every
 * result there (earlier runs' too, as `sfh-pipeline report` shows them) linking the
 * pictures next to it, each galaxy's k-choice plot and one section per catalog-level stage
 * it needs whose output offers one (`meta.report`, a {@link ReportSection}: how a DTD fit
 * adds its table and corner plot). Beside it, report-run.json keeps the run's selection,
 * who was left out and the sections, so `sfh-pipeline report` can write the same page again
 * from the folder alone. Every result FITS in the folder is an input, so the page is
 * rewritten exactly when a result it shows changed.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { ReportSection, StageContext, StageInputContext, StageOutput } from '../src/stage.ts';

/** The output folders of the run's results. */
function foldersOf(ctx: StageInputContext): string[] {
  return [...new Set((ctx.items ?? []).map((item) => path.dirname(String(item.upstream.get('write').meta['output']))))];
}

/**
 * Every result FITS in the folders, and the catalog (its SN types). The pictures are linked,
 * not read, so they are not inputs: a redrawn picture does not rewrite the page.
 */
export function inputs(ctx: StageInputContext): string[] {
  const files = [String(ctx.params['catalog'])];
  for (const dir of foldersOf(ctx)) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      // a folder not made yet has nothing to show
    }
    for (const n of names.sort()) if (!n.startsWith('.') && /\.fits$/i.test(n)) files.push(path.join(dir, n));
  }
  return files;
}

/** report.html and report-run.json of each folder. */
export function outputs(ctx: StageInputContext): string[] {
  return foldersOf(ctx).flatMap((dir) => [path.join(dir, 'report.html'), path.join(dir, 'report-run.json')]);
}

/** Writes the pages; `meta.print` says where they are. */
export async function run(ctx: StageContext): Promise<StageOutput> {
  const { readCatalog } = await import('../src/catalog/read.ts');
  const { writeReport, writeRunRecord } = await import('../src/report/write-report.ts');
  const { leftOutOf } = await import('../src/report/left-out.ts');
  const thresholds = { maxPsfSigma: Number(ctx.params['maxPsfSigma']), minGrouped: Number(ctx.params['minGrouped']) };
  const types = new Map<string, string>();
  try {
    for (const row of readCatalog(String(ctx.params['catalog']))) if (row.fields['SN Type']) types.set(row.id, row.fields['SN Type']);
  } catch {
    // an unreadable catalog only costs the report its SN types (the catalog stage says why)
  }
  const sections = (ctx.catalog ?? []).flatMap((c) => (c.output.meta['report'] ? [c.output.meta['report'] as unknown as ReportSection] : []));
  const items = ctx.items ?? [];
  const excluded = ctx.excluded ?? [];
  const run = {
    galaxies: new Set([...items.map((i) => i.row.id), ...excluded.filter((e) => e.galaxy !== 'all').map((e) => e.galaxy)]).size,
    points: pointsOf([...items.map((i) => i.point), ...excluded.map((e) => e.point)]),
    leftOut: leftOutOf(excluded),
    // (the page shows the whole folder; these are the ones this run made or confirmed)
    results: [...new Set(items.map((i) => path.basename(String(i.upstream.get('write').meta['output']))))].sort(),
    // (the run's date and command: in no key, recorded in the lock, given back by verify)
    ...(ctx.run.started ? { started: ctx.run.started } : {}),
    ...(ctx.run.command ? { command: ctx.run.command } : {}),
  };
  const files: string[] = [];
  let print = '';
  for (const dir of foldersOf(ctx)) {
    const file = path.join(dir, 'report.html');
    const written = writeReport(dir, file, { thresholds, snTypes: types, tool: `sfh-pipeline ${ctx.run.version}`, sections, run });
    files.push(file, writeRunRecord(dir, { run, sections }));
    print += `report: ${file} (${plural(written.galaxies, 'galaxy', 'galaxies')}, ${plural(written.results, 'result', 'results')})\n`;
  }
  return { meta: { print }, files };
}

/** The sweep's points in words (`k=2`, ..., `k=8`), each once, in numeric order. */
function pointsOf(points: readonly Readonly<Record<string, unknown>>[]): string[] {
  const words = new Set(points.map((p) => Object.entries(p).map(([a, v]) => `${a}=${String(v)}`).join(' ')).filter(Boolean));
  return [...words].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
