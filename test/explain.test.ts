/**
 * Answers that stay readable at a catalog's size, on the rig (test/helpers/rig.ts) with 15
 * galaxies, 5 of which skip and 1 fails: `explain` summarises per stage by reason (one line
 * per instance with --all or a few galaxies), shows a galaxy whose cached outcome is a skip
 * as skipped rather than "would run", and the end of `run` names each failed or skipped
 * galaxy once, with the catalog-level stage's left-out galaxies counted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeRig, PIPELINE, STAGES, type Rig } from './helpers/rig.ts';

/** load.mjs, skipping a galaxy whose data says `skip`. */
const LOAD = STAGES['load.mjs']?.replace("  return { meta: { value: Number(text) } };", "  if (text === 'skip') return { meta: {}, skip: `galaxy ${ctx.row.id} has nothing to do` };\n  return { meta: { value: Number(text) } };") ?? '';

const GALAXIES = Array.from({ length: 15 }, (_, i) => `g${i + 1}`);
const data = (id: string): string => (['g1', 'g2', 'g3', 'g4', 'g5'].includes(id) ? 'skip' : id === 'g6' ? 'fail' : String(Number(id.slice(1)) * 10));

describe('readable at a catalog\'s size', () => {
  let rig: Rig;
  const selection = ['--galaxy', 'all'];
  let run: ReturnType<Rig['exec']>;
  before(() => {
    assert.ok(LOAD.includes("text === 'skip'"), 'the rig\'s load stage was extended');
    // (the galaxies as the rows stage's default: a list on the command line would be a sweep)
    rig = makeRig({}, { 'pipeline.yaml': PIPELINE.replace('default: "a,b"', `default: "${GALAXIES.join(',')}"`), 'load.mjs': LOAD, ...Object.fromEntries(GALAXIES.map((g) => [`data-${g}.txt`, `${data(g)}\n`])) });
    run = rig.exec(['run', ...selection, '--k', '1..3', '--plain']);
  });
  after(() => rig.remove());

  test('the end of run names each failed or skipped galaxy once, with its k values, stage and reason', () => {
    assert.equal(run.code, 1, 'a galaxy failed');
    const lines = run.stderr.split('\n');
    assert.ok(lines.includes('tasks: 27 ok (0 fully cached), 3 failed, 15 skipped, 45 in all'), run.stderr);
    assert.deepEqual(lines.filter((l) => l.startsWith('  failed ')), ['  failed  g6 (k=1..3) at load: galaxy g6: its data says fail (write a number into it)']);
    const skipped = lines.filter((l) => l.startsWith('  skipped '));
    assert.deepEqual(skipped, ['g1', 'g2', 'g3', 'g4', 'g5'].map((g) => `  skipped ${g} (k=1..3) at load: galaxy ${g} has nothing to do`));
    // The catalog-level stage counts who it left out, by how and where, with an example reason.
    const total = lines.find((l) => l.startsWith('total[all]: ran over'));
    assert.equal(total, 'total[all]: ran over 9 of 15; left out 6 (6 galaxies): 5 skipped (5 galaxies; e.g. g1: galaxy g1 has nothing to do); 1 failed at load (1 galaxy; e.g. g6: galaxy g6: its data says fail); every galaxy is listed in the lines above');
  });

  test('explain summarises per stage by reason, and a cached skip is a skip, not "would run"', () => {
    const r = rig.exec(['explain', ...selection, '--k', '1..4']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines.map((l) => l.split(/\s+/)[0]), ['rows', 'load', 'scale', 'group', 'total', '60'], r.stdout);
    // the skip's reason once for the 5 galaxies (what names a galaxy taken out); the failed galaxy would run again
    assert.equal(lines[1], 'load   9 cached; 5 skipped: galaxy <id> has nothing to do; 1 would run: never ran');
    assert.equal(lines[2], 'scale  9 cached; 5 skipped: load skipped: galaxy <id> has nothing to do; 1 would run: never ran; upstream load would run');
    // the new k: 9 galaxies would run at k=4 and the failed one at every k; the skipped ones at none
    assert.match(lines[3] ?? '', /^group  27 cached; 20 skipped: load skipped: galaxy <id> has nothing to do; 13 would run: /);
    // (which k each galaxy's group is compared with is explain's comparison basis, not its presentation)
    assert.match(lines[3] ?? '', /13 would run: .*param k \d -> 4/);
    assert.equal(lines[4], "total  1 would run: galaxies' scale would run");
    assert.equal(lines[5], '60 cached, 30 skipped, 16 would run (one line per instance: --all, or --galaxy with a few galaxies)');
  });

  test('status counts a cached skip as skipped, not as would run; the failed galaxy would run', () => {
    const r = rig.exec(['status']);
    assert.equal(r.code, 0, r.stderr);
    const line = (stage: string) => r.stdout.split('\n').find((l) => l.trimStart().startsWith(`${stage} `)) ?? '';
    assert.equal(line('load').trim(), 'load   1 of 15 would run (9 cached, 5 skipped): never ran', r.stdout);
    assert.equal(line('group').trim(), 'group  3 of 45 would run (27 cached, 15 skipped): upstream scale would run; never ran', r.stdout);
    assert.doesNotMatch(r.stdout, /has nothing to do/, 'a skip is no reason to run');
  });

  test('--all, or a few galaxies, gives one line per instance; skipped ones say after which skip', () => {
    const all = rig.exec(['explain', ...selection, '--k', '1..4', '--all']);
    assert.equal(all.code, 0, all.stderr);
    const lines = all.stdout.trim().split('\n');
    assert.equal(lines.length, 15 + 15 + 15 + 15 * 4 + 1 + 1, 'one line per instance, and the totals');
    assert.match(all.stdout, /^load\[g1\]\s+skipped: galaxy g1 has nothing to do$/m);
    assert.match(all.stdout, /^group\[g2 k=4\]\s+skipped: load\[g2\] skipped: galaxy g2 has nothing to do$/m);
    assert.ok(!lines.some((l) => /^\w+\[g[1-5][\] ].*would run/.test(l)), 'no instance of a skipped galaxy would run');
    assert.match(all.stdout, /^group\[g7 k=4\]\s+would run: param k 3 -> 4$/m);
    const few = rig.exec(['explain', '--galaxy', 'g1,g7', '--k', '1..4']);
    assert.equal(few.code, 0, few.stderr);
    assert.match(few.stdout, /^scale\[g1\]\s+skipped: load\[g1\] skipped: galaxy g1 has nothing to do$/m);
    assert.match(few.stdout, /^group\[g7 k=2\]\s+cached$/m);
  });
});
