/**
 * A tiny pipeline of plain JavaScript stages in a temporary folder, driven through the real
 * CLI, as google/wireit's test rig drives its own: the stages count their own runs (each
 * run appends a line to `runs.log` next to it), so a test proves what ran by counting, not
 * by trusting the tool's report of itself. No astronomy, no cubes: a run takes a fraction
 * of a second, so the engine's promises are checked in seconds.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, tempDir, type CliResult } from './cli.ts';

/** How a stage module counts its runs: one line `<stage> <galaxy> <params as JSON>` per run. */
export const COUNT = `import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
export function count(ctx) {
  appendFileSync(fileURLToPath(new URL('./runs.log', import.meta.url)), \`\${ctx.stage} \${ctx.row.id} \${JSON.stringify(Object.fromEntries(Object.keys(ctx.params).sort().map((k) => [k, ctx.params[k]])))}\\n\`);
}
`;

/**
 * The rig's pipeline: `rows` enumerates the galaxies of `--set galaxies=a,b`, `load` reads
 * each galaxy's `data-<id>.txt` (a number, or `fail`), `scale` multiplies it by `v`,
 * `group` runs once per `k`, and `total` sums every galaxy's scaled value over the catalog.
 */
export const PIPELINE = `version: 1
params:
  galaxies: {type: string, default: "a,b", doc: the galaxies rows enumerates}
  v: {type: int, default: 1, doc: the factor scale multiplies by}
  k: {type: int, default: 1, doc: a sweepable parameter of group}
  out: {type: path, default: out, doc: where group writes}
stages:
  rows:
    module: rows.mjs
    source: true
    params: [galaxies]
  load:
    module: load.mjs
    needs: [rows]
  scale:
    module: scale.mjs
    needs: [load]
    params: [v]
  group:
    module: group.mjs
    needs: [scale]
    params: [k, out]
  total:
    module: total.mjs
    over: catalog
    needs: [scale]
`;

/** The stage modules of {@link PIPELINE}. */
export const STAGES: Record<string, string> = {
  'count.mjs': COUNT,
  'rows.mjs': `import { count } from './count.mjs';
export function enumerate(params) {
  return String(params.galaxies).split(',').map((id) => ({ id, fields: { name: 'galaxy ' + id } }));
}
export function run(ctx) {
  count(ctx);
  return { meta: { galaxy: { id: ctx.row.id, name: ctx.row.fields.name } } };
}
`,
  'load.mjs': `import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { count } from './count.mjs';
const file = (ctx) => fileURLToPath(new URL(\`./data-\${ctx.row.id}.txt\`, import.meta.url));
export function inputs(ctx) {
  return [file(ctx)];
}
export function run(ctx) {
  count(ctx);
  const text = readFileSync(file(ctx), 'utf8').trim();
  if (text === 'fail') throw Object.assign(new Error(\`galaxy \${ctx.row.id}: its data says fail\`), { reason: 'bad-input', hint: 'write a number into it' });
  return { meta: { value: Number(text) } };
}
`,
  'scale.mjs': `import { count } from './count.mjs';
export function run(ctx) {
  count(ctx);
  return { meta: { scaled: ctx.upstream.get('load').meta.value * ctx.params.v } };
}
`,
  'group.mjs': `import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { count } from './count.mjs';
const file = (ctx) => path.join(String(ctx.params.out), \`\${ctx.row.id}_\${ctx.params.k}.txt\`);
export function outputs(ctx) {
  return [file(ctx)];
}
export function run(ctx) {
  count(ctx);
  mkdirSync(String(ctx.params.out), { recursive: true });
  writeFileSync(file(ctx), \`\${ctx.upstream.get('scale').meta.scaled} in \${ctx.params.k}\\n\`);
  return { meta: {}, files: [file(ctx)] };
}
`,
  'total.mjs': `import { count } from './count.mjs';
export function run(ctx) {
  count(ctx);
  const sum = ctx.items.reduce((a, item) => a + item.upstream.get('scale').meta.scaled, 0);
  return { meta: { sum, print: \`total: \${sum} over \${ctx.items.length}; left out \${ctx.excluded.map((e) => e.galaxy + ' at ' + e.instance + ' (' + e.status + ')').join(', ') || 'none'}\` } };
}
`,
};


/**
 * `group.mjs` that, for galaxy b, says it started (a `started-b` file next to the stages)
 * and then waits for a `gate` file there: a run is certainly still going when it is killed
 * once `started-b` exists (the kill tests wait for that state, never for a time).
 */
export const GATED_GROUP = STAGES['group.mjs']?.replace('export function run(ctx) {\n  count(ctx);', `export async function run(ctx) {
  count(ctx);
  const { existsSync, writeFileSync } = await import('node:fs');
  const here = (name) => path.join(path.dirname(new URL(import.meta.url).pathname), name);
  if (ctx.row.id === 'b') {
    writeFileSync(here('started-b'), '');
    while (!existsSync(here('gate'))) await new Promise((resolve) => setTimeout(resolve, 5));
  }`) ?? '';

/** A rig: a folder with a pipeline, its stages and their data. */
export interface Rig {
  readonly dir: string;
  /** Writes (or overwrites) files of the rig, by path relative to its folder. */
  write(files: Readonly<Record<string, string>>): void;
  /** Runs `sfh-pipeline ...args` in the rig's folder (its pipeline.yaml is found there). */
  exec(args: readonly string[], env?: NodeJS.ProcessEnv, hangGuardMs?: number): CliResult;
  /** How often each stage ran since the rig was made (or since `reset`), by stage name. */
  runs(): Record<string, number>;
  /** The run lines themselves: `<stage> <galaxy> <params>`. */
  lines(): string[];
  remove(): void;
}

/** A rig with {@link PIPELINE}, its stages, and `data-a.txt` = 2, `data-b.txt` = 3. */
export function makeRig(env: NodeJS.ProcessEnv = {}, files: Readonly<Record<string, string>> = {}): Rig {
  const tmp = tempDir('sfh-rig-');
  const rig: Rig = {
    dir: tmp.dir,
    write(more) {
      for (const [name, text] of Object.entries(more)) {
        mkdirSync(path.dirname(path.join(tmp.dir, name)), { recursive: true });
        writeFileSync(path.join(tmp.dir, name), text);
      }
    },
    exec: (args, more = {}, hangGuardMs) => runCli(args, { cwd: tmp.dir, env: { ...env, ...more }, ...(hangGuardMs ? { hangGuardMs } : {}) }),
    lines() {
      const log = path.join(tmp.dir, 'runs.log');
      return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
    },
    runs() {
      const counts: Record<string, number> = {};
      for (const line of rig.lines()) {
        const stage = line.split(' ')[0] as string;
        counts[stage] = (counts[stage] ?? 0) + 1;
      }
      return counts;
    },
    remove: () => tmp.remove(),
  };
  rig.write({ 'pipeline.yaml': PIPELINE, ...STAGES, 'data-a.txt': '2\n', 'data-b.txt': '3\n', ...files });
  return rig;
}

/** Appends to a rig file (a stage edit that changes its code, not what it does). */
export function touchCode(rig: Rig, file: string): void {
  appendFileSync(path.join(rig.dir, file), '// edited\n');
}
