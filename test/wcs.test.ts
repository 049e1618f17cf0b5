/**
 * The WCS module against astropy: expectations come from test/py/wcs_expected.py (run it
 * with /usr/bin/python3 to regenerate test/fixtures/wcs/), so astropy is not needed here.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { celestialWcs, describeWcs, pixelScaleArcsec, pixelToWorld, WcsError, worldToPixel, type HeaderLike, type WcsErrorReason } from '../src/wcs/index.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'wcs');
const PIXEL_TOLERANCE = 1e-6;

type Card = [string, string | number | boolean | null];

interface Case {
  name: string;
  description: string;
  frame: string;
  pixelScaleArcsec: number;
  header: Card[];
  to_pixel: [number, number, number, number][];
  to_world: [number, number, number, number][];
}

interface ParitySn {
  id: number;
  sn: string;
  cube: string;
  case: string;
  ra: number;
  dec: number;
  minposf: [number, number];
}

/** A header as the FITS module would expose it: `get` gives undefined for a missing key. */
function headerOf(cards: readonly Card[], overrides: Record<string, unknown> = {}): HeaderLike {
  const map = new Map<string, unknown>(cards);
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) map.delete(k);
    else map.set(k, v);
  }
  return { get: (key: string) => map.get(key) };
}

function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

const cases: Case[] = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json') && f !== 'parity.json')
  .sort()
  .map((f) => readJson<Case>(f));

function unitVector(raDeg: number, decDeg: number): [number, number, number] {
  const a = (raDeg * Math.PI) / 180;
  const d = (decDeg * Math.PI) / 180;
  return [Math.cos(d) * Math.cos(a), Math.cos(d) * Math.sin(a), Math.sin(d)];
}

/** Angular separation in arcsec, accurate at tiny angles and at the pole. */
function separationArcsec(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const [a, b] = [unitVector(ra1, dec1), unitVector(ra2, dec2)];
  const cross = Math.hypot(a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]);
  const dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  return (Math.atan2(cross, dot) * 180 * 3600) / Math.PI;
}

test('fixtures: every case of the brief is present with >= 200 points each way', () => {
  const names = cases.map((c) => c.name);
  for (const required of [
    'udf_real',
    'parity_CDP.2017-01-15T03-12-45.045',
    'parity_CDP.2017-03-11T04-12-11.011',
    'parity_CDP.2017-04-12T05-12-12.012',
    'syn_diag_icrs',
    'syn_rot_skew_fk5',
    'syn_pc_cdelt_fk5_default',
    'syn_pole_lonpole170',
    'syn_wrap_fk5',
    'syn_pole_exact_fk5',
    'syn_swapped_axes',
    'syn_crota_icrs',
    'syn_fk5_j2010',
    'syn_legacy_keys',
    'syn_wide_field',
    'syn_pc_overrides_cd',
  ]) {
    assert.ok(names.includes(required), `missing fixture ${required}`);
  }
  for (const c of cases) {
    assert.ok(c.to_pixel.length >= 200 && c.to_world.length >= 200, `${c.name}: too few points`);
  }
});

