/**
 * The report page: what was run and with which parameters, who was left out and why, a
 * sortable, filterable table of every result (./html-index.ts), the sections of
 * catalog-level stages (a DTD fit), then one section per galaxy with its k-choice plot and
 * the map and SFH plot of every k. Pictures are the PNG files next to the page, linked by
 * relative URLs and loaded lazily, so the page stays about 1 KB per result and the folder
 * works wherever it is copied. A Content-Security-Policy allows those files, inline CSS and
 * the one inline script (by its hash), nothing else. The page shows the run's date and
 * command (RunInfo), which are no part of any key: the lock records them and `verify` gives
 * them back, so the same inputs and the same run still give the same bytes.
 */
import type { ReportSection } from '../stage.ts';
import { indexTable, INDEX_SCRIPT, INDEX_SCRIPT_CSP, type IndexRow } from './html-index.ts';
import { anchor, basename, esc, flagBadges, gyr, href, pct, plural } from './html-text.ts';

export { esc } from './html-text.ts';

/** One galaxy of the report: its results by k (then seed) and its k-choice plot's file. */
export interface ReportGalaxy {
  readonly id: string;
  readonly sn: string;
  readonly snType: string;
  readonly results: readonly IndexRow[];
  /** The k-choice picture, relative to the page (the summarise stage writes it). */
  readonly kChoice: string;
}

/** A galaxy the run left out: skipped (no pPXF fit) or failed, with the stage and the reason. */
export interface LeftOut {
  readonly galaxy: string;
  readonly status: string;
  /** The stage it ended at (`load-cubes`), empty when unknown. */
  readonly stage: string;
  /** The sweep points it was left out at (`k=2`, ...). */
  readonly points: readonly string[];
  readonly reason: string;
}

/** What the run that wrote the page selected, and who it left out (null: `report` on a folder without that record). */
export interface ReportRun {
  /** Galaxies (catalog rows) selected and the points of the sweep. */
  readonly galaxies: number;
  readonly points: readonly string[];
  readonly leftOut: readonly LeftOut[];
  /** The file names of the results this run made or confirmed; the folder's others are from earlier runs. */
  readonly results?: readonly string[];
  /** When the run started (ISO 8601, UTC) and its command (RunInfo), when known. */
  readonly started?: string;
  readonly command?: string;
}

/** What the header says. */
export interface ReportInfo {
  /** The folder the results came from (shown by its name only, so a copied folder's report is identical). */
  readonly folder: string;
  /** `sfh-pipeline 0.1.0`. */
  readonly tool: string;
  readonly thresholds: { readonly maxPsfSigma: number; readonly minGrouped: number };
  /** Each recorded parameter (FITS card `SFH <NAME>`) with its values over the results. */
  readonly params: readonly { readonly name: string; readonly values: readonly string[] }[];
  /** Versions and pipeline hashes that made the results (SFHVER, PIPEHASH). */
  readonly versions: readonly string[];
  readonly pipelineHashes: readonly string[];
  readonly run: ReportRun | null;
  /** How many results the folder holds (this run's and earlier ones). */
  readonly resultCount?: number;
}

const CSS = `
body{font:15px/1.45 "DejaVu Sans",Lato,system-ui,sans-serif;color:#1a1a1a;margin:0 auto;padding:0 24px 48px;max-width:1800px;background:#fff}
h1{font-size:26px;margin:24px 0 4px}h2{font-size:21px;margin:36px 0 6px;border-bottom:2px solid #1a1a1a;padding-bottom:4px}
h3{font-size:16px;margin:0 0 6px}.meta{color:#555;margin:0 0 12px}code{font-size:13px}
table{border-collapse:collapse;font-size:13px;margin:8px 0 16px}th,td{border:1px solid #d6d6d6;padding:3px 8px;text-align:right;white-space:nowrap}
th{background:#f2f2f2;text-align:center}#results th{cursor:pointer;position:sticky;top:0}#results th[aria-sort=ascending]::after{content:" ▲"}#results th[aria-sort=descending]::after{content:" ▼"}
td.l{text-align:left}td.w{white-space:normal;text-align:left;max-width:900px}tr.sn-none td{color:#777}img.thumb{display:block;height:auto}
.flag{display:inline-block;background:#a3000b;color:#fff;border-radius:3px;padding:0 6px;margin:0 2px;font-size:12px;font-weight:bold}
.ok{color:#1b6e20}.warn{color:#a3000b;font-weight:bold}details{margin:8px 0}summary{cursor:pointer}
.row{display:flex;gap:16px;overflow-x:auto;align-items:flex-start;padding-bottom:8px}
figure{margin:0;flex:0 0 auto;width:520px;border:1px solid #e0e0e0;padding:8px;background:#fff}
figure.kchoice{width:460px}figure img{display:block;width:100%;height:auto;margin:0 0 6px}
figcaption{font-size:13px;color:#333}a{color:#0059a3}
`;

