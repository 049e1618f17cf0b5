/**
 * The records the last run found intact, by the sha256 of their text: what lets a rerun
 * trust a record without recomputing its checksum. A record is trusted when its checksum
 * (the sha256 of its canonical JSON) and its output hash match; both are recomputed from
 * the parsed record, ~60 % of what an unchanged rerun spent on each cached instance. Text
 * whose sha256 is one a full check passed for the same key, under the same checks, is that
 * same text, so the full check would pass again: the record is parsed and used, its
 * objects checked as always. Any other text (a record changed in any byte, one written
 * since, one never seen) gets the full check, which reports a damaged one as before.
 *
 * One file, `verified-records.txt` in the cache folder, written atomically at the end of
 * a run (only when its list changed) with the records that run used or stored: a header
 * line with the sha256 of the rest and of the checks' own code (record.ts: a version that
 * checks otherwise vouches for nothing of an earlier one), then `<key> <sha256>` per line.
 * Read in one pass when the first record is looked up; a file that does not match its
 * sha256, or is not this format, vouches for nothing (and is replaced at the end).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './atomic.ts';
import { sha256 } from './canonical.ts';
import { CHECKS } from './record.ts';

/** The index file's name in the cache folder. */
export const VERIFIED_FILE = 'verified-records.txt';

const FORMAT = 'sfh-pipeline verified records 1';

/** Records known intact by their text's sha256, and those this run used. */
export class VerifiedRecords {
  private loaded?: ReadonlyMap<string, string>;
  private readonly used = new Map<string, string>();

  constructor(private readonly dir: string) {}

  /** Whether `text` is, byte for byte, a record of `key` that passed the full check (`digest`: its sha256). */
  vouches(key: string, digest: string): boolean {
    return this.entries().get(key) === digest;
  }

  /** Notes a record of `key` (text of sha256 `digest`) that passed the full check, or was just written. */
  note(key: string, digest: string): void {
    this.used.set(key, digest);
  }

  /** Forgets `key` (its record is gone or was found unusable). */
  forget(key: string): void {
    this.used.delete(key);
  }

  /** Writes what this run used, when that differs from what the file says; never throws (the file only saves time). */
  save(): void {
    if (this.used.size === 0) return;
    const before = this.entries();
    if (before.size === this.used.size && [...this.used].every(([k, d]) => before.get(k) === d)) return;
    const body = [...this.used].map(([k, d]) => `${k} ${d}\n`).join('');
    try {
      writeFileAtomic(path.join(this.dir, VERIFIED_FILE), `${JSON.stringify({ format: FORMAT, checks: CHECKS, records: this.used.size, sha256: sha256(body) })}\n${body}`);
    } catch {
      // (a cache folder that cannot take it: the next run checks every record in full)
    }
  }

  private entries(): ReadonlyMap<string, string> {
    this.loaded ??= readVerified(path.join(this.dir, VERIFIED_FILE));
    return this.loaded;
  }
}

/** The file's entries; none when it is absent, damaged or of other checks. */
function readVerified(file: string): ReadonlyMap<string, string> {
  const none = new Map<string, string>();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return none;
  }
  const eol = text.indexOf('\n');
  if (eol < 0) return none;
  let head: { format?: unknown; checks?: unknown; records?: unknown; sha256?: unknown };
  try {
    head = JSON.parse(text.slice(0, eol)) as typeof head;
  } catch {
    return none;
  }
  const body = text.slice(eol + 1);
  if (head?.format !== FORMAT || head.checks !== CHECKS || head.sha256 !== sha256(body)) return none;
  const out = new Map<string, string>();
  for (const line of body.split('\n')) {
    if (line === '') continue;
    const [key, digest, more] = line.split(' ');
    if (key === undefined || digest === undefined || more !== undefined) return none;
    out.set(key, digest);
  }
  return out.size === head.records ? out : none;
}
