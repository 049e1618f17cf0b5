/**
 * The dtd stage through the real CLI on the bundled example (issue 12's "done when"): `run
 * --galaxy all --k 15` ends with the DTD table and corner plot in report.html; the chain is
 * reproducible from an empty cache; a new dtdSeed refits without touching any galaxy and
 * explain says so; a dtdK the run did not make is an error naming both; the lock covers the
 * fit and verify reproduces it. The fit's numbers against Python are in test/dtd.test.ts.
 *
 * Issue 24: the default chain is the one main made before it, byte for byte; the summary
 * carries tau and the run's settings and warns that 300 steps are too few; the selection
 * table names every host and why it was left out; summary.csv and the fit take the SN
 * pixel by one rule (int by default, nearest when asked) and agree on it; several models
 * give dtd_models.csv and a report section; a fit with nothing left still writes the
 * selection and removes an earlier fit's files.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { sha256File } from '../src/cache/file-hash.ts';
import { parseLock } from '../src/provenance/lock.ts';
import { ROOT, runCli, tempDir, type CliResult } from './helpers/cli.ts';

/** A CSV file as records keyed by its header. */
const records = (file: string): Record<string, string>[] => parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
/** sha256 of dtd_MDA_chain.csv of `run --galaxy all --k 15` at main 7fa5250, before issue 24. */
const MAIN_CHAIN_K15 = '3d4263d494dac92a2ebf08213f0d757d597ce313c34b961f2481fde3a1930a00';
const ASTROPY = spawnSync('/usr/bin/python3', ['-c', 'import astropy.table'], { encoding: 'utf8' }).status === 0 || process.env.CI !== undefined;

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
    assert.ok(summary[0]!.startsWith('param,median,q16,q84,plus,minus,'), 'the old columns first');
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
    assert.match(html, /DTD fit MDA: 3 SNe Ia; k = 15; 36 walkers x 400 steps \(burn 100\); seed 0/);
    assert.match(html, /<td class="l">log10\(tau\/yr\)<\/td>/);
    // The report links the corner plot, the file next to it (docs/report.md).
    assert.match(html, /<img loading="lazy" alt="corner plot of the MDA DTD fit" src="dtd_MDA_corner\.png">/);
  });

  test('the chain is reproducible: an empty cache gives the same bytes, which are main\'s before issue 24', () => {
    const again = runCli(['run', ...opts('b')], { cwd: ROOT });
    assert.equal(again.code, 0, again.stderr);
    for (const f of ['dtd_MDA_chain.csv', 'dtd_MDA_summary.csv', 'dtd_MDA_summary.ecsv', 'dtd_MDA_hosts.csv', 'dtd_MDA_hosts.ecsv', 'dtd_MDA_corner.png', 'dtd_models.csv']) {
      assert.equal(sha256File(path.join(out('b'), f)), sha256File(path.join(out('a'), f)), f);
    }
    assert.equal(sha256File(path.join(out('a'), 'dtd_MDA_chain.csv')), MAIN_CHAIN_K15, 'the default chain, bit for bit');
  });

  test("the summary says how the fit was made, tau per parameter, and that 300 steps are too few", () => {
    const rows = records(path.join(out('a'), 'dtd_MDA_summary.csv'));
    for (const r of rows) {
      assert.deepEqual([r['model'], r['k_list'], r['n_sne'], r['seed'], r['walkers'], r['steps'], r['burn'], r['kept_steps'], r['sn_pixel_rule'], r['integral']], ['MDA', '15', '3', '0', '36', '400', '100', '300', 'int', 'notebook']);
      const tau = Number(r['tau_steps']);
      assert.ok(tau > 1 && tau < 300, `tau ${tau}`);
      assert.equal(Number(r['kept_over_tau']), 300 / tau);
      assert.equal(Number(r['steps_needed']), 100 + Math.ceil(50 * tau));
      assert.ok(Number(r['acceptance']) > 0.1 && Number(r['acceptance']) < 0.9);
    }
    const needed = Math.max(...rows.map((r) => Number(r['steps_needed'])));
    assert.ok(rows.some((r) => r['converged'] === 'False'), 'three SNe, 300 steps: emcee would not trust it');
    assert.match(rows[0]!['warning']!, new RegExp(`--set dtdSteps=${needed} `));
    // the log (its warning, and the lines printed after the run) and the report say it too
    assert.match(first.stderr, new RegExp(`dtd MDA: the chain may be too short: .*--set dtdSteps=${needed}`));
    assert.match(first.stderr, /log10\(tau\/yr\) = -?[\d.]+ \+[\d.]+ -[\d.]+ {2}\(tau = [\d.]+ steps, 300 kept = [\d.]+ tau\)/);
    assert.match(readFileSync(path.join(out('a'), 'report.html'), 'utf8'), new RegExp(`The chain may be too short: .*--set dtdSteps=${needed} `));
    assert.doesNotMatch(first.stderr, /note: the fit uses the group maps/, 'k = 15 is the study\'s: no sentence about k');
  });

  test('the selection table lists every host, the type II one with the reason it has no map', () => {
    const hosts = records(path.join(out('a'), 'dtd_MDA_hosts.csv'));
    assert.deepEqual(hosts.map((h) => [h['id'], h['sn_name'], h['sn_type'], h['k'], h['status']]), [
      ['37', 'SN2017ex2', 'Ia', '15', 'kept'],
      ['122', 'SN2016ex1', 'Ia', '15', 'kept'],
      ['205', 'SN2018ex3', 'Ia', '15', 'kept'],
      ['311', 'SN2019ex4', 'II', '', 'no-result'],
    ]);
    assert.match(hosts[3]!['detail']!, /skipped: no pPXF output .*SN type II/);
    // summary.csv and the fit took the SN pixel by the same rule: the same pixel and group
    const summary = records(path.join(out('a'), 'summary.csv'));
    for (const h of hosts.slice(0, 3)) {
      const row = summary.find((r) => r['galaxy'] === h['id'])!;
      assert.deepEqual([row['sn_pixel_x'], row['sn_pixel_y'], row['sn_group'], row['sn_pixel_rule']], [h['sn_pixel_x'], h['sn_pixel_y'], h['sn_group'], 'int'], `galaxy ${h['id']}`);
      assert.ok(Number(h['sn_group_prob']) > 0 && Number(h['sn_group_prob']) <= 1);
      assert.equal(h['k_used'], '15');
    }
    assert.deepEqual([hosts[1]!['sn_pixel_x'], hosts[1]!['sn_pixel_y']], ['29', '24'], "galaxy 122: the notebook's int(), not the nearest (30, 24)");
    if (ASTROPY) {
      const r = spawnSync('/usr/bin/python3', ['-c', 'import sys; from astropy.table import Table; t = Table.read(sys.argv[1]); print(t["psf_sigma_px"].unit, t["sn_pixel_x"].unit, list(t["status"]))', path.join(out('a'), 'dtd_MDA_hosts.ecsv')], { encoding: 'utf8' });
      assert.equal(r.stdout.trim(), "pix pix ['kept', 'kept', 'kept', 'no-result']", r.stderr);
    }
  });

  test('a new dtdSeed refits and redraws the report, and nothing of any galaxy runs; explain says why', () => {
    const why = runCli(['explain', ...plan('a', ['--set', 'dtdSeed=1'])], { cwd: ROOT });
    assert.equal(why.code, 0, why.stderr);
    assert.match(why.stdout, /dtd\[all\]\s+would run: .*param dtdSeed 0 -> 1/);
    const before = readFileSync(path.join(out('a'), 'dtd_MDA_chain.csv'), 'utf8');
    const r = runCli(['run', ...opts('a', ['--set', 'dtdSeed=1', '--json'])], { cwd: ROOT });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(stagesThatRan(r), ['dtd', 'dtd-models', 'report']);
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
    const lock = parseLock(readFileSync(path.join(tmp.dir, 'b', 'sfh.lock'), 'utf8'), path.join(tmp.dir, 'b', 'sfh.lock'));
    const dtd = Object.entries(lock.outputs).filter(([f]) => path.basename(f).startsWith('dtd_'));
    const files = ['dtd_MDA_chain.csv', 'dtd_MDA_summary.csv', 'dtd_MDA_summary.ecsv', 'dtd_MDA_hosts.csv', 'dtd_MDA_hosts.ecsv', 'dtd_MDA_corner.png', 'dtd_models.csv', 'dtd_models.ecsv'];
    assert.deepEqual(dtd.map(([f]) => path.basename(f)).sort(), [...files].sort());
    const v = runCli(['verify', '--lock', path.join(tmp.dir, 'b', 'sfh.lock')], { cwd: ROOT });
    assert.equal(v.code, 0, v.stdout + v.stderr);
    for (const f of files) assert.match(v.stdout, new RegExp(`^ok\\s+.*${f.replace('.', '\\.')}$`, 'm'));
    assert.ok(existsSync(path.join(out('b'), 'report.html')));
  });

  test('snPixel=nearest moves the SN pixel of summary.csv and of the fit together, and k = 4 gets its sentence', () => {
    const r = runCli(['run', '--galaxy', 'all', '--out', out('near'), '--cache', path.join(tmp.dir, 'a', 'cache'), '--set', 'snPixel=nearest', '--set', 'dtdSteps=60', '--set', 'dtdBurn=20'], { cwd: ROOT });
    assert.equal(r.code, 0, r.stderr);
    const hosts = records(path.join(out('near'), 'dtd_MDA_hosts.csv'));
    const summary = records(path.join(out('near'), 'summary.csv'));
    for (const h of hosts.filter((x) => x['status'] === 'kept')) {
      const row = summary.find((x) => x['galaxy'] === h['id'])!;
      assert.deepEqual([row['sn_pixel_x'], row['sn_pixel_y'], row['sn_group'], row['sn_pixel_rule'], h['sn_pixel_rule']], [h['sn_pixel_x'], h['sn_pixel_y'], h['sn_group'], 'nearest', 'nearest'], `galaxy ${h['id']}`);
    }
    assert.deepEqual([hosts[1]!['sn_pixel_x'], hosts[1]!['sn_pixel_y']], ['30', '24'], 'galaxy 122 at its nearest pixel');
    assert.match(r.stderr, /note: the fit uses the group maps of k = 4; the study fitted k = 15, so these numbers are not the paper's/);
    assert.match(readFileSync(path.join(out('near'), 'report.html'), 'utf8'), /The fit uses the group maps of k = 4; the study fitted k = 15/);
  });

  test('several models give dtd_models.csv and a report section comparing them', () => {
    const r = runCli(['run', ...plan('a', ['--set', 'dtdModel=MDA,MDB', '--set', 'dtdSteps=80', '--set', 'dtdBurn=20', '--json'])], { cwd: ROOT });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(catalogOf(r).filter((c) => c.stage.startsWith('dtd')).map((c) => c.id).sort(), ['dtd-models[all]', 'dtd[all dtdModel=MDA]', 'dtd[all dtdModel=MDB]']);
    const models = records(path.join(out('a'), 'dtd_models.csv'));
    assert.deepEqual(models.map((m) => [m['model'], m['n_params'], m['n_sne']]), [['MDA', '2', '3'], ['MDB', '4', '3']]);
    for (const m of models) {
      const k = Number(m['n_params']);
      assert.equal(Number(m['aic']), 2 * k - 2 * Number(m['max_lnl']));
      assert.equal(Number(m['bic']), k * Math.log(3) - 2 * Number(m['max_lnl']));
    }
    assert.equal(Math.min(...models.map((m) => Number(m['delta_aic']))), 0);
    // each model's best ln L is the largest ln p of its chain
    const chain = records(path.join(out('a'), 'dtd_MDB_chain.csv'));
    assert.equal(Math.max(...chain.map((c) => Number(c['logProb']))), Number(models[1]!['max_lnl']));
    const html = readFileSync(path.join(out('a'), 'report.html'), 'utf8');
    assert.match(html, /<h2>DTD models compared<\/h2>/);
    assert.match(html, /not a maximisation: it is a lower bound on the maximum likelihood/);
    assert.match(html, /<h2>Delay-time distribution \(MDB\)<\/h2>/);
    if (ASTROPY) {
      const py = spawnSync('/usr/bin/python3', ['-c', 'import sys; from astropy.table import Table; t = Table.read(sys.argv[1]); print(list(t["model"]), t["aic"].dtype.kind, t.meta["caveat"][:12])', path.join(out('a'), 'dtd_models.ecsv')], { encoding: 'utf8' });
      assert.equal(py.stdout.trim(), "['MDA', 'MDB'] f Max ln L is", py.stderr);
    }
  });

  test('with every host cut, the fit is skipped, the selection says why and no earlier fit stays', () => {
    assert.ok(existsSync(path.join(out('a'), 'dtd_MDA_chain.csv')));
    const r = runCli(['run', ...plan('a', ['--set', 'maxPsfSigma=0.1', '--json'])], { cwd: ROOT });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(catalogOf(r).find((c) => c.stage === 'dtd')?.status, 'skipped');
    const hosts = records(path.join(out('a'), 'dtd_MDA_hosts.csv'));
    assert.deepEqual(hosts.map((h) => h['status']), ['psf-too-wide', 'psf-too-wide', 'psf-too-wide', 'no-result']);
    assert.match(hosts[0]!['detail']!, /PSF sigma 0\.835 px > 0\.1 px/);
    for (const f of ['dtd_MDA_chain.csv', 'dtd_MDA_summary.csv', 'dtd_MDA_summary.ecsv', 'dtd_MDA_corner.png']) assert.ok(!existsSync(path.join(out('a'), f)), `${f} of the earlier fit is gone`);
  });
});
