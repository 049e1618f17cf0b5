/**
 * Catalog-level (fan-in) stages: `over: catalog` in pipeline.yaml is validated at its line
 * and column and expands into one instance per point of its own axes; through the real CLI
 * on a private copy of the bundled example, an unchanged rerun runs no stage at all, one
 * more galaxy reruns the fan-ins and only that galaxy's per-galaxy stages, a changed input
 * reruns that galaxy's chain and the fan-ins (and `explain` names the galaxy), a failed
 * galaxy is left out and recorded, a shell fan-in reads its manifest, and the lock and
 * `verify` cover the fan-ins. Under --executor slurm the fan-ins run on the submitting side
 * after the array, on the real one-node Slurm (skipped with how to get it when absent).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { EngineEmitter } from '../src/engine/events.ts';
import { analyse, type Instance } from '../src/pipeline/analyse.ts';
import { attachListrView } from '../src/report/listr.ts';
import { parsePipeline, PipelineError } from '../src/pipeline/load.ts';
import type { ParamValue } from '../src/stage.ts';
import { parseLock } from '../src/provenance/lock.ts';
import { ROOT, runCli, tempDir, type CliResult } from './helpers/cli.ts';

const BUNDLED = readFileSync(path.join(ROOT, 'pipeline.yaml'), 'utf8').replaceAll('module: stages/', `module: ${ROOT}/stages/`);

/** The problems of a pipeline text, as `line:col message`. */
function problemsOf(text: string): string[] {
  try {
    parsePipeline(text, path.join(ROOT, 'pipeline.yaml'));
    return [];
  } catch (err) {
    if (!(err instanceof PipelineError)) throw err;
    return err.problems.map((p) => `${p.line}:${p.col} ${p.message}`);
  }
}

/** The 1-based line of the first occurrence of `needle`. */
function lineOf(text: string, needle: string): number {
  return text.slice(0, text.indexOf(needle)).split('\n').length;
}

describe('catalog-level stages in pipeline.yaml', () => {
  test('the bundled summarise, dtd and report stages are catalog-level and gather every k', () => {
    const p = parsePipeline(BUNDLED, path.join(ROOT, 'pipeline.yaml'));
    const rows = ['1', '2', '3'].map((id) => ({ id, fields: {} }));
    const values = new Map<string, readonly ParamValue[]>([...p.params].map(([name, d]) => [name, name === 'k' ? [2, 3] : [d.default]]));
    const plan = analyse(p, rows, values);
    assert.deepEqual(plan.catalog.map((i) => i.id), ['summarise[all]', 'dtd[all]', 'dtd-models[all]', 'report[all]']);
    const summarise = plan.catalog[0];
    assert.equal(summarise?.items?.length, 6, 'one item per galaxy and k');
    assert.deepEqual(summarise?.items?.map((i) => `${i.row.id}:${i.point['k']}`), ['1:2', '1:3', '2:2', '2:3', '3:2', '3:3']);
    assert.deepEqual([...(summarise?.items?.[0]?.deps.keys() ?? [])], ['catalog', 'write']);
    assert.equal(plan.tasks.length, 6, 'tasks stay per galaxy and k');
    assert.ok(plan.tasks.every((t) => t.instances.every((i) => !i.items)), 'no task holds a catalog-level instance');
    assert.deepEqual(plan.instances.slice(-4).map((i) => i.id), ['summarise[all]', 'dtd[all]', 'dtd-models[all]', 'report[all]'], 'catalog-level instances come after all others');
  });

  test('per: [k] gives one instance per k, each gathering every galaxy at that k', () => {
    const text = `${BUNDLED}  per-k:\n    run: python3 -c pass\n    over: catalog\n    per: [k]\n    needs: [write]\n  after-per-k:\n    run: python3 -c pass\n    over: catalog\n    needs: [per-k]\n`;
    const p = parsePipeline(text, path.join(ROOT, 'pipeline.yaml'));
    const values = new Map<string, readonly ParamValue[]>([...p.params].map(([name, d]) => [name, name === 'k' ? [2, 3, 4] : [d.default]]));
    const plan = analyse(p, [{ id: '7', fields: {} }, { id: '8', fields: {} }], values);
    const perK = plan.catalog.filter((i) => i.stage.name === 'per-k');
    assert.deepEqual(perK.map((i) => i.id), ['per-k[all k=2]', 'per-k[all k=3]', 'per-k[all k=4]']);
    assert.deepEqual(perK[1]?.items?.map((i) => i.deps.get('write')?.id), ['write[7 k=3]', 'write[8 k=3]']);
    const afterIt = plan.catalog.find((i) => i.stage.name === 'after-per-k');
    assert.deepEqual([...(afterIt?.deps.keys() ?? [])], ['per-k[all k=2]', 'per-k[all k=3]', 'per-k[all k=4]'], 'a fan-in of fan-ins gathers every k');
  });

  test('mistakes are reported at their line and column, with what to do', () => {
    const bad = `${BUNDLED}  a:\n    run: python3 x.py\n    over: galaxies\n    needs: [write]\n  b:\n    module: ${ROOT}/stages/plot.ts\n    per: [k]\n    needs: [summarise]\n  c:\n    run: python3 x.py {galaxy}\n    over: catalog\n    per: [kk]\n    needs: [write]\n`;
    const problems = problemsOf(bad);
    assert.equal(problems.length, 5, problems.join('\n'));
    assert.match(problems[0] ?? '', new RegExp(`^${lineOf(bad, 'over: galaxies')}:11 \`over\` of stage \`a\` must be \`catalog\``));
    assert.ok(problems.some((p) => new RegExp(`^${lineOf(bad, '    per: [k]')}:10 \`per\` of stage \`b\` is only for catalog-level stages`).test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /stage `b` runs per galaxy but needs `summarise`, which runs once over the catalog/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => new RegExp(`^${lineOf(bad, '{galaxy}')}:\\d+ stage \`c\` uses \\{galaxy\\} in \`run\`, which it cannot read`).test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /stage `c` runs per `kk`, which is not a declared parameter/.test(p)), problems.join('\n'));
  });
});

