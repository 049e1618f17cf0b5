/**
 * Everything the benchmark does with one galaxy: our CLI cold at k = 4, warm with a new k,
 * cold over the sweep; the notebook port on the same files; the group maps compared pixel by
 * pixel; the cluster kernel alone against the notebook's loop on the same arrays.
 */
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { differingPixels, loadDump, loadFromCache, maxAbsDiff, readMap, type ClusterInputs } from './arrays.ts';
import type { Dataset } from './generate.ts';
import { timeKernel } from './kernels.ts';
import { measureFloor, pageCacheWarmup, type Floor } from './medians.ts';
import { runOurs, type OurRun } from './ours.ts';
import { comparePeerMaps, runPeer, type PeerMapComparison, type PeerRuns } from './peer.ts';
import { runPython, type PyRun } from './python.ts';
import { median } from './measure.ts';

/** The sweep every galaxy is run over, and the k of the cold and warm single runs. */
export const SWEEP = { from: 2, to: 8 } as const;
export const COLD_K = 4;
export const WARM_K = 5;
const SWEEP_KS = Array.from({ length: SWEEP.to - SWEEP.from + 1 }, (_, i) => SWEEP.from + i);

/** One group map compared with the notebook port's. */
export interface MapComparison {
  readonly k: number;
  /** Which of our runs made it ('sweep', 'cold', 'warm') or 'kernel, 1 round'. */
  readonly ours: string;
  readonly equal: boolean;
  readonly differingPixels: number;
  readonly pixels: number;
  readonly ourIterations: number;
  readonly pythonRounds: number;
}

/** The notebook's timings on this galaxy, measured or extrapolated from bounded rounds. */
export interface Original {
  readonly extrapolated: boolean;
  readonly how: string;
  readonly coldK4Seconds: number;
  readonly warmSeconds: number;
  readonly sweepSeconds: number;
  /** The notebook's clustering loop at k = 4 to convergence (extrapolated when bounded). */
  readonly clusterK4Seconds: number;
  /** Sum over the sweep's k of the clustering loop alone. */
  readonly sweepClusterSeconds: number;
  readonly peakRssBytes: number | null;
  /** Per k: the loop's seconds per round, its rounds and the process wall time. */
  readonly perK: readonly { k: number; secondsPerRound: number; rounds: number; clusterSeconds: number; wallSeconds: number | null }[];
  /** Seconds per step of one process (imports, read, mass map, collapse+smooth). */
  readonly steps: Record<string, number>;
  readonly processes: readonly PyRun[];
}

/** Our kernel alone on the same arrays as the notebook's loop. */
export interface ClusterAlone {
  readonly k: number;
  readonly arrays: string;
  readonly arraysEqualToCache: string;
  readonly ourMs: number;
  readonly ourIterations: number;
  readonly ourMsPerRound: number;
  readonly pythonSeconds: number | null;
  readonly pythonSecondsPerRound: number | null;
  readonly ratio: number | null;
  readonly extrapolated: boolean;
  readonly labelsEqual: boolean | null;
}

/** All results for one galaxy. */
export interface GalaxyResult {
  readonly name: string;
  readonly id: number;
  readonly shape: readonly [number, number, number];
  readonly fittedPixels: number;
  readonly validPixels: number | null;
  /** Bytes of the largest array our pipeline must hold at once: one float32 cube. */
  readonly mustHoldBytes: number;
  readonly ours: { coldK4: OurRun[]; warm: OurRun[]; cached: OurRun[]; sweep: OurRun[] };
  readonly original: Original | null;
  readonly maps: MapComparison[];
  /** The vectorized numpy peer's runs (null with --skip-python) and its maps against the notebook's (or ours). */
  readonly peer: PeerRuns | null;
  readonly peerMaps: PeerMapComparison[];
  readonly clusterAlone: ClusterAlone | null;
  /** Reading the files from the page cache, and both nanmedians alone (null if it failed). */
  readonly floor: Floor | null;
  /** 1-minute load average before and after this galaxy's runs (other work on the machine skews timings). */
  readonly loadAverage: { readonly before: number; readonly after: number };
  readonly problems: string[];
}

