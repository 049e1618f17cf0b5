/**
 * summary.csv and the HTML report, through the real CLI on the bundled example: the CSV's
 * numbers are checked against the result FITS they summarise (recomputed here from the
 * FITS, not taken from the code under test), flags appear where the thresholds say, and the
 * report is opened in a real headless Chromium: no console error, every picture (a file
 * next to the page) decodes, every galaxy and k is there, the skipped and failed galaxies
 * with their reasons, sorting and filtering work, a copied folder still works; and at a few
 * hundred results of the study catalog's layout the page stays small and loads (its load
 * time is printed, not asserted).
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ensureScaleDataset } from '../src/example/scale-write.ts';
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
    const kChoices = readdirSync(out).filter((n) => n.endsWith('_kchoice.png'));
    const stamp = (n: string) => `${statSync(path.join(out, n)).ino}:${statSync(path.join(out, n)).mtimeMs}`;
    const before = kChoices.map(stamp);
    const r = runCli(['run', ...args, '--set', 'minGrouped=100000', '--set', 'maxPsfSigma=0.6']);
    assert.equal(r.code, 0, r.stderr);
    // summarise ran again (new flags below), but no result changed: each k-choice plot
    // carries the digest of its points and is kept, not redrawn (kchoice-digest.ts).
    assert.equal(kChoices.length, GALAXIES.length);
    assert.deepEqual(kChoices.map(stamp), before, 'the k-choice plots are the same files');
    const rows = readCsv(path.join(out, 'summary.csv'));
    assert.equal(rows.length, GALAXIES.length * KS.length, 'nothing dropped');
    for (const row of rows) {
      const psf = Number(row['psf_sigma_px']);
      const want = [...(psf > 0.6 ? ['psf>0.6'] : []), 'grouped<100000'].join(';');
      assert.equal(row['flags'], want, `${row['galaxy']} k=${row['k']} (psf ${psf})`);
    }
    assert.ok(rows.some((row) => !row['flags']?.includes('psf')), 'some galaxy is below the PSF threshold');
    assert.match(r.stderr, /grouped<100000/);
    // `report` on the folder gives the same page as the run did (nothing in it depends on
    // when); written beside it, so its links to the pictures are the same.
    const file = path.join(out, 'again.html');
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

describe('a run into a folder that holds earlier runs\' results (runs that do not mix)', () => {
  // A second run of one galaxy at another k into a copy of the first run's folder: the page
  // must say which results are whose, and summary.csv must cover the second run only.
  const mixed = path.join(tmp.dir, 'mixed');
  let second: CliResult;
  before(() => {
    cpSync(out, mixed, { recursive: true });
    second = runCli(['run', '--galaxy', '37', '--k', '5', '--cache', path.join(tmp.dir, 'cache'), '--out', mixed, '--lock', path.join(tmp.dir, 'mixed.lock')]);
  });

  it('summary.csv holds this run\'s result only', () => {
    assert.equal(second.code, 0, second.stderr);
    const rows = readCsv(path.join(mixed, 'summary.csv'));
    assert.deepEqual(rows.map((r) => [r['galaxy'], r['k']]), [['37', '5']]);
  });

  it('the page counts this run\'s results apart from the earlier ones and marks each earlier one', () => {
    const html = readFileSync(path.join(mixed, 'report.html'), 'utf8');
    const earlier = GALAXIES.length * KS.length;
    assert.match(html, new RegExp(`1 result from this run and ${earlier} results from earlier runs`));
    assert.match(html, /summary\.csv and the DTD fit cover this run's results only/);
    const badges = html.match(/<span class="flag" title="in the folder from an earlier run[^"]*">earlier run<\/span>/g) ?? [];
    assert.equal(badges.length, earlier);
  });
});

/** Opens `file` in headless Chromium and hands the page to `check`; records console errors and outside requests. */
async function inBrowser(t: { skip: (m: string) => void; diagnostic: (m: string) => void }, file: string, check: (page: import('playwright-core').Page, seen: { errors: string[]; requests: string[]; loadMs: number }) => Promise<void>): Promise<void> {
  if (CHROMIUM === undefined) {
    if (process.env['CI']) assert.fail('chromium is not on PATH: CI must install it (apt-get install -y chromium)');
    t.skip('chromium is not on PATH: install the Debian package chromium (apt-get install -y chromium); CI runs this');
    return;
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    const seen = { errors: [] as string[], requests: [] as string[], loadMs: 0 };
    page.on('console', (m) => {
      if (m.type() === 'error') seen.errors.push(m.text());
    });
    page.on('pageerror', (e) => seen.errors.push(String(e)));
    page.on('request', (req) => {
      if (!req.url().startsWith('data:') && !req.url().startsWith('file:')) seen.requests.push(req.url());
    });
    const t0 = performance.now();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    seen.loadMs = performance.now() - t0;
    await check(page, seen);
  } finally {
    await browser.close();
  }
}

