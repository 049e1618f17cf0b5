/**
 * The bundled example dataset: deterministic to the byte, in the notebook's layout, with
 * MUSE-like headers astropy reads without a warning, and galaxies whose SN, NaN borders and
 * SFH weights exercise what the pipeline has to handle.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';

import { UserError } from '../src/errors.ts';
import { buildGalaxy } from '../src/example/cube.ts';
import { GALAXIES } from '../src/example/galaxies.ts';
import { EXAMPLE_LAYOUT, generateExample, type ExampleManifest } from '../src/example/generate.ts';
import { FitsFile, readFitsImage } from '../src/fits/index.ts';
import { celestialWcs, worldToPixel } from '../src/wcs/index.ts';

const PYTHON = '/usr/bin/python3';
const root = mkdtempSync(join(tmpdir(), 'sfh-example-'));
const dirA = join(root, 'a');
const dirB = join(root, 'b', 'nested');
let manifest: ExampleManifest;
let seconds = 0;

before(async () => {
  const t0 = performance.now();
  manifest = await generateExample(dirA);
  seconds = (performance.now() - t0) / 1000;
  await generateExample(dirB);
});
after(() => rmSync(root, { recursive: true, force: true }));

/** sha256 of every file under `dir`, by relative path. */
function hashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

/** The catalog as rows of named cells (no quoting in this file). */
function catalog(dir: string): Record<string, string>[] {
  const [head = '', ...lines] = readFileSync(join(dir, EXAMPLE_LAYOUT.catalog), 'utf8').trimEnd().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i] ?? '', v])));
}

function f32(file: FitsFile, sel: number | string): Float32Array {
  const a = file.readImage(sel);
  assert.ok(a.data instanceof Float32Array);
  return a.data;
}

function median(values: number[]): number {
  const s = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
}

test('two generations are byte-identical, and a third call writes nothing', async (t) => {
  const a = hashes(dirA);
  assert.deepEqual(a, hashes(dirB));
  assert.equal(a.size, manifest.files.length + 1); // + the marker
  // How long it took is reported, never asserted: a busy machine is slower, not wrong.
  t.diagnostic(`generation took ${seconds.toFixed(1)} s`);
  const before = statSync(join(dirA, manifest.catalog)).mtimeMs;
  const again = await generateExample(dirA);
  assert.equal(again.generated, false);
  assert.deepEqual(again.files, manifest.files);
  assert.equal(statSync(join(dirA, manifest.catalog)).mtimeMs, before);
});

test('the catalog has the study\'s columns, full-precision coordinates and one core-collapse row without pPXF output', () => {
  const head = readFileSync(join(dirA, EXAMPLE_LAYOUT.catalog), 'utf8').split('\n')[0];
  assert.equal(head, ',SN Name,SN Type,ExtraCare,SeMask2,Good,Mask,seMask,IFU RA,IFU DEC,SN RA,SN DEC,Separation,ArcName,SN Time,IFU Time,Redshift,Note');
  const rows = catalog(dirA);
  assert.deepEqual(rows.map((r) => r['']), ['37', '122', '205', '311']);
  assert.ok(rows.filter((r) => r['SN Type'] === 'Ia').length >= 3);
  for (const r of rows) {
    assert.ok((r['SN RA'] ?? '').split('.')[1]!.length >= 10, `SN RA ${r['SN RA']} is not full precision`);
    assert.match(r.ArcName ?? '', /^ADP\.\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$/);
    const cube = join(dirA, EXAMPLE_LAYOUT.cubeDir, `${r.ArcName!.replace('ADP', 'CDP')}.fits`);
    assert.ok(existsSync(cube), cube);
    const ppxf = join(dirA, EXAMPLE_LAYOUT.ppxfDir, `${r['']}_${r['SN Name']}.fits`);
    assert.equal(existsSync(ppxf), r['SN Type'] === 'Ia', ppxf);
  }
  const cc = manifest.galaxies.find((g) => g.snType !== 'Ia');
  assert.equal(cc?.ppxf, null);
});

