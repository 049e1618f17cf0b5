/**
 * The benchmark's report: a table per galaxy (ours, the original, the ratio, peak memory),
 * where our time goes per stage, the group-map comparison, the kernel's scaling, and the
 * targets of the issue side by side with what was measured (reported, never asserted).
 */
import { bestWall, COLD_K, maxRss, medianWall, SWEEP, WARM_K, type GalaxyResult } from './galaxy.ts';
import { fitCost, type ScalingPoint } from './kernels.ts';
import type { CatalogResult } from './catalog.ts';
import type { CompressedResult } from './compressed.ts';
import type { OurRun } from './ours.ts';
import type { PyRun } from './python.ts';
import { median } from './measure.ts';

/** Seconds, readably: 0.123 s, 12.3 s, 123 s. */
export function secs(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '-';
  if (s < 1) return `${(s * 1000).toFixed(0)} ms`;
  return s < 100 ? `${s.toPrecision(3)} s` : `${s.toFixed(0)} s`;
}

/** Bytes as MB. */
export function mb(b: number | null | undefined): string {
  return b === null || b === undefined ? '-' : `${(b / 1e6).toFixed(0)} MB`;
}

function ratio(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  return x >= 10 ? `${x.toFixed(0)}x` : `${x.toFixed(1)}x`;
}

/** Left-aligned first column, right-aligned others. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd()).join('\n');
}

/** One comparison row of the table, as results.json keeps it. */
export interface Row {
  readonly what: string;
  /** Median of our repetitions (the ratios use it), and the best. */
  readonly oursSeconds: number | null;
  readonly oursBestSeconds: number | null;
  readonly repetitions: number;
  readonly oursPeakRssBytes: number | null;
  /** The vectorized numpy peer (bench/python/peer.py): median of its repetitions. */
  readonly peerSeconds: number | null;
  readonly peerPeakRssBytes: number | null;
  readonly originalSeconds: number | null;
  readonly originalPeakRssBytes: number | null;
  readonly originalExtrapolated: boolean;
  /** peer / ours and original / ours (how many times faster we are). */
  readonly ratioPeer: number | null;
  readonly ratio: number | null;
}

function medianOf(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : median(xs);
}

/** The load-cubes stage's seconds in a run (each input read once: headers, sha256, both nanmedians), or null when it did not run. */
function loadSeconds(r: OurRun): number | null {
  const s = r.stages.find((x) => x.name === 'load-cubes');
  return s && s.status === 'ran' ? s.ms / 1000 : null;
}

/** The comparison rows of a galaxy. */
export function rowsOf(g: GalaxyResult): Row[] {
  const o = g.original;
  const ex = o?.extrapolated ?? false;
  const ok = <T extends { ok: boolean }>(runs: readonly T[]) => runs.filter((r) => r.ok);
  const peerWall = (runs: readonly PyRun[] | undefined) => medianOf(ok(runs ?? []).map((r) => r.wallSeconds));
  const peerRss = (runs: readonly PyRun[] | undefined) => maxRss(ok(runs ?? []));
  const make = (what: string, ours: number | null, best: number | null, reps: number, oursRss: number | null, peer: number | null, peerRss: number | null, orig: number | null, origRss: number | null): Row => ({
    what,
    oursSeconds: ours,
    oursBestSeconds: best,
    repetitions: reps,
    oursPeakRssBytes: oursRss,
    peerSeconds: peer,
    peerPeakRssBytes: peerRss,
    originalSeconds: orig,
    originalPeakRssBytes: origRss,
    originalExtrapolated: ex,
    ratioPeer: ours && peer ? peer / ours : null,
    ratio: ours && orig ? orig / ours : null,
  });
  const row = (what: string, runs: OurRun[], peer: readonly PyRun[] | undefined, orig: number | null, origRss: number | null): Row => {
    const good = ok(runs);
    return make(what, good.length ? medianWall(good) : null, good.length ? bestWall(good) : null, good.length, maxRss(good), peerWall(peer), peerRss(peer), orig, origRss);
  };
  const rssOf = (k: number) => o?.processes.find((p) => p.report?.cluster[0]?.k === k && p.report.cluster.length === 1)?.peakRssBytes ?? o?.peakRssBytes ?? null;
  const p = g.peer;
  const rows = [
    row(`cold run, k=${COLD_K}`, g.ours.coldK4, p?.coldK4, o?.coldK4Seconds ?? null, rssOf(COLD_K)),
    row(`cold sweep, k=${SWEEP.from}..${SWEEP.to}`, g.ours.sweep, p?.sweep, o?.sweepSeconds ?? null, o?.peakRssBytes ?? null),
    row(`warm rerun, new k=${WARM_K}`, g.ours.warm, p?.warm, o?.warmSeconds ?? null, rssOf(WARM_K)),
    row(`fully cached rerun, k=${COLD_K}`, g.ours.cached, undefined, null, null),
  ];
  // Both nanmedians with the reads of the two files: our load-cubes stage (which also hashes
  // them), the Python mass-map step (astropy reads lazily, so its read is in it).
  const mm = ok(g.ours.coldK4).map(loadSeconds).filter((x): x is number => x !== null);
  const peerMm = ok(p?.coldK4 ?? []).map((r) => r.report!.steps.mass_map);
  rows.push(make('load-cubes stage (each file read once: sha256 + 2 nanmedians)', medianOf(mm), mm.length ? Math.min(...mm) : null, mm.length, null, medianOf(peerMm), null, o?.steps['mass_map'] ?? null, null));
  if (g.floor) {
    rows.push(make('both nanmedians streamed, no hash (in-process)', g.floor.streamedSeconds, null, g.floor.reps, null, medianOf(peerMm), null, o?.steps['mass_map'] ?? null, null));
    rows.push(make('both nanmedians alone (cubes in memory, 2 threads)', g.floor.mediansSeconds, null, g.floor.reps, null, medianOf(peerMm), null, o?.steps['mass_map'] ?? null, null));
  }
  const c = g.clusterAlone;
  if (c) {
    const peerLoop = ok(p?.coldK4 ?? []).map((r) => r.report!.cluster[0]!.seconds);
    const r = make(`cluster stage alone, k=${c.k} (in-process)`, c.ourMs / 1000, c.ourMs / 1000, 5, null, medianOf(peerLoop), null, c.pythonSeconds, null);
    rows.push({ ...r, originalExtrapolated: c.extrapolated, ratio: c.ratio });
  }
  return rows;
}

