/**
 * From what `sfh-pipeline crate` checked to the crate's text: the ids of every file in
 * the layout chosen (in place or zipped), the pipeline file and the project's own stage
 * code, the licence and authors as given, the name and description (defaults that say
 * what the run was), and the parameter values told apart into files, folders and values.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { codeHash } from '../cache/code-hash.ts';
import { sha256File } from '../cache/file-hash.ts';
import { scriptOf } from '../engine/kinds/shell.ts';
import { UserError } from '../errors.ts';
import type { Lock } from '../provenance/lock.ts';
import { fromLockPath, toLockPath } from '../provenance/paths.ts';
import type { Pipeline } from '../pipeline/types.ts';
import { crateGraph, CONTEXT, type Author, type CrateFile, type CrateParts } from './graph.ts';
import { crateTime } from './ids.ts';
import { formatCrate } from './json.ts';
import { CrateLayout, isInside } from './layout.ts';
import type { CrateScope } from './scope.ts';

/** What `sfh-pipeline crate` was asked for. */
export interface CrateRequest {
  readonly pipeline?: string;
  readonly lock?: string;
  readonly cache?: string;
  /** The last run (`run`, the default) or everything the lock records (`lock`). */
  readonly of: 'run' | 'lock';
  /** An SPDX id (`CC-BY-4.0`) or a licence's URL. */
  readonly license: string;
  readonly name?: string;
  readonly description?: string;
  /** `Name` or `Name,ORCID`. */
  readonly authors: readonly string[];
  /** Write a zip (to this file), with the outputs and/or inputs in it. */
  readonly zip?: string;
  readonly withOutputs: boolean;
  readonly withInputs: boolean;
}

/** What the checks gathered, for the text. */
export interface Gathered {
  readonly req: CrateRequest;
  readonly pipeline: Pipeline;
  readonly lock: Lock;
  readonly lockFile: string;
  readonly project: string;
  readonly scope: CrateScope;
  readonly results: readonly (CrateFile & { readonly stage: string; readonly abs: string })[];
  readonly inputs: readonly (CrateFile & { readonly abs: string })[];
  /** The project's own stage code (absolute). */
  readonly code: readonly string[];
  /** The files a zip holds, or undefined in place. */
  readonly copied: ReadonlySet<string> | undefined;
  readonly software: CrateParts['software'];
  readonly end: string;
}

/**
 * The stage modules and scripts of the project's own (inside its folder), with the local
 * modules they import: part of the workflow, so a crate holds them. The bundled stages
 * are sfh-pipeline's, named by its version.
 */
export function collectCode(pipeline: Pipeline, project: string): string[] {
  const files = new Set<string>();
  for (const stage of pipeline.stages) {
    const entry = stage.module ? path.resolve(pipeline.root, stage.module) : scriptOf(stage, pipeline.root);
    if (!entry || !isInside(project, entry)) continue;
    for (const rel of Object.keys(codeHash(entry, pipeline.root).files)) {
      const abs = path.resolve(pipeline.root, rel);
      if (isInside(project, abs) && abs !== pipeline.file && statSync(abs, { throwIfNoEntry: false })?.isFile()) files.add(abs);
    }
  }
  return [...files].sort();
}

