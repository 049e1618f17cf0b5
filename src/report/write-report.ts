/**
 * Builds report.html from a folder of results: shared by the `report` stage (the end of
 * `run`) and the `sfh-pipeline report` command, so both give the same bytes. The report
 * scans the folder's result FITS, so it also covers earlier runs (and works on a folder of
 * results alone, with no cache).
 */
import { readFileSync, statSync } from 'node:fs';
import { removeStaleTemps, writeFileAtomic } from '../cache/atomic.ts';
import type { ReportSection } from '../stage.ts';
import { reportHtml, type ReportGalaxy } from './html.ts';
import { drawGroupMap, drawKChoice, drawSfhPlot, findResults, picturePaths, readResult, type Thresholds } from './plots/index.ts';
import { summaryRow } from './summary.ts';

/**
 * Builds the report of every result in `dir` and writes it to `file`. Pictures next to a
 * result are used when they are at least as new as it; otherwise (results from before
 * the plot stage, or stale ones) they are drawn in memory, as is each k-choice plot (the
 * `summarise` stage writes those files). `sections` come from catalog-level stages (a DTD
 * fit) and follow the index.
 */
export function writeReport(dir: string, file: string, thresholds: Thresholds, snTypes: ReadonlyMap<string, string>, tool: string, sections: readonly ReportSection[] = []): { galaxies: number; results: number } {
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
    const first = mine[0];
    galaxies.push({ id, sn: first?.snName ?? '', snType, results, kChoicePng: first ? drawKChoice(id, first.snName, mine).png : null });
  }
  const images = new Map<string, Buffer>();
  for (const s of sections) for (const i of s.images ?? []) images.set(i.file, readFileSync(i.file));
  removeStaleTemps(file);
  writeFileAtomic(file, reportHtml(galaxies, { folder: dir, tool, thresholds }, sections, images));
  return { galaxies: galaxies.length, results: entries.length };
}

function fresh(picture: string, result: string): Buffer | undefined {
  try {
    return statSync(picture).mtimeMs >= statSync(result).mtimeMs ? readFileSync(picture) : undefined;
  } catch {
    return undefined;
  }
}
