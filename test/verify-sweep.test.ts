/**
 * `verify` no slower than the run (issue 20 item 7): it recomputes a k sweep as the run
 * computed it, each galaxy's shared stages once for all of its outputs (one plan, on every
 * core, galaxies a few at a time as a run schedules them), and still says which output
 * differs. Counted on the engine rig (test/helpers/rig.ts), whose stages count their own
 * runs, so the claim does not rest on the tool's report of itself.
 *
 * Run: node --import tsx --test test/verify-sweep.test.ts (after npm run build)
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { makeRig, type Rig } from './helpers/rig.ts';

/** What ran during `fn`, by stage, and the lines of the runs (`<stage> <galaxy> <params>`). */
function counted(rig: Rig, fn: () => void): { ran: Record<string, number>; lines: string[] } {
  const before = rig.lines().length;
  fn();
  const lines = rig.lines().slice(before);
  const ran: Record<string, number> = { rows: 0, load: 0, scale: 0, group: 0, total: 0 };
  for (const line of lines) {
    const stage = line.split(' ')[0] as string;
    ran[stage] = (ran[stage] ?? 0) + 1;
  }
  return { ran, lines };
}

describe('verify of a k sweep', () => {
  const rigs: Rig[] = [];
  after(() => rigs.forEach((r) => r.remove()));

  test('recomputes each galaxy\'s upstream stages once for all of its k values, and still names the output that differs', () => {
    const rig = makeRig();
    rigs.push(rig);
    const run = rig.exec(['run', '--galaxy', 'a,b', '--k', '1..4', '--json']);
    assert.equal(run.code, 0, run.stderr);

    const ok = counted(rig, () => {
      const v = rig.exec(['verify', '--jobs', '2']);
      assert.equal(v.code, 0, `${v.stdout}\n${v.stderr}`);
      assert.match(v.stdout, /^8 of 8 outputs reproduced bit for bit$/m);
    });
    // 2 galaxies x 4 k: the shared stages once per galaxy, group once per (galaxy, k).
    assert.deepEqual(ok.ran, { rows: 2, load: 2, scale: 2, group: 8, total: 0 }, ok.lines.join('\n'));
    for (const g of ['a', 'b']) assert.equal(ok.lines.filter((l) => l.startsWith(`load ${g} `)).length, 1, `load ${g} once`);

    // An output edited on disk after the run: named, the others still reproduced.
    const edited = path.join(rig.dir, 'out', 'b_3.txt');
    writeFileSync(edited, readFileSync(edited, 'utf8').replace(/^\d+/, '999'));
    const bad = counted(rig, () => {
      const v = rig.exec(['verify']);
      assert.equal(v.code, 1, v.stdout);
      assert.match(v.stdout, /^DIFFERS {2}out\/b_3\.txt: the file on disk has sha256 [0-9a-f]{12}, not the locked [0-9a-f]{12}/m);
      assert.match(v.stdout, /^7 of 8 outputs reproduced bit for bit$/m);
    });
    assert.deepEqual(bad.ran, { rows: 2, load: 2, scale: 2, group: 8, total: 0 });

    // An input changed since the lock: every output of its galaxy differs, and says why.
    rig.write({ 'data-a.txt': '7\n' });
    const v = rig.exec(['verify']);
    assert.equal(v.code, 1);
    for (const k of [1, 2, 3, 4]) assert.match(v.stdout, new RegExp(`^DIFFERS {2}out/a_${k}\\.txt: recomputed sha256 [0-9a-f]{12} != locked [0-9a-f]{12} \\(input data-a\\.txt changed since the lock was written\\)`, 'm'));
  });
});