/** The crate's text, its layout and how many entities it has. */
export function crateText(g: Gathered): { text: string; layout: CrateLayout; entities: number } {
  const layout = new CrateLayout(g.project, g.copied);
  const file = (abs: string): CrateFile => {
    const lockPath = toLockPath(g.project, abs);
    return { id: layout.idOf(lockPath), lockPath, sha256: sha256File(abs), size: statSync(abs).size };
  };
  const workflow = file(g.pipeline.file);
  const format = /^version:\s*(\S+)/m.exec(readFileSync(g.pipeline.file, 'utf8'))?.[1] ?? '1';
  const results = g.results.map((r) => ({ ...r, id: layout.idOf(r.lockPath) }));
  const inputs = g.inputs.map((i) => ({ ...i, id: layout.idOf(i.lockPath) }));
  const pathKinds = new Map<string, 'File' | 'Dataset' | 'Text'>();
  for (const [name, values] of g.scope.params) {
    if (g.pipeline.params.get(name)?.type !== 'path') continue;
    for (const v of values) if (typeof v === 'string' && v !== '') pathKinds.set(v, kindOf(v, g));
  }
  const parts: CrateParts = {
    name: g.req.name ?? defaultName(g),
    description: g.req.description ?? defaultDescription(g),
    license: licenseOf(g.req.license),
    published: crateTime(Date.now()),
    authors: g.req.authors.map(authorOf),
    software: g.software,
    workflow: { ...workflow, name: `${path.basename(g.pipeline.file)} (an sfh-pipeline pipeline)`, format, code: g.code.map(file) },
    lock: file(g.lockFile),
    decls: g.pipeline.params,
    stageDocs: new Map(g.pipeline.stages.map((s) => [s.name, s.doc])),
    scope: g.scope,
    inputs,
    results,
    pathKinds,
    idOf: (lockPath, dir) => layout.idOf(lockPath, dir),
    inCrate: (id) => layout.inCrate.has(id),
    ...(g.scope.started ? { start: crateTime(g.scope.started) } : {}),
    end: crateTime(g.end),
  };
  const graph = crateGraph(parts);
  return { text: formatCrate(CONTEXT, graph), layout, entities: graph.length };
}

/** Whether a path parameter's value is a file, a folder, or neither (the run read files there, or the disk says so). */
function kindOf(lockPath: string, g: Gathered): 'File' | 'Dataset' | 'Text' {
  const all = [...g.scope.inputs.keys(), ...g.scope.results.keys()];
  if (all.includes(lockPath)) return 'File';
  if (all.some((f) => f.startsWith(`${lockPath}/`))) return 'Dataset';
  const st = statSync(fromLockPath(g.project, lockPath), { throwIfNoEntry: false });
  return st?.isDirectory() ? 'Dataset' : st?.isFile() ? 'File' : 'Text';
}

/** An SPDX id (`CC-BY-4.0`) as its SPDX page, or a licence's own URL. */
export function licenseOf(value: string): { id: string; name: string } {
  if (/^https?:\/\/\S+$/.test(value)) return { id: value, name: value };
  if (/^[A-Za-z0-9][A-Za-z0-9.+-]*$/.test(value)) return { id: `https://spdx.org/licenses/${value}`, name: value };
  throw new UserError('usage', `--license ${value}: expected an SPDX licence id (CC-BY-4.0, CC0-1.0, MIT) or the licence's URL`);
}

const ORCID = /^(?:https?:\/\/orcid\.org\/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$/;

/** `Name` or `Name,ORCID iD`: a Person, named by the ORCID iD's URL when there is one. */
export function authorOf(value: string, i: number): Author {
  const comma = value.lastIndexOf(',');
  const orcid = comma >= 0 ? ORCID.exec(value.slice(comma + 1).trim()) : null;
  const name = (orcid ? value.slice(0, comma) : value).trim();
  if (!name) throw new UserError('usage', `--author ${value}: expected a name, optionally followed by a comma and an ORCID iD`);
  return { id: orcid ? `https://orcid.org/${orcid[1]}` : `#author/${i + 1}`, name };
}

function defaultName(g: Gathered): string {
  const n = g.scope.galaxies.length;
  return `Star-formation-history groups of ${n} ${n === 1 ? 'galaxy' : 'galaxies'} (${path.basename(g.project)}, sfh-pipeline ${g.software.version})`;
}

function defaultDescription(g: Gathered): string {
  const run = g.scope.of === 'run' ? `the run \`${g.scope.commands[0] ?? 'sfh-pipeline run'}\`` : 'the runs recorded in its lock file';
  return `The results of ${run} of sfh-pipeline ${g.software.version} (an earth mover's distance k-means over spatially resolved star-formation histories): ${g.scope.results.size} files from ${g.scope.galaxies.length} galaxies, each with its sha256, the stage that wrote it and the parameter values used${g.scope.errors.length ? `, and why ${g.scope.errors.length} of them failed` : ''}. Inputs are named by their path relative to the project folder and their sha256. ${path.basename(g.lockFile)} records what produced every result; \`sfh-pipeline verify\` recomputes them from it (docs/publishing.md).`;
}