for (const c of cases) {
  test(`${c.name}: worldToPixel agrees with astropy skycoord_to_pixel (${c.frame})`, (t) => {
    const wcs = celestialWcs(headerOf(c.header), { file: c.name });
    let worst = 0;
    for (const [ra, dec, ex, ey] of c.to_pixel) {
      const p = worldToPixel(wcs, ra, dec);
      const dev = Math.max(Math.abs(p.x - ex), Math.abs(p.y - ey));
      assert.ok(dev <= PIXEL_TOLERANCE, `${c.name}: (${ra}, ${dec}) -> (${p.x}, ${p.y}), astropy (${ex}, ${ey})`);
      worst = Math.max(worst, dev);
    }
    t.diagnostic(`max |d pixel| = ${worst.toExponential(2)}`);
  });

  test(`${c.name}: pixelToWorld agrees with astropy pixel_to_skycoord().icrs`, (t) => {
    const wcs = celestialWcs(headerOf(c.header), { file: c.name });
    const tolerance = PIXEL_TOLERANCE * c.pixelScaleArcsec;
    let worst = 0;
    for (const [x, y, era, edec] of c.to_world) {
      const w = pixelToWorld(wcs, x, y);
      assert.ok(w.ra >= 0 && w.ra < 360, `ra ${w.ra} outside [0, 360)`);
      const sep = separationArcsec(w.ra, w.dec, era, edec);
      assert.ok(sep <= tolerance, `${c.name}: (${x}, ${y}) -> (${w.ra}, ${w.dec}), astropy (${era}, ${edec}): ${sep}"`);
      worst = Math.max(worst, sep / c.pixelScaleArcsec);
    }
    t.diagnostic(`max separation = ${worst.toExponential(2)} px`);
  });

  test(`${c.name}: round trips and pixel scale`, () => {
    const wcs = celestialWcs(headerOf(c.header), { file: c.name });
    assert.ok(Math.abs(pixelScaleArcsec(wcs) - c.pixelScaleArcsec) <= 1e-12 * c.pixelScaleArcsec);
    for (const [x, y] of c.to_world) {
      const w = pixelToWorld(wcs, x, y);
      const p = worldToPixel(wcs, w.ra, w.dec);
      assert.ok(Math.abs(p.x - x) <= 1e-8 && Math.abs(p.y - y) <= 1e-8, `${c.name}: (${x}, ${y}) came back as (${p.x}, ${p.y})`);
    }
    for (const [ra, dec] of c.to_pixel) {
      const p = worldToPixel(wcs, ra, dec);
      const w = pixelToWorld(wcs, p.x, p.y);
      assert.ok(separationArcsec(ra, dec, w.ra, w.dec) <= 1e-8 * c.pixelScaleArcsec);
    }
  });
}

test('parity: worldToPixel of each supernova is minposf of the seed-0 run', () => {
  const sns = readJson<ParitySn[]>('parity.json');
  assert.deepEqual(sns.map((s) => s.id), [11, 45]);
  for (const sn of sns) {
    const c = cases.find((k) => k.name === sn.case);
    assert.ok(c, `no header fixture for ${sn.cube}`);
    const wcs = celestialWcs(headerOf(c.header), { file: sn.cube });
    const p = worldToPixel(wcs, sn.ra, sn.dec);
    assert.ok(Math.abs(p.x - sn.minposf[0]) <= PIXEL_TOLERANCE, `${sn.sn}: x ${p.x} vs minposf ${sn.minposf[0]}`);
    assert.ok(Math.abs(p.y - sn.minposf[1]) <= PIXEL_TOLERANCE, `${sn.sn}: y ${p.y} vs minposf ${sn.minposf[1]}`);
    // The FK5 rotation matters at this tolerance: ignoring it moves the SN by > 0.01 px.
    const asIcrs = worldToPixel(celestialWcs(headerOf(c.header, { RADESYS: 'ICRS' })), sn.ra, sn.dec);
    assert.ok(Math.hypot(asIcrs.x - p.x, asIcrs.y - p.y) > 0.01);
  }
});

test('frames: RADESYS/EQUINOX defaults follow astropy', () => {
  const base = readJson<Case>('syn_diag_icrs.json').header;
  const frameOf = (o: Record<string, unknown>) => celestialWcs(headerOf(base, { RADESYS: undefined, ...o })).frame;
  assert.deepEqual(frameOf({}), { system: 'ICRS' });
  assert.deepEqual(frameOf({ EQUINOX: 2000 }), { system: 'FK5', equinox: 2000 });
  assert.deepEqual(frameOf({ RADESYS: 'FK5' }), { system: 'FK5', equinox: 2000 });
  assert.deepEqual(frameOf({ RADESYS: 'ICRS', EQUINOX: 1950 }), { system: 'ICRS' });
  assert.deepEqual(frameOf({ RADESYS: 'FK5', EQUINOX: 2010n }), { system: 'FK5', equinox: 2010 });
});

