/**
 * `npm run bench`: sfh-pipeline against a vectorized numpy peer and the original notebook on
 * MUSE-sized data.
 *
 *   npm run bench                        the 3x3-binned galaxy (3681 x 100 x 100)
 *   npm run bench -- --size tiny         3681 x 20 x 20, seconds (CI)
 *   npm run bench -- --size full         binned + full resolution (3681 x 300 x 300, 2 x 1.3 GB)
 *   npm run bench -- --skip-python       ours only
 *   npm run bench -- --repeat 5          repetitions of each of our runs (default 3; 1 at full)
 *   npm run bench -- --full-catalog 3    full-resolution galaxies in the --jobs 2 catalog run (--size full; 0 skips it)
 *   npm run bench -- --no-gzip           without the .fits.gz rows
 *   npm run bench -- --scale 100,500     only the scale benchmark: the study's catalog layout at
 *                                        100 and 500 small galaxies (scripts/bench/scale.ts)
 *
 * Generates the inputs deterministically in the notebook's layout under bench/work/ (reused
 * while their manifest matches), times our CLI as whole processes (cold k=4, warm new k,
 * cold sweep k=2..8), the vectorized numpy peer (bench/python/peer.py) and the notebook's
 * Python port (bench/python/notebook.py) on the same files, compares every group map
 * with the notebook's pixel by pixel, times the cluster kernel alone and its
 * scaling, prints a table and writes bench/results.json. Timings are reported, never
 * asserted: the exit status is 1 only when a run failed or a group map differs.
 * See docs/benchmark.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureDataset, type Dataset } from './bench/generate.ts';
import { benchCatalog, type CatalogResult } from './bench/catalog.ts';
import { benchOneGalaxy, SWEEP, type GalaxyResult } from './bench/galaxy.ts';
import { fitCost, scaling, type ScalingPoint } from './bench/kernels.ts';
import { hasGnuTime } from './bench/measure.ts';
import { benchGalaxy, MUSE_AXIS } from './bench/model.ts';
import { pythonProblem, PYTHON, type PyRun } from './bench/python.ts';
import { benchCompressed, type CompressedResult } from './bench/compressed.ts';
import { catalogReport, compressedReport, galaxyReport, rowsOf, scalingReport, startupReport, targets, targetsReport } from './bench/report.ts';
import { benchScale, type ScaleResult } from './bench/scale.ts';
import { scaleReport } from './bench/scale-report.ts';
import { startupCosts, type StartupRow } from './bench/startup.ts';

const USAGE = `usage: npm run bench -- [--size tiny|binned|full] [--skip-python] [--repeat N] [--catalog N] [--full-catalog N] [--no-gzip] [--no-build]\n       npm run bench -- --scale N[,N...] [--no-build]\n`;

/** The galaxies of each --size. */
const GALAXIES = {
  tiny: { id: 20, n: 20, pixelScale: 0.6, stat: true },
  binned: { id: 100, n: 100, pixelScale: 0.6, stat: true },
  full: { id: 300, n: 300, pixelScale: 0.2, stat: false },
} as const;
type GalaxyName = keyof typeof GALAXIES;
const SIZES: Record<string, GalaxyName[]> = { tiny: ['tiny'], binned: ['binned'], full: ['binned', 'full'] };

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const log = (line: string) => process.stderr.write(`${line}\n`);

