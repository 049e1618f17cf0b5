/**
 * The lock file's form: each instance once, outputs referring to it, paths relative to the
 * project folder, entries sorted one to a line. Unit by unit (the text round-trips; merging
 * is idempotent; an output is listed once, under its current folder; what no output needs
 * goes; a first-format lock is read), and through the real CLI in a project folder: a rerun
 * that changes one galaxy changes only its lines (and the catalog-level outputs'), a run
 * with another --out leaves no entry of the old folder, a multi-model DTD run verifies, and
 * the project moved elsewhere with its data at the same relative place verifies.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatLock } from '../src/provenance/format.ts';
import { EMPTY_LOCK, parseLock, type Lock } from '../src/provenance/lock.ts';
import { mergeLock } from '../src/provenance/merge.ts';
import { LockRecords, type RawInstance } from '../src/provenance/records.ts';
import { ROOT, runCli, tempDir } from './helpers/cli.ts';

const HEADER = { tool: 'sfh-pipeline test', pipeline: { file: 'pipeline.yaml', sha256: 'p'.repeat(64) } };
const hex = (c: string) => c.repeat(64);

function raw(stage: string, galaxy: string, params: Record<string, string | number>, needs: string[] = [], inputs: Record<string, string> = {}): RawInstance {
  return { stage, galaxy, code: hex(stage[0] ?? 'c'), params, inputs, needs };
}

/** Two galaxies' load, cluster and write, the write reading a data file and writing a FITS. */
function records(out: string, k = 4): LockRecords {
  const r = new LockRecords();
  for (const [g, c] of [['11', 'a'], ['45', 'b']] as const) {
    const load = `${c}00000000001`;
    const cluster = `${c}0000000000${k}`;
    const write = `${c}1${out === 'out' ? '0' : 'e'}00000000${k}`;
    r.instances.set(load, raw('load', g, { cubes: '../data/cubes' }, [], { [`../data/cubes/${g}.fits`]: hex(c) }));
    r.instances.set(cluster, raw('cluster', g, { k }, [load]));
    r.instances.set(write, raw('write', g, { k, out }, [cluster, load]));
    r.outputs.set(`${out}/${g}_${k}.fits`, { sha256: hex(String(k)), by: write });
  }
  for (const s of ['load', 'cluster', 'write']) r.code.set(hex(s[0] as string), { stage: s, files: { [`stages/${s}.ts`]: hex('f') } });
  return r;
}

