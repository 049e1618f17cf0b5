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
  /**
   * Only from a stage that {@link StageModule.hashesInputs}: the sha256 of each input file
   * it read whole, taken from the bytes it read (src/cache/file-hash.ts HashTap). Not part
   * of the output: the engine adopts them as the files' hashes (docs/caching.md).
   */
  readonly inputsRead?: Readonly<Record<string, InputRead>>;
}

/** A file's sha256 taken by the stage that read it, with the file's stat identity (src/cache/file-hash.ts). */
export interface InputRead {
  readonly sha256: string;
  readonly stamp: string;
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
  /**
   * sha256 of the declarations in pipeline.yaml of the stages that make this stage's output
   * (its own and those it needs, transitively), not of the file's bytes: a comment or an
   * unrelated stage does not change it (StageDecl.chain).
   */
  readonly pipelineHash: string;
  /**
   * When the run started (ISO 8601, UTC; `SOURCE_DATE_EPOCH` pins it), and its command as
   * the run record keeps it (`sfh-pipeline run --galaxy all --k 2..8`). Neither is part of
   * any key: a cached output keeps the values it was made with. The lock records them for
   * catalog-level outputs, and `verify` gives them back, so a stage that shows them (the
   * report page) is still recomputed bit for bit; a per-galaxy stage must not use them.
   * Absent where nothing runs for a run (`explain`).
   */
  readonly started?: string;
  readonly command?: string;
}

/** What a stage knows before it runs: enough to name the files it will read. */
export interface StageInputContext {
  readonly stage: string;
  readonly run: RunInfo;
  /** The galaxy; for a catalog-level stage the row `all` (its galaxies are in `items`). */
  readonly row: CatalogRow;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** A per-galaxy stage's upstream outputs; a catalog-level stage reads `items` instead. */
  readonly upstream: Upstream;
  /**
   * Only for a catalog-level stage (`over: catalog`): one item per selected galaxy and
   * point of the axes it gathers whose upstream instances all ended well, in catalog order.
   */
  readonly items?: readonly FanInItemContext[];
  /** Only for a catalog-level stage: the galaxies (and points) left out, and why. */
  readonly excluded?: readonly Excluded[];
  /**
   * Only for a catalog-level stage: the outputs of the catalog-level stages it needs, one
   * per instance (a `dtd` with `per: [k]` gives one per k), e.g. for a report section.
   */
  readonly catalog?: readonly CatalogUpstream[];
}

/** One galaxy at one point, as a catalog-level stage reads it. */
export interface FanInItemContext {
  /** The galaxy id (its fields are the source stage's: read them from its output). */
  readonly row: { readonly id: string };
  /** The item's values on the sweep axes its upstream depends on and the stage gathers, e.g. `{k: 4}`. */
  readonly point: Readonly<Record<string, ParamValue>>;
  /** The item's upstream outputs, by stage name (its per-galaxy `needs`). */
  readonly upstream: Upstream;
}

/**
 * A galaxy (or a catalog-level upstream instance) a catalog-level stage runs without,
 * because an instance it needed failed or was skipped. The stage's key covers it, so the
 * galaxy's recovery reruns the stage.
 */
export interface Excluded {
  /** The galaxy id (`all` for a catalog-level upstream). */
  readonly galaxy: string;
  readonly point: Readonly<Record<string, ParamValue>>;
  /**
   * The root cause: the instance that failed, was cancelled or decided to skip, e.g.
   * `load-cubes[205]` (never a dependent that only did not run for it).
   */
  readonly instance: string;
  /** How that instance ended (`upstream-failed` is kept for stages that test for it; it is not given). */
  readonly status: 'failed' | 'skipped' | 'upstream-failed' | 'cancelled';
  readonly reason: string;
}

/** The output of a catalog-level instance that a catalog-level stage needs. */
export interface CatalogUpstream {
  readonly stage: string;
  readonly point: Readonly<Record<string, ParamValue>>;
  readonly output: StageOutput;
}

/**
 * A section a catalog-level stage offers the report (`meta.report` of its output): the
 * report stage shows one per catalog-level stage it needs (docs/pipeline.md). Images are
 * PNG files the stage wrote; the report inlines them.
 */
export interface ReportSection {
  readonly title: string;
  readonly text?: string;
  readonly table?: { readonly columns: readonly string[]; readonly rows: readonly (readonly (string | number | null)[])[] };
  readonly images?: readonly { readonly file: string; readonly alt: string }[];
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

/**
 * What a catalog-level stage (`over: catalog`) gets: the context of any stage, with what it
 * runs over always there. A module may type its `run` (and `inputs`, `outputs`) with it.
 */
export interface CatalogStageContext extends StageContext {
  readonly items: readonly FanInItemContext[];
  readonly excluded: readonly Excluded[];
  readonly catalog: readonly CatalogUpstream[];
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
   * True for a stage that reads its input files whole and returns their hashes in
   * {@link StageOutput.inputsRead}: when one of them is not hashed yet, the engine runs it
   * before its key is known, so a cold run reads each file once (docs/caching.md). Such a
   * stage must write no files.
   */
  readonly hashesInputs?: boolean;
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
  /**
   * Why this instance will skip, when that is known from its row, parameters and the
   * file system before anything is read or hashed (load-cubes: a row without a pPXF fit);
   * undefined when it has work. `run` must return the same `skip`. Optional: the Slurm
   * driver asks it before submitting, so a galaxy that would only skip gets no array
   * element (its skip is recorded by the driver, as a local run records it).
   */
  skip?(ctx: StageInputContext): string | undefined;
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
