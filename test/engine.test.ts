/**
 * The engine's promises, proven through the real CLI in temp dirs by counting how often
 * each stage really ran: sweeps re-run only cluster and write, an unchanged rerun runs
 * nothing, edits to inputs or code re-run exactly what depends on them (and `explain` says
 * why), corrupt cache objects are recomputed, killed runs resume to identical outputs, and
 * the lock file's outputs verify bit for bit.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sha256File } from '../src/cache/file-hash.ts';
import { parseLock } from '../src/provenance/lock.ts';
import { BIN, PARITY, ROOT, runCli, tempDir, type CliResult } from './helpers/cli.ts';
import { cachedRecords, killWhen, recordedOutputs, recordedTasks } from './helpers/kill.ts';

/** How many instances of each stage ran (not cached) in a run. */
function ranCounts(r: CliResult): Record<string, number> {
  const seen = new Map<string, string>();
  for (const t of r.json?.tasks ?? []) {
    for (const s of t.stages) {
      // A shared instance appears in every task that needs it: count it once per galaxy and k.
      const id = `${t.galaxy}:${s.name}:${['cluster', 'write', 'plot'].includes(s.name) ? JSON.stringify(t.params) : ''}`;
      seen.set(id, s.status);
    }
  }
  const counts: Record<string, number> = {};
  for (const [id, status] of seen) {
    const stage = id.split(':')[1] as string;
    counts[stage] = (counts[stage] ?? 0) + (status === 'ran' ? 1 : 0);
  }
  return counts;
}

/** A private copy of the parity data, so tests may edit it. */
function dataCopy(dir: string): { catalog: string; cubes: string; sfh: string } {
  cpSync(path.join(PARITY, 'input'), path.join(dir, 'input'), { recursive: true });
  return {
    catalog: path.join(dir, 'input', 'FinalSelMuseMask3.csv'),
    cubes: path.join(dir, 'input', 'MuseObject', 'MuseResample'),
    sfh: path.join(dir, 'input', 'MuseSFH', 'dataOut'),
  };
}

function args(dir: string, data: ReturnType<typeof dataCopy>, extra: string[], command = 'run'): string[] {
  const lock = command === 'run' ? ['--lock', path.join(dir, 'sfh.lock')] : [];
  return ['--catalog', data.catalog, '--cubes', data.cubes, '--sfh', data.sfh, '--out', path.join(dir, 'out'), '--cache', path.join(dir, 'cache'), ...lock, ...extra];
}

function hashes(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, sha256File(path.join(dir, f))]));
}

