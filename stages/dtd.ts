/**
 * dtd: the study's own result, a catalog-level stage (`over: catalog`). It gathers every
 * selected galaxy's result FITS at every k of the run and fits the SN Ia delay-time
 * distribution as DtdEstimator.ipynb does (src/dtd/, docs/dtd.md): the notebook's cuts
 * (SN Type exactly 'Ia', PSF sigma <= maxPsfSigma, >= minGrouped grouped pixels), the
 * PSF-blurred SN position summed per group, the DTD integrated over the 50 age bins, the
 * likelihood over SNe (each with its best k of `dtdK`), and emcee's stretch move, seeded.
 * The SN pixel follows the run's `snPixel` rule, the one summary.csv uses.
 *
 * Its key is the result FITS' content (through the write stage's output hashes), the
 * catalog (the names and types of galaxies without a result) and its parameters, so an
 * unchanged rerun answers it from the cache and one more galaxy, or one changed group
 * map, refits.
 *
 * Writes, in the output folder: `dtd_<model>_chain.csv` (every step of every walker,
 * burn-in included, with ln p), `dtd_<model>_summary.csv`/`.ecsv` (median and 16/84 % per
 * parameter after burn-in, tau, kept steps / tau, and how the fit was made),
 * `dtd_<model>_hosts.csv`/`.ecsv` (every host map considered: kept or why not) and
 * `dtd_<model>_corner.png`; `meta.report` is its section in report.html, `meta.print` its
 * lines in the log, `meta.comparison` what the dtd-models stage compares.
 */
import path from 'node:path';
import type { Galaxy } from '../src/catalog/galaxy.ts';
import { UserError } from '../src/errors.ts';
import type { DtdExclusion, DtdFit, DtdHost, DtdIntegral, HostWithout, ModelRecord, SnPixelRule } from '../src/dtd/index.ts';
import type { FanInItemContext, Json, StageContext, StageInputContext, StageOutput } from '../src/stage.ts';

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

function files(ctx: StageInputContext) {
  const model = String(ctx.params['dtdModel']);
  const dir = path.resolve(String(ctx.params['out']));
  const f = (what: string) => path.join(dir, `dtd_${model}_${what}`);
  return { chain: f('chain.csv'), summary: f('summary.csv'), summaryEcsv: f('summary.ecsv'), hosts: f('hosts.csv'), hostsEcsv: f('hosts.ecsv'), corner: f('corner.png') };
}

/** The result FITS it reads (their hashes are part of its key), and the catalog. */
export function inputs(ctx: StageInputContext): string[] {
  return [...new Set(resultsOf(ctx).map((r) => r.fits)), path.resolve(String(ctx.params['catalog']))];
}

export function outputs(ctx: StageInputContext): string[] {
  return Object.values(files(ctx));
}

/** Loads the fit and the canvas library ahead of the first call (a worker does this early). */
export async function warm(): Promise<void> {
  await import('../src/dtd/index.ts');
  (await import('../src/report/plots/index.ts')).fontFamily();
}

/** The catalog's SN name and type of each galaxy (for those without a result); empty if unreadable. */
async function catalogNames(file: string): Promise<Map<string, { sn: string; type: string }>> {
  const { readCatalog } = await import('../src/catalog/read.ts');
  const names = new Map<string, { sn: string; type: string }>();
  try {
    for (const row of readCatalog(file)) names.set(row.id, { sn: row.fields['SN Name'] ?? '', type: row.fields['SN Type'] ?? '' });
  } catch {
    // (the catalog stage reports an unreadable catalog; here it only costs two columns)
  }
  return names;
}

