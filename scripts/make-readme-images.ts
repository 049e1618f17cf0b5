/**
 * Regenerates the README's pictures (docs/img/): galaxy 122 of the bundled example at
 * k = 4, its group map and its mean SFH per group, exactly as `run` draws them. Run it
 * after changing the drawing code: `npx tsx scripts/make-readme-images.ts` (needs a build,
 * `npm run build`, since it drives the installed CLI).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sfh-readme-'));
try {
  const out = path.join(tmp, 'out');
  const args = ['run', '--galaxy', '122', '--k', '4', '--out', out, '--cache', path.join(tmp, 'cache'), '--lock', path.join(tmp, 'lock'), '--no-report', '--plain'];
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'sfh-pipeline.js'), ...args], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`sfh-pipeline ${args.join(' ')} exited ${r.status}`);
  const dest = path.join(root, 'docs', 'img');
  mkdirSync(dest, { recursive: true });
  for (const kind of ['map', 'sfh']) {
    const to = path.join(dest, `example-122-k4-${kind}.png`);
    copyFileSync(path.join(out, `122_SN2016ex1_4_${kind}.png`), to);
    process.stdout.write(`${path.relative(root, to)} (${(statSync(to).size / 1024).toFixed(0)} KiB)\n`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
