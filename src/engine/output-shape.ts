/**
 * What a stage module returns, checked before anything uses it: an object `{ meta, arrays?,
 * files?, skip? }` whose `meta` the cache can keep as JSON and read back the same. A stage
 * of one's own that returns something else is named with what is wrong, instead of being
 * cached as it is (`return 42` was a result, and `meta: { x: NaN }` read back as null from
 * the cache, so a cached rerun saw other values than the run that made them) or failing
 * deep inside the engine (`files.map is not a function`, `() => 1 could not be cloned`).
 */
import type { StageOutput } from '../stage.ts';

/** Throws an error naming the stage and the first problem of `output`; returns it when it is a stage's output. */
export function checkedOutput(output: unknown, stage: string): StageOutput {
  const problem = outputProblem(output);
  if (problem) throw new Error(`stage \`${stage}\` returned ${problem}; a stage returns { meta, arrays?, files?, skip? } (docs/pipeline.md#writing-a-stage)`);
  return output as StageOutput;
}

function outputProblem(output: unknown): string | undefined {
  if (!isPlainObject(output)) return `${describe(output)}, not an object`;
  const o = output as Record<string, unknown>;
  if (!isPlainObject(o['meta'])) return `\`meta\` ${o['meta'] === undefined ? 'missing' : `as ${describe(o['meta'])}, not an object`}`;
  const meta = jsonProblem(o['meta'], 'meta', []);
  if (meta) return meta;
  if (o['files'] !== undefined && !(Array.isArray(o['files']) && o['files'].every((f) => typeof f === 'string' && f !== ''))) return `\`files\` as ${describe(o['files'])}, not a list of the paths it wrote`;
  if (o['skip'] !== undefined && typeof o['skip'] !== 'string') return `\`skip\` as ${describe(o['skip'])}, not a one-line reason`;
  if (o['arrays'] !== undefined) {
    if (!isPlainObject(o['arrays'])) return `\`arrays\` as ${describe(o['arrays'])}, not an object of NDArrays`;
    for (const [name, a] of Object.entries(o['arrays'] as Record<string, unknown>)) {
      const arr = a as { data?: unknown; shape?: unknown } | null;
      const data = arr?.data;
      if (!arr || typeof arr !== 'object' || !ArrayBuffer.isView(data) || data instanceof DataView) return `\`arrays.${name}\` as ${describe(a)}, not an NDArray ({ data: a typed array, shape })`;
      const shape = arr.shape;
      if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) return `\`arrays.${name}\` with shape ${describe(shape)}, not a list of sizes`;
      const size = shape.reduce((n: number, s: number) => n * s, 1);
      if (size !== (data as unknown as { length: number }).length) return `\`arrays.${name}\` with shape [${shape.join(', ')}] (${size} elements) over ${(data as unknown as { length: number }).length} values`;
    }
  }
  return undefined;
}

/** Where in `value` JSON would not give it back (the cache keeps meta as JSON), or undefined. */
function jsonProblem(value: unknown, at: string, path: readonly object[]): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `\`${at}\` = ${value}, which JSON (the cache) cannot hold: it would read back as null`;
    case 'object': {
      if (value === null) return undefined;
      if (path.includes(value)) return `\`${at}\` refers back to itself, which JSON (the cache) cannot hold`;
      const inner = [...path, value];
      if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) {
          const p = jsonProblem(v, `${at}[${i}]`, inner);
          if (p) return p;
        }
        return undefined;
      }
      if (!isPlainObject(value)) return `\`${at}\` as ${describe(value)}, which JSON (the cache) does not give back as it is`;
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined) continue; // (left out, as JSON leaves it out)
        const p = jsonProblem(v, `${at}.${k}`, inner);
        if (p) return p;
      }
      return undefined;
    }
    default:
      return `\`${at}\` as ${describe(value)}, which JSON (the cache) cannot hold`;
  }
}

function isPlainObject(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'bigint') return `the BigInt ${v}n`;
  if (typeof v === 'symbol') return 'a symbol';
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : `an object (${(v as object).constructor?.name ?? 'no prototype'})`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return String(v);
}
