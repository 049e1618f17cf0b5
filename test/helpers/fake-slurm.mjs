// A stand-in for Slurm's commands (sbatch, squeue, sacct, scontrol, scancel), enough of each
// for the Slurm executor's driver (src/executors/slurm/): jobs run at once on this machine,
// each array element as a detached process that runs the job script with the variables
// Slurm sets, and records how it ended in $FAKE_SLURM_DIR. Usage: fake-slurm.mjs <command> ...
//
// $FAKE_SLURM_FATE="1=TIMEOUT,2=CANCELLED" ends those elements the way Slurm would have
// (they never run; sacct reports the state); $FAKE_SLURM_REFUSE="message" makes sbatch refuse.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [command, ...args] = process.argv.slice(2);
const root = process.env.FAKE_SLURM_DIR;
if (!root) {
  process.stderr.write('fake-slurm: FAKE_SLURM_DIR is not set\n');
  process.exit(2);
}
const jobDir = (id) => path.join(root, 'jobs', String(id));
const stateFile = (id, index) => path.join(jobDir(id), `${index}.json`);
const readState = (file) => JSON.parse(readFileSync(file, 'utf8'));
const writeState = (id, index, state) => writeFileSync(stateFile(id, index), JSON.stringify(state));
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The elements of a job, by index, with their state (a running one whose process is gone ended without a word). */
function elements(id) {
  if (!existsSync(jobDir(id))) return undefined;
  return readdirSync(jobDir(id))
    .filter((f) => /^\d+\.json$/.test(f))
    .map((f) => ({ index: Number(f.slice(0, -5)), ...readState(path.join(jobDir(id), f)) }))
    .sort((a, b) => a.index - b.index);
}

if (args.includes('--version')) {
  process.stdout.write(`slurm 23.11.0 (fake ${command})\n`);
  process.exit(0);
}

switch (command) {
  case 'sbatch': {
    if (process.env.FAKE_SLURM_REFUSE) {
      process.stderr.write(`sbatch: error: Batch job submission failed: ${process.env.FAKE_SLURM_REFUSE}\n`);
      process.exit(1);
    }
    mkdirSync(path.join(root, 'jobs'), { recursive: true });
    const counter = path.join(root, 'next-id');
    const id = existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 1000;
    writeFileSync(counter, String(id + 1));
    mkdirSync(jobDir(id), { recursive: true });
    const [first, last] = (option('array') ?? '0-0').replace(/%.*$/, '').split('-').map(Number);
    const script = args.at(-1);
    const fates = new Map((process.env.FAKE_SLURM_FATE ?? '').split(',').filter(Boolean).map((f) => f.split('=')));
    for (let index = first; index <= last; index++) {
      const fate = fates.get(String(index));
      if (fate) {
        writeState(id, index, { state: fate, exitCode: fate === 'TIMEOUT' ? '0:15' : '0:0', reason: fate === 'TIMEOUT' ? 'TimeLimit' : 'None' });
        continue;
      }
      writeState(id, index, { state: 'RUNNING' });
      const out = openSync((option('output') ?? '').replace('%a', String(index)).replaceAll('%%', '%'), 'a');
      const err = openSync((option('error') ?? '').replace('%a', String(index)).replaceAll('%%', '%'), 'a');
      // The element's own "slurmd": notes its pid, runs the script, then records how it ended.
      const file = JSON.stringify(stateFile(id, index));
      const runner = `const { spawn } = require('node:child_process'); const fs = require('node:fs');
fs.writeFileSync(${file}, JSON.stringify({ state: 'RUNNING', pid: process.pid }));
const child = spawn('bash', [${JSON.stringify(script)}], { stdio: ['ignore', 'inherit', 'inherit'], cwd: ${JSON.stringify(option('chdir') ?? process.cwd())}, env: { ...process.env, SLURM_ARRAY_TASK_ID: '${index}', SLURM_ARRAY_JOB_ID: '${id}', SLURM_JOB_ID: '${id}' } });
child.on('exit', (code, signal) => { const now = JSON.parse(fs.readFileSync(${file}, 'utf8'));
  if (now.state === 'RUNNING') fs.writeFileSync(${file}, JSON.stringify({ state: code === 0 ? 'COMPLETED' : 'FAILED', exitCode: code === null ? '0:' + signal : code + ':0', reason: 'None' })); });`;
      spawn(process.execPath, ['-e', runner], { detached: true, stdio: ['ignore', out, err] }).unref();
    }
    process.stdout.write(`${id}\n`);
    break;
  }
  case 'squeue': {
    const id = args[args.indexOf('-j') + 1];
    const all = elements(id);
    if (!all) {
      process.stderr.write('slurm_load_jobs error: Invalid job id specified\n');
      process.exit(1);
    }
    // (one whose slurmd has not noted its pid yet is starting)
    for (const e of all) if (e.state === 'RUNNING' && (e.pid === undefined || alive(e.pid))) process.stdout.write(`${id}_${e.index}|RUNNING|None\n`);
    break;
  }
  case 'sacct': {
    const id = args[args.indexOf('-j') + 1];
    for (const e of elements(id) ?? []) {
      if (e.state === 'RUNNING') continue;
      process.stdout.write(`${id}_${e.index}|${e.state}|${e.exitCode ?? '0:0'}|${e.reason ?? 'None'}|00:00:01|\n`);
      process.stdout.write(`${id}_${e.index}.batch|${e.state}|${e.exitCode ?? '0:0'}||00:00:01|4321K\n`);
    }
    break;
  }
  case 'scontrol':
    // (sacct answers here; a cluster without accounting is the real Slurm test's)
    process.exit(1);
    break;
  case 'scancel': {
    const [id, index] = String(args[0]).split('_');
    for (const e of elements(id) ?? []) {
      if (index !== undefined && String(e.index) !== index) continue;
      if (e.state !== 'RUNNING') continue;
      writeState(id, e.index, { state: 'CANCELLED', exitCode: '0:15', reason: 'None' });
      try {
        if (e.pid !== undefined) process.kill(-e.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    break;
  }
  default:
    process.stderr.write(`fake-slurm: no command ${command}\n`);
    process.exit(2);
}
