/**
 * The lock file's text: JSON Lines, one self-describing JSON value per line, sorted (the
 * header, then the code, parameter, instance and output entries, each kind by its name).
 * git diffs it line by line: a changed galaxy is its own lines and nothing else (a JSON
 * document's commas would change a neighbour's line too). `jq` reads it as it is
 * (`jq -c 'select(.output)' sfh-pipeline.lock`), Python with one `json.loads` per line.
 */
import { UserError } from '../errors.ts';
import type { Lock, LockInstance } from './types.ts';

const ABOUT = 'What produced each output (written by `sfh-pipeline run`), one JSON value per line. An `output` line gives a file\'s sha256 and the stage instance that wrote it (`by`); an `instance` line gives an instance once (named by the start of its cache key) with its code and parameters (references to `code` and `params` lines), the files it read and the instances it needs. Paths are relative to this file\'s folder. `sfh-pipeline verify` recomputes every output and compares its sha256 (docs/caching.md).';

/** The lock as text. */
export function formatLock(lock: Lock): string {
  const lines = [JSON.stringify({ lock: 'sfh-pipeline', version: lock.version, tool: lock.tool, pipeline: lock.pipeline, about: ABOUT })];
  const sorted = (o: Readonly<Record<string, unknown>>) => Object.keys(o).sort();
  for (const ref of sorted(lock.code)) lines.push(JSON.stringify({ code: ref, ...lock.code[ref] }));
  for (const ref of sorted(lock.params)) lines.push(JSON.stringify({ params: ref, values: lock.params[ref] }));
  for (const ref of sorted(lock.instances)) lines.push(JSON.stringify({ instance: ref, ...lock.instances[ref] }));
  for (const file of sorted(lock.outputs)) lines.push(JSON.stringify({ output: file, ...lock.outputs[file] }));
  return `${lines.join('\n')}\n`;
}

/**
 * The lock in JSON Lines `text` (read from `file`), or undefined when the text is one JSON
 * document (a first-format lock: the caller reads it so).
 */
export function parseLines(text: string, file: string): Lock | undefined {
  const first = text.slice(0, text.indexOf('\n') + 1 || undefined);
  try {
    if (!('lock' in (JSON.parse(first) as object))) return undefined;
  } catch {
    return undefined;
  }
  const lock = { version: 0, tool: '', pipeline: { file: '', sha256: '' }, code: {} as Record<string, Lock['code'][string]>, params: {} as Record<string, Lock['params'][string]>, instances: {} as Record<string, LockInstance>, outputs: {} as Record<string, Lock['outputs'][string]> };
  let n = 0;
  for (const line of text.split('\n')) {
    n++;
    if (!line.trim()) continue;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      throw new UserError('bad-input', `${file}:${n} is not valid JSON: ${(err as Error).message}`, 'restore it from git, or delete it and run the pipeline again');
    }
    // A line's first key says what it is and names it.
    const kind = Object.keys(v)[0] ?? '';
    const { [kind]: name, ...rest } = v;
    if (typeof name !== 'string') continue;
    if (kind === 'lock') {
      lock.version = Number(rest['version']);
      lock.tool = String(rest['tool'] ?? '');
      lock.pipeline = (rest['pipeline'] as Lock['pipeline'] | undefined) ?? lock.pipeline;
    } else if (kind === 'code') lock.code[name] = rest as unknown as Lock['code'][string];
    else if (kind === 'params') lock.params[name] = (rest['values'] ?? {}) as Lock['params'][string];
    else if (kind === 'instance') lock.instances[name] = rest as unknown as LockInstance;
    else if (kind === 'output') lock.outputs[name] = rest as unknown as Lock['outputs'][string];
  }
  return lock as unknown as Lock;
}
