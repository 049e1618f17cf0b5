/**
 * The DTD fit's tables as data (written as CSV and ECSV by the dtd stage, docs/dtd.md):
 * - the summary, one row per parameter: the corner titles' numbers, the chain's
 *   convergence (tau, kept steps / tau, the steps that would be enough) and how the fit
 *   was made (model, k list, SNe, seed, walkers, steps, burn, acceptance, options);
 * - the selection, one row per host map considered: kept, or the cut that left it out,
 *   with what the cut looked at (PSF sigma, SN pixel, its group and probability).
 */
import type { TableColumn, TypedTable, TableValue } from '../report/ecsv.ts';
import { AUTOCORR_TOL } from './autocorr.ts';
import type { DtdFit } from './fit.ts';
import type { DtdHost, SnPixelRule } from './host.ts';
import { compareIds } from './likelihood.ts';
import type { DtdExclusion, PreparedHost } from './select.ts';

/** The unit of each sampled parameter, as astropy spells it (log10 of years is dex(yr)). */
export const PARAM_UNITS: Readonly<Record<string, string>> = { logTau: 'dex(yr)', logTc: 'dex(yr)', logR: 'dex', s: '', s1: '', s2: '' };

/** How the run took what the fit does not know by itself. */
export interface RunFacts {
  readonly snPixelRule: SnPixelRule;
}

/** The summary: the first six columns are the table before issue 24, unchanged. */
export function summaryTable(fit: DtdFit, facts: RunFacts): TypedTable {
  const o = fit.options;
  const c = fit.convergence;
  const columns: TableColumn[] = [
    { name: 'param', datatype: 'string', description: 'sampled parameter' },
    { name: 'median', datatype: 'float64', description: "median of the samples after burn-in, in the row's unit" },
    { name: 'q16', datatype: 'float64', description: '16 % quantile (np.percentile, linear)' },
    { name: 'q84', datatype: 'float64', description: '84 % quantile' },
    { name: 'plus', datatype: 'float64', description: 'q84 - median' },
    { name: 'minus', datatype: 'float64', description: 'median - q16' },
    { name: 'label', datatype: 'string', description: 'the corner plot label' },
    { name: 'unit', datatype: 'string', description: "the parameter's unit (dex(yr) = log10 of years); empty: none" },
    { name: 'tau_steps', datatype: 'float64', description: "integrated autocorrelation time in steps, emcee's get_autocorr_time(discard=burn); nan: a walker never moved" },
    { name: 'kept_steps', datatype: 'int64', description: 'steps after burn-in' },
    { name: 'kept_over_tau', datatype: 'float64', description: 'kept_steps / tau_steps; emcee asks for >= 50' },
    { name: 'steps_needed', datatype: 'int64', description: 'dtdSteps that would give 50 tau after burn-in, by this estimate' },
    { name: 'converged', datatype: 'bool', description: 'kept_over_tau >= 50' },
    { name: 'model', datatype: 'string' },
    { name: 'k_list', datatype: 'string', description: 'the k whose group maps were used (several: each SN counts with its best)' },
    { name: 'n_sne', datatype: 'int64', description: 'SNe Ia fitted' },
    { name: 'seed', datatype: 'int64', description: 'np.random.seed before the start' },
    { name: 'walkers', datatype: 'int64' },
    { name: 'steps', datatype: 'int64' },
    { name: 'burn', datatype: 'int64' },
    { name: 'acceptance', datatype: 'float64', description: 'mean acceptance fraction over walkers' },
    { name: 'bin_weight', datatype: 'string', description: 'integral (the notebook) or mean' },
    { name: 'integral', datatype: 'string', description: 'notebook (its expression) or stable (expm1/log1p)' },
    { name: 'sn_pixel_rule', datatype: 'string', description: "int (the notebook's truncation) or nearest" },
    { name: 'warning', datatype: 'string', description: 'why the chain may be too short; empty when it is not' },
  ];
  const rows = fit.summary.map((s, d): TableValue[] => [
    s.name, s.median, s.q16, s.q84, s.plus, s.minus, s.label, PARAM_UNITS[s.name] ?? null,
    c.tau[d]!, c.kept, c.keptOverTau[d]!, c.stepsNeeded[d] ?? null, !(AUTOCORR_TOL * c.tau[d]! > c.kept) && Number.isFinite(c.tau[d]!),
    fit.model.name, o.kList.join(' '), fit.sne.length, o.seed, o.nwalkers, o.nsteps, o.burn, c.acceptance,
    o.binWeight, o.integral, facts.snPixelRule, c.warning,
  ]);
  return {
    columns,
    rows,
    meta: {
      model: fit.model.name,
      description: fit.model.description,
      sne: [...fit.sne],
      converged: c.converged,
      ...(c.stepsEnough !== null ? { steps_enough: c.stepsEnough } : {}),
      ...(c.warning ? { warning: c.warning } : {}),
    },
  };
}

