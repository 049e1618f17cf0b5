/**
 * Finds and loads the module a stage declares. Stage sources are TypeScript; the package
 * compiles them at install (`npm ci` runs `prepare`), so a `.ts` module inside the package
 * loads from its compiled twin under `dist/` and the CLI never needs a runtime transpiler.
 * A `.js` or `.mjs` module (a user's own stage outside the package) loads as it is. A
 * `run:` stage has no module: its module is built from the command (./shell.ts).
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { codeHash } from '../cache/code-hash.ts';
import { UserError } from '../errors.ts';
import { PACKAGE_ROOT } from '../package.ts';
import type { StageDecl } from '../pipeline/types.ts';
import type { SourceModule, StageModule } from '../stage.ts';
import { shellStage } from './shell.ts';


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
 * Refuses to run a package stage whose TypeScript (or a local module it imports) is newer
 * than its compiled twin: the cache key hashes the sources, so running stale compiled code
 * would file its results under the edited code's key, where they would stay.
 */
function assertBuilt(root: string, decl: StageDecl): void {
  if (!decl.module || !/\.(c|m)?ts$/.test(decl.module)) return;
  const source = path.resolve(root, decl.module);
  if (source === runnableModulePath(root, decl.module)) return; // running from sources (tests)
  for (const rel of Object.keys(codeHash(source, PACKAGE_ROOT).files)) {
    const ts = path.resolve(PACKAGE_ROOT, rel);
    if (!/\.(c|m)?ts$/.test(ts) || path.relative(PACKAGE_ROOT, ts).startsWith('..')) continue;
    const js = path.join(PACKAGE_ROOT, 'dist', rel.replace(/\.(c|m)?ts$/, '.js'));
    let stale: boolean;
    try {
      stale = statSync(ts).mtimeMs > statSync(js).mtimeMs;
    } catch {
      stale = true;
    }
    if (stale) throw new UserError('stale-build', `${rel} changed since sfh-pipeline was last built (dist/ is older)`, 'run `npm run build` in the sfh-pipeline folder, then run again');
  }
}

const loaded = new Map<string, Promise<StageModule>>();

/**
 * Imports a stage's module once per process and checks that it exports `run`; for a
 * `run:` stage, the module that executes its command, so callers never tell them apart.
 */
export function loadStageModule(root: string, decl: StageDecl): Promise<StageModule> {
  if (decl.run) return Promise.resolve(shellStage(root, decl));
  const file = runnableModulePath(root, decl.module);
  let p = loaded.get(file);
  if (!p) {
    p = (async () => {
      if (!existsSync(file)) {
        throw new UserError('pipeline-invalid', `stage \`${decl.name}\`: ${file} does not exist`, 'run `npm run build` (npm ci does it) to compile the stages');
      }
      assertBuilt(root, decl);
      const mod = (await import(pathToFileURL(file).href)) as Partial<SourceModule>;
      if (typeof mod.run !== 'function') {
        throw new UserError('pipeline-invalid', `stage \`${decl.name}\`: ${decl.module} does not export a \`run\` function`, 'export `run(ctx)` from the module (see docs/pipeline.md)');
      }
      if (decl.source && typeof mod.enumerate !== 'function') {
        throw new UserError('pipeline-invalid', `stage \`${decl.name}\` is the source stage, but ${decl.module} does not export \`enumerate\``, 'the source stage must export enumerate(params) returning the catalog rows');
      }
      return mod as StageModule;
    })();
    loaded.set(file, p);
  }
  return p;
}
