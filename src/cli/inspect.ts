/**
 * `sfh-pipeline explain` and `sfh-pipeline dag`: what a run with these options would do,
 * and why, without running anything.
 */
import { explainPlan } from '../engine/explain.ts';
import { dagMermaid, dagText } from '../report/dag.ts';
import { VERSION } from '../package.ts';
import { preparePlan } from '../session/prepare.ts';
import type { PlanValues } from '../session/request.ts';

/** Prints, for every stage instance, `cached` or `would run: <reasons>`. */
export async function commandExplain(v: PlanValues & { json?: boolean }): Promise<number> {
  const { pipeline, plan, cache, hasher } = await preparePlan(v, process.stderr);
  const explained = await explainPlan(plan, { cache, hasher, run: { version: VERSION, pipelineHash: pipeline.hash } });
  if (v.json) {
    const rows = explained.map((e) => ({ instance: e.instance.id, stage: e.instance.stage.name, galaxy: e.instance.row.id, point: e.instance.point, state: e.state, reasons: e.reasons }));
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...explained.map((e) => e.instance.id.length));
  for (const e of explained) {
    process.stdout.write(`${e.instance.id.padEnd(width)}  ${e.state === 'cached' ? 'cached' : `would run: ${e.reasons.join('; ')}`}\n`);
  }
  const stale = explained.filter((e) => e.state === 'would-run').length;
  process.stdout.write(`${explained.length - stale} cached, ${stale} would run\n`);
  return 0;
}

/** Prints the expanded DAG (text, or Mermaid with --mermaid), marking cached and stale instances. */
export async function commandDag(v: PlanValues & { mermaid?: boolean }): Promise<number> {
  const { pipeline, plan, cache, hasher } = await preparePlan(v, process.stderr);
  const explained = await explainPlan(plan, { cache, hasher, run: { version: VERSION, pipelineHash: pipeline.hash } });
  process.stdout.write(v.mermaid ? dagMermaid(plan, explained) : dagText(plan, explained));
  return 0;
}
