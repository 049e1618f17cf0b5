/**
 * Errors and failures as values. A problem a user can fix is a {@link UserError} with a
 * reason from a closed list (each one documented in docs/errors.md), the file or galaxy it
 * concerns and what to do; anything that fails a stage instance becomes a {@link Failure},
 * a closed union told apart by `reason`, which src/report/failure.ts renders in one
 * exhaustive switch (and which the exit status is derived from). A plain `Error` reaching
 * the top level is a bug in this tool.
 */
import type { FitsErrorReason } from './fits/errors.ts';
import { pathProblem, type PathReason } from './path-errors.ts';
import type { WcsErrorReason } from './wcs/errors.ts';

/** Problems with the run as asked (its options, pipeline.yaml and its stage modules, the catalog, the build): nothing runs. */
export const RUN_REASONS = ['usage', 'pipeline-invalid', 'catalog-invalid', 'unknown-galaxy', 'empty-selection', 'stale-build'] as const;

/** Problems with one galaxy's input files or catalog row, or with an input of a command. */
export const INPUT_REASONS = ['missing-input', 'bad-input', 'missing-seeing', 'psf-too-wide', 'not-ngist', 'ngist-mismatch', 'ngist-no-grid', 'example-dir-occupied'] as const;

/** Why the clustering of a galaxy could not give groups (src/kernels, stages/cluster.ts). */
export const CLUSTERING_REASONS = ['no-valid-pixels', 'no-groups', 'invalid-weights', 'k-too-large', 'too-many-pixels'] as const;

/** Problems of running: a command stage that failed, two instances writing one file, a Slurm job refused or unfinished. */
export const RUNNING_REASONS = ['stage-failed', 'output-collision', 'not-run', 'slurm-submit'] as const;

/** The FITS module's reasons (src/fits/errors.ts); a stage may report one with more context. */
export const FITS_REASONS = ['not-fits', 'truncated', 'no-end-card', 'bad-checksum', 'bad-bitpix', 'no-such-hdu', 'compressed', 'size-mismatch', 'bad-header', 'not-image', 'not-table', 'no-such-column', 'write-failed'] as const satisfies readonly FitsErrorReason[];

/** The WCS module's reasons (src/wcs/errors.ts). */
export const WCS_REASONS = ['missing-key', 'bad-value', 'not-celestial', 'unsupported-projection', 'sip-distortion', 'unsupported-frame', 'unsupported-unit', 'coupled-axes', 'singular-matrix'] as const satisfies readonly WcsErrorReason[];

/** `true` when every member of `All` is listed; a new reason there is a compile error here until it is. */
type EveryListed<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : never;
export const EVERY_REASON_LISTED: EveryListed<FitsErrorReason, (typeof FITS_REASONS)[number]> & EveryListed<WcsErrorReason, (typeof WCS_REASONS)[number]> = true;

/** The reason of a {@link UserError}: kebab-case, from the closed lists above. */
export type UserErrorReason =
  | (typeof RUN_REASONS)[number]
  | (typeof INPUT_REASONS)[number]
  | (typeof CLUSTERING_REASONS)[number]
  | (typeof RUNNING_REASONS)[number]
  | (typeof FITS_REASONS)[number]
  | (typeof WCS_REASONS)[number];

/**
 * The file system refused (recognised by the error's `code`, never by its message): a full
 * or read-only disk, permissions, open files, a path that is not what it must be (a folder
 * where a file should be, a file in the middle of a path, nothing there, a link to nothing),
 * a failing disk or network mount (src/path-errors.ts says which, naming the path).
 */
export const DISK_REASONS = ['disk-full', 'read-only', 'permission-denied', 'too-many-files', 'bad-path', 'io-error'] as const satisfies readonly PathReason[];

/** How Slurm ended an array element that did not report its tasks (src/executors/slurm/failures.ts). */
export const SLURM_REASONS = ['slurm-timeout', 'slurm-out-of-memory', 'slurm-cancelled', 'slurm-node-fail', 'slurm-boot-fail', 'slurm-preempted', 'slurm-deadline', 'slurm-failed', 'slurm-unknown', 'slurm-record-missing', 'slurm-task-missing'] as const;

const REPORTED: ReadonlySet<string> = new Set<string>([...RUN_REASONS, ...INPUT_REASONS, ...CLUSTERING_REASONS, ...RUNNING_REASONS, ...FITS_REASONS, ...WCS_REASONS, ...SLURM_REASONS]);

/** An error caused by the user's input: printed as `message` + `hint`, never with a stack. */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    readonly reason: UserErrorReason,
    message: string,
    readonly hint?: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

/** What every failure says: what went wrong, for a person, and what to do. */
interface Said {
  readonly message: string;
  readonly hint?: string;
}

/** A problem the user can fix, as the code that found it reported it. */
export interface ReportedFailure extends Said {
  readonly reason: UserErrorReason | (typeof SLURM_REASONS)[number];
}

/** The file system refused a write or an open (a full disk, a read-only one, permissions, open files). */
export interface DiskFailure extends Said {
  readonly reason: (typeof DISK_REASONS)[number];
  readonly hint: string;
}

/** An error without a reason: a bug in a stage (or in sfh-pipeline), kept with its stack. */
export interface StageThrew extends Said {
  readonly reason: 'stage-threw';
  readonly stack?: string;
}

/** Not run because an instance it needs failed: it names that one, the root cause, and carries its failure. */
export interface UpstreamFailed extends Said {
  readonly reason: 'upstream-failed';
  /** The instance whose failure this is, e.g. `collapse-smooth[37]`. */
  readonly root: string;
  readonly cause: Failure;
}

/** Not run: the run stopped first (--fail-fast, an interrupt). */
export interface Cancelled extends Said {
  readonly reason: 'cancelled';
}

/** Why a stage instance (or a task, or a command) did not end well. */
export type Failure = ReportedFailure | DiskFailure | StageThrew | UpstreamFailed | Cancelled;

/** Every reason a failure can have. */
export type FailureReason = Failure['reason'];

/** An error that carries a failure already made (e.g. in a stage worker, where the error was). */
export class FailureError extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

/**
 * Anything thrown, as a failure: the file system's errors by their `code` (a FITS write that
 * failed keeps it), errors with a known reason as the user's to fix, an error with a reason
 * this tool does not know (a user's own stage) as `stage-failed` with its message and hint,
 * and anything else as a bug (`stage-threw`, with its stack).
 */
export function toFailure(err: unknown): Failure {
  if (err instanceof FailureError) return err.failure;
  if (!(err instanceof Error)) return { reason: 'stage-threw', message: String(err) };
  const e = err as Error & { reason?: unknown; hint?: unknown; code?: unknown; path?: unknown };
  const disk = pathProblem(err);
  if (disk) return { reason: disk.reason, message: disk.message, hint: disk.hint };
  const hint = typeof e.hint === 'string' ? { hint: e.hint } : {};
  if (typeof e.reason === 'string') return { reason: REPORTED.has(e.reason) ? (e.reason as ReportedFailure['reason']) : 'stage-failed', message: withoutHint(e.message, e.hint), ...hint };
  return { reason: 'stage-threw', message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
}

/** A message that ends with its own hint (the WCS module's do) without it: the hint is said once, after it. */
function withoutHint(message: string, hint: unknown): string {
  if (typeof hint !== 'string' || hint === '' || !message.endsWith(hint)) return message;
  return message.slice(0, -hint.length).replace(/[\s.:;,-]+$/, '') || message;
}
