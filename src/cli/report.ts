/**
 * `sfh-pipeline report`, and what `run` does after its tasks: summary.csv and the summary
 * table, each galaxy's k-choice plot, and the self-contained HTML report. The report scans
 * the output folder's result FITS, so it also covers earlier runs (and works on a folder
 * of results alone, with no cache).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { removeStaleTemps, writeFileAtomic } from '../cache/atomic.ts';
import { readRun } from '../cache/runs.ts';
import { readCatalog } from '../catalog/read.ts';
import type { TaskResult } from '../engine/events.ts';
import { UserError } from '../errors.ts';
import { resolveParams } from '../pipeline/params.ts';
import { reportHtml, type ReportGalaxy } from '../report/html.ts';
import { compareGalaxies, DEFAULT_THRESHOLDS, drawGroupMap, drawSfhPlot, findResults, picturePaths, readResult, writeKChoice, type Thresholds } from '../report/plots/index.ts';
import { summaryRow, summaryTable, writeSummaryCsv, type SummaryRow } from '../report/summary.ts';
import type { ParamValue } from '../stage.ts';
import { VERSION } from './help.ts';
import { overridesOf, pipelineFile } from './plan.ts';

/** Options of `sfh-pipeline report`. */
export interface ReportValues {
  pipeline?: string;
  out?: string;
  file?: string;
  catalog?: string;
  set?: string[];
}

/** Writes the HTML report of a folder of results; resolves with the exit status. */
export async function commandReport(v: ReportValues): Promise<number> {
  // (imported here: the parser and its yaml library are not needed after a run)
  const pipeline = (await import('../pipeline/load.ts')).loadPipeline(pipelineFile(v.pipeline));
  const values = resolveParams(pipeline, overridesOf({ ...(v.out ? { out: v.out } : {}), ...(v.catalog ? { catalog: v.catalog } : {}), ...(v.set ? { set: v.set } : {}) }), process.cwd());
  const dir = String(values.get('out')?.[0] ?? 'out/GroupMap');
  if (!existsSync(dir)) throw new UserError('missing-input', `no folder ${dir}`, 'run the pipeline first, or pass --out DIR (the folder of the result FITS)');
  const file = path.resolve(v.file ?? path.join(dir, 'report.html'));
  const written = writeReport(dir, file, thresholdsOf(values), snTypesOf(values));
  if (written.results === 0) throw new UserError('missing-input', `no result FITS (TYPE = 'Group Map' with SFHVER) in ${dir}`, 'run the pipeline first, or pass --out DIR (the folder of the result FITS)');
  process.stderr.write(`report: ${file} (${plural(written.galaxies, 'galaxy', 'galaxies')}, ${plural(written.results, 'result', 'results')})\n`);
  return 0;
}

/**
 * After a run: summary.csv in each output folder (the run's ok tasks), the table on `log`,
 * each run galaxy's k-choice plot, and (unless `report` is false) report.html. After
 * `--resume` (`resumedFrom`: the record of the run resumed) the summary also has the tasks
 * that run finished. A problem here is printed and does not change the run's exit status:
 * the results are all written.
 */
