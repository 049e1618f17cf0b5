/**
 * Runs sfh-pipeline's real CLI (`node bin/sfh-pipeline.js run ... --json`) as a whole
 * process on a benchmark dataset and collects what it did: wall time, peak RSS, the time of
 * every stage (from `--json`), and per k the result file with its NITER/NGROUPS cards.
 */
import path from 'node:path';
import { FitsFile } from '../../src/fits/index.ts';
import type { Dataset } from './generate.ts';
import { measure, type Measured } from './measure.ts';

/** One stage's time as `--json` reports it, summed over the tasks that really ran it. */
export interface StageTime {
  readonly name: string;
  readonly status: string;
  readonly ms: number;
}

/** One result file of a run. */
export interface OurResult {
  readonly k: number;
  readonly file: string;
  readonly iterations: number;
  readonly groups: number;
  readonly converged: boolean;
  readonly valid: number;
}

/** One run of the CLI. */
export interface OurRun {
  readonly label: string;
  readonly k: string;
  readonly ok: boolean;
  readonly wallSeconds: number;
  readonly peakRssBytes: number | null;
  readonly stages: readonly StageTime[];
  readonly results: readonly OurResult[];
  /** The command line, and stderr when the run failed. */
  readonly command: string;
  readonly error: string | null;
}

interface JsonTask {
  k: number | null;
  status: string;
  output: string | null;
  error: string | null;
  stages: { name: string; status: string; ms: number }[];
}

/**
 * Stage times of a run: the stages every task shares (upstream of the sweep, reported
 * identically by each task) count once; the per-k ones (cluster, write) are summed.
 */
export function stageTimes(tasks: readonly JsonTask[]): StageTime[] {
  const names = [...new Set(tasks.flatMap((t) => t.stages.map((s) => s.name)))];
  return names.map((name) => {
    const entries = tasks.map((t) => t.stages.find((s) => s.name === name)).filter((s) => s !== undefined);
    const first = entries[0]!;
    const shared = entries.every((s) => s.ms === first.ms && s.status === first.status);
    const ran = entries.filter((s) => s.status === 'ran');
    const status = shared ? first.status : ran.length === entries.length ? 'ran' : `${ran.length} of ${entries.length} ran`;
    return { name, status, ms: shared ? first.ms : entries.reduce((a, s) => a + s.ms, 0) };
  });
}

function resultOf(k: number, file: string): OurResult {
  const fits = FitsFile.open(file);
  try {
    const h = fits.hdu(0).header;
    return { k, file, iterations: Number(h.get('NITER')), groups: Number(h.get('NGROUPS')), converged: h.get('CONVERGE') === true, valid: Number(h.get('NVALID')) };
  } finally {
    fits.close();
  }
}

/** Where the CLI writes and caches for one run. */
export interface RunDirs {
  readonly cache: string;
  readonly out: string;
  readonly lock: string;
}

/** Runs `sfh-pipeline run` for dataset `ds` at `k` (e.g. '4' or '2..8') and measures it. */
export async function runOurs(root: string, ds: Dataset, label: string, k: string, dirs: RunDirs, extra: readonly string[] = []): Promise<OurRun> {
  const g = ds.galaxy;
  const args = [
    path.join(root, 'bin', 'sfh-pipeline.js'),
    'run',
    '--galaxy',
    String(g.id),
    '--k',
    k,
    '--catalog',
    ds.catalog,
    '--cubes',
    ds.cubes,
    '--sfh',
    ds.sfh,
    '--out',
    dirs.out,
    '--cache',
    dirs.cache,
    '--lock',
    dirs.lock,
    '--json',
    ...(g.pixelScale !== 0.6 ? ['--set', `pixelScale=${g.pixelScale}`] : []),
    ...extra,
  ];
  const m: Measured = await measure(process.execPath, args, { cwd: root });
  let tasks: JsonTask[] = [];
  let parseError: string | null = null;
  try {
    tasks = (JSON.parse(m.stdout) as { tasks: JsonTask[] }).tasks;
  } catch (err) {
    parseError = `no --json record on stdout (${(err as Error).message})`;
  }
  const failed = tasks.filter((t) => t.status !== 'ok');
  const ok = m.status === 0 && parseError === null && failed.length === 0 && tasks.length > 0;
  const results: OurResult[] = [];
  if (ok) for (const t of tasks) if (t.output !== null && t.k !== null) results.push(resultOf(t.k, t.output));
  const error = ok ? null : [`exit status ${m.status}`, parseError, ...failed.map((t) => `k=${t.k}: ${t.status} ${t.error ?? ''}`), m.stderr.trim().split('\n').slice(-5).join('\n')].filter(Boolean).join('; ');
  return { label, k, ok, wallSeconds: m.wallSeconds, peakRssBytes: m.peakRssBytes, stages: stageTimes(tasks), results, command: m.command, error };
}
