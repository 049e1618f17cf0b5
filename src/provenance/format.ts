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
 *
 * A lock is text that git merges and people edit, so what is read is checked, each problem
 * at its line: every line a JSON object naming its entry, an output with a sha256 and the
 * instance that wrote it, an instance with the code and parameters it refers to, the
 * instances it needs, and no entry twice with two contents (a merge that kept both sides).
 * An inconsistent lock read on would make `verify` skip what it cannot plan and still say
 * "N of N reproduced", or `clean` act on what no run wrote.
 */
export function parseLines(text: string, file: string): Lock | undefined {
  const first = text.slice(0, text.indexOf('\n') + 1 || undefined);
  const damaged = (n: number, what: string): UserError => new UserError('bad-input', `${file}:${n}: ${what}`, 'restore it from git, or delete it and run the pipeline again');
  let head: unknown;
  try {
    head = JSON.parse(first);
  } catch {
    return undefined;
  }
  if (!isObject(head)) return undefined;
  if (!('lock' in head)) {
    // A lock of this format without its first line (JSON Lines of entries): not a first-format lock.
    if (ENTRY_KINDS.some((k) => Object.keys(head as object)[0] === k)) throw damaged(1, 'the first line is an entry, not the lock\'s header (`{"lock":"sfh-pipeline","version":...}`): the header is missing');
    return undefined;
  }
  const lock = { version: 0, tool: '', pipeline: { file: '', sha256: '' }, code: {} as Record<string, Lock['code'][string]>, params: {} as Record<string, Lock['params'][string]>, instances: {} as Record<string, LockInstance>, outputs: {} as Record<string, Lock['outputs'][string]> };
  /** Where each entry is (`kind name` -> line and text), for duplicates and references. */
  const at = new Map<string, { line: number; text: string }>();
  let n = 0;
  for (const line of text.split('\n')) {
    n++;
    if (!line.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      throw new UserError('bad-input', `${file}:${n} is not valid JSON: ${(err as Error).message}`, 'restore it from git, or delete it and run the pipeline again');
    }
    if (!isObject(v)) throw damaged(n, `the line is ${JSON.stringify(v)?.slice(0, 40) ?? String(v)}, not an entry of the lock (a JSON object)`);
    // A line's first key says what it is and names it.
    const kind = Object.keys(v)[0] ?? '';
    const { [kind]: name, ...rest } = v;
    if (typeof name !== 'string') throw damaged(n, kind ? `names its ${kind} with ${JSON.stringify(name)}, not a string` : 'the line is an empty entry');
    if (kind === 'lock') {
      if (n !== 1) throw damaged(n, 'a second header line (a lock file pasted into another?)');
      lock.version = rest['version'] as number; // (checked by the caller, which names a version it does not read)
      lock.tool = String(rest['tool'] ?? '');
      lock.pipeline = (rest['pipeline'] as Lock['pipeline'] | undefined) ?? lock.pipeline;
      continue;
    }
    if (!(ENTRY_KINDS as readonly string[]).includes(kind)) continue; // (a later format's kind of entry: not this version's to read)
    const id = `${kind} ${name}`;
    const before = at.get(id);
    if (before && before.text !== line.trim()) throw damaged(n, `gives ${kind} ${name} again, with another content than line ${before.line} (a merge that kept both sides?)`);
    at.set(id, { line: n, text: line.trim() });
    if (kind === 'code') {
      if (!isObject(rest['files'])) throw damaged(n, `code ${name} has no \`files\``);
      lock.code[name] = rest as unknown as Lock['code'][string];
    } else if (kind === 'params') {
      if (!isObject(rest['values'])) throw damaged(n, `params ${name} has no \`values\``);
      lock.params[name] = rest['values'] as Lock['params'][string];
    } else if (kind === 'instance') {
      for (const key of ['stage', 'galaxy', 'code', 'params'] as const) if (typeof rest[key] !== 'string') throw damaged(n, `instance ${name} has no \`${key}\``);
      if (rest['needs'] !== undefined && !(Array.isArray(rest['needs']) && rest['needs'].every((x) => typeof x === 'string'))) throw damaged(n, `instance ${name}: \`needs\` is not a list of instances`);
      if (rest['inputs'] !== undefined && !isObject(rest['inputs'])) throw damaged(n, `instance ${name}: \`inputs\` is not a table of files`);
      lock.instances[name] = rest as unknown as LockInstance;
    } else {
      if (typeof rest['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(rest['sha256'])) throw damaged(n, `output ${name} has no sha256 (64 hex digits)`);
      if (typeof rest['by'] !== 'string') throw damaged(n, `output ${name} does not say which instance wrote it (\`by\`)`);
      lock.outputs[name] = rest as unknown as Lock['outputs'][string];
    }
  }
  // References between entries: each must name an entry the lock has.
  const lineOf = (kind: string, name: string): number => at.get(`${kind} ${name}`)?.line ?? 0;
  for (const [name, inst] of Object.entries(lock.instances)) {
    if (!lock.code[inst.code]) throw damaged(lineOf('instance', name), `instance ${name} refers to code ${inst.code}, which no line of the lock gives`);
    if (!lock.params[inst.params]) throw damaged(lineOf('instance', name), `instance ${name} refers to params ${inst.params}, which no line of the lock gives`);
    for (const need of inst.needs ?? []) if (!lock.instances[need]) throw damaged(lineOf('instance', name), `instance ${name} needs instance ${need}, which no line of the lock gives`);
  }
  for (const [name, o] of Object.entries(lock.outputs)) {
    if (!lock.instances[o.by]) throw damaged(lineOf('output', name), `output ${name} was written by instance ${o.by}, which no line of the lock gives`);
  }
  return lock as unknown as Lock;
}

/** The kinds of entry after the header, as their lines name them. */
const ENTRY_KINDS = ['code', 'params', 'instance', 'output'] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
