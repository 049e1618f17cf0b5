/**
 * Reads pipeline.yaml into a validated {@link Pipeline}, collecting every problem in the
 * file at once, each pointing at its line and column, so a user fixes them in one pass.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { canonicalJson, sha256 } from '../cache/canonical.ts';
import type { Json } from '../stage.ts';
import { builtinModule, builtinNames, builtinOfPath } from './builtin.ts';
import { PipelineError } from './problems.ts';
import { checkValue } from './params.ts';
import { projectRoot } from './project.ts';
import { suggestion } from './suggest.ts';
import { readPipelineText } from './text.ts';
import { readExecutor } from './executor.ts';
import { checkPlaceholders, readShell, type Template } from './shell-decl.ts';
import { stringList, type At } from './yaml-nodes.ts';
import type { ParamValue } from '../stage.ts';
import { templateParts, type ParamDecl, type ParamType, type Pipeline, type PipelineProblem, type StageDecl } from './types.ts';

const PARAM_TYPES: readonly ParamType[] = ['int', 'number', 'string', 'path', 'bool'];
const PARAM_KEYS = ['type', 'default', 'min', 'max', 'choices', 'doc'];
const STAGE_KEYS = ['module', 'builtin', 'run', 'inputs', 'outputs', 'source', 'over', 'per', 'needs', 'params', 'doc'];
const NAME = /^[a-z][a-zA-Z0-9-]*$/;

export { PipelineError } from './problems.ts';

/** Loads and validates a pipeline file of the project it belongs to; throws {@link PipelineError} listing every problem. */
export function loadPipeline(file: string): Pipeline {
  const abs = path.resolve(file);
  return parsePipeline(readPipelineText(abs), abs, projectRoot(abs));
}

/** The YAML library's errors that we say in our own words. */
const YAML_WORDS: Partial<Record<string, { message: string; hint: string }>> = {
  DUPLICATE_KEY: { message: 'duplicate key', hint: 'each key may appear once; remove or rename one of them' },
  MULTIPLE_DOCS: { message: 'a second YAML document starts here (a `---` line): a pipeline file is one document', hint: 'remove the `---` line and what follows it, or merge the two into one' },
  TAB_AS_INDENT: { message: 'a tab indents this line; YAML indents with spaces only', hint: 'replace the tabs at the start of the line by spaces' },
};

/**
 * Validates pipeline text; `file` names it in messages, `root` is its project folder
 * (relative module paths and path defaults resolve against it; by default the file's folder).
 */
export function parsePipeline(text: string, file: string, root: string = path.dirname(file)): Pipeline {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const problems: PipelineProblem[] = [];
  const at: At = (node, message, hint) => {
    const range = node && typeof node === 'object' && 'range' in node ? (node.range as [number, number] | undefined) : undefined;
    const offset = typeof node === 'number' ? node : range ? range[0] : 0;
    const { line, col } = lc.linePos(offset);
    problems.push({ line, col, message, ...(hint ? { hint } : {}) });
  };
  const where = (node: Node | Pair['key'] | undefined): { line: number; col: number } => lc.linePos(node && typeof node === 'object' && 'range' in node ? ((node.range as [number, number] | undefined)?.[0] ?? 0) : 0);
  for (const e of doc.errors) {
    const { line, col } = lc.linePos((e.pos as unknown as [number, number])[0]);
    // (in our words where the YAML library's would send a user to its own API)
    const said = YAML_WORDS[e.code];
    problems.push({ line, col, message: said?.message ?? e.message.split('\n')[0] ?? e.message, ...(said?.hint ? { hint: said.hint } : {}) });
  }
  if (problems.length) throw new PipelineError(file, problems);

  const top = doc.contents;
  if (!isMap(top)) throw new PipelineError(file, [{ line: 1, col: 1, message: 'the file must be a mapping with `version`, `params` and `stages`' }]);
  checkKeys(top, ['version', 'params', 'stages', 'executor'], 'top level', at);
  const version = top.get('version', true) as unknown;
  if (!isScalar(version) || version.value !== 1) at((version as Node | undefined) ?? top, '`version` must be 1', 'add `version: 1` at the top');
  const projectDir = root;

  // Every parameter with a declaration counts as declared, a faulty one too: its one
  // problem is reported where it is, not again at every stage that reads it.
  const declared = new Set<string>();
  const params = readParams(top.get('params', true), at, top, declared);
  const stages = readStages(top.get('stages', true), declared, projectDir, at, where, top, text);
  const executor = readExecutor(top.get('executor', true), at);
  if (problems.length) throw new PipelineError(file, problems);
  return {
    file,
    root: projectDir,
    hash: pipelineHash(params, stages),
    params,
    stages,
    ...(executor ? { executor } : {}),
  };
}

