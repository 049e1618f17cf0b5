/**
 * A cache record as it is written and as it is trusted: sealed with the sha256 of its own
 * canonical JSON (`checksum`), so a flipped byte anywhere in it (a key's parts, the warnings,
 * the output) is found, by a lookup and by `cache verify` alike, and the record is never used.
 * Records written before the checksum existed are accepted when their output hash matches
 * and they hold exactly the fields they had then (a flip in the word `checksum` would
 * otherwise pass a sealed record off as an old one).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Json } from '../stage.ts';
import { canonicalJson, sha256 } from './canonical.ts';
import type { KeyFields } from './key.ts';

/** Bumped when the record format changes; older records are then misses. */
export const CACHE_FORMAT = 1;

/**
 * What identifies the checks of {@link parseRecord}: the format and the sha256 of this
 * module's own code. The cache's list of records found intact (verified-records.ts) vouches
 * for a record only under the same checks.
 */
export const CHECKS: string = sha256(`${CACHE_FORMAT}\n${readFileSync(fileURLToPath(import.meta.url), 'utf8')}`).slice(0, 32);

/** Where an array of a cached output lives. */
export interface ArrayRef {
  readonly object: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly bytes: number;
}

/** What the cache keeps for an instance key. */
export interface CacheRecord {
  readonly format: number;
  readonly key: string;
  readonly instance: string;
  readonly fields: KeyFields;
  readonly output: {
    readonly meta: { readonly [key: string]: Json };
    readonly arrays: Readonly<Record<string, ArrayRef>>;
    /** Files written outside the cache, with their sha256 when the record was made. */
    readonly files: Readonly<Record<string, string>>;
    readonly skip: string | null;
  };
  /** Hash of `output`: what downstream keys use, so identical results stop a rerun. */
  readonly outputHash: string;
  /** What the stage warned about when it ran: repeated whenever the record answers a run (absent in records of earlier versions). */
  readonly warnings?: readonly string[];
  readonly createdAt: string;
  /** When and by which command the run that made it started (RunInfo; not in any hash): a cached output keeps them. */
  readonly run?: { readonly started?: string; readonly command?: string };
  /** sha256 of the record's canonical JSON without this field (absent in records of earlier versions). */
  readonly checksum?: string;
}

/** The hash downstream keys use for an output: meta, array object hashes, files and skip. */
export function outputHashOf(output: CacheRecord['output']): string {
  return sha256(canonicalJson(output as unknown as Json));
}

/** The fields every record has. */
const REQUIRED = ['createdAt', 'fields', 'format', 'instance', 'key', 'output', 'outputHash'];
/** The fields only a sealed record has. */
const SEALED = ['checksum', 'warnings'];
/** A field a record may have or not (the run that made it). */
const OPTIONAL = ['run'];

/** The checksum a record carries: the sha256 of its canonical JSON without the checksum. */
export function checksumOf(rec: Omit<CacheRecord, 'checksum'>): string {
  const { checksum: _ignored, ...rest } = rec as CacheRecord;
  return sha256(canonicalJson(rest as unknown as Json));
}

/** A record with its checksum. */
export function sealRecord(rec: Omit<CacheRecord, 'checksum'>): CacheRecord {
  return { ...rec, checksum: checksumOf(rec) };
}

/**
 * The record in `text` if it can be trusted as the record of `key`, or what is wrong with
 * it: not JSON, an older format, another key, fields missing or unknown, an output whose
 * hash is not the one recorded, a checksum that does not match.
 */
export function parseRecord(text: string, key: string): { record: CacheRecord } | { problem: string; older?: true } {
  let rec: CacheRecord;
  try {
    rec = JSON.parse(text) as CacheRecord;
  } catch (err) {
    return { problem: `not valid JSON (${(err as Error).message})` };
  }
  if (!rec || typeof rec !== 'object' || Array.isArray(rec)) return { problem: 'not a record (a JSON object)' };
  if (rec.format !== CACHE_FORMAT) return typeof rec.format === 'number' && rec.format < CACHE_FORMAT ? { problem: `written in the older cache format ${rec.format}`, older: true } : { problem: `format ${JSON.stringify(rec.format)} is not ${CACHE_FORMAT}` };
  if (rec.key !== key) return { problem: `it is the record of key ${String(rec.key).slice(0, 12)}, not of ${key.slice(0, 12)} (its file name)` };
  // (exactly a record's fields: a flipped byte in the word `checksum` must not pass a sealed record off as an unsealed one)
  const names = Object.keys(rec);
  const sealed = SEALED.filter((f) => names.includes(f)).length;
  const unknown = names.filter((f) => !REQUIRED.includes(f) && !SEALED.includes(f) && !OPTIONAL.includes(f));
  if (unknown.length || REQUIRED.some((f) => !names.includes(f)) || (sealed !== 0 && sealed !== SEALED.length)) return { problem: `its fields are ${names.sort().join(', ')}, not a record's` };
  if (rec.run !== undefined && (typeof rec.run !== 'object' || rec.run === null || Array.isArray(rec.run))) return { problem: 'its run is not a run' };
  if (!rec.output || typeof rec.output !== 'object' || typeof rec.output.arrays !== 'object' || typeof rec.output.files !== 'object') return { problem: 'its output is not an output' };
  if (rec.outputHash !== outputHashOf(rec.output)) return { problem: 'its output does not match its output hash' };
  if ('checksum' in rec && rec.checksum !== checksumOf(rec)) return { problem: 'its checksum does not match its content' };
  if ('warnings' in rec && (!Array.isArray(rec.warnings) || rec.warnings.some((w) => typeof w !== 'string'))) return { problem: 'its warnings are not a list of strings' };
  return { record: rec };
}
