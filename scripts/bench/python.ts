/**
 * Runs the Python side of the benchmark with Debian's python3 (numpy 1.24, scipy 1.10,
 * astropy 5.2: the notebook's versions) as whole processes, and reads the timings they print:
 * the notebook's port (bench/python/notebook.py) and the vectorized numpy peer
 * (bench/python/peer.py), which take the same arguments and print the same JSON.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Dataset } from './generate.ts';
import { measure } from './measure.ts';

/** The python that has astropy (Debian's python3-astropy). */
export const PYTHON = '/usr/bin/python3';

/** The two Python programs: the notebook's port and the vectorized numpy peer. */
export type PyScript = 'notebook' | 'peer';

/** What notebook.py (and peer.py) prints for one k. */
export interface PyCluster {
  readonly k: number;
  readonly seconds: number;
  readonly rounds: number;
  readonly converged: boolean;
  readonly secondsPerRound: number;
  readonly groups: number;
  readonly valid: number;
  readonly output: string;
}

/** What notebook.py prints. */
export interface PyReport {
  readonly steps: { imports: number; read: number; mass_map: number; collapse_smooth: number; write: number };
  readonly cluster: readonly PyCluster[];
  /** Seconds from the script's first line to its JSON. */
  readonly total: number;
  readonly versions: Record<string, string>;
}

/** One process of the Python port (or the peer). */
export interface PyRun {
  readonly script: PyScript;
  readonly k: string;
  readonly maxRounds: number;
  readonly ok: boolean;
  readonly wallSeconds: number;
  readonly peakRssBytes: number | null;
  readonly report: PyReport | null;
  readonly command: string;
  readonly error: string | null;
}

/** Why the Python side cannot run (null when it can): python3 with numpy, scipy and astropy. */
export function pythonProblem(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import numpy, scipy, astropy; print(numpy.__version__, scipy.__version__, astropy.__version__)'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} not found (${r.error.message})`;
  if (r.status !== 0) return `${PYTHON} lacks numpy/scipy/astropy: ${r.stderr.trim().split('\n').pop()} (apt-get install python3-numpy python3-scipy python3-astropy)`;
  return null;
}

/** Runs notebook.py (or, with `script: 'peer'`, peer.py) on `ds` for `k` ('4' or '2..8'), writing maps to `out`. */
export async function runPython(root: string, ds: Dataset, k: string, out: string, opts: { maxRounds?: number; dump?: string; seed?: number; script?: PyScript } = {}): Promise<PyRun> {
  const maxRounds = opts.maxRounds ?? 100;
  const script = opts.script ?? 'notebook';
  if (opts.dump && script !== 'notebook') throw new Error('runPython: only notebook.py writes --dump');
  const args = [
    path.join(root, 'bench', 'python', `${script}.py`),
    '--galaxy',
    String(ds.galaxy.id),
    '--k',
    k,
    '--seed',
    String(opts.seed ?? 0),
    '--catalog',
    ds.catalog,
    '--cubes',
    ds.cubes,
    '--sfh',
    ds.sfh,
    '--out',
    out,
    '--pixel-scale',
    String(ds.galaxy.pixelScale),
    '--max-rounds',
    String(maxRounds),
    ...(opts.dump ? ['--dump', opts.dump] : []),
  ];
  const m = await measure(PYTHON, args, { cwd: root });
  let report: PyReport | null = null;
  let error: string | null = null;
  try {
    report = JSON.parse(m.stdout.trim().split('\n').pop() ?? '') as PyReport;
  } catch {
    error = `exit status ${m.status}: ${m.stderr.trim().split('\n').slice(-4).join(' | ')}`;
  }
  const ok = m.status === 0 && report !== null;
  if (!ok && error === null) error = `exit status ${m.status}`;
  return { script, k, maxRounds, ok, wallSeconds: m.wallSeconds, peakRssBytes: m.peakRssBytes, report, command: m.command, error };
}