/**
 * What a stage's declaration says it computes, hashed: how it is found (the built-in's
 * name, the module path as written, or the command with its inputs and outputs), its scope,
 * its needs and the parameters it reads (a set: their order says nothing). Its `doc`, its
 * place in the file and comments around it are left out, so editing them re-runs nothing.
 */
function declarationHash(decl: Omit<StageDecl, 'hash' | 'chain'>, written: string): string {
  const record: Json = {
    name: decl.name,
    ...(decl.builtin ? { builtin: decl.builtin } : decl.run ? { run: [...decl.run], inputs: [...(decl.inputs ?? [])], outputs: [...(decl.outputs ?? [])] } : { module: written }),
    source: decl.source,
    over: decl.over ? { per: [...decl.over.per].sort() } : null,
    needs: [...decl.needs],
    params: [...decl.params].sort(),
  };
  return sha256(canonicalJson(record));
}

/** Each stage with its chain hash: its own declaration and those of everything it needs. */
function withChains(stages: readonly StageDecl[]): StageDecl[] {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const chainOf = (name: string, seen: Set<string>): void => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const need of byName.get(name)?.needs ?? []) chainOf(need, seen);
  };
  return stages.map((s) => {
    const seen = new Set<string>();
    chainOf(s.name, seen);
    const parts = [...seen].sort().map((n) => [n, byName.get(n)?.hash ?? ''] as Json);
    return { ...s, chain: sha256(canonicalJson(parts)) };
  });
}

/** The pipeline's hash: its parameters' declarations (without their docs) and its stages' declarations, by name. */
function pipelineHash(params: ReadonlyMap<string, ParamDecl>, stages: readonly StageDecl[]): string {
  const p: { [name: string]: Json } = {};
  for (const [name, d] of params) p[name] = { type: d.type, default: d.default, min: d.min ?? null, max: d.max ?? null, choices: d.choices ? [...d.choices] : null };
  return sha256(canonicalJson({ params: p, stages: Object.fromEntries(stages.map((s) => [s.name, s.hash])) }));
}


function checkKeys(map: YAMLMap, allowed: readonly string[], where: string, at: At): void {
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!allowed.includes(key)) at(pair.key as Node, `unknown key \`${key}\` in ${where}`, `allowed: ${allowed.join(', ')}`);
  }
}