/** Median wall time of a list of runs. */
export function medianWall(runs: readonly { wallSeconds: number }[]): number {
  return median(runs.map((r) => r.wallSeconds));
}

/** Shortest wall time of a list of runs. */
export function bestWall(runs: readonly { wallSeconds: number }[]): number {
  return runs.length ? Math.min(...runs.map((r) => r.wallSeconds)) : NaN;
}

/** Largest peak RSS of a list of runs. */
export function maxRss(runs: readonly { peakRssBytes: number | null }[]): number | null {
  const v = runs.map((r) => r.peakRssBytes).filter((x): x is number => x !== null);
  return v.length ? Math.max(...v) : null;
}

/** Runs everything for one galaxy. `bounded`: the notebook's clustering runs one round per k and is extrapolated. */
export async function benchOneGalaxy(
  root: string,
  name: string,
  ds: Dataset,
  opts: { work: string; repeat: number; python: boolean; bounded: boolean; log: (line: string) => void },
): Promise<GalaxyResult> {
  const { log } = opts;
  const g = ds.galaxy;
  const loadBefore = os.loadavg()[0]!;
  const runs = path.join(opts.work, 'runs', name);
  rmSync(runs, { recursive: true, force: true });
  mkdirSync(runs, { recursive: true });
  const lock = path.join(runs, 'sfh-pipeline.lock');
  const problems: string[] = [];
  const note = (r: OurRun | PyRun, what: string) => {
    if (!r.ok) problems.push(`${name} ${what} failed: ${r.error} (${r.command})`);
  };
  const ours = { coldK4: [] as OurRun[], warm: [] as OurRun[], cached: [] as OurRun[], sweep: [] as OurRun[] };
  const say = (r: OurRun) => log(`ours ${name}: ${r.label}, k=${r.k}: ${r.ok ? `${r.wallSeconds.toFixed(3)} s, peak ${((r.peakRssBytes ?? 0) / 1e6).toFixed(0)} MB` : `FAILED ${r.error}`}`);

  // Every run, ours and the Python ones, reads the files from the page cache: read them once
  // first (a freshly generated catalog may have pushed them out; then the first run alone
  // would pay the disk).
  pageCacheWarmup([ds.cube, ds.ppxf]);
  for (let i = 0; i < opts.repeat; i++) {
    const dir = path.join(runs, `ours-${i + 1}`);
    const cache = path.join(dir, 'cache');
    const cold = await runOurs(root, ds, 'cold', String(COLD_K), { cache, out: path.join(dir, 'out-cold'), lock });
    ours.coldK4.push(cold);
    say(cold);
    note(cold, `cold k=${COLD_K}`);
    const warm = await runOurs(root, ds, 'warm (new k)', String(WARM_K), { cache, out: path.join(dir, 'out-warm'), lock });
    ours.warm.push(warm);
    say(warm);
    note(warm, `warm k=${WARM_K}`);
    const cached = await runOurs(root, ds, 'fully cached', String(COLD_K), { cache, out: path.join(dir, 'out-cold'), lock });
    ours.cached.push(cached);
    say(cached);
    note(cached, `cached k=${COLD_K}`);
    const sweep = await runOurs(root, ds, 'cold sweep', `${SWEEP.from}..${SWEEP.to}`, { cache: path.join(dir, 'cache-sweep'), out: path.join(dir, 'out-sweep'), lock });
    ours.sweep.push(sweep);
    say(sweep);
    note(sweep, `sweep k=${SWEEP.from}..${SWEEP.to}`);
  }
  const firstCache = path.join(runs, 'ours-1', 'cache');
  const ourIters = new Map<number, number>();
  for (const r of [...ours.sweep, ...ours.coldK4, ...ours.warm]) for (const res of r.results) ourIters.set(res.k, res.iterations);
  const validPixels = ours.coldK4.find((r) => r.ok)?.results[0]?.valid ?? null;

  // The floor: plain reads of the files, and the two medians alone, in this process.
  let floor: Floor | null = null;
  try {
    floor = await measureFloor(root, ds, opts.bounded ? 1 : 5);
    log(`floor ${name}: read ${(floor.bytes / 1e6).toFixed(0)} MB from the page cache in ${floor.pageCacheReadSeconds.toFixed(3)} s; both medians ${floor.mediansSeconds.toFixed(3)} s (2 threads; reading them in ${floor.readIntoBufferSeconds.toFixed(3)} s)`);
  } catch (err) {
    problems.push(`${name}: the floor (reads, medians alone) failed: ${(err as Error).message}`);
  }

  // The vectorized numpy peer, every run a whole process like ours.
  let peer: PeerRuns | null = null;
  if (opts.python) {
    peer = await runPeer(root, ds, runs, { name, repeat: opts.repeat, coldK: COLD_K, warmK: WARM_K, sweep: `${SWEEP.from}..${SWEEP.to}`, oneRound: opts.bounded, log });
    for (const [what, list] of [[`cold k=${COLD_K}`, peer.coldK4], [`k=${WARM_K}`, peer.warm], [`sweep`, peer.sweep], ['one round per k', peer.oneRound ? [peer.oneRound] : []]] as const) {
      for (const r of list) if (!r.ok) problems.push(`${name} numpy peer ${what} failed: ${r.error} (${r.command})`);
    }
  }

  // The notebook port.
  let original: Original | null = null;
  const maps: MapComparison[] = [];
  let clusterAlone: ClusterAlone | null = null;
  const dump = path.join(runs, 'python-dump');
  const pyOut = path.join(runs, 'python', 'GroupMap');
  if (opts.python) {
    const processes: PyRun[] = [];
    if (!opts.bounded) {
      // The original way: one script run per k (`python GroupSeparater.py 122 4`).
      for (const k of SWEEP_KS) {
        const r = await runPython(root, ds, String(k), pyOut, k === COLD_K ? { dump } : {});
        processes.push(r);
        log(`original ${name}: k=${k}: ${r.ok ? `${r.wallSeconds.toFixed(1)} s, ${r.report?.cluster[0]?.rounds} rounds, peak ${((r.peakRssBytes ?? 0) / 1e6).toFixed(0)} MB` : `FAILED ${r.error}`}`);
        if (!r.ok) problems.push(`${name} notebook k=${k} failed: ${r.error}`);
      }
    } else {
      const r = await runPython(root, ds, `${SWEEP.from}..${SWEEP.to}`, pyOut, { dump, maxRounds: 1 });
      processes.push(r);
      log(`original ${name}: k=${SWEEP.from}..${SWEEP.to}, 1 round each, one process: ${r.ok ? `${r.wallSeconds.toFixed(1)} s, peak ${((r.peakRssBytes ?? 0) / 1e6).toFixed(0)} MB` : `FAILED ${r.error}`}`);
      if (!r.ok) problems.push(`${name} notebook (1 round per k) failed: ${r.error}`);
    }
    if (processes.every((p) => p.ok)) {
      original = opts.bounded ? extrapolate(processes[0]!, ourIters) : measured(processes);
      maps.push(...compareMaps(name, ours, processes, opts.bounded, dump, problems));
    }
  }
  const peerMaps: PeerMapComparison[] = [];
  if (peer) {
    const notebookMaps = new Map(original ? original.processes.flatMap((p) => p.report!.cluster.map((c) => [c.k, c.output] as const)) : []);
    const converged = [
      { label: 'peer sweep', run: peer.sweep.find((r) => r.ok) },
      { label: `peer k=${COLD_K}`, run: peer.coldK4.find((r) => r.ok) },
      { label: `peer k=${WARM_K}`, run: peer.warm.find((r) => r.ok) },
    ];
    if (!opts.bounded) peerMaps.push(...comparePeerMaps(converged, notebookMaps, 'notebook'));
    else {
      // The notebook stopped after one round here: the peer's one-round maps against its maps,
      // the peer's converged maps against our cold sweep's (equal to the notebook's per round).
      peerMaps.push(...comparePeerMaps([{ label: 'peer, 1 round', run: peer.oneRound ?? undefined }], notebookMaps, 'notebook, 1 round'));
      const oursSweep = new Map((ours.sweep.find((r) => r.ok)?.results ?? []).map((r) => [r.k, r.file] as const));
      peerMaps.push(...comparePeerMaps(converged, oursSweep, 'our cold sweep'));
    }
    for (const m of peerMaps) if (!m.equal) problems.push(`${name}: the numpy peer's group map k=${m.k} (${m.peer}) differs from the ${m.against} map on ${m.differingPixels} of ${m.pixels} pixels`);
    if (original && peerMaps.length === 0) problems.push(`${name}: no numpy peer group map could be compared`);
  }

  // The cluster kernel alone, on the notebook's arrays when we have them.
  try {
    let inputs: ClusterInputs;
    let arrays: string;
    let equalToCache = 'not compared (no Python dump)';
    const cached = ours.coldK4.some((r) => r.ok) ? loadFromCache(firstCache, g.id) : null;
    if (opts.python && original) {
      inputs = loadDump(dump);
      arrays = "the notebook port's smoothed SFH and mass map (--dump)";
      if (cached) {
        const s = maxAbsDiff(inputs.sfh, cached.sfh);
        const m = differingPixels(inputs.mass, cached.mass);
        equalToCache = s.max === 0 && s.nanMismatch === 0 && m === 0 ? 'identical to our cache objects' : `differ from our cache: sfh max |diff| ${s.max.toExponential(2)}, ${m} mass pixels`;
      }
    } else if (cached) {
      inputs = cached;
      arrays = 'our cache objects (collapse-smooth, mass-map)';
    } else throw new Error('no arrays to cluster (our cold run failed and there is no Python dump)');
    const k = COLD_K;
    const full = timeKernel(inputs, k, { reps: 5 });
    const py = original?.perK.find((p) => p.k === k);
    let labelsEqual: boolean | null = null;
    if (original && !original.extrapolated) labelsEqual = differingPixels(full.labels, readMap(path.join(pyOut, `${g.id}_${g.snName}_${k}.fits`))) === 0;
    const pythonSeconds = py ? (original!.extrapolated ? py.secondsPerRound * full.iterations : py.clusterSeconds) : null;
    clusterAlone = {
      k,
      arrays,
      arraysEqualToCache: equalToCache,
      ourMs: full.bestMs,
      ourIterations: full.iterations,
      ourMsPerRound: full.bestMs / full.iterations,
      pythonSeconds,
      pythonSecondsPerRound: py ? py.secondsPerRound : null,
      ratio: pythonSeconds !== null ? (pythonSeconds * 1000) / full.bestMs : null,
      extrapolated: original?.extrapolated ?? false,
      labelsEqual,
    };
    if (labelsEqual === false) problems.push(`${name}: emdKMeans on the notebook's arrays gives a different group map than the notebook at k=${k}`);
    log(`kernel ${name}: emdKMeans k=${k}: ${full.iterations} rounds in ${full.bestMs.toFixed(1)} ms (best of 5)${clusterAlone.ratio ? `, ${clusterAlone.ratio.toFixed(0)}x the notebook's loop` : ''}`);
  } catch (err) {
    problems.push(`${name} cluster kernel alone: ${(err as Error).message}`);
  }
  return {
    name,
    id: g.id,
    shape: [g.nwave, g.n, g.n],
    fittedPixels: ds.fittedPixels,
    validPixels,
    mustHoldBytes: g.nwave * g.n * g.n * 4,
    ours,
    original,
    maps,
    peer,
    peerMaps,
    clusterAlone,
    floor,
    loadAverage: { before: loadBefore, after: os.loadavg()[0]! },
    problems,
  };
}

/** The notebook run the original way, one process per k: everything measured. */
function measured(processes: readonly PyRun[]): Original {
  const perK = processes.map((p) => {
    const c = p.report!.cluster[0]!;
    return { k: c.k, secondsPerRound: c.secondsPerRound, rounds: c.rounds, clusterSeconds: c.seconds, wallSeconds: p.wallSeconds };
  });
  const byK = (k: number) => processes.find((p) => p.report!.cluster[0]!.k === k)!;
  const first = byK(COLD_K).report!.steps;
  return {
    extrapolated: false,
    how: `measured: one process per k, each to convergence (as \`python GroupSeparater.py <id> <k>\`)`,
    coldK4Seconds: byK(COLD_K).wallSeconds,
    warmSeconds: byK(WARM_K).wallSeconds,
    sweepSeconds: processes.reduce((a, p) => a + p.wallSeconds, 0),
    clusterK4Seconds: byK(COLD_K).report!.cluster[0]!.seconds,
    sweepClusterSeconds: perK.reduce((a, p) => a + p.clusterSeconds, 0),
    peakRssBytes: maxRss(processes),
    perK,
    steps: { ...first },
    processes,
  };
}

/**
 * The notebook on a galaxy too big to cluster to convergence: one process ran every k for
 * one round. Per k, a process would take the measured start-up, read, mass map and smoothing
 * plus (seconds per round) x (the rounds our run needed at that k, which are the notebook's:
 * the maps are the same).
 */
function extrapolate(p: PyRun, ourIters: ReadonlyMap<number, number>): Original {
  const rep = p.report!;
  const clusterTotal = rep.cluster.reduce((a, c) => a + c.seconds, 0);
  const base = p.wallSeconds - clusterTotal - rep.steps.write;
  const perK = rep.cluster.map((c) => {
    const rounds = ourIters.get(c.k) ?? NaN;
    return { k: c.k, secondsPerRound: c.secondsPerRound, rounds, clusterSeconds: c.secondsPerRound * rounds, wallSeconds: null };
  });
  const est = (k: number) => base + (perK.find((x) => x.k === k)?.clusterSeconds ?? NaN);
  return {
    extrapolated: true,
    how: `extrapolated: one process ran 1 round per k; per k = start-up, read, mass map and smoothing (${base.toFixed(1)} s measured) + s/round x our rounds at that k`,
    coldK4Seconds: est(COLD_K),
    warmSeconds: est(WARM_K),
    sweepSeconds: perK.reduce((a, x) => a + base + x.clusterSeconds, 0),
    clusterK4Seconds: perK.find((x) => x.k === COLD_K)?.clusterSeconds ?? NaN,
    sweepClusterSeconds: perK.reduce((a, x) => a + x.clusterSeconds, 0),
    peakRssBytes: p.peakRssBytes,
    perK,
    steps: { ...rep.steps },
    processes: [p],
  };
}

/** Our group maps against the notebook port's, pixel by pixel (NaN included). */
function compareMaps(name: string, ours: GalaxyResult['ours'], processes: readonly PyRun[], bounded: boolean, dump: string, problems: string[]): MapComparison[] {
  const out: MapComparison[] = [];
  const pyClusters = processes.flatMap((p) => p.report!.cluster);
  const push = (c: MapComparison) => {
    out.push(c);
    if (!c.equal) problems.push(`${name}: group map k=${c.k} (${c.ours}) differs from the notebook's on ${c.differingPixels} of ${c.pixels} pixels`);
  };
  if (!bounded) {
    const sources: [string, OurRun | undefined][] = [
      ['cold sweep', ours.sweep.find((r) => r.ok)],
      [`cold k=${COLD_K}`, ours.coldK4.find((r) => r.ok)],
      [`warm k=${WARM_K}`, ours.warm.find((r) => r.ok)],
    ];
    for (const [label, run] of sources) {
      for (const res of run?.results ?? []) {
        const py = pyClusters.find((c) => c.k === res.k);
        if (!py) continue;
        const a = readMap(res.file);
        const d = differingPixels(a, readMap(py.output));
        push({ k: res.k, ours: label, equal: d === 0, differingPixels: d, pixels: a.length, ourIterations: res.iterations, pythonRounds: py.rounds });
      }
    }
    return out;
  }
  // Bounded: the notebook stopped after one round, so compare with our kernel stopped there too.
  const inputs = loadDump(dump);
  for (const py of pyClusters) {
    const t = timeKernel(inputs, py.k, { maxIter: py.rounds, reps: 1 });
    const d = differingPixels(t.labels, readMap(py.output));
    push({ k: py.k, ours: `emdKMeans, ${py.rounds} round`, equal: d === 0, differingPixels: d, pixels: t.labels.length, ourIterations: t.iterations, pythonRounds: py.rounds });
  }
  return out;
}
