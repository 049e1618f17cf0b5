/**
 * A catalog-level module stage (`over: catalog`): once over every selected galaxy, at one
 * point of its own axes. It runs once the galaxies are done, on whatever it gathers that
 * ended well, and records who was left out and why. It gets each galaxy's meta and files
 * (./catalog-items.ts), never the galaxies' arrays, and runs on a stage worker, so the live
 * view goes on while it works (in the main thread where there are no workers). Its key's
 * upstream part is by instance id (`write[122 k=4]`), so `explain` can name the galaxy that
 * changed.
 */
import { checkedOutput } from '../output-shape.ts';
import type { CatalogInstance, Instance } from '../../pipeline/analyse.ts';
import type { CatalogStageContext, CatalogUpstream, Excluded, StageOutput } from '../../stage.ts';
import { catalogUpstream, stageContext } from '../context.ts';
import { loadStageModule, runnableModulePath, stageCodeHash } from '../modules.ts';
import { lineageOf, outputOf, upstreamHashes, type Ended, type RunContext } from '../run-context.ts';
import { gatheredFrom, itemOutput, type ItemOutput, type PlainGathered } from './catalog-items.ts';
import { reporting, specOf } from './galaxy.ts';
import type { Bound, Kind } from './kind.ts';

/** The context of a catalog-level instance: its items, who was left out, and the catalog-level outputs it needs. */
export type CatalogContext = CatalogStageContext;

/** A catalog-level module stage. */
export const catalogKind: Kind = {
  name: 'catalog',
  gathers: true,
  blocker: () => undefined,
  async bind(rc, inst, warnings, own) {
    const module = await loadStageModule(rc.root, inst.stage);
    const links = { upstream: catalogUpstream(inst.stage.name), ...reporting(rc, inst, warnings), signal: rc.signal, lineage: () => lineageOf(rc, inst, inst.params, own.inputs ?? {}) };
    const ctx: CatalogContext = stageContext(specOf(rc, inst), links, gatheredFrom(inst.stage.name, gather(rc, catalogOnly(inst))));
    return {
      inputs: () => module.inputs?.(ctx) ?? [],
      outputs: () => module.outputs?.(ctx) ?? [],
      provenance: module.provenance === true,
      // (a catalog-level stage always has its gathering to do)
      skip: () => undefined,
      // (it reads every galaxy's outputs, not files it could hash on the way)
      hashesInputs: false,
      code: () => stageCodeHash(rc.root, inst.stage),
      upstream: () => gatheredHashes(rc, inst),
      async run(materialize) {
        // The catalog-level outputs it reads whole (their arrays too); the galaxies' meta and files only.
        for (const dep of inst.deps.values()) if (dep.scope === 'catalog' && rc.done.has(dep.id)) await materialize(dep);
        const gathered = gather(rc, catalogOnly(inst));
        if (!rc.pool) return checkedOutput(await module.run(stageContext(specOf(rc, inst), links, gatheredFrom(inst.stage.name, gathered))), inst.stage.name);
        return rc.pool.run({ module: runnableModulePath(rc.root, inst.stage.module), spec: specOf(rc, inst), lineage: ctx.lineage, upstream: {}, gathered }, { progress: (info) => ctx.progress(info), warn: (message) => ctx.warn(message) }, rc.signal);
      },
    } satisfies Bound;
  },
  report(rc, inst, done) {
    const gathering = catalogOnly(inst);
    return { excluded: gather(rc, gathering).excluded, items: gathering.items.length, meta: done.output?.meta ?? done.record?.output.meta ?? {} };
  },
  pending: (id) => `${label(id)} would run`,
  upstreamChanges(before, now, pending) {
    const reasons: string[] = [];
    for (const id of Object.keys(now)) {
      if (pending.includes(id)) continue;
      const a = before[id];
      const b = now[id];
      if (a === undefined) reasons.push(`${label(id)} is new to the selection`);
      else if (a !== b) reasons.push(b === EXCLUDED ? `${label(id)} is left out now (failed or skipped)` : a === EXCLUDED ? `${label(id)} is back (it was left out)` : `${label(id)} output changed`);
    }
    for (const id of Object.keys(before)) if (!(id in now)) reasons.push(`${label(id)} is no longer in the selection`);
    return reasons;
  },
};

/** The key's mark for a gathered instance that did not end well: its recovery reruns the fan-in. */
const EXCLUDED = 'excluded';

/** The upstream part of a catalog-level instance's key: every gathered instance's output hash, by instance id. */
export function gatheredHashes(rc: RunContext, inst: Instance): Record<string, string> {
  return upstreamHashes(rc, inst, EXCLUDED);
}

/** A gathered instance as `explain` names it: `write[122 k=4]` -> `galaxy 122 k=4: write`. */
function label(id: string): string {
  const m = /^([^[]+)\[(\S+)(.*)\]$/.exec(id);
  return m ? `galaxy ${m[2]}${m[3] ?? ''}: ${m[1]}` : id;
}

/** The instance as the catalog-level one it is (the kinds that gather are chosen for these only). */
export function catalogOnly(inst: Instance): CatalogInstance {
  if (inst.scope !== 'catalog') throw new Error(`internal: ${inst.id} is not catalog-level`);
  return inst;
}

/**
 * What a catalog-level instance runs on, as plain data: the items whose upstream instances
 * all ended well (ran or cached, not skipped) with their outputs' meta and files, the rest as
 * {@link Excluded}, and the outputs of the catalog-level instances it needs.
 */
export function gather(rc: RunContext, inst: CatalogInstance): PlainGathered {
  const items: PlainGathered['items'][number][] = [];
  const excluded: Excluded[] = [];
  const badOf = (dep: Instance): Ended | undefined => {
    const done = rc.done.get(dep.id);
    if (done) return done.status === 'skipped' ? { status: 'skipped', reason: done.skip ?? 'skipped', instance: dep.id } : undefined;
    // (explain has no ended map: an upstream it cannot tell yet counts as left out)
    return rc.ended?.get(dep.id) ?? { status: 'failed', reason: 'did not finish', instance: dep.id };
  };
  for (const item of inst.items) {
    let bad: Excluded | undefined;
    for (const dep of item.deps.values()) {
      const b = badOf(dep);
      if (b) {
        bad = { galaxy: item.row.id, point: item.point, ...b };
        break;
      }
    }
    if (bad) excluded.push(bad);
    else {
      const upstream: Record<string, ItemOutput> = {};
      for (const [need, dep] of item.deps) upstream[need] = itemOutput(outputOf(rc, dep));
      items.push({ row: { id: item.row.id }, point: item.point, upstream });
    }
  }
  const catalog: CatalogUpstream[] = [];
  for (const dep of inst.deps.values()) {
    if (dep.scope !== 'catalog') continue;
    const b = badOf(dep);
    if (b) excluded.push({ galaxy: dep.row.id, point: dep.point, ...b });
    else catalog.push({ stage: dep.stage.name, point: dep.point, output: outputOf(rc, dep) as StageOutput });
  }
  return { items, excluded, catalog };
}