describe('catalog-level stages in the live view', () => {
  test('they share one line after the galaxies and end like any instance', async () => {
    const p = parsePipeline(BUNDLED, path.join(ROOT, 'pipeline.yaml'));
    const values = new Map<string, readonly ParamValue[]>([...p.params].map(([name, d]) => [name, name === 'k' ? [2, 3] : [d.default]]));
    const plan = analyse(p, [{ id: '122', fields: { 'SN Name': 'SNx' } }, { id: '7', fields: { 'SN Name': 'SNy' } }], values);
    let captured = '';
    const stream = new Writable({
      write(chunk: Buffer | string, _enc, done) {
        captured += chunk.toString();
        done();
      },
    });
    Object.assign(stream, { isTTY: true, columns: 120, rows: 60 });
    const events = new EngineEmitter();
    const view = attachListrView(events, plan, stream as unknown as NodeJS.WriteStream);
    events.emit('run-start', plan);
    for (const inst of plan.instances) {
      if (inst.items) continue;
      events.emit('instance-end', { instance: inst, status: 'cached', ms: 0, warnings: [], files: [] });
    }
    const summarise = plan.catalog[0];
    assert.ok(summarise);
    events.emit('instance-start', summarise);
    events.emit('instance-end', { instance: summarise, status: 'ran', ms: 1500, warnings: [], files: [] });
    events.emit('instance-end', { instance: plan.catalog[1] as Instance, status: 'failed', ms: 3, warnings: [], files: [], failure: { reason: 'stage-threw', message: 'the report broke' } });
    events.emit('run-end', []);
    await view.finished;
    const text = stripVTControlCharacters(captured);
    assert.match(text, /all galaxies \(catalog-level stages\)/);
    assert.ok(text.lastIndexOf('all galaxies') > text.lastIndexOf('7 SNy'), 'after the galaxies');
    assert.match(text, /the report broke/);
  });
});

/** How many instances of each stage ran (not cached), per-galaxy and catalog-level alike. */
function ran(r: CliResult): Record<string, number> {
  const seen = new Map<string, string>();
  for (const t of r.json?.tasks ?? []) for (const s of t.stages) seen.set(`${s.name}|${t.galaxy}|${['cluster', 'write', 'plot'].includes(s.name) ? JSON.stringify(t.params) : ''}`, s.status);
  for (const c of catalogOf(r)) seen.set(`${c.stage}|${c.id}`, c.status);
  const counts: Record<string, number> = {};
  for (const [id, status] of seen) {
    const stage = id.split('|')[0] as string;
    counts[stage] = (counts[stage] ?? 0) + (status === 'ran' ? 1 : 0);
  }
  return counts;
}

