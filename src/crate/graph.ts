/**
 * The entities of a Workflow Run RO-Crate 0.5 on RO-Crate 1.1, from what src/crate/write.ts
 * gathered: the metadata descriptor and root Dataset (RO-Crate 1.1, "Root Data Entity"),
 * the profiles it conforms to, the pipeline as the main workflow with its parameters as
 * FormalParameters (Workflow RO-Crate 1.0; Workflow Run Crate 0.5), sfh-pipeline itself
 * as a SoftwareApplication, one CreateAction for the run (Process Run Crate 0.5) with the
 * inputs and parameter values as its object and the results as its result, and one entity
 * per file. test/crate.test.ts lists each requirement with its section.
 */
import path from 'node:path';
import type { ParamDecl, ParamType } from '../pipeline/types.ts';
import { ECSV_SPEC, encodingFormat } from './media.ts';
import { ref, type Entity } from './json.ts';
import type { CrateScope } from './scope.ts';

/** The JSON-LD contexts: RO-Crate 1.1 and the workflow-run terms (`sha256`). */
export const CONTEXT = ['https://w3id.org/ro/crate/1.1/context', 'https://w3id.org/ro/terms/workflow-run/context'] as const;

/** The specifications the crate conforms to. */
export const RO_CRATE = 'https://w3id.org/ro/crate/1.1';
export const PROFILES = [
  { '@id': 'https://w3id.org/ro/wfrun/process/0.5', '@type': 'CreativeWork', name: 'Process Run Crate', version: '0.5' },
  { '@id': 'https://w3id.org/ro/wfrun/workflow/0.5', '@type': 'CreativeWork', name: 'Workflow Run Crate', version: '0.5' },
  { '@id': 'https://w3id.org/workflowhub/workflow-ro-crate/1.0', '@type': 'CreativeWork', name: 'Workflow RO-Crate', version: '1.0' },
] as const;

/** A file the crate names: by its `@id` (in the crate, or `#` and its place when it is not), with what is known of it. */
export interface CrateFile {
  readonly id: string;
  /** Its path relative to the project folder (the lock's). */
  readonly lockPath: string;
  readonly sha256: string;
  readonly size?: number;
  /** Why something is not known of it (a referenced input no longer where the run read it). */
  readonly note?: string;
}

/** An author: a name and, when given, an ORCID iD (its `@id`). */
export interface Author {
  readonly id: string;
  readonly name: string;
}

/** Everything the graph is made of. */
export interface CrateParts {
  readonly name: string;
  readonly description: string;
  /** The licence's URL and name. */
  readonly license: { readonly id: string; readonly name: string };
  readonly published: string;
  readonly authors: readonly Author[];
  readonly software: { readonly id: string; readonly version: string; readonly url?: string; readonly description?: string };
  /** The pipeline file, its name, its format's version and the stage code of the project it runs (modules of its own). */
  readonly workflow: CrateFile & { readonly name: string; readonly format: string; readonly code: readonly CrateFile[] };
  readonly lock: CrateFile;
  /** The pipeline's declared parameters, and its stages' documentation (for the outputs). */
  readonly decls: ReadonlyMap<string, ParamDecl>;
  readonly stageDocs: ReadonlyMap<string, string>;
  readonly scope: CrateScope;
  readonly inputs: readonly CrateFile[];
  readonly results: readonly (CrateFile & { readonly stage: string })[];
  /** What each path parameter's value is: a file, a folder, or neither (then it is given as text). */
  readonly pathKinds: ReadonlyMap<string, 'File' | 'Dataset' | 'Text'>;
  /** The `@id` of a lock path (a file, or with `dir` a folder), in the crate or not. */
  readonly idOf: (lockPath: string, dir?: boolean) => string;
  /** Whether an `@id` is a data entity of the crate (to list under the root's `hasPart`). */
  readonly inCrate: (id: string) => boolean;
  readonly start?: string;
  readonly end: string;
}

const DATA_TYPE: Readonly<Record<Exclude<ParamType, 'path'>, string>> = { int: 'Integer', number: 'Float', string: 'Text', bool: 'Boolean' };

