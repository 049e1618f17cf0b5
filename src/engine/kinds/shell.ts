/**
 * A shell stage: a `run:` command in pipeline.yaml, per galaxy or over the catalog (then it
 * reads its galaxies from a manifest). The engine keys, caches, skips and fails it as any
 * stage; its code is its command and the script it runs. The command was split into argv
 * words at load time; each placeholder is filled in per word and every word goes to bash
 * through zx's quoting, so a value is always inside one argument. A catalog value or an
 * upstream file name goes into the command only when it is a plain name (./shell-values.ts),
 * so no program that reads an argument as code (`sh -c --`, `perl -E`, awk) finds syntax in
 * it; in `inputs` and `outputs`, one that could pick a path (`/`, `..`) fails its galaxy.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { sha256 } from '../../cache/canonical.ts';
import { codeHash } from '../../cache/code-hash.ts';
import { UserError } from '../../errors.ts';
import type { Instance } from '../../pipeline/analyse.ts';
import { templateParts, type StageDecl } from '../../pipeline/types.ts';
import type { ParamValue, StageOutput } from '../../stage.ts';
import type { Gathered } from '../context.ts';
import { outputOf, upstreamHashes, type RunContext } from '../run-context.ts';
import { catalogOnly, gather, gatheredHashes } from './catalog.ts';
import { gatheredFrom } from './catalog-items.ts';
import { reporting } from './galaxy.ts';
import type { Bound, Kind } from './kind.ts';
import { writeManifests, type Manifests } from './manifest.ts';
import { GROUPS, watchGroup } from './process-group.ts';
import { commandName, commandPath, upstreamEnv } from './shell-values.ts';

/** How much of a failed command's stderr a failure keeps: enough for a traceback's end. */
const STDERR_TAIL = 4096;

/** What a command's placeholders and environment are filled from. */
export interface ShellContext {
  /** The galaxy's catalog id (`all` over the catalog): for messages and $SFH_GALAXY. */
  readonly id: string;
  /** The values of the parameters the stage lists (its templates may use no others). */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly scope: GalaxyShell | CatalogShell;
  warn(message: string): void;
  readonly signal: AbortSignal;
}

/** A per-galaxy command: `{galaxy}`, `{sn}`, `{upstream.<stage>}`. */
interface GalaxyShell {
  readonly over: 'galaxy';
  /** The galaxy's SN name, from the output of the need that hands the galaxy on. */
  sn(): string | undefined;
  /** The files a stage in its needs wrote. */
  files(stage: string): readonly string[] | undefined;
  /** The folders the pipeline chose for a need's files: its folder and the path parameters of that stage and this one. */
  folders(stage: string): readonly string[];
}

/** A command over the catalog: `{manifest}`, written from what it gathers when it runs. */
interface CatalogShell {
  readonly over: 'catalog';
  readonly gathered: Gathered;
}

/** A shell stage whose instances are of `base`'s scope (per galaxy or over the catalog): it schedules, reports and explains as `base`. */
export function shellKind(base: Kind): Kind {
  return {
    ...base,
    name: 'shell',
    async bind(rc, inst, warnings): Promise<Bound> {
      const decl = inst.stage;
      const ctx = shellContext(rc, inst, warnings);
      const paths = (templates: readonly string[] | undefined) => (templates ?? []).map((t) => path.resolve(rc.root, fill(t, decl, ctx)));
      return {
        inputs: () => paths(decl.inputs),
        outputs: () => paths(decl.outputs),
        provenance: false,
        // (a command cannot tell before it runs)
        skip: () => undefined,
        hashesInputs: false,
        code: () => shellCodeHash(decl, rc.root),
        // (a catalog-level command's upstream is by instance id, as a catalog-level module's)
        upstream: () => (base.gathers ? gatheredHashes(rc, inst) : upstreamHashes(rc, inst, 'missing')),
        // A command reads its upstream's files, not their arrays: nothing to load.
        run: () => runCommand(rc.root, decl, ctx),
      };
    },
  };
}
/**
 * The code hash of a `run` stage, in the shape of {@link codeHash}: its command, input
 * and output templates, plus the script it runs when that is a file in the pipeline's
 * folder (`python3 scripts/fit.py ...`, `./post.sh ...`), so editing either re-runs it.
 */
