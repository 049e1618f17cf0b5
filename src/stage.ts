/**
 * The contract between the engine and a stage module: the only part of `src/engine` a
 * stage sees. A stage is data plus a function; the engine finds it through the module path
 * that pipeline.yaml declares and never imports a stage by name.
 */
import type { NDArray } from './ndarray.ts';

/** A JSON value: stage metadata must survive a round trip through the cache as JSON. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A parameter value after parsing (one point of a sweep). */
export type ParamValue = number | string | boolean;

/** One row of the catalog: its id (the CSV's first column) and every column as text. */
export interface CatalogRow {
  readonly id: string;
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * What a stage produces. `arrays` are the large numeric results (cached as `.npy`), `meta`
 * the small ones (cached as JSON). A stage that decides the galaxy has nothing to do (a
 * core-collapse SN without pPXF output) returns `skip` with a one-line reason; its
 * dependents are then skipped too.
 */
export interface StageOutput {
  readonly meta: { readonly [key: string]: Json };
  readonly arrays?: Readonly<Record<string, NDArray>>;
  /** Files the stage wrote outside the cache (absolute paths), e.g. the result FITS. */
  readonly files?: readonly string[];
  readonly skip?: string;
}

/** The upstream results an instance can read, by stage name. */
export interface Upstream {
  /** The output of the named upstream stage; throws if the stage is not in `needs`. */
  get(stage: string): StageOutput;
}

/** Who is running: recorded in every output for provenance. */
export interface RunInfo {
  /** sfh-pipeline's version. */
  readonly version: string;
  /** sha256 of the pipeline file. */
  readonly pipelineHash: string;
}

/** What a stage knows before it runs: enough to name the files it will read. */
export interface StageInputContext {
  readonly stage: string;
  readonly run: RunInfo;
  readonly row: CatalogRow;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly upstream: Upstream;
}

/**
 * Everything upstream of (and including) an instance: the values of every parameter the
 * stages in its chain read and the content hashes of every file they read. The write
 * stage records it in each result, so a paper's number can be traced to its inputs.
 */
export interface Lineage {
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Absolute path -> sha256. */
  readonly inputs: Readonly<Record<string, string>>;
}

/** Progress a long stage reports while it runs (shown live, never required). */
export interface StageProgress {
  readonly iteration?: number;
  readonly message?: string;
}

/** Everything a running stage gets. */
export interface StageContext extends StageInputContext {
  /** Report progress (the cluster stage reports its iteration). */
  progress(info: StageProgress): void;
  /** A warning about this galaxy that does not stop it (shown and recorded in the run). */
  warn(message: string): void;
  /** Aborted when the run is cancelled (`--fail-fast`, SIGINT). */
  readonly signal: AbortSignal;
  /** The parameters and input hashes of this instance's whole chain (see {@link Lineage}). */
  readonly lineage: Lineage;
}

/** A stage module's exports. */
export interface StageModule {
  /**
   * Files this instance reads (absolute paths), known before it runs. Their content
   * hashes are part of the instance's cache key, so an edited cube re-runs the stages
   * that read it and nothing else.
   */
  inputs?(ctx: StageInputContext): readonly string[];
  /**
   * Files this instance will write outside the cache (absolute paths), known before it
   * runs. The engine refuses to let two instances of a run write the same file.
   */
  outputs?(ctx: StageInputContext): readonly string[];
  /**
   * True for a stage that records its {@link Lineage} in what it writes: its key then
   * covers the whole lineage, so a recorded parameter or hash is never stale.
   */
  readonly provenance?: boolean;
  /**
   * Loads what `run` imports lazily (a native library, say), so that a worker that boots
   * before it has work can do it ahead of the first call. Optional; never needed for
   * correctness.
   */
  warm?(): Promise<void> | void;
  /** Computes the stage's output for one galaxy and one point of the sweep. */
  run(ctx: StageContext): Promise<StageOutput> | StageOutput;
}

/**
 * A module that enumerates the galaxies a run can select (the `catalog` stage). The
 * analyser calls it once per run, applies `--galaxy` and `--where`, and expands every
 * other stage per selected row.
 */
export interface SourceModule extends StageModule {
  enumerate(params: Readonly<Record<string, ParamValue>>): Promise<readonly CatalogRow[]> | readonly CatalogRow[];
}
