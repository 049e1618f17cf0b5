/**
 * Shell stages (`run:` in pipeline.yaml), proven through the real CLI in temp dirs: a
 * command after `write` runs once, is cached, and re-runs when its script, its command,
 * a declared input or a declared output changes; a failing command fails only its galaxy
 * and says why; catalog values never reach a shell as text nor leave their folders; and
 * mistakes in the file are reported at their line and column.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { splitCommand } from '../src/pipeline/shell-decl.ts';
import { templateParts } from '../src/pipeline/types.ts';
import { parityArgs, PARITY, ROOT, runCli, tempDir, type CliResult } from './helpers/cli.ts';

/** The bundled pipeline with absolute module paths (so it loads from any folder), plus `extra`. */
function bundledWith(extra: string): string {
  const bundled = readFileSync(path.join(ROOT, 'pipeline.yaml'), 'utf8');
  return `${bundled.replaceAll('module: stages/', `module: ${path.join(ROOT, 'stages')}/`).trimEnd()}\n${extra}`;
}

/** A pipeline of the catalog stage and `extra` only: enough for commands that need no cube. */
function catalogWith(extra: string): string {
  return [
    'version: 1',
    'params:',
    '  catalog:',
    '    type: path',
    '    default: catalog.csv',
    '  k:',
    '    type: int',
    '    default: 4',
    'stages:',
    '  catalog:',
    `    module: ${path.join(ROOT, 'stages', 'catalog.ts')}`,
    '    source: true',
    '    params: [catalog]',
    extra,
  ].join('\n');
}

/** The status of `stage` in the task of `galaxy`. */
function statusOf(r: CliResult, stage: string, galaxy = '11', k?: number): string | undefined {
  const task = r.json?.tasks.find((t) => t.galaxy === galaxy && (k === undefined || t.params['k'] === k));
  return task?.stages.find((s) => s.name === stage)?.status;
}

const SUMMARY_PY = `import os, sys
fits, out = sys.argv[1], sys.argv[2]
header = open('scripts/header.txt').read().strip()
with open(out, 'w') as f:
    f.write(f"{header} galaxy={os.environ['SFH_GALAXY']} sn={os.environ['SFH_SN']} k={os.environ['SFH_PARAM_K']} fits={os.path.basename(fits)} bytes={os.path.getsize(fits)}\\n")
`;
const SUMMARY_STAGE = `  summary:
    run: python3 scripts/summary.py {upstream.write} "summaries/{galaxy}_{sn}_k{k}.txt"
    needs: [catalog, write]
    params: [k]
    inputs: [scripts/header.txt]
    outputs: ["summaries/{galaxy}_{sn}_k{k}.txt"]
`;

