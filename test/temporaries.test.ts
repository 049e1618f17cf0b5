/**
 * The temporary files of atomic writes that a kill leaves behind (`.<name>.tmp-...`, hidden,
 * never under a final name) are cleaned up: by the next run that writes in their folder (its
 * writer's process is gone: at once, not after a minute), and by `cache gc` anywhere in the
 * cache (`stat/` included). A live writer's are never touched. Real SIGKILLs of real writers.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { tempNameFor } from '../src/cache/atomic.ts';
import { ROOT, runCli } from './helpers/cli.ts';
import { killWhen } from './helpers/kill.ts';
import { makeRig } from './helpers/rig.ts';

const hidden = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('.') && f.includes('.tmp-')) : []);

describe('a run killed in the middle of writing an output: --resume leaves no temporary file behind', () => {
  // `group` writes its output the way every writer does (a temporary name, then a rename),
  // and waits, mid-write, until it is killed when `hold-<galaxy>` exists.
  const group = `import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempNameFor } from ${JSON.stringify(path.join(ROOT, 'dist', 'src', 'cache', 'atomic.js'))};
import { count } from './count.mjs';
const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const file = (ctx) => path.join(String(ctx.params.out), \`\${ctx.row.id}_\${ctx.params.k}.txt\`);
export function outputs(ctx) {
  return [file(ctx)];
}
export function run(ctx) {
  count(ctx);
  mkdirSync(String(ctx.params.out), { recursive: true });
  const tmp = tempNameFor(file(ctx));
  const fd = openSync(tmp, 'wx');
  writeSync(fd, 'half of it');
  if (existsSync(here(\`hold-\${ctx.row.id}\`))) {
    closeSync(openSync(here(\`writing-\${ctx.row.id}\`), 'w'));
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
  writeSync(fd, ' and the rest\\n');
  closeSync(fd);
  renameSync(tmp, file(ctx));
  return { meta: {}, files: [file(ctx)] };
}
`;
  const rig = makeRig({}, { 'group.mjs': group, 'hold-b': '' });
  after(() => rig.remove());
  const out = path.join(rig.dir, 'out');

  test('the kill lands while b\'s output is half-written under its temporary name', async () => {
    const kill = await killWhen(['run', '--galaxy', 'all', '--jobs', '1'], () => existsSync(path.join(rig.dir, 'writing-b')), rig.dir);
    assert.ok(kill.landed, JSON.stringify(kill));
    assert.equal(hidden(out).length, 1, `one temporary file: ${readdirSync(out).join(', ')}`);
    assert.ok(!existsSync(path.join(out, 'b_1.txt')), 'nothing under the final name');
  });

  test('--resume finishes the run and removes the temporary file at once', () => {
    rmSync(path.join(rig.dir, 'hold-b'));
    // (the writer's process is gone: its temporary is removed now, not once a minute old)
    const r = rig.exec(['run', '--resume']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(hidden(out), []);
    assert.deepEqual(readdirSync(out).sort(), ['a_1.txt', 'b_1.txt']);
  });
});

describe('cache gc removes the temporary files of killed writers anywhere in the cache, and no live one', () => {
  const rig = makeRig();
  after(() => rig.remove());
  const cache = path.join(rig.dir, 'cache');

  test('in stat/ and records/, of a killed writer and of an earlier version; not a live writer\'s', async () => {
    assert.equal(rig.exec(['run', '--galaxy', 'all']).code, 0);
    const stat = path.join(cache, 'stat');
    const records = path.join(cache, 'records', 'ab');
    mkdirSync(records, { recursive: true });
    // (named first: naming a temporary clears the folder's dead ones, which must be gc's to clear here)
    const live = tempNameFor(path.join(stat, 'live.json'));
    // A writer killed mid-write, in stat/ and in records/: real processes, really killed.
    for (const dir of [stat, records]) {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
import { openSync, writeSync } from 'node:fs';
import { tempNameFor } from ${JSON.stringify(path.join(ROOT, 'src', 'cache', 'atomic.ts'))};
writeSync(openSync(tempNameFor(${JSON.stringify(path.join(dir, 'entry.json'))}), 'wx'), '{"half":');
writeSync(1, 'written\\n');
setInterval(() => {}, 1000);
`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    // One of an earlier version (no host in its name), an hour old; and a live writer's (this process).
    const old = path.join(stat, '.x.json.tmp-999999-abcd1234');
    writeFileSync(old, '');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(old, hourAgo, hourAgo);
    writeFileSync(live, '');
    assert.equal(hidden(stat).length, 3);
    assert.equal(hidden(records).length, 1);

    const gc = runCli(['cache', 'gc', '--cache', cache], { cwd: rig.dir });
    assert.equal(gc.code, 0, gc.stderr);
    assert.match(gc.stdout, /3 temporary files of killed runs/);
    assert.deepEqual(hidden(stat), [path.basename(live)], 'only the live writer\'s is left');
    assert.deepEqual(hidden(records), []);
    assert.equal(runCli(['cache', 'verify', '--cache', cache]).code, 0);
  });
});
