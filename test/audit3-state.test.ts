/**
 * The classes of fault found by the third fault audit (issue 21, round 3: the state and
 * project side), each through the real CLI on the engine rig (test/helpers/rig.ts: stages
 * that count their own runs, a run in a fraction of a second): a hand-edited lock file
 * given to `clean` and `verify`, `--resume` after what the run was made from changed, a
 * damaged run record, a stage of one's own that misbehaves, an interrupted shell stage.
 * Run: node --import tsx --test test/audit3-state.test.ts (after npm run build)
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { tempDir } from './helpers/cli.ts';
import { makeRig } from './helpers/rig.ts';

/** The lines of a lock file, parsed. */
function lockLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('clean removes only files the runs wrote, whatever the lock file lists', () => {
  const rig = makeRig();
  const outside = tempDir('sfh-outside-');
  after(() => {
    rig.remove();
    outside.remove();
  });

  test('a lock naming the project folder, pipeline.yaml, an input, a folder and a file behind a link out of the project: all kept, the real outputs removed', () => {
    assert.equal(rig.exec(['run', '--galaxy', 'all']).code, 0);
    const lock = path.join(rig.dir, 'sfh-pipeline.lock');
    const by = (lockLines(lock).find((l) => 'output' in l) as { by: string }).by;
    writeFileSync(path.join(outside.dir, 'precious.txt'), 'not the project\'s\n');
    symlinkSync(outside.dir, path.join(rig.dir, 'linked'));
    mkdirSync(path.join(rig.dir, 'notes'));
    writeFileSync(path.join(rig.dir, 'notes', 'n.txt'), 'mine\n');
    // (what a bad merge, a lock copied from another project or a hand edit can list)
    for (const output of ['.', 'pipeline.yaml', 'data-a.txt', 'notes', 'linked/precious.txt', 'sfh-pipeline.lock']) appendFileSync(lock, `${JSON.stringify({ output, sha256: '0'.repeat(64), by })}\n`);
    // data-a.txt is an input the lock records: make it one (load reads it)
    const dry = rig.exec(['clean']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.doesNotMatch(dry.stdout, /would remove (\.|pipeline\.yaml|notes|linked|sfh-pipeline\.lock|.*sfh-rig-[^/\n]*)\n/, dry.stdout);
    const r = rig.exec(['clean', '--force']);
    assert.equal(r.code, 0, r.stderr);
    for (const f of ['pipeline.yaml', 'sfh-pipeline.lock', 'notes/n.txt', 'rows.mjs']) assert.ok(existsSync(path.join(rig.dir, f)), `${f} is kept\n${r.stdout}`);
    assert.ok(existsSync(path.join(outside.dir, 'precious.txt')), `a file behind a link out of the project is kept\n${r.stdout}`);
    assert.match(r.stdout, /kept pipeline\.yaml: the lock lists it as an output, but it is the pipeline file/);
    assert.match(r.stdout, /kept notes: the lock lists it as an output, but it is a folder/);
    // what the runs wrote is gone, as before
    assert.ok(!existsSync(path.join(rig.dir, 'out', 'a_1.txt')), r.stdout);
    assert.ok(!existsSync(path.join(rig.dir, 'cache')), r.stdout);
  });

  test('an input the lock records is never removed as an output', () => {
    const rig2 = makeRig();
    try {
      assert.equal(rig2.exec(['run', '--galaxy', 'all']).code, 0);
      const lock = path.join(rig2.dir, 'sfh-pipeline.lock');
      const by = (lockLines(lock).find((l) => 'output' in l) as { by: string }).by;
      appendFileSync(lock, `${JSON.stringify({ output: 'data-a.txt', sha256: '0'.repeat(64), by })}\n`);
      const r = rig2.exec(['clean', '--force']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(existsSync(path.join(rig2.dir, 'data-a.txt')), r.stdout);
      assert.match(r.stdout, /kept data-a\.txt: the lock lists it as an output, but it is an input/);
    } finally {
      rig2.remove();
    }
  });

  test('--cache naming a folder that is not only a cache is kept, naming what it holds', () => {
    const rig2 = makeRig();
    try {
      assert.equal(rig2.exec(['run', '--galaxy', 'all']).code, 0);
      const r = rig2.exec(['clean', '--force', '--cache-only', '--cache', '.']);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(existsSync(path.join(rig2.dir, 'pipeline.yaml')), r.stdout);
      assert.match(r.stdout, /kept .*: it holds .*, which a cache never does/);
      const ok = rig2.exec(['clean', '--force', '--cache-only']);
      assert.match(ok.stdout, /removed cache/);
      assert.ok(!readdirSync(rig2.dir).includes('cache'));
    } finally {
      rig2.remove();
    }
  });
});

/** Makes the last run record of `rig` look like a run killed after it finished galaxy `a` only. */
function killedAfterA(rig: ReturnType<typeof makeRig>): void {
  const runs = path.join(rig.dir, 'cache', 'runs');
  const file = path.join(runs, readdirSync(runs).sort().reverse()[0] as string);
  const kept = readFileSync(file, 'utf8').split('\n').filter((l) => l && !/"kind":"(end|catalog)"/.test(l) && !/"task":"b /.test(l));
  writeFileSync(file, `${kept.join('\n')}\n`);
}

describe('--resume after what a finished task was made from changed', () => {
  test('an input of a finished galaxy changed: it is run again, its result and the lock are the new ones', () => {
    const rig = makeRig();
    try {
      assert.equal(rig.exec(['run', '--galaxy', 'all']).code, 0);
      killedAfterA(rig);
      rig.write({ 'data-a.txt': '5\n' });
      const r = rig.exec(['run', '--resume']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /resuming .*: 2 of 2 tasks failed, never finished, or changed since they finished \(1 changed: galaxy a: load: input data-a\.txt changed\)/);
      assert.equal(readFileSync(path.join(rig.dir, 'out', 'a_1.txt'), 'utf8'), '5 in 1\n', 'the result of a is made from its new input');
      const status = rig.exec(['status']);
      assert.match(status.stdout, /lock sfh-pipeline\.lock: 2 outputs, 2 as locked\n/, status.stdout);
      assert.equal(rig.exec(['verify']).code, 0);
    } finally {
      rig.remove();
    }
  });

  test('a parameter default changed in pipeline.yaml: the finished galaxy is run again with it', () => {
    const rig = makeRig();
    try {
      assert.equal(rig.exec(['run', '--galaxy', 'all']).code, 0);
      killedAfterA(rig);
      rig.write({ 'pipeline.yaml': readFileSync(path.join(rig.dir, 'pipeline.yaml'), 'utf8').replace('v: {type: int, default: 1,', 'v: {type: int, default: 10,') });
      const r = rig.exec(['run', '--resume']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /1 changed: galaxy a: scale: param v 1 -> 10/);
      assert.equal(readFileSync(path.join(rig.dir, 'out', 'a_1.txt'), 'utf8'), '20 in 1\n');
      assert.equal(readFileSync(path.join(rig.dir, 'out', 'b_1.txt'), 'utf8'), '30 in 1\n');
      assert.match(rig.exec(['status']).stdout, /2 outputs, 2 as locked\n/);
    } finally {
      rig.remove();
    }
  });

  test('nothing changed: only the unfinished galaxy runs, as before', () => {
    const rig = makeRig();
    try {
      assert.equal(rig.exec(['run', '--galaxy', 'all']).code, 0);
      killedAfterA(rig);
      rig.write({ 'data-b.txt': '4\n' });
      const before = rig.runs();
      const r = rig.exec(['run', '--resume', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /resuming .*: 1 of 2 tasks failed or never finished\n/);
      assert.deepEqual(r.json?.tasks.map((t) => t.galaxy), ['b']);
      assert.equal(rig.runs()['load'], (before['load'] ?? 0) + 1, 'only b loaded again');
    } finally {
      rig.remove();
    }
  });
});

describe('a damaged or hand-edited lock file is refused at its line, never half read', () => {
  const rig = makeRig();
  after(() => rig.remove());
  const lock = path.join(rig.dir, 'sfh-pipeline.lock');
  let good = '';

  test('the rig\'s lock verifies', () => {
    assert.equal(rig.exec(['run', '--galaxy', 'all']).code, 0);
    good = readFileSync(lock, 'utf8');
    assert.equal(rig.exec(['verify']).code, 0);
  });

  const n = () => good.split('\n').filter(Boolean).length + 1;
  const output = () => lockLines(lock).find((l) => 'output' in l) as { output: string; sha256: string; by: string };
  const cases: [string, () => string, RegExp][] = [
    ['a line that is JSON but no entry (null)', () => 'null', /:N: the line is null, not an entry of the lock/],
    ['an output without its sha256', () => JSON.stringify({ output: 'out/new.txt', by: output().by }), /:N: output out\/new\.txt has no sha256/],
    ['an output written by an instance the lock does not have', () => JSON.stringify({ output: 'out/new.txt', sha256: 'a'.repeat(64), by: 'ffffffffffff' }), /:N: output out\/new\.txt was written by instance ffffffffffff, which no line of the lock gives/],
    ['an output twice with two hashes (a merge that kept both sides)', () => JSON.stringify({ ...output(), sha256: 'b'.repeat(64) }), /:N: gives output out\/a_1\.txt again, with another content than line \d+/],
    ['a second header', () => good.split('\n')[0] as string, /:N: a second header line/],
  ];
  for (const [what, line, message] of cases) {
    test(`${what}: verify, status, clean and run say so, naming the line; nothing runs`, () => {
      writeFileSync(lock, good);
      appendFileSync(lock, `${line()}\n`);
      const expected = new RegExp(message.source.replace(':N:', `sfh-pipeline\\.lock:${n()}:`));
      for (const args of [['verify'], ['status'], ['clean'], ['run', '--galaxy', 'all', '--set', 'v=3']]) {
        const before = rig.runs();
        const r = rig.exec(args);
        assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, expected, args.join(' '));
        assert.match(r.stderr, /restore it from git, or delete it and run the pipeline again/);
        assert.doesNotMatch(r.stderr, /internal error|TypeError/);
        assert.deepEqual(rig.runs(), before, `${args.join(' ')} ran nothing`);
      }
    });
  }

  test('the header line missing: named as such, not as a first-format lock that is not JSON', () => {
    writeFileSync(lock, good.split('\n').slice(1).join('\n'));
    const r = rig.exec(['verify']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /sfh-pipeline\.lock:1: the first line is an entry, not the lock's header/);
    writeFileSync(lock, good);
  });
});

describe('a stage of one\'s own that misbehaves fails its galaxy, named, and never the run\'s record', () => {
  const ODD = `export function run(ctx) {
  if (ctx.row.id === 'a') return { meta: { fine: true } };
  switch (ctx.params.mode) {
    case 'exit0': process.exit(0);
    case 'exit3': process.exit(3);
    case 'number': return 42;
    case 'nan': return { meta: { ratio: NaN } };
    case 'files': return { meta: {}, files: 'out/b.txt' };
    case 'cycle': { const meta = {}; meta.self = meta; return { meta }; }
    case 'fn': return { meta: { f: () => 1 } };
    case 'print': console.log('{"a stage": "printing"}'); return { meta: {} };
  }
}
`;
  const rig = makeRig({}, { 'odd.mjs': ODD });
  rig.write({ 'pipeline.yaml': readFileSync(path.join(rig.dir, 'pipeline.yaml'), 'utf8').replace('params:\n', 'params:\n  mode: {type: string, default: none}\n') + '  odd:\n    module: odd.mjs\n    needs: [load]\n    params: [mode]\n' });
  after(() => rig.remove());

  const cases: [string, RegExp][] = [
    ['exit0', /stage ended its worker thread \(process\.exit\(0\)\?\) before it returned its output/],
    ['exit3', /exited with code 3 \(process\.exit\(3\) in the stage, or out of memory\?\)/],
    ['number', /stage `odd` returned 42, not an object/],
    ['nan', /stage `odd` returned `meta\.ratio` = NaN, which JSON \(the cache\) cannot hold/],
    ['files', /stage `odd` returned `files` as "out\/b\.txt", not a list/],
    ['cycle', /`meta\.self` refers back to itself/],
    ['fn', /`meta\.f` as a function/],
  ];
  for (const [mode, message] of cases) {
    test(`mode ${mode}: galaxy b fails saying why, a is made, the run ends with its summary and --json`, () => {
      const r = rig.exec(['run', '--galaxy', 'all', '--set', `mode=${mode}`, '--json'], {}, 60_000);
      assert.equal(r.code, 1, `${r.code}: ${r.stderr}`);
      const b = r.json?.tasks.find((t) => t.galaxy === 'b');
      assert.equal(b?.status, 'failed', r.stderr);
      assert.match(b?.error ?? '', message);
      assert.equal(r.json?.tasks.find((t) => t.galaxy === 'a')?.status, 'ok');
      assert.match(r.stderr, /tasks: 1 ok .* 1 failed/);
    });
  }

  test('a stage that prints to stdout: the --json record stays readable, the line goes to stderr', () => {
    const r = rig.exec(['run', '--galaxy', 'all', '--set', 'mode=print', '--json'], {}, 60_000);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotThrow(() => JSON.parse(r.stdout), r.stdout);
    assert.match(r.stderr, /\{"a stage": "printing"\}/);
  });
});

describe('a damaged run record given to --resume is named, never an internal error', () => {
  const damages: [string, (lines: string[]) => string[], RegExp][] = [
    ['its first line null', (l) => ['null', ...l.slice(1)], /--resume: the last run record .*\.jsonl is damaged: its first line is not a run's options/],
    ['an option of another type (galaxy: 5)', (l) => [JSON.stringify({ ...JSON.parse(l[0] as string), args: { galaxy: 5 } }), ...l.slice(1)], /is damaged: its first line is not a run's options/],
    ['its options missing', (l) => [JSON.stringify({ ...JSON.parse(l[0] as string), args: undefined }), ...l.slice(1)], /is damaged: its first line is not a run's options/],
    ['a task line null, another of another shape', (l) => [l[0] as string, 'null', '{"kind":"task","task":5,"status":"ok","lock":5}', ...l.slice(1)], /resuming .*: 1 of 2 tasks failed or never finished/],
  ];
  for (const [what, damage, message] of damages) {
    test(what, () => {
      const rig = makeRig();
      try {
        assert.equal(rig.exec(['run', '--galaxy', 'all']).code, 0);
        killedAfterA(rig);
        const runs = path.join(rig.dir, 'cache', 'runs');
        const file = path.join(runs, readdirSync(runs).sort().reverse()[0] as string);
        writeFileSync(file, `${damage(readFileSync(file, 'utf8').split('\n').filter(Boolean)).join('\n')}\n`);
        const r = rig.exec(['run', '--resume']);
        assert.doesNotMatch(r.stderr, /internal error|TypeError/, r.stderr);
        assert.match(r.stderr, message);
        assert.equal(r.code, /damaged/.test(message.source) ? 2 : 0, r.stderr);
      } finally {
        rig.remove();
      }
    });
  }
});