test('cubes carry MUSE headers, SKY_RES and a 0.6"/px CD matrix (one rotated); pPXF files match their cube', () => {
  let rotated = 0;
  for (const g of manifest.galaxies) {
    const cube = FitsFile.open(join(dirA, g.cube));
    try {
      assert.deepEqual(cube.hdus.map((h) => h.name), ['PRIMARY', 'DATA', 'STAT']);
      const p = cube.hdu(0).header;
      assert.deepEqual(cube.hdu(0).shape, []);
      assert.equal(p.get('INSTRUME'), 'MUSE');
      assert.equal(p.get('TELESCOP'), 'ESO-VLT-U4');
      assert.equal(p.get('RADESYS'), 'FK5');
      assert.equal(p.get('EQUINOX'), 2000);
      assert.equal(p.get('SKY_RES'), g.seeing);
      assert.ok(g.seeing >= 0.7 && g.seeing <= 1.3);
      assert.equal(typeof p.get('SKY_RERR'), 'number');
      for (const key of ['OBJECT', 'RA', 'DEC', 'DATE-OBS', 'MJD-OBS', 'ESO INS MODE', 'ESO OBS ID', 'ESO TEL AIRM START']) assert.ok(p.has(key), key);
      for (const ext of ['DATA', 'STAT']) {
        const info = cube.hdu(ext);
        const h = info.header;
        assert.deepEqual(info.shape, g.shape);
        assert.equal(info.bitpix, -32);
        assert.equal(h.get('CTYPE1'), 'RA---TAN');
        assert.equal(h.get('CTYPE2'), 'DEC--TAN');
        assert.equal(h.get('CTYPE3'), 'AWAV');
        assert.equal(h.get('CUNIT3'), 'Angstrom');
        assert.equal(h.get('CRVAL3'), 4750);
        assert.equal(h.get('CD3_3'), 3.75);
        for (const k of ['CD1_3', 'CD2_3', 'CD3_1', 'CD3_2']) assert.equal(h.get(k), 0, k);
        const cd = ['CD1_1', 'CD1_2', 'CD2_1', 'CD2_2'].map((k) => h.getNumber(k));
        const scale = Math.sqrt(Math.abs(cd[0]! * cd[3]! - cd[1]! * cd[2]!)) * 3600;
        assert.ok(Math.abs(scale - 0.6) < 1e-12, `scale ${scale}`);
        if (ext === 'DATA' && cd[1] !== 0) rotated++;
      }
      assert.match(String(cube.hdu('STAT').header.get('BUNIT')), /\*\*2$/);
      if (g.ppxf !== null) {
        const ppxf = FitsFile.open(join(dirA, g.ppxf));
        try {
          assert.deepEqual(ppxf.hdu(0).shape, g.shape);
          assert.equal(ppxf.hdu(0).bitpix, -32);
          assert.deepEqual(ppxf.hdu(1).shape, [50, 7, g.shape[1], g.shape[2]]);
          assert.equal(ppxf.hdu(1).bitpix, -64);
        } finally {
          ppxf.close();
        }
      }
    } finally {
      cube.close();
    }
  }
  assert.equal(rotated, 1);
});

test('each Ia SN falls on a fitted spaxel with valid SFH, at int() and at the nearest pixel', () => {
  const rows = new Map(catalog(dirA).map((r) => [Number(r['']), r]));
  let differ = 0;
  for (const g of manifest.galaxies) {
    const row = rows.get(g.id)!;
    const cube = FitsFile.open(join(dirA, g.cube));
    const wcs = celestialWcs(cube.hdu('DATA').header);
    const pos = worldToPixel(wcs, Number(row['SN RA']), Number(row['SN DEC']));
    assert.ok(Math.abs(pos.x - g.snPixel.x) < 1e-6 && Math.abs(pos.y - g.snPixel.y) < 1e-6, `galaxy ${g.id}: ${pos.x}, ${pos.y}`);
    const [nw, ny, nx] = g.shape;
    const pixels = [
      [Math.trunc(pos.x), Math.trunc(pos.y)],
      [Math.round(pos.x), Math.round(pos.y)],
    ] as const;
    if (pixels[0][0] !== pixels[1][0] || pixels[0][1] !== pixels[1][1]) differ++;
    const data = f32(cube, 'DATA');
    cube.close();
    for (const [x, y] of pixels) {
      assert.ok(x >= 0 && y >= 0 && x < nx && y < ny);
      const p = y * nx + x;
      let finite = 0;
      for (let k = 0; k < nw; k++) if (!Number.isNaN(data[k * ny * nx + p]!)) finite++;
      assert.ok(finite > nw * 0.99, `galaxy ${g.id}: SN spaxel (${x}, ${y}) is NaN`);
      if (g.ppxf === null) continue;
      const w = readFitsImage(join(dirA, g.ppxf), 1).data;
      let sum = 0;
      for (let j = 0; j < 350; j++) sum += w[j * ny * nx + p] as number;
      assert.ok(sum >= 0.8, `galaxy ${g.id}: SFH at the SN sums to ${sum}`);
    }
  }
  assert.ok(differ >= 1, 'no galaxy where int() and rounding of the SN pixel differ');
});

