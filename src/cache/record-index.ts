/**
 * The keys the cache holds, by stage and galaxy: what `explain` compares an instance's key
 * with when the cache cannot serve it, so the reason names what differs from a result the
 * cache does have (`param k 4 -> 5`), not from whatever ran last (a run with another
 * `--out` would otherwise differ in dozens of unrelated ways). Read once per command, and
 * only when some instance is not cached; a record that cannot be read is passed over (the
 * store reports corrupt records where it meets them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { KeyFields } from './key.ts';

/** One cached key: its fields and when it was stored. */
export interface CachedKey {
  readonly key: string;
  readonly fields: KeyFields;
  readonly createdAt: string;
}

/** Cached keys by `stage\0galaxy`. */
export class RecordIndex {
  private byInstance?: Map<string, CachedKey[]>;

  /** `dir` is the cache folder (its `records/` are read). */
  constructor(private readonly dir: string) {}

  /** Every cached key of `stage` for `galaxy` (`all` for a catalog-level stage). */
  keysOf(stage: string, galaxy: string): readonly CachedKey[] {
    this.byInstance ??= this.read();
    return this.byInstance.get(`${stage}\0${galaxy}`) ?? [];
  }

  private read(): Map<string, CachedKey[]> {
    const index = new Map<string, CachedKey[]>();
    const records = path.join(this.dir, 'records');
    let shards: string[] = [];
    try {
      shards = readdirSync(records);
    } catch {
      return index;
    }
    for (const shard of shards) {
      let names: string[] = [];
      try {
        names = readdirSync(path.join(records, shard));
      } catch {
        continue;
      }
      for (const name of names) {
        if (!name.endsWith('.json')) continue;
        try {
          const rec = JSON.parse(readFileSync(path.join(records, shard, name), 'utf8')) as Partial<CachedKey>;
          if (!rec.fields || typeof rec.key !== 'string') continue;
          const id = `${rec.fields.stage}\0${rec.fields.galaxy}`;
          const list = index.get(id) ?? [];
          list.push({ key: rec.key, fields: rec.fields, createdAt: rec.createdAt ?? '' });
          index.set(id, list);
        } catch {
          // a torn or foreign file: not a key the cache can serve
        }
      }
    }
    return index;
  }
}