/** The printed report of one galaxy. */
export function galaxyReport(g: GalaxyResult): string {
  const lines: string[] = [];
  const [nw, ny, nx] = g.shape;
  lines.push(`\n== ${g.name}: galaxy ${g.id}, ${nw} x ${ny} x ${nx}, ${g.fittedPixels} fitted spaxels, ${g.validPixels ?? '?'} clustered (load average ${g.loadAverage.before.toFixed(1)} -> ${g.loadAverage.after.toFixed(1)}) ==`);
  const rows = rowsOf(g);
  lines.push(
    table([
      ['', 'ours (median)', 'best', 'peak RSS', 'numpy peer', 'peak RSS', g.original?.extrapolated ? 'notebook (extrap.)' : 'notebook', 'peak RSS', 'peer/ours', 'notebook/ours'],
      ...rows.map((r) => [r.what, secs(r.oursSeconds), secs(r.oursBestSeconds), mb(r.oursPeakRssBytes), secs(r.peerSeconds), mb(r.peerPeakRssBytes), secs(r.originalSeconds) + (r.originalExtrapolated && r.originalSeconds !== null ? '*' : ''), mb(r.originalPeakRssBytes), ratio(r.ratioPeer), ratio(r.ratio)]),
    ]),
  );
  if (g.original?.extrapolated) lines.push(`* ${g.original.how}`);
  else if (g.original) lines.push(`original: ${g.original.how}; the sweep is the sum of the 7 processes, the warm rerun is a whole run at k=${WARM_K} (the notebook has no cache)`);
  if (g.floor) {
    const f = g.floor;
    lines.push(`floor: all ${mb(f.bytes)} of input read from the page cache in ${secs(f.pageCacheReadSeconds)}; both nanmedians in memory ${secs(f.mediansSeconds)} (the two inputs read into memory first: ${secs(f.readIntoBufferSeconds)}); floor = read + medians = ${secs(f.pageCacheReadSeconds + f.mediansSeconds)}`);
    lines.push(`       both nanmedians streamed from the files ${secs(f.streamedSeconds)}; sha256 of the inputs alone ${secs(f.sha256Seconds)} (one thread); median of ${f.reps}; the Python mass map steps include astropy's lazy read`);
  }
  const rss = maxRss([...g.ours.coldK4, ...g.ours.sweep].filter((r) => r.ok));
  if (rss !== null) lines.push(`our peak RSS / one float32 cube (${mb(g.mustHoldBytes)}): ${(rss / g.mustHoldBytes).toFixed(2)}x`);
  const c = g.clusterAlone;
  if (c) {
    lines.push(`cluster alone: emdKMeans ${c.ourIterations} rounds in ${c.ourMs.toFixed(1)} ms (${c.ourMsPerRound.toFixed(2)} ms/round, best of 5) on ${c.arrays}; ${c.arraysEqualToCache}`);
    if (c.pythonSecondsPerRound !== null) lines.push(`               notebook loop ${c.pythonSecondsPerRound.toFixed(3)} s/round${c.extrapolated ? ` (measured on 1 round, x ${c.ourIterations} rounds)` : ''}; per round ${ratio((c.pythonSecondsPerRound * 1000) / c.ourMsPerRound)}`);
  }
  for (const [label, runs] of [
    [`cold k=${COLD_K}`, g.ours.coldK4],
    [`warm k=${WARM_K}`, g.ours.warm],
    [`sweep`, g.ours.sweep],
  ] as const) {
    const r = runs.find((x) => x.ok);
    if (r) lines.push(`stages, ${label}: ${r.stages.map((s) => `${s.name} ${s.status === 'ran' ? `${s.ms.toFixed(0)} ms` : s.status}`).join(', ')}`);
  }
  const sweep = g.ours.sweep.find((x) => x.ok);
  if (sweep) lines.push(`our rounds per k: ${sweep.results.map((r) => `k=${r.k}: ${r.iterations}${r.converged ? '' : ' (not converged)'}${r.groups < r.k ? ` -> ${r.groups} groups` : ''}`).join(', ')}`);
  if (g.original) {
    lines.push(`notebook per k: ${g.original.perK.map((p) => `k=${p.k}: ${p.secondsPerRound.toFixed(2)} s/round x ${p.rounds}`).join(', ')}`);
    const s = g.original.steps;
    lines.push(`notebook steps (one process): imports ${secs(s['imports'])}, read ${secs(s['read'])}, mass map ${secs(s['mass_map'])}, collapse+smooth ${secs(s['collapse_smooth'])}, loop k=${COLD_K} ${secs(g.original.clusterK4Seconds)}${g.original.extrapolated ? ' (extrap.)' : ''}, loops k=${SWEEP.from}..${SWEEP.to} ${secs(g.original.sweepClusterSeconds)}`);
  }
  const peerCold = g.peer?.coldK4.find((r) => r.ok)?.report;
  if (peerCold) {
    const s = peerCold.steps;
    lines.push(`numpy peer steps (one process, k=${COLD_K}): imports ${secs(s.imports)}, read ${secs(s.read)}, mass map ${secs(s.mass_map)}, collapse+smooth ${secs(s.collapse_smooth)}, loop ${secs(peerCold.cluster[0]?.seconds)} (${peerCold.cluster[0]?.rounds} rounds), write ${secs(s.write)}`);
  }
  if (g.peerMaps.length) {
    const bad = g.peerMaps.filter((m) => !m.equal);
    const groups = new Map<string, number[]>();
    for (const m of g.peerMaps) groups.set(`${m.peer} vs ${m.against}`, [...(groups.get(`${m.peer} vs ${m.against}`) ?? []), m.k]);
    lines.push(`numpy peer's group maps (pixel by pixel, NaN included): ${bad.length === 0 ? 'ALL EQUAL' : `${bad.length} DIFFER`} (${[...groups].map(([o, ks]) => `${o}: k=${ks.join(',')}`).join('; ')})`);
    for (const m of bad) lines.push(`  k=${m.k} ${m.peer} vs ${m.against}: ${m.differingPixels} of ${m.pixels} pixels differ`);
  }
  if (g.maps.length) {
    const bad = g.maps.filter((m) => !m.equal);
    const groups = new Map<string, number[]>();
    for (const m of g.maps) groups.set(m.ours, [...(groups.get(m.ours) ?? []), m.k]);
    lines.push(`group maps vs the notebook (pixel by pixel, NaN included): ${bad.length === 0 ? 'ALL EQUAL' : `${bad.length} DIFFER`} (${[...groups].map(([o, ks]) => `${o}: k=${ks.join(',')}`).join('; ')})`);
    for (const m of bad) lines.push(`  k=${m.k} ${m.ours}: ${m.differingPixels} of ${m.pixels} pixels differ (ours ${m.ourIterations} rounds, notebook ${m.pythonRounds})`);
    const rounds = g.maps.filter((m) => m.ourIterations !== m.pythonRounds);
    if (rounds.length) lines.push(`  rounds differ for ${rounds.map((m) => `k=${m.k} ${m.ours} (${m.ourIterations} vs ${m.pythonRounds})`).join(', ')}`);
  }
  return lines.join('\n');
}