/**
 * The report's HTML text. `sections` (from catalog-level stages, e.g. the DTD fit) follow
 * the index; their pictures are linked relative to the page (`dir`, the page's folder).
 */
export function reportHtml(galaxies: readonly ReportGalaxy[], info: ReportInfo, sections: readonly ReportSection[] = [], dir = info.folder): string {
  const results = galaxies.reduce((n, g) => n + g.results.length, 0);
  const t = info.thresholds;
  const folder = esc(basename(info.folder));
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file:; style-src 'unsafe-inline'; script-src ${INDEX_SCRIPT_CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>SFH groups — ${folder}</title>`,
    `<style>${CSS}</style></head><body>`,
    '<h1>SFH groups of the SN hosts</h1>',
    `<p class="meta">${plural(galaxies.length, 'galaxy', 'galaxies')}, ${plural(results, 'result', 'results')} in <code>${folder}/</code> · ${esc(info.tool)} · the pictures are the PNG files next to this page, so keep them together when you copy it.</p>`,
    howMade(info),
    leftOut(info.run),
    `<p class="meta">Each row is one result (a galaxy at one k). Mass fraction, mean age and &lt;1 Gyr describe the SN's group: its share of the grouped mass, its mass-weighted mean age over its mean SFH, and its fraction of mass younger than 1 Gyr. Flagged (kept, not dropped): PSF σ &gt; ${t.maxPsfSigma} px (<span class="flag">psf&gt;${t.maxPsfSigma}</span>), fewer than ${t.minGrouped} grouped pixels (<span class="flag">grouped&lt;${t.minGrouped}</span>), the original study's cuts. Grey rows: the SN is in no group (outside the map or on an excluded pixel).</p>`,
  ];
  if (!galaxies.length) out.push('<p class="warn">No results found: run <code>sfh-pipeline run</code> first, or point --out at the folder of the result FITS.</p>');
  else out.push(indexTable(galaxies.flatMap((g) => g.results)));
  sections.forEach((s, i) => out.push(catalogSection(s, i, dir)));
  for (const g of galaxies) out.push(galaxySection(g));
  out.push(`<script>${INDEX_SCRIPT}</script>`, '</body></html>', '');
  return out.join('\n');
}

/** The parameters, versions and selection: what a reader needs to make the same results. */
function howMade(info: ReportInfo): string {
  const rows = info.params.map((p) => `<tr><td class="l"><code>${esc(p.name)}</code></td><td class="w">${p.values.map((v) => `<code>${esc(v)}</code>`).join(', ')}</td></tr>`);
  const run = info.run;
  const selection = run ? `The run that wrote this page selected ${plural(run.galaxies, 'galaxy', 'galaxies')} (catalog rows)${run.points.length ? ` at ${run.points.map(esc).join(', ')}` : ''}. ${gathered(info)}` : '';
  return [
    '<h2 id="run">How these results were made</h2>',
    runLine(run),
    `<p class="meta">${selection}Made by ${info.versions.map((v) => `sfh-pipeline ${esc(v)}`).join(', ') || 'an unknown version'} with the pipeline declarations of sha256 (PIPEHASH) ${info.pipelineHashes.map((h) => `<code>${esc(h.slice(0, 12))}</code>`).join(', ') || 'unknown'}. Every parameter below is recorded in each result FITS (card <code>HIERARCH SFH &lt;NAME&gt;</code>); a parameter with several values differs between results.</p>`,
    rows.length ? `<details><summary>${plural(rows.length, 'parameter', 'parameters')}</summary><table><thead><tr><th>parameter</th><th>value(s)</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></details>` : '',
  ].join('\n');
}

/**
 * Says plainly that the page gathers the whole folder: how many results the run made and
 * how many earlier runs left there (marked in the table). The earlier runs' dates are in
 * their run records, not here: a result's row is the same whichever run reads it.
 */
function gathered(info: ReportInfo): string {
  const mine = info.run?.results;
  if (!mine) return '';
  const earlier = Math.max(0, (info.resultCount ?? mine.length) - mine.length);
  return earlier === 0
    ? 'Every result in the folder is from this run. '
    : `This page shows every result in the folder, not only this run's: ${plural(mine.length, 'result', 'results')} from this run and ${plural(earlier, 'result', 'results')} from earlier runs (other k, seeds or parameters), marked <span class="flag">earlier run</span> in the table (their dates are in the run records under <code>&lt;cache&gt;/runs/</code>). summary.csv and the DTD fit cover this run's results only. `;
}

/**
 * When the run that wrote the page started, and its command: on a line of its own
 * (`id="run-info"`), the one part of the page that tells two runs of the same results apart.
 */
function runLine(run: ReportRun | null): string {
  if (!run?.started && !run?.command) return '';
  const when = run.started ? `Run started ${esc(run.started.replace('T', ' ').replace(/Z$/, ' UTC'))}` : 'Run';
  return `<p class="meta" id="run-info">${when}${run.command ? `: <code>${esc(run.command)}</code>` : ''}. A cached page keeps the date it was made; the lock records both, so <code>sfh-pipeline verify</code> recomputes this page bit for bit.</p>`;
}

/** The galaxies the run left out, grouped by status, each with its reason. */
function leftOut(run: ReportRun | null): string {
  if (!run) return '<p class="meta">Skipped and failed galaxies: not recorded in this folder (no <code>report-run.json</code>: the page was made by <code>sfh-pipeline report</code> on results alone).</p>';
  // `all`: a catalog-level stage this one needed (the DTD fit) that did not end well.
  const stages = run.leftOut.filter((l) => l.galaxy === 'all');
  const galaxies = run.leftOut.filter((l) => l.galaxy !== 'all');
  const stageLine = stages.length ? `<p class="meta">No section from ${stages.map((l) => `<code>${esc(l.stage)}</code> (${esc(l.status)}: ${esc(l.reason)})`).join('; ')}.</p>` : '';
  if (!galaxies.length) return `<p class="meta ok">Every selected galaxy gave its results: none was skipped or failed.</p>${stageLine}`;
  const parts: string[] = ['<h2 id="left-out">Left out</h2>'];
  for (const status of [...new Set(galaxies.map((l) => l.status))].sort((a, b) => rank(a) - rank(b))) {
    const mine = galaxies.filter((l) => l.status === status);
    // A skip names no stage worth showing (the one that skipped says why in the reason).
    const stage = (l: LeftOut) => (status === 'skipped' ? '' : `<td class="l">${esc(l.stage)}</td>`);
    const rows = mine.map((l) => `<tr><td class="l">${esc(l.galaxy)}</td>${stage(l)}<td class="l">${esc(l.points.join(', '))}</td><td class="w">${esc(l.reason)}</td></tr>`);
    const what = status === 'skipped' ? 'skipped (nothing to do, e.g. no pPXF fit for a non-Ia host)' : `${status}: no result; fix the cause and run again (run --resume redoes only these)`;
    parts.push(`<details${status === 'skipped' ? '' : ' open'}><summary class="${status === 'skipped' ? '' : 'warn'}">${plural(mine.length, 'galaxy', 'galaxies')} ${esc(what)}</summary><table><thead><tr><th>galaxy</th>${status === 'skipped' ? '' : '<th>stage</th>'}<th>at</th><th>reason</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></details>`);
  }
  if (stageLine) parts.push(stageLine);
  return parts.join('\n');
}

function rank(status: string): number {
  return status === 'failed' ? 0 : status === 'skipped' ? 2 : 1;
}

function catalogSection(s: ReportSection, i: number, dir: string): string {
  const parts = [`<section id="catalog-${i}"><h2>${esc(s.title)}</h2>`];
  if (s.text) parts.push(`<p>${esc(s.text)}</p>`);
  if (s.table) {
    const head = s.table.columns.map((c) => `<th>${esc(c)}</th>`).join('');
    const body = s.table.rows.map((r) => `<tr>${r.map((v) => `<td${typeof v === 'number' ? '' : ' class="l"'}>${v === null ? '' : esc(String(v))}</td>`).join('')}</tr>`).join('\n');
    parts.push(`<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`);
  }
  const figures = (s.images ?? []).map((im) => `<figure><img loading="lazy" alt="${esc(im.alt)}" src="${esc(href(relativeTo(dir, im.file)))}"><figcaption>${esc(im.alt)}</figcaption></figure>`);
  if (figures.length) parts.push(`<div class="row">\n${figures.join('\n')}\n</div>`);
  parts.push('<p><a href="#index">back to the results</a></p></section>');
  return parts.join('\n');
}

/** `file` relative to `dir` with / separators (a section's picture, usually in the same folder). */
function relativeTo(dir: string, file: string): string {
  const d = dir.replace(/\/+$/, '').split('/');
  const f = file.split('/');
  let i = 0;
  while (i < d.length && i < f.length - 1 && d[i] === f[i]) i++;
  return [...Array<string>(d.length - i).fill('..'), ...f.slice(i)].join('/');
}

function galaxySection(g: ReportGalaxy): string {
  const flags = [...new Set(g.results.flatMap((r) => r.row.flags))];
  const figures: string[] = [
    `<figure class="kchoice"><h3>Choosing k</h3><img loading="lazy" alt="k-choice plot of galaxy ${esc(g.id)} (${esc(g.kChoice)}, written by the summarise stage; sfh-pipeline report draws it when missing)" src="${esc(href(g.kChoice))}"><figcaption>Total within-group EMD (lower is tighter) and mean silhouette (higher is better separated) of every k in the folder.</figcaption></figure>`,
  ];
  for (const res of g.results) {
    const r = res.row;
    const where = r.snGroup === null ? 'SN in no group (outside the map or on an excluded pixel)' : `SN in group ${r.snGroup}: ${pct(r.snMassFraction)} of the mass, mean age ${gyr(r.snMeanAge)}, ${pct(r.snYoungFraction)} younger than 1 Gyr`;
    const k = `k = ${r.k}${res.showSeed ? `, seed ${r.seed ?? '?'}` : ''}`;
    figures.push(
      `<figure class="k"><h3>${k} <small>(${plural(r.groups, 'group', 'groups')} kept)</small> ${flagBadges(r.flags)}</h3>` +
        `<img loading="lazy" alt="Group map of galaxy ${esc(g.id)}, ${k} (${esc(res.map)})" src="${esc(href(res.map))}"><img loading="lazy" alt="Mean SFH per group of galaxy ${esc(g.id)}, ${k} (${esc(res.sfh)})" src="${esc(href(res.sfh))}">` +
        `<figcaption>${esc(where)}. <code>${esc(basename(r.file))}</code></figcaption></figure>`,
    );
  }
  const flagLine = flags.length ? `<p class="warn">Flagged: ${flagBadges(flags)} — the original study dropped such galaxies; they are kept here, marked.</p>` : '';
  return `<section id="${anchor(g.id)}"><h2>Galaxy ${esc(g.id)} · ${esc(g.sn)}${g.snType ? ` (${esc(g.snType)})` : ''}</h2>${flagLine}\n<div class="row">\n${figures.join('\n')}\n</div><p><a href="#index">back to the results</a></p></section>`;
}
