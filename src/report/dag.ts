/**
 * The expanded DAG of a plan as text or as a Mermaid flowchart, each instance marked
 * cached or stale (would run) from `explainPlan`.
 */
import type { Explanation } from '../engine/explain.ts';
import type { CatalogInstance, Plan } from '../pipeline/analyse.ts';

/** One line per instance, after its dependencies: `cluster[122 k=4]  <- collapse-smooth[122], mass-map[122]  [cached]`. */
export function dagText(plan: Plan, explained: readonly Explanation[]): string {
  const state = new Map(explained.map((e) => [e.instance.id, e]));
  const width = Math.max(...plan.instances.map((i) => i.id.length));
  const lines = plan.instances.map((inst) => {
    const e = state.get(inst.id);
    const deps = inst.scope === 'catalog' ? gathered(inst) : [...inst.deps.values()].map((d) => d.id).join(', ');
    const mark = e ? (e.state === 'cached' ? '[cached]' : e.state === 'skipped' ? `[skipped: ${e.reasons[0] ?? ''}]` : `[stale: ${e.reasons[0] ?? ''}]`) : '';
    return `${inst.id.padEnd(width)}  ${deps ? `<- ${deps}` : '(source)'}  ${mark}`.trimEnd();
  });
  return `${lines.join('\n')}\n`;
}

/**
 * What a catalog-level instance gathers, by stage: `catalog x 4 galaxies, write x 4
 * galaxies x k=2,3`, rather than one id per galaxy (a catalog has hundreds).
 */
function gathered(inst: CatalogInstance): string {
  const parts: string[] = [];
  const stages = new Map<string, { galaxies: Set<string>; points: Map<string, Set<string>> }>();
  for (const dep of inst.deps.values()) {
    if (dep.scope === 'catalog') {
      parts.push(dep.id);
      continue;
    }
    const s = stages.get(dep.stage.name) ?? { galaxies: new Set(), points: new Map() };
    s.galaxies.add(dep.row.id);
    for (const [a, v] of Object.entries(dep.point)) s.points.set(a, (s.points.get(a) ?? new Set()).add(String(v)));
    stages.set(dep.stage.name, s);
  }
  const per = [...stages].map(([name, s]) => `${name} x ${s.galaxies.size} galax${s.galaxies.size === 1 ? 'y' : 'ies'}${[...s.points].map(([a, v]) => ` x ${a}=${[...v].join(',')}`).join('')}`);
  return [...per, ...parts].join(', ');
}

/** A Mermaid flowchart (paste into a Markdown file on GitHub, or mermaid.live). */
export function dagMermaid(plan: Plan, explained: readonly Explanation[]): string {
  const state = new Map(explained.map((e) => [e.instance.id, e.state]));
  const ids = new Map(plan.instances.map((inst, i) => [inst.id, `n${i}`]));
  const lines = ['flowchart LR'];
  for (const inst of plan.instances) {
    const point = Object.entries(inst.point).map(([k, v]) => ` ${k}=${v}`).join('');
    const cls = state.get(inst.id) === 'cached' || state.get(inst.id) === 'skipped' ? 'cached' : 'stale';
    // A catalog-level instance is a stadium, labelled with the galaxies it gathers.
    const [open, close] = inst.scope === 'catalog' ? ['([', '])'] : ['[', ']'];
    const label = inst.scope === 'catalog' ? `${inst.stage.name}<br/>all ${new Set(inst.items.map((i) => i.row.id)).size} galaxies${point}` : `${inst.stage.name}<br/>${inst.row.id}${point}`;
    lines.push(`  ${ids.get(inst.id)}${open}"${label}"${close}:::${cls}`);
  }
  for (const inst of plan.instances) for (const dep of inst.deps.values()) lines.push(`  ${ids.get(dep.id)} --> ${ids.get(inst.id)}`);
  lines.push('  classDef cached fill:#d9f2d9,stroke:#2e7d32;', '  classDef stale fill:#fde0c5,stroke:#e65100;');
  return `${lines.join('\n')}\n`;
}
