/**
 * What `verify` recomputes, as few plans as the lock allows: each catalog-level output's
 * plan (its galaxies, every swept value it covered, the parameters of its chain) also
 * recomputes every per-galaxy output it covers, so a catalog run is verified by one plan that
 * does the run's work once, on every core; the per-galaxy outputs left over are grouped by
 * their parameters (any k) into as few plans as possible, so each galaxy's shared stages
 * (the medians of its cubes) run once for all of its outputs.
 */
import path from 'node:path';
import type { Pipeline } from '../pipeline/types.ts';
import type { ParamValue } from '../stage.ts';
import type { LockRun } from './records.ts';
import type { Lock, LockInstance } from './types.ts';
import { fromLockPath, planParams } from './paths.ts';

/** One output of the lock, as verify checks it. */
export interface Checked {
  /** As the lock names it (relative to its folder). */
  readonly stored: string;
  /** Absolute. */
  readonly file: string;
  readonly sha256: string;
  /** The instance that wrote it. */
  readonly inst: LockInstance;
  /** The parameters of its chain (paths absolute), as a plan takes them. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Input files of its chain that are not outputs of the lock (absolute) with their locked sha256. */
  readonly inputs: Readonly<Record<string, string>>;
}

/** A plan that recomputes some of the lock's outputs. */
export interface VerifyPlan {
  /** Galaxy ids, in the order they were selected. */
  readonly galaxies: string[];
  /** Every non-swept parameter it plans with (paths absolute), `out` among them. */
  readonly params: Record<string, ParamValue>;
  /** The swept parameters and their values (k among them). */
  readonly sweep: Record<string, ParamValue[]>;
  /** Whether it keeps the catalog-level stages (it recomputes a catalog-level output). */
  readonly catalog: boolean;
  readonly outputs: Checked[];
  /** The run each catalog-level instance is recomputed with, by instance id. */
  readonly runs: Map<string, LockRun>;
  /** Outputs of the lock in the plan's output folder that it does not recompute but a catalog-level stage may read (the folder's other results). */
  readonly seed: string[];
}

/** What verify does with the lock's outputs: the plans, and those it cannot recompute apart from the original, with why. */
export interface VerifyWork {
  readonly plans: VerifyPlan[];
  readonly unplanned: { readonly stored: string; readonly why: string }[];
}

/** Plans the recomputation of every output of `lock` (read from the folder `dir`). */
export function verifyPlans(lock: Lock, dir: string, pipeline: Pipeline): VerifyWork {
  const unplanned: VerifyWork['unplanned'] = [];
  const checked: Checked[] = [];
  for (const [stored, out] of Object.entries(lock.outputs)) {
    const inst = lock.instances[out.by];
    if (!inst) {
      unplanned.push({ stored, why: `the instance that wrote it (${out.by}) is not in the lock` });
      continue;
    }
    const { params, inputs } = chainOf(lock, out.by, dir, pipeline);
    const file = fromLockPath(dir, stored);
    const outDir = typeof params['out'] === 'string' ? params['out'] : '';
    if (!outDir || path.dirname(file) !== outDir) {
      unplanned.push({ stored, why: 'not in its run\'s --out folder, so verify cannot recompute it apart from the original' });
      continue;
    }
    checked.push({ stored, file, sha256: out.sha256, inst, params, inputs });
  }

  const plans: VerifyPlan[] = [];
  // Catalog-level outputs first: a plan per set of compatible instances (the same galaxies,
  // parameters that agree, and sweeps that agree on their common axes).
  for (const c of checked.filter((x) => x.inst.galaxies)) {
    const sweep = sweepOf(c.inst, dir, pipeline);
    const params = Object.fromEntries(Object.entries(c.params).filter(([name]) => !(name in sweep)));
    let plan = plans.find((p) => sameList(p.galaxies, c.inst.galaxies ?? []) && agree(p.params, params) && sweepsAgree(p, params, sweep));
    if (!plan) {
      plan = { galaxies: [...(c.inst.galaxies ?? [])], params: {}, sweep: {}, catalog: true, outputs: [], runs: new Map(), seed: [] };
      plans.push(plan);
    }
    Object.assign(plan.params, params);
    Object.assign(plan.sweep, sweep);
    plan.outputs.push(c);
    if (c.inst.run) plan.runs.set(instanceId(c.inst.stage, 'all', c.inst.point ?? {}), c.inst.run);
  }
  // Per-galaxy outputs: in the catalog-level plan that covers them, else grouped.
  const rest: Checked[] = [];
  for (const c of checked.filter((x) => !x.inst.galaxies)) {
    const plan = plans.find((p) => p.galaxies.includes(c.inst.galaxy) && covers(p, c.params));
    if (plan) plan.outputs.push(c);
    else rest.push(c);
  }
  for (const plan of plans) {
    const out = String(plan.params['out']);
    const mine = new Set(plan.outputs.map((o) => o.file));
    for (const c of checked) if (!mine.has(c.file) && !c.inst.galaxies && path.dirname(c.file) === out) plan.seed.push(c.file);
  }
  plans.push(...galaxyPlans(rest));
  for (const plan of plans) plan.outputs.sort((a, b) => (a.stored < b.stored ? -1 : a.stored > b.stored ? 1 : 0));
  return { plans, unplanned };
}

