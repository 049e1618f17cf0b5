/**
 * dtd-models: compares the DTD forms a run fitted, a catalog-level stage that needs `dtd`.
 * With `--set dtdModel=MDA,MDB,MDC,MDD` the dtd stage runs once per model (a sweep); this
 * stage reads every one's `meta.comparison` (ctx.catalog) and writes `dtd_models.csv` and
 * `.ecsv`: per fit the highest ln L its chain found, its parameters k, its SNe n, AIC, BIC
 * and their differences to the lowest (src/dtd/compare.ts, with the caveat that these come
 * from the chain's best sample). With one model the table has one row and the report no
 * section. Its key is the fits' output hashes, so it reruns exactly when a fit changed.
 */
import path from 'node:path';
import type { Json, StageContext, StageInputContext, StageOutput } from '../src/stage.ts';

function files(ctx: StageInputContext): { csv: string; ecsv: string } {
  const dir = path.resolve(String(ctx.params['out']));
  return { csv: path.join(dir, 'dtd_models.csv'), ecsv: path.join(dir, 'dtd_models.ecsv') };
}

export function outputs(ctx: StageInputContext): string[] {
  return Object.values(files(ctx));
}

export async function run(ctx: StageContext): Promise<StageOutput> {
  const { mkdirSync } = await import('node:fs');
  const { writeFileAtomic } = await import('../src/cache/atomic.ts');
  const { COMPARISON_CAVEAT, compareModels, comparisonWarnings, modelsTable } = await import('../src/dtd/compare.ts');
  const { tableCsv, tableEcsv } = await import('../src/report/ecsv.ts');
  type Record = Parameters<typeof compareModels>[0][number];
  const records = (ctx.catalog ?? [])
    .filter((c) => c.stage === 'dtd' && c.output.meta['comparison'])
    .map((c) => {
      const r = c.output.meta['comparison'] as unknown as Omit<Record, 'maxLnL'> & { maxLnL: number | null };
      // (JSON has no -inf: a chain that never left -inf stores null)
      return { ...r, maxLnL: r.maxLnL ?? Number.NEGATIVE_INFINITY };
    });
  if (records.length === 0) return { meta: {}, skip: 'no DTD fit ended well, so there is nothing to compare' };
  const rows = compareModels(records);
  const table = modelsTable(rows);
  const f = files(ctx);
  mkdirSync(path.dirname(f.csv), { recursive: true });
  writeFileAtomic(f.csv, tableCsv(table));
  writeFileAtomic(f.ecsv, tableEcsv(table));
  const warnings = comparisonWarnings(rows);
  for (const w of warnings) ctx.warn(`dtd-models: ${w}`);
  const fixed = (v: number | null, digits = 2): string => (v === null ? '' : v.toFixed(digits));
  const label = (r: (typeof rows)[number]) => (rows.some((o) => o.seed !== r.seed) ? `${r.model} seed ${r.seed}` : r.model);
  const lines = [`dtd models (${path.basename(f.csv)}): ${rows.map((r) => `${label(r)} max ln L ${fixed(r.maxLnL)}, AIC ${fixed(r.aic)}, BIC ${fixed(r.bic)}`).join('; ')}`];
  for (const w of warnings) lines.push(`  warning: ${w}`);
  const report = rows.length < 2 ? undefined : {
    title: 'DTD models compared',
    text: `${rows.length} fits, ${rows[0]!.nSne} SNe. Lower AIC and BIC are better; a difference under about 2 says little, over about 10 much. ${COMPARISON_CAVEAT}${warnings.map((w) => ` Warning: ${w}.`).join('')} Table: ${path.basename(f.csv)} (and .ecsv).`,
    table: {
      columns: ['model', 'parameters', 'SNe', 'max ln L', 'AIC', 'BIC', 'ΔAIC', 'ΔBIC', 'converged'],
      rows: rows.map((r) => [label(r), r.nParams, r.nSne, fixed(r.maxLnL), fixed(r.aic), fixed(r.bic), fixed(r.deltaAic), fixed(r.deltaBic), r.converged ? 'yes' : `no: dtdSteps ≥ ${r.stepsEnough ?? '?'}`]),
    },
  };
  return {
    meta: { models: rows.map((r) => r.model), aic: rows.map((r) => r.aic), bic: rows.map((r) => r.bic), print: `${lines.join('\n')}\n`, ...(report ? { report: report as unknown as Json } : {}) },
    files: [f.csv, f.ecsv],
  };
}