test('cubes have NaN borders, dead spaxels, NaN voxels and negative sky pixels', () => {
  for (const g of manifest.galaxies) {
    const [nw, ny, nx] = g.shape;
    const file = FitsFile.open(join(dirA, g.cube));
    const data = f32(file, 'DATA');
    const stat = f32(file, 'STAT');
    file.close();
    const npix = nx * ny;
    const deadAt = (x: number, y: number): boolean => Number.isNaN(data[y * nx + x]!) && Number.isNaN(data[(nw - 1) * npix + y * nx + x]!);
    let border = 0;
    let inner = 0;
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const edge = x === 0 || y === 0 || x === nx - 1 || y === ny - 1;
        if (deadAt(x, y)) edge ? border++ : inner++;
      }
    }
    assert.ok(border > 0.3 * 2 * (nx + ny), `galaxy ${g.id}: only ${border} NaN border spaxels`);
    assert.ok(inner >= 5, `galaxy ${g.id}: ${inner} NaN spaxels inside`);
    let voxels = 0;
    let negative = 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (Number.isNaN(v) && !Number.isNaN(stat[i]!)) voxels++;
      if (v < 0) negative++;
    }
    assert.ok(voxels > 0, `galaxy ${g.id}: no scattered NaN voxels`);
    assert.ok(negative > 0, `galaxy ${g.id}: no negative pixels`);
  }
});

test('SFH weights: NaN outside the fit, sums near 1 inside, a few edge spaxels under the 0.8 cut', () => {
  for (const g of manifest.galaxies.filter((x) => x.ppxf !== null)) {
    const [, ny, nx] = g.shape;
    const npix = nx * ny;
    const w = readFitsImage(join(dirA, g.ppxf!), 1).data as Float64Array;
    const sums: number[] = [];
    let outside = 0;
    for (let p = 0; p < npix; p++) {
      let s = 0;
      for (let j = 0; j < 350; j++) s += w[j * npix + p]!;
      if (Number.isNaN(s)) outside++;
      else sums.push(s);
    }
    assert.ok(outside > 0.05 * npix && sums.length > 0.2 * npix, `galaxy ${g.id}: ${outside} NaN spaxels of ${npix}`);
    assert.ok(Math.abs(median(sums) - 1) < 0.05, `galaxy ${g.id}: median sum ${median(sums)}`);
    const low = sums.filter((s) => s < 0.8).length;
    assert.ok(low > 0 && low < 0.25 * sums.length, `galaxy ${g.id}: ${low} of ${sums.length} sums under 0.8`);
  }
});

test('median(DATA) / median(bestfit) recovers the model mass', () => {
  for (const spec of GALAXIES.filter((x) => x.snType === 'Ia')) {
    const g = manifest.galaxies.find((x) => x.id === spec.id)!;
    const [nw, ny, nx] = g.shape;
    const npix = nx * ny;
    const cube = FitsFile.open(join(dirA, g.cube));
    const data = f32(cube, 'DATA');
    cube.close();
    const fit = readFitsImage(join(dirA, g.ppxf!), 0).data as Float32Array;
    const truth = buildGalaxy(spec).mass;
    const errors: number[] = [];
    for (let p = 0; p < npix; p++) {
      if (Number.isNaN(fit[p]!)) continue;
      const d: number[] = [];
      const b: number[] = [];
      for (let k = 0; k < nw; k++) {
        d.push(data[k * npix + p]!);
        b.push(fit[k * npix + p]!);
      }
      const m = median(d) / median(b);
      if (Number.isFinite(m)) errors.push(Math.abs(m / truth[p]! - 1));
    }
    assert.ok(median(errors) < 0.05, `galaxy ${g.id}: median mass error ${median(errors)}`);
  }
});

