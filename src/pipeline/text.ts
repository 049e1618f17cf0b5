/**
 * Reading a pipeline file's text, shared by the loader (load.ts) and its memo (open.ts), which
 * loads the loader lazily: this module sits below both so imports point one way.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.ts';
import { notA, pathProblem } from '../path-errors.ts';

/** The text of a pipeline file, with an error that says what to pass instead. */
export function readPipelineText(abs: string): string {
  try {
    return readFileSync(abs, 'utf8');
  } catch (err) {
    const not = notA(abs, 'file');
    throw new UserError('pipeline-invalid', `cannot read ${abs}: ${not ? `it ${not}` : (pathProblem(err)?.message ?? (err as Error).message)}`, 'pass --pipeline FILE, or run from the folder that holds pipeline.yaml', abs);
  }
}
