/**
 * The one place a stage's context is built, in the main thread and in a stage worker
 * alike, so both paths guard the same things: a stage reading a parameter it does not
 * declare fails naming it (an undeclared parameter is in no cache key), only the source
 * stage reads the catalog row, and `signal` is a real abort signal wherever the stage runs.
 */
import type { CatalogStageContext, CatalogUpstream, Excluded, FanInItemContext, Lineage, ParamValue, RunInfo, StageContext, StageOutput, StageProgress, Upstream } from '../stage.ts';

/** What a context is made of that can cross to a worker thread: plain data. */
export interface ContextSpec {
  readonly stage: string;
  readonly run: RunInfo;
  /** The galaxy; `fields` null for a stage that may not read the catalog row (all but the source stage). */
  readonly row: { readonly id: string; readonly fields: Readonly<Record<string, string>> | null };
  /** The values of the parameters the stage declares, and only those. */
  readonly params: Readonly<Record<string, ParamValue>>;
}

/** What a context is made of that lives where the stage runs. */
export interface ContextLinks {
  readonly upstream: Upstream;
  progress(info: StageProgress): void;
  warn(message: string): void;
  /** Aborted when the run is cancelled. */
  readonly signal: AbortSignal;
  /** The instance's lineage, computed when a stage first asks (only provenance stages do). */
  lineage(): Lineage;
}

/** What a catalog-level stage runs over (src/engine/kinds/catalog.ts gathers it). */
export interface Gathered {
  readonly items: readonly FanInItemContext[];
  readonly excluded: readonly Excluded[];
  readonly catalog: readonly CatalogUpstream[];
}

/** The context of a stage; with `gathered`, of a catalog-level stage. */
export function stageContext(spec: ContextSpec, links: ContextLinks): StageContext;
export function stageContext(spec: ContextSpec, links: ContextLinks, gathered: Gathered): CatalogStageContext;
export function stageContext(spec: ContextSpec, links: ContextLinks, gathered?: Gathered): StageContext {
  let lineage: Lineage | undefined;
  return {
    stage: spec.stage,
    run: spec.run,
    row: spec.row.fields ? { id: spec.row.id, fields: spec.row.fields } : guardedRow(spec.stage, spec.row.id),
    params: guardedParams(spec.stage, spec.params),
    upstream: links.upstream,
    ...(gathered ? { items: gathered.items, excluded: gathered.excluded, catalog: gathered.catalog } : {}),
    progress: (info) => links.progress(info),
    warn: (message) => links.warn(message),
    signal: links.signal,
    get lineage() {
      return (lineage ??= links.lineage());
    },
  };
}

/** Upstream outputs by stage name; reading a stage that is not in `needs` fails naming it. */
export function upstreamOf(stage: string, outputOf: (need: string) => StageOutput | undefined): Upstream {
  return {
    get(need: string): StageOutput {
      const out = outputOf(need);
      if (!out) throw new Error(`stage ${stage} read the output of \`${need}\`, which is not in its needs (pipeline.yaml)`);
      return out;
    },
  };
}

/** A catalog-level stage has no one galaxy's upstream: reading it says where to look instead. */
export function catalogUpstream(stage: string): Upstream {
  return {
    get(name: string): never {
      throw new Error(`stage ${stage} is catalog-level: read \`${name}\` of each galaxy from ctx.items[i].upstream, and catalog-level needs from ctx.catalog`);
    },
  };
}

/**
 * Only the source stage reads the catalog row itself (it is part of that stage's key);
 * the others read the galaxy through the source's output, which their keys cover.
 */
function guardedRow(stage: string, id: string): StageContext['row'] {
  return {
    id,
    get fields(): never {
      throw new Error(`stage \`${stage}\` read ctx.row.fields; only the source stage reads the catalog row (read the galaxy from its output instead)`);
    },
  };
}

/** A stage reading a parameter it did not declare gets an error naming the fix. */
function guardedParams(stage: string, params: Readonly<Record<string, ParamValue>>): Readonly<Record<string, ParamValue>> {
  return new Proxy(params, {
    get(target, key) {
      // (toJSON: JSON.stringify asks every object for it; it is no parameter read)
      if (typeof key === 'string' && !(key in target) && key !== 'toJSON') {
        throw new Error(`stage \`${stage}\` read parameter \`${key}\`, which it does not list under params in pipeline.yaml`);
      }
      return Reflect.get(target, key);
    },
  });
}