describe('the lock, unit by unit', () => {
  test('each instance once, on its line, sorted; code and parameters in tables; the text round-trips', () => {
    const lock = mergeLock(EMPTY_LOCK, records('out'), HEADER);
    const text = formatLock(lock);
    assert.deepEqual(parseLock(text, '/p/sfh.lock'), lock);
    assert.equal(Object.keys(lock.instances).length, 6);
    assert.equal(Object.keys(lock.code).length, 3, 'one code entry per code hash');
    // one JSON value per line: the header, then code, parameter sets (shared by the galaxies), instances and outputs, each sorted
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => Object.keys(l)[0]), ['lock', 'code', 'code', 'code', 'params', 'params', 'params', ...Array<string>(6).fill('instance'), 'output', 'output']);
    assert.deepEqual(lines.filter((l) => l['output']).map((l) => l['output']), ['out/11_4.fits', 'out/45_4.fits']);
    const refs = lines.filter((l) => l['instance']).map((l) => l['instance'] as string);
    assert.deepEqual(refs, [...refs].sort());
    // the write of 11: its parameters by reference, its needs, no input of its own
    const write = lock.instances['a10000000004'];
    assert.deepEqual(write && { ...write, params: lock.params[write.params] }, { stage: 'write', galaxy: '11', code: 'w'.repeat(12), params: { k: 4, out: 'out' }, needs: ['a00000000001', 'a00000000004'] });
    assert.deepEqual(lock.instances['a00000000001']?.inputs, { '../data/cubes/11.fits': hex('a') });
    // merging the same again changes nothing
    assert.equal(formatLock(mergeLock(lock, records('out'), HEADER)), text);
  });

  test('what an instance read that other entries say is not repeated', () => {
    const r = records('out');
    // a plot reads the FITS its write (which it needs) wrote: that output line says it
    r.instances.set('c00000000009', raw('plot', '11', {}, ['a10000000004'], { 'out/11_4.fits': hex('4') }));
    r.outputs.set('out/11_4_map.png', { sha256: hex('9'), by: 'c00000000009' });
    // a second reader of 11's cube, after load: load's line says it; a file of its own is listed
    r.instances.set('c00000000008', raw('median', '11', {}, ['a00000000001'], { '../data/cubes/11.fits': hex('a'), '../data/other.fits': hex('e') }));
    r.outputs.set('out/11_median.npy', { sha256: hex('8'), by: 'c00000000008' });
    // a summary reads both results, which it does not need: a count and a digest
    r.instances.set('d00000000001', raw('summary', 'all', {}, [], { 'out/11_4.fits': hex('4'), 'out/45_4.fits': hex('4') }));
    r.outputs.set('out/summary.csv', { sha256: hex('7'), by: 'd00000000001' });
    const lock = mergeLock(EMPTY_LOCK, r, HEADER);
    const plot = lock.instances['c00000000009'];
    assert.deepEqual([plot?.inputs, plot?.reads], [undefined, undefined]);
    assert.deepEqual(lock.instances['c00000000008']?.inputs, { '../data/other.fits': hex('e') });
    const summary = lock.instances['d00000000001'];
    assert.equal(summary?.inputs, undefined);
    assert.equal(summary?.reads?.files, 2);
    assert.match(summary?.reads?.sha256 ?? '', /^[0-9a-f]{16}$/);
  });

  test('a run with another --out moves the outputs: no entry of the old folder stays, nor what only it needed', () => {
    const first = mergeLock(EMPTY_LOCK, records('out'), HEADER);
    const moved = mergeLock(first, records('elsewhere'), HEADER);
    assert.deepEqual(Object.keys(moved.outputs), ['elsewhere/11_4.fits', 'elsewhere/45_4.fits']);
    // the old writes are gone; load and cluster are shared, so they stay
    assert.equal(Object.values(moved.instances).filter((i) => i.stage === 'write').length, 2);
    assert.equal(Object.values(moved.instances).filter((i) => i.stage === 'load').length, 2);
    assert.deepEqual(Object.values(moved.params).filter((p) => 'out' in p).map((p) => p['out']), ['elsewhere']);
    // another k in the same folder is another output: both stay
    const more = mergeLock(moved, records('elsewhere', 5), HEADER);
    assert.deepEqual(Object.keys(more.outputs), ['elsewhere/11_4.fits', 'elsewhere/11_5.fits', 'elsewhere/45_4.fits', 'elsewhere/45_5.fits']);
  });

  test('a first-format lock is read as the current one: an instance per writer, its chain flattened into it', () => {
    const v1 = {
      version: 1,
      tool: 'sfh-pipeline 0.1.0',
      pipeline: { file: 'pipeline.yaml', sha256: 'p'.repeat(64) },
      outputs: {
        'out/11_4.fits': { sha256: hex('4'), galaxy: '11', params: { cubes: '/p/data/cubes', k: 4, out: '/p/out' }, inputs: { '/p/data/cubes/11.fits': hex('a') }, stages: { load: { code: hex('l'), key: hex('1') }, write: { code: hex('w'), key: hex('2') } } },
        'out/summary.csv': { sha256: hex('5'), galaxy: 'all', params: { out: '/p/out' }, inputs: {}, stages: { summarise: { code: hex('s'), key: hex('3') } }, galaxies: ['11'], sweep: { k: [4, 5] } },
      },
    };
    const lock: Lock = parseLock(JSON.stringify(v1), '/p/sfh.lock');
    assert.equal(lock.version, 2);
    assert.deepEqual(lock.outputs['out/11_4.fits'], { sha256: hex('4'), by: '222222222222' });
    const write = lock.instances['222222222222'];
    assert.deepEqual(write && lock.params[write.params], { cubes: 'data/cubes', k: 4, out: 'out' });
    assert.deepEqual(write?.inputs, { 'data/cubes/11.fits': hex('a') });
    assert.deepEqual(lock.instances['333333333333']?.sweep, { k: [4, 5] });
    assert.throws(() => parseLock(JSON.stringify({ ...v1, version: 3 }), '/p/sfh.lock'), /format 3, newer than this sfh-pipeline reads/);
  });
});

