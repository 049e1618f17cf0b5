/** `sfh-pipeline cache du | verify | gc`. */
import { UserError } from '../errors.ts';
import { collectGarbage, diskUsage, verifyCache } from '../cache/maintain.ts';
import { loadPipeline } from '../pipeline/load.ts';
import { cacheDir, pipelineFile } from '../session/request.ts';

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** Runs a cache subcommand; resolves with the exit status. */
export function commandCache(sub: string | undefined, v: { pipeline?: string; cache?: string; keep?: string; grace?: string; fix?: boolean }): number {
  const pipeline = loadPipeline(pipelineFile(v.pipeline));
  const dir = cacheDir(pipeline, v.cache);
  switch (sub) {
    case 'du': {
      const parts = diskUsage(dir);
      for (const p of parts) process.stdout.write(`${p.part.padEnd(8)} ${String(p.files).padStart(7)} files ${mib(p.bytes).padStart(12)}\n`);
      process.stdout.write(`${'total'.padEnd(8)} ${String(parts.reduce((a, p) => a + p.files, 0)).padStart(7)} files ${mib(parts.reduce((a, p) => a + p.bytes, 0)).padStart(12)}  (${dir})\n`);
      return 0;
    }
    case 'verify': {
      const r = verifyCache(dir, v.fix ?? false);
      for (const d of r.defects) process.stdout.write(`${v.fix ? 'removed ' : 'CORRUPT '} ${d.file}: ${d.problem}\n`);
      process.stdout.write(`${r.records} records, ${r.objects} objects and ${r.inputs.rehashed} input hashes checked (${mib(r.inputs.bytes)} of inputs read again), ${r.defects.length} defects${r.defects.length && !v.fix ? ' (runs recompute them; `cache verify --fix` removes them)' : ''}\n`);
      return r.defects.length && !v.fix ? 1 : 0;
    }
    case 'gc': {
      const keep = Number(v.keep ?? 5);
      const grace = Number(v.grace ?? 600);
      if (!Number.isInteger(keep) || keep < 0) throw new UserError('usage', `--keep ${v.keep}: expected a whole number >= 0`);
      if (!(grace >= 0)) throw new UserError('usage', `--grace ${v.grace}: expected seconds >= 0`);
      const r = collectGarbage(dir, { keep, lockRoot: pipeline.root, graceMs: grace * 1000 });
      process.stdout.write(`removed ${r.records} records, ${r.objects} objects, ${r.runs} old run records, ${r.temporaries} temporary files of killed runs and ${r.inputHashes} unused input hashes (${mib(r.bytes)}); kept what the last ${keep} runs and the lock files under ${pipeline.root} need\n`);
      return 0;
    }
    default:
      throw new UserError('usage', `cache ${sub ?? ''}: expected du, verify or gc`, 'sfh-pipeline cache du | cache verify [--fix] | cache gc [--keep N] [--grace SECONDS]');
  }
}
