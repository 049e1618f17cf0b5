/**
 * Names that FITS headers cannot hold as they are (issue 21, class 5): an SN Name, ArcName,
 * catalog file name and cubes/sfh folders with `ü` and an emoji, and a long name, through
 * the real CLI. The result is written (it used to fail at `write`: "FITS headers hold
 * printable ASCII only"), astropy opens it without a warning and with valid checksums, and
 * `urllib.parse.unquote` gives the names back exactly; so does our reader. Plus the unit
 * rules of src/fits/header-text.ts, and the PROVn provenance cards.
 * Run: node --import tsx --test test/fits-names.test.ts (after npm run build)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeHeaderText, ENCODED_MARK, encodeHeaderText, FitsFile, writableCards } from '../src/fits/index.ts';
import { sha256File } from '../src/cache/file-hash.ts';
import { astropyAvailable, PYTHON } from './fixtures/fits/helpers.ts';
import { PARITY, runCli, tempDir } from './helpers/cli.ts';

const ASTROPY = astropyAvailable() || process.env.CI !== undefined ? {} : { skip: 'astropy is not importable by /usr/bin/python3: install the Debian package python3-astropy' };

describe('header text that is not printable ASCII', () => {
  test('is percent-encoded UTF-8, % included; ASCII stays as it is', () => {
    assert.equal(encodeHeaderText('SN2013aa'), 'SN2013aa');
    assert.equal(encodeHeaderText('SN2013ü'), 'SN2013%C3%BC');
    assert.equal(encodeHeaderText('Zoë 50% 😀'), 'Zo%C3%AB 50%25 %F0%9F%98%80');
    assert.equal(encodeHeaderText('tab\there'), 'tab%09here');
    for (const s of ['SN2013ü', 'Zoë 50% 😀', '%41 literally', 'a\u0000b', "O'Brien ü"]) assert.equal(decodeHeaderText(encodeHeaderText(s)), s);
    assert.equal(decodeHeaderText('100% broken %E2'), '100% broken %E2', 'text that is not valid encoding comes back as it is');
  });

  test('writableCards encodes and marks values, keeps ASCII cards, drops what cannot be written', () => {
    const { cards, dropped } = writableCards([
      { key: 'SNNAME', value: 'SN2013ü' },
      { key: 'INFILE1', value: 'catalög.csv', comment: 'input file' },
      { key: 'OBJECT', value: '50% ASCII' },
      { key: 'NOTE', value: 1, comment: 'unit: µm' },
      { key: `SFH ${'X'.repeat(70)}`, value: 'a string' },
    ]);
    assert.deepStrictEqual(cards, [
      { key: 'SNNAME', value: 'SN2013%C3%BC', comment: ENCODED_MARK },
      { key: 'INFILE1', value: 'catal%C3%B6g.csv', comment: `${ENCODED_MARK} input file` },
      { key: 'OBJECT', value: '50% ASCII' },
      { key: 'NOTE', value: 1, comment: 'unit: %C2%B5m' },
    ]);
    assert.equal(dropped.length, 1);
    assert.match(dropped[0]?.why ?? '', /key too long for a string value/);
    // Cards read back (decoded) and written again are not marked twice.
    assert.deepStrictEqual(writableCards([{ key: 'SNNAME', value: 'SN2013ü', comment: ENCODED_MARK }]).cards, [{ key: 'SNNAME', value: 'SN2013%C3%BC', comment: ENCODED_MARK }]);
  });
});

describe('non-ASCII and long names through the CLI', () => {
  const tmp = tempDir('sfh-names-ü-');
  const emoji = 'SN2013ü😀';
  const long = `SN2015bp-${'x'.repeat(80)}`;
  const cubes = path.join(tmp.dir, 'cübes 😀');
  const sfh = path.join(tmp.dir, 'sfh-ü');
  const catalog = path.join(tmp.dir, 'catalög.csv');
  let tasks: { galaxy: string; status: string; error: string | null; warnings: string[]; output: string | null }[] = [];
  before(() => {
    mkdirSync(cubes);
    mkdirSync(sfh);
    const input = path.join(PARITY, 'input');
    copyFileSync(path.join(input, 'MuseObject', 'MuseResample', 'CDP.2017-03-11T04:12:11.011.fits'), path.join(cubes, 'CDP.2017-ü.fits'));
    copyFileSync(path.join(input, 'MuseSFH', 'dataOut', '11_SN2013aa.fits'), path.join(sfh, `11_${emoji}.fits`));
    copyFileSync(path.join(input, 'MuseObject', 'MuseResample', 'CDP.2017-01-15T03:12:45.045.fits'), path.join(cubes, 'CDP.2017-01-15T03:12:45.045.fits'));
    copyFileSync(path.join(input, 'MuseSFH', 'dataOut', '45_SN2015bp.fits'), path.join(sfh, `45_${long}.fits`));
    const rows = [',ArcName,SN Name,SN RA,SN DEC,SN Type,z', `11,ADP.2017-ü,${emoji},112.33550185516356,-58.94783969453248,Ia,0.0061`, `45,ADP.2017-01-15T03:12:45.045,${long},161.78744965561881,-38.763007604619,Ia,0.0095`];
    writeFileSync(catalog, `${rows.join('\n')}\n`);
    const r = runCli(['run', '--galaxy', 'all', '--k', '2', '--catalog', catalog, '--cubes', cubes, '--sfh', sfh, '--out', path.join(tmp.dir, 'out'), '--cache', path.join(tmp.dir, 'cache'), '--lock', path.join(tmp.dir, 'lock'), '--json'], { cwd: tmp.dir });
    assert.equal(r.code, 0, r.stderr);
    tasks = r.json?.tasks ?? [];
  });
  after(() => tmp.remove());

  test('every result is written, without a warning, under its real name', () => {
    assert.deepStrictEqual(tasks.map((t) => [t.galaxy, t.status, t.error, t.warnings]), [['11', 'ok', null, []], ['45', 'ok', null, []]]);
    assert.equal(tasks[0]?.output, path.join(tmp.dir, 'out', `11_${emoji}_2.fits`));
    for (const f of [`11_${emoji}_2_map.png`, `11_${emoji}_kchoice.png`, `45_${long}_2.fits`]) assert.ok(existsSync(path.join(tmp.dir, 'out', f)), f);
    assert.match(readFileSync(path.join(tmp.dir, 'out', 'summary.csv'), 'utf8'), new RegExp(`^11,${emoji},`, 'm'));
  });

  test('our reader gives the names back; PROVn name every input, INSHAn its sha256', () => {
    const f = FitsFile.open(path.join(tmp.dir, 'out', `11_${emoji}_2.fits`));
    const h = f.hdu(0).header;
    f.close();
    assert.equal(h.get('SNNAME'), emoji);
    assert.equal(h.card('SNNAME')?.comment, ENCODED_MARK);
    assert.equal(h.get('SFH CUBES'), 'cübes 😀');
    const inputs = [catalog, path.join(cubes, 'CDP.2017-ü.fits'), path.join(sfh, `11_${emoji}.fits`)];
    assert.deepStrictEqual(
      inputs.map((_, i) => [h.get(`PROV${i + 1}`), h.get(`INSHA${i + 1}`)]),
      inputs.map((p) => [path.basename(p), sha256File(p)]),
    );
    assert.equal(h.get('PROV4'), undefined);
  });

  test('astropy opens the results with no warning, verified checksums, and unquote() gives the names', ASTROPY, () => {
    const script = `
import sys, json, warnings
from urllib.parse import unquote
from astropy.io import fits
warnings.simplefilter('error')
out = []
for p in sys.argv[1:]:
    with fits.open(p, checksum=True) as h:
        h.verify('exception')
        hd = h[0].header
        out.append({'sn': unquote(hd['SNNAME']), 'raw': hd['SNNAME'], 'prov2': unquote(hd['PROV2']), 'cubes': unquote(hd['SFH CUBES']), 'valid': [x._checksum_valid for x in h]})
print(json.dumps(out))`;
    const files = [`11_${emoji}_2.fits`, `45_${long}_2.fits`].map((n) => path.join(tmp.dir, 'out', n));
    const seen = JSON.parse(execFileSync(PYTHON, ['-c', script, ...files], { encoding: 'utf8' })) as { sn: string; raw: string; prov2: string; cubes: string; valid: number[] }[];
    assert.deepStrictEqual(seen[0], { sn: emoji, raw: 'SN2013%C3%BC%F0%9F%98%80', prov2: 'CDP.2017-ü.fits', cubes: 'cübes 😀', valid: [1, 1, 1] });
    assert.deepStrictEqual([seen[1]?.sn, seen[1]?.raw], [long, long], 'a long ASCII name is a CONTINUE long string, read back whole');
  });
});
