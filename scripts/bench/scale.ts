/**
 * The scale benchmark (`npm run bench -- --scale 500`): the study's catalog as a user runs
 * it, at N small galaxies in the study's proportions (src/example/scale.ts). In order:
 *
 *   cold        run --galaxy all --k 2..8 on a fresh cache
 *   unchanged   the same command again (everything cached)
 *   explain     explain with one more k (--k 2..9): its line count
 *   verify      verify the cold run's lock
 *   new k       run --k 2..9 (one more k for every fitted galaxy)
 *   killed      a second cold run in another folder, SIGKILLed when half of its results are
 *               written (a state read from its log, not a time)
 *   resume      run --resume there; its outputs are compared, file by file, with the cold run's
 *
 * Each process tree is measured (wall, summed RSS of every process, scripts/bench/tree.ts);
 * per-stage instance times come from the cold run's log, catalog-level stages' from its
 * --json record; lock, report and summary sizes from the files. Failures expected by the
 * dataset (rows whose cube is missing) are checked to be exactly those; anything else is a
 * problem (exit 1). Times are reported, never asserted.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { ensureScaleDataset, type ScaleDataset } from '../../src/example/scale-write.ts';
import { measureTree, type TreeMeasured } from './tree.ts';

/** One measured command. */
export interface ScaleStep {
  readonly wallSeconds: number;
  readonly peakTreeRssBytes: number | null;
  readonly peakProcessRssBytes: number | null;
  readonly processes: number;
  readonly status: number | null;
}

/** What the scale benchmark measured at one N. */
export interface ScaleResult {
  readonly galaxies: number;
  readonly ks: string;
  readonly dataset: Omit<ScaleDataset, 'dir' | 'catalog' | 'cubes' | 'sfh'>;
  readonly steps: Readonly<Record<'cold' | 'unchanged' | 'explain' | 'verify' | 'newK' | 'killed' | 'resume', ScaleStep | null>>;
  /** Summed instance milliseconds per stage in the cold run (instances overlap on the cores), and how many ran. */
  readonly stages: Readonly<Record<string, { readonly instances: number; readonly ms: number }>>;
  /** Catalog-level stages' milliseconds: cold run, new-k rerun. */
  readonly catalogStages: Readonly<Record<string, { readonly cold: number | string | null; readonly newK: number | string | null }>>;
  readonly results: { readonly ok: number; readonly failed: number; readonly skipped: number };
  readonly sizes: { readonly lockBytes: number | null; readonly reportBytes: number | null; readonly reportFolderBytes: number | null; readonly summaryBytes: number | null; readonly outFiles: number };
  readonly explainLines: number | null;
  readonly verify: { readonly checked: number; readonly reproduced: number } | null;
  /** The resumed run's output folder against the uninterrupted run's, file by file; temporaries a kill left, apart. */
  readonly resume: { readonly killedAfterWrites: number; readonly compared: number; readonly differing: readonly string[]; readonly leftoverTemporaries: readonly string[] } | null;
  readonly problems: readonly string[];
}

const KS = '2..8';
const KS_PLUS = '2..9';

function step(m: TreeMeasured): ScaleStep {
  return { wallSeconds: m.wallSeconds, peakTreeRssBytes: m.peakTreeRssBytes, peakProcessRssBytes: m.peakProcessRssBytes, processes: m.processes, status: m.status };
}

function sizeOf(file: string): number | null {
  try {
    return statSync(file).size;
  } catch {
    return null;
  }
}

/** sha256 of every file in `dir` (not its subfolders), by name. */
function hashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of existsSync(dir) ? readdirSync(dir).sort() : []) {
    const file = path.join(dir, name);
    if (statSync(file).isFile()) out.set(name, createHash('sha256').update(readFileSync(file)).digest('hex'));
  }
  return out;
}

