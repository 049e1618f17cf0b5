/**
 * Expands a validated pipeline, the selected catalog rows and the parameter values into
 * stage instances. A parameter with several values (`--k 2..8`) is a sweep axis: a stage
 * that reads it, and everything downstream, gets one instance per value, while the stages
 * upstream stay one instance per galaxy and are shared. A catalog-level stage (`over:
 * catalog`) becomes one instance per point of its own axes (its swept params and `per`),
 * gathering its needs' instances of every selected galaxy and every other point. The
 * engine runs the result and has no special case for k.
 */
import { UserError } from '../errors.ts';
import type { CatalogRow, ParamValue } from '../stage.ts';
import type { Pipeline, StageDecl } from './types.ts';

/** What every instance has: a stage, at one point of the sweep axes that stage depends on. */
interface InstanceBase {
  /** Stable, readable id: `cluster[122 k=4 seed=0]`, `summarise[all]`. */
  readonly id: string;
  readonly stage: StageDecl;
  readonly row: CatalogRow;
  /** The values of the parameters the stage declares. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The sweep axes this instance depends on, with their values (its part of the sweep point). */
  readonly point: Readonly<Record<string, ParamValue>>;
}

/** One stage for one galaxy at one point of the sweep axes that stage depends on. */
export interface GalaxyInstance extends InstanceBase {
  readonly scope: 'galaxy';
  /** The instances of its `needs`, by stage name. */
  readonly deps: ReadonlyMap<string, Instance>;
}

/** A catalog-level stage (`over: catalog`) once over every selected galaxy, at one point of its own axes. */
export interface CatalogInstance extends InstanceBase {
  readonly scope: 'catalog';
  /**
   * Every instance it gathers (those of its {@link items} and the catalog-level instances it
   * needs), by instance id, so the engine waits for, keys on and frees them as any dependency.
   */
  readonly deps: ReadonlyMap<string, Instance>;
  /** One item per selected galaxy and point of the axes it gathers, in catalog order. */
  readonly items: readonly FanInItem[];
}

/**
 * A stage instance, told apart by `scope` as pipeline.yaml's `over:` tells the stages apart.
 * How each kind runs (a per-galaxy module, a catalog-level module, a shell command) is
 * chosen in one place, src/engine/kinds/index.ts.
 */
export type Instance = GalaxyInstance | CatalogInstance;

/** What a catalog-level instance gathers for one galaxy at one point. */
export interface FanInItem {
  readonly row: CatalogRow;
  /** The item's point on the sweep axes its upstream instances depend on. */
  readonly point: Readonly<Record<string, ParamValue>>;
  /** The item's upstream instances, by stage name (its per-galaxy `needs`). */
  readonly deps: ReadonlyMap<string, Instance>;
}

/**
 * The row of a catalog-level instance: `all` is what `--galaxy` calls the whole catalog,
 * so no galaxy can have that id, and ids read `summary[all]`, `dtd[all k=15]`.
 */
export const CATALOG_ROW: CatalogRow = Object.freeze({ id: 'all', fields: Object.freeze({}) });

/** One galaxy at one full point of the sweep: a row of `--json` and of the summary. */
export interface Task {
  readonly row: CatalogRow;
  readonly point: Readonly<Record<string, ParamValue>>;
  /** Every instance the task needs, in execution order (shared ones included). */
  readonly instances: readonly Instance[];
}

/** What the engine runs. */
export interface Plan {
  readonly pipeline: Pipeline;
  readonly rows: readonly CatalogRow[];
  /** Every parameter's values; those with more than one are the sweep axes. */
  readonly values: ReadonlyMap<string, readonly ParamValue[]>;
  readonly axes: readonly string[];
  /** Every instance once, each after its dependencies. */
  readonly instances: readonly Instance[];
  readonly tasks: readonly Task[];
  /** The catalog-level instances (also at the end of `instances`), each after those it needs. */
  readonly catalog: readonly Instance[];
}

