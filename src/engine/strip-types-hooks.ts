/**
 * Module hooks (node:module register) that load a project's own TypeScript stage modules:
 * a `.ts` or `.mts` file is read, its types are stripped by @swc/wasm-typescript (the
 * transform Node's own --experimental-strip-types uses, which Node 20 lacks) and it runs as
 * an ES module. Stripping replaces types with blanks, so lines and columns stay where they
 * were and a stack trace points into the user's file as written. Syntax that is more than
 * types (an enum, a namespace, parameter properties) is refused with its place, as Node
 * refuses it: there is no compile step to turn it into JavaScript.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

interface Stripper {
  transformSync(source: string, options: { mode: 'strip-only'; filename: string }): { code: string };
}

/** What @swc/wasm-typescript throws: the problem and where it is. */
interface StripError {
  code?: string;
  message?: string;
  snippet?: string;
  startLine?: number;
  startColumn?: number;
}

let stripper: Stripper | undefined;

type Load = (url: string, context: { format?: string | null }, next: (url: string, context: { format?: string | null }) => Promise<unknown>) => Promise<unknown>;

/** The `load` hook: strips the types of a `.ts`/`.mts` file, leaves anything else to the next loader. */
export const load: Load = async (url, context, next) => {
  if (!url.startsWith('file:') || !/\.m?ts$/.test(new URL(url).pathname)) return next(url, context);
  const file = fileURLToPath(url);
  stripper ??= createRequire(import.meta.url)('@swc/wasm-typescript') as Stripper;
  let code: string;
  try {
    code = stripper.transformSync(readFileSync(file, 'utf8'), { mode: 'strip-only', filename: file }).code;
  } catch (err) {
    const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as StripError;
    const where = e.startLine !== undefined ? `${file}:${e.startLine}:${(e.startColumn ?? 0) + 1}` : file;
    const hint =
      e.code === 'UnsupportedSyntax'
        ? ' (sfh-pipeline strips types and compiles nothing, as Node does: use a union of strings or a plain object instead of an enum, plain properties instead of parameter properties, modules instead of namespaces)'
        : '';
    throw new SyntaxError(`${where}: ${e.message ?? 'cannot strip its types'}${hint}${e.snippet ? `\n${e.snippet.trimEnd()}` : ''}`);
  }
  return { format: 'module', source: code, shortCircuit: true };
};