function readParams(node: unknown, at: At, parent: Node, declared: Set<string>): Map<string, ParamDecl> {
  const params = new Map<string, ParamDecl>();
  if (node === undefined) return params;
  if (!isMap(node)) {
    at(isScalar(node) || isSeq(node) ? node : parent, '`params` must be a mapping of parameter name to declaration');
    return params;
  }
  for (const pair of node.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    const decl = pair.value;
    if (!NAME.test(name)) at(pair.key as Node, `parameter name \`${name}\` must start with a letter and hold only letters, digits and -`);
    declared.add(name);
    if (!isMap(decl)) {
      at((decl as Node) ?? (pair.key as Node), `parameter \`${name}\` must be a mapping with at least \`type\` and \`default\``);
      continue;
    }
    checkKeys(decl, PARAM_KEYS, `parameter \`${name}\``, at);
    const typeNode = decl.get('type', true);
    const type = isScalar(typeNode) ? String(typeNode.value) : '';
    if (!PARAM_TYPES.includes(type as ParamType)) {
      at(typeNode ?? decl, `parameter \`${name}\` has type \`${type}\``, `use one of ${PARAM_TYPES.join(', ')}`);
      continue;
    }
    const num = (key: 'min' | 'max'): number | undefined => {
      const n = decl.get(key, true);
      if (n === undefined) return undefined;
      if (!isScalar(n) || typeof n.value !== 'number') {
        at(n, `\`${key}\` of parameter \`${name}\` must be a number`);
        return undefined;
      }
      return n.value;
    };
    const min = num('min');
    const max = num('max');
    const choicesNode = decl.get('choices', true);
    let choices: string[] | undefined;
    if (choicesNode !== undefined) {
      if (!isSeq(choicesNode) || !choicesNode.items.every((i) => isScalar(i) && typeof i.value === 'string')) at(choicesNode, `\`choices\` of parameter \`${name}\` must be a list of strings`);
      else choices = choicesNode.items.map((i) => String((i as { value: unknown }).value));
    }
    const defNode = decl.get('default', true);
    const docNode = decl.get('doc', true);
    const doc = isScalar(docNode) ? String(docNode.value) : '';
    if (!isScalar(defNode)) {
      at(defNode ?? decl, `parameter \`${name}\` needs a scalar \`default\``);
      continue;
    }
    const value = defNode.value;
    const problem = checkValue({ name, type: type as ParamType, default: value, min, max, choices, doc }, value);
    if (problem) {
      at(defNode, `default of \`${name}\`: ${problem}`);
      continue;
    }
    params.set(name, { name, type: type as ParamType, default: value as ParamValue, doc, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), ...(choices ? { choices } : {}) });
  }
  return params;
}