/** The catalog run: galaxies per minute, ours (one process) against the peer (a process per galaxy). */
export function catalogReport(c: CatalogResult): string {
  const [nw, ny, nx] = c.shape;
  const hourly = c.kind === 'full';
  const rate = (perMinute: number | null) => (perMinute === null ? '-' : hourly ? (perMinute * 60).toFixed(0) : perMinute.toFixed(1));
  const perWorker = c.jobs && c.ours.peakRssBytes ? ` (${mb(c.ours.peakRssBytes / c.jobs)} per worker)` : '';
  const rows: string[][] = [
    ['', 'wall', hourly ? 'galaxies/hour' : 'galaxies/minute', 'peak RSS'],
    [`ours (one process, --galaxy all${c.jobs ? ` --jobs ${c.jobs}` : ''})`, secs(c.ours.wallSeconds), rate(c.galaxiesPerMinute.ours), mb(c.ours.peakRssBytes) + perWorker],
  ];
  if (c.peer) rows.push(['numpy peer (a process per galaxy)', secs(c.peer.wallSeconds), rate(c.galaxiesPerMinute.peer), `${mb(c.peer.peakRssBytes)} (one galaxy)`]);
  return [
    `\n== catalog (${c.kind}): ${c.galaxies} galaxies of ${nw} x ${ny} x ${nx}, k=${c.ks} ==`,
    table(rows),
    c.peer ? `group maps, ours vs the peer: ${c.maps.differing.length === 0 ? `ALL EQUAL (${c.maps.compared})` : `${c.maps.differing.length} DIFFER`}` : '',
  ].filter(Boolean).join('\n');
}

