/**
 * The hash of a stage's code: its module and every local module it imports, transitively
 * (packages under node_modules are covered by the lock file, not by this). Sources are
 * hashed, not the compiled output, so the reason a stage re-runs can name the file a user
 * edited ("code of stages/collapse-smooth.ts changed").
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sha256 } from './canonical.ts';

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

const memo = new Map<string, { hash: string; files: Record<string, string> }>();

/**
 * Hash of `entry` and its local imports. `files` maps each file (relative to `root`) to its
 * own hash, so a changed key can be traced to the file that changed.
 */
export function codeHash(entry: string, root: string): { hash: string; files: Record<string, string> } {
  const cached = memo.get(entry);
  if (cached) return cached;
  const files: Record<string, string> = {};
  const visit = (file: string): void => {
    const rel = path.relative(root, file) || file;
    if (rel in files) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      files[rel] = 'unreadable';
      return;
    }
    files[rel] = sha256(text);
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
  memo.set(entry, result);
  return result;
}
