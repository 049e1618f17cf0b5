/**
 * `explain` and `dag`: for every instance of a plan, whether it is cached or would run,
 * and exactly why, without running anything. The reasons compare the key the instance
 * would have now with the key of the last time that stage ran for that galaxy:
 * `cluster: param k 4 -> 5`, `mass-map: input CDP....fits changed`,
 * `collapse-smooth: code of stages/collapse-smooth.ts changed`.
 */
import path from 'node:path';
import type { FileHasher } from '../cache/file-hash.ts';
import type { KeyFields } from '../cache/key.ts';
import type { Cache, CacheRecord } from '../cache/store.ts';
import { CATALOG_ROW, type Instance, type Plan } from '../pipeline/analyse.ts';
import type { RunInfo } from '../stage.ts';
import { EngineEmitter } from './events.ts';
import { contextFor, keyFor, type Done, type RunContext } from './instance.ts';
import { loadStageModule } from './modules.ts';

/** Whether an instance is cached or would run, and why. */
export interface Explanation {
  readonly instance: Instance;
  readonly state: 'cached' | 'would-run';
  /** Empty when cached; otherwise every reason found, most specific first. */
  readonly reasons: readonly string[];
}

/** Explains every instance of the plan, in execution order. */
export async function explainPlan(plan: Plan, opts: { cache: Cache; hasher: FileHasher; run: RunInfo }): Promise<Explanation[]> {
  const rc: RunContext = { root: plan.pipeline.root, run: opts.run, cache: opts.cache, hasher: opts.hasher, events: new EngineEmitter(), signal: new AbortController().signal, claimed: new Map(), done: new Map() };
  const out: Explanation[] = [];
  const wouldRun = new Set<string>();
  for (const inst of plan.instances) {
    const module = await loadStageModule(rc.root, inst.stage);
    const latest = opts.cache.latest(rc.root, inst.stage.name, inst.row.id);
    const pendingDeps = [...inst.deps].filter(([, d]) => wouldRun.has(d.id)).map(([name]) => name);
    let reasons: string[] = [];
    let record: CacheRecord | undefined;
    let fields: KeyFields | undefined;
    try {
      const computed = keyFor(rc, inst, module, contextFor(rc, inst, []));
      fields = computed.fields;
      record = pendingDeps.length ? undefined : opts.cache.lookup(computed.key);
    } catch (err) {
      // Without an upstream output (it would run and never ran) the inputs are unknown.
      if (pendingDeps.length === 0) reasons.push(`cannot tell its inputs yet (${(err as Error).message})`);
    }
    if (record) {
      const missing = Object.entries(record.output.files).filter(([f, h]) => opts.hasher.hash(f) !== h).map(([f]) => f);
      if (missing.length === 0) {
        rc.done.set(inst.id, doneFrom(record));
        out.push({ instance: inst, state: 'cached', reasons: [] });
        continue;
      }
      reasons.push(...missing.map((f) => `output ${path.basename(f)} is missing or was changed`));
    }
    reasons.push(...pendingDeps.map((name) => (inst.items ? `${name.replace(/^([^[]+)\[(\S+)(.*)\]$/, 'galaxy $2$3: $1')} would run` : `upstream ${name} would run`)));
    if (fields) reasons.push(...diff(latest?.fields, fields, rc.root, pendingDeps));
    if (reasons.length === 0) reasons = [latest ? 'its cached result is gone (removed by cache gc, or found corrupt)' : 'never ran'];
    wouldRun.add(inst.id);
    // Downstream inputs() still need this stage's meta: the last record's is the best guess.
    if (latest) rc.done.set(inst.id, { ...doneFrom(latest), outputHash: `pending:${inst.id}` });
    out.push({ instance: inst, state: 'would-run', reasons: [...new Set(reasons)] });
  }
  return out;
}

function doneFrom(record: CacheRecord): Done {
  return { status: 'cached', outputHash: record.outputHash, key: record.key, fields: record.fields, files: Object.keys(record.output.files), record };
}

/** What differs between the last key of this stage for this galaxy and the key it would have now. */
function diff(before: KeyFields | undefined, now: KeyFields, root: string, pending: readonly string[]): string[] {
  if (!before) return ['never ran'];
  const reasons: string[] = [];
  for (const name of new Set([...Object.keys(before.params), ...Object.keys(now.params)])) {
    const a = before.params[name];
    const b = now.params[name];
    if (a !== b) reasons.push(`param ${name} ${a ?? '(none)'} -> ${b ?? '(none)'}`);
  }
  for (const file of new Set([...Object.keys(before.code.files), ...Object.keys(now.code.files)])) {
    if (before.code.files[file] !== now.code.files[file]) reasons.push(`code of ${file} changed`);
  }
  for (const file of new Set([...Object.keys(before.inputs), ...Object.keys(now.inputs)])) {
    const a = before.inputs[file];
    const b = now.inputs[file];
    const name = path.relative(root, file).startsWith('..') ? path.basename(file) : path.relative(root, file);
    if (a === undefined) reasons.push(`input ${name} is new`);
    else if (b === undefined) reasons.push(`input ${name} is no longer read`);
    else if (a !== b) reasons.push(b === 'absent' ? `input ${name} is gone` : a === 'absent' ? `input ${name} appeared` : `input ${name} changed`);
  }
  if (JSON.stringify(before.row ?? null) !== JSON.stringify(now.row ?? null)) reasons.push('its catalog row changed');
  if (now.galaxy === CATALOG_ROW.id) return [...reasons, ...fanInDiff(before.upstream, now.upstream, pending)];
  for (const name of Object.keys(now.upstream)) {
    if (!pending.includes(name) && before.upstream[name] !== now.upstream[name]) reasons.push(`upstream ${name} output changed`);
  }
  return reasons;
}

/**
 * A catalog-level instance's upstream is keyed by instance id (`write[122 k=4]`), so the
 * reasons can name the galaxy: new to the selection, gone from it, its result changed,
 * or left out now (or no longer).
 */
function fanInDiff(before: Readonly<Record<string, string>>, now: Readonly<Record<string, string>>, pending: readonly string[]): string[] {
  const reasons: string[] = [];
  const label = (id: string): string => {
    const m = /^([^[]+)\[(\S+)(.*)\]$/.exec(id);
    return m ? `galaxy ${m[2]}${m[3] ?? ''}: ${m[1]}` : id;
  };
  for (const id of Object.keys(now)) {
    if (pending.includes(id)) continue;
    const a = before[id];
    const b = now[id];
    if (a === undefined) reasons.push(`${label(id)} is new to the selection`);
    else if (a !== b) reasons.push(b === 'excluded' ? `${label(id)} is left out now (failed or skipped)` : a === 'excluded' ? `${label(id)} is back (it was left out)` : `${label(id)} output changed`);
  }
  for (const id of Object.keys(before)) if (!(id in now)) reasons.push(`${label(id)} is no longer in the selection`);
  return reasons;
}