/** Stage instance lines of the plain log (`write[122 k=4] ran 12 ms`), each instance once. */
function stageTimes(stderr: string): Record<string, { instances: number; ms: number }> {
  const seen = new Set<string>();
  const out: Record<string, { instances: number; ms: number }> = {};
  for (const m of stderr.matchAll(/^([\w-]+)(\[[^\]\n]*\]) ran ([\d.]+) (ms|s)\b/gm)) {
    const id = `${m[1]}${m[2]}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const ms = Number(m[3]) * (m[4] === 's' ? 1000 : 1);
    const s = (out[m[1]!] ??= { instances: 0, ms: 0 });
    s.instances++;
    s.ms += ms;
  }
  return out;
}

interface RunJson {
  tasks: { galaxy: string; status: string; output: string | null }[];
  catalog?: { stage: string; status: string; ms: number }[];
}

function parseJson(stdout: string): RunJson | null {
  try {
    return JSON.parse(stdout) as RunJson;
  } catch {
    return null;
  }
}

/** Runs the scale benchmark at `n` galaxies (catalog rows) under `work`. */
export async function benchScale(root: string, work: string, n: number, log: (line: string) => void): Promise<ScaleResult> {
  const problems: string[] = [];
  const ds = await ensureScaleDataset(path.join(work, 'data', `scale-${n}`), n, { log });
  log(`scale ${n}: ${ds.rows} rows, ${ds.cubeFiles} cubes, ${ds.ppxfFiles} pPXF outputs (${(ds.bytes / 1e6).toFixed(0)} MB${ds.generatedSeconds === null ? ', reused' : `, written in ${ds.generatedSeconds.toFixed(0)} s`}); ${ds.fitted} fitted rows, ${ds.unfitted} without a fit, ${ds.missingCube} without their cube`);
  const runs = path.join(work, 'runs', `scale-${n}`);
  rmSync(runs, { recursive: true, force: true });
  const bin = path.join(root, 'bin', 'sfh-pipeline.js');
  const data = ['--catalog', ds.catalog, '--cubes', ds.cubes, '--sfh', ds.sfh];
  const where = (dir: string) => ['--out', path.join(dir, 'out'), '--cache', path.join(dir, 'cache'), '--lock', path.join(dir, 'sfh-pipeline.lock')];
  const a = path.join(runs, 'a');
  const b = path.join(runs, 'b');
  const cli = (args: string[], opts: { killWhen?: (line: string) => boolean } = {}) => measureTree(process.execPath, [bin, ...args], { cwd: root, ...opts });
  const expectedOk = ds.fitted * 7;

  /** Checks a run's --json record: exactly the rows without a cube fail, the fitted ones are ok. */
  const check = (what: string, m: TreeMeasured, ks: number): RunJson | null => {
    const j = parseJson(m.stdout);
    if (!j) {
      problems.push(`${what}: no --json record (exit ${m.status}): ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      return null;
    }
    const count = (s: string) => j.tasks.filter((t) => t.status === s).length;
    if (count('ok') !== ds.fitted * ks) problems.push(`${what}: ${count('ok')} results, expected ${ds.fitted * ks}`);
    if (count('failed') !== ds.missingCube * ks) problems.push(`${what}: ${count('failed')} failed tasks, expected ${ds.missingCube * ks} (the rows whose cube is missing)`);
    if (m.status !== (ds.missingCube ? 1 : 0)) problems.push(`${what}: exit ${m.status}, expected ${ds.missingCube ? 1 : 0}`);
    const bad = (j.catalog ?? []).filter((c) => c.status === 'failed');
    if (bad.length) problems.push(`${what}: catalog-level ${bad.map((c) => c.stage).join(', ')} failed`);
    return j;
  };

  log(`scale ${n}: cold run, --galaxy all --k ${KS}`);
  const cold = await cli(['run', '--galaxy', 'all', '--k', KS, ...data, ...where(a), '--json']);
  const coldJson = check('cold run', cold, 7);
  const snapshot = hashes(path.join(a, 'out'));
  const stages = stageTimes(cold.stderr);
  const sizes = {
    lockBytes: sizeOf(path.join(a, 'sfh-pipeline.lock')),
    reportBytes: sizeOf(path.join(a, 'out', 'report.html')),
    reportFolderBytes: null as number | null,
    summaryBytes: sizeOf(path.join(a, 'out', 'summary.csv')),
    outFiles: snapshot.size,
  };
  // The report page and what it loads besides (a folder next to it, when it has one).
  const reportDir = path.join(a, 'out', 'report');
  if (existsSync(reportDir)) sizes.reportFolderBytes = readdirSync(reportDir, { recursive: true }).map(String).reduce((s, f) => s + (sizeOf(path.join(reportDir, f)) ?? 0), 0);
  log(`scale ${n}: cold ${cold.wallSeconds.toFixed(1)} s; unchanged rerun`);

  const unchanged = await cli(['run', '--galaxy', 'all', '--k', KS, ...data, ...where(a), '--json']);
  const uj = check('unchanged rerun', unchanged, 7);
  const notCached = (uj ? stageTimes(unchanged.stderr) : {});
  if (Object.keys(notCached).length) problems.push(`unchanged rerun: instances ran again: ${Object.entries(notCached).map(([s, v]) => `${s} x${v.instances}`).join(', ')}`);

  log(`scale ${n}: explain --k ${KS_PLUS}`);
  const explain = await cli(['explain', '--galaxy', 'all', '--k', KS_PLUS, ...data, ...where(a).slice(0, 4)]);
  const explainLines = explain.status === 0 ? explain.stdout.split('\n').filter((l) => l.trim() !== '').length : null;
  if (explain.status !== 0) problems.push(`explain: exit ${explain.status}: ${explain.stderr.trim().split('\n').slice(-2).join(' | ')}`);

  log(`scale ${n}: verify`);
  const verify = await cli(['verify', '--lock', path.join(a, 'sfh-pipeline.lock')]);
  const vm = /(\d+) of (\d+) outputs reproduced/.exec(verify.stdout);
  const verified = vm ? { reproduced: Number(vm[1]), checked: Number(vm[2]) } : null;
  if (verify.status !== 0 || !verified || verified.reproduced !== verified.checked) problems.push(`verify: exit ${verify.status}; ${verify.stdout.split('\n').filter((l) => l.startsWith('DIFFERS')).slice(0, 3).join(' | ') || verify.stderr.trim().split('\n').slice(-2).join(' | ')}`);

  log(`scale ${n}: new k (--k ${KS_PLUS})`);
  const newK = await cli(['run', '--galaxy', 'all', '--k', KS_PLUS, ...data, ...where(a), '--json']);
  const newKJson = check('new-k rerun', newK, 8);

  log(`scale ${n}: a second cold run, killed when ${Math.ceil(expectedOk / 2)} of ${expectedOk} results are written`);
  let writes = 0;
  const target = Math.ceil(expectedOk / 2);
  const killed = await cli(['run', '--galaxy', 'all', '--k', KS, ...data, ...where(b)], { killWhen: (line) => /^write\[[^\]]*\] ran\b/.test(line) && ++writes >= target });
  let resume: TreeMeasured | null = null;
  let resumeInfo: ScaleResult['resume'] = null;
  if (!killed.killed) problems.push(`kill + resume: the run ended (exit ${killed.status}) before ${target} results were written (${writes} seen in its log)`);
  else {
    log(`scale ${n}: killed after ${writes} results; run --resume`);
    resume = await cli(['run', '--galaxy', 'all', '--k', KS, ...data, ...where(b), '--resume', '--json']);
    check('resume', resume, 7);
    const got = hashes(path.join(b, 'out'));
    // A hidden temporary file (`.<name>.tmp-<pid>-...`) is what a write killed midway leaves:
    // never trusted, but litter; counted apart from the outputs.
    const temp = (name: string) => name.startsWith('.') && /\.tmp-/.test(name);
    const leftovers = [...got.keys()].filter(temp);
    const differing: string[] = [];
    for (const [name, sha] of snapshot) if (!temp(name) && got.get(name) !== sha) differing.push(got.has(name) ? name : `${name} (missing)`);
    for (const name of got.keys()) if (!temp(name) && !snapshot.has(name)) differing.push(`${name} (extra)`);
    resumeInfo = { killedAfterWrites: writes, compared: [...snapshot.keys()].filter((n) => !temp(n)).length, differing, leftoverTemporaries: leftovers };
    if (differing.length) problems.push(`kill + resume: ${differing.length} of ${snapshot.size} output files differ from the uninterrupted run's: ${differing.slice(0, 5).join(', ')}`);
  }

  // Milliseconds when it ran, else its status (a dtd fit with no host to fit is skipped).
  const catalogStages: Record<string, { cold: number | string | null; newK: number | string | null }> = {};
  for (const c of coldJson?.catalog ?? []) (catalogStages[c.stage] ??= { cold: null, newK: null }).cold = c.status === 'ran' ? c.ms : c.status;
  for (const c of newKJson?.catalog ?? []) (catalogStages[c.stage] ??= { cold: null, newK: null }).newK = c.status === 'ran' ? c.ms : c.status;
  const count = (s: string) => coldJson?.tasks.filter((t) => t.status === s).length ?? 0;
  const { dir: _d, catalog: _c, cubes: _cu, sfh: _s, ...dataset } = ds;
  return {
    galaxies: n,
    ks: KS,
    dataset,
    steps: { cold: step(cold), unchanged: step(unchanged), explain: step(explain), verify: step(verify), newK: step(newK), killed: step(killed), resume: resume && step(resume) },
    stages,
    catalogStages,
    results: { ok: count('ok'), failed: count('failed'), skipped: count('skipped') },
    sizes,
    explainLines,
    verify: verified,
    resume: resumeInfo,
    problems,
  };
}
