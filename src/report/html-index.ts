/**
 * The report's index: one table row per result (not one block per galaxy), so 1,300 results
 * stay a table of ~1 MB; sortable by any column and filterable by text with a few lines of
 * inline JavaScript (allowed by the page's Content-Security-Policy through its sha256
 * only). Without JavaScript the table is still complete, in catalog order.
 */
import { createHash } from 'node:crypto';
import { anchor, esc, flagBadges, gyr, href, pct } from './html-text.ts';
import type { SummaryRow } from './summary.ts';

/** One result row of the index: its numbers and its pictures' names (relative to the page). */
export interface IndexRow {
  readonly row: SummaryRow;
  readonly map: string;
  readonly sfh: string;
  /** Seed shown beside k (a galaxy with several seeds at one k). */
  readonly showSeed: boolean;
  /** Made by an earlier run than the one that wrote the page (it is in the folder, not in the run's selection). */
  readonly earlier?: boolean;
}

/**
 * Sorting and filtering. Sort: click a header (again to reverse); numbers by value (the
 * cell's data-v), text naturally, empty cells last. Filter: every word typed must appear in
 * the row's text (`122`, `Ia psf>4`, `SN2016`).
 */
export const INDEX_SCRIPT = `(()=>{const t=document.getElementById('results');if(!t)return;const b=t.tBodies[0],f=document.getElementById('filter'),n=document.getElementById('shown'),rows=Array.from(b.rows);
const key=(r,i)=>{const c=r.cells[i];if(!c)return null;if('v' in c.dataset)return c.dataset.v===''?null:Number(c.dataset.v);const s=c.textContent.trim();return s===''?null:s;};
f.addEventListener('input',()=>{const q=f.value.toLowerCase().split(/\\s+/).filter(Boolean);let shown=0;for(const r of rows){const s=r.dataset.t||(r.dataset.t=r.textContent.toLowerCase());const on=q.every((w)=>s.includes(w));r.hidden=!on;if(on)shown++;}n.textContent=String(shown);});
t.tHead.addEventListener('click',(e)=>{const th=e.target.closest('th');if(!th)return;const i=th.cellIndex,up=th.getAttribute('aria-sort')!=='ascending';for(const h of t.tHead.rows[0].cells)h.removeAttribute('aria-sort');th.setAttribute('aria-sort',up?'ascending':'descending');
rows.sort((a,c)=>{const x=key(a,i),y=key(c,i);if(x===null||y===null)return x===y?0:x===null?1:-1;const d=typeof x==='number'&&typeof y==='number'?x-y:String(x).localeCompare(String(y),undefined,{numeric:true});return up?d:-d;});b.append(...rows);});})();`;

/** The CSP source that allows exactly {@link INDEX_SCRIPT}. */
export const INDEX_SCRIPT_CSP = `'sha256-${createHash('sha256').update(INDEX_SCRIPT).digest('base64')}'`;

const HEAD: readonly (readonly [string, string])[] = [
  ['galaxy', 'catalog id; the link goes to its pictures'],
  ['SN', 'SN Name'],
  ['type', 'SN Type (catalog)'],
  ['k', 'groups requested (and the seed when a galaxy has several)'],
  ['groups', 'groups kept'],
  ['SN group', 'the group at the SN pixel'],
  ['mass fraction', "the SN group's share of the grouped mass"],
  ['mean age', "the SN group's mass-weighted mean age"],
  ['<1 Gyr', "the SN group's fraction of mass younger than 1 Gyr"],
  ['iterations', 'assignment rounds (not converged: marked)'],
  ['valid pixels', 'pixels grouped'],
  ['PSF σ [px]', 'gaussian σ of the PSF, pixels'],
  ['objective', 'total within-group EMD (lower: tighter)'],
  ['silhouette', 'mean EMD silhouette (higher: better separated)'],
  ['flags', "the study's quality cuts (kept, not dropped)"],
  ['map', 'the group map (click: the galaxy)'],
];

/** A numeric cell: the number to sort by, the text to show. */
function num(v: number | null, text: string): string {
  return `<td data-v="${v === null || !Number.isFinite(v) ? '' : v}">${text}</td>`;
}

/** The index table and its filter box. */
export function indexTable(rows: readonly IndexRow[]): string {
  const body = rows.map(({ row: r, map, showSeed, earlier }) => {
    const a = `#${anchor(r.galaxy)}`;
    return (
      `<tr${r.snGroup === null ? ' class="sn-none"' : ''}><td class="l"><a href="${a}">${esc(r.galaxy)}</a></td><td class="l">${esc(r.sn)}</td><td class="l">${esc(r.snType)}</td>` +
      num(r.k, `${r.k}${showSeed ? `, seed ${r.seed ?? '?'}` : ''}`) +
      num(r.groups, String(r.groups)) +
      num(r.snGroup, r.snGroup === null ? 'none' : String(r.snGroup)) +
      num(r.snMassFraction, pct(r.snMassFraction)) +
      num(r.snMeanAge, gyr(r.snMeanAge)) +
      num(r.snYoungFraction, pct(r.snYoungFraction)) +
      num(r.iterations, `${r.iterations ?? ''}${r.converged === false ? ' <span class="warn">(not converged)</span>' : ''}`) +
      num(r.valid, String(r.valid)) +
      num(r.psfSigma, r.psfSigma === null ? '' : r.psfSigma.toFixed(2)) +
      num(r.objective, r.objective === null ? '' : r.objective.toPrecision(5)) +
      num(r.silhouette, r.silhouette === null ? '' : r.silhouette.toFixed(3)) +
      `<td class="l">${flagBadges(r.flags)}${earlier ? ' <span class="flag" title="in the folder from an earlier run, not made by the run that wrote this page">earlier run</span>' : ''}</td>` +
      `<td><a href="${a}"><img class="thumb" loading="lazy" width="64" alt="" src="${esc(href(map))}"></a></td></tr>`
    );
  });
  return [
    '<h2 id="index">Results</h2>',
    `<p class="tools"><label>Filter: <input id="filter" type="search" placeholder="e.g. Ia psf&gt;4, or a galaxy id" size="40"></label> <span class="meta"><span id="shown">${rows.length}</span> of ${rows.length} rows shown · click a column header to sort (again to reverse)</span></p>`,
    `<table id="results"><thead><tr>${HEAD.map(([h, title]) => `<th title="${esc(title)}">${esc(h)}</th>`).join('')}</tr></thead><tbody>`,
    ...body,
    '</tbody></table>',
  ].join('\n');
}