export function shellCodeHash(decl: StageDecl, root: string): { hash: string; files: Record<string, string> } {
  const files: Record<string, string> = {
    [`stage ${decl.name}'s command`]: sha256(JSON.stringify({ run: decl.run ?? [], inputs: decl.inputs ?? [], outputs: decl.outputs ?? [] })),
  };
  const script = scriptOf(decl, root);
  if (script) Object.assign(files, codeHash(script, root).files);
  const names = Object.keys(files).sort();
  return { hash: sha256(names.map((f) => `${f}:${files[f]}`).join('\n')), files: Object.fromEntries(names.map((f) => [f, files[f] as string])) };
}

/**
 * The script a command runs, if it is a file under `root`: the program itself, or the
 * first argument that is not an option (the script an interpreter is given).
 */
export function scriptOf(decl: StageDecl, root: string): string | undefined {
  const run = decl.run ?? [];
  for (const word of [run[0], run.slice(1).find((w) => !w.startsWith('-'))]) {
    const parts = word === undefined ? [] : templateParts(word);
    if (parts.length === 0 || parts.some((p) => 'name' in p)) continue;
    const file = path.resolve(root, parts.map((p) => ('text' in p ? p.text : '')).join(''));
    if (path.relative(root, file).startsWith('..')) continue;
    try {
      if (statSync(file).isFile()) return file;
    } catch {
      // not a file: an interpreter, a program on PATH, or program text
    }
  }
  return undefined;
}

async function runCommand(root: string, decl: StageDecl, ctx: ShellContext): Promise<StageOutput> {
  if (ctx.scope.over === 'galaxy') return runFilled(root, decl, ctx, {});
  // A catalog-level command reads its galaxies from a manifest the engine writes for it
  // (./manifest.ts), in a private temporary folder removed after the command.
  const written = writeManifests(decl, ctx.scope.gathered);
  try {
    return await runFilled(root, decl, ctx, written);
  } finally {
    rmSync(path.dirname(written.manifest), { recursive: true, force: true });
  }
}

