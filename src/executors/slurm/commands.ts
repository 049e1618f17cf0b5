/**
 * The Slurm commands the driver uses (sbatch, squeue, sacct, scontrol, scancel), called
 * with argument arrays (never through a shell), and their answers parsed. Slurm alone
 * schedules; these only submit, look and cancel.
 */
import { execFile } from 'node:child_process';
import { UserError } from '../../errors.ts';

/** A command's answer; `missing` when it is not on PATH. */
interface Answer {
  readonly ok: boolean;
  readonly missing: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/** Where an array element is while Slurm has it queued or running. */
export interface QueuedState {
  readonly state: string;
  readonly reason: string;
}

/** How an element ended, as Slurm's accounting or controller remembers it. */
export interface FinalState {
  readonly state: string;
  readonly reason: string;
  readonly exitCode: string;
  readonly elapsed: string;
  readonly maxRss?: string;
  /** Which command said so. */
  readonly source: 'sacct' | 'scontrol';
}

const SLURM_HELP = 'docs/slurm.md';

function run(cmd: string, args: readonly string[], timeoutMs = 60_000): Promise<Answer> {
  return new Promise((resolve) => {
    execFile(cmd, [...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const missing = (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
      resolve({ ok: !err, missing, stdout: String(stdout), stderr: String(stderr || (err && !missing ? err.message : '')).trim() });
    });
  });
}

/** Fails with a clear message, naming the commands and the docs, when Slurm's are not on PATH. */
export async function requireSlurm(): Promise<void> {
  const missing: string[] = [];
  for (const cmd of ['sbatch', 'squeue', 'scancel']) if ((await run(cmd, ['--version'])).missing) missing.push(cmd);
  if (missing.length) {
    throw new UserError('usage', `--executor slurm needs Slurm's commands, and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not on PATH`, `run on the cluster's login node (module load slurm?), or start a one-node Slurm here with \`bash scripts/slurm-local.sh\` as root; see ${SLURM_HELP}`);
  }
}

/** Submits with `sbatch --parsable`; resolves with the job id. */
export async function sbatch(args: readonly string[]): Promise<string> {
  const a = await run('sbatch', ['--parsable', ...args]);
  const id = /^(\d+)/.exec(a.stdout.trim())?.[1];
  if (!a.ok || !id) {
    throw new UserError('slurm-submit', `sbatch refused the job: ${a.stderr || a.stdout || 'no answer'}`, `check the executor.slurm settings in pipeline.yaml (partition, time, memory, sbatch options) against \`sinfo\` and your cluster's limits; see ${SLURM_HELP}`);
  }
  return id;
}

/**
 * The elements of job `id` still queued or running, by array index; undefined when squeue
 * could not answer (the controller is busy or restarting), so nothing is concluded from it.
 */
export async function squeue(id: string): Promise<Map<number, QueuedState> | undefined> {
  const a = await run('squeue', ['-r', '-h', '-j', id, '-o', '%i|%T|%r']);
  // A job that ended long enough ago is unknown to squeue: nothing of it is queued.
  if (!a.ok) return /invalid job id/i.test(a.stderr) ? new Map() : undefined;
  const out = new Map<number, QueuedState>();
  for (const line of a.stdout.split('\n')) {
    const [jobId, state, reason] = line.trim().split('|');
    const m = /^\d+_(\d+)$/.exec(jobId ?? '');
    if (m && state) out.set(Number(m[1]), { state, reason: reason ?? '' });
  }
  return out;
}

/**
 * How the elements of job `id` ended, by array index: from `sacct` where the cluster keeps
 * accounting (slurmdbd), else from `scontrol show job` while the controller still holds
 * them (MinJobAge, 300 s by default). Elements neither knows are absent.
 */
export async function finalStates(id: string): Promise<Map<number, FinalState>> {
  const out = new Map<number, FinalState>();
  const acct = await run('sacct', ['-j', id, '-n', '-P', '-o', 'JobID,State,ExitCode,Reason,Elapsed,MaxRSS']);
  if (acct.ok) {
    const rss = new Map<number, string>();
    for (const line of acct.stdout.split('\n')) {
      const [jobId = '', state = '', exitCode = '', reason = '', elapsed = '', maxRss = ''] = line.trim().split('|');
      const m = /^\d+_(\d+)(\.\S+)?$/.exec(jobId);
      if (!m) continue;
      const index = Number(m[1]);
      if (m[2]) {
        if (maxRss) rss.set(index, maxRss);
      } else out.set(index, { state: state.split(' ')[0] ?? state, reason, exitCode, elapsed, source: 'sacct' });
    }
    for (const [index, maxRss] of rss) {
      const s = out.get(index);
      if (s) out.set(index, { ...s, maxRss });
    }
  }
  const ctl = await run('scontrol', ['-o', 'show', 'job', id]);
  if (ctl.ok) {
    for (const line of ctl.stdout.split('\n')) {
      const field = (name: string) => new RegExp(`(?:^| )${name}=(\\S*)`).exec(line)?.[1] ?? '';
      const index = field('ArrayTaskId');
      if (!/^\d+$/.test(index) || out.has(Number(index))) continue;
      out.set(Number(index), { state: field('JobState'), reason: field('Reason'), exitCode: field('ExitCode'), elapsed: field('RunTime'), source: 'scontrol' });
    }
  }
  return out;
}

/** Cancels a job or one element (`123` or `123_4`); resolves with scancel's complaint, if any. */
export async function scancel(target: string): Promise<string | undefined> {
  const a = await run('scancel', [target]);
  return a.ok ? undefined : a.stderr || 'scancel failed';
}
