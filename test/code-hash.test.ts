/**
 * The code part of a key names the files it hashed: relative to the project folder for a
 * project's own modules, `sfh-pipeline/...` for the package's. The memo of hashed files is
 * per project folder: which project hashed a shared file first must not decide the names
 * another project's key stores (it did, when the memo was by file alone).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { codeHash } from '../src/cache/code-hash.ts';
import { builtinModule } from '../src/pipeline/builtin.ts';
import { tempDir } from './helpers/cli.ts';

const tmp = tempDir('sfh-code-hash-');
after(() => tmp.remove());

test('a module hashed for two project folders is named relative to each', () => {
  const project = path.join(tmp.dir, 'paper');
  mkdirSync(path.join(project, 'stages', 'lib'), { recursive: true });
  writeFileSync(path.join(project, 'stages', 'a.mjs'), "import { b } from './lib/b.mjs';\nimport type { X } from './lib/types.ts';\nexport const a = b;\n");
  writeFileSync(path.join(project, 'stages', 'lib', 'b.mjs'), 'export const b = 1;\n');
  const entry = path.join(project, 'stages', 'a.mjs');
  const outer = codeHash(entry, tmp.dir);
  const inner = codeHash(entry, project);
  assert.deepEqual(Object.keys(outer.files), ['paper/stages/a.mjs', 'paper/stages/lib/b.mjs']);
  assert.deepEqual(Object.keys(inner.files), ['stages/a.mjs', 'stages/lib/b.mjs'], 'the second project folder gets its own names (type-only imports are not code)');
  assert.notEqual(outer.hash, inner.hash);
});

test("a built-in stage's files are named in the package, whatever the project folder", () => {
  const cluster = builtinModule('cluster');
  assert.ok(cluster, 'cluster is a built-in stage');
  const a = codeHash(cluster, tmp.dir);
  const b = codeHash(cluster, path.join(tmp.dir, 'elsewhere'));
  assert.ok(Object.keys(a.files).every((f) => f.startsWith('sfh-pipeline/')), Object.keys(a.files).join(', '));
  assert.ok(Object.keys(a.files).some((f) => /^sfh-pipeline\/src\/kernels\//.test(f)), 'the kernels it imports count');
  assert.equal(a.hash, b.hash);
});
