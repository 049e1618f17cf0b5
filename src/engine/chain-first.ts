/**
 * The order in which the engine starts the catalog-level instances once every galaxy has
 * ended: the head of the longest chain of catalog-level dependents first. They become ready
 * at the same moment, and the first to reach the worker pool gets the worker that ran the
 * galaxies, its stage modules imported and warmed, while a later one may wait for a new
 * worker to boot and import its code. In the bundled pipeline `dtd` (then `dtd-models`,
 * then `report`) is that chain and `summarise` a leaf: `dtd` started second waited ~0.3 s
 * for a new worker while `summarise` ran in ~50 ms in the warm one (docs/benchmark.md).
 */
import type { Instance } from '../pipeline/analyse.ts';

/**
 * `catalog` (each after those it needs, as a plan lists them) sorted by the length of its
 * longest chain of dependents among them, longest first; ties keep their order.
 */
export function longestChainFirst(catalog: readonly Instance[]): Instance[] {
  const ids = new Set(catalog.map((i) => i.id));
  const dependents = new Map<string, Instance[]>();
  for (const inst of catalog) {
    for (const dep of inst.deps.values()) if (ids.has(dep.id)) dependents.set(dep.id, [...(dependents.get(dep.id) ?? []), inst]);
  }
  const chain = new Map<string, number>();
  // (a dependent comes after what it needs: walk the list backwards)
  for (const inst of [...catalog].reverse()) chain.set(inst.id, Math.max(0, ...(dependents.get(inst.id) ?? []).map((d) => 1 + (chain.get(d.id) ?? 0))));
  return catalog.map((inst, i) => ({ inst, i, n: chain.get(inst.id) ?? 0 })).sort((a, b) => b.n - a.n || a.i - b.i).map((x) => x.inst);
}
