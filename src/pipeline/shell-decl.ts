/**
 * The `run:` side of a stage declaration: splitting a command template into arguments at
 * load time and checking its placeholders, so a command is never read by a shell as text
 * and catalog values can only ever be whole arguments.
 */
import { isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { stringList, type At } from './yaml-nodes.ts';
import { templateParts, type StageDecl } from './types.ts';

/** A template word of a `run` stage as written, with its place in the file for messages. */
export interface Template {
  readonly where: 'run' | 'inputs' | 'outputs';
  readonly word: string;
  /** The word's position in `run` (0 is the program). */
  readonly index: number;
  /** Offset and source text of the YAML scalar holding the word. */
  readonly start: number;
  readonly raw: string;
}

/** Reads `run`, `inputs` and `outputs` of a command stage; undefined when `run` is unusable. */
export function readShell(decl: YAMLMap, stage: string, at: At, text: string): { run: string[]; inputs: string[]; outputs: string[]; templates: Template[] } | undefined {
  const node = decl.get('run', true) as unknown;
  const source = (n: Node): { start: number; raw: string } => ({ start: n.range?.[0] ?? 0, raw: text.slice(n.range?.[0] ?? 0, n.range?.[1] ?? 0) });
  const templates: Template[] = [];
  let run: string[];
  if (isScalar(node) && typeof node.value === 'string') {
    const src = source(node);
    const split = splitCommand(node.value);
    if ('error' in split) {
      const shift = src.raw.indexOf(node.value);
      at(shift >= 0 ? src.start + shift + split.index : node, `\`run\` of stage \`${stage}\`: ${split.error}`, 'quote the character, or put shell syntax (pipes, redirections, $VARS) in a script and run the script');
      return undefined;
    }
    run = split.words;
    run.forEach((word, index) => templates.push({ where: 'run', word, index, ...src }));
  } else if (isSeq(node) && node.items.every((i) => isScalar(i) && typeof i.value === 'string')) {
    run = node.items.map((i) => String((i as { value: unknown }).value));
    run.forEach((word, index) => templates.push({ where: 'run', word, index, ...source(node.items[index] as Node) }));
  } else {
    at(node as Node, `\`run\` of stage \`${stage}\` must be a command line or a list of arguments`, 'e.g. run: python3 scripts/fit.py {galaxy}');
    return undefined;
  }
  if (run.length === 0) at(node as Node, `\`run\` of stage \`${stage}\` is empty`, 'e.g. run: python3 scripts/fit.py {galaxy}');
  const list = (key: 'inputs' | 'outputs'): string[] => {
    const l = stringList(decl.get(key, true), `\`${key}\` of stage \`${stage}\``, at, 'a list of paths, e.g. [results/{galaxy}.txt]');
    l.names.forEach((word, index) => templates.push({ where: key, word, index, ...source(l.nodes[index] as Node) }));
    return l.names;
  };
  return { run, inputs: list('inputs'), outputs: list('outputs'), templates };
}

/** Placeholders whose values come from the catalog or from files: data, not configuration. */
const UNTRUSTED = (name: string): boolean => name === 'galaxy' || name === 'sn' || name.startsWith('upstream.');
// ({manifest} is a path the engine makes in the cache folder: configuration, not data.)
/** A flag after which an interpreter reads program text (`sh -c`, `python3 -c`, `node -e`). */
const CODE_FLAG = /^(-[a-zA-Z]*[ce]|--command|--eval)$/;

/** Every placeholder must name a value the stage can read, and data must never become code. */
export function checkPlaceholders(decl: StageDecl, templates: readonly Template[], source: string | undefined, at: At): void {
  // A catalog-level stage has no one galaxy: it reads the list of its upstream files from
  // {manifest} (src/engine/manifest.ts) instead of {galaxy}, {sn} and {upstream.<stage>}.
  const allowed = decl.over ? ['manifest', ...decl.params] : ['galaxy', ...(source && decl.needs.includes(source) ? ['sn'] : []), ...decl.params, ...decl.needs.map((n) => `upstream.${n}`)];
  for (const t of templates) {
    for (const part of templateParts(t.word)) {
      if (!('name' in part)) continue;
      const offset = t.start + Math.max(0, t.raw.indexOf(`{${part.name}}`));
      const label = `stage \`${decl.name}\` uses {${part.name}} in \`${t.where}\``;
      if (!allowed.includes(part.name)) {
        const fix =
          decl.over && ['galaxy', 'sn'].includes(part.name) || decl.over && part.name.startsWith('upstream.') ? `a catalog-level stage runs once for every galaxy: read the galaxies and their upstream files from the manifest ({manifest}, or $SFH_MANIFEST). `
          : part.name === 'sn' && source ? `{sn} comes from the output of \`${source}\`: add it to this stage's needs. `
          : part.name.startsWith('upstream.') ? `add \`${part.name.slice('upstream.'.length)}\` to this stage's needs. `
          : `list a parameter under the stage's params to use it; write {{ and }} for literal braces. `;
        at(offset, `${label}, which it cannot read`, `${fix}Allowed here: ${allowed.map((n) => `{${n}}`).join(', ')}`);
        continue;
      }
      if (t.where !== 'run' || !UNTRUSTED(part.name)) continue;
      const previous = decl.run?.[t.index - 1];
      if (t.index === 0) at(offset, `${label} to choose the program, and that value is data`, 'write the program in pipeline.yaml and pass the value as an argument');
      else if (previous !== undefined && CODE_FLAG.test(previous)) {
        at(offset, `${label} inside program text (after ${previous}), where a catalog value could run code`, 'pass it as an argument of its own (sys.argv[1], "$1"), or read $SFH_GALAXY / $SFH_SN in the program');
      }
    }
  }
}

/**
 * Splits a `run:` command line into argv words. Quotes only group words (nothing inside
 * them is special) and a backslash keeps the next character; shell syntax is refused, as
 * the command never reaches a shell as text. `index` points at the problem.
 */
export function splitCommand(line: string): { words: string[] } | { error: string; index: number } {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) return { error: `the quote ${c} is not closed`, index: i };
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else if ('|&;<>()`$'.includes(c)) {
      return { error: `\`${c}\` is shell syntax; a \`run\` command is split into arguments, not read by a shell`, index: i };
    } else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return { words };
}

