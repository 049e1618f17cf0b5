/**
 * Expands a validated pipeline, the selected catalog rows and the parameter values into
 * stage instances. A parameter with several values (`--k 2..8`) is a sweep axis: a stage
 * that reads it, and everything downstream, gets one instance per value, while the stages
 * upstream stay one instance per galaxy and are shared. The engine runs the result and
 * has no special case for k.
 */
import { UserError } from '../errors.ts';
import type { CatalogRow, ParamValue } from '../stage.ts';
import type { Pipeline, StageDecl } from './types.ts';

/** One stage for one galaxy at one point of the sweep axes that stage depends on. */
export interface Instance {
  /** Stable, readable id: `cluster[122 k=4 seed=0]`. */
  readonly id: string;
  readonly stage: StageDecl;
  readonly row: CatalogRow;
  /** The values of the parameters the stage declares. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The sweep axes this instance depends on, with their values (its part of the sweep point). */
  readonly point: Readonly<Record<string, ParamValue>>;
  /** The instances of its `needs`, by stage name. */
  readonly deps: ReadonlyMap<string, Instance>;
}

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
}

/** Expands the pipeline over rows and parameter values. */
export function analyse(pipeline: Pipeline, rows: readonly CatalogRow[], values: ReadonlyMap<string, readonly ParamValue[]>): Plan {
  const axes = [...values].filter(([, v]) => v.length > 1).map(([name]) => name);
  for (const axis of axes) {
    if (!pipeline.stages.some((s) => s.params.includes(axis))) {
      throw new UserError('usage', `parameter \`${axis}\` has several values, but no stage reads it`, 'give it a single value, or list it under a stage’s params in pipeline.yaml');
    }
  }
  // The sweep axes each stage depends on: its own, plus those of everything it needs.
  const stageAxes = new Map<string, string[]>();
  for (const stage of pipeline.stages) {
    const set = new Set(stage.params.filter((p) => axes.includes(p)));
    for (const need of stage.needs) for (const a of stageAxes.get(need) ?? []) set.add(a);
    stageAxes.set(stage.name, axes.filter((a) => set.has(a)));
  }
  const needed = new Set(pipeline.stages.flatMap((s) => s.needs));
  const sinks = pipeline.stages.filter((s) => !needed.has(s.name));
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
    const inst: Instance = { id, stage, row, params, point, deps };
    byId.set(id, inst);
    order.push(inst);
    return inst;
  };

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
  return { pipeline, rows, values, axes, instances: order, tasks };
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

/** The plan with only the tasks `keep` accepts (and the instances they need). */
export function restrictPlan(plan: Plan, keep: (task: Task) => boolean): Plan {
  const tasks = plan.tasks.filter(keep);
  const needed = new Set(tasks.flatMap((t) => t.instances.map((i) => i.id)));
  return { ...plan, tasks, rows: plan.rows.filter((r) => tasks.some((t) => t.row === r)), instances: plan.instances.filter((i) => needed.has(i.id)) };
}
