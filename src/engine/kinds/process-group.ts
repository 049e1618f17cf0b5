/**
 * A shell stage's command runs in a process group of its own, and a cancelled run stops the
 * whole group, not only the shell it started: `sh -c 'prog & wait'`, a script that starts a
 * long program, a Python that forks workers all leave processes that a signal to the shell
 * alone does not reach (the shell dies, they are reparented and run on).
 *
 * How: the command is spawned `detached` (POSIX: setsid, so it leads a new session and a new
 * process group whose id is its pid). When the run cancels it (SIGINT or SIGTERM to
 * sfh-pipeline, --fail-fast after another galaxy failed), the group gets the signal (the one
 * the run received: SIGINT as a terminal's Ctrl-C would have sent it, else SIGTERM); what is
 * still running after {@link GRACE_MS} gets SIGKILL. The interrupted session waits for that
 * before it ends itself ({@link stopCommands}); any other end of this process while a command
 * runs (a second Ctrl-C, process.exit) SIGKILLs the groups on its way out.
 *
 * Why a new session and not only a new group in the same session: Node offers only setsid
 * (`detached`), and for what matters here the two behave alike. Neither gets the terminal's
 * Ctrl-C any more (only the terminal's foreground group does), so the run forwards it, as
 * above. Neither is killed by the kernel when sfh-pipeline is killed with SIGKILL: then
 * nothing can run, and the command runs on, reparented, until it ends. That is what happened
 * before this change too (the shell was never killed with its parent, only by the run, and
 * its children never), so `kill -9` is no worse; the next run does not depend on it (an output
 * it finishes late is checked by its hash as any other file). On a terminal's hangup the
 * kernel signals the foreground group only, in either case.
 *
 * On Windows there are no process groups to signal: the command is spawned as before and
 * the run's abort ends the shell only.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** How long a command's group has, after the run's signal, to end before it is sent SIGKILL. */
export const GRACE_MS = 5000;

/** Whether commands get a process group of their own here. */
export const GROUPS = process.platform !== 'win32';

/** The groups of the commands running now, by id (the leader's pid), with their stopping when stopped. */
const groups = new Map<number, { stopping?: Promise<void> }>();

/**
 * Watches the command `child` (spawned detached, so leading its own group) until it closes:
 * when `signal` aborts, its group is stopped. Its reason, when a signal's name, is the signal
 * the group gets first.
 */
export function watchGroup(child: ChildProcess, signal: AbortSignal): void {
  const pgid = child.pid;
  if (!GROUPS || pgid === undefined) return;
  groups.set(pgid, {});
  onExitKillAll();
  const onAbort = (): void => void stopGroup(pgid, signal.reason === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
  // (closed: every process that held its output has ended, the group's too; one stopped stays
  // listed until its group is gone)
  child.once('close', () => {
    signal.removeEventListener('abort', onAbort);
    if (!groups.get(pgid)?.stopping) groups.delete(pgid);
  });
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
}

/**
 * Stops every command's group now running (the signal first, SIGKILL after the grace) and
 * resolves once none is left: what an interrupted run waits for before it ends itself. At once
 * (undefined) when no command runs.
 */
export function stopCommands(signal: 'SIGINT' | 'SIGTERM'): Promise<void> | undefined {
  if (groups.size === 0) return undefined;
  const all = async (): Promise<void> => {
    // (a command spawned meanwhile is stopped as it starts, its run's signal being aborted)
    while (groups.size > 0) await Promise.all([...groups.keys()].map((pgid) => stopGroup(pgid, signal)));
  };
  return all();
}

/** Sends `signal` to group `pgid`, then SIGKILL to what is left of it after the grace; resolves when it is gone. */
function stopGroup(pgid: number, signal: 'SIGINT' | 'SIGTERM'): Promise<void> {
  const group = groups.get(pgid);
  if (!group) return Promise.resolve();
  group.stopping ??= (async () => {
    send(pgid, signal);
    const until = Date.now() + GRACE_MS;
    while (groupRuns(pgid) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    // (SIGKILL cannot be caught: the group ends; its processes are reaped by this process
    // (the shell, its child) or by whoever adopts the orphans)
    if (groupRuns(pgid)) send(pgid, 'SIGKILL');
    groups.delete(pgid);
  })();
  return group.stopping;
}

function send(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // (ESRCH: the group has ended)
  }
}

/**
 * Whether a process of group `pgid` still runs. A zombie does not count: an orphan of the
 * group is reparented to PID 1, and a container's PID 1 does not always reap it; it runs
 * nothing, and SIGKILL would not remove it either. (Linux: from /proc; elsewhere any
 * process of the group counts.)
 */
function groupRuns(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // (ended meanwhile)
    }
    // pid (comm) state ppid pgrp ...: the command name may hold spaces and parentheses
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

let hooked = false;

/**
 * Once: when this process exits while commands run (a second Ctrl-C, process.exit in a Slurm
 * element on SIGTERM, an internal error), their groups get SIGKILL; an exit cannot wait.
 * (The end by the run's own signal, after {@link stopCommands}, leaves none.)
 */
function onExitKillAll(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const pgid of groups.keys()) send(pgid, 'SIGKILL');
  });
}