export function afterRun(results: readonly TaskResult[], values: ReadonlyMap<string, readonly ParamValue[]>, opts: { report: boolean; resumedFrom?: string | undefined }, log: NodeJS.WritableStream): void {
  try {
    const thresholds = thresholdsOf(values);
    const types = snTypesOf(values);
    // The result FITS of the run's ok tasks, with their SN type.
    const done = new Map<string, string>();
    for (const r of results) {
      const fits = r.status === 'ok' ? (r.instances.flatMap((i) => i.files).find((f) => /\.fits$/i.test(f)) ?? r.output) : undefined;
      if (fits) done.set(fits, r.task.row.fields['SN Type'] ?? '');
    }
    // A resumed run continues the run it resumes: its summary covers the tasks done before too.
    const earlier = opts.resumedFrom ? readRun(opts.resumedFrom) : undefined;
    for (const t of earlier?.tasks.values() ?? []) {
      if (t.status === 'ok' && t.output && /\.fits$/i.test(t.output) && !done.has(t.output)) done.set(t.output, types.get(t.task.slice(0, t.task.indexOf(' '))) ?? '');
    }
    const byDir = new Map<string, SummaryRow[]>();
    for (const [fits, snType] of done) {
      if (!existsSync(fits)) continue;
      const row = summaryRow(readResult(fits), thresholds, snType);
      const dir = path.dirname(fits);
      byDir.set(dir, [...(byDir.get(dir) ?? []), row]);
    }
    for (const [dir, rows] of byDir) {
      rows.sort((a, b) => compareGalaxies(a.galaxy, b.galaxy) || a.k - b.k || (a.seed ?? 0) - (b.seed ?? 0));
      const csv = path.join(dir, 'summary.csv');
      writeSummaryCsv(csv, rows);
      for (const row of rows) if (row.snType) types.set(row.galaxy, row.snType);
      log.write(`\nsummary (${csv}):\n${summaryTable(rows).map((l) => `  ${l}`).join('\n')}\n`);
      if (opts.report) {
        // The report draws every galaxy's k-choice plot on its way.
        const file = path.join(dir, 'report.html');
        if (reportIsCurrent(dir, file)) {
          log.write(`report: ${file} is up to date\n`);
          continue;
        }
        const written = writeReport(dir, file, thresholds, types);
        log.write(`report: ${file} (${plural(written.galaxies, 'galaxy', 'galaxies')}, ${plural(written.results, 'result', 'results')})\n`);
      } else {
        for (const galaxy of new Set(rows.map((row) => row.galaxy))) writeKChoice(dir, galaxy);
      }
    }
  } catch (err) {
    log.write(`summary/report not written: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}

/**
 * True when `file` is newer than every result and picture in `dir`: a rerun that changed
 * nothing then does not re-read every result FITS and re-encode every picture of a catalog.
 */
function reportIsCurrent(dir: string, file: string): boolean {
  let made: number;
  try {
    made = statSync(file).mtimeMs;
  } catch {
    return false;
  }
  for (const name of readdirSync(dir)) {
    if (!/\.(fits|png)$/i.test(name)) continue;
    try {
      if (statSync(path.join(dir, name)).mtimeMs > made) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Builds the report of every result in `dir` and writes it to `file`. Pictures next to a
 * result are used when they are at least as new as it; otherwise (results from before
 * the plot stage, or stale ones) they are drawn in memory.
 */
export function writeReport(dir: string, file: string, thresholds: Thresholds, snTypes: ReadonlyMap<string, string>): { galaxies: number; results: number } {
  const entries = findResults(dir);
  const galaxies: ReportGalaxy[] = [];
  for (const id of [...new Set(entries.map((e) => e.galaxy))]) {
    const mine = entries.filter((e) => e.galaxy === id);
    const snType = snTypes.get(id) ?? '';
    const results = mine.map((e) => {
      const r = readResult(e.file);
      const flagsRow = summaryRow(r, thresholds, snType);
      const pics = picturePaths(e.file);
      const extra = { flags: flagsRow.flags, ...(snType ? { snType } : {}) };
      return { row: flagsRow, mapPng: fresh(pics.map, e.file) ?? drawGroupMap(r, extra).png, sfhPng: fresh(pics.sfh, e.file) ?? drawSfhPlot(r, extra).png };
    });
    galaxies.push({ id, sn: mine[0]?.snName ?? '', snType, results, kChoicePng: writeKChoice(dir, id)?.png ?? null });
  }
  removeStaleTemps(file);
  writeFileAtomic(file, reportHtml(galaxies, { folder: dir, tool: `sfh-pipeline ${VERSION}`, thresholds }));
  return { galaxies: galaxies.length, results: entries.length };
}

function fresh(picture: string, result: string): Buffer | undefined {
  try {
    return statSync(picture).mtimeMs >= statSync(result).mtimeMs ? readFileSync(picture) : undefined;
  } catch {
    return undefined;
  }
}

function thresholdsOf(values: ReadonlyMap<string, readonly ParamValue[]>): Thresholds {
  const get = (name: keyof Thresholds): number => {
    const v = Number(values.get(name)?.[0]);
    return Number.isFinite(v) ? v : DEFAULT_THRESHOLDS[name];
  };
  return { maxPsfSigma: get('maxPsfSigma'), minGrouped: get('minGrouped') };
}

/** SN types by galaxy id from the catalog, when it can be read (the FITS does not record them). */
function snTypesOf(values: ReadonlyMap<string, readonly ParamValue[]>): Map<string, string> {
  const types = new Map<string, string>();
  const catalog = values.get('catalog')?.[0];
  if (typeof catalog !== 'string' || !existsSync(catalog)) return types;
  try {
    for (const row of readCatalog(catalog)) if (row.fields['SN Type']) types.set(row.id, row.fields['SN Type']);
  } catch {
    // an unreadable catalog only costs the report its SN types
  }
  return types;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