describe('caching, through the CLI', () => {
  const tmp = tempDir();
  const data = dataCopy(tmp.dir);
  const run = (extra: string[]) => runCli(['run', ...args(tmp.dir, data, extra), '--json']);
  after(() => tmp.remove());

  test('k 4 -> 5 -> 4: cluster runs twice, mass-map once; an unchanged rerun runs nothing', () => {
    const first = run(['--galaxy', '11', '--k', '4']);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(ranCounts(first), { catalog: 1, 'load-cubes': 1, 'mass-map': 1, 'collapse-smooth': 1, cluster: 1, write: 1, plot: 1 });
    const second = run(['--galaxy', '11', '--k', '5']);
    assert.deepEqual(ranCounts(second), { catalog: 0, 'load-cubes': 0, 'mass-map': 0, 'collapse-smooth': 0, cluster: 1, write: 1, plot: 1 });
    assert.deepEqual(second.json?.tasks[0]?.stages.map((s) => s.status), ['cached', 'cached', 'cached', 'cached', 'ran', 'ran', 'ran']);
    const third = run(['--galaxy', '11', '--k', '4']);
    assert.deepEqual(ranCounts(third), { catalog: 0, 'load-cubes': 0, 'mass-map': 0, 'collapse-smooth': 0, cluster: 0, write: 0, plot: 0 });
    // (the k=5 run rewrote summary.csv, a catalog-level output: the k=4 run reads it to see
    // that, and writes its own again; a true rerun then reads nothing)
    const fourth = run(['--galaxy', '11', '--k', '4']);
    assert.equal(fourth.json?.['inputsHashed'], 0, 'unchanged inputs are answered from the stat cache, not re-read');
  });

  test('inputs hashed in parallel (here and on the idle stage worker) get the sha256 of a plain read', () => {
    // SFH_PREFETCH_MIN_BYTES=1 sends even these small files down the path a MUSE cube takes
    // (the largest hashed in the main thread, the next on an idle stage worker).
    const own = tempDir();
    try {
      const r = runCli(['run', ...args(own.dir, data, ['--galaxy', '11,45', '--k', '3']), '--json'], { env: { SFH_PREFETCH_MIN_BYTES: '1' } });
      assert.equal(r.code, 0, r.stderr);
      const lock = parseLock(readFileSync(path.join(own.dir, 'sfh.lock'), 'utf8'), path.join(own.dir, 'sfh.lock'));
      // (the lock's paths are relative to its folder)
      const inputs = new Map<string, string>();
      for (const entry of Object.values(lock.instances)) for (const [file, sha] of Object.entries(entry.inputs ?? {})) inputs.set(path.resolve(own.dir, file), sha);
      const galaxyFiles = [...inputs.keys()].filter((f) => f.startsWith(data.cubes) || f.startsWith(data.sfh));
      assert.equal(galaxyFiles.length, 4, 'two galaxies: a cube and a pPXF output each');
      for (const [file, sha] of inputs) assert.equal(sha, sha256File(file), file);
      for (const [file, o] of Object.entries(lock.outputs)) assert.equal(o.sha256, sha256File(path.resolve(own.dir, file)), file);
      // each file read once: the inputs that are not outputs (cubes, pPXF outputs, the
      // catalog), and every output: the result FITS (which the plot stage reads too), the 2
      // PNGs of each result, the summarise and report stages' 5 files (summary.csv, 2 k-choice
      // plots, report.html, report-run.json), the DTD fit's 6 files (chain, corner plot,
      // summary and hosts tables as CSV and ECSV) and dtd-models' 2 (its table as CSV and ECSV)
      assert.equal(Object.keys(lock.outputs).length, 2 + 2 * 2 + 5 + 6 + 2);
      assert.equal(r.json?.['inputsHashed'], inputs.size + Object.keys(lock.outputs).length);
    } finally {
      own.remove();
    }
  });

  test('a k sweep shares the upstream stages: one mass-map, one cluster per k', () => {
    const r = run(['--galaxy', '45', '--k', '2..5']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(ranCounts(r), { catalog: 1, 'load-cubes': 1, 'mass-map': 1, 'collapse-smooth': 1, cluster: 4, write: 4, plot: 4 });
  });

  test('explain says what would run and why, and runs nothing', () => {
    const r = runCli(['explain', ...args(tmp.dir, data, ['--galaxy', '11', '--k', '6'], 'explain')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /mass-map\[11\]\s+cached/);
    assert.match(r.stdout, /cluster\[11\]\s+would run: param k (4|5) -> 6/);
    assert.match(r.stdout, /write\[11\]\s+would run: upstream cluster would run/);
    const again = run(['--galaxy', '11', '--k', '6']);
    assert.equal(ranCounts(again)['cluster'], 1, 'explain did not run (and cache) cluster');
  });

  test('an edited input re-runs the stages that read it; explain names the file', () => {
    // Touching a file without changing it re-runs nothing (content hashes, not mtimes).
    const sfhFile = path.join(data.sfh, '11_SN2013aa.fits');
    writeFileSync(sfhFile, readFileSync(sfhFile));
    assert.deepEqual(Object.values(ranCounts(run(['--galaxy', '11', '--k', '4']))), [0, 0, 0, 0, 0, 0, 0]);
    // Change one SFH weight of the pPXF output (the last bytes of the file are HDU 1's data).
    const bytes = readFileSync(sfhFile);
    const at = bytes.length - 2880 * 4;
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    writeFileSync(sfhFile, bytes);
    const why = runCli(['explain', ...args(tmp.dir, data, ['--galaxy', '11', '--k', '4'], 'explain')]);
    assert.match(why.stdout, /load-cubes\[11\]\s+would run: input .*11_SN2013aa\.fits changed/);
    assert.match(why.stdout, /mass-map\[11\]\s+would run: .*upstream load-cubes would run/);
    const r = run(['--galaxy', '11', '--k', '4']);
    assert.equal(r.code, 0, r.stderr);
    const c = ranCounts(r);
    assert.equal(c['catalog'], 0);
    assert.equal(c['load-cubes'], 1, 'load-cubes reads the pPXF output (its best fit\'s median)');
    assert.equal(c['mass-map'], 0, 'the best fit did not change, so neither did its median: mass-map stays cached');
    assert.equal(c['collapse-smooth'], 1, 'collapse-smooth reads the SFH weights');
  });

  test('a corrupt cache object is detected and recomputed, never used', () => {
    const objects = path.join(tmp.dir, 'cache', 'objects');
    let corrupted = 0;
    for (const sub of readdirSync(objects)) {
      for (const f of readdirSync(path.join(objects, sub))) {
        const file = path.join(objects, sub, f);
        const b = readFileSync(file);
        b[b.length - 1] = (b[b.length - 1] ?? 0) ^ 0xff;
        writeFileSync(file, b);
        corrupted++;
      }
    }
    assert.ok(corrupted > 0);
    const v = runCli(['cache', 'verify', '--cache', path.join(tmp.dir, 'cache')]);
    assert.equal(v.code, 1);
    assert.match(v.stdout, /CORRUPT/);
    // k=7 has never run: cluster must read collapse-smooth's and mass-map's (corrupt) arrays.
    const r = run(['--galaxy', '11', '--k', '7']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(((r.json?.['cacheProblems'] as unknown[]) ?? []).length > 0, 'the corruption is reported');
    const clean = tempDir();
    try {
      const fresh = runCli(['run', ...args(clean.dir, data, ['--galaxy', '11', '--k', '7']), '--json']);
      assert.equal(fresh.code, 0, fresh.stderr);
      assert.deepEqual(Object.fromEntries(Object.entries(hashes(path.join(clean.dir, 'out'))).filter(([f]) => f.endsWith('.fits'))), { '11_SN2013aa_7.fits': hashes(path.join(tmp.dir, 'out'))['11_SN2013aa_7.fits'] });
    } finally {
      clean.remove();
    }
  });

  test('the lock file lists every output and verify reproduces them; a changed input is caught', () => {
    // Bring every output up to date with the inputs as they are now (one was edited above).
    assert.equal(run(['--galaxy', '11', '--k', '4..7']).code, 0);
    const lock = path.join(tmp.dir, 'sfh.lock');
    const text = readFileSync(lock, 'utf8');
    const by = /^\{"output":"out\/11_SN2013aa_4\.fits","sha256":"[0-9a-f]{64}","by":"([0-9a-f]{12})"\}$/m.exec(text)?.[1];
    assert.ok(by, text.slice(0, 2000));
    assert.match(text, new RegExp(`^\\{"instance":"${by}","stage":"write","galaxy":"11",`, 'm'), 'the instance that wrote it, once, on its line');
    const ok = runCli(['verify', '--lock', lock]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /(\d+) of \1 outputs reproduced bit for bit/);
    // Change the cube of galaxy 45 after the fact: its outputs can no longer be reproduced.
    const cube = path.join(data.cubes, 'CDP.2017-01-15T03:12:45.045.fits');
    const b = readFileSync(cube);
    b[b.length - 2880 * 40] = (b[b.length - 2880 * 40] ?? 0) ^ 0x40;
    writeFileSync(cube, b);
    const bad = runCli(['verify', '--lock', lock]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /DIFFERS\s+out\/45_SN2015bp_2\.fits: recomputed sha256 \w+ != locked \w+ \(input CDP\.2017-01-15T03:12:45\.045\.fits changed since the lock was written\)/);
    assert.match(bad.stdout, /ok\s+out\/11_SN2013aa_4\.fits/);
  });
});

describe('edited stage code re-runs that stage only', () => {
  const tmp = tempDir();
  const data = dataCopy(tmp.dir);
  after(() => tmp.remove());

  test('a user stage edited -> only it re-runs; explain names the file', () => {
    // The bundled pipeline plus a user stage (plain JavaScript) after cluster.
    const yaml = readFileSync(path.join(ROOT, 'pipeline.yaml'), 'utf8').replaceAll('module: stages/', `module: ${ROOT}/stages/`);
    const stage = path.join(tmp.dir, 'summary.mjs');
    const body = (factor: number) => `export function run(ctx) {\n  const c = ctx.upstream.get('cluster');\n  return { meta: { groups: c.meta.groups * ${factor} } };\n}\n`;
    writeFileSync(stage, body(1));
    writeFileSync(path.join(tmp.dir, 'pipeline.yaml'), `${yaml}  summary:\n    module: summary.mjs\n    needs: [cluster]\n`);
    const run = () => runCli(['run', '--pipeline', path.join(tmp.dir, 'pipeline.yaml'), ...args(tmp.dir, data, ['--galaxy', '11', '--k', '3', '--json'])]);
    const first = run();
    assert.equal(first.code, 0, first.stderr);
    assert.equal(ranCounts(first)['summary'], 1);
    assert.equal(ranCounts(run())['summary'], 0);
    writeFileSync(stage, body(2));
    const why = runCli(['explain', '--pipeline', path.join(tmp.dir, 'pipeline.yaml'), ...args(tmp.dir, data, ['--galaxy', '11', '--k', '3'], 'explain')]);
    assert.match(why.stdout, /summary\[11\]\s+would run: code of summary\.mjs changed/);
    assert.match(why.stdout, /cluster\[11\]\s+cached/);
    const c = ranCounts(run());
    assert.equal(c['summary'], 1);
    assert.equal(c['cluster'], 0);
    assert.equal(c['mass-map'], 0);
  });
});

describe('kill -9 at chosen states of a run, then --resume', () => {
  const tmp = tempDir();
  // Every run here is the same command from its own folder (relative paths, as a user types
  // them) at the same pinned date, so the whole output folder, report.html with the run's
  // date and command included, must come out byte-identical to the uninterrupted run's.
  const epoch = process.env['SOURCE_DATE_EPOCH'];
  before(() => (process.env['SOURCE_DATE_EPOCH'] = '1765000000'));
  after(() => {
    if (epoch === undefined) delete process.env['SOURCE_DATE_EPOCH'];
    else process.env['SOURCE_DATE_EPOCH'] = epoch;
    tmp.remove();
  });
  let reference: Record<string, string>;
  /** Stage instances a whole run finishes (records in a fresh cache), the 4 catalog-level ones last. */
  let instances = 0;
  const base = () => ['run', '--galaxy', 'all', '--k', '2..4', '--out', 'out', '--cache', 'cache', '--lock', 'sfh.lock', ...['--catalog', path.join(PARITY, 'input', 'FinalSelMuseMask3.csv'), '--cubes', path.join(PARITY, 'input', 'MuseObject', 'MuseResample'), '--sfh', path.join(PARITY, 'input', 'MuseSFH', 'dataOut')]];
  const folder = (name: string) => {
    const dir = path.join(tmp.dir, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  before(() => {
    const dir = folder('reference');
    const r = runCli(base(), { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    reference = hashes(path.join(dir, 'out'));
    instances = cachedRecords(path.join(dir, 'cache'));
    assert.equal(Object.keys(reference).filter((f) => f.endsWith('.fits')).length, 6);
    assert.match(readFileSync(path.join(dir, 'out', 'report.html'), 'utf8'), /Run started 2025-12-06 05:46:40 UTC: <code>sfh-pipeline run --galaxy all --k 2\.\.4 --catalog /);
  });

  // Kill points are states of the run, not lengths of time (test/helpers/kill.ts), so each
  // test kills at the same place on a fast machine and a busy one.
  const points: { name: string; ready: (cache: string) => boolean }[] = [
    { name: 'as it starts, before it records itself', ready: () => true },
    { name: 'once it has recorded itself', ready: (c) => recordedTasks(c) >= 0 },
    { name: 'after 3 stage instances', ready: (c) => cachedRecords(c) >= 3 },
    { name: 'after its first task', ready: (c) => recordedTasks(c) >= 1 },
    { name: 'after 4 of its 6 tasks', ready: (c) => recordedTasks(c) >= 4 },
    // (summarise's record is the first of the catalog-level stages'; the DTD fit comes after it)
    { name: 'while its catalog-level stages run, after summarise', ready: (c) => cachedRecords(c) >= instances - 3 },
  ];
  for (const point of points) {
    test(`killed ${point.name}: resume gives byte-identical outputs, no partial file`, async (t) => {
      const dir = folder(point.name.replace(/\W+/g, '-'));
      const cache = path.join(dir, 'cache');
      const kill = await killWhen([...base(), '--jobs', '2'], () => point.ready(cache), dir);
      // (every kill point comes seconds of work before the run's end: a kill that does not land is a failure)
      assert.ok(kill.landed, `the kill landed ${point.name} (the run ended with ${kill.exit})`);
      t.diagnostic('killed');
      const out = path.join(dir, 'out');
      if (existsSync(out)) {
        // Whatever is there under an output's name is complete (equal to the reference).
        for (const [f, h] of Object.entries(hashes(out))) if (!f.startsWith('.') && !f.includes('.tmp-')) assert.equal(h, reference[f], `${f} is partial`);
      }
      let resumed = runCli(['run', '--resume', '--cache', cache]);
      // Killed before the run had recorded itself: there is nothing to resume, so run again.
      if (resumed.code === 2 && /no earlier run is recorded/.test(resumed.stderr)) resumed = runCli(base(), { cwd: dir });
      assert.equal(resumed.code, 0, resumed.stderr);
      const got = Object.fromEntries(Object.entries(hashes(out)).filter(([f]) => !f.includes('.tmp-')));
      assert.deepEqual(got, reference);
    });
  }

  test('the killed command with --resume appended resumes it; an option that differs is named, with both values', async () => {
    const dir = folder('appended');
    const command = base();
    const kill = await killWhen(command, () => recordedTasks(path.join(dir, 'cache')) >= 1, dir);
    assert.ok(kill.landed, `the kill landed after the first task (the run ended with ${kill.exit})`);

    const other = runCli([...command.map((a) => (a === '2..4' ? '2..5' : a)), '--resume', '--set', 'seed=1'], { cwd: dir });
    assert.equal(other.code, 2, other.stderr);
    assert.match(other.stderr, /--resume: the last run \(.*\.jsonl, started in .*\) had other options/);
    assert.match(other.stderr, /--k: this command has 2\.\.5, the last run had 2\.\.4/);
    assert.match(other.stderr, /--set: this command has seed=1, the last run had not given/);
    assert.doesNotMatch(other.stderr, /--out|--galaxy|--catalog/, 'only the options that differ are named');

    // The same command from the same folder, with --resume appended: it resumes.
    const same = runCli([...command, '--resume', '--json'], { cwd: dir });
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stderr, /resuming .*: \d+ of 9 tasks failed or never finished/);
    assert.deepEqual(Object.fromEntries(Object.entries(hashes(path.join(dir, 'out'))).filter(([f]) => !f.includes('.tmp-'))), reference);
  });

  test('the same command again, without --resume, after a kill: only the unfinished work runs', async () => {
    const dir = folder('again');
    const cache = path.join(dir, 'cache');
    // Killed once two results are written (recorded as finished, with their output).
    const finished = () => recordedOutputs(cache);
    const kill = await killWhen([...base(), '--jobs', '2'], () => finished().length >= 2, dir);
    assert.ok(kill.landed, `the kill landed after two results (the run ended with ${kill.exit})`);
    const before = finished();
    const again = runCli([...base(), '--json'], { cwd: dir });
    assert.equal(again.code, 0, again.stderr);
    const tasks = again.json?.tasks ?? [];
    // 2 galaxies x 3 k, and the core-collapse SN's 3 tasks, skipped at its first stage.
    assert.equal(tasks.length, 9);
    const ran = (task: (typeof tasks)[number]) => task.stages.filter((st) => st.status === 'ran').map((st) => st.name);
    // Each result the killed run finished comes from the cache whole: none of its stages runs...
    for (const task of tasks.filter((x) => before.includes(x.output ?? ''))) assert.deepEqual(ran(task), [], `${task.output} was finished before the kill`);
    // ...and what it had not finished is computed now (a stage instance that did finish
    // before the kill, in a task that did not, comes from the cache too).
    const rest = tasks.filter((x) => x.status === 'ok' && !before.includes(x.output ?? ''));
    assert.ok(rest.length > 0 && rest.some((x) => ran(x).length > 0), 'the killed run left work to do, and this run did it');
    assert.deepEqual(Object.fromEntries(Object.entries(hashes(path.join(dir, 'out'))).filter(([f]) => !f.includes('.tmp-'))), reference);
  });
});

describe('usage and pipeline errors through the CLI', () => {
  test('a bad pipeline.yaml exits 2 with line:col for every problem', () => {
    const tmp = tempDir();
    try {
      const yaml = readFileSync(path.join(ROOT, 'pipeline.yaml'), 'utf8').replaceAll('module: stages/', `module: ${ROOT}/stages/`).replace('needs: [collapse-smooth, mass-map]', 'needs: [collapse-smooth, mass-mapp]').replace('params: [out, name, k, seed]', 'params: [out, name, k, seeds]');
      writeFileSync(path.join(tmp.dir, 'pipeline.yaml'), yaml);
      const r = runCli(['run', '--galaxy', '122', '--pipeline', path.join(tmp.dir, 'pipeline.yaml')]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /2 problems in .*pipeline\.yaml/);
      assert.match(r.stderr, /pipeline\.yaml:\d+:\d+: stage `cluster` needs `mass-mapp`, which is not a stage/);
      assert.match(r.stderr, /pipeline\.yaml:\d+:\d+: stage `write` reads parameter `seeds`, which is not declared/);
    } finally {
      tmp.remove();
    }
  });

  test('an unknown galaxy exits 2 and suggests the nearest ids; a bad option names it', () => {
    const r = runCli(['run', '--galaxy', '46', '--catalog', path.join(PARITY, 'input', 'FinalSelMuseMask3.csv')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /galaxy 46 is not in .* \(nearest ids: 45, 12, 11\)/);
    const bad = runCli(['run', '--galaxy', '11', '--kk', '4']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--kk/);
  });
});
