/**
 * The `executor:` section of pipeline.yaml: how `run --executor slurm` asks Slurm for
 * resources. It says where and with what the pipeline runs, never what it computes, so
 * its text is left out of the pipeline's hash (an output's PIPEHASH does not change when a
 * time limit is raised before a `--resume`).
 */
import { isMap, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';

/** What one element of the Slurm job array (one galaxy) asks for. */
export interface SlurmSettings {
  /** `--partition`; absent: the cluster's default partition. */
  readonly partition?: string;
  /** `--time`, in any of Slurm's forms (`90`, `02:00:00`, `1-00:00:00`); absent: the partition's default. */
  readonly time?: string;
  /** `--mem` per element (`4G`, `500M`); absent: the cluster's default. */
  readonly memory?: string;
  /** `--cpus-per-task`: the stages of one galaxy (its k values) running at once. */
  readonly cpusPerTask: number;
  /** At most this many elements run at once (`--array=...%N`); absent: as many as Slurm allows. */
  readonly maxParallel?: number;
  /** More `sbatch` options, each one argument: `--account=astro`, `--qos=long`. */
  readonly sbatch: readonly string[];
  /** Shell lines each element runs before sfh-pipeline, e.g. `module load nodejs/20`. */
  readonly setup: readonly string[];
  /** Seconds between two looks at the queue (`squeue`). */
  readonly poll: number;
}

/** The validated `executor:` section. */
export interface ExecutorSettings {
  readonly slurm: SlurmSettings;
}

/** The settings used where pipeline.yaml says nothing (and as pipeline.yaml's comment shows them). */
export const SLURM_DEFAULTS: SlurmSettings = { cpusPerTask: 1, sbatch: [], setup: [], poll: 10 };

/** Reports a problem at a node's line and column (the loader's collector). */
export type ProblemAt = (node: Node | null | undefined | Pair['key'], message: string, hint?: string) => void;

const SLURM_KEYS = ['partition', 'time', 'memory', 'cpusPerTask', 'maxParallel', 'sbatch', 'setup', 'poll'];
/** Slurm's time formats: minutes, minutes:seconds, hours:minutes:seconds, days-hours[:minutes[:seconds]]. */
const TIME = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+(:\d{1,2}){0,2}|UNLIMITED|INFINITE)$/i;
const MEMORY = /^[1-9]\d*[KMGT]?$/i;
/** Options the executor sets itself: giving them again would break how it follows the job. */
const RESERVED = /^(--array|-a|--output|-o|--error|-e|--parsable|--wrap|--chdir|-D)(=|$)/;

/**
 * Validates the `executor:` node (undefined when the file has none), reporting each problem
 * at its place. Returns the settings with defaults filled in, or undefined when absent.
 */
export function readExecutor(node: unknown, at: ProblemAt): ExecutorSettings | undefined {
  if (node === undefined) return undefined;
  const hint = 'e.g. `executor: {slurm: {time: "02:00:00", memory: 8G}}`, see docs/slurm.md';
  if (!isMap(node)) {
    at(node as Node, '`executor` must be a mapping with a `slurm` section', hint);
    return undefined;
  }
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'slurm') at(pair.key as Node, `unknown executor \`${key}\` under \`executor\``, 'known: slurm (the local executor has no settings)');
  }
  const slurm = node.get('slurm', true);
  if (slurm === undefined || slurm === null) return { slurm: SLURM_DEFAULTS };
  if (!isMap(slurm)) {
    at(slurm as Node, '`executor.slurm` must be a mapping of settings', `allowed: ${SLURM_KEYS.join(', ')}`);
    return undefined;
  }
  return { slurm: readSlurm(slurm, at) };
}

