/**
 * `sfh-pipeline explain` and `sfh-pipeline dag`: what a run with these options would do,
 * and why, without running anything.
 */
import { explainPlan } from '../engine/explain.ts';
import { dagMermaid, dagText } from '../report/dag.ts';
import { explainLines, explainSummary } from '../report/explain.ts';
import { VERSION } from '../package.ts';
import { preparePlan } from '../session/prepare.ts';
import type { PlanValues } from '../session/request.ts';

/** Galaxies up to which `explain` prints one line per instance without --all. */
const LIST_GALAXIES = 10;

/** Prints a summary per stage, or for every stage instance `cached`, `skipped: <why>` or `would run: <reasons>`. */
export async function commandExplain(v: PlanValues & { json?: boolean; all?: boolean }): Promise<number> {
  const { pipeline, plan, cache, hasher } = await preparePlan(v, process.stderr);
  const explained = await explainPlan(plan, { cache, hasher, run: { version: VERSION, pipelineHash: pipeline.hash } });
  if (v.json) {
    const rows = explained.map((e) => ({ instance: e.instance.id, stage: e.instance.stage.name, galaxy: e.instance.row.id, point: e.instance.point, state: e.state, reasons: e.reasons }));
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const lines = v.all || plan.rows.length <= LIST_GALAXIES ? explainLines(explained) : explainSummary(explained);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** Prints the expanded DAG (text, or Mermaid with --mermaid), marking cached and stale instances. */
export async function commandDag(v: PlanValues & { mermaid?: boolean }): Promise<number> {
  const { pipeline, plan, cache, hasher } = await preparePlan(v, process.stderr);
  const explained = await explainPlan(plan, { cache, hasher, run: { version: VERSION, pipelineHash: pipeline.hash } });
  process.stdout.write(v.mermaid ? dagMermaid(plan, explained) : dagText(plan, explained));
  return 0;
}
