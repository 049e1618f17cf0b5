/**
 * Imports in src/ point one way: no module reaches itself through its imports (static,
 * `import type` or dynamic `import()`). A cycle makes load order matter and hides which
 * module is the lower one; issue 15 removed the last ones (cli <-> run <-> slurm driver,
 * pipeline load <-> open). This test fails on any new cycle and prints it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Relative imports of a module: `from '...'`, `import '...'` and `import('...')`. */
export function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1] as string);
  return specs.map((s) => path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')));
}

/** Every cycle's nodes, found by a depth-first search (one report per cycle start). */
export function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (!graph.has(m)) continue;
      if (state.get(m) === 'open') found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

test('the cycle finder finds a cycle and none where there is none', () => {
  assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), [['a', 'b', 'c', 'a']]);
  assert.deepEqual(cycles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), []);
});

test('no import cycle in src/ or stages/', () => {
  const files = [...sources(path.join(ROOT, 'src')), ...sources(path.join(ROOT, 'stages'))];
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  // The parser must see the imports at all, or the test could not fail.
  assert.ok((graph.get(path.join(ROOT, 'src/cli.ts')) ?? []).length > 3, 'src/cli.ts has imports');
  const rel = (p: string) => path.relative(ROOT, p);
  assert.deepEqual(cycles(graph).map((c) => c.map(rel).join(' -> ')), []);
});

/** Folders (or files) of src/ and what they may not import: the layers of docs/architecture.md. */
const FORBIDDEN: readonly { from: string[]; not: string[]; why: string }[] = [
  { from: ['src/'], not: ['src/cli/', 'src/cli.ts'], why: 'nothing below the command line imports it' },
  { from: ['src/engine/', 'src/pipeline/', 'src/report/', 'src/cache/', 'src/provenance/', 'src/fits/', 'src/wcs/', 'src/kernels/', 'src/stage.ts', 'src/errors.ts', 'src/package.ts'], not: ['src/session/', 'src/executors/'], why: 'the session and the executors use the engine, not the other way round' },
  { from: ['src/session/'], not: ['src/executors/'], why: 'the session runs whatever executor it is given' },
  { from: ['src/fits/', 'src/wcs/', 'src/kernels/'], not: ['src/engine/', 'src/pipeline/'], why: 'the numerical code imports nothing of the engine' },
  { from: ['src/package.ts'], not: ['src/'], why: 'the version and package root are a leaf' },
];

test('layers point one way: nothing outside src/cli/ imports it, nor the engine the session, nor the kernels the engine', () => {
  const rel = (p: string) => path.relative(ROOT, p).split(path.sep).join('/');
  const inside = (file: string, places: readonly string[]) => places.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p));
  const found: string[] = [];
  for (const file of sources(path.join(ROOT, 'src')).map(rel)) {
    for (const rule of FORBIDDEN) {
      if (!inside(file, rule.from) || (rule.not.includes('src/cli/') && inside(file, ['src/cli/', 'src/cli.ts']))) continue;
      for (const target of importsOf(path.join(ROOT, file)).map(rel)) if (inside(target, rule.not) && target !== file) found.push(`${file} -> ${target} (${rule.why})`);
    }
  }
  assert.deepEqual(found, []);
  // The rule can fail: the command line itself does import below it.
  assert.ok(importsOf(path.join(ROOT, 'src/cli/run.ts')).map(rel).includes('src/session/session.ts'));
});