async function runFilled(root: string, decl: StageDecl, ctx: ShellContext, manifest: Partial<Manifests>): Promise<StageOutput> {
  const argv = (decl.run ?? []).map((word) => fill(word, decl, ctx, manifest.manifest, 'run'));
  const galaxy = ctx.id;
  for (const t of decl.inputs ?? []) {
    const file = path.resolve(root, fill(t, decl, ctx));
    if (!isFile(file)) throw new UserError('missing-input', `galaxy ${galaxy}: stage \`${decl.name}\` reads ${file}, which does not exist`, `create it, or fix \`inputs\` of \`${decl.name}\` in pipeline.yaml`);
  }
  const outputs = (decl.outputs ?? []).map((t) => path.resolve(root, fill(t, decl, ctx)));
  const before = new Map(outputs.map((f) => [f, mtimeOf(f)]));
  for (const file of outputs) mkdirSync(path.dirname(file), { recursive: true });

  const { $, quote, which } = await import('zx/core');
  const bash = which.sync('bash', { nothrow: true });
  if (!bash) throw new UserError('stage-failed', `stage \`${decl.name}\` needs bash to run its command, and bash is not on PATH`, 'install bash');
  const shown = argv.map(quote).join(' ');
  // Shell, quoting and prefix are pinned: a ZX_SHELL=sh in the environment must not turn
  // bash's $'...' quoting into text that sh would read differently.
  // The command leads a process group of its own, and the run's cancellation stops the
  // whole group, not only bash (./process-group.ts): the signal is not handed to zx, whose
  // abort would kill bash alone. (Windows: no groups; zx's abort ends the shell, as before.)
  const stopping = GROUPS ? { detached: true, spawn: ((...args: Parameters<typeof spawn>) => watched(spawn(...args), ctx.signal)) as typeof spawn } : { signal: ctx.signal };
  const result = await $({ cwd: root, env: { ...envOf(decl, ctx), ...(manifest.manifest ? { SFH_MANIFEST: manifest.manifest, SFH_EXCLUDED: manifest.excluded, SFH_ITEMS: String(manifest.items) } : {}) }, shell: bash, quote, prefix: '', postfix: '', nothrow: true, quiet: true, verbose: false, stdio: ['ignore', 'pipe', 'pipe'], ...stopping })`${argv}`;
  if (result.exitCode !== 0) {
    const how = result.exitCode === null ? `was stopped${result.signal ? ` by ${result.signal}` : ''}` : `exited with code ${result.exitCode}`;
    const err = result.stderr.length > STDERR_TAIL ? `...${result.stderr.slice(-STDERR_TAIL)}` : result.stderr;
    const detail = err.trim() ? `\nstderr:\n${err.trimEnd()}` : result.exitCode === null && result.message ? `\n${result.message.trim()}` : ' (no stderr)';
    throw new UserError('stage-failed', `galaxy ${galaxy}: stage \`${decl.name}\`: \`${shown}\` ${how}${detail}`, `to debug, run it by hand in ${root} with SFH_GALAXY=${galaxy}`);
  }
  for (const file of outputs) {
    const after = mtimeOf(file);
    if (after === undefined) throw new UserError('stage-failed', `galaxy ${galaxy}: stage \`${decl.name}\`: \`${shown}\` succeeded but did not write ${file}`, `make the command write it, or fix \`outputs\` of \`${decl.name}\` in pipeline.yaml`);
    if (after === before.get(file)) ctx.warn(`\`${decl.name}\` did not rewrite ${path.basename(file)}; the file from before the run is kept as its output`);
  }
  return { meta: { command: argv, exitCode: 0 }, files: outputs };
}

/**
 * A template word with its placeholders filled in for one instance: for a path (`inputs`,
 * `outputs`), or for the command, where a value from the catalog or a file name must be a
 * plain name (./shell-values.ts).
 */
function fill(word: string, decl: StageDecl, ctx: ShellContext, manifest?: string, use: 'run' | 'path' = 'path'): string {
  return templateParts(word).map((p) => ('text' in p ? p.text : valueOf(p.name, decl, ctx, manifest, use))).join('');
}

function valueOf(name: string, decl: StageDecl, ctx: ShellContext, manifest: string | undefined, use: 'run' | 'path'): string {
  const galaxy = ctx.id;
  if (name === 'manifest') {
    if (manifest === undefined) throw new UserError('pipeline-invalid', `stage \`${decl.name}\` uses {manifest} in \`inputs\` or \`outputs\`; the manifest exists only while the command runs`, 'use {manifest} (or $SFH_MANIFEST) in `run` only');
    return manifest;
  }
  if (name === 'galaxy') return use === 'run' ? commandName(galaxy, 'catalog id', galaxy, decl.name, 'SFH_GALAXY') : plainName(galaxy, 'catalog id', galaxy);
  if (name === 'sn') {
    const sn = (ctx.scope.over === 'galaxy' ? ctx.scope.sn() : undefined) ?? '';
    return use === 'run' ? commandName(sn, 'SN Name', galaxy, decl.name, 'SFH_SN') : plainName(sn, 'SN Name', galaxy);
  }
  let value: string;
  if (name.startsWith('upstream.')) {
    const stage = name.slice('upstream.'.length);
    const file = ctx.scope.over === 'galaxy' ? ctx.scope.files(stage)?.[0] : undefined;
    if (file === undefined) throw new UserError('stage-failed', `galaxy ${galaxy}: {${name}} of stage \`${decl.name}\` is the first file \`${stage}\` wrote, and it wrote none`, `use a stage that writes a file, or drop {${name}}`);
    value = use === 'run' && ctx.scope.over === 'galaxy' ? commandPath(file, ctx.scope.folders(stage), galaxy, decl.name, name, upstreamEnv(stage)) : file;
  } else value = String(ctx.params[name]);
  if (value.includes('\0')) throw new UserError('bad-input', `galaxy ${galaxy}: {${name}} of stage \`${decl.name}\` holds a NUL character`, 'a command argument cannot hold NUL');
  return value;
}

