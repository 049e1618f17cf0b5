/**
 * A catalog run: many galaxies x the sweep, as a study runs it. Ours is one process over
 * the whole catalog (`--galaxy all --k 2..8`: galaxies and k share the two cores); the numpy
 * peer runs galaxy by galaxy, one process each (every k after one read), which is how its
 * user would loop over a catalog. Reported as galaxies per minute; every map of the peer is
 * compared with ours pixel by pixel (both are checked against the notebook on the main
 * bench galaxy), so a differing map fails the benchmark here too.
 *
 * The galaxies are the benchmark galaxy with their own ids, hence their own noise (distinct
 * files, distinct hashes: nothing is shared through the cache), generated like every bench
 * dataset and gathered into one folder of links in the notebook's layout.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EXAMPLE_LAYOUT } from '../../src/example/layout.ts';
import { differingPixels, readMap } from './arrays.ts';
import { ensureDataset, type Dataset } from './generate.ts';
import { measure } from './measure.ts';
import { pageCacheWarmup } from './medians.ts';
import { benchGalaxy, MUSE_AXIS } from './model.ts';
import { runPython, type PyRun } from './python.ts';

/** What a catalog run measured. */
export interface CatalogResult {
  /** 'binned' (20 galaxies at 0.6"/px) or 'full' (a few at 0.2"/px, MUSE's own sampling). */
  readonly kind: string;
  readonly jobs: number | null;
  readonly galaxies: number;
  readonly shape: readonly [number, number, number];
  readonly ks: string;
  readonly ours: { readonly ok: boolean; readonly wallSeconds: number; readonly peakRssBytes: number | null; readonly results: number; readonly error: string | null };
  readonly peer: { readonly ok: boolean; readonly wallSeconds: number; readonly peakRssBytes: number | null; readonly perGalaxySeconds: readonly number[] } | null;
  readonly galaxiesPerMinute: { readonly ours: number | null; readonly peer: number | null };
  readonly maps: { readonly compared: number; readonly differing: readonly string[] };
  readonly problems: string[];
}

/** First id of the catalog's galaxies (1001, 1002, ... binned; 2001, ... at full resolution). */
const FIRST_ID: Record<string, number> = { binned: 1001, full: 2001 };

/**
 * Generates (or reuses) `count` galaxies of n x n spaxels under `work/data/catalog-<n>/`,
 * runs ours over all of them (with `--jobs` when given) and the peer galaxy by galaxy, over
 * k = `ks`. At full resolution (`pixelScale` 0.2) the cubes have no STAT, as the full bench
 * galaxy (1.3 GB less each).
 */