interface CatalogJson {
  id: string;
  stage: string;
  status: string;
  items: number;
  excluded: { galaxy: string; point: Record<string, unknown>; instance: string; status: string; reason: string }[];
  files: string[];
}
function catalogOf(r: CliResult): CatalogJson[] {
  return (r.json?.['catalog'] as CatalogJson[] | undefined) ?? [];
}

/** The cube of a galaxy of the example catalog (its ArcName, ADP -> CDP). */
function cubeOf(data: string, galaxy: string): string {
  const [head, ...rows] = readFileSync(path.join(data, 'FinalSelMuseMask3.csv'), 'utf8').split('\n');
  const col = (head ?? '').split(',').indexOf('ArcName');
  const row = rows.find((l) => l.startsWith(`${galaxy},`)) ?? '';
  return path.join(data, 'MuseObject', 'MuseResample', `${(row.split(',')[col] ?? '').replace('ADP', 'CDP')}.fits`);
}

/** Which galaxies ran any per-galaxy stage. */
function galaxiesThatRan(r: CliResult): string[] {
  return [...new Set((r.json?.tasks ?? []).filter((t) => t.stages.some((s) => s.status === 'ran')).map((t) => t.galaxy))];
}

/** A shell fan-in that tabulates every result's SNGROUP card, read from the FITS by a script. */
const SN_GROUPS_PY = `import csv, os, sys
manifest, out = sys.argv[1], sys.argv[2]
def card(path, key):
    with open(path, 'rb') as f:
        while True:
            block = f.read(2880)
            if not block: return ''
            for i in range(0, len(block), 80):
                c = block[i:i + 80].decode('ascii')
                if c[:8].strip() == key: return c[10:].split('/')[0].strip()
                if c[:8].strip() == 'END': return ''
rows = list(csv.DictReader(open(manifest), delimiter='\\t'))
left = list(csv.DictReader(open(os.environ['SFH_EXCLUDED']), delimiter='\\t'))
assert len(rows) == int(os.environ['SFH_ITEMS'])
with open(out, 'w') as f:
    f.write('galaxy\\tsn\\tk\\tsn_group\\n')
    for r in rows: f.write(f"{r['galaxy']}\\t{r['sn']}\\t{r['k']}\\t{card(r['write'], 'SNGROUP')}\\n")
    for r in left: f.write(f"# left out {r['galaxy']} k={r['k']}: {r['status']}\\n")
`;
const SN_GROUPS_STAGE = `  sn-groups:
    run: python3 scripts/sn_groups.py {manifest} tables/sn-groups.tsv
    over: catalog
    needs: [catalog, write]
    outputs: [tables/sn-groups.tsv]
`;

