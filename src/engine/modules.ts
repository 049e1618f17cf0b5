/**
 * Finds and loads the module a stage declares. A built-in stage (`builtin: cluster`) is the
 * package's module file as it runs (compiled under dist/ in an installed package); a
 * project's own module (`module: stages/my-stage.mjs`, or `.ts`, whose types are stripped
 * at load: ./import-module.ts) loads as it is. A `run:` stage has no module
 * (./kinds/shell.ts runs its command). Every module is loaded and checked while a run is
 * prepared, before anything runs.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { codeHash, type CodeHash } from '../cache/code-hash.ts';
import { UserError } from '../errors.ts';
import { DEVELOPMENT_CHECKOUT, PACKAGE_ROOT, RUNNING_FROM_SOURCE } from '../package.ts';
import { PipelineError } from '../pipeline/problems.ts';
import type { Pipeline, PipelineProblem, StageDecl } from '../pipeline/types.ts';
import type { StageModule } from '../stage.ts';
import { importModule } from './import-module.ts';

const DIST = path.join(PACKAGE_ROOT, 'dist');

/**
 * The file that really runs for a declared module. In a developer's clone a pipeline may
 * name one of the package's TypeScript sources (`module: stages/cluster.ts`): compiled,
 * its twin under dist/ runs. Anything else runs as it is.
 */
export function runnableModulePath(root: string, module: string): string {
  const source = path.resolve(root, module);
  if (RUNNING_FROM_SOURCE || !/\.(c|m)?ts$/.test(source)) return source;
  const rel = path.relative(PACKAGE_ROOT, source);
  if (rel.startsWith('..') || path.isAbsolute(rel) || rel.split(path.sep).includes('node_modules') || rel.startsWith(`dist${path.sep}`)) return source;
  return path.join(DIST, rel.replace(/\.(c|m)?ts$/, '.js'));
}

/** A module stage's code for its key: the file that runs and the local modules it imports. */
export function stageCodeHash(root: string, decl: StageDecl): CodeHash {
  return codeHash(runnableModulePath(root, decl.module), root);
}

/**
 * In a developer's clone only: the package's TypeScript sources behind a stage that are
 * newer than their compiled twins in dist/. The compiled code is what runs and what the key
 * hashes, so results are never filed under code that did not make them; but a developer
 * who edited a stage and forgot `npm run build` would see the edit silently ignored. An
 * installed package has no sources (and its files' times are the tarball's), so this is
 * never asked there.
 */