function readStages(node: unknown, params: ReadonlySet<string>, root: string, at: At, where: (node: Node | Pair['key'] | undefined) => { line: number; col: number }, parent: Node, text: string): StageDecl[] {
  if (!isMap(node) || node.items.length === 0) {
    at((node as Node) ?? parent, '`stages` must be a mapping of stage name to declaration', 'see docs/pipeline.md for the format');
    return [];
  }
  const decls = new Map<string, StageDecl>();
  const needNodes = new Map<string, Node[]>();
  const keyNodes = new Map<string, Node>();
  const templates = new Map<string, Template[]>();
  const copied: { node: Node; stage: string; module: string; builtin: string }[] = [];
  for (const pair of node.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    keyNodes.set(name, pair.key as Node);
    if (!NAME.test(name)) at(pair.key as Node, `stage name \`${name}\` must start with a letter and hold only letters, digits and -`);
    const decl = pair.value;
    if (!isMap(decl)) {
      at((decl as Node) ?? (pair.key as Node), `stage \`${name}\` must be a mapping with at least \`module\` or \`run\``);
      continue;
    }
    checkKeys(decl, STAGE_KEYS, `stage \`${name}\``, at);
    const moduleNode = decl.get('module', true);
    const builtinNode = decl.get('builtin', true);
    const runNode = decl.get('run', true);
    let module = isScalar(moduleNode) && typeof moduleNode.value === 'string' ? moduleNode.value : '';
    const written = module;
    let builtin: string | undefined;
    const shell = runNode !== undefined ? readShell(decl, name, at, text) : undefined;
    if (shell) templates.set(name, shell.templates);
    const given = (['module', 'builtin', 'run'] as const).filter((k) => decl.has(k));
    if (given.length > 1) at((runNode ?? builtinNode) as Node, `stage \`${name}\` has both ${given.map((k) => `\`${k}\``).join(' and ')}`, 'a stage is a module of yours, a built-in stage or a command: keep one of them');
    if (runNode === undefined) {
      for (const key of ['inputs', 'outputs']) {
        if (decl.has(key)) at(decl.get(key, true) as Node, `\`${key}\` of stage \`${name}\` is only for \`run\` stages`, 'a module names the files it reads and writes with its inputs(ctx) and outputs(ctx) exports');
      }
    }
    if (builtinNode !== undefined && runNode === undefined) {
      const wanted = isScalar(builtinNode) && typeof builtinNode.value === 'string' ? builtinNode.value : '';
      const file = builtinModule(wanted);
      if (file) {
        builtin = wanted;
        module = file;
      } else at(builtinNode as Node, `stage \`${name}\`: sfh-pipeline has no built-in stage \`${wanted}\`${suggestion(wanted, builtinNames(), (n) => `\`${n}\``)}`, `built-in stages: ${builtinNames().join(', ')}`);
    } else if (runNode === undefined) {
      if (!module) at(moduleNode ?? decl, `stage \`${name}\` needs a \`module\` or a \`run\` command, or a \`builtin\` stage`, 'e.g. builtin: mass-map, module: stages/my-stage.mjs, or run: python3 scripts/fit.py {galaxy}');
      else if (!existsSync(path.resolve(root, module))) {
        // A pipeline.yaml copied from sfh-pipeline's repository names the package's own
        // stage files: one problem for all of them, pointing at the form that travels.
        const twin = builtinOfPath(module);
        if (twin) copied.push({ node: moduleNode as Node, stage: name, module, builtin: twin });
        else at(moduleNode, `stage \`${name}\`: module ${module} does not exist`, `create ${path.resolve(root, module)} or fix the path (relative to ${root})`);
      }
    }
    const sourceNode = decl.get('source', true);
    if (sourceNode !== undefined && !(isScalar(sourceNode) && typeof sourceNode.value === 'boolean')) at(sourceNode, '`source` must be true or false');
    const needs = stringList(decl.get('needs', true), `\`needs\` of stage \`${name}\``, at);
    const used = stringList(decl.get('params', true), `\`params\` of stage \`${name}\``, at);
    used.names.forEach((p, i) => {
      if (!params.has(p)) at(used.nodes[i], `stage \`${name}\` reads parameter \`${p}\`, which is not declared${suggestion(p, params, (n) => `\`${n}\``)}`, `declare it under \`params:\` (known: ${[...params.keys()].join(', ')})`);
    });
    needNodes.set(name, needs.nodes);
    const over = readOver(decl, name, params, at);
    const docNode = decl.get('doc', true);
    const stage: Omit<StageDecl, 'hash' | 'chain'> = {
      name,
      module: shell ? '' : module,
      ...(builtin && !shell ? { builtin } : {}),
      ...(shell ? { run: shell.run, inputs: shell.inputs, outputs: shell.outputs } : {}),
      source: isScalar(sourceNode) && sourceNode.value === true,
      ...(over ? { over } : {}),
      needs: needs.names,
      params: used.names,
      doc: isScalar(docNode) ? String(docNode.value) : '',
      at: where((moduleNode as Node | undefined) ?? (builtinNode as Node | undefined) ?? pair.key),
    };
    decls.set(name, { ...stage, hash: declarationHash(stage, written), chain: '' });
  }
  const first = copied[0];
  if (first) {
    const list = copied.map((c) => c.builtin).join(', ');
    at(
      first.node,
      `${copied.length === 1 ? `stage \`${first.stage}\` names module ${first.module}` : `${copied.length} stages name modules in stages/`}, which ${copied.length === 1 ? 'is' : 'are'} not in ${root}: ${copied.length === 1 ? 'it is' : 'they are'} sfh-pipeline's built-in stage${copied.length === 1 ? '' : 's'} ${list}`,
      `refer to ${copied.length === 1 ? 'it' : 'them'} by name, which works wherever sfh-pipeline is installed: \`builtin: ${first.builtin}\` in place of \`module: ${first.module}\`${copied.length > 1 ? ', and so on' : ''}; or start from \`sfh-pipeline init\` (in an empty folder), which writes a pipeline.yaml in that form`,
    );
  }
  for (const decl of decls.values()) {
    decl.needs.forEach((need, i) => {
      if (!decls.has(need)) at(needNodes.get(decl.name)?.[i], `stage \`${decl.name}\` needs \`${need}\`, which is not a stage`, `known stages: ${[...decls.keys()].join(', ')}`);
    });
  }
  const sources = [...decls.values()].filter((d) => d.source);
  if (sources.length !== 1) at(parent, `exactly one stage must be \`source: true\` (the one that enumerates the catalog); found ${sources.length}`);
  for (const s of sources) if (s.needs.length) at(keyNodes.get(s.name), `the source stage \`${s.name}\` cannot have \`needs\``);
  for (const s of sources) if (s.run) at(keyNodes.get(s.name), `the source stage \`${s.name}\` cannot be a \`run\` command`, 'the source stage is a module that exports enumerate(params)');
  for (const s of sources) if (s.over) at(keyNodes.get(s.name), `the source stage \`${s.name}\` cannot be \`over: catalog\``, 'the source stage enumerates the galaxies; put catalog-wide work in a stage of its own');
  // A per-galaxy stage runs before the catalog-level ones: it cannot wait for all galaxies.
  for (const decl of decls.values()) {
    if (decl.over) continue;
    decl.needs.forEach((need, i) => {
      if (decls.get(need)?.over) at(needNodes.get(decl.name)?.[i], `stage \`${decl.name}\` runs per galaxy but needs \`${need}\`, which runs once over the catalog`, `make \`${decl.name}\` catalog-level too (over: catalog), or drop \`${need}\` from its needs`);
    });
  }
  for (const decl of decls.values()) checkPlaceholders(decl, templates.get(decl.name) ?? [], sources[0]?.name, at);
  const order = topoOrder(decls, (cycle) => at(keyNodes.get(cycle[0] ?? ''), `the stages form a cycle: ${cycle.join(' -> ')}`, 'remove one of these `needs`'));
  return withChains(order);
}

