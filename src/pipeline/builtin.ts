/**
 * sfh-pipeline's built-in stages, by name: `builtin: cluster` in pipeline.yaml is the
 * package's own `cluster` stage, wherever the package is installed and whichever version
 * it is. A project's pipeline.yaml names them this way (`sfh-pipeline init` writes it so),
 * so it survives an upgrade or a move of the package, where a path into node_modules would
 * not. A built-in is the module file that runs: the compiled `dist/stages/<name>.js` of an
 * installed package, or `stages/<name>.ts` when sfh-pipeline itself runs from its sources.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT, RUNNING_FROM_SOURCE } from '../package.ts';

/** The folder the built-in stages run from. */
export const BUILTIN_DIR = RUNNING_FROM_SOURCE ? path.join(PACKAGE_ROOT, 'stages') : path.join(PACKAGE_ROOT, 'dist', 'stages');

const EXTENSION = RUNNING_FROM_SOURCE ? '.ts' : '.js';

let names: string[] | undefined;

/** The names of the built-in stages, sorted. */
export function builtinNames(): readonly string[] {
  names ??= (existsSync(BUILTIN_DIR) ? readdirSync(BUILTIN_DIR) : []).filter((f) => f.endsWith(EXTENSION)).map((f) => f.slice(0, -EXTENSION.length)).sort();
  return names;
}

/** The module file of built-in stage `name`, or undefined when there is none of that name. */
export function builtinModule(name: string): string | undefined {
  return builtinNames().includes(name) ? path.join(BUILTIN_DIR, `${name}${EXTENSION}`) : undefined;
}

/**
 * The built-in a `module:` path stands for when it names the package's own stage file
 * (`stages/cluster.ts`, as a pipeline.yaml copied from the package's repository has it).
 */
export function builtinOfPath(module: string): string | undefined {
  const m = /^(?:\.\/)?stages\/([a-z][a-zA-Z0-9-]*)\.(?:ts|js|mjs)$/.exec(module.replaceAll('\\', '/'));
  return m?.[1] !== undefined && builtinNames().includes(m[1]) ? m[1] : undefined;
}
