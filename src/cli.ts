/**
 * The command line: parses arguments into a command's options, calls the command and maps
 * its outcome to an exit status (0 all ok or skipped, 1 a task failed, 2 usage or
 * pipeline.yaml error). Everything a command does lives in the modules it calls; nothing
 * below src/cli/ imports it.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { toFailure, UserError } from './errors.ts';
import { CACHE_HELP, DAG_HELP, EXPLAIN_HELP, HELP, REPORT_HELP, RUN_HELP, VERIFY_HELP } from './cli/help.ts';
import { VERSION } from './package.ts';
import type { PlanValues, RunValues } from './session/request.ts';

// Each command's module is imported when the command runs: start-up cost is paid only for
// what a command uses (a warm rerun should take well under a second, process start included).

/** Options every command accepts. */
const COMMON: ParseArgsConfig['options'] = {
  help: { type: 'boolean', short: 'h' },
  pipeline: { type: 'string' },
};

/** Runs the CLI with `argv` (without node and script); resolves with the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(HELP);
        return 0;
      case '--version':
      case '-v':
        process.stdout.write(`${VERSION}\n`);
        return 0;
      case 'run': {
        const { values } = parse('run', rest, RUN_OPTIONS);
        if (values['help']) {
          process.stdout.write(RUN_HELP);
          return 0;
        }
        // A stage worker boots while the rest of the code loads (not for SFH_WORKERS=0 or a
        // run submitted to Slurm; an executor chosen in pipeline.yaml leaves it idle, unref'd).
        if (process.env['SFH_WORKERS'] !== '0' && values['executor'] !== 'slurm') (await import('./engine/worker-pool.ts')).startEarlyWorker();
        return await (await import('./cli/run.ts')).commandRun(values as RunValues);
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
        const [sub, ...more] = rest;
        const { values } = parse('cache', more, { cache: { type: 'string' }, keep: { type: 'string' }, grace: { type: 'string' }, fix: { type: 'boolean' } });
        if (values['help']) return help(CACHE_HELP);
        return (await import('./cli/cache.ts')).commandCache(sub, values as { pipeline?: string; cache?: string; keep?: string; grace?: string; fix?: boolean });
      }
      case 'report': {
        const { values } = parse('report', rest, { out: { type: 'string' }, file: { type: 'string' }, catalog: { type: 'string' }, set: { type: 'string', multiple: true } });
        if (values['help']) return help(REPORT_HELP);
        return await (await import('./cli/report.ts')).commandReport(values as { pipeline?: string; out?: string; file?: string; catalog?: string; set?: string[] });
      }
      case 'crate': {
        const { CRATE_HELP, CRATE_OPTIONS, commandCrate } = await import('./cli/crate.ts');
        const { values } = parse('crate', rest, CRATE_OPTIONS);
        return values['help'] ? help(CRATE_HELP) : await commandCrate(values);
      }
      case 'example': {
        const { values } = parse('example', rest, { out: { type: 'string' } });
        return await (await import('./cli/example.ts')).commandExample(values as { out?: string });
      }
      default:
        throw new UserError('usage', `unknown command \`${command}\``, 'commands: run, report, explain, dag, verify, crate, cache, example, help');
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
};

function help(text: string): number {
  process.stdout.write(text);
  return 0;
}

function parse(command: string, args: readonly string[], options: NonNullable<ParseArgsConfig['options']>, extra: NonNullable<ParseArgsConfig['options']> = {}) {
  try {
    return parseArgs({ args: [...args], options: { ...COMMON, ...options, ...extra }, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UserError('usage', (err as Error).message.replace(/\. To specify.*$/s, ''), `see \`sfh-pipeline ${command} --help\``);
  }
}
