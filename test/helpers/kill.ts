/**
 * Killing a CLI run at a chosen *state* of its work, not after a length of time: a kill
 * after 300 ms lands before anything on a busy machine and after everything on a fast one,
 * so the tests that use it would test different things on different machines. A state
 * (how many records the cache holds, how many tasks the run record has finished) means the
 * same on every machine.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BIN } from './cli.ts';

/** What a kill found: whether the signal reached a running process, and what had been done. */
export interface Kill {
  /** False when the run had finished before the state held (its result is then complete). */
  readonly killed: boolean;
  readonly exit: number | null;
  /** The kill landed: the process died of the SIGKILL (it had not finished on its own). */
  readonly landed: boolean;
}

/** Stage-instance records in a cache: one per finished stage instance, of any run. */
export function cachedRecords(cache: string): number {
  const dir = path.join(cache, 'records');
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const sub of readdirSync(dir, { withFileTypes: true })) {
    if (sub.isDirectory()) n += readdirSync(path.join(dir, sub.name)).filter((f) => f.endsWith('.json')).length;
    else if (sub.name.endsWith('.json')) n++;
  }
  return n;
}

/** Finished tasks in the newest run record of a cache (-1 before any record exists). */
export function recordedTasks(cache: string): number {
  const dir = path.join(cache, 'runs');
  if (!existsSync(dir)) return -1;
  const runs = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
  const last = runs.at(-1);
  if (!last) return -1;
  return readFileSync(path.join(dir, last), 'utf8').split('\n').filter((l) => l.includes('"kind":"task"')).length;
}

/** The outputs of the tasks the newest run record has finished, in the order they finished. */
export function recordedOutputs(cache: string): string[] {
  const dir = path.join(cache, 'runs');
  const last = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort().at(-1) : undefined;
  if (!last) return [];
  const out: string[] = [];
  for (const line of readFileSync(path.join(dir, last), 'utf8').split('\n')) {
    if (!line.includes('"kind":"task"')) continue;
    try {
      const t = JSON.parse(line) as { status?: string; output?: string };
      if (t.status === 'ok' && t.output) out.push(t.output);
    } catch {
      // The line being written when the run was killed.
    }
  }
  return out;
}

/**
 * Runs `sfh-pipeline ...args` and SIGKILLs it as soon as `ready()` holds, checking on the
 * process's start and then every few milliseconds (the interval only paces the look at the
 * state, so the CLI keeps its cores; it decides nothing). Resolves when the process has exited.
 */
export function killWhen(args: readonly string[], ready: () => boolean, cwd?: string, env?: NodeJS.ProcessEnv): Promise<Kill> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore', ...(cwd ? { cwd } : {}), ...(env ? { env: { ...process.env, ...env } } : {}) });
    let killed = false;
    let exited = false;
    const look = () => {
      if (exited) return;
      if (ready()) killed = child.kill('SIGKILL');
      else setTimeout(look, 5);
    };
    child.once('spawn', look);
    child.once('exit', (code, signal) => {
      exited = true;
      resolve({ killed, exit: code, landed: killed && signal === 'SIGKILL' });
    });
  });
}
