/**
 * The job script and the `sbatch` arguments of one array. The script holds only paths the
 * driver chose (quoted) and the user's own `setup` lines from pipeline.yaml; which galaxy an
 * element runs comes from `job.json` by SLURM_ARRAY_TASK_ID, so no catalog value (an SN
 * name from a CSV) is ever shell text.
 */
import path from 'node:path';
import type { SlurmSettings } from '../../pipeline/executor.ts';
import { jobFiles } from './records.ts';

/** Quotes a word for a POSIX shell: `it's` -> `'it'\''s'`. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The script every element of the job in `dir` runs. */
export function jobScript(dir: string, settings: SlurmSettings, node: string, element: string): string {
  return [
    '#!/bin/bash',
    '# Written by `sfh-pipeline run --executor slurm`: element $SLURM_ARRAY_TASK_ID of this array',
    '# runs the tasks of one galaxy, as job.json next to this file lists them.',
    'set -e',
    ...(settings.setup.length ? ['# executor.slurm.setup in pipeline.yaml:', ...settings.setup] : []),
    `exec ${shellQuote(node)} ${shellQuote(element)} ${shellQuote(dir)}`,
    '',
  ].join('\n');
}

/** `sbatch` arguments for an array of `count` elements (indices 0..count-1) in `dir`. */
export function sbatchArgs(dir: string, count: number, cwd: string, settings: SlurmSettings): string[] {
  const throttle = settings.maxParallel !== undefined ? `%${settings.maxParallel}` : '';
  return [
    '--job-name=sfh-pipeline',
    `--array=0-${count - 1}${throttle}`,
    // %a is the array index; a % in the folder itself would be read as a pattern.
    `--output=${path.join(dir.replace(/%/g, '%%'), '%a.out')}`,
    `--error=${path.join(dir.replace(/%/g, '%%'), '%a.err')}`,
    `--chdir=${cwd}`,
    `--cpus-per-task=${settings.cpusPerTask}`,
    ...(settings.partition ? [`--partition=${settings.partition}`] : []),
    ...(settings.time ? [`--time=${settings.time}`] : []),
    ...(settings.memory ? [`--mem=${settings.memory}`] : []),
    ...settings.sbatch,
    jobFiles.script(dir),
  ];
}
