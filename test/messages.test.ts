/**
 * What a run says when something is wrong, through the real CLI: counts that add up (a
 * catalog-level stage "ran over 0 of 1", never "-1 of 1"), a hint said once (a WCS problem
 * used to repeat its hint), a pipeline.yaml problem in our words (never "please use
 * YAML.parseAllDocuments()"), and every galaxy's failure naming the galaxy.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { PARITY, ROOT, runCli, tempDir } from './helpers/cli.ts';

const INPUT = path.join(PARITY, 'input');
const CUBE_11 = 'CDP.2017-03-11T04:12:11.011.fits';

describe('a galaxy whose cube has a projection we do not support', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  const cubes = path.join(tmp.dir, 'cubes');
  mkdirSync(cubes);
  const bytes = readFileSync(path.join(INPUT, 'MuseObject', 'MuseResample', CUBE_11));
  writeFileSync(path.join(cubes, CUBE_11), Buffer.from(bytes.toString('latin1').replaceAll("'RA---TAN'", "'RA---SIN'").replaceAll("'DEC--TAN'", "'DEC--SIN'"), 'latin1'));
  const r = runCli(['run', '--galaxy', '11', '--k', '2', '--catalog', path.join(INPUT, 'FinalSelMuseMask3.csv'), '--cubes', cubes, '--sfh', path.join(INPUT, 'MuseSFH', 'dataOut'), '--out', path.join(tmp.dir, 'out'), '--cache', path.join(tmp.dir, 'cache'), '--plain', '--json'], { cwd: tmp.dir });
  const task = r.json?.tasks[0];

  test('fails, naming the galaxy, the file and the keyword, with its hint once', () => {
    assert.equal(r.code, 1, r.stderr);
    assert.equal(task?.reason, 'unsupported-projection');
    assert.match(task?.error ?? '', /^galaxy 11 \(SN2013aa\): .*CTYPE1='RA---SIN' is not a gnomonic \(TAN\) projection/);
    const hint = 'Only RA---TAN/DEC--TAN is implemented.';
    assert.equal((task?.error ?? '').split(hint).length - 1, 1, `the hint once in: ${task?.error}`);
    for (const line of r.stderr.split('\n')) assert.ok(line.split(hint).length - 1 <= 1, `the hint once per line: ${line}`);
  });

  test('the catalog-level stages count the galaxies they ran over: 0 of 1, never a negative number', () => {
    const counts = [...r.stderr.matchAll(/(\S+\[all\]): ran over (-?\d+) of (\d+)/g)];
    assert.ok(counts.length >= 2, r.stderr);
    for (const [, id, n, of] of counts) assert.deepEqual([id, Number(n), Number(of)], [id, 0, 1]);
    // a catalog-level stage that did not end well is named as such, not as a galaxy `all`
    assert.doesNotMatch(r.stderr, /left out .*; all: skipped/);
    assert.match(r.stderr, /dtd-models\[all\]: ran over 0 of 1; left out 11: failed at load-cubes .*; dtd\[all\]: skipped \(/);
  });
});

describe('pipeline.yaml problems in our words', () => {
  const tmp = tempDir();
  after(() => tmp.remove());
  test('two YAML documents in one file: where the second starts, and what to do', () => {
    const yaml = path.join(tmp.dir, 'pipeline.yaml');
    copyFileSync(path.join(ROOT, 'pipeline.yaml'), yaml);
    writeFileSync(yaml, `${readFileSync(yaml, 'utf8')}\n---\nversion: 2\n`);
    const r = runCli(['dag', '--pipeline', yaml, '--galaxy', 'all'], { cwd: tmp.dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /pipeline\.yaml:\d+:1: a second YAML document starts here \(a `---` line\): a pipeline file is one document\n\s+remove the `---` line and what follows it, or merge the two into one/);
    assert.doesNotMatch(r.stderr, /parseAllDocuments|please use/);
  });
  test('a tab that indents', () => {
    const yaml = path.join(tmp.dir, 'tabs.yaml');
    writeFileSync(yaml, 'version: 1\nstages:\n\ta: {run: echo}\n');
    const r = runCli(['dag', '--pipeline', yaml, '--galaxy', 'all'], { cwd: tmp.dir });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /tabs\.yaml:3:1: a tab indents this line; YAML indents with spaces only/);
  });
  test('nesting so deep that the parser overflows (a runaway bracket, nested indents)', () => {
    for (const [name, text] of [
      ['brackets.yaml', `version: 1\nstages:\n  a:\n    params: ${'['.repeat(20000)}${']'.repeat(20000)}\n`],
      ['indents.yaml', `version: 1\nstages:\n${Array.from({ length: 3000 }, (_, i) => `${'  '.repeat(i + 1)}a${i}:\n`).join('')}`],
    ] as const) {
      const yaml = path.join(tmp.dir, name);
      writeFileSync(yaml, text);
      const r = runCli(['dag', '--pipeline', yaml, '--galaxy', 'all'], { cwd: tmp.dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${name.replace('.', '\\.')}:\\d+:\\d+: the YAML nests too deeply to be read`));
      assert.doesNotMatch(r.stderr, /Maximum call stack|internal error/);
    }
  });
});
