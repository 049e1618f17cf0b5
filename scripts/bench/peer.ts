/**
 * The vectorized numpy peer (bench/python/peer.py) in the benchmark: the tool an astronomer
 * who finds the notebook slow would write instead, so the one our speed is measured against.
 * Each of its runs is a whole process, like ours; the notebook has no cache, and neither has
 * the peer, so its "warm rerun with a new k" is a whole process at that k.
 */
import path from 'node:path';
import { differingPixels, readMap } from './arrays.ts';
import type { Dataset } from './generate.ts';
import { runPython, type PyRun } from './python.ts';

/** The peer's runs on one galaxy, each repeated like ours. */
export interface PeerRuns {
  readonly coldK4: PyRun[];
  readonly warm: PyRun[];
  readonly sweep: PyRun[];
  /** At full resolution: one process, one round per k, to compare with the notebook's one-round maps. */
  readonly oneRound: PyRun | null;
}

/** One peer group map compared with a reference map (the notebook's, or ours where the notebook did not converge). */
export interface PeerMapComparison {
  readonly k: number;
  readonly peer: string;
  readonly against: string;
  readonly equal: boolean;
  readonly differingPixels: number;
  readonly pixels: number;
  readonly peerRounds: number;
}

/**
 * Runs the peer `repeat` times at cold k, warm k and over the sweep (each a whole process,
 * every k to convergence: the peer is fast enough at full resolution too), plus, when
 * `oneRound`, one process of one round per k of the sweep.
 */
export async function runPeer(
  root: string,
  ds: Dataset,
  dir: string,
  o: { name: string; repeat: number; coldK: number; warmK: number; sweep: string; oneRound: boolean; log: (line: string) => void },
): Promise<PeerRuns> {
  const runs: PeerRuns = { coldK4: [], warm: [], sweep: [], oneRound: null };
  const say = (what: string, r: PyRun) =>
    o.log(`peer ${o.name}: ${what}: ${r.ok ? `${r.wallSeconds.toFixed(2)} s, peak ${((r.peakRssBytes ?? 0) / 1e6).toFixed(0)} MB, rounds ${r.report?.cluster.map((c) => c.rounds).join(',')}` : `FAILED ${r.error}`}`);
  for (let i = 0; i < o.repeat; i++) {
    const base = path.join(dir, `peer-${i + 1}`);
    const cold = await runPython(root, ds, String(o.coldK), path.join(base, 'cold'), { script: 'peer' });
    runs.coldK4.push(cold);
    say(`cold k=${o.coldK}`, cold);
    const warm = await runPython(root, ds, String(o.warmK), path.join(base, 'warm'), { script: 'peer' });
    runs.warm.push(warm);
    say(`new k=${o.warmK} (a whole process)`, warm);
    const sweep = await runPython(root, ds, o.sweep, path.join(base, 'sweep'), { script: 'peer' });
    runs.sweep.push(sweep);
    say(`sweep k=${o.sweep} (one process)`, sweep);
  }
  if (o.oneRound) {
    const r = await runPython(root, ds, o.sweep, path.join(dir, 'peer-one-round'), { script: 'peer', maxRounds: 1 });
    say(`k=${o.sweep}, 1 round each`, r);
    return { ...runs, oneRound: r };
  }
  return runs;
}

/**
 * The peer's maps against `reference` maps (k -> file) pixel by pixel, NaN included, for
 * the given peer processes (each labelled, e.g. 'peer sweep').
 */
export function comparePeerMaps(peer: readonly { label: string; run: PyRun | undefined }[], reference: ReadonlyMap<number, string>, against: string): PeerMapComparison[] {
  const out: PeerMapComparison[] = [];
  for (const { label, run } of peer) {
    if (!run?.ok || !run.report) continue;
    for (const c of run.report.cluster) {
      const ref = reference.get(c.k);
      if (!ref) continue;
      const a = readMap(c.output);
      const d = differingPixels(a, readMap(ref));
      out.push({ k: c.k, peer: label, against, equal: d === 0, differingPixels: d, pixels: a.length, peerRounds: c.rounds });
    }
  }
  return out;
}
