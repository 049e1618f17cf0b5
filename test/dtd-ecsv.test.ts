/**
 * The typed-table writer (src/report/ecsv.ts) the DTD tables go through: the CSV and ECSV
 * text of a small table a reader can check by eye, the quoting a CSV field and a YAML
 * scalar need, type checks, and astropy (Debian's /usr/bin/python3, test/py/ecsv_read.py)
 * reading the ECSV back with the types, units, missing values, metadata and every float
 * bit for bit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { tableCsv, tableEcsv, type TypedTable } from '../src/report/ecsv.ts';
import { ROOT } from './helpers/cli.ts';

const PY = '/usr/bin/python3';
const ASTROPY = spawnSync(PY, ['-c', 'import astropy.table'], { encoding: 'utf8' }).status === 0 || process.env.CI !== undefined ? {} : { skip: 'astropy is not importable by /usr/bin/python3: install Debian package python3-astropy' };

const TABLE: TypedTable = {
  columns: [
    { name: 'id', datatype: 'string', description: 'catalog id' },
    { name: 'psf', datatype: 'float64', unit: 'pix', description: "PSF sigma: the cut's input, in pixels" },
    { name: 'n', datatype: 'int64' },
    { name: 'ok', datatype: 'bool' },
    { name: 'log_tau', datatype: 'float64', unit: 'dex(yr)' },
    { name: 'speed', datatype: 'float64', unit: 'km / s' },
    { name: 'note', datatype: 'string' },
  ],
  rows: [
    ['37', 0.1 + 0.2, 3, true, 8.1, 1e-7, 'a, b'],
    ['#9', Number.NaN, null, false, Infinity, -2.5e300, 'say "hi"'],
    ['x y', null, -4, null, -Infinity, 0, null],
  ],
  meta: { model: 'MDA', sne: ['37', '122'], steps: 400, converged: false, warning: "it's short: 12 tau" },
};

describe('ecsv: a typed table as CSV and ECSV text', () => {
  it('writes the CSV a reader can check by eye, quoting what needs it', () => {
    assert.equal(
      tableCsv(TABLE),
      [
        'id,psf,n,ok,log_tau,speed,note',
        '37,0.30000000000000004,3,True,8.1,1e-7,"a, b"',
        '"#9",nan,,False,inf,-2.5e+300,"say ""hi"""',
        'x y,,-4,,-inf,0,',
        '',
      ].join('\n'),
    );
  });

  it("writes astropy's ECSV header: types, units, descriptions and metadata as YAML", () => {
    const head = tableEcsv(TABLE).split('\n').filter((l) => l.startsWith('#'));
    assert.deepEqual(head, [
      '# %ECSV 1.0',
      '# ---',
      '# datatype:',
      '# - {name: id, datatype: string, description: catalog id}',
      "# - {name: psf, unit: pix, datatype: float64, description: 'PSF sigma: the cut''s input, in pixels'}",
      '# - {name: n, datatype: int64}',
      '# - {name: ok, datatype: bool}',
      '# - {name: log_tau, unit: dex(yr), datatype: float64}',
      '# - {name: speed, unit: km / s, datatype: float64}',
      '# - {name: note, datatype: string}',
      "# delimiter: ','",
      '# meta: !!omap',
      '# - {model: MDA}',
      "# - sne: ['37', '122']",
      '# - {steps: 400}',
      '# - {converged: false}',
      "# - {warning: 'it''s short: 12 tau'}",
      '# schema: astropy-2.0',
    ]);
    assert.ok(tableEcsv(TABLE).endsWith(tableCsv(TABLE)), 'the data lines are the CSV');
  });

  it('refuses a value of the wrong type, naming the column and row', () => {
    assert.throws(() => tableCsv({ columns: [{ name: 'n', datatype: 'int64' }], rows: [[1], [1.5]] }), /column `n` \(int64\) row 1: `1.5` is not a int64/);
    assert.throws(() => tableCsv({ columns: [{ name: 'b', datatype: 'bool' }], rows: [['yes']] }), /column `b`/);
    assert.throws(() => tableCsv({ columns: [{ name: 'a', datatype: 'string' }, { name: 'a', datatype: 'string' }], rows: [] }), /appears twice/);
    assert.throws(() => tableCsv({ columns: [{ name: 'a', datatype: 'string' }], rows: [['x', 'y']] }), /row 0 has 2 values for 1 columns/);
  });
});

describe('ecsv: astropy reads it back', ASTROPY, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sfh-ecsv-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('with the types, units, masked values, metadata and every float bit for bit', () => {
    const file = path.join(dir, 't.ecsv');
    writeFileSync(file, tableEcsv(TABLE));
    const r = spawnSync(PY, [path.join(ROOT, 'test', 'py', 'ecsv_read.py'), file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { cols: Record<string, [string | null, string, string | null]>; rows: Record<string, unknown>[]; meta: Record<string, unknown> };
    assert.deepEqual(got.cols, {
      id: [null, 'U', 'catalog id'],
      psf: ['pix', 'f', "PSF sigma: the cut's input, in pixels"],
      n: [null, 'i', null],
      ok: [null, 'b', null],
      log_tau: ['dex(yr)', 'f', null],
      speed: ['km / s', 'f', null],
      note: [null, 'U', null],
    });
    // floats as Python's repr: the shortest text that round-trips, so equal text is equal bits
    assert.deepEqual(got.rows.map((r) => Object.values(r)), [
      ['37', '0.30000000000000004', 3, true, '8.1', '1e-07', 'a, b'],
      ['#9', 'nan', null, false, 'inf', '-2.5e+300', 'say "hi"'],
      ['x y', null, -4, null, '-inf', '0.0', null],
    ]);
    assert.deepEqual(got.meta, { model: 'MDA', sne: ['37', '122'], steps: 400, converged: false, warning: "it's short: 12 tau" });
  });
});
