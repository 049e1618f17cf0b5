/**
 * Parameter values from the command line: parsing `4`, `2..8`, `2,4,6` into sweeps,
 * checking them against their declarations, and resolving `path` values.
 */
import path from 'node:path';
import { UserError } from '../errors.ts';
import type { ParamValue } from '../stage.ts';
import { suggestion } from './suggest.ts';
import type { ParamDecl, Pipeline } from './types.ts';

/** Most values one range may expand to: a typo like `2..80000` should not plan 80000 runs. */
const MAX_RANGE = 10_000;

/**
 * Parses a list such as `4`, `2..8` (inclusive), `2,4,6` or `2..4,8` into integers, in
 * the order written, without duplicates. `what` names the option in error messages.
 */
export function parseIntList(text: string, what: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',').map((s) => s.trim())) {
    const range = /^(-?\d+)\s*\.\.\s*(-?\d+)$/.exec(part);
    if (range) {
      const a = Number(range[1]);
      const b = Number(range[2]);
      if (b < a) throw new UserError('usage', `${what}: range ${part} is empty (${a} > ${b})`, `write it as ${b}..${a}`);
      if (b - a + 1 > MAX_RANGE) throw new UserError('usage', `${what}: range ${part} has ${b - a + 1} values`, `at most ${MAX_RANGE} values per range`);
      for (let v = a; v <= b; v++) out.push(v);
    } else if (/^-?\d+$/.test(part)) {
      out.push(Number(part));
    } else {
      throw new UserError('usage', `${what}: \`${part}\` is not an integer or a range`, 'use forms like 4, 2..8 or 2,4,6');
    }
  }
  return [...new Set(out)];
}

/** Parses a command-line value (or list of values) for a declared parameter. */
export function parseParamValues(decl: ParamDecl, text: string, what = `--set ${decl.name}`): ParamValue[] {
  let values: ParamValue[];
  switch (decl.type) {
    case 'int':
      values = parseIntList(text, what);
      break;
    case 'number':
      values = text.split(',').map((s) => {
        const v = Number(s.trim());
        if (s.trim() === '' || !Number.isFinite(v)) throw new UserError('usage', `${what}: \`${s}\` is not a number`, `give a number or a comma-separated list, e.g. ${decl.default}`);
        return v;
      });
      break;
    case 'bool':
      if (text !== 'true' && text !== 'false') throw new UserError('usage', `${what}: expected true or false, got \`${text}\``);
      values = [text === 'true'];
      break;
    case 'path':
      values = [text];
      break;
    case 'string':
      values = text.split(',').map((s) => s.trim());
      break;
  }
  for (const v of values) {
    const problem = checkValue(decl, v);
    if (problem) throw new UserError('usage', `${what}: ${problem}`, decl.doc);
  }
  return [...new Set(values)];
}

/**
 * The values of every declared parameter for a run: defaults, overridden by the command
 * line. A parameter with more than one value is a sweep axis. Relative paths given on the
 * command line resolve against `cwd`; relative defaults against the pipeline's folder. An
 * override is its text, or its text and the option that gave it (`--k`, `--set seed`).
 */
export function resolveParams(pipeline: Pipeline, overrides: ReadonlyMap<string, string | { readonly text: string; readonly option: string }>, cwd: string): Map<string, ParamValue[]> {
  const out = new Map<string, ParamValue[]>();
  for (const name of overrides.keys()) {
    if (!pipeline.params.has(name)) {
      throw new UserError('usage', `unknown parameter \`${name}\`${suggestion(name, pipeline.params.keys(), (n) => `\`${n}\``)}`, `parameters of ${path.basename(pipeline.file)}: ${[...pipeline.params.keys()].join(', ')}`);
    }
  }
  for (const decl of pipeline.params.values()) {
    const given = overrides.get(decl.name);
    // (named as the user gave it: `--k 0` is reported as `--k`, `--set k=0` as `--set k`)
    const values = given === undefined ? [decl.default] : typeof given === 'string' ? parseParamValues(decl, given) : parseParamValues(decl, given.text, given.option);
    const base = given === undefined ? pipeline.root : cwd;
    // An optional path (declared with default "") stays "" when not given: unset, not the cwd.
    out.set(decl.name, decl.type === 'path' ? values.map((v) => (v === '' ? v : path.resolve(base, String(v)))) : values);
  }
  return out;
}

/** Why `value` does not fit the declaration, or undefined when it does. */
export function checkValue(decl: Omit<ParamDecl, 'default'> & { default?: unknown }, value: unknown): string | undefined {
  switch (decl.type) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) return `expected an integer, got ${JSON.stringify(value)}`;
      break;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `expected a number, got ${JSON.stringify(value)}`;
      break;
    case 'bool':
      if (typeof value !== 'boolean') return `expected true or false, got ${JSON.stringify(value)}`;
      return undefined;
    case 'string':
    case 'path':
      if (decl.type === 'path' && decl.default === '' && value === '') return undefined;
      if (typeof value !== 'string' || value === '') return `expected a non-empty string, got ${JSON.stringify(value)}`;
      if (decl.choices && !decl.choices.includes(value)) return `expected one of ${decl.choices.join(', ')}, got ${JSON.stringify(value)}`;
      return undefined;
  }
  if (decl.min !== undefined && (value as number) < decl.min) return `must be >= ${decl.min}, got ${value}`;
  if (decl.max !== undefined && (value as number) > decl.max) return `must be <= ${decl.max}, got ${value}`;
  return undefined;
}
