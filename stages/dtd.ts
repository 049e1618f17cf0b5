/**
 * dtd: the study's own result, a catalog-level stage (`over: catalog`). It gathers every
 * selected galaxy's result FITS at every k of the run and fits the SN Ia delay-time
 * distribution as DtdEstimator.ipynb does (src/dtd/, docs/dtd.md): the notebook's cuts
 * (SN Type exactly 'Ia', PSF sigma <= maxPsfSigma, >= minGrouped grouped pixels), the
 * PSF-blurred SN position summed per group, the DTD integrated over the 50 age bins, the
 * likelihood over SNe (each with its best k of `dtdK`), and emcee's stretch move, seeded.
 *
 * Its key is the result FITS' content (through the write stage's output hashes) plus its
 * parameters, so an unchanged rerun answers it from the cache and one more galaxy, or one
 * changed group map, refits.
 *
 * Writes, in the output folder: `dtd_<model>_chain.csv` (every step of every walker, burn-in
 * included, with ln p), `dtd_<model>_summary.csv` (median and 16/84 % per parameter, after
 * burn-in) and `dtd_<model>_corner.png`; `meta.report` is its section in report.html.
 */
import path from 'node:path';
import type { Galaxy } from '../src/catalog/galaxy.ts';
import { UserError } from '../src/errors.ts';
import type { FanInItemContext, Json, ReportSection, StageContext, StageInputContext, StageOutput } from '../src/stage.ts';

/** One result FITS of the run, with what the catalog knows of its SN. */
interface Result {
  readonly galaxy: Galaxy;
  /** The item's k when the run sweeps k; else the file's K card tells. */
  readonly k: number | undefined;
  readonly fits: string;
}

function resultsOf(ctx: StageInputContext): Result[] {
  return (ctx.items ?? []).map((item: FanInItemContext) => {
    const galaxy = item.upstream.get('catalog').meta['galaxy'] as unknown as Galaxy;
    const k = item.point['k'] === undefined ? undefined : Number(item.point['k']);
    return { galaxy, k, fits: String(item.upstream.get('write').meta['output']) };
  });
}

/** The k's the fit uses: `dtdK` = `all` takes every k of the run (the notebook's KNumList). */
export function kListOf(value: string, ran: readonly number[]): number[] {
  if (value.trim() === 'all') return [...new Set(ran)].sort((a, b) => a - b);
  const list = value.split(/[,\s]+/).filter(Boolean).map(Number);
  if (list.length === 0 || list.some((k) => !Number.isInteger(k) || k < 1)) {
    throw new UserError('usage', `dtdK: \`${value}\` is not \`all\` or a list of whole numbers >= 1`, 'e.g. --set dtdK=15 (the study) or --set dtdK=all');
  }
  return list;
}

function files(ctx: StageInputContext): { chain: string; summary: string; corner: string } {
  const model = String(ctx.params['dtdModel']);
  const dir = path.resolve(String(ctx.params['out']));
  return { chain: path.join(dir, `dtd_${model}_chain.csv`), summary: path.join(dir, `dtd_${model}_summary.csv`), corner: path.join(dir, `dtd_${model}_corner.png`) };
}

/** The result FITS it reads: their hashes are part of its key. */
export function inputs(ctx: StageInputContext): string[] {
  return [...new Set(resultsOf(ctx).map((r) => r.fits))];
}

export function outputs(ctx: StageInputContext): string[] {
  const f = files(ctx);
  return [f.chain, f.summary, f.corner];
}

/** Loads the fit and the canvas library ahead of the first call (a worker does this early). */
export async function warm(): Promise<void> {
  await import('../src/dtd/index.ts');
  (await import('../src/report/plots/index.ts')).fontFamily();
}