function readSlurm(map: YAMLMap, at: ProblemAt): SlurmSettings {
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!SLURM_KEYS.includes(key)) at(pair.key as Node, `unknown key \`${key}\` in \`executor.slurm\``, `allowed: ${SLURM_KEYS.join(', ')}`);
  }
  const scalar = (key: string): { node: Node; value: unknown } | undefined => {
    const n = map.get(key, true) as Node | undefined;
    if (n === undefined) return undefined;
    if (!isScalar(n)) {
      at(n, `\`executor.slurm.${key}\` must be a single value`);
      return undefined;
    }
    return { node: n, value: n.value };
  };
  const text = (key: string, pattern: RegExp, what: string, example: string): string | undefined => {
    const s = scalar(key);
    if (!s) return undefined;
    const value = typeof s.value === 'number' ? String(s.value) : s.value;
    if (typeof value !== 'string' || !pattern.test(value)) {
      at(s.node, `\`executor.slurm.${key}\` must be ${what}, got ${JSON.stringify(s.value)}`, `e.g. ${key}: ${example}`);
      return undefined;
    }
    return value;
  };
  const int = (key: string, min: number): number | undefined => {
    const s = scalar(key);
    if (!s) return undefined;
    if (typeof s.value !== 'number' || !Number.isInteger(s.value) || s.value < min) {
      at(s.node, `\`executor.slurm.${key}\` must be a whole number >= ${min}, got ${JSON.stringify(s.value)}`);
      return undefined;
    }
    return s.value;
  };
  const list = (key: string, check: (item: string) => string | undefined): string[] => {
    const n = map.get(key, true) as Node | undefined;
    if (n === undefined) return [];
    if (!isSeq(n) || !n.items.every((i) => isScalar(i) && typeof i.value === 'string')) {
      at(n, `\`executor.slurm.${key}\` must be a list of strings`, key === 'sbatch' ? 'e.g. sbatch: [--account=astro, --qos=normal]' : "e.g. setup: ['module load nodejs/20']");
      return [];
    }
    return n.items.flatMap((item) => {
      const value = String((item as { value: unknown }).value);
      const problem = check(value);
      if (problem) at(item as Node, problem);
      return problem ? [] : [value];
    });
  };

  const partition = text('partition', /^[^\s,]+(,[^\s,]+)*$/, 'a partition name (or a comma-separated list)', 'compute');
  const time = text('time', TIME, "a Slurm time limit (minutes, HH:MM:SS or D-HH:MM:SS)", '"02:00:00"');
  const memory = text('memory', MEMORY, 'a size with an optional unit K, M, G or T', '8G');
  const cpusPerTask = int('cpusPerTask', 1);
  const maxParallel = int('maxParallel', 1);
  const pollNode = scalar('poll');
  let poll: number | undefined;
  if (pollNode) {
    if (typeof pollNode.value !== 'number' || !(pollNode.value >= 0.2)) at(pollNode.node, `\`executor.slurm.poll\` must be a number of seconds >= 0.2, got ${JSON.stringify(pollNode.value)}`, 'e.g. poll: 30 (ask the queue every 30 s)');
    else poll = pollNode.value;
  }
  const sbatch = list('sbatch', (o) => {
    if (!o.startsWith('-')) return `sbatch option \`${o}\` must start with - (one option per item, e.g. --account=astro)`;
    if (RESERVED.test(o)) return `sbatch option \`${o}\` is set by sfh-pipeline itself (it needs it to follow the job)`;
    return undefined;
  });
  const setup = list('setup', (line) => (line.includes('\n') ? 'each setup line must be one line' : undefined));
  return {
    ...(partition !== undefined ? { partition } : {}),
    ...(time !== undefined ? { time } : {}),
    ...(memory !== undefined ? { memory } : {}),
    cpusPerTask: cpusPerTask ?? SLURM_DEFAULTS.cpusPerTask,
    ...(maxParallel !== undefined ? { maxParallel } : {}),
    sbatch,
    setup,
    poll: poll ?? SLURM_DEFAULTS.poll,
  };
}

/**
 * The file's text without the `executor:` section: what the pipeline's hash is taken of, so
 * editing how it runs (a longer time limit, another partition) changes no output.
 */
export function withoutExecutor(text: string, root: YAMLMap): string {
  const pair = root.items.find((p) => isScalar(p.key) && p.key.value === 'executor');
  const start = (pair?.key as Node | undefined)?.range?.[0];
  const end = (pair?.value as Node | null | undefined)?.range?.[2];
  if (start === undefined || end === undefined) return text;
  return text.slice(0, start) + text.slice(end);
}
