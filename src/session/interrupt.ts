/**
 * Ctrl-C and SIGTERM during a run: say how far it got and how to go on
 * (`interrupted: 3 of 10 tasks done; resume with `sfh-pipeline run ... --resume``), leave
 * nothing partial (no temporary file of its own, no command of a shell stage still running),
 * and end as an interrupted process does: by the same signal (exit status 130 or 143 in a
 * shell), or, when the executor stops in order (a Slurm driver cancels its jobs first), with
 * that status. A second signal ends it at once.
 *
 * The signal is acted on when the main thread is free: during a catalog-level stage (which
 * runs in it) that is when the stage ends; the galaxies' stages run in worker threads.
 */
import { removeOwnTemps } from '../cache/atomic.ts';
import { shellWord } from './resume.ts';

/** The signals a run answers, and the exit status each gives (128 + its number). */
export const INTERRUPTS = { SIGINT: 130, SIGTERM: 143 } as const;

/** An interrupting signal. */
export type Interrupt = keyof typeof INTERRUPTS;

/** Listening for interrupts while a run goes on. */
export interface InterruptWatch {
  /** The first signal received, if any. */
  readonly signal: Interrupt | undefined;
  /** Stops listening (the run is over). */
  stop(): void;
}

/** Calls `onFirst` on the first SIGINT or SIGTERM; a second one ends the process with its status. */
export function watchInterrupts(onFirst: (signal: Interrupt) => void): InterruptWatch {
  let received: Interrupt | undefined;
  const handler = (signal: NodeJS.Signals): void => {
    const s = signal as Interrupt;
    if (received) process.exit(INTERRUPTS[s]);
    received = s;
    onFirst(s);
  };
  const signals = Object.keys(INTERRUPTS) as Interrupt[];
  for (const s of signals) process.on(s, handler);
  return {
    get signal() {
      return received;
    },
    stop: () => {
      for (const s of signals) process.off(s, handler);
    },
  };
}

/** The line an interrupted run ends with. */
export function interruptedLine(done: number, total: number, command: readonly string[]): string {
  const again = command.includes('--resume') ? command : [...command, '--resume'];
  return `interrupted: ${done} of ${total} task${total === 1 ? '' : 's'} done; resume with \`${['sfh-pipeline', ...again].map(shellWord).join(' ')}\``;
}

/**
 * Ends this process by `signal` after removing its own temporary files: what it was
 * writing when interrupted is never left behind. (A stage worker writing one at this very
 * moment leaves it to the next run, which removes it as soon as it sees it.)
 */
export function endBy(signal: Interrupt): void {
  removeOwnTemps();
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  // (the signal is delivered as soon as the caller returns; should it not end the process, its status does)
  setTimeout(() => process.exit(INTERRUPTS[signal]), 1000);
}