/** What starting the CLI costs, by how it is started. */
export function startupReport(rows: readonly { how: string; medianSeconds: number; bestSeconds: number; runs: number; ok: boolean }[]): string {
  return `\n== start-up (median of ${rows[0]?.runs ?? 0}, a project with sfh-pipeline installed) ==\n${table([['', 'median', 'best'], ...rows.map((r) => [r.how + (r.ok ? '' : ' (FAILED)'), secs(r.medianSeconds), secs(r.bestSeconds)])])}`;
}

/** The scaling table, and the cost model fitted to it. */
export function scalingReport(points: readonly ScalingPoint[]): string {
  const fit = fitCost(points);
  const big = points.filter((p) => p.spaxels >= 10000);
  const nsBig = big.map((p) => p.nsPerPixelKIter);
  return [
    `\n== emdKMeans scaling (in-process, the benchmark galaxy drawn at each size, to convergence, best of reps) ==`,
    table([
      ['spaxels', 'clustered', 'k', 'rounds', 'time', 'ns/(pixel x k x round)', 'ns/(pixel x round)', 'fit'],
      ...points.map((p) => {
        const model = (fit.aNs * p.valid * p.iterations + fit.bNs * p.valid * p.k * p.iterations) / 1e6;
        return [`${p.side}^2 = ${p.spaxels}`, String(p.valid), String(p.k), String(p.iterations), `${p.bestMs.toFixed(1)} ms`, p.nsPerPixelKIter.toFixed(1), (p.nsPerPixelKIter * p.k).toFixed(1), `${(((p.bestMs - model) / model) * 100).toFixed(0)}%`];
      }),
    ]),
    `fit: time = ${fit.aNs.toFixed(1)} ns x pixels x rounds (centroids, independent of k) + ${fit.bNs.toFixed(1)} ns x pixels x k x rounds (one EMD each); largest residual ${(fit.maxRelResidual * 100).toFixed(0)}%`,
    nsBig.length ? `at >= 100^2 spaxels: ${Math.min(...nsBig).toFixed(1)}..${Math.max(...nsBig).toFixed(1)} ns per pixel x k x round` : '',
  ].filter(Boolean).join('\n');
}

/** One target of the issue against the measurement. */
export interface Target {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | null;
}