test('astropy reads every file with no warning and finds each SN where the manifest says', (t) => {
  const probe = (() => {
    try {
      execFileSync(PYTHON, ['-c', 'import astropy, numpy'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  if (!probe) return t.skip(`${PYTHON} with astropy is not available: install the Debian package python3-astropy`);
  const script = `
import json, sys, glob, os, warnings, csv
warnings.simplefilter('error')
from astropy.io import fits
from astropy.wcs import WCS
from astropy.coordinates import SkyCoord
from astropy.wcs.utils import skycoord_to_pixel
import astropy.units as u
d = sys.argv[1]
for f in sorted(glob.glob(d + '/**/*.fits', recursive=True)):
    with fits.open(f) as h:
        h.verify('exception')
        for hdu in h:
            hdu.data
out = {}
with open(os.path.join(d, 'FinalSelMuseMask3.csv')) as fh:
    for r in csv.DictReader(fh):
        with fits.open(os.path.join(d, 'MuseObject/MuseResample', r['ArcName'].replace('ADP', 'CDP') + '.fits')) as h:
            WCS(h[1].header)
            x, y = skycoord_to_pixel(SkyCoord(float(r['SN RA']) * u.deg, float(r['SN DEC']) * u.deg), WCS(h[1]))
            out[r['']] = [float(x), float(y), h[0].header['SKY_RES']]
print(json.dumps(out))
`;
  const result = JSON.parse(execFileSync(PYTHON, ['-c', script, dirA], { encoding: 'utf8' })) as Record<string, [number, number, number]>;
  for (const g of manifest.galaxies) {
    const [x, y, seeing] = result[String(g.id)]!;
    assert.ok(Math.abs(x - g.snPixel.x) < 1e-6 && Math.abs(y - g.snPixel.y) < 1e-6, `galaxy ${g.id}: astropy puts the SN at ${x}, ${y}`);
    assert.equal(seeing, g.seeing);
  }
});

test('keeps other files, refuses foreign data, and rebuilds a stale or interrupted dataset', async () => {
  const shared = join(root, 'shared');
  mkdirSync(shared);
  writeFileSync(join(shared, 'README.md'), 'kept\n');
  assert.equal((await generateExample(shared)).generated, true);
  assert.equal(readFileSync(join(shared, 'README.md'), 'utf8'), 'kept\n');

  // An older version, a truncated file or an interrupted install is regenerated, and the
  // temporary folder of a killed generation (its pid is gone) is swept away.
  mkdirSync(join(root, '.shared.build.tmp-2147483646-deadbeef'));
  const marker = join(shared, EXAMPLE_LAYOUT.marker);
  writeFileSync(marker, readFileSync(marker, 'utf8').replace(/"version": "[^"]*"/, '"version": "old"'));
  assert.equal((await generateExample(shared)).generated, true);
  const cube = join(shared, manifest.galaxies[0]!.cube);
  writeFileSync(cube, readFileSync(cube).subarray(0, 2880));
  assert.equal((await generateExample(shared)).generated, true);
  writeFileSync(`${marker}.pending`, 'x\n');
  assert.equal((await generateExample(shared)).generated, true);
  assert.deepEqual(hashes(shared), new Map([...hashes(dirA), ['README.md', createHash('sha256').update('kept\n').digest('hex')]]));
  assert.deepEqual(readdirSync(root).filter((n) => n.includes('.tmp-')), []);

  const foreign = join(root, 'foreign');
  mkdirSync(foreign);
  writeFileSync(join(foreign, EXAMPLE_LAYOUT.catalog), ',SN Name\n');
  await assert.rejects(generateExample(foreign), (err: unknown) => err instanceof UserError && err.reason === 'example-dir-occupied');
  assert.equal(readFileSync(join(foreign, EXAMPLE_LAYOUT.catalog), 'utf8'), ',SN Name\n');
});
