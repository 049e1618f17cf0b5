/**
 * Runs a command and measures its whole process tree: wall time, the peak of the summed
 * resident set of the process and every descendant (sampled from /proc every 100 ms), and
 * the largest single process's own high-water mark (VmHWM, exact). GNU time's `%M` sees
 * one process at a time, so a run that starts child processes would be under-reported by it.
 * Optionally watches stderr line by line and kills the tree when a line says it reached a
 * state (e.g. the n-th result written): a kill at a state, not at a time, so it lands at the
 * same point of the run on a fast or a loaded machine.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** What a measured process tree gave. */
export interface TreeMeasured {
  readonly command: string;
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly wallSeconds: number;
  /** Peak of the summed VmRSS of the tree (sampled), bytes; null where /proc is absent. */
  readonly peakTreeRssBytes: number | null;
  /** Largest VmHWM of any one process of the tree, bytes. */
  readonly peakProcessRssBytes: number | null;
  /** Processes seen in the tree (the command itself included). */
  readonly processes: number;
  readonly stdout: string;
  readonly stderr: string;
  /** True when `killWhen` fired and the tree was killed. */
  readonly killed: boolean;
}

function statusOf(pid: number): { ppid: number; rss: number; hwm: number } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const num = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0);
    return { ppid: num('PPid'), rss: num('VmRSS') * 1024, hwm: num('VmHWM') * 1024 };
  } catch {
    return undefined;
  }
}

/** The pids of `root` and its descendants now. */
function tree(root: number): number[] {
  let pids: number[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
  } catch {
    return [root];
  }
  const children = new Map<number, number[]>();
  for (const pid of pids) {
    let ppid: number;
    try {
      // field 4 of /proc/<pid>/stat, after the parenthesised name (which may hold spaces)
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      continue;
    }
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`;
}

/**
 * Runs `cmd args`, sampling its process tree. `killWhen(line)` is called for each stderr
 * line; when it returns true the whole tree gets SIGKILL (the process group: the command
 * is started in its own).
 */
export async function measureTree(cmd: string, args: readonly string[], opts: { cwd?: string; env?: Record<string, string>; killWhen?: (line: string) => boolean } = {}): Promise<TreeMeasured> {
  const command = [cmd, ...args].map(quote).join(' ');
  const t0 = performance.now();
  const child = spawn(cmd, [...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let partial = '';
  let killed = false;
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => {
    err.push(b);
    if (!opts.killWhen || killed) return;
    const lines = (partial + b.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!killed && opts.killWhen(line)) {
        killed = true;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
  let peakTree = 0;
  let peakOne = 0;
  const seen = new Set<number>();
  // The tree is re-read every 5th sample (new processes are rare; /proc has hundreds of
  // entries), the known processes' memory at every sample (100 ms).
  let pids: number[] = [];
  let n = 0;
  const sample = () => {
    if (child.pid === undefined) return;
    if (n++ % 5 === 0) pids = tree(child.pid);
    let sum = 0;
    for (const pid of pids) {
      const s = statusOf(pid);
      if (!s) continue;
      seen.add(pid);
      sum += s.rss;
      peakOne = Math.max(peakOne, s.hwm);
    }
    peakTree = Math.max(peakTree, sum);
  };
  const timer = setInterval(sample, 100);
  const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => sample());
    child.on('close', (code, sig) => resolve([code, sig]));
  });
  clearInterval(timer);
  const wallSeconds = (performance.now() - t0) / 1000;
  return {
    command,
    status,
    signal,
    wallSeconds,
    peakTreeRssBytes: peakTree || null,
    peakProcessRssBytes: peakOne || null,
    processes: seen.size,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
    killed,
  };
}
