/**
 * The catalog is read as the study read it (`pd.read_csv` with its defaults): two columns
 * of one name are refused (pandas would read the first, a plain reader the last), numbers
 * are numbers exactly when pandas reads them as numbers (`0x15` is not 21 degrees), and a
 * catalog with a header but no rows says so. Through the real CLI on the bundled example's
 * files, and the number rules unit by unit, cross-checked with pandas itself when Debian's
 * python3-pandas is installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPandasNumber } from '../src/catalog/number.ts';
import { ROOT, runCli, tempDir } from './helpers/cli.ts';

const tmp = tempDir('sfh-catalog-');
after(() => tmp.remove());
const EXAMPLE = path.join(ROOT, 'example');
const CATALOG = path.join(EXAMPLE, 'FinalSelMuseMask3.csv');

/** The example catalog with `edit` applied to its header and rows (cells of a simple CSV). */
function variant(name: string, edit: (header: string[], rows: string[][]) => void): string {
  const [head, ...lines] = readFileSync(CATALOG, 'utf8').trimEnd().split('\n');
  const header = (head ?? '').split(',');
  const rows = lines.map((l) => l.split(','));
  edit(header, rows);
  const file = path.join(tmp.dir, name);
  writeFileSync(file, `${[header, ...rows].map((r) => r.map((c) => (/[",]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(',')).join('\n')}\n`);
  return file;
}

function run(catalog: string, galaxy: string, extra: string[] = []) {
  const out = path.join(tmp.dir, `out-${path.basename(catalog, '.csv')}`);
  return runCli(['run', '--catalog', catalog, '--cubes', path.join(EXAMPLE, 'MuseObject', 'MuseResample'), '--sfh', path.join(EXAMPLE, 'MuseSFH', 'dataOut'), '--galaxy', galaxy, '--k', '3', '--out', out, '--cache', path.join(tmp.dir, 'cache'), '--lock', path.join(tmp.dir, 'sfh.lock'), '--no-report', ...extra]);
}

describe('the catalog as pandas reads it, through the CLI', () => {
  before(() => {
    // The bundled example (generated on first use) supplies the cubes.
    if (!existsSync(CATALOG)) assert.equal(runCli(['example']).code, 0);
  });

  it('refuses two columns of one name, naming the column and the fix', () => {
    const file = variant('dup.csv', (h, rows) => {
      h.push('SN RA');
      for (const r of rows) r.push('12.5');
    });
    const r = run(file, '122');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /two columns named 'SN RA' \(columns 11 and 19\)/);
    assert.match(r.stderr, /rename or remove one of them/);
    assert.ok(!existsSync(path.join(tmp.dir, 'out-dup')), 'nothing was written');
  });

  it('refuses a coordinate that pandas would not read as a number (0x2F), and runs the other galaxies', () => {
    const file = variant('hex.csv', (h, rows) => {
      const col = h.indexOf('SN RA');
      for (const r of rows) if (r[0] === '122') r[col] = '0x2F';
    });
    const r = run(file, '37,122', ['--json']);
    assert.equal(r.code, 1, r.stderr);
    const task = r.json?.tasks.find((t) => t.galaxy === '122');
    assert.equal(task?.status, 'failed');
    assert.match(task?.error ?? '', /'SN RA' is "0x2F", not a number of degrees in \[0, 360\]: pandas' read_csv \(the notebook's reader\) does not read it as a number/);
    assert.equal(r.json?.tasks.find((t) => t.galaxy === '37')?.status, 'ok', 'one bad row does not stop the others');
  });

  it('reads the forms pandas reads: spaces around, a sign, an exponent', () => {
    const file = variant('forms.csv', (h, rows) => {
      const [ra, dec] = [h.indexOf('SN RA'), h.indexOf('SN DEC')];
      for (const r of rows) {
        if (r[0] !== '122') continue;
        r[ra] = ` ${Number(r[ra]).toExponential(12)}\t`;
        r[dec] = `+${r[dec]}`.replace('+-', '-');
      }
    });
    const r = run(file, '122', ['--json']);
    assert.equal(r.code, 0, r.stderr);
  });

  it('says a NaN spelling is a missing value', () => {
    const file = variant('nan.csv', (h, rows) => {
      const col = h.indexOf('SN DEC');
      for (const r of rows) if (r[0] === '122') r[col] = 'NA';
    });
    const r = run(file, '122', ['--json']);
    assert.equal(r.code, 1);
    assert.match(r.json?.tasks[0]?.error ?? '', /'SN DEC' is "NA", which pandas reads as NaN \(a missing value\)/);
  });

  it('refuses a SKY_RES column value that is not a positive number, instead of ignoring it', () => {
    const file = variant('skyres.csv', (h, rows) => {
      h.push('SKY_RES');
      for (const r of rows) r.push(r[0] === '122' ? '0x1' : '0.9');
    });
    const r = run(file, '122', ['--json']);
    assert.equal(r.code, 1);
    assert.match(r.json?.tasks[0]?.error ?? '', /'SKY_RES' is "0x1"/);
  });

  it('says a catalog with a header and no rows has no galaxy, without an empty list of nearest ids', () => {
    const file = path.join(tmp.dir, 'header-only.csv');
    writeFileSync(file, `${readFileSync(CATALOG, 'utf8').split('\n')[0]}\n`);
    for (const galaxy of ['122', 'all']) {
      const r = run(file, galaxy);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /has no galaxy: it has a header row but no data rows/);
      assert.doesNotMatch(r.stderr, /nearest ids: \)/);
    }
  });
});