function staleSources(root: string, decl: StageDecl): string[] {
  if (!DEVELOPMENT_CHECKOUT || RUNNING_FROM_SOURCE || !decl.module) return [];
  const runs = runnableModulePath(root, decl.module);
  const rel = path.relative(DIST, runs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return [];
  const source = path.join(PACKAGE_ROOT, rel.replace(/\.js$/, '.ts'));
  const stale: string[] = [];
  for (const name of Object.keys(codeHash(source, PACKAGE_ROOT).files)) {
    const inPackage = name.replace(/^sfh-pipeline\//, '');
    if (!/\.(c|m)?ts$/.test(inPackage)) continue;
    const ts = path.join(PACKAGE_ROOT, inPackage);
    const js = path.join(DIST, inPackage.replace(/\.(c|m)?ts$/, '.js'));
    try {
      if (statSync(ts).mtimeMs > statSync(js).mtimeMs) stale.push(inPackage);
    } catch {
      stale.push(inPackage);
    }
  }
  return stale;
}

/** The exports the engine calls, and the kind of value each must be. */
const EXPORTS: readonly (readonly [name: string, kind: 'function' | 'boolean', required: (decl: StageDecl) => boolean])[] = [
  ['run', 'function', () => true],
  ['enumerate', 'function', (decl) => decl.source],
  ['inputs', 'function', () => false],
  ['outputs', 'function', () => false],
  ['warm', 'function', () => false],
  ['provenance', 'boolean', () => false],
  ['hashesInputs', 'boolean', () => false],
];

const loaded = new Map<string, Promise<StageModule | { problem: string; hint: string }>>();

/** Imports a module stage's module once per process, and says what is wrong with it, if anything. */
function importStage(root: string, decl: StageDecl): Promise<StageModule | { problem: string; hint: string }> {
  const file = runnableModulePath(root, decl.module);
  let p = loaded.get(file);
  if (!p) {
    p = (async () => {
      if (!exists(file)) return { problem: `stage \`${decl.name}\`: ${file} does not exist`, hint: DEVELOPMENT_CHECKOUT ? 'run `npm run build` (npm ci does it) to compile the stages' : 'reinstall sfh-pipeline (npm install sfh-pipeline)' };
      let mod: Record<string, unknown>;
      try {
        mod = (await importModule(file)) as Record<string, unknown>;
      } catch (err) {
        return { problem: `stage \`${decl.name}\`: importing ${shown(decl)} failed: ${(err as Error)?.message ?? String(err)}`, hint: `fix the module so that it loads${/\.m?ts$/.test(file) ? '' : ` (\`node ${file}\` shows the error with its place)`}` };
      }
      for (const [name, kind, required] of EXPORTS) {
        const value = mod[name];
        if (value === undefined && !required(decl)) continue;
        if (typeof value === kind) continue;
        if (value === undefined) {
          return name === 'run'
            ? { problem: `stage \`${decl.name}\`: ${shown(decl)} does not export a \`run\` function`, hint: 'export `run(ctx)` from the module (see docs/pipeline.md)' }
            : { problem: `stage \`${decl.name}\` is the source stage, but ${shown(decl)} does not export \`enumerate\``, hint: 'the source stage must export enumerate(params) returning the catalog rows' };
        }
        return { problem: `stage \`${decl.name}\`: ${shown(decl)} exports \`${name}\` as a ${typeof value}, not a ${kind}`, hint: `see docs/pipeline.md for what a stage module exports` };
      }
      return mod as unknown as StageModule;
    })();
    loaded.set(file, p);
  }
  return p;
}

/**
 * Loads and checks the module of every module stage of `pipeline` (a `run:` stage has
 * none) before anything runs: a stale build first, then every module's problems at once,
 * each at its stage's `module:` in pipeline.yaml (exit status 2). A module that passes is
 * remembered, so the engine's {@link loadStageModule} finds it loaded.
 */
export async function checkStageModules(pipeline: Pipeline): Promise<void> {
  const modules = pipeline.stages.filter((s) => !s.run);
  const stale = [...new Set(modules.flatMap((decl) => staleSources(pipeline.root, decl)))];
  if (stale.length) throw new UserError('stale-build', `${stale.join(', ')} changed since sfh-pipeline was last built (dist/ is older)`, `run \`npm run build\` in ${PACKAGE_ROOT}, then run again`);
  const problems: PipelineProblem[] = [];
  for (const decl of modules) {
    const mod = await importStage(pipeline.root, decl);
    if ('problem' in mod) problems.push({ line: decl.at?.line ?? 1, col: decl.at?.col ?? 1, message: mod.problem, ...(mod.hint ? { hint: mod.hint } : {}) });
  }
  if (problems.length) throw new PipelineError(pipeline.file, problems);
}

/** The module of a module stage (loaded and checked by {@link checkStageModules}, or now). */
export async function loadStageModule(root: string, decl: StageDecl): Promise<StageModule> {
  const mod = await importStage(root, decl);
  if ('problem' in mod) throw new UserError('pipeline-invalid', mod.problem, mod.hint);
  return mod;
}

/** A stage's module as pipeline.yaml names it. */
function shown(decl: StageDecl): string {
  return decl.builtin ? `built-in stage ${decl.builtin}` : decl.module;
}

function exists(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
