/**
 * A catalog-level module stage (`over: catalog`): once over every selected galaxy, at one
 * point of its own axes. It runs on whatever it gathers that ended well, in the main thread
 * once the galaxies are done (it reads every galaxy's outputs, which are here already),
 * and records who was left out and why. Its key's upstream part is by instance id
 * (`write[122 k=4]`), so `explain` can name the galaxy that changed.
 */
import type { CatalogInstance, Instance } from '../../pipeline/analyse.ts';
import type { CatalogStageContext, CatalogUpstream, Excluded, FanInItemContext, StageOutput } from '../../stage.ts';
import { catalogUpstream, stageContext, upstreamOf, type Gathered } from '../context.ts';
import { loadStageModule, stageCodeHash } from '../modules.ts';
import { lineageOf, outputOf, upstreamHashes, type Ended, type RunContext } from '../run-context.ts';
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
    const ctx: CatalogContext = stageContext(
      specOf(rc, inst),
      { upstream: catalogUpstream(inst.stage.name), ...reporting(rc, inst, warnings), signal: rc.signal, lineage: () => lineageOf(rc, inst, inst.params, own.inputs ?? {}) },
      gather(rc, catalogOnly(inst)),
    );
    return {
      inputs: () => module.inputs?.(ctx) ?? [],
      outputs: () => module.outputs?.(ctx) ?? [],
      provenance: module.provenance === true,
      code: () => stageCodeHash(rc.root, inst.stage),
      upstream: () => gatheredHashes(rc, inst),
      async run(materialize) {
        // (what it left out has no output to load)
        for (const dep of inst.deps.values()) if (rc.done.has(dep.id)) await materialize(dep);
        return module.run(ctx);
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
 * What a catalog-level instance runs on: the items whose upstream instances all ended
 * well (ran or cached, not skipped), the rest as {@link Excluded}, and the outputs of the
 * catalog-level instances it needs.
 */
export function gather(rc: RunContext, inst: CatalogInstance): Gathered {
  const items: FanInItemContext[] = [];
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
      items.push({
        row: { id: item.row.id },
        point: item.point,
        upstream: upstreamOf(inst.stage.name, (need) => {
          const dep = item.deps.get(need);
          return dep && outputOf(rc, dep);
        }),
      });
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
