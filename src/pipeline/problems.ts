/**
 * The error that lists every problem found in a pipeline: in its text (src/pipeline/load.ts)
 * or in the stage modules it declares (src/engine/modules.ts), each at its line and column.
 * Kept apart from the loader so reporting a module's problem does not load the YAML parser.
 */
import path from 'node:path';
import { UserError } from '../errors.ts';
import type { PipelineProblem } from './types.ts';

/** Thrown when pipeline.yaml has problems; `problems` holds every one of them. */
export class PipelineError extends UserError {
  constructor(file: string, problems: readonly PipelineProblem[]) {
    problems = [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
    const shown = path.relative(process.cwd(), file) || file;
    const lines = problems.map((p) => `${shown}:${p.line}:${p.col}: ${p.message}${p.hint ? `\n    ${p.hint}` : ''}`);
    super('pipeline-invalid', `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${shown}:\n${lines.join('\n')}`, undefined, file);
    this.problems = problems;
  }

  /** Every problem, in file order. */
  readonly problems: readonly PipelineProblem[];
}
