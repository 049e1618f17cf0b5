/**
 * Warnings survive the cache: a warning is about the result, so a rerun answered from the
 * cache says it again, in the log and in `--json`, for every kind (a stage module's, a
 * catalog-level stage's, the astronomy's: an SN outside its cube, bytes read past after a
 * FITS file's last HDU). Through the real CLI: the same command twice, the second all cached.
 */
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { PARITY, runCli, tempDir, type CliResult } from './helpers/cli.ts';
import { makeRig, STAGES } from './helpers/rig.ts';

/** The warnings of a plain log: `<instance> warning: <message>` lines. */
const logged = (r: CliResult): string[] => r.stderr.split('\n').filter((l) => / warning: /.test(l)).sort();

describe('a module stage\'s and a catalog-level stage\'s warnings are repeated from the cache', () => {
  const rig = makeRig({}, {
    'scale.mjs': STAGES['scale.mjs']?.replace('count(ctx);', "count(ctx);\n  ctx.warn(`galaxy ${ctx.row.id}: scaled by ${ctx.params.v}`);") ?? '',
    'total.mjs': STAGES['total.mjs']?.replace('count(ctx);', "count(ctx);\n  ctx.warn('the total is a test');") ?? '',
  });
  after(() => rig.remove());
  const first = rig.exec(['run', '--galaxy', 'all', '--plain', '--json']);
  const again = rig.exec(['run', '--galaxy', 'all', '--plain', '--json']);

  test('the second run ran nothing', () => {
    assert.equal(first.code, 0, first.stderr);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(rig.runs(), { rows: 2, load: 2, scale: 2, group: 2, total: 1 });
    assert.ok(again.json?.tasks.every((t) => t.stages.every((s) => s.status === 'cached')), JSON.stringify(again.json?.tasks));
  });

  test('the log says the same warnings', () => {
    assert.deepEqual(logged(first), ['scale[a] warning: galaxy a: scaled by 1', 'scale[b] warning: galaxy b: scaled by 1', 'total[all] warning: the total is a test']);
    assert.deepEqual(logged(again), logged(first));
  });

  test('--json has them, per task and per catalog-level instance', () => {
    for (const r of [first, again]) {
      assert.deepEqual(r.json?.tasks.map((t) => t.warnings), [['galaxy a: scaled by 1'], ['galaxy b: scaled by 1']]);
      const catalog = (r.json?.['catalog'] as { id: string; warnings: string[] }[]).find((c) => c.id === 'total[all]');
      assert.deepEqual(catalog?.warnings, ['the total is a test']);
    }
  });

  test('a stage that reruns says its new warnings, not the old ones', () => {
    const r = rig.exec(['run', '--galaxy', 'all', '--plain', '--json', '--set', 'v=2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json?.tasks.map((t) => t.warnings), [['galaxy a: scaled by 2'], ['galaxy b: scaled by 2']]);
  });
});

describe('the astronomy\'s warnings are repeated from the cache: an SN outside its cube, bytes after the last HDU', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  const input = path.join(PARITY, 'input');
  const cubes = path.join(tmp.dir, 'cubes');
  mkdirSync(cubes);
  const cube = 'CDP.2017-03-11T04:12:11.011.fits';
  copyFileSync(path.join(input, 'MuseObject', 'MuseResample', cube), path.join(cubes, cube));
  // A tool appended junk after the last HDU: read past, with a warning (as astropy does).
  appendFileSync(path.join(cubes, cube), Buffer.alloc(100, 'x'));
  // The SN far outside the cube's field.
  const catalog = readFileSync(path.join(input, 'FinalSelMuseMask3.csv'), 'utf8').replace('112.33550185516356,-58.94783969453248', '112.5,-58.8');
  writeFileSync(path.join(tmp.dir, 'catalog.csv'), catalog);
  const args = ['run', '--galaxy', '11', '--k', '2', '--catalog', path.join(tmp.dir, 'catalog.csv'), '--cubes', cubes, '--sfh', path.join(input, 'MuseSFH', 'dataOut'), '--out', path.join(tmp.dir, 'out'), '--cache', path.join(tmp.dir, 'cache'), '--no-report', '--plain', '--json'];
  const first = runCli(args, { cwd: tmp.dir });
  const again = runCli(args, { cwd: tmp.dir });

  test('both runs end well, the second from the cache', () => {
    assert.equal(first.code, 0, first.stderr);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(again.json?.tasks[0]?.stages.every((s) => s.status === 'cached'), JSON.stringify(again.json?.tasks[0]?.stages));
  });

  test('the warnings are said again, in the log and in --json', () => {
    const warnings = first.json?.tasks[0]?.warnings ?? [];
    assert.ok(warnings.some((w) => /is outside the 36 x 32 cube; its group will be reported as none/.test(w)), warnings.join('\n'));
    assert.ok(warnings.some((w) => /100 bytes after the last HDU/.test(w)), warnings.join('\n'));
    assert.deepEqual(again.json?.tasks[0]?.warnings, warnings);
    assert.deepEqual(logged(again), logged(first));
    assert.ok(logged(again).length >= 2);
  });
});
