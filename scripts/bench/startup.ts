/**
 * What starting the CLI costs, by the way it is started: `npx sfh-pipeline` spends about
 * half a second in npm itself (more than a whole warm rerun), `./node_modules/.bin/sfh-pipeline`
 * and `node bin/sfh-pipeline.js` only node's start and the CLI's modules. Measured in a
 * scratch project that has sfh-pipeline installed as npm installs a folder (a link in
 * node_modules and the bin linked in node_modules/.bin), with `--version`, which loads the
 * CLI and exits.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { measure, median } from './measure.ts';

/** One way of starting, and its wall times. */
export interface StartupRow {
  readonly how: string;
  readonly command: string;
  readonly medianSeconds: number;
  readonly bestSeconds: number;
  readonly runs: number;
  readonly ok: boolean;
}

/** Times each way of starting `reps` times (interleaved, so a burst of load hits all alike). */
export async function startupCosts(root: string, reps: number): Promise<StartupRow[]> {
  const project = mkdtempSync(path.join(tmpdir(), 'sfh-bench-startup-'));
  try {
    mkdirSync(path.join(project, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(root, path.join(project, 'node_modules', 'sfh-pipeline'));
    symlinkSync(path.join('..', 'sfh-pipeline', 'bin', 'sfh-pipeline.js'), path.join(project, 'node_modules', '.bin', 'sfh-pipeline'));
    writeFileSync(path.join(project, 'package.json'), '{ "name": "bench-startup", "version": "1.0.0", "private": true }\n');
    const ways: { how: string; cmd: string; args: string[] }[] = [
      { how: 'node alone (node -e 0)', cmd: process.execPath, args: ['-e', '0'] },
      { how: 'node bin/sfh-pipeline.js --version', cmd: process.execPath, args: [path.join(root, 'bin', 'sfh-pipeline.js'), '--version'] },
      { how: './node_modules/.bin/sfh-pipeline --version', cmd: './node_modules/.bin/sfh-pipeline', args: ['--version'] },
      { how: 'npx sfh-pipeline --version', cmd: 'npx', args: ['sfh-pipeline', '--version'] },
    ];
    const times = ways.map(() => [] as number[]);
    const ok = ways.map(() => true);
    for (let r = 0; r < reps; r++) {
      for (const [i, w] of ways.entries()) {
        const m = await measure(w.cmd, w.args, { cwd: project });
        times[i]!.push(m.wallSeconds);
        if (m.status !== 0) ok[i] = false;
      }
    }
    return ways.map((w, i) => ({ how: w.how, command: [w.cmd, ...w.args].join(' '), medianSeconds: median(times[i]!), bestSeconds: Math.min(...times[i]!), runs: reps, ok: ok[i]! }));
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}
