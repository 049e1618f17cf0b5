/**
 * Errors a user can meet, as values with a reason code, the file or galaxy they concern
 * and what to do about them. A plain `Error` reaching the top level is a bug in this tool;
 * a `UserError` is a problem with the user's input, reported without a stack trace.
 */

/** Kebab-case reasons; each one is documented in docs/errors.md. */
export type UserErrorReason =
  | 'usage'
  | 'pipeline-invalid'
  | 'catalog-invalid'
  | 'unknown-galaxy'
  | 'empty-selection'
  | 'missing-input'
  | 'bad-input'
  | 'no-valid-pixels'
  | 'stage-failed'
  | 'upstream-failed';

/** An error caused by the user's input: printed as `message` + `hint`, never with a stack. */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    readonly reason: UserErrorReason | string,
    message: string,
    readonly hint?: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

/** One line for a user: the message and, when there is one, what to do. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const hint = (err as { hint?: unknown }).hint;
    return typeof hint === 'string' && hint !== '' ? `${err.message} (${hint})` : err.message;
  }
  return String(err);
}

/** True for errors that describe bad input rather than a bug (no stack trace is shown). */
export function isUserFacing(err: unknown): boolean {
  return err instanceof Error && typeof (err as { reason?: unknown }).reason === 'string';
}
