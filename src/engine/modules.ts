/**
 * Finds and loads the module a stage declares. Stage sources are TypeScript; the package
 * compiles them at install (`npm ci` runs `prepare`), so a `.ts` module inside the package
 * loads from its compiled twin under `dist/` and the CLI never needs a runtime transpiler.
 * A `.js` or `.mjs` module (a user's own stage outside the package) loads as it is. A
 * `run:` stage has no module (./kinds/shell.ts runs its command). Every module is loaded
 * and checked while a run is prepared, before anything runs.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { codeHash } from '../cache/code-hash.ts';
import { UserError } from '../errors.ts';
import { PACKAGE_ROOT } from '../package.ts';
import { PipelineError } from '../pipeline/problems.ts';
import type { Pipeline, PipelineProblem, StageDecl } from '../pipeline/types.ts';
import type { StageModule } from '../stage.ts';


/** The file that really runs for a declared module (the compiled twin of a package `.ts`). */
export function runnableModulePath(root: string, module: string): string {
  const source = path.resolve(root, module);
  if (!/\.(c|m)?ts$/.test(source)) return source;
  const rel = path.relative(PACKAGE_ROOT, source);
  // When this file itself runs from source (tests under tsx), load stage sources directly.
  const runningFromSource = !fileURLToPath(import.meta.url).includes(`${path.sep}dist${path.sep}`);
  if (runningFromSource) return source;
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new UserError('pipeline-invalid', `stage module ${source} is TypeScript outside the sfh-pipeline package`, 'compile it to .js (e.g. with tsc) and point `module:` at the .js file');
  }
  return path.join(PACKAGE_ROOT, 'dist', rel.replace(/\.(c|m)?ts$/, '.js'));
}

/**
 * The package's own source files behind a stage module that changed since the build: a
 * stage must not run from a compiled twin older than its TypeScript (or a local module it
 * imports), as the cache key hashes the sources and would file the stale code's results
 * under the edited code's key, where they would stay.
 */
function staleSources(root: string, decl: StageDecl): string[] {
  if (!decl.module || !/\.(c|m)?ts$/.test(decl.module)) return [];
  const source = path.resolve(root, decl.module);
  if (source === runnableModulePath(root, decl.module)) return []; // running from sources (tests)
  const stale: string[] = [];
  for (const rel of Object.keys(codeHash(source, PACKAGE_ROOT).files)) {
    const ts = path.resolve(PACKAGE_ROOT, rel);
    if (!/\.(c|m)?ts$/.test(ts) || path.relative(PACKAGE_ROOT, ts).startsWith('..')) continue;
    const js = path.join(PACKAGE_ROOT, 'dist', rel.replace(/\.(c|m)?ts$/, '.js'));
    try {
      if (statSync(ts).mtimeMs > statSync(js).mtimeMs) stale.push(rel);
    } catch {
      stale.push(rel);
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
  let file: string;
  try {
    file = runnableModulePath(root, decl.module);
  } catch (err) {
    return Promise.resolve({ problem: (err as UserError).message, hint: (err as UserError).hint ?? '' });
  }
  let p = loaded.get(file);
  if (!p) {
    p = (async () => {
      if (!existsSync(file)) return { problem: `stage \`${decl.name}\`: ${file} does not exist`, hint: 'run `npm run build` (npm ci does it) to compile the stages' };
      let mod: Record<string, unknown>;
      try {
        mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      } catch (err) {
        return { problem: `stage \`${decl.name}\`: importing ${decl.module} failed: ${(err as Error)?.message ?? String(err)}`, hint: 'fix the module so that it loads (`node ' + file + '` shows the error with its place)' };
      }
      for (const [name, kind, required] of EXPORTS) {
        const value = mod[name];
        if (value === undefined && !required(decl)) continue;
        if (typeof value === kind) continue;
        if (value === undefined) {
          return name === 'run'
            ? { problem: `stage \`${decl.name}\`: ${decl.module} does not export a \`run\` function`, hint: 'export `run(ctx)` from the module (see docs/pipeline.md)' }
            : { problem: `stage \`${decl.name}\` is the source stage, but ${decl.module} does not export \`enumerate\``, hint: 'the source stage must export enumerate(params) returning the catalog rows' };
        }
        return { problem: `stage \`${decl.name}\`: ${decl.module} exports \`${name}\` as a ${typeof value}, not a ${kind}`, hint: `see docs/pipeline.md for what a stage module exports` };
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
  if (stale.length) throw new UserError('stale-build', `${stale.join(', ')} changed since sfh-pipeline was last built (dist/ is older)`, 'run `npm run build` in the sfh-pipeline folder, then run again');
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
