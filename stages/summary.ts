/**
 * summarise: a catalog-level stage (`over: catalog`). summary.csv in each output folder,
 * one row per result of the run (every selected galaxy at every k that ended well), each
 * galaxy's k-choice plot, and the summary table that `run` prints at its end. Its key is
 * the run's result FITS (through the write stage's output hashes), so an unchanged rerun
 * answers it from the cache and one more galaxy, or one changed result, reruns it. A rerun
 * redraws only the k-choice plots whose points changed: each PNG carries the digest of what
 * it was drawn from (src/report/plots/kchoice-digest.ts, docs/report.md).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Galaxy } from '../src/catalog/galaxy.ts';
import type { FanInItemContext, StageContext, StageInputContext, StageOutput } from '../src/stage.ts';

interface Row {
  readonly galaxy: string;
  readonly sn: string;
  readonly snType: string;
  readonly fits: string;
}

/** The run's result FITS, in catalog order, with the galaxy each belongs to. */
function resultsOf(ctx: StageInputContext): Row[] {
  return (ctx.items ?? []).map((item: FanInItemContext) => {
    const galaxy = item.upstream.get('catalog').meta['galaxy'] as unknown as Galaxy;
    return { galaxy: galaxy.id, sn: galaxy.snName, snType: galaxy.snType ?? '', fits: String(item.upstream.get('write').meta['output']) };
  });
}

/**
 * Every result FITS in the output folders: summary.csv reads this run's, but a galaxy's
 * k-choice plot shows each of its results there, an earlier run's other k too, so all are
 * inputs (their hashes key the stage, and verify recomputes it from the same files).
 */
export function inputs(ctx: StageInputContext): string[] {
  const files: string[] = [];
  for (const dir of new Set(resultsOf(ctx).map((r) => path.dirname(r.fits)))) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      // a folder not made yet holds nothing
    }
    for (const n of names.sort()) if (!n.startsWith('.') && /\.fits$/i.test(n)) files.push(path.join(dir, n));
  }
  return files;
}

/** summary.csv of each output folder and the k-choice plot of each galaxy in it. */
export function outputs(ctx: StageInputContext): string[] {
  const files = new Set<string>();
  for (const r of resultsOf(ctx)) {
    const dir = path.dirname(r.fits);
    files.add(path.join(dir, 'summary.csv'));
    files.add(path.join(dir, `${r.galaxy}_${r.sn}_kchoice.png`));
  }
  return [...files];
}

/**
 * The most rows `run` prints as a table at its end; a larger run prints where the table is
 * (summary.csv, report.html) instead of a screen of lines per galaxy.
 */
const PRINT_ROWS = 60;

/**
 * Writes the CSVs and the k-choice plots; `meta.print` is the table `run` prints after its
 * summary lines. Each file of a folder is read once: this run's results in full (their rows
 * and k-choice points), the others' headers (an earlier run's k on the k-choice plot).
 * Reading the folder again per galaxy made this stage quadratic in the catalog (181 s at
 * 400 galaxies).
 */
export async function run(ctx: StageContext): Promise<StageOutput> {
  const { compareEntries, compareGalaxies, drawKChoice, entryOf, fitsFilesIn, kChoiceCurrent, kChoiceDigest, kChoicePath, readEntry, readResult } = await import('../src/report/plots/index.ts');
  const { writeFileAtomic } = await import('../src/cache/atomic.ts');
  const { summaryRow, summaryTable, writeSummaryCsv } = await import('../src/report/summary.ts');
  const thresholds = { maxPsfSigma: Number(ctx.params['maxPsfSigma']), minGrouped: Number(ctx.params['minGrouped']) };
  // The rule load-cubes took the SN pixel (SNPIXX/Y, SNGROUP) by, the one the DTD fit uses too.
  const snPixelRule = String(ctx.params['snPixel']);
  type SummaryRow = ReturnType<typeof summaryRow>;
  type Entry = ReturnType<typeof entryOf>;
  const mine = new Map<string, Map<string, Row>>();
  for (const r of resultsOf(ctx)) {
    const dir = path.dirname(r.fits);
    const inDir = mine.get(dir) ?? new Map<string, Row>();
    mine.set(dir, inDir.set(r.fits, r));
  }
  const files: string[] = [];
  let print = '';
  let rowCount = 0;
  for (const [dir, run] of mine) {
    // One read per file: this run's results in full (their rows), the others' headers.
    const rows: SummaryRow[] = [];
    const entries: Entry[] = [];
    for (const file of fitsFilesIn(dir)) {
      const r = run.get(file);
      if (r) {
        const result = readResult(file);
        rows.push(summaryRow(result, thresholds, r.snType, snPixelRule));
        entries.push(entryOf(result));
      } else {
        const e = readEntry(file);
        if (e) entries.push(e);
      }
    }
    const runGalaxies = new Set(rows.map((row) => row.galaxy));
    const byGalaxy = new Map<string, Entry[]>();
    for (const e of entries) if (runGalaxies.has(e.galaxy)) byGalaxy.set(e.galaxy, [...(byGalaxy.get(e.galaxy) ?? []), e]);
    rows.sort((a, b) => compareGalaxies(a.galaxy, b.galaxy) || a.k - b.k || (a.seed ?? 0) - (b.seed ?? 0));
    const csv = path.join(dir, 'summary.csv');
    writeSummaryCsv(csv, rows);
    files.push(csv);
    for (const galaxy of [...byGalaxy.keys()].sort(compareGalaxies)) {
      const points = [...(byGalaxy.get(galaxy) ?? [])].sort(compareEntries);
      const first = points[0]!;
      const file = kChoicePath(dir, galaxy, first.snName);
      files.push(file);
      // A plot whose PNG carries the digest of these very points (and of the drawing code,
      // fonts and libraries) is what a redraw would give: kept (kchoice-digest.ts).
      if (kChoiceCurrent(file, kChoiceDigest(galaxy, first.snName, points))) continue;
      writeFileAtomic(file, drawKChoice(galaxy, first.snName, points).png);
      // A canvas's native memory is returned only when the event loop turns after it is
      // collected: without this, 179 plots drawn in one go held ~300 MB until the stage ended.
      await new Promise((resolve) => setImmediate(resolve));
    }
    rowCount += rows.length;
    print +=
      rows.length <= PRINT_ROWS
        ? `\nsummary (${csv}):\n${summaryTable(rows).map((l) => `  ${l}`).join('\n')}\n`
        : `\nsummary: ${csv} (${rows.length} rows; the table is there and in report.html, too long to print)\n`;
  }
  // (who was left out is the engine's to report: run prints it, --json lists it)
  return { meta: { print, rows: rowCount }, files };
}