/** Loads every picture of the page (lazy ones too) and returns those that did not decode. */
async function brokenImages(page: import('playwright-core').Page): Promise<{ count: number; broken: string[] }> {
  return page.evaluate(async () => {
    const images = Array.from(document.images);
    for (const i of images) i.loading = 'eager';
    await Promise.all(images.map((i) => i.decode().catch(() => null)));
    return { count: images.length, broken: images.filter((i) => i.naturalWidth === 0).map((i) => i.getAttribute('src') ?? '') };
  });
}

describe('the report in a real browser', () => {
  it('loads without a console error, links every picture as a file next to it, shows every galaxy and k and who was left out', async (t) => {
    const file = path.join(out, 'report.html');
    assert.ok(existsSync(file), 'report.html from the runs above');
    await inBrowser(t, file, async (page, seen) => {
      assert.deepEqual(seen.errors, []);
      assert.deepEqual(seen.requests, [], 'the report fetches nothing from outside');
      const { count, broken } = await brokenImages(page);
      // per galaxy: the k-choice plot, a map and an SFH plot per k; per result: a thumbnail in the index
      assert.equal(count, GALAXIES.length * (KS.length * 2 + 1) + GALAXIES.length * KS.length);
      assert.deepEqual(broken, [], 'every picture decodes');
      const sources = await page.evaluate(() => Array.from(document.images, (i) => i.getAttribute('src') ?? ''));
      for (const src of sources) assert.ok(!src.startsWith('data:') && !src.includes('/') && src.endsWith('.png'), `a file next to the page: ${src}`);
      for (const g of GALAXIES) {
        const headings = await page.locator(`#g-${g} h3`).allTextContents();
        for (const k of KS) assert.ok(headings.some((h) => h.startsWith(`k = ${k}`)), `galaxy ${g} shows k = ${k}: ${headings.join(' | ')}`);
        assert.equal(await page.locator(`#results a[href="#g-${g}"]`).count(), KS.length * 2, `the index links galaxy ${g} from each of its rows`);
      }
      assert.ok((await page.locator('.flag', { hasText: 'grouped<100000' }).count()) > 0, 'the flags are shown');
      // The example's type II host has no pPXF fit: the page says it was skipped and why.
      const left = await page.locator('#left-out ~ details').allTextContents();
      assert.ok(left.some((d) => /311/.test(d) && /no pPXF output/.test(d)), `galaxy 311 skipped, with its reason: ${left.join(' | ')}`);
      // The run's date and command, then what it selected.
      assert.match((await page.locator('#run-info').textContent()) ?? '', /^Run started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: sfh-pipeline run --galaxy all --k 2\.\.4 --out \S+ .*--set minGrouped=100000/);
      assert.match((await page.locator('#run ~ p:not(#run-info)').first().textContent()) ?? '', /selected 4 galaxies \(catalog rows\) at k=2, k=3, k=4/);
      assert.equal(await page.evaluate(() => document.scripts.length), 1, 'one script: the table\'s sorting and filter');
      // Sorting and filtering work (the CSP lets exactly that script run).
      await page.locator('#results th', { hasText: 'valid pixels' }).click();
      const valid = (await page.locator('#results tbody tr td:nth-child(11)').allTextContents()).map(Number);
      assert.deepEqual(valid, [...valid].sort((a, b) => a - b), 'sorted by valid pixels');
      await page.fill('#filter', '205');
      assert.equal(await page.textContent('#shown'), String(KS.length));
      t.diagnostic(`report.html ${(statSync(file).size / 1024).toFixed(0)} KiB, loaded in ${seen.loadMs.toFixed(0)} ms`);
    });
  });

  it('still works when the folder is copied elsewhere (relative links)', async (t) => {
    const copy = path.join(tmp.dir, 'copied', 'somewhere');
    cpSync(out, copy, { recursive: true });
    await inBrowser(t, path.join(copy, 'report.html'), async (page, seen) => {
      assert.deepEqual(seen.errors, []);
      const { count, broken } = await brokenImages(page);
      assert.ok(count > 0);
      assert.deepEqual(broken, []);
    });
    // A page written elsewhere with --file links the pictures in their folder.
    const elsewhere = path.join(tmp.dir, 'pages', 'elsewhere.html');
    const r = runCli(['report', '--out', copy, '--file', elsewhere]);
    assert.equal(r.code, 0, r.stderr);
    await inBrowser(t, elsewhere, async (page) => {
      const { count, broken } = await brokenImages(page);
      assert.ok(count > 0);
      assert.deepEqual(broken, []);
    });
  });
});

