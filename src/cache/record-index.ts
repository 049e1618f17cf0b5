/**
 * The keys the cache holds, by stage and galaxy: what `explain` compares an instance's key
 * with when the cache cannot serve it, so the reason names what differs from a result the
 * cache does have (`param k 4 -> 5`), not from whatever ran last (a run with another
 * `--out` would otherwise differ in dozens of unrelated ways). Built only when some
 * instance is not cached: the first bytes of every record name its instance (the store
 * writes `instance` before the fields), so only the records of the stages and galaxies
 * asked about are read whole. A record that cannot be read is passed over (the store
 * reports corrupt records where it meets them).
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import type { KeyFields } from './key.ts';

/** One cached key: its fields, the instance and run that stored it, and when. */
export interface CachedKey {
  readonly key: string;
  readonly instance: string;
  readonly fields: KeyFields;
  readonly createdAt: string;
  /** The run that stored it (its start and command), when the record says. */
  readonly run?: { readonly started?: string; readonly command?: string };
}

/** How much of a record holds its `instance` (`{"format": 1, "key": "<64 hex>", "instance": ...`). */
const HEAD = 512;

/** Cached keys by stage and galaxy. */
export class RecordIndex {
  private heads?: { readonly file: string; readonly instance: string }[];
  private readonly byInstance = new Map<string, CachedKey[]>();

  /** `dir` is the cache folder (its `records/` are read). */
  constructor(private readonly dir: string) {}

  /** Every cached key of `stage` for `galaxy` (`all` for a catalog-level stage). */
  keysOf(stage: string, galaxy: string): readonly CachedKey[] {
    const id = `${stage}\0${galaxy}`;
    let keys = this.byInstance.get(id);
    if (keys) return keys;
    keys = [];
    const prefix = `${stage}[${galaxy}`;
    for (const { file, instance } of (this.heads ??= this.readHeads())) {
      if (!instance.startsWith(prefix) || !/^[\] ]/.test(instance.slice(prefix.length))) continue;
      try {
        const rec = JSON.parse(readFileSync(file, 'utf8')) as Partial<CachedKey>;
        if (rec.fields?.stage === stage && rec.fields.galaxy === galaxy && typeof rec.key === 'string') keys.push({ key: rec.key, instance, fields: rec.fields, createdAt: rec.createdAt ?? '', ...(rec.run ? { run: rec.run } : {}) });
      } catch {
        // a torn or foreign file: not a key the cache can serve
      }
    }
    this.byInstance.set(id, keys);
    return keys;
  }

  /** The instance each record names, from its first bytes. */
  private readHeads(): { file: string; instance: string }[] {
    const heads: { file: string; instance: string }[] = [];
    const records = path.join(this.dir, 'records');
    let shards: string[] = [];
    try {
      shards = readdirSync(records);
    } catch {
      return heads;
    }
    const buf = Buffer.alloc(HEAD);
    for (const shard of shards) {
      let names: string[] = [];
      try {
        names = readdirSync(path.join(records, shard));
      } catch {
        continue;
      }
      for (const name of names) {
        if (!name.endsWith('.json')) continue;
        const file = path.join(records, shard, name);
        let fd: number | undefined;
        try {
          fd = openSync(file, 'r');
          const n = readSync(fd, buf, 0, HEAD, 0);
          const m = /"instance":\s*("(?:[^"\\]|\\.)*")/.exec(buf.toString('utf8', 0, n));
          if (m?.[1]) heads.push({ file, instance: JSON.parse(m[1]) as string });
        } catch {
          // unreadable: passed over
        } finally {
          if (fd !== undefined) closeSync(fd);
        }
      }
    }
    return heads;
  }
}
