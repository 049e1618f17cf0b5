/**
 * `explain` and `dag`: for every instance of a plan, whether it is cached, skipped or would
 * run, and exactly why, without running anything. An instance is cached when the cache would
 * serve its key (and the files it wrote are intact). An instance whose cached outcome is a
 * skip (a host without a pPXF fit) is skipped, and so are the per-galaxy instances after it:
 * a rerun would not run them either. When an instance would run, the reasons compare the key
 * it would have now with the nearest key the cache holds for that stage and galaxy (the one
 * differing in the fewest parts; of equals, the newest): what would have to change back for
 * the cache to serve it. `cluster: param k 4 -> 5`, `mass-map: input CDP....fits changed`,
 * `collapse-smooth: code of stages/my-stage.ts changed`, `its declaration in pipeline.yaml
 * changed`.
 */
import path from 'node:path';
import type { FileHasher } from '../cache/file-hash.ts';
import type { KeyFields } from '../cache/key.ts';
import { RecordIndex, type CachedKey } from '../cache/record-index.ts';
import { lastRun } from '../cache/runs.ts';
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
  const index = new RecordIndex(opts.cache.dir);
  const order = new Map(plan.instances.map((inst, i) => [inst.id, i]));
  const lastKeys = lastRunKeys(opts.cache.dir);
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
    const candidates = index.keysOf(inst.stage.name, inst.row.id);
    if (fields && !record) reasons.push(...nearestDiff(kind, candidates, fields, rc.root, pendingDeps, { latest, order, lastKeys }));
    if (reasons.length === 0) reasons = [candidates.length ? 'its cached result is gone (removed by cache gc, or found corrupt)' : 'never ran'];
    wouldRun.add(inst.id);
    // Downstream inputs() still need this stage's meta: the last record's is the best guess.
    if (latest) rc.done.set(inst.id, { ...doneFrom(latest), outputHash: `pending:${inst.id}` });
    out.push({ instance: inst, state: 'would-run', reasons: [...new Set(reasons)] });
  }
  return out;
}

/** The cache keys the project's last run used (none when no run is recorded). */
function lastRunKeys(cacheDir: string): Set<string> {
  const last = lastRun(path.join(cacheDir, 'runs'));
  if (!last) return new Set();
  return new Set([...[...last.tasks.values()].flatMap((t) => t.keys ?? []), ...last.catalogKeys]);
}

function doneFrom(record: CacheRecord): Done {
  const skip = record.output.skip;
  return { status: skip !== null ? 'skipped' : 'cached', outputHash: record.outputHash, key: record.key, fields: record.fields, files: Object.keys(record.output.files), ...(skip !== null ? { skip } : {}), record };
}

/**
 * What differs between the key an instance would have now and the nearest key the cache
 * holds for its stage and galaxy: the fewest differences. Of equals: a key the project's last
 * run used (ran or cached: its run record lists them), then one of the run that last ran
 * this stage for this galaxy (`latest`, and the keys stored with the same run start and
 * command), then the one latest in the plan's order (in a sweep run on workers, which point
 * finished last is chance: the answer must not be), then the newest. None: it never ran (or
 * what it made is gone).
 */
function nearestDiff(kind: Kind, candidates: readonly CachedKey[], now: KeyFields, root: string, pending: readonly string[], tie: { latest: CacheRecord | undefined; order: ReadonlyMap<string, number>; lastKeys: ReadonlySet<string> }): string[] {
  let best: string[] | undefined;
  const runOf = (run: CachedKey['run']) => (run?.started || run?.command ? `${run.started ?? ''}\0${run.command ?? ''}` : undefined);
  const lastRan = runOf(tie.latest?.run);
  const tier = (c: CachedKey) => (tie.lastKeys.has(c.key) ? 2 : c.key === tie.latest?.key || (lastRan !== undefined && runOf(c.run) === lastRan) ? 1 : 0);
  const rank = (c: CachedKey): [number, number, string] => [tier(c), tie.order.get(c.instance) ?? -1, c.createdAt];
  const before = (a: CachedKey, b: CachedKey): number => {
    const [ra, rb] = [rank(a), rank(b)];
    return rb[0] - ra[0] || rb[1] - ra[1] || (ra[2] < rb[2] ? 1 : ra[2] > rb[2] ? -1 : 0);
  };
  for (const c of [...candidates].sort(before)) {
    const reasons = diff(kind, c.fields, now, root, pending);
    // Nothing else differs: with an upstream that would run, that says it all; otherwise it
    // is the same key, whose record is gone (the caller says so).
    if (reasons.length === 0) {
      if (pending.length) return [];
      continue;
    }
    // (candidates come best-ranked first: of equal counts, the first one stays)
    if (!best || reasons.length < best.length) best = reasons;
  }
  return best ?? (candidates.length ? [] : ['never ran']);
}

/** What differs between a cached key of this stage for this galaxy and the key it would have now. */
function diff(kind: Kind, before: KeyFields, now: KeyFields, root: string, pending: readonly string[]): string[] {
  const reasons: string[] = [];
  if (before.decl !== now.decl) reasons.push('its declaration in pipeline.yaml changed');
  else if (before.producer?.pipelineHash !== now.producer?.pipelineHash) reasons.push('the declarations of the stages it records (PIPEHASH) changed in pipeline.yaml');
  if (before.producer?.version !== now.producer?.version) reasons.push(`sfh-pipeline ${before.producer?.version ?? '(none)'} -> ${now.producer?.version ?? '(none)'} (its FITS cards record the version)`);
  for (const name of new Set([...Object.keys(before.params), ...Object.keys(now.params)])) {
    const a = before.params[name];
    const b = now.params[name];
    if (a !== b) reasons.push(`param ${name} ${a ?? '(none)'} -> ${b ?? '(none)'}`);
  }
  for (const file of new Set([...Object.keys(before.code.files), ...Object.keys(now.code.files)])) {
    if (before.code.files[file] !== now.code.files[file]) reasons.push(`code of ${file} changed`);
  }
  // (with an upstream that would run, the files it will read are a guess from its last output)
  for (const file of pending.length ? [] : new Set([...Object.keys(before.inputs), ...Object.keys(now.inputs)])) {
    const a = before.inputs[file];
    const b = now.inputs[file];
    const name = path.relative(root, file).startsWith('..') ? path.basename(file) : path.relative(root, file);
    if (a === undefined) reasons.push(`input ${name} is new`);
    else if (b === undefined) reasons.push(`input ${name} is no longer read`);
    else if (a !== b) reasons.push(b === 'absent' ? `input ${name} is gone` : a === 'absent' ? `input ${name} appeared` : `input ${name} changed`);
  }
  if (JSON.stringify(before.row ?? null) !== JSON.stringify(now.row ?? null)) reasons.push('its catalog row changed');
  const upstream = kind.upstreamChanges(before.upstream, now.upstream, pending);
  // A stage that records its lineage re-runs when a recorded upstream parameter changed,
  // even if that upstream's output did not.
  if (upstream.length === 0 && pending.length === 0 && before.lineage && now.lineage) {
    for (const name of new Set([...Object.keys(before.lineage.params), ...Object.keys(now.lineage.params)])) {
      if (name in now.params) continue;
      const a = before.lineage.params[name];
      const b = now.lineage.params[name];
      if (a !== b) reasons.push(`recorded param ${name} ${a ?? '(none)'} -> ${b ?? '(none)'}`);
    }
  }
  return [...reasons, ...upstream];
}