export async function benchCatalog(root: string, work: string, o: { count: number; n: number; ks: string; python: boolean; log: (line: string) => void; pixelScale?: number; jobs?: number }): Promise<CatalogResult> {
  const kind = (o.pixelScale ?? 0.6) === 0.6 ? 'binned' : 'full';
  const { log } = o;
  const problems: string[] = [];
  const datasets: Dataset[] = [];
  for (let i = 0; i < o.count; i++) {
    const id = (FIRST_ID[kind] ?? 1001) + i;
    const g = benchGalaxy({ id, snName: `SN2016cat${id}`, n: o.n, nwave: MUSE_AXIS.nwave, pixelScale: o.pixelScale ?? 0.6, stat: kind === 'binned' });
    datasets.push(ensureDataset(path.join(work, 'data', `catalog-${o.n}`, String(id)), g, () => {}));
  }
  log(`catalog ${kind}: ${o.count} galaxies of ${MUSE_AXIS.nwave} x ${o.n} x ${o.n} ready`);
  // One folder in the notebook's layout, linking every galaxy's files; one catalog CSV.
  const runs = path.join(work, 'runs', `catalog-${o.n}`);
  rmSync(runs, { recursive: true, force: true });
  const all = path.join(runs, 'data');
  const cubes = path.join(all, EXAMPLE_LAYOUT.cubeDir);
  const sfh = path.join(all, EXAMPLE_LAYOUT.ppxfDir);
  mkdirSync(cubes, { recursive: true });
  mkdirSync(sfh, { recursive: true });
  const rows = datasets.map((d) => readFileSync(d.catalog, 'utf8').trimEnd().split('\n'));
  writeFileSync(path.join(all, EXAMPLE_LAYOUT.catalog), `${[rows[0]![0], ...rows.map((r) => r[1])].join('\n')}\n`);
  for (const d of datasets) {
    symlinkSync(d.cube, path.join(cubes, path.basename(d.cube)));
    symlinkSync(d.ppxf, path.join(sfh, path.basename(d.ppxf)));
  }
  const catalog = path.join(all, EXAMPLE_LAYOUT.catalog);

  // ours runs first, the peer after: both with the files in the page cache
  pageCacheWarmup(datasets.flatMap((d) => [d.cube, d.ppxf]));
  const out = path.join(runs, 'ours');
  const extra = [...(o.jobs ? ['--jobs', String(o.jobs)] : []), ...(kind === 'full' ? ['--set', `pixelScale=${o.pixelScale}`] : [])];
  const m = await measure(process.execPath, [path.join(root, 'bin', 'sfh-pipeline.js'), 'run', '--galaxy', 'all', '--k', o.ks, '--catalog', catalog, '--cubes', cubes, '--sfh', sfh, '--out', out, '--cache', path.join(runs, 'cache'), '--lock', path.join(runs, 'sfh-pipeline.lock'), '--json', ...extra], { cwd: root });
  let tasks: { k: number | null; status: string; output: string | null }[] = [];
  let error: string | null = null;
  try {
    tasks = (JSON.parse(m.stdout) as { tasks: typeof tasks }).tasks;
  } catch (err) {
    error = `no --json record (${(err as Error).message}): ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  }
  const bad = tasks.filter((t) => t.status !== 'ok');
  const ok = m.status === 0 && error === null && bad.length === 0 && tasks.length > 0;
  if (!ok) problems.push(`catalog: our run failed: exit ${m.status}; ${error ?? bad.map((t) => `k=${t.k} ${t.status}`).join(', ')}`);
  const ours = { ok, wallSeconds: m.wallSeconds, peakRssBytes: m.peakRssBytes, results: tasks.filter((t) => t.output).length, error };
  log(`catalog ${kind}: ours, ${o.count} galaxies x k=${o.ks} in one process${o.jobs ? ` (--jobs ${o.jobs})` : ''}: ${m.wallSeconds.toFixed(1)} s, peak ${((m.peakRssBytes ?? 0) / 1e6).toFixed(0)} MB${ok ? '' : ' FAILED'}`);

  let peer: CatalogResult['peer'] = null;
  const differing: string[] = [];
  let compared = 0;
  if (o.python) {
    const per: PyRun[] = [];
    for (const d of datasets) per.push(await runPython(root, d, o.ks, path.join(runs, 'peer', String(d.galaxy.id)), { script: 'peer' }));
    const peerOk = per.every((r) => r.ok);
    if (!peerOk) problems.push(`catalog: the numpy peer failed on ${per.filter((r) => !r.ok).map((r) => r.error).join('; ')}`);
    const wall = per.reduce((a, r) => a + r.wallSeconds, 0);
    peer = { ok: peerOk, wallSeconds: wall, peakRssBytes: Math.max(...per.map((r) => r.peakRssBytes ?? 0)) || null, perGalaxySeconds: per.map((r) => r.wallSeconds) };
    log(`catalog ${kind}: numpy peer, galaxy by galaxy: ${wall.toFixed(1)} s`);
    if (ok && peerOk) {
      for (const r of per) {
        for (const c of r.report!.cluster) {
          const mine = tasks.find((t) => t.k === c.k && t.output && path.basename(t.output) === path.basename(c.output));
          if (!mine) {
            differing.push(`${path.basename(c.output)}: not in our run`);
            continue;
          }
          compared++;
          const n = differingPixels(readMap(mine.output!), readMap(c.output));
          if (n) differing.push(`${path.basename(c.output)}: ${n} pixels`);
        }
      }
      for (const d of differing) problems.push(`catalog: group map ${d} differ between ours and the numpy peer`);
    }
  }
  const perMinute = (s: number, good: boolean) => (good && s > 0 ? (60 * o.count) / s : null);
  return {
    kind,
    jobs: o.jobs ?? null,
    galaxies: o.count,
    shape: [MUSE_AXIS.nwave, o.n, o.n],
    ks: o.ks,
    ours,
    peer,
    galaxiesPerMinute: { ours: perMinute(ours.wallSeconds, ok), peer: peer ? perMinute(peer.wallSeconds, peer.ok) : null },
    maps: { compared, differing },
    problems,
  };
}