test('describeWcs names the frame and the pixel scale', () => {
  const c = readJson<Case>('parity_CDP.2017-01-15T03-12-45.045.json');
  assert.match(describeWcs(celestialWcs(headerOf(c.header))), /^TAN FK5\(J2000\) CRVAL=\(161\.78\d+, -38\.76\d+\) CRPIX=\(15\.5, 15\.5\) 0\.6000"\/px$/);
});

test('a position 90 degrees or more from the reference point has no pixel (NaN, like astropy)', () => {
  const wcs = celestialWcs(headerOf(readJson<Case>('syn_diag_icrs.json').header));
  const p = worldToPixel(wcs, 150.1 + 180, -2.2);
  assert.ok(Number.isNaN(p.x) && Number.isNaN(p.y));
  assert.ok(Number.isFinite(worldToPixel(wcs, 150.1 + 80, 2.2).x));
});

test('the reference pixel maps to CRVAL and back (by hand)', () => {
  const wcs = celestialWcs(headerOf(readJson<Case>('syn_diag_icrs.json').header));
  const w = pixelToWorld(wcs, 149.5, 139); // CRPIX - 1
  assert.ok(Math.abs(w.ra - 150.1) < 1e-12 && Math.abs(w.dec - 2.2) < 1e-12);
  // One pixel east (RA up) is one column left for CD1_1 < 0: 0.2" / cos(dec) in RA.
  const p = worldToPixel(wcs, 150.1 + 0.2 / 3600 / Math.cos((2.2 * Math.PI) / 180), 2.2);
  assert.ok(Math.abs(p.x - 148.5) < 1e-6 && Math.abs(p.y - 139) < 1e-6);
});

function assertRefused(overrides: Record<string, unknown>, reason: WcsErrorReason, key?: string): void {
  const header = headerOf(readJson<Case>('udf_real.json').header, overrides);
  assert.throws(
    () => celestialWcs(header, { file: 'cube.fits' }),
    (e: unknown) => {
      assert.ok(e instanceof WcsError, String(e));
      assert.equal(e.reason, reason);
      assert.equal(e.file, 'cube.fits');
      if (key !== undefined) assert.equal(e.key, key);
      assert.match(e.message, /^cube\.fits: /);
      assert.ok(e.hint.length > 10);
      return true;
    },
  );
}

test('errors: SIP, non-TAN, missing keys, singular CD', () => {
  assertRefused({ CTYPE1: 'RA---TAN-SIP', CTYPE2: 'DEC--TAN-SIP' }, 'sip-distortion', 'CTYPE1');
  assertRefused({ CTYPE1: 'RA---SIN', CTYPE2: 'DEC--SIN' }, 'unsupported-projection', 'CTYPE1');
  assertRefused({ CTYPE2: 'DEC--ZEA' }, 'unsupported-projection', 'CTYPE2');
  assertRefused({ CRVAL2: undefined }, 'missing-key', 'CRVAL2');
  assertRefused({ CRPIX1: undefined }, 'missing-key', 'CRPIX1');
  assertRefused({ CTYPE1: undefined }, 'missing-key', 'CTYPE1');
  assertRefused({ CD1_1: 1e-4, CD1_2: 2e-4, CD2_1: 2e-4, CD2_2: 4e-4 }, 'singular-matrix');
  assertRefused({ CD1_1: undefined, CD1_2: undefined }, 'singular-matrix');
});

test('errors: frames, units, coupled axes, odd values', () => {
  assertRefused({ RADESYS: 'FK4' }, 'unsupported-frame', 'RADESYS');
  assertRefused({ RADESYS: undefined, EQUINOX: 1950 }, 'unsupported-frame', 'EQUINOX');
  assertRefused({ CTYPE1: 'GLON-TAN', CTYPE2: 'GLAT-TAN' }, 'unsupported-frame', 'CTYPE1');
  assertRefused({ CTYPE1: 'WAVE' }, 'not-celestial', 'CTYPE1');
  assertRefused({ CTYPE1: 'DEC--TAN' }, 'not-celestial');
  assertRefused({ CUNIT1: 'arcsec' }, 'unsupported-unit', 'CUNIT1');
  assertRefused({ CD1_3: 0.5 }, 'coupled-axes', 'CD1_3');
  assertRefused({ CRVAL1: '53.1' }, 'bad-value', 'CRVAL1');
  assertRefused({ CRPIX2: Number.NaN }, 'bad-value', 'CRPIX2');
  assertRefused({ CRVAL2: 95 }, 'bad-value', 'CRVAL2');
  assertRefused({ CD1_1: undefined, CD1_2: undefined, CD2_1: undefined, CD2_2: undefined }, 'missing-key', 'CDELT1');
});
