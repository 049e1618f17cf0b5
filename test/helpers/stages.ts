/**
 * Runs the real pipeline in this process on the parity data and keeps every stage's
 * output, so tests can compare intermediate arrays with the notebook's.
 */
import path from 'node:path';
import { readCatalog } from '../../src/catalog/read.ts';
import { selectRows } from '../../src/catalog/select.ts';
import { execute } from '../../src/engine/execute.ts';
import { analyse } from '../../src/pipeline/analyse.ts';
import { loadPipeline } from '../../src/pipeline/load.ts';
import { resolveParams } from '../../src/pipeline/params.ts';
import type { StageOutput } from '../../src/stage.ts';
import { PARITY, ROOT } from './cli.ts';

/** Every stage's output for one galaxy of the parity set, by stage name. */
export async function runStagesInProcess(opts: { galaxy: string; params: Record<string, string | number> }): Promise<Map<string, StageOutput>> {
  const pipeline = loadPipeline(path.join(ROOT, 'pipeline.yaml'));
  const input = path.join(PARITY, 'input');
  const overrides = new Map<string, string>([
    ['catalog', path.join(input, 'FinalSelMuseMask3.csv')],
    ['cubes', path.join(input, 'MuseObject', 'MuseResample')],
    ['sfh', path.join(input, 'MuseSFH', 'dataOut')],
    ['out', path.join(ROOT, 'test', 'fixtures', '.unused-out')],
  ]);
  for (const [k, v] of Object.entries(opts.params)) overrides.set(k, String(v));
  const values = resolveParams(pipeline, overrides, ROOT);
  const rows = selectRows(readCatalog(String(values.get('catalog')?.[0])), opts.galaxy);
  // Only cluster and what it needs: the intermediates are what is compared.
  const keep = new Set<string>();
  const need = (name: string): void => {
    if (keep.has(name)) return;
    keep.add(name);
    for (const n of pipeline.stages.find((s) => s.name === name)?.needs ?? []) need(n);
  };
  need('cluster');
  const noWrite = { ...pipeline, stages: pipeline.stages.filter((s) => keep.has(s.name)) };
  const plan = analyse(noWrite, rows, values);
  const outputs = new Map<string, StageOutput>();
  const results = await execute(plan, { jobs: 1, failFast: true, run: { version: 'test', pipelineHash: pipeline.hash }, onOutput: (inst, out) => outputs.set(inst.stage.name, out) });
  const failed = results.find((r) => r.status !== 'ok');
  if (failed) throw new Error(`in-process run failed: ${failed.failure?.message ?? failed.skipReason}`);
  return outputs;
}