/**
 * A catalog value as it may appear in a command or a path: one plain name. A `/`, `\`,
 * NUL or leading `..` could point a path outside its folder, and a leading `-` could turn
 * an argument into an option; both are data choosing what the pipeline does.
 */
function plainName(value: string, what: string, galaxy: string): string {
  if (value === '' || value === '.' || value.startsWith('..') || value.startsWith('-') || /[/\\\0]/.test(value)) {
    throw new UserError('catalog-invalid', `galaxy ${galaxy}: the ${what} ${JSON.stringify(value)} cannot be used in a command or a path`, 'a catalog value used in `run`, `inputs` or `outputs` must not be empty, contain / \\ or NUL, or start with .. or -; fix the row in the catalog');
  }
  return value;
}

/** The environment of a command: the run's, plus the galaxy and the stage's parameters. */
function envOf(decl: StageDecl, ctx: ShellContext): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SFH_STAGE: decl.name };
  for (const p of decl.params) env[`SFH_PARAM_${p.toUpperCase().replaceAll('-', '_')}`] = String(ctx.params[p]);
  if (ctx.scope.over === 'catalog') return env;
  env['SFH_GALAXY'] = ctx.id;
  const sn = ctx.scope.sn();
  if (sn !== undefined) env['SFH_SN'] = sn;
  // Every need's first file, as data: what a command reads when {upstream.<stage>} is refused.
  for (const need of decl.needs) {
    const file = ctx.scope.files(need)?.[0];
    if (file !== undefined) env[upstreamEnv(need)] = file;
  }
  return env;
}

/** The context a command of `inst` is filled from: its galaxy and needs, or what it gathers. */
function shellContext(rc: RunContext, inst: Instance, warnings: string[]): ShellContext {
  const { warn } = reporting(rc, inst, warnings);
  const common = { id: inst.row.id, params: inst.params, warn, signal: rc.signal };
  if (inst.scope === 'catalog') return { ...common, scope: { over: 'catalog', gathered: gatheredFrom(inst.stage.name, gather(rc, catalogOnly(inst))) } };
  const output = (stage: string): StageOutput => {
    const dep = inst.deps.get(stage);
    if (!dep) throw new Error(`stage ${inst.stage.name} read the output of \`${stage}\`, which is not in its needs (pipeline.yaml)`);
    return outputOf(rc, dep);
  };
  return {
    ...common,
    scope: {
      over: 'galaxy',
      // the first need whose output hands the galaxy on (the catalog stage's does)
      sn() {
        for (const need of inst.stage.needs) {
          const galaxy = output(need).meta['galaxy'];
          if (galaxy && typeof galaxy === 'object' && !Array.isArray(galaxy) && typeof galaxy['snName'] === 'string') return galaxy['snName'];
        }
        return undefined;
      },
      files: (stage) => output(stage).files,
      folders: (stage) => {
        const absolute = (params: Readonly<Record<string, unknown>>) => Object.values(params).filter((v): v is string => typeof v === 'string' && path.isAbsolute(v));
        return [rc.root, ...absolute(inst.params), ...absolute(inst.deps.get(stage)?.params ?? {})];
      },
    },
  };
}

/** `child`, whose process group the run stops when `signal` aborts. */
function watched<T extends ReturnType<typeof spawn>>(child: T, signal: AbortSignal): T {
  watchGroup(child, signal);
  return child;
}

function mtimeOf(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
