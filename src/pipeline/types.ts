/**
 * The validated, immutable form of pipeline.yaml. The loader collects every problem in the
 * file before anything runs; code past the loader trusts these types and never
 * re-validates.
 */
import type { ParamValue } from '../stage.ts';
import type { ExecutorSettings } from './executor.ts';

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
  /**
   * Path of the module relative to the project folder, e.g. `stages/my-stage.mjs` (for a
   * built-in, the absolute path of the package's module file); empty for a `run` stage,
   * whose module the engine builds from the command (src/engine/kinds/shell.ts).
   */
  readonly module: string;
  /** A built-in stage of sfh-pipeline, by name (`builtin: cluster`): `module` is then its file in the package. */
  readonly builtin?: string;
  /**
   * A shell stage's command as argv words, split at load time so a substituted value is
   * always one whole argument and never command text: `['python3', 'fit.py', '{galaxy}']`.
   * Words may hold placeholders (`{galaxy}`, `{sn}`, `{<param>}`, `{upstream.<stage>}`);
   * `{{` and `}}` stand for literal braces.
   */
  readonly run?: readonly string[];
  /** A `run` stage's input path templates: hashed into its key, so an edit re-runs it. */
  readonly inputs?: readonly string[];
  /** A `run` stage's output path templates: hashed into its record and checked after it ran. */
  readonly outputs?: readonly string[];
  /** The stage that enumerates the catalog rows a run can select. */
  readonly source: boolean;
  /**
   * A catalog-level (fan-in) stage (`over: catalog`): it runs once over every selected
   * galaxy instead of once per galaxy, reading the outputs of its `needs` for all of them
   * (docs/pipeline.md). `per` lists the sweep axes it still runs once per value of (one DTD
   * per k); any other axis of its needs is gathered into its one instance. Absent for a
   * per-galaxy stage.
   */
  readonly over?: { readonly per: readonly string[] };
  readonly needs: readonly string[];
  readonly params: readonly string[];
  readonly doc: string;
  /**
   * sha256 of what the declaration says the stage computes (module or command, needs,
   * parameters read, scope; not its `doc` or its place in the file): part of its key, so
   * a comment, a reordering or another stage's edit re-runs nothing.
   */
  readonly hash: string;
  /**
   * sha256 of the declarations of this stage and every stage it needs, transitively: what
   * an output's PIPEHASH card records (the part of pipeline.yaml that made it).
   */
  readonly chain: string;
  /** Where the stage's `module` (or, without one, its name) is in the pipeline file, for problems found in the module. */
  readonly at?: { readonly line: number; readonly col: number };
}

/** A validated pipeline: stages in a topological order (every stage after its needs). */
export interface Pipeline {
  /** Absolute path of the pipeline file. */
  readonly file: string;
  /**
   * The project folder (./project.ts): the pipeline file's folder, or the current folder
   * for the bundled pipeline run outside any project. Module paths, default `path` params,
   * the cache, the lock and shell commands' working folder are relative to it.
   */
  readonly root: string;
  /**
   * sha256 of what the file declares (parameters and stages, not comments, order, docs or
   * the executor section): the lock records it, so `verify` can say the pipeline changed.
   */
  readonly hash: string;
  readonly params: ReadonlyMap<string, ParamDecl>;
  readonly stages: readonly StageDecl[];
  /** How `run --executor slurm` asks for resources (src/pipeline/executor.ts); absent: the defaults. */
  readonly executor?: ExecutorSettings;
}

/** One problem found in pipeline.yaml, pointing at the place in the file. */
export interface PipelineProblem {
  readonly line: number;
  readonly col: number;
  readonly message: string;
  readonly hint?: string;
}

/** A piece of a template word: literal text, or a placeholder to substitute. */
export type TemplatePart = { readonly text: string } | { readonly name: string };

const PLACEHOLDER = /\{\{|\}\}|\{([a-z][a-zA-Z0-9-]*(?:\.[a-z][a-zA-Z0-9-]*)?)\}/g;

/**
 * Splits a template word into text and placeholders (`{galaxy}`, `{upstream.write}`); `{{`
 * and `}}` are literal braces. The loader checks them, and the shell stage
 * (src/engine/shell.ts) fills them in, with this one reading.
 */
export function templateParts(word: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  let last = 0;
  for (const m of word.matchAll(PLACEHOLDER)) {
    text += word.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[1] === undefined) text += m[0][0];
    else {
      if (text) parts.push({ text });
      text = '';
      parts.push({ name: m[1] });
    }
  }
  text += word.slice(last);
  if (text) parts.push({ text });
  return parts;
}
