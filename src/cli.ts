/**
 * The command line: parses arguments into a command's options, calls the command and maps
 * its outcome to an exit status (0 all ok or skipped, 1 a task failed, 2 usage or
 * pipeline.yaml error). Everything a command does lives in the modules it calls; nothing
 * below src/cli/ imports it. Every command answers `--help` (and `help <command>`) before
 * it does anything, and a misspelt command or option gets a "did you mean".
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { toFailure, UserError } from './errors.ts';
import { CACHE_HELP, CLEAN_HELP, CRATE_HELP, DAG_HELP, EXAMPLE_HELP, EXPLAIN_HELP, HELP, INIT_HELP, REPORT_HELP, RUN_HELP, STATUS_HELP, VERIFY_HELP } from './cli/help.ts';
import { VERSION } from './package.ts';
import { suggestion } from './pipeline/suggest.ts';
import type { PlanValues, RunValues } from './session/request.ts';

// Each command's module is imported when the command runs: start-up cost is paid only for
// what a command uses (a warm rerun should take well under a second, process start included).

/** Options every command accepts. */
const COMMON: ParseArgsConfig['options'] = {
  help: { type: 'boolean', short: 'h' },
  pipeline: { type: 'string' },
};

/** The help text of each command. */
const HELPS: Readonly<Record<string, string>> = {
  init: INIT_HELP,
  run: RUN_HELP,
  status: STATUS_HELP,
  explain: EXPLAIN_HELP,
  dag: DAG_HELP,
  verify: VERIFY_HELP,
  report: REPORT_HELP,
  crate: CRATE_HELP,
  clean: CLEAN_HELP,
  cache: CACHE_HELP,
  example: EXAMPLE_HELP,
  help: HELP,
};

/** Runs the CLI with `argv` (without node and script); resolves with the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
        return help(HELP);
      case 'help': {
        const topic = rest.find((a) => !a.startsWith('-'));
        if (topic === undefined) return help(HELP);
        const text = HELPS[topic];
        if (!text) throw new UserError('usage', `no command \`${topic}\`${suggestion(topic, Object.keys(HELPS), (n) => `\`${n}\``)}`, `commands: ${Object.keys(HELPS).join(', ')}`);
        return help(text);
      }
      case '--version':
      case '-v':
        process.stdout.write(`${VERSION}\n`);
        return 0;
      case 'run': {
        const { values } = parse('run', forceArgs(rest), RUN_OPTIONS);
        if (values['help']) return help(RUN_HELP);
        // -n: what explain answers, with run's options (those that only say how to run are dropped).
        if (values['dry-run']) return await (await import('./cli/inspect.ts')).commandExplain(planValuesOf(values as RunValues));
        // A stage worker boots while the rest of the code loads (not for SFH_WORKERS=0 or a
        // run submitted to Slurm; an executor chosen in pipeline.yaml leaves it idle, unref'd).
        if (process.env['SFH_WORKERS'] !== '0' && values['executor'] !== 'slurm') (await import('./engine/worker-pool.ts')).startEarlyWorker();
        return await (await import('./cli/run.ts')).commandRun(values as RunValues);
      }
      case 'init': {
        const { values } = parse('init', rest, { force: { type: 'boolean', short: 'f' } });
        if (values['help']) return help(INIT_HELP);
        return (await import('./cli/init.ts')).commandInit(values as { force?: boolean });
      }
      case 'status': {
        const { values } = parse('status', rest, { cache: { type: 'string' }, lock: { type: 'string' } });
        if (values['help']) return help(STATUS_HELP);
        return await (await import('./cli/status.ts')).commandStatus(values as { pipeline?: string; cache?: string; lock?: string });
      }
      case 'clean': {
        const { values } = parse('clean', rest, { cache: { type: 'string' }, lock: { type: 'string' }, force: { type: 'boolean', short: 'f' }, 'cache-only': { type: 'boolean' }, 'outputs-only': { type: 'boolean' } });
        if (values['help']) return help(CLEAN_HELP);
        return (await import('./cli/clean.ts')).commandClean(values as import('./cli/clean.ts').CleanValues);
      }
      case 'explain': {
        const { values } = parse('explain', rest, PLAN_OPTIONS, { json: { type: 'boolean' }, all: { type: 'boolean' } });
        if (values['help']) return help(EXPLAIN_HELP);
        return await (await import('./cli/inspect.ts')).commandExplain(values as PlanValues);
      }
      case 'dag': {
        const { values } = parse('dag', rest, PLAN_OPTIONS, { mermaid: { type: 'boolean' } });
        if (values['help']) return help(DAG_HELP);
        return await (await import('./cli/inspect.ts')).commandDag(values as PlanValues);
      }
      case 'verify': {
        const { values } = parse('verify', rest, { lock: { type: 'string' }, jobs: { type: 'string', short: 'j' } });
        if (values['help']) return help(VERIFY_HELP);
        return await (await import('./cli/verify.ts')).commandVerify(values as { pipeline?: string; lock?: string; jobs?: string });
      }
      case 'cache': {
        const { values, positionals } = parse('cache', rest, { cache: { type: 'string' }, keep: { type: 'string' }, grace: { type: 'string' }, fix: { type: 'boolean' } }, {}, 1);
        if (values['help']) return help(CACHE_HELP);
        return (await import('./cli/cache.ts')).commandCache(positionals[0], values as { pipeline?: string; cache?: string; keep?: string; grace?: string; fix?: boolean });
      }
      case 'report': {
        const { values } = parse('report', rest, { out: { type: 'string' }, file: { type: 'string' }, catalog: { type: 'string' }, set: { type: 'string', multiple: true } });
        if (values['help']) return help(REPORT_HELP);
        return await (await import('./cli/report.ts')).commandReport(values as { pipeline?: string; out?: string; file?: string; catalog?: string; set?: string[] });
      }
      case 'crate': {
        const { CRATE_OPTIONS, commandCrate } = await import('./cli/crate.ts');
        const { values } = parse('crate', rest, CRATE_OPTIONS);
        return values['help'] ? help(CRATE_HELP) : await commandCrate(values);
      }
      case 'example': {
        const { values } = parse('example', rest, { out: { type: 'string' } });
        if (values['help']) return help(EXAMPLE_HELP);
        return await (await import('./cli/example.ts')).commandExample(values as { out?: string; pipeline?: string });
      }
      default:
        throw new UserError('usage', `unknown command \`${command}\`${suggestion(command, Object.keys(HELPS), (n) => `\`${n}\``)}`, `commands: ${Object.keys(HELPS).join(', ')} (sfh-pipeline --help)`);
    }
  } catch (err) {
    // A failure as a value: how it reads and the exit status both come from its reason.
    const failure = toFailure(err);
    if (failure.reason === 'stage-threw') {
      process.stderr.write(`sfh-pipeline: internal error (please report it): ${failure.stack ?? failure.message}\n`);
      return 1;
    }
    const { describeFailure, exitStatusOf } = await import('./report/failure.ts');
    process.stderr.write(`sfh-pipeline: ${describeFailure(failure)}\n`);
    return exitStatusOf(failure);
  }
}

/** The options that select and parameterise a plan (run, explain, dag, verify). */
export const PLAN_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  ...COMMON,
  galaxy: { type: 'string', short: 'g' },
  k: { type: 'string', short: 'k' },
  seed: { type: 'string' },
  catalog: { type: 'string' },
  cubes: { type: 'string' },
  sfh: { type: 'string' },
  ngist: { type: 'string' },
  out: { type: 'string' },
  cache: { type: 'string' },
  set: { type: 'string', multiple: true },
  where: { type: 'string', multiple: true },
};

