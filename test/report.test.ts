/**
 * summary.csv and the HTML report, through the real CLI on the bundled example: the CSV's
 * numbers are checked against the result FITS they summarise (recomputed here from the
 * FITS, not taken from the code under test), flags appear where the thresholds say, and the
 * report is opened in a real headless Chromium: no console error, every picture decodes,
 * every galaxy and k is there.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FitsFile } from '../src/fits/index.ts';
import { SUMMARY_COLUMNS } from '../src/report/summary.ts';
import { runCli, tempDir, type CliResult } from './helpers/cli.ts';

/** Chromium on PATH (Debian's package installs /usr/bin/chromium), or undefined. */
const CHROMIUM = ['chromium', 'chromium-browser']
  .flatMap((name) => (process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name)))
  .find((file) => existsSync(file));
const GALAXIES = ['37', '122', '205'];
const KS = [2, 3, 4];

/** summary.csv as records (no quoted fields in the example's values). */
function readCsv(file: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const cols = (head ?? '').split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i] ?? `?${i}`, v])));
}

/** What the FITS says, read with the FITS module alone. */
function fitsFacts(file: string) {
  const f = FitsFile.open(file);
  try {
    const h = f.hdu(0).header;
    const sfh = f.readImage(1).data as Float64Array;
    const masses = Array.from(f.readImage(2).data as Float32Array);
    return { h, sfh, masses };
  } finally {
    f.close();
  }
}

const tmp = tempDir('sfh-report-');
const out = path.join(tmp.dir, 'out');
const args = ['--galaxy', 'all', '--k', '2..4', '--cache', path.join(tmp.dir, 'cache'), '--out', out, '--lock', path.join(tmp.dir, 'sfh.lock')];
let first: CliResult;
after(() => tmp.remove());

describe('run writes summary.csv, the pictures and the report', () => {
  before(() => {
    first = runCli(['run', ...args, '--json']);
  });

  it('exits 0 and keeps stdout for --json', () => {
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.json?.tasks.filter((t) => t.status === 'ok').length, GALAXIES.length * KS.length);
    assert.ok(first.json?.tasks.every((t) => t.status !== 'ok' || t.output?.endsWith('.fits')), 'a task output is still its FITS');
  });

  it('writes one summary.csv row per ok task, agreeing with the FITS', () => {
    const rows = readCsv(path.join(out, 'summary.csv'));
    assert.deepEqual(Object.keys(rows[0] ?? {}), [...SUMMARY_COLUMNS]);
    assert.deepEqual(rows.map((r) => `${r['galaxy']}/${r['k']}`), GALAXIES.flatMap((g) => KS.map((k) => `${g}/${k}`)));
    for (const r of rows) {
      assert.equal(path.basename(r['file'] ?? ''), r['file'], 'the file is named relative to the CSV');
      const { h, sfh, masses } = fitsFacts(path.join(out, r['file'] ?? ''));
      const where = `${r['galaxy']} k=${r['k']}`;
      assert.equal(r['sn'], h.get('SNNAME'), where);
      assert.equal(r['sn_type'], 'Ia', where);
      assert.equal(Number(r['sn_group']), h.get('SNGROUP'), `${where}: SN group = SNGROUP`);
      assert.equal(Number(r['groups']), h.get('NGROUPS'), where);
      assert.equal(Number(r['iterations']), h.get('NITER'), where);
      assert.equal(r['converged'], String(h.get('CONVERGE')), where);
      assert.equal(Number(r['valid_pixels']), h.get('NVALID'), where);
      assert.ok(Math.abs(Number(r['psf_sigma_px']) - Number(h.get('PSFSIG'))) < 1e-9, where);
      assert.equal(Number(r['sn_pixel_x']), h.get('SNPIXX'), where);
      const total = masses.reduce((a, b) => a + b, 0);
      const fractions = masses.map((m) => m / total);
      assert.ok(Math.abs(fractions.reduce((a, b) => a + b, 0) - 1) < 1e-12, `${where}: mass fractions sum to 1`);
      const g = Number(r['sn_group']);
      assert.ok(Math.abs(Number(r['sn_group_mass_fraction']) - (fractions[g - 1] ?? NaN)) < 1e-8, `${where}: the SN group's mass fraction`);
      const w = sfh.subarray((g - 1) * 50, g * 50);
      const age = w.reduce((a, v, i) => a + v * 10 ** (-1.2 + 0.05 * i), 0) / w.reduce((a, v) => a + v, 0);
      assert.ok(Math.abs(Number(r['sn_group_mean_age_gyr']) - age) < 1e-6 * age, `${where}: mass-weighted mean age ${age}`);
      const young = w.subarray(0, 24).reduce((a, v) => a + v, 0) / w.reduce((a, v) => a + v, 0);
      assert.ok(Math.abs(Number(r['sn_group_young_fraction']) - young) < 1e-8, `${where}: younger than 1 Gyr`);
      const objective = h.get('OBJECTIV');
      assert.equal(r['objective'] === '' ? undefined : Number(r['objective']).toPrecision(8), typeof objective === 'number' ? objective.toPrecision(8) : undefined, where);
      assert.equal(r['flags'], '', `${where}: the example passes the study's cuts`);
    }
  });

  it('prints the table after the summary lines, and draws every picture', () => {
    const tasks = first.stderr.indexOf('tasks: ');
    const table = first.stderr.indexOf('summary (');
    assert.ok(tasks >= 0 && table > tasks, first.stderr);
    assert.match(first.stderr.slice(table), /galaxy\s+SN\s+type\s+k\s+groups/);
    for (const g of GALAXIES) {
      const sn = first.json?.tasks.find((t) => t.galaxy === g)?.sn;
      for (const k of KS) for (const kind of ['map', 'sfh']) assert.ok(existsSync(path.join(out, `${g}_${sn}_${k}_${kind}.png`)), `${g} k=${k} ${kind}`);
      assert.ok(existsSync(path.join(out, `${g}_${sn}_kchoice.png`)), `${g} k-choice`);
    }
    assert.ok(existsSync(path.join(out, 'report.html')));
  });

  it('flags rows beyond the thresholds instead of dropping them', () => {
    const r = runCli(['run', ...args, '--set', 'minGrouped=100000', '--set', 'maxPsfSigma=0.6']);
    assert.equal(r.code, 0, r.stderr);
    const rows = readCsv(path.join(out, 'summary.csv'));
    assert.equal(rows.length, GALAXIES.length * KS.length, 'nothing dropped');
    for (const row of rows) {
      const psf = Number(row['psf_sigma_px']);
      const want = [...(psf > 0.6 ? ['psf>0.6'] : []), 'grouped<100000'].join(';');
      assert.equal(row['flags'], want, `${row['galaxy']} k=${row['k']} (psf ${psf})`);
    }
    assert.ok(rows.some((row) => !row['flags']?.includes('psf')), 'some galaxy is below the PSF threshold');
    assert.match(r.stderr, /grouped<100000/);
    // `report` on the folder gives the same page as the run did (nothing in it depends on when).
    const file = path.join(tmp.dir, 'again.html');
    const rep = runCli(['report', '--out', out, '--file', file, '--set', 'minGrouped=100000', '--set', 'maxPsfSigma=0.6']);
    assert.equal(rep.code, 0, rep.stderr);
    assert.ok(readFileSync(file).equals(readFileSync(path.join(out, 'report.html'))));
  });

  it('skips the report with --no-report', () => {
    const other = path.join(tmp.dir, 'other');
    const r = runCli(['run', '--galaxy', '122', '--k', '3', '--cache', path.join(tmp.dir, 'cache'), '--out', other, '--lock', path.join(tmp.dir, 'sfh.lock'), '--no-report']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(path.join(other, 'summary.csv')));
    assert.ok(!existsSync(path.join(other, 'report.html')));
  });

  it('fails clearly when asked to report on a folder without results', () => {
    const r = runCli(['report', '--out', tmp.dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no result FITS/);
  });
});