export async function run(ctx: StageContext): Promise<StageOutput> {
  const { mkdirSync } = await import('node:fs');
  const { writeFileAtomic } = await import('../src/cache/atomic.ts');
  const { chainCsv, fitDtd, readDtdHost, summaryCsv, DTD_DEFAULTS } = await import('../src/dtd/index.ts');
  const { drawCornerPlot } = await import('../src/report/plots/corner.ts');
  const results = resultsOf(ctx);
  const model = String(ctx.params['dtdModel']) as typeof DTD_DEFAULTS.model;

  // Each result becomes one host; one that cannot (a grid other than the 50 MILES ages, a
  // file without the SN's pixel) is left out with its reason, and the fit goes on.
  const all = [];
  const unreadable: { galaxy: string; k: number | null; reason: string }[] = [];
  for (const r of results) {
    try {
      all.push(readDtdHost(r.fits, { id: r.galaxy.id, snName: r.galaxy.snName, snType: r.galaxy.snType, ...(r.k === undefined ? {} : { k: r.k }) }));
    } catch (err) {
      unreadable.push({ galaxy: r.galaxy.id, k: r.k ?? null, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  const kList = kListOf(String(ctx.params['dtdK']), all.map((h) => h.k));
  // A k the fit should use but the run never made is a mistake to say, not an empty fit.
  const made = new Set(all.map((h) => h.k));
  const missing = kList.filter((k) => !made.has(k));
  if (made.size > 0 && missing.length > 0) {
    throw new UserError('usage', `dtd: dtdK asks for k = ${missing.join(', ')}, but this run made group maps for k = ${[...made].sort((a, b) => a - b).join(', ')}`, `add --k ${missing.join(',')} to the run, or set dtdK to k's it makes (--set dtdK=all uses every one)`);
  }
  const hosts = all.filter((h) => kList.includes(h.k));
  for (const u of unreadable) ctx.warn(`dtd: galaxy ${u.galaxy}${u.k === null ? '' : ` k=${u.k}`} left out: ${u.reason}`);
  const ia = hosts.filter((h) => h.snType === 'Ia');
  if (ia.length === 0) {
    return { meta: { hosts: hosts.length, kList, fitted: [] }, skip: `no SN Ia host among the ${new Set(results.map((r) => r.galaxy.id)).size} galaxies at k in [${kList.join(', ')}] (the fit needs SN Type 'Ia' exactly)` };
  }
  const options = {
    model,
    nwalkers: Number(ctx.params['dtdWalkers']),
    nsteps: Number(ctx.params['dtdSteps']),
    burn: Number(ctx.params['dtdBurn']),
    seed: Number(ctx.params['dtdSeed']),
    kList,
    binWeight: String(ctx.params['dtdBinWeight']) as typeof DTD_DEFAULTS.binWeight,
    cuts: { ...DTD_DEFAULTS.cuts, maxPsfSigma: Number(ctx.params['maxPsfSigma']), minGrouped: Number(ctx.params['minGrouped']) },
  };
  let fit: ReturnType<typeof fitDtd>;
  try {
    fit = fitDtd(hosts, options);
  } catch (err) {
    // Every SN Ia host cut (too wide a PSF, too few grouped pixels): nothing to fit, which
    // the run says with the cuts' tally; the galaxies' own results stand.
    if (err instanceof UserError && err.reason === 'empty-selection') return { meta: { hosts: hosts.length, kList, fitted: [] }, skip: err.message.replace(/^dtd: /, '') };
    throw err;
  }

  const f = files(ctx);
  mkdirSync(path.dirname(f.chain), { recursive: true });
  const names = fit.model.params;
  writeFileAtomic(f.chain, chainCsv(fit.chain, names));
  writeFileAtomic(f.summary, summaryCsv(fit.summary));
  const title = `DTD fit ${model}: ${fit.sne.length} SN${fit.sne.length === 1 ? '' : 'e'} Ia, k in [${kList.join(', ')}], ${fit.options.nwalkers} walkers x ${fit.options.nsteps} steps (burn ${fit.options.burn}), seed ${fit.options.seed}`;
  const corner = drawCornerPlot({ samples: fit.flat, params: fit.summary, bins: model === 'MDA' || model === 'MDB' ? 20 : 30, title });
  writeFileAtomic(f.corner, corner.png);

  const excluded = fit.excluded.map((e) => ({ galaxy: e.id, k: e.k, reason: e.reason, detail: e.detail }));
  const report: ReportSection = {
    title: `Delay-time distribution (${model})`,
    text:
      `${title}. Acceptance ${(100 * fit.acceptance).toFixed(1)} %. ` +
      `Fitted SNe: ${fit.sne.join(', ')}. ` +
      (excluded.length ? `Left out by the notebook's cuts: ${excluded.map((e) => `${e.galaxy} k=${e.k} (${e.reason})`).join('; ')}. ` : '') +
      (unreadable.length ? `Unreadable: ${unreadable.map((u) => `${u.galaxy}${u.k === null ? '' : ` k=${u.k}`}`).join(', ')}. ` : '') +
      `Chain: ${path.basename(f.chain)}; table: ${path.basename(f.summary)} (docs/dtd.md).`,
    table: { columns: ['parameter', 'median', '16 %', '84 %', '+', '−'], rows: fit.summary.map((s) => [s.label, ...[s.median, s.q16, s.q84, s.plus, s.minus].map((v) => v.toFixed(3))]) },
    images: [{ file: f.corner, alt: `corner plot of the ${model} DTD fit` }],
  };
  const summary = fit.summary.map((s) => ({ name: s.name, median: s.median, q16: s.q16, q84: s.q84 }));
  return {
    meta: { model, kList, sne: [...fit.sne], excluded: excluded as unknown as Json, unreadable: unreadable as unknown as Json, acceptance: fit.acceptance, summary: summary as unknown as Json, report: report as unknown as Json },
    files: [f.chain, f.summary, f.corner],
  };
}
