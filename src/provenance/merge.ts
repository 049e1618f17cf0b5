/**
 * Merging a run's records into the lock: instances once, by reference; their code and
 * parameter sets once, in tables they refer to; each output once, under the folder it lives
 * in now; nothing that no output needs. The result depends only on what the entries say,
 * never on the order runs happened in, so a rerun that changes one galaxy changes only that
 * galaxy's lines (and those of the catalog-level outputs that gather it).
 */
import path from 'node:path';
import { canonicalJson, sha256 } from '../cache/canonical.ts';
import type { Json, ParamValue } from '../stage.ts';
import type { Lock, LockInstance } from './types.ts';
import { REF_LENGTH, type LockRecords, type RawInstance } from './records.ts';

/** `base` with `records` merged in (neither is changed). */
export function mergeLock(base: Lock, records: LockRecords, header: Pick<Lock, 'tool' | 'pipeline'>): Lock {
  const code = { ...base.code };
  const params: Record<string, Readonly<Record<string, ParamValue>>> = { ...base.params };
  const instances = { ...base.instances };
  const outputs = { ...base.outputs };

  // Each output once, under the folder it lives in now: a file this run wrote replaces the
  // entries of the same file name made by the same stage for the same galaxy elsewhere (the
  // run before had another --out), so no old folder's entries stay mixed in.
  const identity = (file: string, ref: string): string | undefined => {
    const inst = records.instances.get(ref) ?? base.instances[ref];
    return inst && `${inst.stage}\0${inst.galaxy}\0${path.posix.basename(file)}`;
  };
  const byIdentity = new Map<string, string[]>();
  for (const [file, out] of Object.entries(base.outputs)) {
    const id = identity(file, out.by);
    if (id) byIdentity.set(id, [...(byIdentity.get(id) ?? []), file]);
  }
  for (const [file, out] of records.outputs) {
    const id = identity(file, out.by);
    for (const other of (id && byIdentity.get(id)) || []) if (other !== file) delete outputs[other];
    outputs[file] = out;
  }

  // What an instance read that an instance it needs already records is not repeated.
  const needsOf = (ref: string) => records.instances.get(ref)?.needs ?? base.instances[ref]?.needs ?? [];
  const inputsOf = (ref: string) => records.instances.get(ref)?.inputs ?? base.instances[ref]?.inputs ?? {};
  const upstream = (raw: RawInstance): Set<string> => {
    const seen = new Set<string>();
    const stack = [...raw.needs];
    while (stack.length) {
      const ref = stack.pop() as string;
      if (seen.has(ref)) continue;
      seen.add(ref);
      stack.push(...needsOf(ref));
    }
    return seen;
  };
  for (const [ref, raw] of records.instances) {
    const codeRef = raw.code.slice(0, REF_LENGTH);
    const known = records.code.get(raw.code);
    if (known || !code[codeRef]) code[codeRef] = known ?? { stage: raw.stage, files: {} };
    const above = upstream(raw);
    const said = (file: string, hash: string) => (outputs[file]?.sha256 === hash && above.has(outputs[file].by)) || [...above].some((r) => inputsOf(r)[file] === hash);
    instances[ref] = entryOf(raw, codeRef, tableRef(params, raw.params), outputs, said);
  }

  // Only what some output needs stays: instances reachable from an output, and their code and parameters.
  const live = new Set<string>();
  const stack = Object.values(outputs).map((o) => o.by);
  while (stack.length) {
    const ref = stack.pop() as string;
    if (live.has(ref) || !instances[ref]) continue;
    live.add(ref);
    stack.push(...(instances[ref].needs ?? []));
  }
  const kept = Object.fromEntries(Object.entries(instances).filter(([ref]) => live.has(ref)));
  const usedCode = new Set(Object.values(kept).map((i) => i.code));
  const usedParams = new Set(Object.values(kept).map((i) => i.params));
  return {
    version: 2,
    ...header,
    code: sorted(Object.fromEntries(Object.entries(code).filter(([ref]) => usedCode.has(ref)))),
    params: sorted(Object.fromEntries(Object.entries(params).filter(([ref]) => usedParams.has(ref)))),
    instances: sorted(kept),
    outputs: sorted(outputs),
  };
}

/**
 * An instance as the lock keeps it: its code and parameters by reference, and the files it
 * read with their sha256, less what other entries say: a file an instance it needs read too
 * (mass-map reads load-cubes' cube), or wrote (a plot reads its write's FITS), is left out;
 * of the outputs of the lock it read otherwise (report.html reads every result of its
 * folder), only how many and a digest of their names and hashes.
 */
function entryOf(raw: RawInstance, code: string, params: string, outputs: Lock['outputs'], said: (file: string, hash: string) => boolean): LockInstance {
  const inputs: Record<string, string> = {};
  const read: string[] = [];
  for (const [file, hash] of Object.entries(raw.inputs)) {
    if (said(file, hash)) continue;
    if (outputs[file]?.sha256 === hash) read.push(`${file}\t${hash}`);
    else inputs[file] = hash;
  }
  return {
    stage: raw.stage,
    galaxy: raw.galaxy,
    code,
    params,
    ...(Object.keys(inputs).length ? { inputs } : {}),
    ...(read.length ? { reads: readsDigest(read) } : {}),
    ...(raw.needs.length ? { needs: [...new Set(raw.needs)].sort() } : {}),
    ...(raw.point ? { point: raw.point } : {}),
    ...(raw.galaxies ? { galaxies: raw.galaxies } : {}),
    ...(raw.sweep ? { sweep: raw.sweep } : {}),
    ...(raw.run ? { run: raw.run } : {}),
  };
}

/** How many lock outputs an instance read, and sha256 (first 16 hex) of their `path<TAB>sha256` lines, sorted. */
export function readsDigest(lines: string[]): { files: number; sha256: string } {
  return { files: lines.length, sha256: sha256(lines.sort().join('\n')).slice(0, 16) };
}

/** The reference of a parameter set in `table`, adding it when new. */
function tableRef(table: Record<string, Readonly<Record<string, ParamValue>>>, set: RawInstance['params']): string {
  const text = canonicalJson(set as Json);
  const ref = sha256(text).slice(0, REF_LENGTH);
  const known = table[ref];
  if (known && canonicalJson(known as Json) !== text) throw new Error(`internal: two parameter sets share the lock reference ${ref}`);
  if (!known) table[ref] = Object.fromEntries(Object.keys(set).sort().map((k) => [k, set[k] as never]));
  return ref;
}

function sorted<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k] as T]));
}