describe('a shell stage after write: cached and re-run like any stage', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  const yaml = path.join(tmp.dir, 'pipeline.yaml');
  mkdirSync(path.join(tmp.dir, 'scripts'));
  writeFileSync(path.join(tmp.dir, 'scripts', 'summary.py'), SUMMARY_PY);
  writeFileSync(path.join(tmp.dir, 'scripts', 'header.txt'), 'v1');
  writeFileSync(yaml, bundledWith(SUMMARY_STAGE));
  const summary = path.join(tmp.dir, 'summaries', '11_SN2013aa_k4.txt');
  const run = (extra: string[] = []) => {
    const r = runCli(['run', '--pipeline', yaml, ...parityArgs(tmp.dir), '--galaxy', '11', '--json', ...extra]);
    assert.equal(r.code, 0, r.stderr);
    return r;
  };

  test('the first run runs it, with the galaxy, the SN name, k and the FITS of write', () => {
    const r = run();
    assert.equal(statusOf(r, 'write'), 'ran');
    assert.equal(statusOf(r, 'summary'), 'ran');
    assert.match(readFileSync(summary, 'utf8'), /^v1 galaxy=11 sn=SN2013aa k=4 fits=11_SN2013aa_4\.fits bytes=\d+\n$/);
  });

  test('an unchanged rerun caches it', () => {
    assert.equal(statusOf(run(), 'summary'), 'cached');
  });

  test('editing its script re-runs it, and only it', () => {
    writeFileSync(path.join(tmp.dir, 'scripts', 'summary.py'), `${SUMMARY_PY}# edited\n`);
    const r = run();
    assert.equal(statusOf(r, 'write'), 'cached');
    assert.equal(statusOf(r, 'summary'), 'ran');
    assert.equal(statusOf(run(), 'summary'), 'cached');
  });

  test('editing its command re-runs it', () => {
    writeFileSync(yaml, bundledWith(SUMMARY_STAGE.replace('_k{k}.txt"\n', '_k{k}.txt" unused-flag\n')));
    assert.equal(statusOf(run(), 'summary'), 'ran');
    assert.equal(statusOf(run(), 'summary'), 'cached');
  });

  test('deleting or modifying its output re-runs it', () => {
    const good = readFileSync(summary, 'utf8');
    writeFileSync(summary, 'tampered\n');
    assert.equal(statusOf(run(), 'summary'), 'ran');
    assert.equal(readFileSync(summary, 'utf8'), good);
    rmSync(summary);
    assert.equal(statusOf(run(), 'summary'), 'ran');
    assert.equal(readFileSync(summary, 'utf8'), good);
  });

  test('changing a declared input re-runs it', () => {
    writeFileSync(path.join(tmp.dir, 'scripts', 'header.txt'), 'v2');
    const r = run();
    assert.equal(statusOf(r, 'write'), 'cached');
    assert.equal(statusOf(r, 'summary'), 'ran');
    assert.match(readFileSync(summary, 'utf8'), /^v2 /);
  });

  test('a k sweep runs it once per new k, each with its own file', () => {
    const r = run(['--k', '4,5']);
    assert.equal(statusOf(r, 'summary', '11', 4), 'cached');
    assert.equal(statusOf(r, 'summary', '11', 5), 'ran');
    assert.match(readFileSync(path.join(tmp.dir, 'summaries', '11_SN2013aa_k5.txt'), 'utf8'), / k=5 fits=11_SN2013aa_5\.fits /);
  });
});

describe('a failing command', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  const catalog = path.join(PARITY, 'input', 'FinalSelMuseMask3.csv');
  let runs = 0;
  const runWith = (stage: string, script: string) => {
    runs += 1;
    mkdirSync(path.join(tmp.dir, 'scripts'), { recursive: true });
    writeFileSync(path.join(tmp.dir, 'scripts', 'check.py'), script);
    writeFileSync(path.join(tmp.dir, 'pipeline.yaml'), catalogWith(stage));
    return runCli(['run', '--pipeline', path.join(tmp.dir, 'pipeline.yaml'), '--catalog', catalog, '--cache', path.join(tmp.dir, `cache${runs}`), '--galaxy', '11,45', '--json']);
  };

  test('fails only its galaxy, naming the command, the exit code and the end of stderr', () => {
    const r = runWith(
      '  check:\n    run: python3 scripts/check.py {galaxy}\n    needs: [catalog]\n    outputs: ["checks/{galaxy}.txt"]\n',
      "import sys\nif sys.argv[1] == '45':\n    sys.stderr.write('x' * 9000 + '\\nboom: galaxy 45 is bad\\n')\n    sys.exit(3)\nopen(f'checks/{sys.argv[1]}.txt', 'w').write('ok')\n",
    );
    assert.notEqual(r.code, 0);
    const byGalaxy = new Map(r.json?.tasks.map((t) => [t.galaxy, t]));
    assert.equal(byGalaxy.get('11')?.status, 'ok');
    assert.equal(statusOf(r, 'check', '11'), 'ran');
    const failed = byGalaxy.get('45');
    assert.equal(failed?.status, 'failed');
    assert.equal(failed?.reason, 'stage-failed');
    assert.match(failed?.error ?? '', /`python3 scripts\/check\.py 45` exited with code 3/);
    assert.match(failed?.error ?? '', /boom: galaxy 45 is bad/);
    assert.ok((failed?.error ?? '').length < 5000, 'only the tail of stderr is kept');
  });

  test('a command that does not write a declared output fails, naming the file', () => {
    const r = runWith('  check:\n    run: python3 scripts/check.py\n    needs: [catalog]\n    outputs: ["checks/{galaxy}-missing.txt"]\n', 'pass\n');
    const task = r.json?.tasks.find((t) => t.galaxy === '11');
    assert.equal(task?.status, 'failed');
    assert.match(task?.error ?? '', /succeeded but did not write .*checks\/11-missing\.txt/);
  });
});

