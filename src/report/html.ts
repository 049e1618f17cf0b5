/**
 * The report as one self-contained HTML file: an index of the galaxies with their SN-group
 * numbers, then per galaxy its k-choice plot beside the map and SFH plot of every k. The
 * pictures are inlined as data: URIs and the CSS is inline, and a Content-Security-Policy
 * forbids anything else, so the file opens anywhere (mailed, on a laptop offline) and
 * needs no JavaScript. The same inputs give the same bytes (no time stamp).
 */
import type { ReportSection } from '../stage.ts';
import type { SummaryRow } from './summary.ts';

/** One result as the report shows it. */
export interface ReportResult {
  readonly row: SummaryRow;
  readonly mapPng: Buffer;
  readonly sfhPng: Buffer;
}

/** One galaxy of the report: its results by k (then seed) and its k-choice plot. */
export interface ReportGalaxy {
  readonly id: string;
  readonly sn: string;
  readonly snType: string;
  readonly results: readonly ReportResult[];
  readonly kChoicePng: Buffer | null;
}

/** What the header says. */
export interface ReportInfo {
  /** The folder the results came from (shown by its name only, so a copied folder's report is identical). */
  readonly folder: string;
  /** `sfh-pipeline 0.1.0`. */
  readonly tool: string;
  readonly thresholds: { readonly maxPsfSigma: number; readonly minGrouped: number };
}

const CSS = `
body{font:15px/1.45 "DejaVu Sans",Lato,system-ui,sans-serif;color:#1a1a1a;margin:0 auto;padding:0 24px 48px;max-width:1800px;background:#fff}
h1{font-size:26px;margin:24px 0 4px}h2{font-size:21px;margin:36px 0 6px;border-bottom:2px solid #1a1a1a;padding-bottom:4px}
h3{font-size:16px;margin:0 0 6px}.meta{color:#555;margin:0 0 16px}code{font-size:13px}
table{border-collapse:collapse;font-size:13px;margin:8px 0 16px}th,td{border:1px solid #d6d6d6;padding:3px 8px;text-align:right;white-space:nowrap}
th{background:#f2f2f2;text-align:center}td.l{text-align:left}tr.sn-none td{color:#777}
.flag{display:inline-block;background:#a3000b;color:#fff;border-radius:3px;padding:0 6px;margin:0 2px;font-size:12px;font-weight:bold}
.ok{color:#1b6e20}.warn{color:#a3000b;font-weight:bold}
.row{display:flex;gap:16px;overflow-x:auto;align-items:flex-start;padding-bottom:8px}
figure{margin:0;flex:0 0 auto;width:520px;border:1px solid #e0e0e0;padding:8px;background:#fff}
figure.kchoice{width:460px}figure img{display:block;width:100%;height:auto;margin:0 0 6px}
figcaption{font-size:13px;color:#333}a{color:#0059a3}
`;

/**
 * The report's HTML text. `sections` (from catalog-level stages, e.g. the DTD fit) follow
 * the index; `images` holds the bytes of their pictures by file.
 */
export function reportHtml(galaxies: readonly ReportGalaxy[], info: ReportInfo, sections: readonly ReportSection[] = [], images: ReadonlyMap<string, Buffer> = new Map()): string {
  const results = galaxies.reduce((n, g) => n + g.results.length, 0);
  const t = info.thresholds;
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>SFH groups — ${esc(basename(info.folder))}</title>`,
    `<style>${CSS}</style></head><body>`,
    '<h1>SFH groups of the SN hosts</h1>',
    `<p class="meta">${galaxies.length} galax${galaxies.length === 1 ? 'y' : 'ies'}, ${results} result${results === 1 ? '' : 's'} in <code>${esc(basename(info.folder))}/</code> · ${esc(info.tool)} · flagged (kept, not dropped): PSF σ &gt; ${t.maxPsfSigma} px (<span class="flag">psf&gt;${t.maxPsfSigma}</span>), fewer than ${t.minGrouped} grouped pixels (<span class="flag">grouped&lt;${t.minGrouped}</span>). Mean age: mass-weighted over the group's mean SFH; &lt;1 Gyr: its fraction of mass younger than 1 Gyr.</p>`,
  ];
  if (!galaxies.length) out.push('<p class="warn">No results found: run <code>sfh-pipeline run</code> first, or point --out at the folder of the result FITS.</p>');
  else out.push(indexTable(galaxies));
  sections.forEach((s, i) => out.push(catalogSection(s, i, images)));
  for (const g of galaxies) out.push(galaxySection(g));
  out.push('</body></html>', '');
  return out.join('\n');
}

