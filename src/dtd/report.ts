/**
 * What a DTD fit says to its reader outside the tables: its section of report.html (the
 * shape of the engine's `ReportSection`, src/stage.ts, which this module does not import)
 * and its lines in the run's log. Both carry the same sentences (notes.ts): what was fitted,
 * the convergence verdict with the steps that would be enough, what k means, and where the
 * selection and the numbers are.
 */
import path from 'node:path';
import type { DtdFit } from './fit.ts';
import { fitLine, tauLine } from './notes.ts';

/** A report section (structurally the engine's ReportSection). */
export interface DtdSection {
  readonly title: string;
  readonly text: string;
  readonly table: { readonly columns: readonly string[]; readonly rows: readonly (readonly (string | number | null)[])[] };
  readonly images: readonly { readonly file: string; readonly alt: string }[];
}

/** The files the dtd stage wrote, for naming them. */
export interface DtdFiles {
  readonly chain: string;
  readonly summary: string;
  readonly hosts: string;
  readonly corner: string;
}

/** What the section and the log need besides the fit. */
export interface DtdReportFacts {
  readonly files: DtdFiles;
  /** The sentence about k (notes.ts kNote), or null for the study's k = 15. */
  readonly kNote: string | null;
  /** Results that could not be read, galaxies without a result (they are in the hosts table). */
  readonly unreadable: number;
  readonly noResult: number;
}

/** Up to this many SNe are named in the report's text; more are counted (the hosts table names them all). */
const NAMED = 30;

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The convergence verdict in one sentence. */
export function convergenceSentence(fit: DtdFit): string {
  const c = fit.convergence;
  if (c.warning) return `${capital(c.warning)}.`;
  const worst = Math.max(...c.tau);
  return `Every parameter has at least 50 autocorrelation times of kept steps (largest tau ${worst.toFixed(1)} steps, ${c.kept} kept), emcee's rule for a long enough chain.`;
}

/** The report section and the log lines of one fit. */
export function dtdReport(fit: DtdFit, facts: DtdReportFacts): { report: DtdSection; print: string } {
  const model = fit.model.name;
  const c = fit.convergence;
  const names = new Map(fit.kept.map((h) => [h.host.id, h.host.snName]));
  const fitted = fit.sne.length <= NAMED ? `Fitted: ${fit.sne.map((id) => `${names.get(id) ?? ''} (${id})`).join(', ')}.` : `Fitted: ${fit.sne.length} SNe.`;
  const why = new Map<string, number>();
  for (const e of fit.excluded) why.set(e.reason, (why.get(e.reason) ?? 0) + 1);
  if (facts.unreadable) why.set('unreadable', facts.unreadable);
  if (facts.noResult) why.set('no-result', facts.noResult);
  const hosts = path.basename(facts.files.hosts);
  const left = why.size ? ` Group maps left out: ${[...why].map(([r, n]) => `${n} ${r}`).join(', ')} (each with its reason: ${hosts}).` : ` Every group map passed the cuts (${hosts}).`;
  const text =
    `DTD fit ${model}: ${fitLine(fit)}. Mean acceptance ${(100 * c.acceptance).toFixed(1)} %. ` +
    `${convergenceSentence(fit)} ${facts.kNote ? `${capital(facts.kNote)}. ` : ''}${fitted}${left} ` +
    `Tables: ${path.basename(facts.files.summary)} and ${hosts} (and .ecsv, with units, for astropy); chain: ${path.basename(facts.files.chain)} (docs/dtd.md).`;
  const report: DtdSection = {
    title: `Delay-time distribution (${model})`,
    text,
    table: {
      columns: ['parameter', 'median', '16 %', '84 %', '+', '−', 'tau [steps]', 'kept / tau'],
      rows: fit.summary.map((s, d) => [
        s.label,
        ...[s.median, s.q16, s.q84, s.plus, s.minus].map((v) => v.toFixed(3)),
        Number.isFinite(c.tau[d]!) ? c.tau[d]!.toFixed(1) : 'undefined',
        Number.isFinite(c.keptOverTau[d]!) ? c.keptOverTau[d]!.toFixed(1) : 'undefined',
      ]),
    },
    images: [{ file: facts.files.corner, alt: `corner plot of the ${model} DTD fit` }],
  };
  const lines = [`dtd ${model} (${path.basename(facts.files.summary)}): ${fitLine(fit)}; mean acceptance ${(100 * c.acceptance).toFixed(1)} %`];
  fit.summary.forEach((s, d) => lines.push(`  ${s.label} = ${s.median.toFixed(2)} +${s.plus.toFixed(2)} -${s.minus.toFixed(2)}  (${tauLine(fit, d)})`));
  if (c.warning) lines.push(`  warning: ${c.warning}`);
  if (facts.kNote) lines.push(`  note: ${facts.kNote}`);
  lines.push(`  selection: ${fit.sne.length} SNe fitted from ${fit.kept.length} group maps${why.size ? `; maps left out: ${[...why].map(([r, n]) => `${n} ${r}`).join(', ')}` : ''} (${hosts})`);
  return { report, print: `${lines.join('\n')}\n` };
}