/** Expands the pipeline over rows and parameter values. */
export function analyse(pipeline: Pipeline, rows: readonly CatalogRow[], values: ReadonlyMap<string, readonly ParamValue[]>): Plan {
  const axes = [...values].filter(([, v]) => v.length > 1).map(([name]) => name);
  for (const axis of axes) {
    if (!pipeline.stages.some((s) => s.params.includes(axis))) {
      throw new UserError('usage', `parameter \`${axis}\` has several values, but no stage reads it`, 'give it a single value, or list it under a stage’s params in pipeline.yaml');
    }
  }
  // The sweep axes each stage depends on: its own, plus those of everything it needs. A
  // catalog-level stage depends only on its own and its `per` axes: it gathers the others.
  const stageAxes = new Map<string, string[]>();
  for (const stage of pipeline.stages) {
    const set = new Set([...stage.params, ...(stage.over?.per ?? [])].filter((p) => axes.includes(p)));
    if (!stage.over) for (const need of stage.needs) for (const a of stageAxes.get(need) ?? []) set.add(a);
    stageAxes.set(stage.name, axes.filter((a) => set.has(a)));
  }
  const perGalaxy = pipeline.stages.filter((s) => !s.over);
  const needed = new Set(perGalaxy.flatMap((s) => s.needs));
  const sinks = perGalaxy.filter((s) => !needed.has(s.name));
  const points = cartesian(axes.map((a) => [a, values.get(a) ?? []] as const));

  const byId = new Map<string, Instance>();
  const order: Instance[] = [];
  const instanceFor = (stage: StageDecl, row: CatalogRow, full: Record<string, ParamValue>): Instance => {
    const point: Record<string, ParamValue> = {};
    for (const a of stageAxes.get(stage.name) ?? []) point[a] = full[a] as ParamValue;
    const id = instanceId(stage.name, row.id, point);
    const existing = byId.get(id);
    if (existing) return existing;
    const deps = new Map<string, Instance>();
    for (const need of stage.needs) {
      const decl = pipeline.stages.find((s) => s.name === need);
      if (decl) deps.set(need, instanceFor(decl, row, full));
    }
    const params: Record<string, ParamValue> = {};
    for (const p of stage.params) params[p] = p in point ? (point[p] as ParamValue) : (values.get(p)?.[0] as ParamValue);
    const inst: Instance = { scope: 'galaxy', id, stage, row, params, point, deps };
    byId.set(id, inst);
    order.push(inst);
    return inst;
  };
  const paramsOf = (stage: StageDecl, point: Readonly<Record<string, ParamValue>>): Record<string, ParamValue> =>
    Object.fromEntries(stage.params.map((p) => [p, p in point ? (point[p] as ParamValue) : (values.get(p)?.[0] as ParamValue)]));

  const tasks: Task[] = [];
  for (const row of rows) {
    for (const point of points) {
      const mine: Instance[] = [];
      const seen = new Set<string>();
      const collect = (inst: Instance): void => {
        if (seen.has(inst.id)) return;
        seen.add(inst.id);
        for (const dep of inst.deps.values()) collect(dep);
        mine.push(inst);
      };
      for (const sink of sinks) collect(instanceFor(sink, row, point));
      tasks.push({ row, point, instances: mine });
    }
  }
  const catalog: Instance[] = [];
  for (const stage of pipeline.stages.filter((s) => s.over)) {
    const own = stageAxes.get(stage.name) ?? [];
    const itemNeeds = stage.needs.map((n) => pipeline.stages.find((s) => s.name === n)).filter((d): d is StageDecl => d !== undefined && !d.over);
    const gathered = axes.filter((a) => !own.includes(a) && itemNeeds.some((n) => stageAxes.get(n.name)?.includes(a)));
    for (const point of cartesian(own.map((a) => [a, values.get(a) ?? []] as const))) {
      const deps = new Map<string, Instance>();
      const items: FanInItem[] = [];
      for (const row of rows) {
        for (const g of cartesian(gathered.map((a) => [a, values.get(a) ?? []] as const))) {
          const full = { ...point, ...g };
          const mine = new Map<string, Instance>();
          for (const need of itemNeeds) {
            const dep = instanceFor(need, row, full);
            mine.set(need.name, dep);
            deps.set(dep.id, dep);
          }
          if (mine.size) items.push({ row, point: g, deps: mine });
        }
      }
      // Catalog-level needs: their instances that agree with this point on the axes both have.
      for (const other of catalog) {
        if (!stage.needs.includes(other.stage.name)) continue;
        if (Object.entries(other.point).every(([a, v]) => !(a in point) || point[a] === v)) deps.set(other.id, other);
      }
      const inst: Instance = { scope: 'catalog', id: instanceId(stage.name, CATALOG_ROW.id, point), stage, row: CATALOG_ROW, params: paramsOf(stage, point), point, deps, items };
      byId.set(inst.id, inst);
      catalog.push(inst);
    }
  }
  return { pipeline, rows, values, axes, instances: [...order, ...catalog], tasks, catalog };
}

/** `cluster[122 k=4 seed=0]`: the stage, the galaxy and its sweep point. */
export function instanceId(stage: string, galaxy: string, point: Readonly<Record<string, ParamValue>>): string {
  const parts = Object.entries(point).map(([k, v]) => `${k}=${v}`);
  return `${stage}[${[galaxy, ...parts].join(' ')}]`;
}

function cartesian(axes: readonly (readonly [string, readonly ParamValue[]])[]): Record<string, ParamValue>[] {
  let points: Record<string, ParamValue>[] = [{}];
  for (const [name, vals] of axes) {
    points = points.flatMap((p) => vals.map((v) => ({ ...p, [name]: v })));
  }
  return points;
}

/**
 * The plan with only the tasks `keep` accepts (and the instances they need). With
 * `catalog: true` the catalog-level instances stay, with everything they gather, so a
 * resumed run's summary still covers every galaxy (those done before come from the
 * cache); without it they go (a Slurm array element runs its galaxy's tasks only).
 */
export function restrictPlan(plan: Plan, keep: (task: Task) => boolean, options: { catalog?: boolean } = {}): Plan {
  const tasks = plan.tasks.filter(keep);
  const needed = new Set(tasks.flatMap((t) => t.instances.map((i) => i.id)));
  const catalog = options.catalog ? plan.catalog : [];
  const visit = (inst: Instance): void => {
    if (needed.has(inst.id)) return;
    needed.add(inst.id);
    for (const dep of inst.deps.values()) visit(dep);
  };
  for (const inst of catalog) visit(inst);
  return { ...plan, tasks, catalog, rows: plan.rows.filter((r) => tasks.some((t) => t.row === r)), instances: plan.instances.filter((i) => needed.has(i.id)) };
}
