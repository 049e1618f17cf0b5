// Emits the stage contract's type declarations (src/stage.ts) into dist/types/, for a
// user's own TypeScript stage (`import type { StageContext } from 'sfh-pipeline'`), with
// its relative imports ending in .js as a consumer's compiler resolves them.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.types.json')], { stdio: 'inherit' });
const dir = path.join(root, 'dist', 'types');
for (const name of readdirSync(dir)) {
  const file = path.join(dir, name);
  writeFileSync(file, readFileSync(file, 'utf8').replace(/(from '\.{1,2}\/[^']*)\.ts'/g, "$1.js'"));
}