/** Why a host map is in the selection table: kept, or the reason it was left out. */
export type HostStatus = 'kept' | 'not-ia' | 'psf-too-wide' | 'sn-outside-map' | 'sn-not-grouped' | 'too-few-pixels' | 'labels-mismatch' | 'unreadable' | 'no-result';

/** One row of the selection: a galaxy at one k (no k for a galaxy without a result). */
export interface HostRow {
  readonly id: string;
  readonly snName: string;
  readonly snType: string;
  readonly k: number | null;
  readonly status: HostStatus;
  readonly detail: string;
  /** The host as read (absent for unreadable and no-result rows). */
  readonly host?: DtdHost;
  /** Present when kept: its per-group SN probabilities. */
  readonly prepared?: PreparedHost;
  /** The k of this SN whose map gave its probability at the best sample (kept rows). */
  readonly kUsed?: number;
  /** P of this map at the best sample (kept rows). */
  readonly probAtBest?: number;
  readonly file?: string;
}

/**
 * The kept hosts' rows with the best sample's numbers: each map's P there, and which of an
 * SN's maps (one per k) gave the SN's value (the notebook's max over KNumList).
 */
export function keptRows(fit: DtdFit): HostRow[] {
  const per = fit.likelihood.perHost(fit.best.params);
  const bestK = new Map<string, { k: number; p: number }>();
  fit.kept.forEach((h, i) => {
    const p = per[i]!;
    const cur = bestK.get(h.host.id);
    // (equal probabilities: the lower k, so the column does not depend on the maps' order)
    if (!cur || p > cur.p || (p === cur.p && h.host.k < cur.k)) bestK.set(h.host.id, { k: h.host.k, p });
  });
  return fit.kept.map((h, i) => ({
    id: h.host.id, snName: h.host.snName, snType: h.host.snType, k: h.host.k, status: 'kept', detail: '',
    host: h.host, prepared: h, kUsed: bestK.get(h.host.id)!.k, probAtBest: per[i]!, ...(h.host.file !== undefined ? { file: h.host.file } : {}),
  }));
}

/** A galaxy the selection names without a host: unreadable result, or none at all. */
export interface HostWithout {
  readonly id: string;
  readonly snName: string;
  readonly snType: string;
  readonly k: number | null;
  readonly detail: string;
  readonly file?: string;
}

/** What {@link selectionRows} puts together. */
export interface SelectionParts {
  /** Every host read at a k of the fit. */
  readonly hosts: readonly DtdHost[];
  /** The fit, when there was one (its kept hosts and best sample fill the kept rows). */
  readonly fit: DtdFit | null;
  /** The hosts the cuts left out (the fit's, or selectHosts' when nothing was left to fit). */
  readonly excluded: readonly DtdExclusion[];
  /** Result files that could not be read as a host. */
  readonly unreadable: readonly HostWithout[];
  /** Galaxies of the selection without a result (an upstream stage failed or skipped them). */
  readonly noResult: readonly HostWithout[];
}