export async function run(ctx: StageContext): Promise<StageOutput> {
  const { mkdirSync, rmSync } = await import('node:fs');
  const { writeFileAtomic } = await import('../src/cache/atomic.ts');
  const dtd = await import('../src/dtd/index.ts');
  const { tableCsv, tableEcsv } = await import('../src/report/ecsv.ts');
  const { drawCornerPlot } = await import('../src/report/plots/corner.ts');
  const { dtdReport } = await import('../src/dtd/report.ts');
  const results = resultsOf(ctx);
  const model = String(ctx.params['dtdModel']) as typeof dtd.DTD_DEFAULTS.model;
  const snPixelRule = String(ctx.params['snPixel']) as SnPixelRule;
  const facts = { snPixelRule };

  // Each result becomes one host; one that cannot (a grid other than the 50 MILES ages, a
  // file without the SN's pixel) is left out with its reason, and the fit goes on.
  const all: DtdHost[] = [];
  const unreadable: HostWithout[] = [];
  for (const r of results) {
    try {
      all.push(dtd.readDtdHost(r.fits, { id: r.galaxy.id, snName: r.galaxy.snName, snType: r.galaxy.snType, snPixelRule, ...(r.k === undefined ? {} : { k: r.k }) }));
    } catch (err) {
      unreadable.push({ id: r.galaxy.id, snName: r.galaxy.snName, snType: r.galaxy.snType ?? '', k: r.k ?? null, detail: err instanceof Error ? err.message : String(err), file: r.fits });
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
  for (const u of unreadable) ctx.warn(`dtd: galaxy ${u.id}${u.k === null ? '' : ` k=${u.k}`} left out: ${u.detail}`);
  const inK = (k: unknown) => k === undefined || kList.includes(Number(k));
  const names = await catalogNames(path.resolve(String(ctx.params['catalog'])));
  const noResult: HostWithout[] = (ctx.excluded ?? [])
    .filter((e) => inK(e.point['k']))
    .map((e) => ({ id: e.galaxy, snName: names.get(e.galaxy)?.sn ?? '', snType: names.get(e.galaxy)?.type ?? '', k: e.point['k'] === undefined ? null : Number(e.point['k']), detail: `${e.instance} ${e.status}: ${e.reason}` }));

  const f = files(ctx);
  mkdirSync(path.dirname(f.chain), { recursive: true });
  const writeHosts = (fit: DtdFit | null, excluded: readonly DtdExclusion[]): void => {
    const table = dtd.hostsTable(dtd.selectionRows({ hosts, fit, excluded, unreadable: unreadable.filter((u) => inK(u.k ?? undefined)), noResult }), facts);
    writeFileAtomic(f.hosts, tableCsv(table));
    writeFileAtomic(f.hostsEcsv, tableEcsv(table));
  };
  const options = {
    model,
    nwalkers: Number(ctx.params['dtdWalkers']),
    nsteps: Number(ctx.params['dtdSteps']),
    burn: Number(ctx.params['dtdBurn']),
    seed: Number(ctx.params['dtdSeed']),
    kList,
    binWeight: String(ctx.params['dtdBinWeight']) as typeof dtd.DTD_DEFAULTS.binWeight,
    integral: String(ctx.params['dtdIntegral']) as DtdIntegral,
    cuts: { ...dtd.DTD_DEFAULTS.cuts, maxPsfSigma: Number(ctx.params['maxPsfSigma']), minGrouped: Number(ctx.params['minGrouped']) },
  };
  // Nothing to fit: the selection table still says why, and no earlier fit's files stay
  // next to it as if they were this run's.
  const skip = (why: string): StageOutput => {
    writeHosts(null, dtd.selectHosts(hosts, options.cuts).excluded);
    for (const file of [f.chain, f.summary, f.summaryEcsv, f.corner]) rmSync(file, { force: true });
    return { meta: { hosts: hosts.length, kList, fitted: [], print: `dtd ${model}: not fitted: ${why} (why each host was left out: ${path.basename(f.hosts)})\n` }, skip: why, files: [f.hosts, f.hostsEcsv] };
  };
  if (!hosts.some((h) => h.snType === 'Ia')) {
    return skip(`no SN Ia host among the ${new Set(results.map((r) => r.galaxy.id)).size} galaxies at k in [${kList.join(', ')}] (the fit needs SN Type 'Ia' exactly)`);
  }
  let fit: DtdFit;
  try {
    fit = dtd.fitDtd(hosts, options);
  } catch (err) {
    // Every SN Ia host cut (too wide a PSF, too few grouped pixels): nothing to fit, which
    // the run says with the cuts' tally; the galaxies' own results stand.
    if (err instanceof UserError && err.reason === 'empty-selection') return skip(err.message.replace(/^dtd: /, ''));
    throw err;
  }

  writeFileAtomic(f.chain, dtd.chainCsv(fit.chain, fit.model.params));
  const summary = dtd.summaryTable(fit, facts);
  writeFileAtomic(f.summary, tableCsv(summary));
  writeFileAtomic(f.summaryEcsv, tableEcsv(summary));
  writeHosts(fit, fit.excluded);
  const corner = drawCornerPlot({ samples: fit.flat, params: fit.summary, bins: fit.model.cornerBins, title: `DTD fit ${model}: ${dtd.fitLine(fit)}` });
  writeFileAtomic(f.corner, corner.png);

  const c = fit.convergence;
  if (c.warning) ctx.warn(`dtd ${model}: ${c.warning}`);
  const kNote = dtd.kNote(kList);
  const { report, print } = dtdReport(fit, { files: f, kNote, unreadable: unreadable.length, noResult: noResult.length });
  const comparison: ModelRecord = {
    model,
    description: fit.model.description,
    params: [...fit.model.params],
    bestParams: [...fit.best.params],
    maxLnL: fit.best.lnL,
    sne: [...fit.sne],
    kList,
    seed: fit.options.seed,
    walkers: fit.options.nwalkers,
    steps: fit.options.nsteps,
    burn: fit.options.burn,
    binWeight: fit.options.binWeight,
    integral: fit.options.integral,
    acceptance: c.acceptance,
    converged: c.converged,
    stepsEnough: c.stepsEnough,
  };
  const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
  return {
    meta: {
      model,
      kList,
      sne: [...fit.sne],
      excluded: fit.excluded.map((e) => ({ galaxy: e.id, k: e.k, reason: e.reason, detail: e.detail })) as unknown as Json,
      unreadable: unreadable.map((u) => ({ galaxy: u.id, k: u.k, reason: u.detail })) as unknown as Json,
      acceptance: c.acceptance,
      summary: fit.summary.map((s) => ({ name: s.name, median: s.median, q16: s.q16, q84: s.q84 })) as unknown as Json,
      convergence: { tau: c.tau.map(finite), kept: c.kept, stepsEnough: c.stepsEnough, converged: c.converged, warning: c.warning },
      comparison: { ...comparison, maxLnL: finite(comparison.maxLnL) } as unknown as Json,
      report: report as unknown as Json,
      print,
    },
    files: Object.values(f),
  };
}
