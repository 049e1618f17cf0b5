/**
 * Where sfh-pipeline is installed, which version it is and in which form: a leaf module
 * (it imports nothing of the tool), so every layer may ask it without pointing back up at
 * the command line or the engine.
 *
 * The package runs in one of two forms. Installed (npm install, local or global) it holds
 * the compiled code in dist/ and nothing to build: no TypeScript sources, no compiler. In a
 * developer's clone the sources sit beside dist/, which `npm ci` and `npm run build` make;
 * only there can dist/ be older than the sources (see src/engine/modules.ts). Nothing is
 * ever written into the package folder at run time: a global install is often not the
 * user's to write.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder (the one holding package.json and the bundled pipeline.yaml), found from this file's place. */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** sfh-pipeline's version, from package.json. */
export const VERSION: string = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The pipeline bundled with the package: what `init` starts a project from, and what runs where there is no project. */
export const BUNDLED_PIPELINE = path.join(PACKAGE_ROOT, 'pipeline.yaml');

/**
 * True in a developer's clone: the TypeScript sources and the compiler's configuration are
 * there (the published package ships neither), so dist/ may lag behind an edit.
 */
export const DEVELOPMENT_CHECKOUT = existsSync(path.join(PACKAGE_ROOT, 'tsconfig.json')) && existsSync(path.join(PACKAGE_ROOT, 'src', 'package.ts'));

/** True when this code runs from its TypeScript sources (tests under tsx), false when it runs compiled from dist/. */
export const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The package's documentation folder (shipped with it), for pointers in --help and hints. */
export const DOCS_DIR = path.join(PACKAGE_ROOT, 'docs');

function findPackageRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'package.json')) && existsSync(path.join(d, 'pipeline.yaml'))) return d;
    if (path.dirname(d) === d) return path.resolve(dir, '..');
  }
}