/** The crate's `@graph`. */
export function crateGraph(p: CrateParts): Entity[] {
  const actionId = `#${p.scope.of === 'run' ? 'run' : 'lock'}-${p.scope.id.replace(/^lock-/, '')}`;
  const files = new Map<string, Record<string, unknown>>();
  const fileEntity = (f: CrateFile, extra: Record<string, unknown> = {}): Record<string, unknown> => {
    const e = files.get(f.id) ?? { '@id': f.id, '@type': 'File', contentSize: f.size === undefined ? undefined : String(f.size), sha256: f.sha256, encodingFormat: encodingFormat(f.lockPath), ...(f.note ? { description: f.note } : {}) };
    files.set(f.id, Object.assign(e, extra));
    return e;
  };

  // The parameters: each a FormalParameter of the workflow; each value the run used a PropertyValue, file or folder realizing it.
  const formal: Entity[] = [];
  const values: Entity[] = [];
  const folders = new Map<string, Record<string, unknown>>();
  const object: string[] = [];
  for (const [name, decl] of p.decls) {
    const used = (p.scope.params.get(name) ?? []).filter((v) => !(decl.type === 'path' && v === ''));
    const id = `#param/${name}`;
    const kinds = decl.type === 'path' ? used.map((v) => p.pathKinds.get(String(v)) ?? 'Text') : [];
    const additionalType = decl.type === 'path' ? (kinds[0] ?? (/\.[A-Za-z0-9]+$/.test(String(decl.default)) ? 'File' : 'Dataset')) : DATA_TYPE[decl.type];
    formal.push({ '@id': id, '@type': 'FormalParameter', name, additionalType, description: decl.doc || undefined, defaultValue: decl.default === '' ? undefined : decl.default, valuePattern: decl.choices ? decl.choices.map(escapeRegex).join('|') : undefined });
    if (used.length === 0) continue;
    if (decl.type !== 'path' || kinds.some((k) => k === 'Text')) {
      values.push({ '@id': `#pv/${name}`, '@type': 'PropertyValue', name, value: used.length === 1 ? used[0] : used, exampleOfWork: ref(id) });
      object.push(`#pv/${name}`);
      continue;
    }
    used.forEach((v, i) => {
      const lockPath = String(v);
      if (kinds[i] === 'File') {
        const f = p.inputs.find((x) => x.lockPath === lockPath);
        const e = f ? fileEntity(f) : (files.get(p.idOf(lockPath)) ?? { '@id': p.idOf(lockPath), '@type': 'File' });
        files.set(String(e['@id']), Object.assign(e, { exampleOfWork: ref(id) }));
        object.push(String(e['@id']));
      } else {
        const dirId = p.idOf(lockPath, true);
        folders.set(dirId, { '@id': dirId, '@type': 'Dataset', name: `${name}: ${lockPath}`, exampleOfWork: ref(id) });
        object.push(dirId);
      }
    });
  }
  for (const f of p.inputs) {
    fileEntity(f);
    object.push(f.id);
  }

  // The outputs: one FormalParameter per stage that wrote results; each result realizes its stage's.
  const stages = [...new Set(p.results.map((r) => r.stage))].sort();
  const outputs: Entity[] = stages.map((s) => ({ '@id': `#output/${s}`, '@type': 'FormalParameter', name: s, additionalType: 'File', description: p.stageDocs.get(s) || undefined }));
  for (const r of p.results) fileEntity(r, { exampleOfWork: ref(`#output/${r.stage}`) });

  for (const c of p.workflow.code) fileEntity(c);
  fileEntity(p.lock, { name: path.basename(p.lock.lockPath), description: 'What produced each output, one JSON value per line: an output\'s sha256 and the stage instance that wrote it, each instance\'s code, parameters and input files. `sfh-pipeline verify` recomputes every output from it (docs/caching.md).', about: ref(actionId) });

  const failed = p.scope.errors.length > 0;
  const action: Entity = {
    '@id': actionId,
    '@type': 'CreateAction',
    name: p.scope.of === 'run' ? `sfh-pipeline run ${p.scope.id}` : `the runs recorded in ${path.basename(p.lock.lockPath)}`,
    description: actionDescription(p.scope),
    instrument: ref(p.workflow.id),
    agent: p.authors.length ? p.authors.map((a) => ref(a.id)) : undefined,
    startTime: p.start,
    endTime: p.end,
    actionStatus: failed ? 'http://schema.org/FailedActionStatus' : 'http://schema.org/CompletedActionStatus',
    error: failed ? p.scope.errors : undefined,
    object: unique(object).map(ref),
    result: p.results.map((r) => ref(r.id)),
  };

  const dataIds = [p.workflow.id, ...p.workflow.code.map((c) => c.id), p.lock.id, ...folders.keys(), ...files.keys()].filter((id, i, all) => p.inCrate(id) && all.indexOf(id) === i);
  const hasEcsv = p.results.some((r) => r.lockPath.toLowerCase().endsWith('.ecsv')) || p.inputs.some((f) => f.lockPath.toLowerCase().endsWith('.ecsv'));
  return [
    { '@id': 'ro-crate-metadata.json', '@type': 'CreativeWork', conformsTo: [ref(RO_CRATE), ref('https://w3id.org/workflowhub/workflow-ro-crate/1.0')], about: ref('./') },
    {
      '@id': './',
      '@type': 'Dataset',
      conformsTo: PROFILES.map((x) => ref(x['@id'])),
      name: p.name,
      description: p.description,
      license: ref(p.license.id),
      datePublished: p.published,
      author: p.authors.length ? p.authors.map((a) => ref(a.id)) : undefined,
      mainEntity: ref(p.workflow.id),
      mentions: ref(actionId),
      hasPart: dataIds.map(ref),
    },
    ...PROFILES,
    { '@id': p.license.id, '@type': 'CreativeWork', name: p.license.name },
    ...p.authors.map((a) => ({ '@id': a.id, '@type': 'Person', name: a.name })),
    {
      '@id': p.workflow.id,
      '@type': ['File', 'SoftwareSourceCode', 'ComputationalWorkflow'],
      name: p.workflow.name,
      programmingLanguage: ref('#sfh-pipeline-yaml'),
      runtimePlatform: `sfh-pipeline ${p.software.version}`,
      softwareRequirements: ref(p.software.id),
      contentSize: p.workflow.size === undefined ? undefined : String(p.workflow.size),
      sha256: p.workflow.sha256,
      encodingFormat: 'application/yaml',
      hasPart: p.workflow.code.length ? p.workflow.code.map((c) => ref(c.id)) : undefined,
      input: formal.map((f) => ref(f['@id'])),
      output: outputs.map((f) => ref(f['@id'])),
    },
    { '@id': '#sfh-pipeline-yaml', '@type': 'ComputerLanguage', name: 'sfh-pipeline pipeline.yaml', version: p.workflow.format, url: p.software.url },
    { '@id': p.software.id, '@type': 'SoftwareApplication', name: 'sfh-pipeline', softwareVersion: p.software.version, url: p.software.url, description: p.software.description },
    ...formal,
    ...outputs,
    action,
    ...values,
    ...[...folders.values()].map((e) => e as Entity),
    ...[...files.values()].map((e) => e as Entity),
    ...(hasEcsv ? [ECSV_SPEC] : []),
  ].map(compact);
}

/** The action's description: the command(s), and how the tasks ended. */
function actionDescription(scope: CrateScope): string {
  const commands = scope.commands.map((c) => `\`${c}\``).join('; ');
  const c = scope.counts;
  const tasks = c ? ` Tasks (a galaxy at a point of the sweep): ${c.ok} ok, ${c.failed} failed, ${c.skipped} skipped.` : '';
  const what = scope.of === 'run' ? 'One run of sfh-pipeline' : 'The runs whose results the lock file records (their failures are not recorded there)';
  return `${what}${commands ? `: ${commands}` : ''}.${tasks} ${scope.results.size} results from ${scope.galaxies.length} galaxies.`;
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The entity without its undefined properties (they are not written). */
function compact(e: Record<string, unknown>): Entity {
  return Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as Entity;
}