describe('catalog-level stages through the CLI, on the bundled example', () => {
  const tmp = tempDir('sfh-fanin-');
  after(() => tmp.remove());
  const data = path.join(tmp.dir, 'example');
  const pipeline = path.join(tmp.dir, 'pipeline.yaml');
  const out = path.join(tmp.dir, 'out');
  const lock = path.join(tmp.dir, 'sfh.lock');
  const opts = (galaxies: string, extra: string[] = []) => ['--pipeline', pipeline, '--galaxy', galaxies, '--k', '2..3', '--catalog', path.join(data, 'FinalSelMuseMask3.csv'), '--cubes', path.join(data, 'MuseObject', 'MuseResample'), '--sfh', path.join(data, 'MuseSFH', 'dataOut'), '--out', out, '--cache', path.join(tmp.dir, 'cache'), ...extra];
  const run = (galaxies: string, extra: string[] = []) => runCli(['run', ...opts(galaxies, ['--lock', lock, '--json', ...extra])]);
  const table = path.join(tmp.dir, 'tables', 'sn-groups.tsv');
  let first: CliResult;

  before(() => {
    // The example's data are made in the repository on first use; a private copy may be edited.
    if (!existsSync(path.join(ROOT, 'example', 'FinalSelMuseMask3.csv'))) assert.equal(runCli(['example']).code, 0);
    for (const part of ['FinalSelMuseMask3.csv', 'MuseObject', 'MuseSFH']) cpSync(path.join(ROOT, 'example', part), path.join(data, part), { recursive: true });
    writeFileSync(pipeline, `${BUNDLED}${SN_GROUPS_STAGE}`);
    mkdirSync(path.join(tmp.dir, 'scripts'));
    writeFileSync(path.join(tmp.dir, 'scripts', 'sn_groups.py'), SN_GROUPS_PY);
    first = run('37,122');
  });

  test('the first run runs every fan-in once, over every galaxy and k', () => {
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(catalogOf(first).map((c) => `${c.id} ${c.status} ${c.items}`), ['summarise[all] ran 4', 'dtd[all] ran 4', 'dtd-models[all] ran 4', 'report[all] ran 4', 'sn-groups[all] ran 4']);
    const csv = readFileSync(path.join(out, 'summary.csv'), 'utf8').trim().split('\n');
    assert.deepEqual(csv.slice(1).map((l) => l.split(',').slice(0, 4).filter((_, i) => i !== 1 && i !== 2).join(' ')), ['37 2', '37 3', '122 2', '122 3']);
    assert.ok(existsSync(path.join(out, 'report.html')));
    // The summary table and the report line come after the closing summary, as before.
    assert.ok(first.stderr.indexOf('summary (') > first.stderr.indexOf('tasks: '), first.stderr);
    assert.match(first.stderr, /report: .*report\.html \(2 galaxies, 4 results\)/);
  });

  test('a shell fan-in reads the manifest: every galaxy and k with its upstream file', () => {
    const lines = readFileSync(table, 'utf8').trim().split('\n');
    assert.deepEqual(lines[0], 'galaxy\tsn\tk\tsn_group');
    assert.deepEqual(lines.slice(1).map((l) => l.split('\t').slice(0, 3).join(' ')), ['37 SN2017ex2 2', '37 SN2017ex2 3', '122 SN2016ex1 2', '122 SN2016ex1 3']);
    for (const l of lines.slice(1)) assert.match(l.split('\t')[3] ?? '', /^\d+$/, `the SN group read from the result FITS: ${l}`);
  });

  test('an unchanged rerun runs no stage at all', () => {
    const again = run('37,122');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(Object.entries(ran(again)).filter(([, n]) => n > 0), []);
    assert.deepEqual(catalogOf(again).map((c) => c.status), ['cached', 'cached', 'cached', 'cached', 'cached']);
    assert.match(again.stderr, /summary \(/, 'the table is printed for a cached summary too');
    // cache gc keeps what the last run needs, its catalog-level instances too (from its run
    // record alone here: the lock files it looks at are under the bundled pipeline's folder).
    const gc = runCli(['cache', 'gc', '--pipeline', path.join(ROOT, 'pipeline.yaml'), '--cache', path.join(tmp.dir, 'cache'), '--keep', '1', '--grace', '0']);
    assert.equal(gc.code, 0, gc.stderr);
    assert.deepEqual(catalogOf(run('37,122')).map((c) => c.status), ['cached', 'cached', 'cached', 'cached', 'cached']);
  });

  test('one more galaxy: explain names it; only its per-galaxy stages and the fan-ins run', () => {
    const why = runCli(['explain', ...opts('37,122,205')]);
    assert.equal(why.code, 0, why.stderr);
    assert.match(why.stdout, /summarise\[all\]\s+would run: .*galaxy 205 k=2: write would run/);
    assert.match(why.stdout, /report\[all\]\s+would run: .*galaxy 205/);
    assert.match(why.stdout, /write\[37 k=2\]\s+cached/);
    const r = run('37,122,205');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(galaxiesThatRan(r), ['205']);
    assert.deepEqual(catalogOf(r).map((c) => `${c.id} ${c.status} ${c.items}`), ['summarise[all] ran 6', 'dtd[all] ran 6', 'dtd-models[all] ran 6', 'report[all] ran 6', 'sn-groups[all] ran 6']);
    assert.equal(readFileSync(path.join(out, 'summary.csv'), 'utf8').trim().split('\n').length, 7);
  });

  test('dag shows the fan-ins, grouped in text and as stadiums in mermaid', () => {
    const text = runCli(['dag', ...opts('37,122,205')]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /summarise\[all\]\s+<- catalog x 3 galaxies, write x 3 galaxies x k=2,3\s+\[cached\]/);
    const mermaid = runCli(['dag', '--mermaid', ...opts('37,122,205')]);
    assert.match(mermaid.stdout, /n\d+\(\["report<br\/>all 3 galaxies"\]\):::cached/);
  });

  test('the lock lists the fan-ins\' outputs with their galaxies, and verify reproduces them', () => {
    const { instances, outputs } = parseLock(readFileSync(lock, 'utf8'), lock);
    for (const name of ['out/summary.csv', 'out/report.html', 'tables/sn-groups.tsv', 'out/205_SN2018ex3_kchoice.png']) {
      const e = instances[outputs[name]?.by ?? ''];
      assert.ok(e, `${name} is in the lock, with the instance that wrote it: ${Object.keys(outputs).join(' ')}`);
      assert.equal(e.galaxy, 'all');
      assert.deepEqual(e.galaxies, ['37', '122', '205']);
      assert.deepEqual(e.sweep, { k: [2, 3] });
    }
    // What they gathered is in the lock once: every galaxy's write at every k, each with the instances it needs.
    const writes = Object.values(instances).filter((i) => i.stage === 'write').map((i) => i.galaxy).sort();
    assert.deepEqual(writes, ['122', '122', '205', '205', '37', '37']);
    // summarise read the folder's 6 results, which the lock lists as outputs (a count and a digest, not the list again)
    assert.equal(instances[outputs['out/summary.csv']?.by ?? '']?.reads?.files, 6);
    const v = runCli(['verify', '--pipeline', pipeline, '--lock', lock]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    for (const name of ['out/summary.csv', 'out/report.html', 'out/37_SN2017ex2_kchoice.png']) assert.match(v.stdout, new RegExp(`^ok\\s+${name.replace('.', '\\.')}$`, 'm'));
    // (as for a per-galaxy shell stage: a file outside --out cannot be recomputed apart from it)
    assert.match(v.stdout, /^skipped\s+tables\/sn-groups\.tsv: not in its run's --out folder/m);
  });

  test('a changed input of one galaxy reruns its chain and the fan-ins; explain names the galaxy', () => {
    // A wider seeing in galaxy 122's cube header: its PSF, and so its groups, change.
    const cube = cubeOf(data, '122');
    const bytes = readFileSync(cube);
    const header = bytes.subarray(0, 2880 * 20).toString('latin1');
    const at = header.search(/SKY_RES = /);
    assert.ok(at >= 0 && at % 80 === 0, 'the cube has a SKY_RES card');
    bytes.write(`${'1.9'.padStart(20)}`, at + 10, 'latin1');
    writeFileSync(cube, bytes);
    const why = runCli(['explain', ...opts('37,122,205')]);
    assert.match(why.stdout, /load-cubes\[122\]\s+would run: input .*\.fits changed/);
    assert.match(why.stdout, /load-cubes\[37\]\s+cached/);
    assert.match(why.stdout, /summarise\[all\]\s+would run: galaxy 122 k=2: write would run; galaxy 122 k=3: write would run/);
    const r = run('37,122,205');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(galaxiesThatRan(r), ['122']);
    assert.equal(ran(r)['load-cubes'], 1);
    assert.deepEqual(catalogOf(r).map((c) => c.status), ['ran', 'ran', 'ran', 'ran', 'ran']);
  });

  test('a failed galaxy is left out and recorded; --fail-fast still stops everything', () => {
    writeFileSync(cubeOf(data, '205'), 'this is not a FITS file\n');
    const r = run('37,122,205');
    assert.equal(r.code, 1, 'a failed galaxy still fails the run');
    const summarise = catalogOf(r).find((c) => c.stage === 'summarise');
    assert.equal(summarise?.status, 'ran');
    // (named by the root cause, the stage that failed, not by the need it kept from running)
    assert.deepEqual(summarise?.excluded.map((e) => `${e.galaxy} k=${e.point['k']} ${e.instance} ${e.status}`), ['205 k=2 load-cubes[205] failed', '205 k=3 load-cubes[205] failed']);
    assert.match(summarise?.excluded[0]?.reason ?? '', /\.fits: does not start with SIMPLE/, 'the reason is the failure that left it out');
    assert.match(r.stderr, /summarise\[all\]: ran over 4 of 6; left out 205 \(k=2, k=3\): failed at load-cubes/);
    assert.deepEqual(readFileSync(path.join(out, 'summary.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]), ['37', '37', '122', '122']);
    assert.match(readFileSync(table, 'utf8'), /# left out 205 k=2: failed/);
    // Left out again for the same reason: the fan-ins are answered from the cache.
    assert.deepEqual(catalogOf(run('37,122,205')).map((c) => c.status), ['cached', 'cached', 'cached', 'cached', 'cached']);
    const fast = run('37,122,205', ['--fail-fast']);
    assert.equal(fast.code, 1);
    assert.deepEqual(catalogOf(fast).map((c) => c.status), ['cancelled', 'cancelled', 'cancelled', 'cancelled', 'cancelled']);
  });

  test('--no-report leaves the report stage out, and keeps summary.csv', () => {
    const other = path.join(tmp.dir, 'other');
    const r = runCli(['run', ...opts('37').map((a) => (a === out ? other : a)), '--no-report', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(catalogOf(r).map((c) => c.stage), ['summarise', 'dtd', 'dtd-models', 'sn-groups'], 'the DTD fit is not the report: it stays');
    assert.ok(existsSync(path.join(other, 'summary.csv')));
    assert.ok(!existsSync(path.join(other, 'report.html')));
  });
});

function slurmUp(): boolean {
  const r = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 120_000 }); // (only a guard against a hung sinfo)
  return r.status === 0 && /idle|mixed|allocated|completing/.test(r.stdout);
}

describe('catalog-level stages under --executor slurm', () => {
  test('the fan-ins run on the submitting side after the array, from the cache the elements filled', (t) => {
    if (!slurmUp()) {
      if (process.env['CI']) assert.fail('CI must run the Slurm tests, but Slurm is not running (apt-get install slurm-wlm; bash scripts/slurm-local.sh)');
      t.skip('Slurm is not running here (Debian package slurm-wlm; start a one-node cluster with `bash scripts/slurm-local.sh`, see docs/slurm.md)');
      return;
    }
    const tmp = tempDir('sfh-fanin-slurm-');
    try {
      const pipeline = path.join(tmp.dir, 'pipeline.yaml');
      writeFileSync(pipeline, `${BUNDLED}executor:\n  slurm:\n    time: "00:10:00"\n    memory: 1G\n    poll: 0.5\n`);
      const example = path.join(ROOT, 'example');
      const args = ['run', '--executor', 'slurm', '--pipeline', pipeline, '--galaxy', '37,122,311', '--k', '2..3', '--catalog', path.join(example, 'FinalSelMuseMask3.csv'), '--cubes', path.join(example, 'MuseObject', 'MuseResample'), '--sfh', path.join(example, 'MuseSFH', 'dataOut'), '--out', path.join(tmp.dir, 'out'), '--cache', path.join(tmp.dir, 'cache'), '--lock', path.join(tmp.dir, 'sfh.lock'), '--json'];
      const r = runCli(args);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(catalogOf(r).map((c) => `${c.id} ${c.status} ${c.items}`), ['summarise[all] ran 6', 'dtd[all] ran 6', 'dtd-models[all] ran 6', 'report[all] ran 6']);
      assert.deepEqual(catalogOf(r)[0]?.excluded.map((e) => `${e.galaxy} ${e.status}`), ['311 skipped', '311 skipped'], 'the skipped galaxy is recorded');
      // After the array: the submitting side printed the fan-ins' ends after the elements' tasks.
      assert.ok(r.stderr.indexOf('summarise[all] ran') > r.stderr.lastIndexOf('slurm: submitted job'), r.stderr);
      assert.equal(readFileSync(path.join(tmp.dir, 'out', 'summary.csv'), 'utf8').trim().split('\n').length, 5);
      const lockText = readFileSync(path.join(tmp.dir, 'sfh.lock'), 'utf8');
      const by = /^\{"output":"out\/summary\.csv","sha256":"[0-9a-f]{64}","by":"([0-9a-f]{12})"\}$/m.exec(lockText)?.[1];
      assert.match(lockText, new RegExp(`^\\{"instance":"${by}","stage":"summarise","galaxy":"all",`, 'm'));
      // A second run: every element answers from the cache, and so do the fan-ins.
      const again = runCli(args);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(catalogOf(again).map((c) => c.status), ['cached', 'cached', 'cached', 'cached']);
    } finally {
      tmp.remove();
    }
  });
});
