/**
 * sfh-pipeline as a user installs it, not as this repository runs it: `npm pack`, then
 * `npm install` of the tarball into an empty project, and the installed command driven
 * through the path a new user takes: `example`, `init`, `run`, a comment in pipeline.yaml
 * (nothing reruns), a shell stage and a TypeScript stage of their own (they run), the
 * project folder moved, `verify`. The package folder must come out byte for byte as it was
 * installed: nothing is written into it at run time. Needs the npm registry (or npm's
 * cache) for the package's dependencies, as any install does.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, tempDir } from './helpers/cli.ts';

const tmp = tempDir('sfh-installed-');
after(() => tmp.remove());

/** Runs `cmd args` in `cwd`; the test fails with its output when it exits non-zero (unless `ok` allows it). */
function sh(cmd: string, args: readonly string[], cwd: string, ok: (code: number) => boolean = (c) => c === 0): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, [...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' } });
  const out = { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  assert.ok(ok(out.code), `${cmd} ${args.join(' ')} in ${cwd} exited ${out.code}\n${out.stdout}\n${out.stderr}`);
  return out;
}

/** Every file under `dir` with its sha256 and mtime: the package folder before and after use. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const f = path.join(d, name);
      if (name === 'node_modules') continue;
      const st = statSync(f);
      if (st.isDirectory()) walk(f);
      else files.set(path.relative(dir, f), `${createHash('sha256').update(readFileSync(f)).digest('hex')} ${st.mtimeMs}`);
    }
  };
  walk(dir);
  return files;
}

interface RunJson {
  tasks: { galaxy: string; status: string; stages: { name: string; status: string }[] }[];
  catalog?: { stage: string; status: string }[];
}

/** Each stage's statuses in a `run --json` record, per galaxy stage and catalog-level stage. */
function statuses(json: RunJson): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const t of json.tasks) for (const s of t.stages) by.set(s.name, [...(by.get(s.name) ?? []), s.status]);
  for (const c of json.catalog ?? []) by.set(c.stage, [...(by.get(c.stage) ?? []), c.status]);
  return by;
}

let tarball = '';
let project = path.join(tmp.dir, 'paper');
const bin = () => path.join(project, 'node_modules', '.bin', 'sfh-pipeline');
const pkg = () => path.join(project, 'node_modules', 'sfh-pipeline');
let installed = new Map<string, string>();

before(() => {
  // (the suite's pretest built dist/; pack what is there, as `npm publish` would after prepare)
  const packed = sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp.dir], ROOT);
  const info = (JSON.parse(packed.stdout) as { filename: string; files: { path: string }[]; size: number; unpackedSize: number }[])[0]!;
  tarball = path.join(tmp.dir, info.filename);
  process.stderr.write(`# package: ${info.files.length} files, ${(info.size / 1024).toFixed(0)} kB packed, ${(info.unpackedSize / 1024).toFixed(0)} kB unpacked\n`);
  mkdirSync(project);
  sh('npm', ['init', '-y'], project);
  sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
  installed = snapshot(pkg());
});