describe('the report at a few hundred results (the study catalog\'s layout, src/example/scale.ts)', () => {
  const big = tempDir('sfh-report-scale-');
  after(() => big.remove());
  let run: CliResult;
  let data: Awaited<ReturnType<typeof ensureScaleDataset>>;
  const bigOut = path.join(big.dir, 'out');

  before(async () => {
    data = await ensureScaleDataset(path.join(big.dir, 'data'), 100);
    run = runCli(['run', '--galaxy', 'all', '--k', '2..8', '--catalog', data.catalog, '--cubes', data.cubes, '--sfh', data.sfh, '--out', bigOut, '--cache', path.join(big.dir, 'cache'), '--lock', path.join(big.dir, 'sfh.lock'), '--json']);
  });

  it('runs: the fitted rows give results, the rows without a cube fail, the others are skipped', () => {
    assert.equal(run.code, data.missingCube ? 1 : 0, run.stderr.slice(-2000));
    assert.equal(run.json?.tasks.filter((x) => x.status === 'ok').length, data.fitted * 7);
    assert.ok(data.fitted * 7 >= 200, `a few hundred results: ${data.fitted * 7}`);
    assert.doesNotMatch(run.stderr, /^ {2}\d+ +SN/m, 'no table of hundreds of rows at the end of the log');
    assert.match(run.stderr, /summary: .*summary\.csv \(\d+ rows; the table is there and in report\.html/);
  });

  it('is a small page with every result in its table, the failed and skipped galaxies with reasons, and loads in Chromium', async (t) => {
    const file = path.join(bigOut, 'report.html');
    const bytes = statSync(file).size;
    assert.ok(bytes < 1024 * data.fitted * 7 * 2, `about 1 KB per result, not pictures inlined: ${bytes} bytes`);
    assert.doesNotMatch(readFileSync(file, 'utf8'), /data:image/);
    await inBrowser(t, file, async (page, seen) => {
      assert.deepEqual(seen.errors, []);
      assert.equal(await page.locator('#results tbody tr').count(), data.fitted * 7);
      const failed = await page.locator('#left-out ~ details[open]').textContent();
      assert.match(failed ?? '', new RegExp(`${data.missingCube} galax(y|ies) failed[\\s\\S]*not found`));
      const skipped = await page.locator('#left-out ~ details', { hasText: 'skipped' }).textContent();
      assert.match(skipped ?? '', new RegExp(`${data.unfitted} galaxies skipped`));
      await page.fill('#filter', 'grouped<200');
      assert.ok(Number(await page.textContent('#shown')) > 0);
      const { broken } = await brokenImages(page);
      assert.deepEqual(broken, []);
      t.diagnostic(`${data.fitted * 7} results: report.html ${(bytes / 1024).toFixed(0)} KiB, loaded in ${seen.loadMs.toFixed(0)} ms (measured, not asserted)`);
    });
  });

  it('is written again, byte for byte, by sfh-pipeline report from the folder alone', () => {
    const again = path.join(bigOut, 'again.html');
    const r = runCli(['report', '--out', bigOut, '--file', again, '--catalog', data.catalog]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(again).equals(readFileSync(path.join(bigOut, 'report.html'))));
  });
});
