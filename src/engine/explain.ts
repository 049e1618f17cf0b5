/**
 * `explain` and `dag`: for every instance of a plan, whether it is cached, skipped or would
 * run, and exactly why, without running anything. The reasons compare the key the instance
 * would have now with the key of the last time that stage ran for that galaxy:
 * `cluster: param k 4 -> 5`, `mass-map: input CDP....fits changed`,
 * `collapse-smooth: code of stages/collapse-smooth.ts changed`. An instance whose cached
 * outcome is a skip (a host without a pPXF fit) is skipped, and so are the per-galaxy
 * instances after it: a rerun would not run them either.
 */
import path from 'node:path';
import type { FileHasher } from '../cache/file-hash.ts';
import type { KeyFields } from '../cache/key.ts';
import type { Cache, CacheRecord } from '../cache/store.ts';
import type { Instance, Plan } from '../pipeline/analyse.ts';
import type { RunInfo } from '../stage.ts';
import { EngineEmitter } from './events.ts';
import { keyFor, type Done, type RunContext } from './instance.ts';
import { kindOf, type Kind } from './kinds/index.ts';

/** Whether an instance is cached, skipped or would run, and why. */
export interface Explanation {
  readonly instance: Instance;
  readonly state: 'cached' | 'skipped' | 'would-run';
  /**
   * Empty when cached; when skipped, the skip's reason (a dependent's names the instance
   * that skipped: `load-cubes[205] skipped: no pPXF output ...`); otherwise every reason it
   * would run, most specific first.
   */
  readonly reasons: readonly string[];
}

/** Explains every instance of the plan, in execution order. */
export async function explainPlan(plan: Plan, opts: { cache: Cache; hasher: FileHasher; run: RunInfo }): Promise<Explanation[]> {
  const rc: RunContext = { root: plan.pipeline.root, run: opts.run, cache: opts.cache, hasher: opts.hasher, events: new EngineEmitter(), signal: new AbortController().signal, claimed: new Map(), done: new Map() };
  const out: Explanation[] = [];
  const wouldRun = new Set<string>();
  /** Instances whose cached outcome is a skip (or that follow one), with the skip's words. */
  const skipped = new Map<string, string>();
  for (const inst of plan.instances) {
    const kind = kindOf(inst);
    // After a skip, a per-galaxy instance is skipped too (a catalog-level one gathers the rest).
    const after = kind.gathers ? undefined : [...inst.deps.values()].find((d) => skipped.has(d.id));
    if (after) {
      const why = skipped.get(after.id) as string;
      skipped.set(inst.id, why);
      out.push({ instance: inst, state: 'skipped', reasons: [why] });
      continue;
    }
    const latest = opts.cache.latest(rc.root, inst.stage.name, inst.row.id);
    const pendingDeps = [...inst.deps].filter(([, d]) => wouldRun.has(d.id)).map(([name]) => name);
    let reasons: string[] = [];
    let record: CacheRecord | undefined;
    let fields: KeyFields | undefined;
    try {
      const computed = keyFor(rc, inst, await kind.bind(rc, inst, [], {}));
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
        if (record.output.skip !== null) {
          skipped.set(inst.id, `${inst.id} skipped: ${record.output.skip}`);
          out.push({ instance: inst, state: 'skipped', reasons: [record.output.skip] });
        } else out.push({ instance: inst, state: 'cached', reasons: [] });
        continue;
      }
      reasons.push(...missing.map((f) => `output ${path.basename(f)} is missing or was changed`));
    }
    reasons.push(...pendingDeps.map((name) => kind.pending(name)));
    if (fields) reasons.push(...diff(kind, latest?.fields, fields, rc.root, pendingDeps));
    if (reasons.length === 0) reasons = [latest ? 'its cached result is gone (removed by cache gc, or found corrupt)' : 'never ran'];
    wouldRun.add(inst.id);
    // Downstream inputs() still need this stage's meta: the last record's is the best guess.
    if (latest) rc.done.set(inst.id, { ...doneFrom(latest), outputHash: `pending:${inst.id}` });
    out.push({ instance: inst, state: 'would-run', reasons: [...new Set(reasons)] });
  }
  return out;
}

function doneFrom(record: CacheRecord): Done {
  const skip = record.output.skip;
  return { status: skip !== null ? 'skipped' : 'cached', outputHash: record.outputHash, key: record.key, fields: record.fields, files: Object.keys(record.output.files), ...(skip !== null ? { skip } : {}), record };
}

/** What differs between the last key of this stage for this galaxy and the key it would have now. */
function diff(kind: Kind, before: KeyFields | undefined, now: KeyFields, root: string, pending: readonly string[]): string[] {
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
  return [...reasons, ...kind.upstreamChanges(before.upstream, now.upstream, pending)];
}