/** [cell, what pandas 1.5.3 reads] for cells that were tried in pandas (the value, 'missing' or 'text'). */
const CASES: readonly [string, number | 'missing' | 'text'][] = [
  ['1.5', 1.5], [' 1.5', 1.5], ['1.5 ', 1.5], ['\t1.5', 1.5], ['+1.5', 1.5], ['-1.5', -1.5], ['1e3', 1000], ['1E3', 1000], ['1.e3', 1000],
  ['.5', 0.5], ['5.', 5], ['-.5', -0.5], ['0015', 15], ['1.5e+3', 1500], ['1.5E-3', 0.0015], ['1e-500', 0], ['1.7976931348623157e308', 1.7976931348623157e308],
  ['inf', Infinity], ['-inf', -Infinity], ['Infinity', Infinity], ['iNfInItY', Infinity], ['+inf', Infinity],
  ['', 'missing'], ['nan', 'missing'], ['NaN', 'missing'], ['-nan', 'missing'], ['NA', 'missing'], ['N/A', 'missing'], ['n/a', 'missing'], ['null', 'missing'], ['NULL', 'missing'], ['#N/A', 'missing'], ['<NA>', 'missing'], ['1.#IND', 'missing'],
  ['0x15', 'text'], ['0b1', 'text'], ['1_000', 'text'], ['1,000', 'text'], ['1.5.2', 'text'], ['1d3', 'text'], ['1e', 'text'], ['e3', 'text'], ['.e3', 'text'], ['--1', 'text'],
  ['+', 'text'], ['.', 'text'], [' ', 'text'], ['1 5', 'text'], ['- 1', 'text'], ['\u00a01.5', 'text'], ['1.8e308', 'text'], ['NAN', 'text'], ['None', 'text'], ['+nan', 'text'], ['nan ', 'text'], [' inf', 'text'], ['true', 'text'], ['１２', 'text'],
];

function kindOf(v: number | 'missing' | 'text'): ReturnType<typeof readPandasNumber> {
  return typeof v === 'number' ? { kind: 'number', value: v } : { kind: v };
}

describe('catalog numbers, cell by cell', () => {
  it('reads each cell as pandas 1.5.3 does', () => {
    for (const [cell, want] of CASES) assert.deepEqual(readPandasNumber(cell), kindOf(want), JSON.stringify(cell));
  });

  it('agrees with pandas itself on every case (Debian python3-pandas)', (t) => {
    const py = '/usr/bin/python3';
    const probe = existsSync(py) ? spawnSync(py, ['-c', 'import pandas'], { encoding: 'utf8' }) : undefined;
    if (probe?.status !== 0) {
      t.skip('pandas is not installed for /usr/bin/python3: apt-get install python3-pandas to cross-check');
      return;
    }
    // Each cell alone in a column whose other row is a float, read with read_csv's defaults.
    const script = `
import io, json, sys, math, pandas as pd
out = []
for cell in json.load(sys.stdin):
    q = '"' + cell.replace('"', '""') + '"'
    df = pd.read_csv(io.StringIO(',x\\n0,' + q + '\\n1,10.5\\n'), index_col=0)
    v = df['x'].iloc[0]
    if df['x'].dtype == object: out.append('text')
    elif math.isnan(v): out.append('missing')
    else: out.append(float(v) if math.isfinite(v) else ('inf' if v > 0 else '-inf'))
print(json.dumps(out))
`;
    const r = spawnSync(py, ['-c', script], { input: JSON.stringify(CASES.map(([c]) => c)), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as (number | string)[];
    CASES.forEach(([cell], i) => {
      const p = got[i];
      const pandas = p === 'inf' ? Infinity : p === '-inf' ? -Infinity : (p as number | 'missing' | 'text');
      assert.deepEqual(readPandasNumber(cell), kindOf(pandas), `${JSON.stringify(cell)}: pandas reads ${String(p)}`);
    });
  });
});
