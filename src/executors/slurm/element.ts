/**
 * One element of the Slurm job array: `node element.js <job folder>`, started by the job's
 * script with SLURM_ARRAY_TASK_ID set. It plans exactly as the driver did (same options,
 * same folder), keeps its galaxy's tasks, runs them with the local engine (so results are
 * the local executor's, bit for bit) and appends each task's end to its record, which the
 * driver reads. The cache on the shared filesystem is the only thing elements share.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { taskId } from '../../cache/runs.ts';
import { EngineEmitter } from '../../engine/events.ts';
import { execute } from '../../engine/execute.ts';
import { toFailure } from '../../errors.ts';
import { describeFailure } from '../../report/failure.ts';
import { restrictPlan } from '../../pipeline/analyse.ts';
import { lockDir, lockPath } from '../../provenance/lock.ts';
import { LockRecords, taskRecords } from '../../provenance/records.ts';
import { attachPlainLog, summaryLines } from '../../report/plain.ts';
import { VERSION } from '../../package.ts';
import { preparePlan } from '../../session/prepare.ts';
import { appendLine, jobFiles, taskLine, type JobSpec } from './records.ts';

/** Runs element `index` of the job in `dir`; resolves with the process's exit status. */
export async function runElement(dir: string, index: number): Promise<number> {
  const spec = JSON.parse(readFileSync(jobFiles.spec(dir), 'utf8')) as JobSpec;
  const element = spec.elements[index];
  const record = jobFiles.record(dir, index);
  if (!element) throw new Error(`element ${index} is not in ${jobFiles.spec(dir)} (${spec.elements.length} elements)`);
  appendLine(record, { kind: 'start', host: os.hostname(), pid: process.pid, started: new Date().toISOString() });
  // Slurm sends SIGTERM before it kills (scancel, time limit): say so in the record.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      appendLine(record, { kind: 'signal', signal });
      process.exit(128 + (signal === 'SIGTERM' ? 15 : 2));
    });
  }
  try {
    process.chdir(spec.cwd);
    const { plan, pipeline, cache, hasher } = await preparePlan(spec.values, process.stderr);
    const wanted = new Set(element.tasks);
    const mine = restrictPlan(plan, (t) => wanted.has(taskId(t.row.id, t.point)));
    const events = new EngineEmitter();
    attachPlainLog(events, process.stderr, spec.verbose);
    // Each task's lock records go to the driver in its line, each instance once per element.
    const lock = { dir: lockDir(lockPath(pipeline, spec.values.lock)), pipeline, hasher };
    const sent = new Set<string>();
    events.on('task-end', (r) => {
      const rec = taskRecords(r, lock);
      const fresh = new LockRecords().add({ outputs: Object.fromEntries(rec.outputs) });
      for (const [ref, inst] of rec.instances) {
        if (sent.has(ref)) continue;
        sent.add(ref);
        fresh.instances.set(ref, inst);
        const code = rec.code.get(inst.code);
        if (code) fresh.code.set(inst.code, code);
      }
      appendLine(record, { ...taskLine(r, fresh.empty ? undefined : fresh.toJson()) });
    });
    const results = await execute(mine, { jobs: spec.jobs, workers: process.env['SFH_WORKERS'] !== '0', failFast: spec.failFast, cache, hasher, run: spec.run ?? { version: VERSION, pipelineHash: pipeline.hash } }, events);
    for (const line of summaryLines(results)) process.stderr.write(`${line}\n`);
    appendLine(record, { kind: 'end', inputsHashed: hasher.hashed, cacheProblems: cache.problems });
    return results.some((r) => r.status === 'failed') ? 1 : 0;
  } catch (err) {
    const failure = toFailure(err);
    process.stderr.write(`sfh-pipeline (slurm element ${index}, galaxy ${element.galaxy}): ${describeFailure(failure)}\n`);
    appendLine(record, { kind: 'error', failure });
    return 2;
  }
}

const [dir] = process.argv.slice(2);
const index = Number(process.env['SLURM_ARRAY_TASK_ID']);
if (!dir || !Number.isInteger(index)) {
  process.stderr.write('usage: SLURM_ARRAY_TASK_ID=N node element.js <job folder> (started by the job script that `sfh-pipeline run --executor slurm` submits)\n');
  process.exitCode = 2;
} else {
  process.exitCode = await runElement(dir, index);
}