/**
 * `over: catalog` and `per: [axis, ...]`: a catalog-level (fan-in) stage, optionally split
 * on some sweep axes. Undefined for a per-galaxy stage.
 */
function readOver(decl: YAMLMap, name: string, params: ReadonlySet<string>, at: At): { per: string[] } | undefined {
  const overNode = decl.get('over', true);
  const perNode = decl.get('per', true);
  if (overNode === undefined) {
    if (perNode !== undefined) at(perNode as Node, `\`per\` of stage \`${name}\` is only for catalog-level stages`, 'add `over: catalog` to run it once over all galaxies (and once per value of the axes in `per`), or remove `per`');
    return undefined;
  }
  if (!isScalar(overNode) || overNode.value !== 'catalog') {
    at(overNode as Node, `\`over\` of stage \`${name}\` must be \`catalog\``, 'write `over: catalog` for a stage that runs once over every selected galaxy; leave `over` out for a per-galaxy stage');
    return undefined;
  }
  const per = stringList(perNode, `\`per\` of stage \`${name}\``, at, 'a list of parameter names, e.g. [k]');
  per.names.forEach((p, i) => {
    if (!params.has(p)) at(per.nodes[i], `stage \`${name}\` runs per \`${p}\`, which is not a declared parameter`, `declare it under \`params:\` (known: ${[...params.keys()].join(', ')})`);
  });
  return { per: per.names };
}

/** Stages ordered so every stage comes after its needs; reports each cycle found. */
function topoOrder(decls: Map<string, StageDecl>, onCycle: (cycle: string[]) => void): StageDecl[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const order: StageDecl[] = [];
  const stack: string[] = [];
  const visit = (name: string): void => {
    const decl = decls.get(name);
    if (!decl || state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      onCycle([...stack.slice(stack.indexOf(name)), name]);
      return;
    }
    state.set(name, 'visiting');
    stack.push(name);
    for (const need of decl.needs) visit(need);
    stack.pop();
    state.set(name, 'done');
    order.push(decl);
  };
  for (const name of decls.keys()) visit(name);
  return order;
}