/** One Python process as results.json keeps it: timings, not the paths of its maps. */
function slimPy(p: PyRun) {
  return { k: p.k, maxRounds: p.maxRounds, ok: p.ok, wallSeconds: p.wallSeconds, peakRssBytes: p.peakRssBytes, steps: p.report?.steps, cluster: p.report?.cluster.map(({ output, ...c }) => c), error: p.error };
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: { size: { type: 'string', default: 'binned' }, 'skip-python': { type: 'boolean' }, repeat: { type: 'string' }, catalog: { type: 'string' }, 'full-catalog': { type: 'string' }, 'no-gzip': { type: 'boolean' }, scale: { type: 'string' }, 'no-build': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const names = SIZES[values.size];
  if (!names) {
    process.stderr.write(`bench: --size ${values.size}: expected tiny, binned or full\n${USAGE}`);
    return 2;
  }
  const repeat = values.repeat === undefined ? undefined : Number(values.repeat);
  if (repeat !== undefined && !(Number.isInteger(repeat) && repeat >= 1)) {
    process.stderr.write(`bench: --repeat ${values.repeat}: expected a whole number >= 1\n`);
    return 2;
  }
  const scaleNs = values.scale === undefined ? [] : values.scale.split(',').map((x) => Number(x.trim()));
  if (scaleNs.some((x) => !(Number.isInteger(x) && x >= 1))) {
    process.stderr.write(`bench: --scale ${values.scale}: expected whole numbers >= 1 (catalog rows), e.g. --scale 100,500\n`);
    return 2;
  }
  const quick = values.size === 'tiny';
  // A study's catalog: 20 binned galaxies (3 tiny ones in CI), --catalog 0 to skip it.
  const catalogCount = values.catalog === undefined ? (quick ? 3 : 20) : Number(values.catalog);
  if (!(Number.isInteger(catalogCount) && catalogCount >= 0)) {
    process.stderr.write(`bench: --catalog ${values.catalog}: expected a whole number >= 0 (galaxies)\n`);
    return 2;
  }
  // At full resolution, a catalog of a few full-resolution galaxies with --jobs 2 (3 by default).
  const fullCount = values['full-catalog'] === undefined ? (names.includes('full') ? 3 : 0) : Number(values['full-catalog']);
  if (!(Number.isInteger(fullCount) && fullCount >= 0)) {
    process.stderr.write(`bench: --full-catalog ${values['full-catalog']}: expected a whole number >= 0 (galaxies)\n`);
    return 2;
  }
  const python = !values['skip-python'] && scaleNs.length === 0;
  const problems: string[] = [];
  const notes: string[] = [];

  if (!values['no-build']) {
    log('build: npm run build (the CLI runs from dist/)');
    const b = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
    if (b.status !== 0) {
      process.stderr.write(`bench: npm run build failed:\n${b.stdout}${b.stderr}`);
      return 1;
    }
  }
  // What is measured: the commit built (and how many tracked files differ from it).
  const git = (args: string[]) => spawnSync('git', args, { cwd: root, encoding: 'utf8' }).stdout?.trim() ?? '';
  const source = { commit: git(['rev-parse', 'HEAD']) || null, changedFiles: git(['status', '--porcelain', '--untracked-files=no']).split('\n').filter(Boolean).length };
  if (!hasGnuTime()) log('note: /usr/bin/time is missing (apt-get install time); peak RSS is polled from /proc instead');
  if (python) {
    const p = pythonProblem();
    if (p) {
      process.stderr.write(`bench: ${p}; or run with --skip-python\n`);
      return 1;
    }
  }

  const work = path.join(root, 'bench', 'work');
  mkdirSync(work, { recursive: true });
  if (scaleNs.length) return scaleOnly(scaleNs, work, source);
  const results: GalaxyResult[] = [];
  const compressed: CompressedResult[] = [];
  const datasets: Dataset[] = [];
  for (const name of names) {
    const spec = GALAXIES[name];
    const g = benchGalaxy({ id: spec.id, snName: `SN2016bench${spec.id}`, n: spec.n, nwave: MUSE_AXIS.nwave, pixelScale: spec.pixelScale, stat: spec.stat });
    if (name === 'full') {
      const fs = statfsSync(work);
      const free = fs.bavail * fs.bsize;
      const need = 2 * g.nwave * g.n * g.n * 4 + 1e9;
      if (free < need) {
        notes.push(`full resolution skipped: it needs ~${(need / 1e9).toFixed(1)} GB free in ${work}, there are ${(free / 1e9).toFixed(1)} GB`);
        log(notes[notes.length - 1]!);
        continue;
      }
    }
    const ds = ensureDataset(path.join(work, 'data', name), g, log);
    datasets.push(ds);
    const rep = repeat ?? (name === 'full' ? 1 : 3);
    const result = await benchOneGalaxy(root, name, ds, { work, repeat: rep, python, bounded: name === 'full', log });
    results.push(result);
    if (!values['no-gzip']) {
      const plainMap = result.ours.coldK4.find((r) => r.ok)?.results[0]?.file ?? null;
      compressed.push(await benchCompressed(root, name, ds, plainMap, { work, repeat: rep, python, log }));
    }
  }

  const catalogs: CatalogResult[] = [];
  const roomFor = (count: number, bytesEach: number, what: string): boolean => {
    const free = statfsSync(work);
    const need = count * bytesEach;
    if (free.bavail * free.bsize >= need) return true;
    notes.push(`${what} skipped: ${count} galaxies need ~${(need / 1e9).toFixed(1)} GB free in ${work}`);
    return false;
  };
  if (catalogCount > 0) {
    const n = quick ? GALAXIES.tiny.n : GALAXIES.binned.n;
    if (roomFor(catalogCount, MUSE_AXIS.nwave * n * n * 4 * 3.2, 'catalog run')) catalogs.push(await benchCatalog(root, work, { count: catalogCount, n, ks: `${SWEEP.from}..${SWEEP.to}`, python, log }));
  }
  if (fullCount > 0) {
    const f = GALAXIES.full;
    if (roomFor(fullCount, MUSE_AXIS.nwave * f.n * f.n * 4 * 2.3, 'full-resolution catalog run')) catalogs.push(await benchCatalog(root, work, { count: fullCount, n: f.n, pixelScale: f.pixelScale, jobs: 2, ks: `${SWEEP.from}..${SWEEP.to}`, python, log }));
  }
  log('startup: the ways of starting the CLI');
  const startup: StartupRow[] = await startupCosts(root, quick ? 3 : 7);
  const scalingPoints: ScalingPoint[] = scaling(quick ? [25, 50] : [25, 50, 100, 200], [2, 4, 8], 5, log);

  for (const g of results) process.stdout.write(`${galaxyReport(g)}\n`);
  for (const c of compressed) process.stdout.write(`${compressedReport(c, results.find((g) => g.name === c.name))}\n`);
  for (const c of catalogs) process.stdout.write(`${catalogReport(c)}\n`);
  process.stdout.write(`${startupReport(startup)}\n`);
  process.stdout.write(`${scalingReport(scalingPoints)}\n`);
  const ts = targets(results, catalogs);
  process.stdout.write(`${targetsReport(ts)}\n`);
  for (const g of results) problems.push(...g.problems);
  for (const c of [...catalogs, ...compressed]) problems.push(...c.problems);
  for (const r of startup) if (!r.ok) problems.push(`startup: \`${r.command}\` failed`);

  const pyVersions = results.flatMap((g) => g.original?.processes ?? []).find((p) => p.report)?.report?.versions ?? null;
  const record = {
    tool: 'sfh-pipeline bench',
    date: new Date().toISOString(),
    source,
    options: { size: values.size, python, catalog: catalogCount, fullCatalog: fullCount, gzip: !values['no-gzip'], repeat: repeat ?? 'default (3; 1 at full resolution)' },
    machine: { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '', memoryBytes: os.totalmem(), python: python ? { exe: PYTHON, ...pyVersions } : null },
    datasets: datasets.map((d) => ({ name: path.basename(d.dir), id: d.galaxy.id, shape: [d.galaxy.nwave, d.galaxy.n, d.galaxy.n], pixelScale: d.galaxy.pixelScale, stat: d.galaxy.stat, files: d.files, fittedPixels: d.fittedPixels, generatedSeconds: d.generatedSeconds })),
    galaxies: results.map((g) => ({
      name: g.name,
      id: g.id,
      shape: g.shape,
      validPixels: g.validPixels,
      mustHoldBytes: g.mustHoldBytes,
      table: rowsOf(g),
      ours: Object.fromEntries(Object.entries(g.ours).map(([k, runs]) => [k, runs.map((r) => ({ ...r, results: r.results.map(({ file, ...rest }) => ({ ...rest, file: path.relative(root, file) })) }))])),
      original: g.original && { ...g.original, processes: g.original.processes.map(slimPy) },
      groupMaps: g.maps,
      peer: g.peer && Object.fromEntries(Object.entries(g.peer).map(([kind, v]) => [kind, v === null ? null : (Array.isArray(v) ? v : [v]).map(slimPy)])),
      peerGroupMaps: g.peerMaps,
      clusterAlone: g.clusterAlone,
    })),
    compressed: compressed.map((c) => ({ ...c, files: c.files.map((f) => ({ ...f, path: path.relative(root, f.path) })), ours: c.ours.map((r) => ({ ...r, results: r.results.map(({ file, ...rest }) => ({ ...rest, file: path.relative(root, file) })) })), peer: c.peer?.map(slimPy) ?? null })),
    catalogs,
    startup,
    scaling: { points: scalingPoints, fit: fitCost(scalingPoints) },
    targets: ts,
    notes,
    problems,
  };
  // A tiny run (CI's) must not replace the numbers of the last real one.
  const file = path.join(root, 'bench', quick ? 'results-tiny.json' : 'results.json');
  writeFileSync(file, `${JSON.stringify(record, null, 1)}\n`);
  process.stdout.write(`\nsource: ${source.commit ?? 'not a git checkout'}${source.changedFiles ? ` + ${source.changedFiles} changed files` : ''}; node ${process.version}; load average now ${os.loadavg()[0]!.toFixed(1)}\nwrote ${path.relative(process.cwd(), file)}\n`);
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
  if (problems.length) {
    process.stdout.write(`\nPROBLEMS:\n${problems.map((p) => `- ${p}`).join('\n')}\n`);
    return 1;
  }
  return 0;
}

/**
 * `--scale`: the scale benchmark alone, at each N, into bench/results-scale.json (the
 * entries of other N kept, so 100 and 500 can be run apart).
 */
async function scaleOnly(ns: readonly number[], work: string, source: { commit: string | null; changedFiles: number }): Promise<number> {
  const results: ScaleResult[] = [];
  const file = path.join(root, 'bench', 'results-scale.json');
  const machine = { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '', memoryBytes: os.totalmem() };
  for (const n of ns) {
    const loadBefore = os.loadavg()[0];
    const r = await benchScale(root, work, n, log);
    results.push(r);
    // Saved after each N, so a long run that is stopped keeps what it measured.
    let kept: { scale?: Record<string, unknown> } = {};
    try {
      kept = JSON.parse(readFileSync(file, 'utf8')) as typeof kept;
    } catch {
      // first run
    }
    const scale = { ...(kept.scale ?? {}), [String(n)]: { date: new Date().toISOString(), source, machine, loadAverage: { before: loadBefore, after: os.loadavg()[0] }, ...r } };
    writeFileSync(file, `${JSON.stringify({ tool: 'sfh-pipeline bench --scale', scale }, null, 1)}\n`);
    process.stdout.write(`${scaleReport([r])}\n`);
  }
  if (results.length > 1) process.stdout.write(`${scaleReport(results)}\n`);
  process.stdout.write(`\nsource: ${source.commit ?? 'not a git checkout'}${source.changedFiles ? ` + ${source.changedFiles} changed files` : ''}; node ${process.version}; load average now ${os.loadavg()[0]!.toFixed(1)}\nwrote ${path.relative(process.cwd(), file)}\n`);
  const problems = results.flatMap((r) => r.problems.map((p) => `scale ${r.galaxies}: ${p}`));
  if (problems.length) {
    process.stdout.write(`\nPROBLEMS:\n${problems.map((p) => `- ${p}`).join('\n')}\n`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