/**
 * Per-galaxy outputs in as few plans as possible: one galaxy's outputs whose parameters
 * (other than k) agree share a plan, with every k they have; galaxies with the same
 * parameters and the same k's share one plan.
 */
function galaxyPlans(outputs: readonly Checked[]): VerifyPlan[] {
  const byGalaxy: { galaxy: string; params: Record<string, ParamValue>; ks: Set<ParamValue>; outputs: Checked[] }[] = [];
  // (fewest parameters first: a picture's entry has its FITS's parameters and the plot stage's, so it joins the FITS's group)
  for (const c of [...outputs].sort((a, b) => Object.keys(a.params).length - Object.keys(b.params).length)) {
    const { k, ...rest } = c.params;
    let g = byGalaxy.find((x) => x.galaxy === c.inst.galaxy && agree(x.params, rest));
    if (!g) byGalaxy.push((g = { galaxy: c.inst.galaxy, params: {}, ks: new Set(), outputs: [] }));
    Object.assign(g.params, rest);
    if (k !== undefined) g.ks.add(k);
    g.outputs.push(c);
  }
  const plans: VerifyPlan[] = [];
  for (const g of byGalaxy) {
    const ks = [...g.ks].sort((a, b) => Number(a) - Number(b));
    const same = plans.find((p) => sameList(p.sweep['k'] ?? [], ks) && sameParams(p.params, g.params));
    if (same) {
      if (!same.galaxies.includes(g.galaxy)) same.galaxies.push(g.galaxy);
      same.outputs.push(...g.outputs);
    } else plans.push({ galaxies: [g.galaxy], params: { ...g.params }, sweep: ks.length ? { k: ks } : {}, catalog: false, outputs: [...g.outputs], runs: new Map(), seed: [] });
  }
  return plans;
}

/** The parameters (planned: paths absolute) and external inputs of an instance's whole chain. */
function chainOf(lock: Lock, ref: string, dir: string, pipeline: Pipeline): { params: Record<string, ParamValue>; inputs: Record<string, string> } {
  const params: Record<string, ParamValue> = {};
  const inputs: Record<string, string> = {};
  const seen = new Set<string>();
  const visit = (r: string): void => {
    const inst = lock.instances[r];
    if (seen.has(r) || !inst) return;
    seen.add(r);
    for (const need of inst.needs ?? []) visit(need);
    Object.assign(params, planParams(pipeline, dir, lock.params[inst.params] ?? {}));
    for (const [file, hash] of Object.entries(inst.inputs ?? {})) inputs[fromLockPath(dir, file)] = hash;
  };
  visit(ref);
  return { params, inputs };
}

function sweepOf(inst: LockInstance, dir: string, pipeline: Pipeline): Record<string, ParamValue[]> {
  return Object.fromEntries(Object.entries(inst.sweep ?? {}).map(([axis, values]) => [axis, values.map((v) => planParams(pipeline, dir, { [axis]: v })[axis] as ParamValue)]));
}

/** A plan's params and sweep take a chain with these parameters: each one a plan value, or one of a swept axis's values. */
function covers(plan: VerifyPlan, params: Readonly<Record<string, ParamValue>>): boolean {
  return Object.entries(params).every(([name, value]) => (name in plan.sweep ? (plan.sweep[name] ?? []).includes(value) : name in plan.params && plan.params[name] === value));
}

/** Two parameter sets agree where both have a value. */
function agree(a: Readonly<Record<string, ParamValue>>, b: Readonly<Record<string, ParamValue>>): boolean {
  return Object.entries(b).every(([name, value]) => !(name in a) || a[name] === value);
}

function sweepsAgree(plan: VerifyPlan, params: Readonly<Record<string, ParamValue>>, sweep: Readonly<Record<string, readonly ParamValue[]>>): boolean {
  return Object.entries(sweep).every(([axis, values]) => !(axis in plan.params) && (!(axis in plan.sweep) || sameList(plan.sweep[axis] ?? [], values))) && Object.keys(plan.sweep).every((axis) => !(axis in params));
}

function sameParams(a: Readonly<Record<string, ParamValue>>, b: Readonly<Record<string, ParamValue>>): boolean {
  return Object.keys(a).length === Object.keys(b).length && agree(a, b);
}

function sameList(a: readonly ParamValue[], b: readonly ParamValue[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** `report[all]`, `dtd[all dtdModel=MDA]`: as src/pipeline/analyse.ts names an instance. */
function instanceId(stage: string, galaxy: string, point: Readonly<Record<string, ParamValue>>): string {
  return `${stage}[${[galaxy, ...Object.entries(point).map(([k, v]) => `${k}=${v}`)].join(' ')}]`;
}
