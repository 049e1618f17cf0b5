/**
 * Micro-benchmark (not a test): emdKMeans on a random 50 x 100 x 100 SFH cube at k = 4
 * against the notebook's python loop on the same arrays (test/py/kernels_bench.py).
 *
 *   node --import tsx scripts/bench-kernels.ts [rounds=3] [python=/usr/bin/python3]
 *
 * Both run the same number of rounds (the python loop takes seconds per round), the group
 * maps are compared, and the TS clustering is then also timed to convergence.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { emdKMeans } from '../src/kernels/index.ts';
import { decodeNpy } from '../src/npy.ts';

const rounds = Number(process.argv[2] ?? 3);
const python = process.argv[3] ?? '/usr/bin/python3';
const k = 4;
const seed = 0;
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dir = mkdtempSync(path.join(tmpdir(), 'bench-kernels-'));
try {
  const py = spawnSync(python, [path.join(root, 'test', 'py', 'kernels_bench.py'), dir, String(rounds), String(k), String(seed)], {
    encoding: 'utf8',
  });
  if (py.status !== 0) throw new Error(`${python} kernels_bench.py failed: ${py.stderr || py.error?.message}`);
  const info = JSON.parse(readFileSync(path.join(dir, 'py.json'), 'utf8')) as { seconds: number; rounds: number; numpy: string; scipy: string; valid: number };
  const sfh = decodeNpy(readFileSync(path.join(dir, 'sfh.npy'))).data as Float64Array;
  const mass = decodeNpy(readFileSync(path.join(dir, 'mass.npy'))).data as Float32Array;
  const pyMap = decodeNpy(readFileSync(path.join(dir, 'py_map.npy'))).data as Float64Array;
  const run = (maxIter: number) => emdKMeans({ sfh, mass, ny: 100, nx: 100, k, seed, maxIter });
  run(rounds); // warm-up (JIT)
  const times: number[] = [];
  let same = run(rounds);
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    same = run(rounds);
    times.push(performance.now() - t0);
  }
  const ts = Math.min(...times) / 1000;
  let differ = 0;
  for (let i = 0; i < pyMap.length; i++) if (!Object.is(pyMap[i], same.labels[i])) differ++;
  const t0 = performance.now();
  const full = run(100);
  const fullMs = performance.now() - t0;
  console.log(`random SFH 50 x 100 x 100, k=${k}, seed=${seed}, ${info.valid} valid pixels`);
  console.log(`python (numpy ${info.numpy}, scipy ${info.scipy}): ${info.rounds} rounds in ${info.seconds.toFixed(2)} s (${(info.seconds / info.rounds).toFixed(2)} s/round)`);
  console.log(`emdKMeans: ${same.iterations} rounds in ${(ts * 1000).toFixed(1)} ms (best of 5; ${((ts * 1000) / same.iterations).toFixed(2)} ms/round)`);
  console.log(`speed-up: ${(info.seconds / info.rounds / (ts / same.iterations)).toFixed(0)}x per round; group maps after ${rounds} rounds: ${differ === 0 ? 'identical' : `${differ} pixels differ`}`);
  console.log(`emdKMeans to convergence: ${full.iterations} rounds (converged: ${full.converged}) in ${fullMs.toFixed(1)} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