describe('catalog values never reach a shell as text nor leave their folders (more forms: shell-values.test.ts)', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  const pwned = '/tmp/pwned';
  const pwnedBefore = existsSync(pwned) ? statSync(pwned).mtimeMs : undefined;
  const names: Record<string, string> = {
    '1': 'x; touch /tmp/pwned',
    '2': '$(touch pwned-dollar)',
    '3': '../../etc/passwd',
    '4': '`touch pwned-tick`; touch pwned-semi && echo "quoted" \'too\' > pwned-redirect',
    '5': '-rf',
    '6': 'SN2020abc',
  };
  const csv = [',ArcName,SN Name,SN RA,SN DEC', ...Object.entries(names).map(([id, sn]) => `${id},ADP.X,"${sn.replaceAll('"', '""')}",10,-10`)];
  csv.push('7$(touch pwned-id),ADP.X,SN7,10,-10');
  writeFileSync(path.join(tmp.dir, 'catalog.csv'), `${csv.join('\n')}\n`);
  mkdirSync(path.join(tmp.dir, 'scripts'));
  writeFileSync(path.join(tmp.dir, 'scripts', 'args.py'), "import json, os, sys\nopen(sys.argv[1], 'w').write(json.dumps({'argv': sys.argv[2:], 'env': os.environ['SFH_SN']}))\n");
  writeFileSync(
    path.join(tmp.dir, 'pipeline.yaml'),
    catalogWith('  echo:\n    run: python3 scripts/args.py "out/{galaxy}_{sn}.json" {sn} --sn={sn} {galaxy}\n    needs: [catalog]\n    outputs: ["out/{galaxy}_{sn}.json"]\n'),
  );
  const r = runCli(['run', '--pipeline', path.join(tmp.dir, 'pipeline.yaml'), '--cache', path.join(tmp.dir, 'cache'), '--galaxy', 'all', '--json'], { cwd: tmp.dir });
  const task = (id: string) => r.json?.tasks.find((t) => t.galaxy === id);

  test('a plain name arrives as one argument and in $SFH_SN', () => {
    assert.equal(task('6')?.status, 'ok', task('6')?.error ?? r.stderr);
    const written = JSON.parse(readFileSync(path.join(tmp.dir, 'out', '6_SN2020abc.json'), 'utf8')) as { argv: string[]; env: string };
    assert.deepEqual(written, { argv: ['SN2020abc', '--sn=SN2020abc', '6'], env: 'SN2020abc' });
  });

  test('nothing a value holds was executed', () => {
    const all = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(path.join(dir, e.name)) : [e.name]));
    assert.deepEqual(all(tmp.dir).filter((f) => f.startsWith('pwned')), []);
    assert.equal(existsSync(pwned) ? statSync(pwned).mtimeMs : undefined, pwnedBefore, `${pwned} was created or touched`);
  });

  test('a value with shell syntax, /, .. or a leading - fails its galaxy, and runs nothing', () => {
    for (const id of ['1', '2', '3', '4', '5', '7$(touch pwned-id)']) {
      assert.equal(task(id)?.status, 'failed', id);
      assert.equal(task(id)?.reason, 'catalog-invalid', id);
      assert.match(task(id)?.error ?? '', /cannot be used in a command or a path|is not put into the command of stage `echo`/);
    }
    assert.deepEqual(readdirSync(path.join(tmp.dir, 'out')), ['6_SN2020abc.json']);
  });
});

