/**
 * The dtd stage through the real CLI on the bundled example (issue 12's "done when"): `run
 * --galaxy all --k 15` ends with the DTD table and corner plot in report.html; the chain is
 * reproducible from an empty cache; a new dtdSeed refits without touching any galaxy and
 * explain says so; a dtdK the run did not make is an error naming both; the lock covers the
 * fit and verify reproduces it. The fit's numbers against Python are in test/dtd.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sha256File } from '../src/cache/file-hash.ts';
import { ROOT, runCli, tempDir, type CliResult } from './helpers/cli.ts';

interface CatalogJson {
  id: string;
  stage: string;
  status: string;
  excluded: { galaxy: string; status: string }[];
}

const catalogOf = (r: CliResult) => (r.json?.['catalog'] ?? []) as CatalogJson[];
const stagesThatRan = (r: CliResult) => [...new Set([...(r.json?.tasks ?? []).flatMap((t) => t.stages.filter((s) => s.status === 'ran').map((s) => s.name)), ...catalogOf(r).filter((c) => c.status === 'ran').map((c) => c.stage)])].sort();

describe('the dtd stage through the CLI, on the bundled example at k = 15', () => {
  const tmp = tempDir('sfh-dtd-cli-');
  after(() => tmp.remove());
  const out = (name: string) => path.join(tmp.dir, name, 'out');
  const plan = (name: string, extra: string[] = []) => ['--galaxy', 'all', '--k', '15', '--out', out(name), '--cache', path.join(tmp.dir, name, 'cache'), ...extra];
  const opts = (name: string, extra: string[] = []) => plan(name, ['--lock', path.join(tmp.dir, name, 'sfh.lock'), ...extra]);
  let first: CliResult;
  before(() => {
    first = runCli(['run', ...opts('a'), '--json'], { cwd: ROOT });
  });

  test('the run ends with the DTD table and corner plot in report.html', () => {
    assert.equal(first.code, 0, first.stderr);
    const dtd = catalogOf(first).find((c) => c.stage === 'dtd');
    assert.equal(dtd?.status, 'ran');
    assert.deepEqual(dtd?.excluded.map((e) => `${e.galaxy} ${e.status}`), ['311 skipped'], 'the type II SN host is left out upstream and recorded');
    const summary = readFileSync(path.join(out('a'), 'dtd_MDA_summary.csv'), 'utf8').trim().split('\n');
    assert.equal(summary[0], 'param,median,q16,q84,plus,minus');
    assert.deepEqual(summary.slice(1).map((l) => l.split(',')[0]), ['logTau', 's']);
    for (const l of summary.slice(1)) {
      const [, median, q16, q84] = l.split(',').map(Number) as [number, number, number, number];
      assert.ok(q16 < median && median < q84, l);
    }
    // Every step of every walker, burn-in included: 36 x 400 rows.
    assert.equal(readFileSync(path.join(out('a'), 'dtd_MDA_chain.csv'), 'utf8').trim().split('\n').length, 1 + 36 * 400);
    const png = readFileSync(path.join(out('a'), 'dtd_MDA_corner.png'));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    const html = readFileSync(path.join(out('a'), 'report.html'), 'utf8');
    assert.match(html, /<h2>Delay-time distribution \(MDA\)<\/h2>/);
    assert.match(html, /DTD fit MDA: 3 SNe Ia, k in \[15\], 36 walkers x 400 steps \(burn 100\), seed 0/);
    assert.match(html, /<td class="l">log10\(tau\/yr\)<\/td>/);
    // The report links the corner plot, the file next to it (docs/report.md).
    assert.match(html, /<img loading="lazy" alt="corner plot of the MDA DTD fit" src="dtd_MDA_corner\.png">/);
  });

  test('the chain is reproducible: an empty cache gives the same bytes', () => {
    const again = runCli(['run', ...opts('b')], { cwd: ROOT });
    assert.equal(again.code, 0, again.stderr);
    for (const f of ['dtd_MDA_chain.csv', 'dtd_MDA_summary.csv', 'dtd_MDA_corner.png']) assert.equal(sha256File(path.join(out('b'), f)), sha256File(path.join(out('a'), f)), f);
  });

  test('a new dtdSeed refits and redraws the report, and nothing of any galaxy runs; explain says why', () => {
    const why = runCli(['explain', ...plan('a', ['--set', 'dtdSeed=1'])], { cwd: ROOT });
    assert.equal(why.code, 0, why.stderr);
    assert.match(why.stdout, /dtd\[all\]\s+would run: .*param dtdSeed 0 -> 1/);
    const before = readFileSync(path.join(out('a'), 'dtd_MDA_chain.csv'), 'utf8');
    const r = runCli(['run', ...opts('a', ['--set', 'dtdSeed=1', '--json'])], { cwd: ROOT });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(stagesThatRan(r), ['dtd', 'report']);
    assert.notEqual(readFileSync(path.join(out('a'), 'dtd_MDA_chain.csv'), 'utf8'), before, 'another seed, another chain');
  });

  test('a dtdK the run did not make fails the fit with both lists, not an empty fit', () => {
    const r = runCli(['run', ...opts('a', ['--set', 'dtdK=3', '--json'])], { cwd: ROOT });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(catalogOf(r).find((c) => c.stage === 'dtd')?.status, 'failed');
    assert.match(r.stderr, /dtdK asks for k = 3, but this run made group maps for k = 15/);
    assert.match(r.stderr, /add --k 3 to the run/);
  });

  test('the lock lists the fit\'s outputs and verify reproduces them bit for bit', () => {
    // (a's lock has since seen dtdSeed=1 and a failed dtdK=3: b's is an untouched run)
    const lock = JSON.parse(readFileSync(path.join(tmp.dir, 'b', 'sfh.lock'), 'utf8')) as { outputs: Record<string, { galaxies?: string }> };
    const dtd = Object.entries(lock.outputs).filter(([f]) => path.basename(f).startsWith('dtd_'));
    assert.equal(dtd.length, 3);
    const v = runCli(['verify', '--lock', path.join(tmp.dir, 'b', 'sfh.lock')], { cwd: ROOT });
    assert.equal(v.code, 0, v.stdout + v.stderr);
    for (const f of ['dtd_MDA_chain.csv', 'dtd_MDA_summary.csv', 'dtd_MDA_corner.png']) assert.match(v.stdout, new RegExp(`^ok\\s+.*${f.replace('.', '\\.')}$`, 'm'));
    assert.ok(existsSync(path.join(out('b'), 'report.html')));
  });
});
