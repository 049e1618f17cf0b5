/**
 * pipeline.yaml validation and sweep expansion, unit by unit: every problem reported at
 * once with line:col, and the analyser sharing upstream stages across a sweep.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { analyse } from '../src/pipeline/analyse.ts';
import { parsePipeline, PipelineError } from '../src/pipeline/load.ts';
import { parseIntList, resolveParams } from '../src/pipeline/params.ts';
import { selectRows } from '../src/catalog/select.ts';
import type { CatalogRow } from '../src/stage.ts';
import { ROOT } from './helpers/cli.ts';

const FILE = path.join(ROOT, 'pipeline.yaml');
const TEXT = readFileSync(FILE, 'utf8');

function problemsOf(text: string): string[] {
  try {
    parsePipeline(text, FILE);
  } catch (err) {
    assert.ok(err instanceof PipelineError, String(err));
    return err.problems.map((p) => `${p.line}:${p.col} ${p.message}`);
  }
  assert.fail('expected the pipeline to be rejected');
}

function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, needle);
  return text.slice(0, i).split('\n').length;
}

describe('pipeline.yaml validation', () => {
  test('the bundled pipeline is valid and ordered with every stage after its needs', () => {
    const p = parsePipeline(TEXT, FILE);
    const names = p.stages.map((s) => s.name);
    assert.deepEqual(names, ['catalog', 'load-cubes', 'mass-map', 'collapse-smooth', 'cluster', 'write', 'plot', 'summarise', 'dtd', 'dtd-models', 'report']);
    assert.deepEqual(p.stages.filter((s) => s.over).map((s) => s.name), ['summarise', 'dtd', 'dtd-models', 'report'], 'summary.csv, the DTD fit, its model comparison and report.html are catalog-level stages');
    assert.equal(p.stages.filter((s) => s.source).length, 1);
    assert.equal(p.params.get('k')?.default, 4);
  });

  test('every problem is reported at once, each at its line', () => {
    const bad = TEXT.replace('needs: [load-cubes]\n    doc: Stellar', 'needs: [load-cube]\n    doc: Stellar').replace(/params: \[k, seed, maxIter,/, 'params: [k, seed, maxIters,');
    const problems = problemsOf(bad);
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0] ?? '', new RegExp(`^${lineOf(bad, '[load-cube]')}:\\d+ stage \`mass-map\` needs \`load-cube\`, which is not a stage`));
    assert.match(problems[1] ?? '', new RegExp(`^${lineOf(bad, 'maxIters')}:\\d+ stage \`cluster\` reads parameter \`maxIters\`, which is not declared`));
  });

  test('a cycle is printed', () => {
    const bad = TEXT.replace('needs: [catalog]\n    params: [cubes', 'needs: [catalog, write]\n    params: [cubes').replace('    source: true\n', '    source: true\n');
    const problems = problemsOf(bad);
    assert.ok(problems.some((p) => /cycle: load-cubes -> (\S+ -> )+load-cubes/.test(p)), problems.join('\n'));
  });

  test('a duplicate key, a wrong default type, an unknown module, an unknown built-in and an unknown field', () => {
    const bad = TEXT.replace('  k:\n    type: int\n    default: 4', '  k:\n    type: int\n    default: four')
      .replace('builtin: mass-map', 'module: stages/mass-mapp.ts')
      .replace('builtin: cluster', 'builtin: clustre')
      .replace('    doc: Read the catalog and select the galaxies.', '    doc: Read the catalog and select the galaxies.\n    colour: blue');
    const problems = problemsOf(bad);
    assert.ok(problems.some((p) => p.includes('default of `k`: expected an integer')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('module stages/mass-mapp.ts does not exist')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('sfh-pipeline has no built-in stage `clustre` (did you mean `cluster`?)')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('unknown key `colour`')), problems.join('\n'));
    const dup = problemsOf(TEXT.replace('  seed:\n', '  k:\n    type: int\n    default: 1\n  seed:\n'));
    assert.ok(dup.some((p) => /^\d+:\d+ duplicate key/.test(p)), dup.join('\n'));
  });
});

describe('parameters and sweeps', () => {
  test('integer lists and ranges', () => {
    assert.deepEqual(parseIntList('4', '--k'), [4]);
    assert.deepEqual(parseIntList('2..8', '--k'), [2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(parseIntList('2,4,6', '--k'), [2, 4, 6]);
    assert.deepEqual(parseIntList('2..4,8,3', '--k'), [2, 3, 4, 8]);
    assert.throws(() => parseIntList('8..2', '--k'), /empty/);
    assert.throws(() => parseIntList('two', '--k'), /not an integer/);
  });

  test('a k sweep shares the upstream stages and multiplies cluster and write', () => {
    const p = parsePipeline(TEXT, FILE);
    const values = resolveParams(p, new Map([['k', '2..8']]), ROOT);
    const rows: CatalogRow[] = [{ id: '122', fields: { 'SN Name': 'SNx' } }, { id: '7', fields: { 'SN Name': 'SNy' } }];
    const plan = analyse(p, rows, values);
    const count = (stage: string) => plan.instances.filter((i) => i.stage.name === stage).length;
    assert.equal(plan.tasks.length, 14);
    assert.deepEqual(['catalog', 'load-cubes', 'mass-map', 'collapse-smooth', 'cluster', 'write'].map(count), [2, 2, 2, 2, 14, 14]);
    const task = plan.tasks.find((t) => t.row.id === '122' && t.point['k'] === 5);
    assert.ok(task);
    assert.deepEqual(task.instances.map((i) => i.id), ['catalog[122]', 'load-cubes[122]', 'mass-map[122]', 'collapse-smooth[122]', 'cluster[122 k=5]', 'write[122 k=5]', 'plot[122 k=5]']);
    assert.equal(task.instances[4]?.params['k'], 5);
  });

  test('a sweep over a parameter no stage reads is refused', () => {
    const p = parsePipeline(TEXT.replace('    params: [truncate]\n', ''), FILE);
    const values = resolveParams(p, new Map([['truncate', '3,4']]), ROOT);
    assert.throws(() => analyse(p, [{ id: '1', fields: {} }], values), /no stage reads it/);
  });

  test('unknown parameters and out-of-range values name the fix', () => {
    const p = parsePipeline(TEXT, FILE);
    assert.throws(() => resolveParams(p, new Map([['kk', '3']]), ROOT), /unknown parameter `kk`/);
    assert.throws(() => resolveParams(p, new Map([['k', '0']]), ROOT), /must be >= 1/);
    assert.throws(() => resolveParams(p, new Map([['snPixel', 'round']]), ROOT), /one of nearest, int/);
  });
});

describe('galaxy selection', () => {
  const rows: CatalogRow[] = ['3', '11', '12', '45', '122'].map((id) => ({ id, fields: { 'SN Type': id === '12' ? 'II' : 'Ia' } }));
  test('ids, lists, ranges, all and --where', () => {
    assert.deepEqual(selectRows(rows, '122').map((r) => r.id), ['122']);
    assert.deepEqual(selectRows(rows, '45,11').map((r) => r.id), ['11', '45']);
    assert.deepEqual(selectRows(rows, '10..50').map((r) => r.id), ['11', '12', '45']);
    assert.deepEqual(selectRows(rows, 'all', ['SN Type=Ia']).map((r) => r.id), ['3', '11', '45', '122']);
    assert.deepEqual(selectRows(rows, 'all', ['SN Type!=Ia']).map((r) => r.id), ['12']);
  });
  test('an unknown id suggests the nearest ones; an empty selection is an error', () => {
    assert.throws(() => selectRows(rows, '121'), (err: Error & { hint?: string }) => /galaxy 121 is not in/.test(err.message) && err.hint === 'nearest ids: 122, 45, 12');
    assert.throws(() => selectRows(rows, '200..300'), /no galaxy/);
    assert.throws(() => selectRows(rows, 'all', ['Colour=red']), /no column 'Colour'/);
  });
});