describe('pipeline.yaml mistakes in shell stages are reported at their line and column', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  const stages = [
    '  both:',
    '    module: stages/x.js',
    '    run: python3 x.py',
    '  neither:',
    '    needs: [catalog]',
    '  unknown:',
    '    run: python3 fit.py {galaxy} {snn}',
    '    needs: [catalog]',
    '  no-source:',
    '    run: echo {sn}',
    '  not-needed:',
    '    run: echo {upstream.both}',
    '    needs: [catalog]',
    '  unlisted:',
    '    run: echo {k}',
    '  module-io:',
    `    module: ${path.join(ROOT, 'stages', 'catalog.ts')}`,
    '    outputs: [a.txt]',
    '  piped:',
    '    run: python3 fit.py {galaxy} | tee log',
    '  program:',
    '    run: "{galaxy}.sh x"',
    '  code:',
    '    run: python3 -c "print(\'{sn}\')"',
    '    needs: [catalog]',
    '  unclosed:',
    "    run: python3 'fit.py",
    '  io-unknown:',
    '    run: python3 fit.py',
    '    outputs: ["out/{nope}.txt"]',
  ].join('\n');
  const text = catalogWith(stages);
  writeFileSync(path.join(tmp.dir, 'pipeline.yaml'), text);
  const r = runCli(['run', '--pipeline', 'pipeline.yaml', '--galaxy', 'all'], { cwd: tmp.dir });
  /** `pipeline.yaml:LINE:COL:` of the first occurrence of `needle` (plus `shift` columns). */
  const at = (needle: string, shift = 0): string => {
    const offset = text.indexOf(needle) + shift;
    const before = text.slice(0, offset).split('\n');
    return `pipeline.yaml:${before.length}:${(before.at(-1) ?? '').length + 1}: `;
  };
  const expect = (needle: string, shift: number, message: RegExp) => {
    const line = r.stderr.split('\n').find((l) => l.startsWith(at(needle, shift)));
    assert.ok(line, `no problem at ${at(needle, shift)} in:\n${r.stderr}`);
    assert.match(line, message);
  };

  test('the run fails at load time with every problem', () => {
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /problems in pipeline\.yaml/);
  });
  test('module and run together, or neither', () => {
    expect('python3 x.py', 0, /has both `module` and `run`/);
    expect('needs: [catalog]\n  unknown', 0, /`neither` needs a `module` or a `run` command/);
  });
  test('an unknown placeholder, with the names allowed there', () => {
    expect('{snn}', 0, /uses \{snn\} in `run`, which it cannot read/);
    assert.match(r.stderr, /Allowed here: \{galaxy\}, \{sn\}, \{upstream\.catalog\}/);
    expect('{nope}', 0, /uses \{nope\} in `outputs`/);
  });
  test('{sn} without the source stage, {upstream.X} without X, a parameter not listed', () => {
    expect('{sn}\n', 0, /uses \{sn\} in `run`, which it cannot read/);
    assert.match(r.stderr, /\{sn\} comes from the output of `catalog`: add it to this stage's needs/);
    expect('{upstream.both}', 0, /which it cannot read/);
    expect('{k}', 0, /uses \{k\} in `run`, which it cannot read/);
  });
  test('inputs and outputs only on run stages', () => {
    expect('[a.txt]', 0, /`outputs` of stage `module-io` is only for `run` stages/);
  });
  test('shell syntax, unclosed quotes, data as the program or as program text', () => {
    expect('| tee', 0, /`\|` is shell syntax/);
    expect("'fit.py", 0, /the quote ' is not closed/);
    expect('{galaxy}.sh', 0, /to choose the program/);
    expect("{sn}')", 0, /inside program text \(after -c\)/);
  });
});

describe('the run grammar', () => {
  test('splitCommand splits on blanks; quotes group; a backslash keeps a character', () => {
    assert.deepEqual(splitCommand(` python3  'a b' "c'd" e\\ f {x}_y `), { words: ['python3', 'a b', "c'd", 'e f', '{x}_y'] });
    assert.deepEqual(splitCommand('a ">" \'|\''), { words: ['a', '>', '|'] });
    assert.deepEqual(splitCommand('a > b'), { error: '`>` is shell syntax; a `run` command is split into arguments, not read by a shell', index: 2 });
  });
  test('templateParts finds placeholders; {{ and }} are braces', () => {
    assert.deepEqual(templateParts('out/{galaxy}_{upstream.write}.txt'), [{ text: 'out/' }, { name: 'galaxy' }, { text: '_' }, { name: 'upstream.write' }, { text: '.txt' }]);
    assert.deepEqual(templateParts('{{galaxy}} {X} { k }'), [{ text: '{galaxy} {X} { k }' }]);
  });
});
