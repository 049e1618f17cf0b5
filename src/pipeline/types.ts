/**
 * The validated, immutable form of pipeline.yaml. The loader collects every problem in the
 * file before anything runs; code past the loader trusts these types and never
 * re-validates.
 */
import type { ParamValue } from '../stage.ts';

/** The kinds of parameter a pipeline may declare. `path` values resolve against a base folder. */
export type ParamType = 'int' | 'number' | 'string' | 'path' | 'bool';

/** A declared parameter: its type, default, bounds and documentation. */
export interface ParamDecl {
  readonly name: string;
  readonly type: ParamType;
  readonly default: ParamValue;
  readonly min?: number;
  readonly max?: number;
  /** For strings: the allowed values. */
  readonly choices?: readonly string[];
  readonly doc: string;
}

/** A declared stage: its module (or shell command), what it needs and which params it reads. */
export interface StageDecl {
  readonly name: string;
  /** Path of the module relative to the pipeline file, e.g. `stages/mass-map.ts`. */
  readonly module: string;
  /** The stage that enumerates the catalog rows a run can select. */
  readonly source: boolean;
  readonly needs: readonly string[];
  readonly params: readonly string[];
  readonly doc: string;
}

/** A validated pipeline: stages in a topological order (every stage after its needs). */
export interface Pipeline {
  /** Absolute path of the pipeline file. */
  readonly file: string;
  /** Folder the file lives in: module paths and default `path` params resolve against it. */
  readonly root: string;
  /** sha256 of the file's text: part of every output's provenance. */
  readonly hash: string;
  readonly params: ReadonlyMap<string, ParamDecl>;
  readonly stages: readonly StageDecl[];
}

/** One problem found in pipeline.yaml, pointing at the place in the file. */
export interface PipelineProblem {
  readonly line: number;
  readonly col: number;
  readonly message: string;
  readonly hint?: string;
}
