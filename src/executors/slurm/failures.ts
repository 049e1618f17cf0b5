/**
 * How a task that an array element never reported is recorded: as failed, with Slurm's
 * state and reason (`slurm: TIMEOUT (TimeLimit, ran 01:00:04)`) and what to do about it,
 * so `run --resume` and a person both know why it is missing.
 */
import type { Failure, ReportedFailure } from '../../errors.ts';
import type { FinalState } from './commands.ts';
import type { ElementRecord } from './records.ts';

const RESUME = '`sfh-pipeline run --resume` resubmits what is missing';

/** The reason of an element's failure by Slurm's state for it; any other state is `slurm-failed` (the state is in the message). */
const STATES: Readonly<Record<string, ReportedFailure['reason']>> = {
  TIMEOUT: 'slurm-timeout',
  OUT_OF_MEMORY: 'slurm-out-of-memory',
  CANCELLED: 'slurm-cancelled',
  NODE_FAIL: 'slurm-node-fail',
  BOOT_FAIL: 'slurm-boot-fail',
  PREEMPTED: 'slurm-preempted',
  DEADLINE: 'slurm-deadline',
  FAILED: 'slurm-failed',
};

/** Slurm states that mean Slurm (or someone) stopped the element: its record ends where it was killed. */
export const KILLED = new Set(['CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED', 'DEADLINE', 'BOOT_FAIL']);

/** The failure of the tasks that array element `where` (`element 123_4`) left unreported. */
export function lostFailure(where: string, state: FinalState | undefined, record: ElementRecord, files: { record: string; log: string }): Failure {
  if (record.error) return { ...record.error, message: `${where} on its compute node: ${record.error.message}`, hint: record.error.hint ?? `see ${files.log}` };
  if (!state) {
    return {
      reason: 'slurm-unknown',
      message: `slurm: UNKNOWN (${where} left the queue unfinished, and neither sacct nor scontrol remembers how it ended)`,
      hint: `it was probably cancelled while pending; ${RESUME}`,
    };
  }
  const details = [
    ...(state.reason && state.reason !== 'None' ? [state.reason] : []),
    ...(state.exitCode && state.exitCode !== '0:0' ? [`exit ${state.exitCode}`] : []),
    ...(state.elapsed ? [`ran ${state.elapsed}`] : []),
    ...(state.maxRss ? [`MaxRSS ${state.maxRss}`] : []),
    ...(record.signal ? [`got ${record.signal}`] : []),
  ];
  const message = `slurm: ${state.state}${details.length ? ` (${details.join(', ')})` : ''}`;
  const reason = STATES[state.state] ?? 'slurm-failed';
  switch (state.state) {
    case 'TIMEOUT':
      return { reason, message, hint: `${where} ran out of time: raise \`time\` under executor.slurm in pipeline.yaml, which changes no output, then ${RESUME}` };
    case 'OUT_OF_MEMORY':
      return { reason, message, hint: `${where} ran out of memory: raise \`memory\` under executor.slurm in pipeline.yaml, which changes no output, then ${RESUME}` };
    case 'CANCELLED':
      return { reason, message, hint: `${where} was cancelled, by scancel or by Ctrl-C on the driver; ${RESUME}` };
    case 'NODE_FAIL':
    case 'BOOT_FAIL':
    case 'PREEMPTED':
      return { reason, message, hint: `${where}: not a problem of the data; ${RESUME}` };
    case 'COMPLETED':
      return { reason: 'slurm-record-missing', message: `${message}, but the record of ${where}, ${files.record}, is incomplete`, hint: `is the cache on a filesystem the compute nodes share with this machine? See docs/slurm.md and ${files.log}` };
    default:
      return { reason, message, hint: `see the log of ${where}: ${files.log}; ${RESUME}` };
  }
}