/** The options of `run`. */
export const RUN_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  ...PLAN_OPTIONS,
  jobs: { type: 'string', short: 'j' },
  'fail-fast': { type: 'boolean' },
  resume: { type: 'boolean' },
  lock: { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  'no-report': { type: 'boolean' },
  executor: { type: 'string' },
  plain: { type: 'boolean' },
  'dry-run': { type: 'boolean', short: 'n' },
  force: { type: 'string' },
};

/** What `run -n` hands to explain: the options that select and parameterise the plan. */
function planValuesOf(v: RunValues): PlanValues & { json?: boolean } {
  const { help: _h, jobs: _j, 'fail-fast': _f, resume: _r, lock: _l, verbose: _v, 'no-report': _n, executor: _e, plain: _p, force: _force, 'dry-run': _d, ...plan } = v;
  return plan;
}

/**
 * `--force` names stages (`--force cluster,write`) or, alone, every stage: a bare one (at
 * the end, or before another option) becomes `--force=*`, so the option parser, which has
 * no optional values, reads both.
 */
function forceArgs(args: readonly string[]): string[] {
  return args.map((a, i) => (a === '--force' && (i === args.length - 1 || (args[i + 1] ?? '').startsWith('-')) ? '--force=*' : a));
}

function help(text: string): number {
  process.stdout.write(text);
  return 0;
}

function parse(command: string, args: readonly string[], options: NonNullable<ParseArgsConfig['options']>, extra: NonNullable<ParseArgsConfig['options']> = {}, positionals = 0) {
  const all = { ...COMMON, ...options, ...extra };
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: all, strict: true, allowPositionals: positionals > 0 });
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify.*$/s, '');
    const unknown = /Unknown option '(-{1,2})([^'=]+)'/.exec(message);
    const names = Object.keys(all).map((n) => `--${n}`);
    const hint = unknown ? suggestion(`--${unknown[2] ?? ''}`, names, (n) => `\`${n}\``) : '';
    throw new UserError('usage', `${message}${hint}`, `see \`sfh-pipeline ${command} --help\``);
  }
  if (parsed.positionals.length > positionals) throw new UserError('usage', `\`${command}\` takes no argument \`${parsed.positionals[positionals] ?? ''}\``, `see \`sfh-pipeline ${command} --help\``);
  return parsed;
}
