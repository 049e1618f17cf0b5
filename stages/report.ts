/**
 * report: a catalog-level stage (`over: catalog`). report.html in each output folder: the
 * index of every result there (earlier runs' too, as `sfh-pipeline report` shows them),
 * every picture, each galaxy's k-choice plot and one section per catalog-level stage it
 * needs whose output offers one (`meta.report`, a {@link ReportSection}: how a DTD fit adds
 * its table and corner plot). Every result FITS and picture in the folder is an input, so
 * the page is rewritten exactly when something it shows changed.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { ReportSection, StageContext, StageInputContext, StageOutput } from '../src/stage.ts';

/** The output folders of the run's results. */
function foldersOf(ctx: StageInputContext): string[] {
  return [...new Set((ctx.items ?? []).map((item) => path.dirname(String(item.upstream.get('write').meta['output']))))];
}

/** Every result FITS and per-result picture in the folders, and the catalog (its SN types). */
export function inputs(ctx: StageInputContext): string[] {
  const files = [String(ctx.params['catalog'])];
  for (const dir of foldersOf(ctx)) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      // a folder not made yet has nothing to show
    }
    // (k-choice plots are drawn from the FITS, not read: they are not inputs)
    for (const n of names.sort()) if (!n.startsWith('.') && (/\.fits$/i.test(n) || /_(map|sfh)\.png$/.test(n))) files.push(path.join(dir, n));
  }
  return files;
}

/** report.html of each folder. */
export function outputs(ctx: StageInputContext): string[] {
  return foldersOf(ctx).map((dir) => path.join(dir, 'report.html'));
}

/** Writes the pages; `meta.print` says where they are. */
export async function run(ctx: StageContext): Promise<StageOutput> {
  const { readCatalog } = await import('../src/catalog/read.ts');
  const { writeReport } = await import('../src/report/write-report.ts');
  const thresholds = { maxPsfSigma: Number(ctx.params['maxPsfSigma']), minGrouped: Number(ctx.params['minGrouped']) };
  const types = new Map<string, string>();
  try {
    for (const row of readCatalog(String(ctx.params['catalog']))) if (row.fields['SN Type']) types.set(row.id, row.fields['SN Type']);
  } catch {
    // an unreadable catalog only costs the report its SN types (the catalog stage says why)
  }
  const sections = (ctx.catalog ?? []).flatMap((c) => (c.output.meta['report'] ? [c.output.meta['report'] as unknown as ReportSection] : []));
  const files: string[] = [];
  let print = '';
  for (const dir of foldersOf(ctx)) {
    const file = path.join(dir, 'report.html');
    const written = writeReport(dir, file, thresholds, types, `sfh-pipeline ${ctx.run.version}`, sections);
    files.push(file);
    print += `report: ${file} (${plural(written.galaxies, 'galaxy', 'galaxies')}, ${plural(written.results, 'result', 'results')})\n`;
  }
  return { meta: { print }, files };
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
