/**
 * Builds report.html from a folder of results: shared by the `report` stage (the end of
 * `run`) and the `sfh-pipeline report` command, so both give the same bytes. The report
 * scans the folder's result FITS, so it also covers earlier runs (and works on a folder of
 * results alone, with no cache). Each result is read once, and only its numbers are kept
 * (memory grows by a row per result, not by its arrays); the page links the pictures next
 * to it instead of holding them.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { removeStaleTemps, writeFileAtomic } from '../cache/atomic.ts';
import type { ReportSection } from '../stage.ts';
import { reportHtml, type ReportGalaxy, type ReportRun } from './html.ts';
import { compareEntries, drawKChoice, entryOf, fitsFilesIn, kChoicePath, picturePaths, readEntry, readResult, writeResultPictures, type ResultEntry, type Thresholds } from './plots/index.ts';
import { summaryRow, type SummaryRow } from './summary.ts';

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

/** One result as the page needs it: its entry, its row, and what it records of its making. */
interface Read {
  readonly entry: ResultEntry;
  readonly row: SummaryRow;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly version: string | null;
  readonly pipelineHash: string | null;
}

/**
 * Reads every result of `dir` once, keeping only its numbers (not its arrays): a FITS that
 * is not a result is passed over; a result that cannot be read fails the report, naming it.
 */
function readFolder(dir: string, o: ReportOptions): Read[] {
  const out: Read[] = [];
  for (const file of fitsFilesIn(dir)) {
    let r;
    try {
      r = readResult(file);
    } catch (err) {
      if (readEntry(file) === null) continue;
      throw err;
    }
    const entry = entryOf(r);
    out.push({ entry, row: summaryRow(r, o.thresholds, o.snTypes.get(entry.galaxy) ?? ''), params: r.params, version: r.version, pipelineHash: r.pipelineHash });
  }
  return out.sort((a, b) => compareEntries(a.entry, b.entry));
}

/** Builds the report of every result in `dir` and writes it to `file`. */
export function writeReport(dir: string, file: string, o: ReportOptions): { galaxies: number; results: number } {
  const results = readFolder(dir, o);
  // The pictures' URLs are relative to the page, which --file may put elsewhere.
  const rel = path.relative(path.dirname(path.resolve(file)), path.resolve(dir)).split(path.sep).filter(Boolean);
  const url = (f: string) => [...rel, path.basename(f)].join('/');
  const params = new Map<string, Set<string>>();
  const versions = new Set<string>();
  const hashes = new Set<string>();
  const byGalaxy = new Map<string, Read[]>();
  for (const r of results) {
    byGalaxy.set(r.entry.galaxy, [...(byGalaxy.get(r.entry.galaxy) ?? []), r]);
    for (const [name, value] of Object.entries(r.params)) params.set(name, (params.get(name) ?? new Set()).add(String(value)));
    if (r.version) versions.add(r.version);
    if (r.pipelineHash) hashes.add(r.pipelineHash);
  }
  const galaxies: ReportGalaxy[] = [];
  for (const [id, mine] of byGalaxy) {
    const first = mine[0]!.entry;
    const snType = o.snTypes.get(id) ?? '';
    const kChoice = kChoicePath(dir, id, first.snName);
    if (o.drawMissing && !existsSync(kChoice)) writeFileAtomic(kChoice, drawKChoice(id, first.snName, mine.map((m) => m.entry)).png);
    const rows = mine.map(({ entry: e, row }) => {
      const pics = picturePaths(e.file);
      if (o.drawMissing && !(fresh(pics.map, e.file) && fresh(pics.sfh, e.file))) writeResultPictures(e.file, { thresholds: o.thresholds, ...(snType ? { snType } : {}) });
      // The seed is shown where the galaxy has another seed at the same k.
      const showSeed = mine.some((m) => m.entry.k === e.k && m.entry.seed !== e.seed);
      const earlier = o.run?.results !== undefined && !o.run.results.includes(path.basename(e.file));
      return { row, map: url(pics.map), sfh: url(pics.sfh), showSeed, earlier };
    });
    galaxies.push({ id, sn: first.snName, snType, results: rows, kChoice: url(kChoice) });
  }
  const sorted = (s: Iterable<string>) => [...s].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const info = {
    folder: dir,
    tool: o.tool,
    thresholds: o.thresholds,
    params: sorted(params.keys()).map((name) => ({ name, values: sorted(params.get(name) ?? []) })),
    versions: sorted(versions),
    pipelineHashes: sorted(hashes),
    run: o.run ?? null,
    resultCount: results.length,
  };
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  removeStaleTemps(file);
  writeFileAtomic(file, reportHtml(galaxies, info, o.sections ?? [], path.dirname(path.resolve(file))));
  return { galaxies: galaxies.length, results: results.length };
}

function fresh(picture: string, result: string): boolean {
  try {
    return statSync(picture).mtimeMs >= statSync(result).mtimeMs;
  } catch {
    return false;
  }
}