describe('the package as npm packs it', () => {
  test('holds the compiled code, the bundled pipeline, the docs and the licence; no sources, source maps, scripts or benchmarks', () => {
    const files = [...installed.keys()];
    for (const f of ['LICENSE', 'README.md', 'package.json', 'pipeline.yaml', 'bin/sfh-pipeline.js', 'dist/src/cli.js', 'dist/stages/cluster.js', 'dist/types/stage.d.ts', 'docs/project.md', 'docs/caching.md']) assert.ok(installed.has(f), `${f} is in the package`);
    assert.deepEqual(files.filter((f) => f.endsWith('.map') || (f.endsWith('.ts') && !f.startsWith('dist/types/')) || /^(src|stages|scripts|bench|test)\//.test(f) || f.startsWith('dist/scripts/')), []);
    const manifest = JSON.parse(readFileSync(path.join(pkg(), 'package.json'), 'utf8')) as { license: string; repository?: unknown; homepage?: string };
    assert.equal(manifest.license, 'MIT');
    assert.match(readFileSync(path.join(pkg(), 'LICENSE'), 'utf8'), /^MIT License/);
    assert.ok(manifest.repository && manifest.homepage, 'package.json has repository and homepage');
  });

  test('every command answers --help (and help <command>) without doing anything', () => {
    for (const command of ['init', 'run', 'status', 'explain', 'dag', 'verify', 'report', 'crate', 'clean', 'cache', 'example']) {
      const r = sh(bin(), [command, '--help'], project);
      assert.match(r.stdout, new RegExp(`^Usage: sfh-pipeline ${command}`), command);
      assert.equal(sh(bin(), ['help', command], project).stdout, r.stdout);
    }
    assert.deepEqual(readdirSync(project).sort(), ['node_modules', 'package-lock.json', 'package.json'], 'example --help wrote nothing');
    // The docs it points to are there.
    const docs = /Docs: (\S+) and (\S+)/.exec(sh(bin(), ['--help'], project).stdout);
    assert.ok(docs && existsSync(docs[1]!) && existsSync(path.join(docs[2]!, 'pipeline.md')), 'the --help docs exist where it says');
  });
});

describe('a new project, as a user makes it', () => {
  let firstRun: RunJson;

  test('example, init, run: the example data, the cache, the lock and the results land in the project', () => {
    sh(bin(), ['example'], project);
    assert.ok(existsSync(path.join(project, 'example', 'FinalSelMuseMask3.csv')));
    const init = sh(bin(), ['init'], project);
    assert.match(init.stdout, /next:/);
    const yaml = readFileSync(path.join(project, 'pipeline.yaml'), 'utf8');
    assert.match(yaml, /builtin: cluster/);
    assert.doesNotMatch(yaml, /^\s+module: stages\//m);
    const ignored = readFileSync(path.join(project, '.gitignore'), 'utf8');
    for (const line of ['cache/', 'out/', 'example/', '*.crate.zip', 'node_modules/']) assert.ok(ignored.split('\n').includes(line), `.gitignore leaves out ${line}`);
    // From a folder below the project, as git finds its repository.
    mkdirSync(path.join(project, 'notes'));
    const r = sh(bin(), ['run', '--galaxy', '122', '--k', '4', '--json'], path.join(project, 'notes'));
    firstRun = JSON.parse(r.stdout) as RunJson;
    assert.equal(firstRun.tasks[0]?.status, 'ok');
    for (const f of ['cache', 'sfh-pipeline.lock', 'out/GroupMap/122_SN2016ex1_4.fits', 'out/GroupMap/report.html']) assert.ok(existsSync(path.join(project, f)), `${f} in the project`);
    assert.ok(!existsSync(path.join(project, 'notes', 'cache')) && !existsSync(path.join(project, 'notes', 'out')), 'nothing in the subfolder');
  });

  test('a comment and a reordered parameter in pipeline.yaml rerun nothing, and explain agrees', () => {
    const file = path.join(project, 'pipeline.yaml');
    const result = path.join(project, 'out', 'GroupMap', '122_SN2016ex1_4.fits');
    const mtime = statSync(result).mtimeMs;
    const text = readFileSync(file, 'utf8').replace('params: [k, seed, maxIter, minSfhSum, init, restarts, centroid, relabel]', 'params: [seed, k, maxIter, minSfhSum, init, restarts, centroid, relabel]  # reordered');
    writeFileSync(file, `# my paper's pipeline\n${text}`);
    const r = sh(bin(), ['run', '--galaxy', '122', '--k', '4', '--json'], project);
    const ran = [...statuses(JSON.parse(r.stdout) as RunJson)].filter(([, s]) => s.some((x) => x !== 'cached'));
    assert.deepEqual(ran, [], 'every stage cached');
    assert.equal(statSync(result).mtimeMs, mtime, 'the result was not rewritten');
    const why = sh(bin(), ['run', '-n', '--galaxy', '122', '--k', '4'], project);
    assert.match(why.stdout, /11 cached, 0 skipped, 0 would run/);
  });

  test('a shell stage and a TypeScript stage of the user run; the built-in stages stay cached', () => {
    mkdirSync(path.join(project, 'stages'));
    mkdirSync(path.join(project, 'scripts'));
    writeFileSync(
      path.join(project, 'stages', 'groups.ts'),
      `import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StageContext, StageInputContext, StageOutput } from 'sfh-pipeline';
import { line } from './line.ts';

interface Made { readonly groups: number }

const file = (ctx: StageInputContext): string => path.join(String(ctx.params['out']), \`\${ctx.row.id}_groups_\${ctx.params['k']}.txt\`);
export function outputs(ctx: StageInputContext): string[] {
  return [file(ctx)];
}
export function run(ctx: StageContext): StageOutput {
  const made: Made = { groups: Number(ctx.upstream.get('write').meta['groups'] ?? 0) };
  appendFileSync(path.join(String(ctx.params['out']), 'groups-ran.log'), 'ran\\n');
  writeFileSync(file(ctx), line(ctx.row.id, made.groups));
  return { meta: { groups: made.groups }, files: [file(ctx)] };
}
`,
    );
    writeFileSync(path.join(project, 'stages', 'line.ts'), 'export const line = (id: string, n: number): string => `galaxy ${id}: ${n} groups\\n` as string;\n');
    writeFileSync(path.join(project, 'scripts', 'size.sh'), '#!/bin/sh\necho ran >> "$3"\nwc -c < "$1" > "$2"\n');
    appendFileSync(
      path.join(project, 'pipeline.yaml'),
      `  groups:
    module: stages/groups.ts
    needs: [write]
    params: [out, k]
  size:
    run: sh scripts/size.sh {upstream.write} "{out}/{galaxy}_size_{k}.txt" "{out}/size-ran.log"
    needs: [write]
    params: [out, k]
    outputs: ["{out}/{galaxy}_size_{k}.txt"]
`,
    );
    const r = sh(bin(), ['run', '--galaxy', '122', '--k', '4', '--json'], project);
    const by = statuses(JSON.parse(r.stdout) as RunJson);
    assert.deepEqual(by.get('groups'), ['ran']);
    assert.deepEqual(by.get('size'), ['ran']);
    for (const stage of ['load-cubes', 'cluster', 'write', 'summarise', 'report']) assert.ok(by.get(stage)?.every((s) => s === 'cached'), `${stage} stays cached: ${by.get(stage)?.join(',')}`);
    const out = path.join(project, 'out', 'GroupMap');
    assert.equal(readFileSync(path.join(out, 'groups-ran.log'), 'utf8'), 'ran\n');
    assert.equal(readFileSync(path.join(out, 'size-ran.log'), 'utf8'), 'ran\n');
    assert.match(readFileSync(path.join(out, '122_groups_4.txt'), 'utf8'), /^galaxy 122: \d+ groups$/m);
    assert.equal(Number(readFileSync(path.join(out, '122_size_4.txt'), 'utf8')), statSync(path.join(out, '122_SN2016ex1_4.fits')).size);
    // Once more: both are cached too.
    sh(bin(), ['run', '--galaxy', '122', '--k', '4'], project);
    assert.equal(readFileSync(path.join(out, 'groups-ran.log'), 'utf8'), 'ran\n');
    assert.equal(readFileSync(path.join(out, 'size-ran.log'), 'utf8'), 'ran\n');
  });

  test('a TypeScript stage with more than types fails at load, naming the file and line', () => {
    const file = path.join(project, 'stages', 'line.ts');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, `enum Unit { Groups }\n${good}`);
    try {
      const r = sh(bin(), ['run', '--galaxy', '122', '--k', '4'], project, (c) => c === 2);
      assert.match(r.stderr, /stages\/line\.ts:1:1: TypeScript enum is not supported/);
    } finally {
      writeFileSync(file, good);
    }
  });

  test("a run over another seed's results says which it replaced, and how to keep both", () => {
    const r = sh(bin(), ['run', '--galaxy', '122', '--k', '4', '--set', 'seed=1'], project);
    assert.match(r.stderr, /replaced 1 result made with other parameters .*\n  out\/GroupMap\/122_SN2016ex1_4\.fits \(seed 0 -> 1\)\n  to keep both, put \{seed\} in the file name/);
  });

  test('crate, from a folder below the project, finds the project and its last run as run does', () => {
    // (the last run from the subfolder too: its record's folder has no pipeline.yaml)
    sh(bin(), ['run', '--galaxy', '122', '--k', '4', '--set', 'seed=1'], path.join(project, 'notes'));
    const r = sh(bin(), ['crate', '--license', 'CC0-1.0'], path.join(project, 'notes'));
    assert.match(r.stderr, /^crate: \.\.\/ro-crate-metadata\.json \(\d+ results/m);
    const crate = JSON.parse(readFileSync(path.join(project, 'ro-crate-metadata.json'), 'utf8')) as { '@graph': { '@id': string }[] };
    const ids = crate['@graph'].map((e) => e['@id']);
    for (const id of ['pipeline.yaml', 'stages/groups.ts', 'out/GroupMap/122_SN2016ex1_4.fits']) assert.ok(ids.includes(id), `${id} in the crate`);
    assert.ok(!ids.some((id) => id.includes('node_modules')), 'the installed package is software by version, not files of the crate');
  });

  test('the project folder moved elsewhere: verify recomputes every locked output bit for bit', () => {
    const moved = path.join(tmp.dir, 'elsewhere', 'paper-moved');
    mkdirSync(path.dirname(moved));
    renameSync(project, moved);
    project = moved;
    const r = sh(bin(), ['verify'], project, () => true);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /(\d+) of \1 outputs reproduced bit for bit/);
  });

  test('nothing in the installed package was written or changed', () => {
    assert.deepEqual([...snapshot(pkg())].filter(([f, h]) => installed.get(f) !== h), []);
    assert.equal(snapshot(pkg()).size, installed.size);
  });
});

describe('a global install (npm install -g), used outside any project', () => {
  test('the bundled pipeline runs with its example data, cache, lock and results in the current folder; the package is untouched', () => {
    const prefix = path.join(tmp.dir, 'global');
    sh('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], tmp.dir);
    const global = path.join(prefix, 'lib', 'node_modules', 'sfh-pipeline');
    const before = snapshot(global);
    const here = path.join(tmp.dir, 'scratch');
    mkdirSync(here);
    const r = sh(path.join(prefix, 'bin', 'sfh-pipeline'), ['run', '--galaxy', '122', '--k', '4'], here);
    assert.match(r.stderr, /generating the bundled example dataset in example/);
    for (const f of ['example/FinalSelMuseMask3.csv', 'cache', 'sfh-pipeline.lock', 'out/GroupMap/122_SN2016ex1_4.fits']) assert.ok(existsSync(path.join(here, f)), `${f} in the current folder`);
    assert.deepEqual([...snapshot(global)].filter(([f, h]) => before.get(f) !== h), []);
    assert.equal(snapshot(global).size, before.size);
  });
});
