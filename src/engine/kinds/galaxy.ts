/**
 * A per-galaxy module stage: one galaxy at one point of the sweep. It reads its needs'
 * outputs by stage name (`ctx.upstream.get('mass-map')`), a failed or skipped dependency
 * ends it too, and it runs on a stage worker (the source stage, which enumerates the
 * catalog, in the main thread).
 */
import type { Instance } from '../../pipeline/analyse.ts';
import type { StageContext, StageOutput } from '../../stage.ts';
import { stageContext, upstreamOf, type ContextSpec } from '../context.ts';
import type { InstanceResult } from '../events.ts';
import { checkedOutput } from '../output-shape.ts';
import { loadStageModule, runnableModulePath, stageCodeHash } from '../modules.ts';
import { lineageOf, outputOf, runOf, upstreamHashes, type RunContext } from '../run-context.ts';
import type { Bound, Kind, OwnInputs } from './kind.ts';

/** The context of a per-galaxy instance (its needs by stage name). */
export type GalaxyContext = StageContext;

/** A per-galaxy module stage. */
export const galaxyKind: Kind = {
  name: 'galaxy',
  gathers: false,
  blocker,
  async bind(rc, inst, warnings, own) {
    const module = await loadStageModule(rc.root, inst.stage);
    const ctx = galaxyContext(rc, inst, warnings, own);
    return {
      inputs: () => module.inputs?.(ctx) ?? [],
      outputs: () => module.outputs?.(ctx) ?? [],
      provenance: module.provenance === true,
      skip: () => module.skip?.(ctx),
      hashesInputs: module.hashesInputs === true,
      code: () => stageCodeHash(rc.root, inst.stage),
      upstream: () => upstreamHashes(rc, inst, 'missing'),
      async run(materialize) {
        const upstream: Record<string, StageOutput> = {};
        for (const [name, dep] of inst.deps) upstream[name] = await materialize(dep);
        if (!rc.pool || inst.stage.source) return checkedOutput(await module.run(ctx), inst.stage.name);
        return rc.pool.run(
          { module: runnableModulePath(rc.root, inst.stage.module), spec: specOf(rc, inst), lineage: ctx.lineage, upstream },
          { progress: (info) => ctx.progress(info), warn: (message) => ctx.warn(message) },
          rc.signal,
        );
      },
    } satisfies Bound;
  },
  report: () => undefined,
  pending: (name) => `upstream ${name} would run`,
  upstreamChanges(before, now, pending) {
    const reasons: string[] = [];
    for (const name of Object.keys(now)) if (!pending.includes(name) && before[name] !== now[name]) reasons.push(`upstream ${name} output changed`);
    return reasons;
  },
};

/** The first dependency that failed (or did not finish), else the first that was skipped. */
export function blocker(deps: readonly InstanceResult[]): InstanceResult | undefined {
  return deps.find((d) => d.status === 'failed' || d.status === 'upstream-failed' || d.status === 'cancelled') ?? deps.find((d) => d.status === 'skipped');
}

/**
 * The plain data of an instance's context: its stage, run, galaxy (the row only for the
 * source stage) and params. Its `run.pipelineHash` is the stage's chain (the declarations
 * of the stages that make its output), what a result's PIPEHASH card records.
 */
export function specOf(rc: RunContext, inst: Instance): ContextSpec {
  return { stage: inst.stage.name, run: { ...runOf(rc, inst), pipelineHash: inst.stage.chain }, row: { id: inst.row.id, fields: inst.stage.source || inst.scope === 'catalog' ? inst.row.fields : null }, params: inst.params };
}

/** The context a per-galaxy stage runs with in the main thread (a worker builds the same from {@link specOf}). */
function galaxyContext(rc: RunContext, inst: Instance, warnings: string[], own: OwnInputs): GalaxyContext {
  return stageContext(specOf(rc, inst), {
    upstream: upstreamOf(inst.stage.name, (need) => {
      const dep = inst.deps.get(need);
      return dep && outputOf(rc, dep);
    }),
    ...reporting(rc, inst, warnings),
    signal: rc.signal,
    lineage: () => lineageOf(rc, inst, inst.params, own.inputs ?? {}),
  });
}

/** Progress and warnings of an instance, as engine events (warnings also kept for its result). */
export function reporting(rc: RunContext, inst: Instance, warnings: string[]): Pick<Parameters<typeof stageContext>[1], 'progress' | 'warn'> {
  return {
    progress: (info) => rc.events.emit('instance-progress', inst, info),
    warn: (message) => {
      warnings.push(message);
      rc.events.emit('instance-warning', inst, message);
    },
  };
}