/** The targets of issue #23, evaluated (informational; the bench never fails on them). */
export function targets(galaxies: readonly GalaxyResult[], catalogs: readonly CatalogResult[] = []): Target[] {
  const out: Target[] = [];
  const binned = galaxies.find((g) => g.name === 'binned') ?? galaxies.find((g) => g.name === 'tiny');
  const full = galaxies.find((g) => g.name === 'full');
  const x = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)}x`);
  const atLeast = (v: number | null, min: number) => (v === null ? null : v >= min);
  if (full) {
    const cold = rowsOf(full)[0]!;
    const f = full.floor;
    if (f && cold.oursSeconds !== null) {
      const floor = f.pageCacheReadSeconds + f.mediansSeconds;
      out.push({ target: 'full resolution cold k=4 <= 2x the floor (page-cache read + both medians)', measured: `${secs(cold.oursSeconds)} = ${(cold.oursSeconds / floor).toFixed(2)}x ${secs(floor)}`, met: cold.oursSeconds <= 2 * floor });
    }
    out.push({ target: 'full resolution cold k=4 >= 3x the numpy peer', measured: x(cold.ratioPeer), met: atLeast(cold.ratioPeer, 3) });
    const rss = maxRss(full.ours.coldK4.filter((r) => r.ok));
    out.push({ target: 'full resolution cold k=4 peak RSS <= 600 MB', measured: mb(rss), met: rss === null ? null : rss <= 600e6 });
  }
  if (binned) {
    const r = rowsOf(binned);
    const tag = binned.name === 'binned' ? '' : ` (${binned.name} galaxy)`;
    out.push({ target: `binned cold k=4 >= 2x the numpy peer${tag}`, measured: x(r[0]!.ratioPeer), met: atLeast(r[0]!.ratioPeer, 2) });
    out.push({ target: `binned cold sweep k=2..8 >= 3x the numpy peer${tag}`, measured: x(r[1]!.ratioPeer), met: atLeast(r[1]!.ratioPeer, 3) });
  }
  for (const c of catalogs) {
    const g = c.galaxiesPerMinute;
    const ratio = g.ours && g.peer ? g.ours / g.peer : null;
    const unit = c.kind === 'full' ? 60 : 1;
    const what = `${(g.ours ?? 0) * unit > 0 ? ((g.ours ?? 0) * unit).toFixed(c.kind === 'full' ? 0 : 1) : '-'} vs ${g.peer ? (g.peer * unit).toFixed(c.kind === 'full' ? 0 : 1) : '-'} galaxies per ${c.kind === 'full' ? 'hour' : 'minute'} (${x(ratio)})`;
    if (c.kind === 'binned') out.push({ target: `catalog of ${c.galaxies} binned galaxies x k=${c.ks} >= 4x the peer's galaxies per minute`, measured: what, met: atLeast(ratio, 4) });
    else out.push({ target: `catalog of ${c.galaxies} full-resolution galaxies x k=${c.ks}, --jobs ${c.jobs ?? '-'}: against the peer`, measured: `${what}; peak RSS ${mb(c.ours.peakRssBytes)}`, met: null });
  }
  return out;
}

/** The compressed-input rows: our cold k=4 and the peer's on .fits.gz files, against inflating them alone. */
export function compressedReport(c: CompressedResult, plain: GalaxyResult | undefined): string {
  const ok = c.ours.filter((r) => r.ok);
  const ours = ok.length ? medianWall(ok) : null;
  const peer = c.peer?.filter((r) => r.ok) ?? [];
  const peerWall = peer.length ? median(peer.map((r) => r.wallSeconds)) : null;
  const plainCold = plain ? rowsOf(plain)[0] : undefined;
  const load = ok.map(loadSeconds).filter((v): v is number => v !== null);
  return [
    `\n== ${c.name}, .fits.gz inputs (gzip -6: ${(c.ratio).toFixed(2)}x smaller, ${mb(c.files.reduce((a, f) => a + f.bytes, 0))}) ==`,
    table([
      ['', 'ours (median)', 'peak RSS', 'numpy peer', 'peer/ours', 'same files uncompressed: ours', 'peer'],
      ['cold run, k=4', secs(ours), mb(maxRss(ok)), secs(peerWall), ratio(ours && peerWall ? peerWall / ours : null), secs(plainCold?.oursSeconds), secs(plainCold?.peerSeconds)],
      ['load-cubes stage (inflates each file twice)', secs(load.length ? median(load) : null), '', '', '', '', ''],
      ['inflating both files alone (zlib, one thread)', secs(c.inflateSeconds), '', '', '', '', ''],
    ]),
    `our group map from the .fits.gz: ${c.mapEqual === null ? 'not compared' : c.mapEqual ? 'EQUAL to the .fits one' : 'DIFFERS'}${c.gzipSeconds !== null ? `; compressing took ${secs(c.gzipSeconds)}` : ''}`,
  ].join('\n');
}

/** The targets as a printed table. */
export function targetsReport(ts: readonly Target[]): string {
  if (ts.length === 0) return '';
  return `\n== targets (reported, not asserted) ==\n${table([['target', 'measured', 'met'], ...ts.map((t) => [t.target, t.measured, t.met === null ? '-' : t.met ? 'yes' : 'NO'])])}`;
}
