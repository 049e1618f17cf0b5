/**
 * One read of each input (issue #23; docs/caching.md, "One read of each input"). A stage
 * that hashes the files it reads as it reads them (`hashesInputs`, e.g. load-cubes with its
 * streamed medians) runs *before* its key is computed when one of its inputs is not hashed
 * yet, so a cold run reads a 3 GB cube once instead of once to hash it and once to use it.
 * The hashes it took become the files' hashes (after a check that each file is still what
 * was read); the key is then computed as always. If that key is cached, the early output is
 * dropped and the cached one used; otherwise the early output is stored, but only if every
 * input hash in the key is one the stage itself took from the bytes it used.
 */
import type { FileHasher } from '../cache/file-hash.ts';
import type { StageOutput } from '../stage.ts';
import type { Bound } from './kinds/kind.ts';

/**
 * Runs `run` (the instance) first when it hashes its inputs (a kind's {@link Bound.hashesInputs},
 * from its module) and one of them is not hashed yet; adopts the hashes it returns. Undefined
 * when nothing ran.
 */
export async function readFirst(hasher: FileHasher, bound: Pick<Bound, 'hashesInputs' | 'provenance' | 'inputs' | 'outputs'>, run: () => Promise<StageOutput>): Promise<StageOutput | undefined> {
  // (a stage that records its lineage needs its own input hashes before it runs; one that
  // writes files must have them claimed first, after its key: both run after it, as usual)
  if (!bound.hashesInputs || bound.provenance || bound.outputs().length > 0) return undefined;
  const files = bound.inputs();
  if (files.every((f) => hasher.known(f))) return undefined;
  const output = await run();
  for (const [file, read] of Object.entries(output.inputsRead ?? {})) hasher.adopt(file, read);
  return output;
}

/**
 * The early output, when each input hash of the key (`inputs`, file -> sha256) is the one
 * the stage took while reading; undefined otherwise (a file changed after it was read, or
 * the stage did not read it whole), and the stage runs again under the key.
 */
export function usableFor(output: StageOutput | undefined, inputs: Readonly<Record<string, string>>): StageOutput | undefined {
  if (!output) return undefined;
  const read = output.inputsRead ?? {};
  return Object.entries(inputs).every(([file, sha256]) => read[file]?.sha256 === sha256) ? output : undefined;
}