function indexTable(galaxies: readonly ReportGalaxy[]): string {
  const head = ['galaxy', 'SN', 'type', 'k', 'groups', 'SN group', 'mass fraction', 'mean age', '&lt;1 Gyr', 'iterations', 'valid pixels', 'PSF σ [px]', 'objective', 'silhouette', 'flags'];
  const rows: string[] = [];
  for (const g of galaxies) {
    g.results.forEach((res, i) => {
      const r = res.row;
      const first = i === 0 ? `<td class="l" rowspan="${g.results.length}"><a href="#${anchor(g.id)}">${esc(g.id)}</a></td><td class="l" rowspan="${g.results.length}">${esc(g.sn)}</td><td class="l" rowspan="${g.results.length}">${esc(g.snType)}</td>` : '';
      rows.push(
        `<tr${r.snGroup === null ? ' class="sn-none"' : ''}>${first}<td>${r.k}${seedNote(g, r)}</td><td>${r.groups}</td><td>${r.snGroup ?? 'none'}</td>` +
          `<td>${pct(r.snMassFraction)}</td><td>${gyr(r.snMeanAge)}</td><td>${pct(r.snYoungFraction)}</td>` +
          `<td>${r.iterations ?? ''}${r.converged === false ? ' <span class="warn">(not converged)</span>' : ''}</td><td>${r.valid}</td><td>${r.psfSigma === null ? '' : r.psfSigma.toFixed(2)}</td>` +
          `<td>${r.objective === null ? '' : r.objective.toPrecision(5)}</td><td>${r.silhouette === null ? '' : r.silhouette.toFixed(3)}</td><td class="l">${flagBadges(r.flags)}</td></tr>`,
      );
    });
  }
  return `<h2 id="index">Galaxies</h2>\n<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function catalogSection(s: ReportSection, i: number, images: ReadonlyMap<string, Buffer>): string {
  const parts = [`<section id="catalog-${i}"><h2>${esc(s.title)}</h2>`];
  if (s.text) parts.push(`<p>${esc(s.text)}</p>`);
  if (s.table) {
    const head = s.table.columns.map((c) => `<th>${esc(c)}</th>`).join('');
    const body = s.table.rows.map((r) => `<tr>${r.map((v) => `<td${typeof v === 'number' ? '' : ' class="l"'}>${v === null ? '' : esc(String(v))}</td>`).join('')}</tr>`).join('\n');
    parts.push(`<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`);
  }
  const figures = (s.images ?? []).flatMap((im) => {
    const png = images.get(im.file);
    return png ? [`<figure>${img(png, im.alt)}<figcaption>${esc(im.alt)}</figcaption></figure>`] : [];
  });
  if (figures.length) parts.push(`<div class="row">\n${figures.join('\n')}\n</div>`);
  parts.push('<p><a href="#index">back to the index</a></p></section>');
  return parts.join('\n');
}

function galaxySection(g: ReportGalaxy): string {
  const flags = [...new Set(g.results.flatMap((r) => r.row.flags))];
  const figures: string[] = [];
  if (g.kChoicePng) {
    figures.push(`<figure class="kchoice"><h3>Choosing k</h3>${img(g.kChoicePng, `Total within-group EMD and silhouette against k for galaxy ${g.id}`)}<figcaption>Total within-group EMD (lower is tighter) and mean silhouette (higher is better separated) of every k in the folder.</figcaption></figure>`);
  }
  for (const res of g.results) {
    const r = res.row;
    const where = r.snGroup === null ? 'SN in no group (outside the map or on an excluded pixel)' : `SN in group ${r.snGroup}: ${pct(r.snMassFraction)} of the mass, mean age ${gyr(r.snMeanAge)}, ${pct(r.snYoungFraction)} younger than 1 Gyr`;
    figures.push(
      `<figure class="k"><h3>k = ${r.k}${seedNote(g, r)} <small>(${r.groups} group${r.groups === 1 ? '' : 's'} kept)</small> ${flagBadges(r.flags)}</h3>` +
        `${img(res.mapPng, `Group map of galaxy ${g.id}, k = ${r.k}`)}${img(res.sfhPng, `Mean SFH per group of galaxy ${g.id}, k = ${r.k}`)}` +
        `<figcaption>${esc(where)}. <code>${esc(basename(r.file))}</code></figcaption></figure>`,
    );
  }
  const flagLine = flags.length ? `<p class="warn">Flagged: ${flagBadges(flags)} — the original study dropped such galaxies; they are kept here, marked.</p>` : '';
  return `<section id="${anchor(g.id)}"><h2>Galaxy ${esc(g.id)} · ${esc(g.sn)}${g.snType ? ` (${esc(g.snType)})` : ''}</h2>${flagLine}\n<div class="row">\n${figures.join('\n')}\n</div><p><a href="#index">back to the index</a></p></section>`;
}

function seedNote(g: ReportGalaxy, r: SummaryRow): string {
  return g.results.some((o) => o.row.k === r.k && o.row.seed !== r.seed) ? `, seed ${r.seed ?? '?'}` : '';
}

function img(png: Buffer, alt: string): string {
  return `<img alt="${esc(alt)}" src="data:image/png;base64,${png.toString('base64')}">`;
}

function flagBadges(flags: readonly string[]): string {
  return flags.map((f) => `<span class="flag">${esc(f)}</span>`).join('');
}

function pct(v: number | null): string {
  return v === null ? '' : `${(v * 100).toFixed(1)} %`;
}

function gyr(v: number | null): string {
  return v === null ? '' : `${v.toFixed(2)} Gyr`;
}

function anchor(id: string): string {
  return `g-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function basename(file: string): string {
  const trimmed = file.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Escapes text for HTML content and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
