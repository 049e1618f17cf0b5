/** The lock file's shape (src/provenance/lock.ts reads and writes it). */
import type { ParamValue } from '../stage.ts';
import type { LockCode, LockOutput, LockRun } from './records.ts';

/** A stage instance as the lock keeps it (see ./merge.ts for how it is made). */
export interface LockInstance {
  readonly stage: string;
  /** The galaxy id; `all` for a catalog-level instance. */
  readonly galaxy: string;
  /** Its code: a reference into the lock's `code` table. */
  readonly code: string;
  /** Its parameters: a reference into the lock's `params` table (a catalog-level instance: those of its chain too, less the swept ones). */
  readonly params: string;
  /** Files it read that are not outputs in the lock, by lock path, with their sha256. */
  readonly inputs?: Readonly<Record<string, string>>;
  /** Outputs of the lock it read (a plot its FITS, report.html every result of its folder): how many, and a digest of their paths and hashes. */
  readonly reads?: { readonly files: number; readonly sha256: string };
  /** The instances it needs (references); a catalog-level instance names only the catalog-level ones it read. */
  readonly needs?: readonly string[];
  /** Only catalog-level: its point on its own axes, its galaxies, every swept value it covered, and when and by which command it was made. */
  readonly point?: Readonly<Record<string, ParamValue>>;
  readonly galaxies?: readonly string[];
  readonly sweep?: Readonly<Record<string, readonly ParamValue[]>>;
  readonly run?: LockRun;
}

/** The lock file. */
export interface Lock {
  readonly version: 2;
  readonly tool: string;
  /** The pipeline file (lock path) and its sha256 when the lock was last written. */
  readonly pipeline: { readonly file: string; readonly sha256: string };
  readonly code: Readonly<Record<string, LockCode>>;
  readonly params: Readonly<Record<string, Readonly<Record<string, ParamValue>>>>;
  readonly instances: Readonly<Record<string, LockInstance>>;
  /** By lock path. */
  readonly outputs: Readonly<Record<string, LockOutput>>;
}

