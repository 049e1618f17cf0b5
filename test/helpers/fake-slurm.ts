/**
 * Fake Slurm commands on PATH (test/helpers/fake-slurm.mjs), so the Slurm executor's driver
 * can be tested in seconds and anywhere: submission, following, replaying the elements'
 * records, Slurm's states for elements that never reported, --resume. The real Slurm test
 * (test/slurm.test.ts) still checks it against the real thing.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './cli.ts';

const IMPLEMENTATION = fileURLToPath(new URL('./fake-slurm.mjs', import.meta.url));

/** A fake Slurm: its commands' folder, the environment that puts it first on PATH, and cleanup. */
export interface FakeSlurm {
  readonly env: NodeJS.ProcessEnv;
  remove(): void;
}

export function fakeSlurm(): FakeSlurm {
  const tmp = tempDir('sfh-fake-slurm-');
  const bin = path.join(tmp.dir, 'bin');
  mkdirSync(bin);
  for (const command of ['sbatch', 'squeue', 'sacct', 'scontrol', 'scancel']) {
    writeFileSync(path.join(bin, command), `#!/bin/sh\nexec '${process.execPath}' '${IMPLEMENTATION}' ${command} "$@"\n`);
    chmodSync(path.join(bin, command), 0o755);
  }
  return { env: { PATH: `${bin}${path.delimiter}${process.env['PATH'] ?? ''}`, FAKE_SLURM_DIR: path.join(tmp.dir, 'state') }, remove: () => tmp.remove() };
}
