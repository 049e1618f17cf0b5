/**
 * Reading a lock file of the first format (sfh-pipeline before version 2 of the lock): one
 * entry per output with every parameter and input of its chain, absolute paths. Each entry
 * becomes an instance of the stage that wrote the file (its chain flattened into it: all its
 * parameters and inputs, no `needs`), so `verify` plans it as before, and the next run
 * rewrites the file in the current format, keeping these entries.
 */
import path from 'node:path';
import type { ParamValue } from '../stage.ts';
import { toLockPath } from './paths.ts';
import { LockRecords, refOf } from './records.ts';

/** An output's entry in a first-format lock. */
export interface V1Entry {
  readonly sha256: string;
  readonly galaxy: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly inputs: Readonly<Record<string, string>>;
  /** By stage, in the order they ran: the last one wrote the file. */
  readonly stages: Readonly<Record<string, { readonly code: string; readonly key: string }>>;
  readonly galaxies?: readonly string[];
  readonly sweep?: Readonly<Record<string, readonly ParamValue[]>>;
}

/** First-format entries (by output path, absolute or relative to `dir`) as records. */
export function recordsFromV1(entries: Readonly<Record<string, V1Entry>>, dir: string): LockRecords {
  const out = new LockRecords();
  // (an absolute path in a string parameter was a `path` parameter: the first format had them absolute)
  const rel = (v: ParamValue): ParamValue => (typeof v === 'string' && path.isAbsolute(v) ? toLockPath(dir, v) : v);
  for (const [file, e] of Object.entries(entries)) {
    const writer = Object.entries(e.stages ?? {}).at(-1);
    if (!writer || typeof e.sha256 !== 'string') continue;
    const [stage, { code, key }] = writer;
    const ref = refOf(key);
    const sweep = e.sweep ? Object.fromEntries(Object.entries(e.sweep).map(([axis, values]) => [axis, values.map(rel)])) : undefined;
    if (!out.instances.has(ref)) {
      out.instances.set(ref, {
        stage,
        galaxy: e.galaxy,
        code,
        params: Object.fromEntries(Object.entries(e.params ?? {}).filter(([name]) => !(sweep && name in sweep)).map(([name, v]) => [name, rel(v)])),
        inputs: Object.fromEntries(Object.entries(e.inputs ?? {}).map(([f, h]) => [toLockPath(dir, path.resolve(dir, f)), h])),
        needs: [],
        ...(e.galaxies ? { point: {}, galaxies: e.galaxies } : {}),
        ...(sweep ? { sweep } : {}),
      });
    }
    out.outputs.set(toLockPath(dir, path.resolve(dir, file)), { sha256: e.sha256, by: ref });
  }
  return out;
}
