/**
 * summarise: a catalog-level stage (`over: catalog`). summary.csv in each output folder,
 * one row per result of the run (every selected galaxy at every k that ended well), each
 * galaxy's k-choice plot, and the summary table that `run` prints at its end. Its key is
 * the run's result FITS (through the write stage's output hashes), so an unchanged rerun
 * answers it from the cache and one more galaxy, or one changed result, reruns it.
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

/** Writes the CSVs and the k-choice plots; `meta.print` is the table `run` prints after its summary lines. */
export async function run(ctx: StageContext): Promise<StageOutput> {
  const { existsSync } = await import('node:fs');
  const { compareGalaxies, readResult, writeKChoice } = await import('../src/report/plots/index.ts');
  const { summaryRow, summaryTable, writeSummaryCsv } = await import('../src/report/summary.ts');
  const thresholds = { maxPsfSigma: Number(ctx.params['maxPsfSigma']), minGrouped: Number(ctx.params['minGrouped']) };
  // The rule load-cubes took the SN pixel (SNPIXX/Y, SNGROUP) by, the one the DTD fit uses too.
  const snPixelRule = String(ctx.params['snPixel']);
  type SummaryRow = ReturnType<typeof summaryRow>;
  const byDir = new Map<string, SummaryRow[]>();
  const seen = new Set<string>();
  for (const r of resultsOf(ctx)) {
    if (seen.has(r.fits) || !existsSync(r.fits)) continue;
    seen.add(r.fits);
    const dir = path.dirname(r.fits);
    byDir.set(dir, [...(byDir.get(dir) ?? []), summaryRow(readResult(r.fits), thresholds, r.snType, snPixelRule)]);
  }
  const files: string[] = [];
  let print = '';
  for (const [dir, rows] of byDir) {
    rows.sort((a, b) => compareGalaxies(a.galaxy, b.galaxy) || a.k - b.k || (a.seed ?? 0) - (b.seed ?? 0));
    const csv = path.join(dir, 'summary.csv');
    writeSummaryCsv(csv, rows);
    files.push(csv);
    for (const galaxy of new Set(rows.map((row) => row.galaxy))) {
      const k = writeKChoice(dir, galaxy);
      if (k) files.push(k.file);
    }
    print += `\nsummary (${csv}):\n${summaryTable(rows).map((l) => `  ${l}`).join('\n')}\n`;
  }
  // (who was left out is the engine's to report: run prints it, --json lists it)
  return { meta: { print, rows: seen.size }, files };
}
