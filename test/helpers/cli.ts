/**
 * Drives the real CLI (`bin/sfh-pipeline.js`, the compiled build) in a child process, the
 * way a user runs it, and gives tests its exit status, output and `--json` record.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The installed command. */
export const BIN = path.join(ROOT, 'bin', 'sfh-pipeline.js');
/** The parity fixtures: the notebook's own inputs and outputs. */
export const PARITY = path.join(ROOT, 'test', 'fixtures', 'parity');

/** What a CLI run gave. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The `--json` record, when the run printed one. */
  json?: { tasks: TaskJson[]; [key: string]: unknown };
}

/** One task of the `--json` record. */
export interface TaskJson {
  galaxy: string;
  sn: string | null;
  k: number | null;
  status: 'ok' | 'failed' | 'skipped';
  error: string | null;
  reason: string | null;
  skipped: string | null;
  output: string | null;
  warnings: string[];
  params: Record<string, unknown>;
  stages: { name: string; status: string; ms: number }[];
}

/**
 * Runs `sfh-pipeline ...args` in `cwd` and waits for it. `hangGuardMs` kills a run that
 * would otherwise never end (a test of a defect that makes it hang), so the test fails
 * instead of blocking the suite; it decides nothing about a run that ends.
 */
export function runCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; hangGuardMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...(options.hangGuardMs ? { timeout: options.hangGuardMs, killSignal: 'SIGKILL' as const } : {}) });
  const result: CliResult = { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  if (args.includes('--json') && r.stdout.trim().startsWith('{')) result.json = JSON.parse(r.stdout) as CliResult['json'];
  return result;
}

/** The parity dataset's options for `run`, with results and cache under `dir`. */
export function parityArgs(dir: string): string[] {
  return ['--out', dir, '--cache', path.join(dir, 'cache'), '--catalog', path.join(PARITY, 'input', 'FinalSelMuseMask3.csv'), '--cubes', path.join(PARITY, 'input', 'MuseObject', 'MuseResample'), '--sfh', path.join(PARITY, 'input', 'MuseSFH', 'dataOut')];
}

/** A fresh temporary folder, removed by the returned function. */
export function tempDir(prefix = 'sfh-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