/** Every row of the selection table, by catalog id, then k. */
export function selectionRows(parts: SelectionParts): HostRow[] {
  const byKey = new Map(parts.hosts.map((h) => [`${h.id}\u0000${h.k}`, h]));
  const rows: HostRow[] = [
    ...(parts.fit ? keptRows(parts.fit) : []),
    ...parts.excluded.map((e): HostRow => {
      const host = byKey.get(`${e.id}\u0000${e.k}`);
      return { id: e.id, snName: e.snName, snType: host?.snType ?? '', k: e.k, status: e.reason, detail: e.detail, ...(host ? { host } : {}), ...(e.file !== undefined ? { file: e.file } : {}) };
    }),
    ...parts.unreadable.map((u): HostRow => ({ ...u, status: 'unreadable' })),
    ...parts.noResult.map((u): HostRow => ({ ...u, status: 'no-result' })),
  ];
  return rows.sort((a, b) => compareIds(a.id, b.id) || (a.k ?? -1) - (b.k ?? -1));
}

/** The label at the host's SN pixel, or null (outside the map, or not grouped). */
function groupAt(h: DtdHost): number | null {
  const [x, y] = h.snPixel;
  if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= h.nx || y >= h.ny) return null;
  const v = h.groupMap[y * h.nx + x]!;
  return Number.isNaN(v) ? null : v;
}

/** The selection table (dtd_<model>_hosts.csv / .ecsv), rows as given. */
export function hostsTable(rows: readonly HostRow[], facts: RunFacts): TypedTable {
  const columns: TableColumn[] = [
    { name: 'id', datatype: 'string', description: 'catalog id' },
    { name: 'sn_name', datatype: 'string' },
    { name: 'sn_type', datatype: 'string', description: "the catalog's SN Type; only exactly Ia is fitted" },
    { name: 'k', datatype: 'int64', description: 'the k of the group map' },
    { name: 'status', datatype: 'string', description: 'kept, or the cut that left the map out (docs/dtd.md)' },
    { name: 'detail', datatype: 'string', description: 'the cut in words' },
    { name: 'psf_sigma_px', datatype: 'float64', unit: 'pix', description: 'PSF gaussian sigma (cut: > maxPsfSigma)' },
    { name: 'sn_pixel_x', datatype: 'int64', unit: 'pix', description: 'SN pixel column, 0-based' },
    { name: 'sn_pixel_y', datatype: 'int64', unit: 'pix', description: 'SN pixel row, 0-based' },
    { name: 'sn_pixel_rule', datatype: 'string', description: "int (the notebook's truncation) or nearest" },
    { name: 'sn_group', datatype: 'int64', description: 'the group at the SN pixel' },
    { name: 'sn_group_prob', datatype: 'float64', description: "share of the PSF-blurred SN in its group (the notebook's probIndex)" },
    { name: 'groups', datatype: 'int64', description: 'groups in the map (rows of HDU 1)' },
    { name: 'grouped_pixels', datatype: 'int64', description: 'pixels in a group (cut: < minGrouped)' },
    { name: 'k_used', datatype: 'int64', description: "the k of this SN's map that gave its probability at the best sample" },
    { name: 'prob_at_best', datatype: 'float64', description: "this map's SN probability P at the chain's best sample" },
    { name: 'file', datatype: 'string', description: 'the group-map FITS' },
  ];
  const table = rows.map((r): TableValue[] => {
    const h = r.host;
    const group = h ? groupAt(h) : null;
    let grouped: number | null = null;
    if (h) {
      grouped = 0;
      for (const v of h.groupMap) if (!Number.isNaN(v)) grouped++;
    }
    const prob = r.prepared && group !== null ? r.prepared.probIndex[group - 1] ?? null : null;
    return [
      r.id, r.snName, r.snType, r.k, r.status, r.detail,
      h ? h.psfSigma : null, h && Number.isSafeInteger(h.snPixel[0]) ? h.snPixel[0] : null, h && Number.isSafeInteger(h.snPixel[1]) ? h.snPixel[1] : null,
      h ? facts.snPixelRule : null, group, prob, h ? h.groupMass.length : null, grouped,
      r.kUsed ?? null, r.probAtBest ?? null, r.file ? baseName(r.file) : null,
    ];
  });
  const count = (s: HostStatus) => rows.filter((r) => r.status === s).length;
  return { columns, rows: table, meta: { kept_maps: count('kept'), kept_sne: new Set(rows.filter((r) => r.status === 'kept').map((r) => r.id)).size, sn_pixel_rule: facts.snPixelRule } };
}

/** The file's name alone: the table sits next to the maps, so a copied folder stays valid. */
function baseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}