describe('the lock through the CLI, in a project folder', () => {
  const tmp = tempDir('sfh-lock-');
  after(() => tmp.remove());
  // The project and its data side by side, as a paper's repository and its data might be.
  const home = path.join(tmp.dir, 'a');
  const project = path.join(home, 'paper');
  const lock = path.join(project, 'sfh-pipeline.lock');
  const data = '../data';
  const opts = (extra: string[] = []) => ['--galaxy', 'all', '--k', '2..3', '--catalog', `${data}/FinalSelMuseMask3.csv`, '--cubes', `${data}/MuseObject/MuseResample`, '--sfh', `${data}/MuseSFH/dataOut`, '--out', 'out', '--cache', 'cache', '--lock', 'sfh-pipeline.lock', '--set', 'dtdSteps=60', '--set', 'dtdBurn=20', ...extra];
  const run = (extra: string[] = [], cwd = project) => runCli(['run', ...opts(extra), '--json'], { cwd });
  const verify = (cwd = project) => runCli(['verify', '--lock', 'sfh-pipeline.lock'], { cwd });

  before(() => {
    if (!existsSync(path.join(ROOT, 'example', 'FinalSelMuseMask3.csv'))) assert.equal(runCli(['example']).code, 0);
    for (const part of ['FinalSelMuseMask3.csv', 'MuseObject', 'MuseSFH']) cpSync(path.join(ROOT, 'example', part), path.join(home, 'data', part), { recursive: true });
    mkdirSync(project, { recursive: true });
    writeFileSync(path.join(project, 'pipeline.yaml'), readFileSync(path.join(ROOT, 'pipeline.yaml'), 'utf8').replaceAll('module: stages/', `module: ${ROOT}/stages/`));
    const r = run();
    assert.equal(r.code, 0, r.stderr);
  });

  test('paths are relative to the project folder, the data outside it too; each instance once', () => {
    const text = readFileSync(lock, 'utf8');
    assert.doesNotMatch(text, new RegExp(tmp.dir.replaceAll('/', '\\/')), 'no absolute path of the project or its data');
    const l = parseLock(text, lock);
    assert.equal(l.pipeline.file, 'pipeline.yaml');
    assert.ok(Object.keys(l.outputs).every((f) => f.startsWith('out/')), Object.keys(l.outputs).join(' '));
    const inputs = Object.values(l.instances).flatMap((i) => Object.keys(i.inputs ?? {}));
    assert.ok(inputs.length > 0 && inputs.every((f) => f.startsWith('../data/')), inputs.join(' '));
    // three fitted galaxies: one load-cubes each, one write per galaxy and k
    const count = (stage: string) => Object.values(l.instances).filter((i) => i.stage === stage).length;
    assert.deepEqual([count('load-cubes'), count('write'), count('summarise'), count('report')], [3, 6, 1, 1]);
    const v = verify();
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  test('the report shows its run\'s date and command; a cached report keeps them, and the lock records them', () => {
    const page = path.join(project, 'out', 'report.html');
    const html = readFileSync(page, 'utf8');
    const shown = /<p class="meta" id="run-info">Run started (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC: <code>(sfh-pipeline run [^<]*)<\/code>/.exec(html);
    assert.ok(shown, html.slice(0, 3000));
    assert.equal(shown[2], `sfh-pipeline run --galaxy all --k 2..3 --catalog ${data}/FinalSelMuseMask3.csv --cubes ${data}/MuseObject/MuseResample --sfh ${data}/MuseSFH/dataOut --out out --cache cache --lock sfh-pipeline.lock --set dtdSteps=60 --set dtdBurn=20`);
    const l = parseLock(readFileSync(lock, 'utf8'), lock);
    const recorded = l.instances[l.outputs['out/report.html']?.by ?? '']?.run;
    assert.deepEqual(recorded && { started: recorded.started?.replace('T', ' ').replace('Z', ''), command: recorded.command }, { started: shown[1], command: shown[2] });
    // An unchanged rerun a year later: the report is cached, and keeps its page and its date.
    const again = runCli(['run', ...opts(), '--json'], { cwd: project, env: { SOURCE_DATE_EPOCH: String(Math.floor(Date.now() / 1000) + 365 * 86400) } });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readFileSync(page, 'utf8'), html);
    assert.deepEqual(parseLock(readFileSync(lock, 'utf8'), lock).instances[l.outputs['out/report.html']?.by ?? '']?.run, recorded);
  });

  test('a rerun that changes one galaxy changes only its lines and the catalog-level outputs\'', () => {
    const before = readFileSync(lock, 'utf8');
    const mine = (l: Lock, galaxy: string) => new Set(Object.entries(l.instances).filter(([, i]) => i.galaxy === galaxy).map(([ref]) => ref));
    const was = parseLock(before, lock);
    // A wider seeing in galaxy 122's cube header: its PSF, and so its groups, change.
    const cube = path.join(home, 'data', 'MuseObject', 'MuseResample', 'CDP.2016-09-02T11:45:08.318.fits');
    const bytes = readFileSync(cube);
    const at = bytes.subarray(0, 2880 * 20).toString('latin1').search(/SKY_RES = /);
    assert.ok(at >= 0 && at % 80 === 0, 'the cube has a SKY_RES card');
    bytes.write(`${'1.9'.padStart(20)}`, at + 10, 'latin1');
    writeFileSync(cube, bytes);
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    const after = readFileSync(lock, 'utf8');
    const now = parseLock(after, lock);
    const oldLines = new Set(before.split('\n'));
    const newLines = new Set(after.split('\n'));
    const changed = [...[...oldLines].filter((x) => !newLines.has(x)), ...[...newLines].filter((x) => !oldLines.has(x))];
    assert.ok(changed.length > 0);
    const allowed = new Set([...mine(was, '122'), ...mine(now, '122'), ...mine(was, 'all'), ...mine(now, 'all')]);
    const byOf = (l: Lock, file: string) => l.outputs[file]?.by;
    for (const line of changed) {
      const v = JSON.parse(line) as Record<string, unknown>;
      const name = String(v[Object.keys(v)[0] ?? '']);
      const ok = allowed.has(name) || allowed.has(byOf(was, name) ?? '') || allowed.has(byOf(now, name) ?? '') || name in now.params || name in was.params;
      assert.ok(ok, `a line of another galaxy changed: ${line.slice(0, 160)}`);
    }
    assert.ok(changed.some((l) => l.includes('"output":"out/122_SN2016ex1_2.fits"')));
    assert.ok(!changed.some((l) => /"output":"out\/(37|205)_\d/.test(l)), 'no result of galaxies 37 and 205 changed');
    const v = verify();
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });

  test('a run with another --out lists the outputs under the new folder only', () => {
    const r = run(['--out', 'out2']);
    assert.equal(r.code, 0, r.stderr);
    const l = parseLock(readFileSync(lock, 'utf8'), lock);
    assert.ok(Object.keys(l.outputs).length > 0 && Object.keys(l.outputs).every((f) => f.startsWith('out2/')), Object.keys(l.outputs).filter((f) => !f.startsWith('out2/')).join(' '));
    const back = run();
    assert.equal(back.code, 0, back.stderr);
    assert.ok(Object.keys(parseLock(readFileSync(lock, 'utf8'), lock).outputs).every((f) => f.startsWith('out/')));
  });

  test('several DTD models: dtd-models and the report record the models they read, and verify reproduces them', () => {
    const r = run(['--set', 'dtdModel=MDA,MDB']);
    assert.equal(r.code, 0, r.stderr);
    const l = parseLock(readFileSync(lock, 'utf8'), lock);
    for (const file of ['out/dtd_models.csv', 'out/report.html']) assert.deepEqual(l.instances[l.outputs[file]?.by ?? '']?.sweep?.['dtdModel'], ['MDA', 'MDB'], file);
    const v = verify();
    assert.equal(v.code, 0, v.stdout + v.stderr);
    for (const f of ['dtd_models.csv', 'dtd_MDB_chain.csv', 'report.html']) assert.match(v.stdout, new RegExp(`^ok\\s+out/${f.replace('.', '\\.')}$`, 'm'));
  });

  test('the project moved elsewhere with its data at the same relative place verifies', () => {
    const moved = path.join(tmp.dir, 'b');
    renameSync(home, moved);
    const v = verify(path.join(moved, 'paper'));
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^(\d+) of \1 outputs reproduced bit for bit$/m);
    renameSync(moved, home);
  });
});
