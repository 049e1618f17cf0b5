/**
 * `sfh-pipeline crate`: a Workflow Run RO-Crate of a run. Unit by unit (how files are named,
 * the zip writer read back by Python's zipfile), and through the real CLI on a run in a
 * project folder with its data beside it, one galaxy's cube cut short so that it fails:
 * every entity and property the profiles require (listed below with the section that
 * requires it), every file the crate names is there with its sha256 and size, the failed
 * galaxy is an error of the run, a zip's contents agree with its metadata, a changed
 * result is refused, and a zip with the inputs, unzipped elsewhere, verifies.
 *
 * The reference validator (crs4/rocrate-validator) cannot be installed here: it comes from
 * PyPI, which this machine does not reach, and needs pyshacl, which Debian does not package.
 * The checks below are the rules of its profile definitions for RO-Crate 1.1, Workflow
 * RO-Crate 1.0, Process Run Crate 0.5 and Workflow Run Crate 0.5, from the specifications'
 * text.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunRecord, TaskLine } from '../src/cache/runs.ts';
import { crateTime, localId, pathId } from '../src/crate/ids.ts';
import { lockScope, runScope } from '../src/crate/scope.ts';
import { EMPTY_LOCK, type Lock } from '../src/provenance/lock.ts';
import { ZipWriter } from '../src/crate/zip.ts';
import { ROOT, runCli, tempDir } from './helpers/cli.ts';

type Entity = { '@id': string; '@type': string | string[]; [key: string]: unknown };
type Crate = { '@context': string[]; '@graph': Entity[] };

const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import zipfile'], { encoding: 'utf8' }).status === 0);
const noPython = PYTHON ? false : 'python3 is not installed (Debian package python3): the zip is read back with its zipfile module';
const TERMS = JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'crate', 'context-terms.json'), 'utf8')) as Record<string, string[]>;

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const types = (e: Entity | undefined) => (e === undefined ? [] : Array.isArray(e['@type']) ? e['@type'] : [e['@type']]);
const ids = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => (x as { '@id': string })['@id']));
/** An ISO 8601 time as the Process Run Crate checks of the reference validator want it (an offset, not Z). */
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?\+\d{2}:\d{2}$/;

