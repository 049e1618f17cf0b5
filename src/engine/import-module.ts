/**
 * Imports a stage module by file, whatever it is written in: JavaScript as it is, and a
 * project's own TypeScript (`.ts`, `.mts`) with its types stripped at load
 * (./strip-types-hooks.ts), so a user's stage needs no build step. The hooks are
 * registered once per thread, when the first TypeScript module is imported (a worker
 * thread does not inherit the main thread's hooks on Node 20). Running from sources under
 * tsx (the test suite's in-process tests), tsx loads TypeScript already.
 */
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { RUNNING_FROM_SOURCE } from '../package.ts';

let registered = false;

/** True for a module file whose types must be stripped before it runs. */
export function isTypeScript(file: string): boolean {
  return /\.m?ts$/.test(file);
}

/** Imports the module at `file` (absolute). */
export async function importModule(file: string): Promise<unknown> {
  if (isTypeScript(file) && !RUNNING_FROM_SOURCE && !registered) {
    register(new URL('./strip-types-hooks.js', import.meta.url));
    registered = true;
  }
  return import(pathToFileURL(file).href);
}
