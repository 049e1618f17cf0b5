/**
 * The hash of a stage's code: its module and every local module it imports, transitively
 * (packages under node_modules are covered by the lock file, not by this). The files
 * hashed are the ones that run: a built-in stage's compiled module in the package (which
 * the package's version pins), a project's own `.mjs` or `.ts` as written. So the reason a
 * stage re-runs names the file that changed ("code of stages/my-stage.ts changed").
 *
 * Files are named relative to the project folder, and those of sfh-pipeline itself as
 * `sfh-pipeline/<path in the package>`: a key does not depend on where the project or the
 * package lies, nor on which project hashed a shared file first.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../package.ts';
import { sha256 } from './canonical.ts';

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** A code hash, and each file's own hash by its name, so a changed key can be traced to the file that changed. */
export interface CodeHash {
  readonly hash: string;
  readonly files: Record<string, string>;
}

const memo = new Map<string, CodeHash>();

/** How the key names `file`: inside the package `sfh-pipeline/...`, else relative to `root`. */
export function codeName(file: string, root: string): string {
  const inPackage = path.relative(PACKAGE_ROOT, file);
  if (!inPackage.startsWith('..') && !path.isAbsolute(inPackage) && !inPackage.split(path.sep).includes('node_modules')) return `sfh-pipeline/${inPackage.split(path.sep).join('/')}`;
  return (path.relative(root, file) || file).split(path.sep).join('/');
}

/** Hash of `entry` and its local imports, their names relative to `root` (see {@link codeName}). */
export function codeHash(entry: string, root: string): CodeHash {
  const memoKey = `${root}\0${entry}`;
  const cached = memo.get(memoKey);
  if (cached) return cached;
  const files: Record<string, string> = {};
  const visit = (file: string): void => {
    const name = codeName(file, root);
    if (name in files) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      files[name] = 'unreadable';
      return;
    }
    files[name] = sha256(text);
    for (const m of text.matchAll(IMPORT)) {
      // Type-only imports cannot change what a stage computes.
      if (/^\s*(import|export)\s+type\s/.test(m[0])) continue;
      const spec = m[1] ?? m[2];
      if (spec) visit(path.resolve(path.dirname(file), spec));
    }
  };
  visit(entry);
  const sorted = Object.keys(files).sort();
  const hash = sha256(sorted.map((f) => `${f}:${files[f]}`).join('\n'));
  const result = { hash, files: Object.fromEntries(sorted.map((f) => [f, files[f] as string])) };
  memo.set(memoKey, result);
  return result;
}
