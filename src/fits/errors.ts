/**
 * The one error type of the FITS module. Callers tell failures apart by `reason` (never by
 * parsing the message), and the message itself is written for the astronomer: it names the
 * file and the HDU, says what was expected, and `hint` says what to do next.
 */

import { basename } from 'node:path';

/** Why a FITS operation failed; kebab-case so a reporter can `switch` over it exhaustively. */
export type FitsErrorReason =
  | 'not-fits'
  | 'truncated'
  | 'no-end-card'
  | 'bad-checksum'
  | 'bad-bitpix'
  | 'no-such-hdu'
  | 'compressed'
  | 'size-mismatch'
  | 'bad-header'
  | 'not-image'
  | 'not-table'
  | 'no-such-column'
  | 'write-failed';

/** Fields a {@link FitsError} is built from; `code` is the errno name (ENOSPC ...) when there is one. */
export interface FitsErrorInit {
  readonly reason: FitsErrorReason;
  readonly file: string;
  /** What went wrong, without the file name (the constructor prefixes it). */
  readonly detail: string;
  readonly hint: string;
  readonly code?: string;
  readonly cause?: unknown;
}

/**
 * A failure to read or write a FITS file. The message starts with the file's base name so
 * that a log line is enough to find the culprit; `file` keeps the full path.
 */
export class FitsError extends Error {
  readonly reason: FitsErrorReason;
  readonly file: string;
  readonly hint: string;
  /** The operating system's error code (e.g. `ENOSPC`) when an fs call failed. */
  readonly code: string | undefined;

  constructor(init: FitsErrorInit) {
    super(`${basename(init.file)}: ${init.detail}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'FitsError';
    this.reason = init.reason;
    this.file = init.file;
    this.hint = init.hint;
    this.code = init.code;
  }
}

/** How an HDU is named in messages: `'DATA'` when it has a name, `#3` otherwise. */
export function hduLabel(index: number, name: string): string {
  return name === '' ? `#${index}` : `'${name}'`;
}
