/**
 * Runs a command as a whole process and measures it: wall time from this process (spawn to
 * exit, so process start-up is included) and peak RSS from GNU time's `%M` (the child's
 * maximum resident set; worker threads share it). Without /usr/bin/time, the peak is polled
 * from /proc/<pid>/status (VmHWM), which can miss nothing: VmHWM is a high-water mark.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The median of a list of numbers (NaN for none): the benchmark reports medians of repeats. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** What one process run measured. */
export interface Measured {
  readonly command: string;
  readonly status: number | null;
  readonly wallSeconds: number;
  /** Peak resident set size in bytes, or null when it could not be measured. */
  readonly peakRssBytes: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const GNU_TIME = '/usr/bin/time';

/** True when GNU time is there (the bench says how to install it otherwise). */
export function hasGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`;
}

/** Runs `cmd args` in `cwd` with extra `env`, measuring wall time and peak RSS. */
export async function measure(cmd: string, args: readonly string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Measured> {
  const command = [cmd, ...args].map(quote).join(' ');
  const gnu = hasGnuTime();
  const scratch = mkdtempSync(path.join(tmpdir(), 'sfh-bench-time-'));
  const timeFile = path.join(scratch, 'time');
  const [exe, argv] = gnu ? [GNU_TIME, ['-f', '%e %M', '-o', timeFile, cmd, ...args]] : [cmd, [...args]];
  const t0 = performance.now();
  const child = spawn(exe, argv, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  let polled = 0;
  const poll = gnu
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) polled = Math.max(polled, Number(m[1]) * 1024);
        } catch {
          // exited
        }
      }, 5);
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  if (poll) clearInterval(poll);
  let peakRssBytes: number | null = polled || null;
  if (gnu) {
    try {
      const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
      const kb = Number(last.split(' ')[1]);
      if (Number.isFinite(kb)) peakRssBytes = kb * 1024;
    } catch {
      peakRssBytes = null;
    }
  }
  rmSync(scratch, { recursive: true, force: true });
  return { command, status, wallSeconds, peakRssBytes, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
