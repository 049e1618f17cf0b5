/**
 * Who a catalog-level stage ran without, as the report lists them: one line per galaxy and
 * reason (not one per k), with the stage it ended at and the sweep points.
 */
import type { Excluded } from '../stage.ts';
import type { LeftOut } from './html.ts';
import { compareGalaxies } from './plots/result.ts';

/** The left-out galaxies of `excluded`, grouped by galaxy, status, stage and reason, in catalog order. */
export function leftOutOf(excluded: readonly Excluded[]): LeftOut[] {
  const groups = new Map<string, { galaxy: string; status: string; stage: string; reason: string; points: string[] }>();
  for (const e of excluded) {
    const stage = e.instance.replace(/\[.*$/, '');
    // A failure upstream of the instance the stage needed is a failure of the galaxy; the reason says where.
    const status = e.status === 'upstream-failed' ? 'failed' : e.status === 'cancelled' ? 'not run' : e.status;
    const key = JSON.stringify([e.galaxy, status, stage, e.reason]);
    const g = groups.get(key) ?? { galaxy: e.galaxy, status, stage, reason: e.reason, points: [] };
    const point = Object.entries(e.point).map(([a, v]) => `${a}=${String(v)}`).join(' ');
    if (point && !g.points.includes(point)) g.points.push(point);
    groups.set(key, g);
  }
  return [...groups.values()]
    .map((g) => ({ ...g, points: g.points.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })) }))
    .sort((a, b) => compareGalaxies(a.galaxy, b.galaxy) || (a.status < b.status ? -1 : a.status > b.status ? 1 : 0));
}
