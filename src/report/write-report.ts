/**
 * Builds report.html from a folder of results: shared by the `report` stage (the end of
 * `run`) and the `sfh-pipeline report` command, so both give the same bytes. The report
 * scans the folder's result FITS, so it also covers earlier runs (and works on a folder of
 * results alone, with no cache). Each result is read once, and only its numbers are kept:
 * the page links the pictures next to it instead of holding them.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { removeStaleTemps, writeFileAtomic } from '../cache/atomic.ts';
import type { ReportSection } from '../stage.ts';
import { reportHtml, type ReportGalaxy, type ReportRun } from './html.ts';
import { drawKChoice, findResults, kChoicePath, picturePaths, readResult, writeResultPictures, type ResultEntry, type Thresholds } from './plots/index.ts';
import { summaryRow } from './summary.ts';

/** What a report shows besides the folder's results. */
export interface ReportOptions {
  readonly thresholds: Thresholds;
  /** SN types by galaxy id (the catalog's; the FITS does not record them). */
  readonly snTypes: ReadonlyMap<string, string>;
  /** `sfh-pipeline 0.1.0`. */
  readonly tool: string;
  /** Sections of catalog-level stages (a DTD fit), after the index. */
  readonly sections?: readonly ReportSection[];
  /** The run's selection and who it left out; null when not known. */
  readonly run?: ReportRun | null;
  /**
   * Draw the pictures a result lacks (or that are older than its FITS) and each galaxy's
   * missing k-choice plot, next to the results: `sfh-pipeline report` does, for folders
   * from older versions; the stage does not (the plot and summarise stages made them).
   */
  readonly drawMissing?: boolean;
}

/** The run record next to report.html: what `sfh-pipeline report` shows again from the folder. */
export const RUN_RECORD = 'report-run.json';

/** What {@link RUN_RECORD} holds. */
export interface RunRecordFile {
  readonly run: ReportRun;
  readonly sections: readonly ReportSection[];
}

/** Reads the folder's run record, or null when it has none (or one this version cannot read). */
export function readRunRecord(dir: string): RunRecordFile | null {
  try {
    const r = JSON.parse(readFileSync(path.join(dir, RUN_RECORD), 'utf8')) as Partial<RunRecordFile>;
    if (!(r.run && Array.isArray(r.run.leftOut) && Array.isArray(r.sections))) return null;
    return { run: r.run, sections: withImages(r.sections, (f) => path.resolve(dir, f)) };
  } catch {
    return null;
  }
}

/**
 * Writes the folder's run record (the report stage, next to report.html). Section pictures
 * are kept relative to the folder, so the record is the same bytes wherever the folder is
 * (`verify` recomputes it in a scratch folder) and still finds them when it is copied.
 */
export function writeRunRecord(dir: string, record: RunRecordFile): string {
  const file = path.join(dir, RUN_RECORD);
  const portable = { run: record.run, sections: withImages(record.sections, (f) => path.relative(dir, f).split(path.sep).join('/')) };
  removeStaleTemps(file);
  writeFileAtomic(file, `${JSON.stringify(portable, null, 1)}\n`);
  return file;
}

function withImages(sections: readonly ReportSection[], map: (file: string) => string): ReportSection[] {
  return sections.map((s) => (s.images ? { ...s, images: s.images.map((i) => ({ ...i, file: map(i.file) })) } : s));
}

/** Builds the report of every result in `dir` and writes it to `file`. */
export function writeReport(dir: string, file: string, o: ReportOptions): { galaxies: number; results: number } {
  const entries = findResults(dir);
  // The pictures' URLs are relative to the page, which --file may put elsewhere.
  const rel = path.relative(path.dirname(path.resolve(file)), path.resolve(dir)).split(path.sep).filter(Boolean);
  const url = (f: string) => [...rel, path.basename(f)].join('/');
  const params = new Map<string, Set<string>>();
  const versions = new Set<string>();
  const hashes = new Set<string>();
  const galaxies: ReportGalaxy[] = [];
  let current: { id: string; sn: string; snType: string; entries: ResultEntry[]; results: ReportGalaxy['results'][number][] } | undefined;
  const close = () => {
    if (!current) return;
    const kChoice = kChoicePath(dir, current.id, current.sn);
    if (o.drawMissing && !existsSync(kChoice)) writeFileAtomic(kChoice, drawKChoice(current.id, current.sn, current.entries).png);
    const { entries: mine } = current;
    // The seed is shown where the galaxy has another seed at the same k.
    const results = current.results.map((res) => ({ ...res, showSeed: mine.some((x) => x.k === res.row.k && x.seed !== res.row.seed) }));
    galaxies.push({ id: current.id, sn: current.sn, snType: current.snType, results, kChoice: url(kChoice) });
  };
  // findResults sorts by galaxy: a galaxy's results are consecutive.
  for (const e of entries) {
    if (current?.id !== e.galaxy) {
      close();
      current = { id: e.galaxy, sn: e.snName, snType: o.snTypes.get(e.galaxy) ?? '', entries: [], results: [] };
    }
    const r = readResult(e.file);
    const row = summaryRow(r, o.thresholds, current.snType);
    for (const [name, value] of Object.entries(r.params)) params.set(name, (params.get(name) ?? new Set()).add(String(value)));
    if (r.version) versions.add(r.version);
    if (r.pipelineHash) hashes.add(r.pipelineHash);
    const pics = picturePaths(e.file);
    if (o.drawMissing && !(fresh(pics.map, e.file) && fresh(pics.sfh, e.file))) writeResultPictures(e.file, { thresholds: o.thresholds, ...(current.snType ? { snType: current.snType } : {}) });
    current.entries.push(e);
    current.results.push({ row, map: url(pics.map), sfh: url(pics.sfh), showSeed: false });
  }
  close();
  const sorted = (s: Iterable<string>) => [...s].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const info = {
    folder: dir,
    tool: o.tool,
    thresholds: o.thresholds,
    params: sorted(params.keys()).map((name) => ({ name, values: sorted(params.get(name) ?? []) })),
    versions: sorted(versions),
    pipelineHashes: sorted(hashes),
    run: o.run ?? null,
  };
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  removeStaleTemps(file);
  writeFileAtomic(file, reportHtml(galaxies, info, o.sections ?? [], path.dirname(path.resolve(file))));
  return { galaxies: galaxies.length, results: entries.length };
}

function fresh(picture: string, result: string): boolean {
  try {
    return statSync(picture).mtimeMs >= statSync(result).mtimeMs;
  } catch {
    return false;
  }
}