describe('the report in a real browser', () => {
  it('loads without a console error, every picture decodes, every galaxy and k is there', async (t) => {
    if (CHROMIUM === undefined) {
      if (process.env['CI']) assert.fail('chromium is not on PATH: CI must install it (apt-get install -y chromium)');
      t.skip('chromium is not on PATH: install the Debian package chromium (apt-get install -y chromium); CI runs this');
      return;
    }
    const file = path.join(out, 'report.html');
    assert.ok(existsSync(file), 'report.html from the runs above');
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (req) => {
        if (!req.url().startsWith('data:') && !req.url().startsWith('file:')) requests.push(req.url());
      });
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      assert.deepEqual(errors, []);
      assert.deepEqual(requests, [], 'the report fetches nothing');
      const images = await page.evaluate(() => Array.from(document.images, (i) => ({ w: i.naturalWidth, alt: i.alt, data: i.src.startsWith('data:image/png;base64,') })));
      assert.equal(images.length, GALAXIES.length * (KS.length * 2 + 1));
      for (const img of images) assert.ok(img.w > 0 && img.data, `decoded and inlined: ${img.alt}`);
      for (const g of GALAXIES) {
        const headings = await page.locator(`#g-${g} h3`).allTextContents();
        for (const k of KS) assert.ok(headings.some((h) => h.startsWith(`k = ${k}`)), `galaxy ${g} shows k = ${k}: ${headings.join(' | ')}`);
        assert.equal(await page.locator(`table a[href="#g-${g}"]`).count(), 1, `the index links galaxy ${g}`);
      }
      assert.ok((await page.locator('.flag', { hasText: 'grouped<100000' }).count()) > 0, 'the flags are shown');
      assert.equal(await page.evaluate(() => document.scripts.length), 0, 'no JavaScript');
    } finally {
      await browser.close();
    }
  });
});
