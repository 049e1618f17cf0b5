/**
 * The scale benchmark's printed tables: one column per N, so the growth with the catalog
 * is read across a row; the issue's targets at 500 galaxies beside them (reported, never
 * asserted).
 */
import { mb, secs, table } from './report.ts';
import type { ScaleResult, ScaleStep } from './scale.ts';

function bytes(b: number | null | undefined): string {
  if (b === null || b === undefined) return '-';
  return b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(0)} KB`;
}

function msOr(v: number | string | null | undefined): string {
  return typeof v === 'number' ? secs(v / 1000) : (v ?? '-');
}

function wallRss(s: ScaleStep | null): string {
  return s ? `${secs(s.wallSeconds)} / ${mb(s.peakTreeRssBytes)}` : '-';
}

/** The issue's targets at 500 galaxies x k 2..8 (#20), for the last column. */
const TARGETS: Record<string, string> = {
  cold: '<= 60 s / <= 500 MB',
  unchanged: '<= 1.5 s / <= 250 MB',
  verify: "<= the cold run's wall / <= 500 MB",
  explain: '<= 60 lines',
  lock: '<= 1.5 MB',
  report: '<= 3 MB',
  catalog: '<= 5 s each',
};

/** The tables of one or more scale runs. */
export function scaleReport(results: readonly ScaleResult[]): string {
  if (!results.length) return '';
  const head = ['', ...results.map((r) => `${r.galaxies} galaxies`), 'target (500)'];
  const row = (what: string, f: (r: ScaleResult) => string, target = '') => [what, ...results.map(f), target];
  const stageNames = [...new Set(results.flatMap((r) => Object.keys(r.stages)))];
  const catalogNames = [...new Set(results.flatMap((r) => Object.keys(r.catalogStages)))];
  const rows = [
    head,
    row('catalog rows (fitted / no fit / cube missing)', (r) => `${r.dataset.fitted} / ${r.dataset.unfitted} / ${r.dataset.missingCube}`),
    row('results (ok / failed / skipped tasks)', (r) => `${r.results.ok} / ${r.results.failed} / ${r.results.skipped}`),
    row('cold run, wall / peak RSS (process tree)', (r) => wallRss(r.steps.cold), TARGETS['cold']),
    row('unchanged rerun', (r) => wallRss(r.steps.unchanged), TARGETS['unchanged']),
    row('new-k rerun (--k 2..9)', (r) => wallRss(r.steps.newK)),
    row('explain --k 2..9', (r) => `${wallRss(r.steps.explain)}, ${r.explainLines ?? '-'} lines`, TARGETS['explain']),
    row('verify (cold run\'s lock)', (r) => `${wallRss(r.steps.verify)}, ${r.verify ? `${r.verify.reproduced} of ${r.verify.checked}` : '-'}`, TARGETS['verify']),
    row('killed at half the results, then --resume', (r) => (r.resume ? `${wallRss(r.steps.resume)}, ${r.resume.differing.length ? `${r.resume.differing.length} DIFFER` : `all ${r.resume.compared} files identical`}${r.resume.leftoverTemporaries.length ? ` (+ ${r.resume.leftoverTemporaries.length} temporary file${r.resume.leftoverTemporaries.length === 1 ? '' : 's'} left by the kill)` : ''}` : '-')),
    row('lock file', (r) => bytes(r.sizes.lockBytes), TARGETS['lock']),
    row('report.html', (r) => `${bytes(r.sizes.reportBytes)}${r.sizes.reportFolderBytes !== null ? ` (+ ${bytes(r.sizes.reportFolderBytes)})` : ''}`, TARGETS['report']),
    row('summary.csv', (r) => bytes(r.sizes.summaryBytes)),
    ...catalogNames.map((c) => row(`${c} (catalog-level): cold / new k`, (r) => `${msOr(r.catalogStages[c]?.cold)} / ${msOr(r.catalogStages[c]?.newK)}`, TARGETS['catalog'])),
    ...stageNames.filter((s) => !catalogNames.includes(s)).map((s) => row(`${s}: instances, summed time (cold)`, (r) => (r.stages[s] ? `${r.stages[s]!.instances}, ${secs(r.stages[s]!.ms / 1000)}` : '-'))),
  ];
  return `\n== scale: the study's catalog layout at N galaxies x k ${results[0]!.ks} (small maps) ==\n${table(rows)}`;
}