/** Reads a zip with Python's zipfile: its CRCs checked, its names, and the entries asked for. */
function readZip(file: string, read: string[] = []): { bad: string | null; names: string[]; sizes: Record<string, number>; files: Record<string, string> } {
  const py = `import zipfile, json, sys, base64
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({"bad": z.testzip(), "names": z.namelist(), "sizes": {i.filename: i.file_size for i in z.infolist()}, "files": {n: base64.b64encode(z.read(n)).decode() for n in sys.argv[2:]}}))`;
  const r = spawnSync(PYTHON as string, ['-c', py, file, ...read], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { bad: string | null; names: string[]; sizes: Record<string, number>; files: Record<string, string> };
  return { ...out, files: Object.fromEntries(Object.entries(out.files).map(([n, b]) => [n, Buffer.from(b, 'base64').toString('latin1')])) };
}

describe('how the crate names files', () => {
  test('paths are URI references: space, %, # and ? encoded, a colon in the first segment too, non-ASCII kept', () => {
    assert.equal(pathId('out/122_SN2016ex1_4.fits'), 'out/122_SN2016ex1_4.fits');
    assert.equal(pathId('Results and Diagrams/almost-50%.png'), 'Results%20and%20Diagrams/almost-50%25.png');
    assert.equal(pathId('a#b?c.fits'), 'a%23b%3Fc.fits');
    // "CDP.2016-09-02T11:45:08.fits" alone would be a URI of the scheme "CDP.2016-09-02T11" (RFC 3986, 4.2)
    assert.equal(pathId('CDP.2016-09-02T11:45:08.fits'), 'CDP.2016-09-02T11%3A45%3A08.fits');
    assert.equal(pathId('cubes/CDP.2016-09-02T11:45:08.fits'), 'cubes/CDP.2016-09-02T11:45:08.fits');
    assert.equal(pathId('面试/SN2013ü.fits'), '面试/SN2013ü.fits');
    assert.equal(pathId('out', true), 'out/');
    assert.equal(localId('../data/x y.fits'), '#../data/x%20y.fits');
    assert.equal(crateTime('2026-12-07T03:57:15Z'), '2026-12-07T03:57:15.000+00:00');
  });
});

describe('what a crate covers', () => {
  const hex = (c: string) => c.repeat(64);
  const lock: Lock = {
    ...EMPTY_LOCK,
    params: { p1: { k: 2, cubes: '../data/cubes' }, p2: { k: 3, cubes: '../data/cubes' } },
    instances: {
      aaaaaaaaaaaa: { stage: 'write', galaxy: '11', code: 'c', params: 'p1', inputs: { '../data/cubes/11.fits': hex('1') } },
      bbbbbbbbbbbb: { stage: 'write', galaxy: '11', code: 'c', params: 'p2', inputs: { '../data/cubes/11.fits': hex('1') } },
      cccccccccccc: { stage: 'write', galaxy: '45', code: 'c', params: 'p1', inputs: { '../data/cubes/45.fits': hex('4') } },
    },
    outputs: { 'out/11_2.fits': { sha256: hex('a'), by: 'aaaaaaaaaaaa' }, 'out/11_3.fits': { sha256: hex('b'), by: 'bbbbbbbbbbbb' }, 'out/45_2.fits': { sha256: hex('c'), by: 'cccccccccccc' } },
  };
  const dir = '/home/u/paper';
  const task = (task: string, status: TaskLine['status'], key?: string, error?: string): TaskLine => ({ kind: 'task', task, status, ...(key ? { keys: [key + '0'.repeat(52)] } : {}), ...(error ? { error } : {}) });
  const record = (tasks: TaskLine[], finished = true): RunRecord => ({
    file: '/home/u/paper/cache/runs/r.jsonl',
    header: { kind: 'run', id: 'r', started: '2026-12-07T03:57:15.585Z', cwd: dir, args: {}, run: { started: '2026-12-07T03:57:15Z', command: 'sfh-pipeline run --galaxy all --k 2..3' } },
    tasks: new Map(tasks.map((t) => [t.task, t])),
    finished,
    catalogKeys: [],
    catalog: [],
    ...(finished ? { ended: '2026-12-07T04:00:00.000Z' } : {}),
  });

  test('a run: its own instances\' results, inputs and values; a failed galaxy once, its points together, its files relative to the project', () => {
    const msg = 'galaxy 45 (SN2015bp): cube /home/u/data/cubes/45.fits not found';
    const s = runScope(lock, record([task('11 {"k":2}', 'ok', 'aaaaaaaaaaaa'), task('45 {"k":2}', 'failed', undefined, msg), task('45 {"k":3}', 'failed', undefined, msg)]), dir);
    assert.deepEqual([...s.results.keys()], ['out/11_2.fits']);
    assert.deepEqual([...s.inputs.keys()], ['../data/cubes/11.fits']);
    assert.deepEqual(s.params.get('k'), [2]);
    assert.deepEqual(s.errors, ['galaxy 45 (SN2015bp), k=2, k=3: cube ../data/cubes/45.fits not found']);
    assert.deepEqual(s.counts, { ok: 1, failed: 2, skipped: 0 });
    assert.equal(s.ended, '2026-12-07T04:00:00.000Z');
  });

  test('an unfinished run is refused; the whole lock is one scope with every value', () => {
    assert.throws(() => runScope(lock, record([], false), dir), /has not finished: it is still going, or it was killed/);
    const s = lockScope(lock, hex('f'));
    assert.equal(s.results.size, 3);
    assert.deepEqual(s.params.get('k'), [2, 3]);
    assert.deepEqual(s.galaxies, ['11', '45']);
    assert.throws(() => lockScope(EMPTY_LOCK, hex('f')), /lists no output/);
  });
});

describe('the zip writer, read back by Python\'s zipfile', { skip: noPython }, () => {
  const tmp = tempDir('sfh-zip-');
  after(() => tmp.remove());
  for (const forceZip64 of [false, true]) {
    test(`${forceZip64 ? 'ZIP64 records (forced, as past 4 GiB)' : 'plain records'}: names, sizes, CRCs and contents`, async () => {
      const big = path.join(tmp.dir, 'big.bin');
      const bytes = Buffer.alloc(3_000_000);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251;
      writeFileSync(big, bytes);
      const file = path.join(tmp.dir, `t${forceZip64 ? 64 : 32}.zip`);
      const z = new ZipWriter(file, { forceZip64 });
      await z.addData('ro-crate-metadata.json', Buffer.from('{"a": 1}'), new Date());
      await z.addData('empty.txt', Buffer.alloc(0), new Date());
      await z.addFile('dir/ü space#.bin', big, bytes.length, new Date(), false);
      await z.addFile('dir/deflated.bin', big, bytes.length, new Date(), true);
      z.close();
      const r = readZip(file, ['ro-crate-metadata.json', 'dir/deflated.bin', 'dir/ü space#.bin', 'empty.txt']);
      assert.equal(r.bad, null);
      assert.deepEqual(r.names, ['ro-crate-metadata.json', 'empty.txt', 'dir/ü space#.bin', 'dir/deflated.bin']);
      assert.equal(r.files['ro-crate-metadata.json'], '{"a": 1}');
      assert.equal(r.files['empty.txt'], '');
      for (const n of ['dir/deflated.bin', 'dir/ü space#.bin']) assert.ok(Buffer.from(r.files[n] ?? '', 'latin1').equals(bytes), n);
      assert.ok(statSync(file).size < 2 * bytes.length, 'the deflated copy is smaller than the stored one');
    });
  }

  test('a failed write leaves nothing under the archive\'s name', async () => {
    const file = path.join(tmp.dir, 'failed.zip');
    const z = new ZipWriter(file);
    await assert.rejects(z.addFile('x', path.join(tmp.dir, 'no-such-file'), 0, new Date(), true));
    z.abort();
    assert.equal(existsSync(file), false);
  });
});

describe('a crate of a run, through the CLI, in a project folder', () => {
  const tmp = tempDir('sfh-crate-');
  after(() => tmp.remove());
  const home = path.join(tmp.dir, 'a');
  const project = path.join(home, 'paper');
  const cubeOf205 = path.join(home, 'data', 'MuseObject', 'MuseResample', 'CDP.2017-10-12T10:02:39.871.fits');
  const data = '../data';
  const opts = ['--galaxy', 'all', '--k', '2..3', '--catalog', `${data}/FinalSelMuseMask3.csv`, '--cubes', `${data}/MuseObject/MuseResample`, '--sfh', `${data}/MuseSFH/dataOut`, '--out', 'out', '--set', 'dtdSteps=60', '--set', 'dtdBurn=20'];
  const run = () => runCli(['run', ...opts], { cwd: project });
  const crate = (...args: string[]) => runCli(['crate', '--license', 'CC-BY-4.0', ...args], { cwd: project });
  const metadata = (): Crate => JSON.parse(readFileSync(path.join(project, 'ro-crate-metadata.json'), 'utf8')) as Crate;
  let whole: Buffer;

  before(() => {
    if (!existsSync(path.join(ROOT, 'example', 'FinalSelMuseMask3.csv'))) assert.equal(runCli(['example']).code, 0);
    for (const part of ['FinalSelMuseMask3.csv', 'MuseObject', 'MuseSFH']) cpSync(path.join(ROOT, 'example', part), path.join(home, 'data', part), { recursive: true });
    mkdirSync(project, { recursive: true });
    writeFileSync(path.join(project, 'pipeline.yaml'), readFileSync(path.join(ROOT, 'pipeline.yaml'), 'utf8').replaceAll('module: stages/', `module: ${ROOT}/stages/`));
    // Galaxy 205's cube cut short: it fails (exit 1), the others go on.
    whole = readFileSync(cubeOf205);
    truncateSync(cubeOf205, 2880 * 3);
    const r = run();
    assert.equal(r.code, 1, r.stderr);
    const c = crate('--author', 'Ada Lovelace,0000-0002-1825-0097');
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stderr, /^crate: ro-crate-metadata\.json \(\d+ results, \d+ inputs, 1 failed/m);
  });

  test('every entity and property the profiles require', () => {
    const crate = metadata();
    const graph = crate['@graph'];
    const byId = new Map(graph.map((e) => [e['@id'], e]));
    const get = (id: string | undefined) => (id === undefined ? undefined : byId.get(id));
    const descriptor = get('ro-crate-metadata.json');
    const root = get(ids(descriptor?.['about'])[0]);
    const workflow = get(ids(root?.['mainEntity'])[0]);
    const action = get(ids(root?.['mentions'])[0]);
    const isDataEntity = (e: Entity) => (types(e).includes('File') || types(e).includes('Dataset')) && !e['@id'].startsWith('#') && e !== root;
    const formal = graph.filter((e) => types(e).includes('FormalParameter'));
    const realizing = (fp: Entity) => graph.filter((e) => ids(e['exampleOfWork']).includes(fp['@id']));
    const requirements: [string, () => boolean | string][] = [
      // RO-Crate 1.1, "Root Data Entity: RO-Crate Metadata File Descriptor"
      ['RO-Crate 1.1 §Metadata File Descriptor: `ro-crate-metadata.json` is a CreativeWork (MUST)', () => types(descriptor).includes('CreativeWork')],
      ['RO-Crate 1.1 §Metadata File Descriptor: `about` references the Root Data Entity (MUST), `./` (SHOULD)', () => root !== undefined && root['@id'] === './'],
      ['RO-Crate 1.1 §Metadata File Descriptor: `conformsTo` the versioned permalink https://w3id.org/ro/crate/1.1 (SHOULD)', () => ids(descriptor?.['conformsTo']).includes('https://w3id.org/ro/crate/1.1')],
      ['RO-Crate 1.1 §Direct properties of the Root Data Entity: @type Dataset, @id ends with / (MUST)', () => types(root).includes('Dataset') && (root?.['@id'] ?? '').endsWith('/')],
      ['RO-Crate 1.1 §Direct properties: `name` and `description` (MUST)', () => typeof root?.['name'] === 'string' && typeof root['description'] === 'string' && root['description'].length > 40],
      ['RO-Crate 1.1 §Direct properties: `datePublished` in ISO 8601, to at least the day (MUST)', () => typeof root?.['datePublished'] === 'string' && TIME.test(root['datePublished'])],
      ['RO-Crate 1.1 §Direct properties: `license` linking to a contextual entity with a name (SHOULD)', () => get(ids(root?.['license'])[0])?.['name'] === 'CC-BY-4.0' && ids(root?.['license'])[0] === 'https://spdx.org/licenses/CC-BY-4.0'],
      ['RO-Crate 1.1 §Data Entities: every File or Dataset data entity is linked from the root by `hasPart` (MUST)', () => graph.filter(isDataEntity).every((e) => ids(root?.['hasPart']).includes(e['@id'])) || graph.filter(isDataEntity).filter((e) => !ids(root?.['hasPart']).includes(e['@id'])).map((e) => e['@id']).join(' ')],
      ['RO-Crate 1.1 §Data Entities: `hasPart` lists only File and Dataset entities', () => ids(root?.['hasPart']).every((id) => types(get(id)).includes('File') || types(get(id)).includes('Dataset'))],
      ['RO-Crate 1.1 §Directory File Entity: a Dataset @id ends with / (SHOULD)', () => graph.filter((e) => types(e).includes('Dataset')).every((e) => e['@id'].endsWith('/'))],
      ['RO-Crate 1.1 §Data Entities: a File data entity has `encodingFormat` (SHOULD, per the validator)', () => graph.filter((e) => isDataEntity(e) && types(e).includes('File')).every((e) => e['encodingFormat'] !== undefined)],
      ['RO-Crate 1.1 §Contextual entities: every referenced @id has its entity in the graph (profiles and licence included)', () => unresolved(graph, byId).join(' ') || true],
      // Workflow RO-Crate 1.0 (https://w3id.org/workflowhub/workflow-ro-crate/1.0)
      ['Workflow RO-Crate 1.0 §Metadata File Descriptor: `conformsTo` contains ro/crate/1.1 and workflow-ro-crate/1.0 (SHOULD)', () => ids(descriptor?.['conformsTo']).includes('https://w3id.org/workflowhub/workflow-ro-crate/1.0')],
      ['Workflow RO-Crate 1.0 §Main Workflow: the root refers to it by `mainEntity`; a data entity of type File, SoftwareSourceCode, ComputationalWorkflow (MUST)', () => ['File', 'SoftwareSourceCode', 'ComputationalWorkflow'].every((t) => types(workflow).includes(t)) && ids(root?.['hasPart']).includes(workflow?.['@id'] ?? '')],
      ['Workflow RO-Crate 1.0 §Main Workflow: it refers to its language by `programmingLanguage`, a ComputerLanguage (MUST)', () => types(get(ids(workflow?.['programmingLanguage'])[0])).includes('ComputerLanguage')],
      ['Workflow RO-Crate 1.0 §Crate: the crate specifies a licence (MUST)', () => ids(root?.['license']).length === 1],
      // Process Run Crate 0.5, "Requirements"
      ['Process Run Crate 0.5 §Dataset: `conformsTo` references a CreativeWork at https://w3id.org/ro/wfrun/process/0.5 (MUST)', () => ids(root?.['conformsTo']).includes('https://w3id.org/ro/wfrun/process/0.5') && types(get('https://w3id.org/ro/wfrun/process/0.5')).includes('CreativeWork')],
      ['Process Run Crate 0.5 §SoftwareApplication: sfh-pipeline with `name` and `softwareVersion` (SHOULD), not `version` as well', () => graph.some((e) => types(e).includes('SoftwareApplication') && e['name'] === 'sfh-pipeline' && /^\d+\.\d+\.\d+/.test(String(e['softwareVersion'])) && e['version'] === undefined)],
      ['Process Run Crate 0.5 §CreateAction: one run, a CreateAction listed under the root\'s `mentions` (SHOULD), with an @id', () => graph.filter((e) => types(e).includes('CreateAction')).length === 1 && types(action).includes('CreateAction')],
      ['Process Run Crate 0.5 §CreateAction: `name` and `description` (SHOULD)', () => typeof action?.['name'] === 'string' && String(action['description']).includes('sfh-pipeline run --galaxy all --k 2..3')],
      ['Process Run Crate 0.5 §CreateAction: `startTime` (MAY) and `endTime` (SHOULD), ISO 8601, start before end', () => TIME.test(String(action?.['startTime'])) && TIME.test(String(action?.['endTime'])) && String(action?.['startTime']) <= String(action?.['endTime'])],
      ['Process Run Crate 0.5 §CreateAction: `instrument`, the executed tool (MUST)', () => ids(action?.['instrument']).length === 1],
      ['Process Run Crate 0.5 §CreateAction: `object` (MAY) and `result` (SHOULD) reference File, Dataset, Collection, CreativeWork or PropertyValue entities', () => [...ids(action?.['object']), ...ids(action?.['result'])].every((id) => ['File', 'Dataset', 'Collection', 'CreativeWork', 'PropertyValue'].some((t) => types(get(id)).includes(t))) && ids(action?.['result']).length > 0],
      ['Process Run Crate 0.5 §CreateAction: `actionStatus` CompletedActionStatus or FailedActionStatus', () => ['http://schema.org/CompletedActionStatus', 'http://schema.org/FailedActionStatus'].includes(String(action?.['actionStatus']))],
      ['Process Run Crate 0.5 §CreateAction: `error` only with FailedActionStatus (SHOULD NOT otherwise)', () => action?.['error'] === undefined || action['actionStatus'] === 'http://schema.org/FailedActionStatus'],
      ['Process Run Crate 0.5 §CreateAction: `agent`, a Person (SHOULD, when an author is given)', () => types(get(ids(action?.['agent'])[0])).includes('Person') && ids(action?.['agent'])[0] === 'https://orcid.org/0000-0002-1825-0097'],
      // Workflow Run Crate 0.5, "Overview" and "Requirements"
      ['Workflow Run Crate 0.5 §Dataset: `conformsTo` an array referencing workflow/0.5 (MUST), process/0.5 and workflow-ro-crate/1.0 (SHOULD), each a CreativeWork', () => Array.isArray(root?.['conformsTo']) && ['https://w3id.org/ro/wfrun/workflow/0.5', 'https://w3id.org/ro/wfrun/process/0.5', 'https://w3id.org/workflowhub/workflow-ro-crate/1.0'].every((id) => ids(root?.['conformsTo']).includes(id) && types(get(id)).includes('CreativeWork'))],
      ['Workflow Run Crate 0.5 §Overview: the CreateAction of the run has the main workflow as `instrument` (MUST)', () => ids(action?.['instrument'])[0] === workflow?.['@id']],
      ['Workflow Run Crate 0.5 §Overview: the workflow\'s `input` and `output` are FormalParameter entities (MUST, if given)', () => [...ids(workflow?.['input']), ...ids(workflow?.['output'])].every((id) => types(get(id)).includes('FormalParameter')) && ids(workflow?.['input']).includes('#param/k')],
      ['Workflow Run Crate 0.5 §FormalParameter: `additionalType` (MUST) and `name` (SHOULD) on every one', () => formal.every((f) => f['additionalType'] !== undefined && typeof f['name'] === 'string')],
      ['Workflow Run Crate 0.5 §FormalParameter: its `name` is the workflow\'s parameter slot (SHOULD): each pipeline.yaml parameter', () => ['k', 'seed', 'minSfhSum', 'catalog', 'cubes', 'out'].every((n) => formal.some((f) => f['name'] === n && ids(workflow?.['input']).includes(f['@id'])))],
      ['Workflow Run Crate 0.5 §Overview: a value realizing a FormalParameter refers to it by `exampleOfWork` (SHOULD), and is in the action\'s `object` (inputs) or `result` (outputs)', () => {
        const bad = formal.flatMap((f) => realizing(f).filter((e) => !ids(action?.[ids(workflow?.['output']).includes(f['@id']) ? 'result' : 'object']).includes(e['@id'])).map((e) => `${f['@id']}<-${e['@id']}`));
        return bad.join(' ') || true;
      }],
      ['Workflow Run Crate 0.5 §Overview: a FormalParameter realized by a PropertyValue has a DataType (Integer, Float, Text, Boolean, ...) as additionalType; by a File, File; by a Dataset, Dataset (SHOULD)', () => {
        const bad = formal.filter((f) => realizing(f).some((e) => (types(e).includes('PropertyValue') ? !['Integer', 'Float', 'Number', 'Text', 'Boolean', 'Date', 'DateTime', 'Time', 'PropertyValue'].includes(String(f['additionalType'])) : types(e).includes('File') ? f['additionalType'] !== 'File' : f['additionalType'] !== 'Dataset')));
        return bad.map((f) => f['@id']).join(' ') || true;
      }],
      ['Workflow Run Crate 0.5 §Overview: an object that fills no slot (a cube read from the --cubes folder) does not claim one by exampleOfWork (MUST NOT)', () => ids(action?.['object']).filter((id) => /\.fits$/.test(id)).every((id) => get(id)?.['exampleOfWork'] === undefined)],
      ['Workflow Run Crate 0.5: the parameter values used are PropertyValues, a sweep as its list (k = 2, 3), a folder as a Dataset', () => {
        const pv = (name: string) => graph.find((e) => types(e).includes('PropertyValue') && e['name'] === name);
        return JSON.stringify(pv('k')?.['value']) === '[2,3]' && pv('dtdSteps')?.['value'] === 60 && realizing(byId.get('#param/cubes') as Entity).some((e) => types(e).includes('Dataset'));
      }],
      ['Workflow Run Crate 0.5 §Adding engine-specific traces: the lock file is in the crate, `about` the action (RECOMMENDED)', () => graph.some((e) => e['@id'] === 'sfh-pipeline.lock' && ids(e['about'])[0] === action?.['@id'])],
      // JSON-LD: a property or type the contexts do not define is dropped silently by every JSON-LD reader.
      ['JSON-LD: the two contexts, and every property and type a term of one of them', () => {
        const defined = new Set(crate['@context'].flatMap((c) => TERMS[c] ?? []));
        const used = new Set(graph.flatMap((e) => [...Object.keys(e).filter((k) => !k.startsWith('@')), ...types(e)]));
        return [...used].filter((t) => !defined.has(t)).join(' ') || crate['@context'].length === 2;
      }],
    ];
    const failed = requirements.flatMap(([what, check]) => {
      const r = check();
      return r === true ? [] : [`${what}${typeof r === 'string' ? `: ${r}` : ''}`];
    });
    assert.deepEqual(failed, []);
  });

  test('every file it names is there with its sha256 and size: those in the crate under the root, the data at its place beside the project', () => {
    const graph = metadata()['@graph'];
    const files = graph.filter((e) => types(e).includes('File'));
    assert.ok(files.length > 30, String(files.length));
    for (const f of files) {
      const id = f['@id'];
      const file = id.startsWith('#') ? path.join(project, decodeURIComponent(id.slice(1))) : path.join(project, decodeURIComponent(id));
      assert.ok(existsSync(file), `${id}: no file ${file}`);
      assert.equal(f['sha256'], sha256(file), id);
      assert.equal(f['contentSize'], String(statSync(file).size), id);
    }
    // the inputs are referenced by their place relative to the project folder, not copied into it
    const cube = graph.find((e) => e['@id'] === '#../data/MuseObject/MuseResample/CDP.2016-09-02T11:45:08.318.fits');
    assert.equal(cube?.['encodingFormat'], 'application/fits');
    assert.ok(!readFileSync(path.join(project, 'ro-crate-metadata.json'), 'utf8').includes(tmp.dir), 'no absolute path of the project or its data');
  });

  test('the failed galaxy is an error of the run, and the run FailedActionStatus', () => {
    const action = metadata()['@graph'].find((e) => e['@type'] === 'CreateAction');
    assert.equal(action?.['actionStatus'], 'http://schema.org/FailedActionStatus');
    const errors = action?.['error'] as string[];
    // one line for the galaxy's two tasks; its files named as the lock names them, relative to the project
    assert.ok(Array.isArray(errors) && errors.filter((e) => e.startsWith('galaxy 205')).length === 1, JSON.stringify(errors));
    assert.match(errors.find((e) => e.startsWith('galaxy 205')) ?? '', /^galaxy 205\b[^:]*, k=2, k=3: .*CDP\.2017-10-12T10:02:39\.871\.fits/);
    assert.ok(!JSON.stringify(errors).includes(tmp.dir), JSON.stringify(errors));
    assert.match(String(action?.['description']), /Tasks \(a galaxy at a point of the sweep\): 4 ok, 2 failed, 2 skipped/);
    assert.ok(!JSON.stringify(action?.['result']).includes('205_SN2018ex3_2.fits'), 'no result of the failed galaxy');
  });

  test('--with-outputs: a zip whose contents and metadata agree', { skip: noPython }, () => {
    const zip = path.join(tmp.dir, 'paper.crate.zip');
    const c = crate('--with-outputs', '--zip', zip);
    assert.equal(c.code, 0, c.stderr);
    const listed = readZip(zip, ['ro-crate-metadata.json']);
    assert.equal(listed.bad, null, 'every CRC matches');
    const crate_ = JSON.parse(listed.files['ro-crate-metadata.json'] ?? '') as Crate;
    const root = crate_['@graph'].find((e) => e['@id'] === './');
    const inCrate = crate_['@graph'].filter((e) => types(e).includes('File') && !e['@id'].startsWith('#'));
    // the archive holds exactly the crate's files (and its metadata), each with the size the metadata gives; read back, the sha256 too
    assert.deepEqual([...listed.names].sort(), ['ro-crate-metadata.json', ...inCrate.map((e) => decodeURIComponent(e['@id']))].sort());
    assert.deepEqual(ids(root?.['hasPart']).filter((id) => !id.endsWith('/')).sort(), inCrate.map((e) => e['@id']).sort());
    const some = inCrate.filter((e) => /\.(fits|csv|lock|yaml)$/.test(e['@id']));
    const read = readZip(zip, some.map((e) => decodeURIComponent(e['@id'])));
    for (const e of inCrate) assert.equal(String(listed.sizes[decodeURIComponent(e['@id'])]), e['contentSize'], e['@id']);
    for (const e of some) assert.equal(createHash('sha256').update(Buffer.from(read.files[decodeURIComponent(e['@id'])] ?? '', 'latin1')).digest('hex'), e['sha256'], e['@id']);
    assert.ok(inCrate.some((e) => e['@id'] === 'out/122_SN2016ex1_2.fits') && inCrate.some((e) => e['@id'] === 'pipeline.yaml'));
    // the inputs are referenced, not copied
    assert.ok(!listed.names.some((n) => n.includes('CDP.')), listed.names.join(' '));
  });

  test('a result changed since the run is refused, naming it, and nothing is written', () => {
    const file = path.join(project, 'out', 'summary.csv');
    const before = readFileSync(file);
    const meta = path.join(project, 'ro-crate-metadata.json');
    const was = readFileSync(meta, 'utf8');
    writeFileSync(file, `${before.toString()}# edited\n`);
    try {
      const c = crate();
      assert.equal(c.code, 1, c.stderr);
      assert.match(c.stderr, /would not describe the run as it was \(1 problem\):\n {2}out\/summary\.csv has sha256 [0-9a-f]{12}, not the [0-9a-f]{12} the run wrote/);
      assert.equal(readFileSync(meta, 'utf8'), was);
    } finally {
      writeFileSync(file, before);
    }
  });

  test('without --license it asks for one', () => {
    const c = runCli(['crate'], { cwd: project });
    assert.equal(c.code, 2);
    assert.match(c.stderr, /--license is required/);
  });

  test('the run repaired: CompletedActionStatus and no error; --of lock; a zip with the inputs, unzipped elsewhere, verifies', { skip: noPython }, () => {
    writeFileSync(cubeOf205, whole);
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(crate().code, 0);
    const action = metadata()['@graph'].find((e) => e['@type'] === 'CreateAction');
    assert.equal(action?.['actionStatus'], 'http://schema.org/CompletedActionStatus');
    assert.equal(action?.['error'], undefined);

    const ofLock = crate('--of', 'lock');
    assert.equal(ofLock.code, 0, ofLock.stderr);
    const lockAction = metadata()['@graph'].find((e) => e['@type'] === 'CreateAction');
    assert.match(String(lockAction?.['@id']), /^#lock-[0-9a-f]{12}$/);
    assert.ok(ids(lockAction?.['result']).includes('out/205_SN2018ex3_3.fits'));

    const zip = path.join(tmp.dir, 'with-inputs.crate.zip');
    const c = crate('--with-outputs', '--with-inputs', '--zip', zip);
    assert.equal(c.code, 0, c.stderr);
    const listed = readZip(zip, ['ro-crate-metadata.json']);
    // the deepest folder holding the project and its data: the project as paper/, the data beside it
    assert.ok(listed.names.includes('paper/pipeline.yaml') && listed.names.includes('data/MuseObject/MuseResample/CDP.2017-10-12T10:02:39.871.fits'), listed.names.join(' '));
    const graph = (JSON.parse(listed.files['ro-crate-metadata.json'] ?? '') as Crate)['@graph'];
    assert.equal(ids(graph.find((e) => e['@id'] === './')?.['mainEntity'])[0], 'paper/pipeline.yaml');
    assert.ok(graph.some((e) => e['@id'] === 'data/MuseObject/MuseResample/CDP.2017-10-12T10:02:39.871.fits' && e['sha256'] === sha256(cubeOf205)));
    // a referee unzips it somewhere else and runs verify in the project folder
    const elsewhere = path.join(tmp.dir, 'referee');
    mkdirSync(elsewhere);
    const unzip = spawnSync(PYTHON as string, ['-c', 'import zipfile, sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', zip, elsewhere], { encoding: 'utf8' });
    assert.equal(unzip.status, 0, unzip.stderr);
    const v = runCli(['verify'], { cwd: path.join(elsewhere, 'paper') });
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^(\d+) of \1 outputs reproduced bit for bit$/m);
  });
});

/** Every `{"@id": ...}` in the graph that names no entity of it (local ids and the RO-Crate spec's own permalink aside). */
function unresolved(graph: readonly Entity[], byId: ReadonlyMap<string, Entity>): string[] {
  const missing = new Set<string>();
  const visit = (v: unknown, top: boolean): void => {
    if (Array.isArray(v)) for (const x of v) visit(x, false);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (!top && typeof o['@id'] === 'string' && Object.keys(o).length === 1) {
        if (!byId.has(o['@id']) && o['@id'] !== 'https://w3id.org/ro/crate/1.1') missing.add(o['@id']);
      } else for (const [k, x] of Object.entries(o)) if (k !== '@id') visit(x, false);
    }
  };
  for (const e of graph) visit(e, true);
  return [...missing];
}

