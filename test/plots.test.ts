/**
 * The pictures, checked by their content: each PNG is decoded and its pixels compared with
 * what the data says should be there (group colours on their pixels, hatched grey where
 * nothing was grouped, the SN star at the SN, legend rows, the north arrow of a rotated
 * WCS, the SFH lines, one marker per k), and drawing twice must give the same bytes.
 * The results are small synthetic FITS written here, so every expectation can be checked
 * by eye.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { writeFits, type Card } from '../src/fits/index.ts';
import { ndarray } from '../src/ndarray.ts';
import { xOf, yOf } from '../src/report/plots/axes.ts';
import { AGES_GYR, drawGroupMap, drawKChoice, kChoiceCurrent, kChoiceDigest, drawSfhPlot, findResults, groupColour, massFractions, meanAgeGyr, normalised, pixelCentre, readResult, rgbOf, youngFraction, type GroupResult } from '../src/report/plots/index.ts';
import { OBJECTIVE_COLOUR, SILHOUETTE_COLOUR } from '../src/report/plots/palette.ts';

type RGBA = [number, number, number, number];
interface Decoded { width: number; height: number; at(x: number, y: number): RGBA }

async function decode(png: Buffer): Promise<Decoded> {
  const img = await loadImage(png);
  const c = createCanvas(img.width, img.height);
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, img.width, img.height).data;
  return {
    width: img.width,
    height: img.height,
    at: (x, y) => {
      const i = (Math.round(y) * img.width + Math.round(x)) * 4;
      return [data[i] ?? -1, data[i + 1] ?? -1, data[i + 2] ?? -1, data[i + 3] ?? -1];
    },
  };
}

const near = (p: RGBA, hex: string, tol = 12) => rgbOf(hex).every((v, i) => Math.abs(v - (p[i] as number)) <= tol);
const dark = (p: RGBA) => p[0] < 90 && p[1] < 90 && p[2] < 90;
const white = (p: RGBA) => p[0] >= 250 && p[1] >= 250 && p[2] >= 250;

const NX = 12;
const NY = 10;
const SCALE = 0.6 / 3600;

/** Group of pixel (col, row): 1 left, 2 middle, 3 right; row 0 and the top-right corner excluded. */
function label(col: number, row: number): number {
  if (row === 0 || (col >= 9 && row >= 8)) return NaN;
  return 1 + Math.floor(col / 4);
}

/** A gaussian SFH over the 50 ages peaking at bin `peak`. */
function bump(peak: number): number[] {
  return Array.from({ length: 50 }, (_, i) => Math.exp(-0.5 * ((i - peak) / 2) ** 2));
}

/** Writes a small result FITS: CD rotated by `rotDeg`, the SN at (snx, sny), 3 groups. */
async function writeResult(file: string, o: { rotDeg?: number; snx?: number; sny?: number; objective?: number; silhouette?: number; k?: number; agreement?: boolean; valid?: number } = {}): Promise<string> {
  const t = ((o.rotDeg ?? 0) * Math.PI) / 180;
  const map = new Float64Array(NX * NY);
  for (let r = 0; r < NY; r++) for (let c = 0; c < NX; c++) map[r * NX + c] = label(c, r);
  const sfh = new Float64Array([...bump(5), ...bump(25), ...bump(45)]);
  const cards: Card[] = [
    { key: 'TYPE', value: 'Group Map' },
    { key: 'CTYPE1', value: 'RA---TAN' }, { key: 'CTYPE2', value: 'DEC--TAN' },
    { key: 'CRPIX1', value: 6.5 }, { key: 'CRPIX2', value: 5.5 },
    { key: 'CRVAL1', value: 150 }, { key: 'CRVAL2', value: -12 },
    // North turned by t from +y towards +x (east stays 90 deg counter-clockwise of north on the sky).
    { key: 'CD1_1', value: -SCALE * Math.cos(t) }, { key: 'CD1_2', value: SCALE * Math.sin(t) },
    { key: 'CD2_1', value: SCALE * Math.sin(t) }, { key: 'CD2_2', value: SCALE * Math.cos(t) },
    { key: 'SFHVER', value: 'test' }, { key: 'GALAXY', value: '7' }, { key: 'SNNAME', value: 'SNtest' },
    { key: 'K', value: o.k ?? 3 }, { key: 'NGROUPS', value: 3 }, { key: 'SEED', value: 0 }, { key: 'NITER', value: 5 },
    { key: 'CONVERGE', value: true }, { key: 'NVALID', value: o.valid ?? 100 }, { key: 'PSFSIG', value: 1.2 },
    { key: 'SNX', value: o.snx ?? 5.2 }, { key: 'SNY', value: o.sny ?? 4.1 }, { key: 'SNPIXX', value: Math.round(o.snx ?? 5.2) }, { key: 'SNPIXY', value: Math.round(o.sny ?? 4.1) },
    { key: 'SNGROUP', value: Number.isNaN(label(Math.round(o.snx ?? 5.2), Math.round(o.sny ?? 4.1))) ? null : label(Math.round(o.snx ?? 5.2), Math.round(o.sny ?? 4.1)) },
    ...(o.objective !== undefined ? [{ key: 'OBJECTIV', value: o.objective }] : []),
    ...(o.silhouette !== undefined ? [{ key: 'SILHOUET', value: o.silhouette }] : []),
  ];
  await writeFits(file, [
    { data: ndarray(map, [NY, NX]), cards },
    { data: ndarray(sfh, [3, 50]), cards: [{ key: 'TYPE', value: 'Mean SFH' }] },
    { data: ndarray(new Float32Array([1, 2, 5]), [3]), cards: [{ key: 'TYPE', value: 'Mass List' }] },
    ...(o.agreement ? [{ data: ndarray(new Float64Array(NX * NY).fill(0.75), [NY, NX]), extname: 'AGREEMENT' }] : []),
  ]);
  return file;
}

let dir = '';
let plain: GroupResult;
let rotated: GroupResult;
before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sfh-plots-'));
  plain = readResult(await writeResult(path.join(dir, '7_SNtest_3.fits'), { objective: 12.5, silhouette: 0.4 }));
  rotated = readResult(await writeResult(path.join(dir, 'rot.fits'), { rotDeg: 35, agreement: true }));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('reading a result FITS', () => {
  it('reads the map, the SFHs, the masses and the optional cards and HDUs', () => {
    assert.equal(plain.groups, 3);
    assert.equal(plain.snGroup, 2);
    assert.equal(plain.objective, 12.5);
    assert.equal(plain.silhouette, 0.4);
    assert.equal(plain.agreement, null);
    assert.equal(rotated.objective, null, 'OBJECTIV absent: null, not an error');
    assert.equal(rotated.agreement?.length, NX * NY);
    assert.ok(plain.wcs);
    assert.ok(Number.isNaN(plain.map[0] as number));
    assert.deepEqual(plain.masses, [1, 2, 5]);
  });
  it('finds result files by their header only', () => {
    assert.deepEqual(findResults(dir).map((e) => path.basename(e.file)), ['7_SNtest_3.fits', 'rot.fits']);
  });
  it('defines the group numbers as documented', () => {
    assert.deepEqual(massFractions([1, 3]), [0.25, 0.75]);
    const delta = new Array(50).fill(0);
    delta[30] = 2;
    assert.ok(Math.abs(meanAgeGyr(delta) - 10 ** (-1.2 + 0.05 * 30)) < 1e-12);
    assert.equal(youngFraction(new Array(50).fill(1)), 24 / 50);
    assert.ok(Math.abs((AGES_GYR[24] as number) - 1) < 1e-12, 'bin 24 is 1 Gyr, the first bin that is not younger');
  });
});

describe('the group map', () => {
  it('paints each group in its colour and excluded pixels as hatched grey', async () => {
    const { png, layout } = drawGroupMap(plain);
    const img = await decode(png);
    const sn = layout.sn;
    assert.ok(sn);
    let hatchSeen = false;
    for (let row = 0; row < NY; row++) {
      for (let col = 0; col < NX; col++) {
        const [x, y] = pixelCentre(layout, col, row);
        if (Math.hypot(x - sn.x, y - sn.y) < sn.r + 4) continue;
        const p = img.at(x, y);
        const g = label(col, row);
        if (Number.isNaN(g)) {
          assert.ok(p[0] >= 180 && Math.max(p[0], p[1], p[2]) - Math.min(p[0], p[1], p[2]) <= 8 && !white(p), `excluded (${col}, ${row}) is light neutral grey, not ${p}`);
          for (let dx = -4; dx <= 4; dx++) if (img.at(x + dx, y)[0] < 215) hatchSeen = true;
        } else {
          assert.ok(near(p, groupColour(g)), `pixel (${col}, ${row}) of group ${g} is ${groupColour(g)}, not ${p}`);
        }
      }
    }
    assert.ok(hatchSeen, 'excluded pixels carry the hatch lines');
    // Row 0 is at the bottom of the picture (origin lower, as ds9 shows FITS).
    assert.ok(pixelCentre(layout, 0, 0)[1] > pixelCentre(layout, 0, NY - 1)[1]);
  });

  it('marks the SN with a white star outlined in dark at its position', async () => {
    const { png, layout } = drawGroupMap(plain);
    const img = await decode(png);
    const { x: mx, y: my, cell, ny } = layout.map;
    const [sx, sy] = [mx + (5.2 + 0.5) * cell, my + (ny - 0.5 - 4.1) * cell];
    assert.ok(layout.sn && Math.abs(layout.sn.x - sx) < 1e-9 && Math.abs(layout.sn.y - sy) < 1e-9);
    assert.ok(white(img.at(sx, sy)), `the star's centre is white, not ${img.at(sx, sy)}`);
    let outline = false;
    const r = layout.sn.r;
    for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++) if (dark(img.at(sx + dx, sy - r + 1 + dy))) outline = true;
    assert.ok(outline, 'a dark outline at the star tip');
  });

  it('says so when the SN is outside the map, and draws no star', async () => {
    const out = readResult(await writeResult(path.join(dir, 'out.fits.tmp'), { snx: 30, sny: -5 }));
    const { png, layout } = drawGroupMap(out);
    assert.equal(layout.sn, null);
    const img = await decode(png);
    for (let y = layout.map.y; y < layout.map.y + layout.map.ny * layout.map.cell; y++) {
      for (let x = layout.map.x; x < layout.map.x + layout.map.nx * layout.map.cell; x++) assert.ok(!white(img.at(x, y)), `no white star pixel at (${x}, ${y})`);
    }
    // The note is drawn in the warning colour below the map.
    let note = 0;
    for (let y = layout.map.y + layout.map.ny * layout.map.cell + 30; y < layout.map.y + layout.map.ny * layout.map.cell + 56; y++) for (let x = 0; x < img.width; x++) if (near(img.at(x, y), '#a3000b', 40)) note++;
    assert.ok(note > 30, 'the "SN outside the map" note is there');
  });

  it('has a legend row per group in its colour, the SN group highlighted', async () => {
    const { png, layout } = drawGroupMap(plain);
    const img = await decode(png);
    assert.equal(layout.legend.length, 3);
    for (const row of layout.legend) {
      assert.ok(near(img.at(row.x, row.y), groupColour(row.group)), `legend swatch of group ${row.group}`);
      const beside = img.at(row.x - 11, row.y);
      assert.equal(row.sn, row.group === 2);
      if (row.sn) assert.ok(near(beside, '#fff6cc', 6), `the SN row is highlighted, not ${beside}`);
      else assert.ok(white(beside), 'other rows are not');
    }
    const nd = img.at(layout.noDataSwatch.x, layout.noDataSwatch.y);
    assert.ok(nd[0] > 180 && !white(nd), 'the "no data" swatch looks like the excluded pixels');
  });

  it('points the north and east arrows where the WCS says, also when rotated', async () => {
    for (const r of [plain, rotated]) {
      const { png, layout } = drawGroupMap(r);
      const img = await decode(png);
      const c = layout.compass;
      assert.ok(c && r.wcs);
      // Independently of the drawing code: +Dec and +RA in pixel axes are CD^-1 (0, 1) and
      // CD^-1 (1, 0) (the projection plane's x grows with RA); the picture's y points down.
      const [a, b, cc, d] = r.wcs.cd;
      const det = a * d - b * cc;
      const unit = (px: number, py: number): [number, number] => [px / Math.hypot(px, py), -py / Math.hypot(px, py)];
      const north = unit(-b / det, a / det);
      const east = unit(d / det, -cc / det);
      const tip = (u: [number, number]) => [c.x + u[0] * (c.length - 4), c.y + u[1] * (c.length - 4)] as const;
      assert.ok(dark(img.at(...tip(north))), `north arrow tip at ${tip(north)}`);
      assert.ok(near(img.at(...tip(east)), '#6b6b6b', 40), `east arrow tip at ${tip(east)}`);
      if (r === rotated) {
        assert.ok(!dark(img.at(...tip([0, -1]))), 'the rotated north arrow does not point straight up');
        assert.ok(north[0] > 0.5, 'north leans 35 degrees to the right');
      } else {
        assert.ok(Math.abs(north[0]) < 1e-6 && north[1] < 0 && east[0] < 0, 'unrotated: north up, east left');
      }
    }
  });

  it('draws a scale bar of round arcseconds from the CD matrix', async () => {
    const { png, layout } = drawGroupMap(rotated);
    const bar = layout.scaleBar;
    assert.ok(bar);
    assert.equal(bar.arcsec, 2); // 30 % of 12 px x 0.6" = 2.16" -> 2"
    assert.ok(Math.abs(bar.px - (2 / 0.6) * layout.map.cell) < 1e-6);
    const img = await decode(png);
    for (const f of [0.1, 0.5, 0.9]) assert.ok(dark(img.at(bar.x + f * bar.px, bar.y)), 'the bar is drawn');
  });
});

describe('the SFH plot', () => {
  it('draws each group in its map colour, the SN group thickest', async () => {
    const { png, layout } = drawSfhPlot(plain);
    const img = await decode(png);
    const peaks = [5, 25, 45];
    const run: number[] = [];
    for (const [i, peak] of peaks.entries()) {
      const g = i + 1;
      const v = normalised(plain.meanSfh[i] ?? [])[peak] as number;
      const [x, y] = [xOf(layout.frame, AGES_GYR[peak] as number), yOf(layout.frame, v)];
      assert.ok(near(img.at(x, y), groupColour(g), 30), `group ${g}'s line at its peak is ${groupColour(g)}, not ${img.at(x, y)}`);
      let n = 0;
      for (let dy = -8; dy <= 8; dy++) if (near(img.at(x, y + dy), groupColour(g), 40)) n++;
      run.push(n);
    }
    assert.ok((run[1] as number) >= 4 && (run[1] as number) > (run[0] as number) && (run[1] as number) > (run[2] as number), `the SN group (2) is thicker: ${run}`);
    assert.deepEqual(layout.lines.map((l) => l.sn), [false, true, false]);
  });
});

describe('the k-choice plot', () => {
  async function markers(png: Buffer, colour: string, box: { top: number; bottom: number; left: number; right: number }): Promise<number> {
    const img = await decode(png);
    const seen = new Set<number>();
    let blobs = 0;
    for (let y = box.top; y < box.bottom; y++) {
      for (let x = box.left; x < box.right; x++) {
        if (seen.has(y * img.width + x) || !near(img.at(x, y), colour, 25)) continue;
        blobs++;
        const stack = [[x, y]];
        seen.add(y * img.width + x);
        while (stack.length) {
          const [px, py] = stack.pop() as [number, number];
          for (const [qx, qy] of [[px + 1, py], [px - 1, py], [px, py + 1], [px, py - 1]] as const) {
            if (qx < box.left || qx >= box.right || qy < box.top || qy >= box.bottom || seen.has(qy * img.width + qx) || !near(img.at(qx, qy), colour, 25)) continue;
            seen.add(qy * img.width + qx);
            stack.push([qx, qy]);
          }
        }
      }
    }
    return blobs;
  }

  it('has one marker per k in each panel', async () => {
    const ks = [2, 3, 4, 6, 8];
    const { png, layout } = drawKChoice('7', 'SNtest', ks.map((k) => ({ k, seed: 0, objective: 100 / k, silhouette: 0.3 + 0.05 * Math.sin(k) })));
    assert.equal(await markers(png, OBJECTIVE_COLOUR, layout.panels.objective), ks.length);
    assert.equal(await markers(png, SILHOUETTE_COLOUR, layout.panels.silhouette), ks.length);
  });

  it('leaves a panel empty (and says why) when the card is absent', async () => {
    const { png, layout } = drawKChoice('7', 'SNtest', [2, 3, 4].map((k) => ({ k, seed: 0, objective: k, silhouette: null })));
    assert.equal(await markers(png, OBJECTIVE_COLOUR, layout.panels.objective), 3);
    assert.equal(await markers(png, SILHOUETTE_COLOUR, layout.panels.silhouette), 0);
  });

  it('carries the digest of its inputs: a file is current only for the same points, and only whole', () => {
    const pts = [{ k: 2, seed: 0, objective: 3, silhouette: 0.2 }, { k: 3, seed: 0, objective: 2, silhouette: 0.4 }];
    const file = path.join(dir, '7_SN_kchoice.png');
    assert.equal(kChoiceCurrent(file, kChoiceDigest('7', 'SN', pts)), false, 'no file yet');
    const png = drawKChoice('7', 'SN', pts).png;
    writeFileSync(file, png);
    assert.equal(kChoiceCurrent(file, kChoiceDigest('7', 'SN', pts)), true);
    // Any input the plot shows changes the digest.
    assert.equal(kChoiceCurrent(file, kChoiceDigest('7', 'SN', [pts[0]!, { ...pts[1]!, silhouette: 0.41 }])), false, 'a silhouette');
    assert.equal(kChoiceCurrent(file, kChoiceDigest('7', 'SN', [...pts, { k: 4, seed: 0, objective: 1, silhouette: 0.3 }])), false, 'one more k');
    assert.equal(kChoiceCurrent(file, kChoiceDigest('7', 'SN', [pts[0]!, { ...pts[1]!, seed: 1 }])), false, 'a seed');
    assert.equal(kChoiceCurrent(file, kChoiceDigest('7', 'SN2', pts)), false, 'the SN name');
    assert.equal(kChoiceCurrent(file, kChoiceDigest('8', 'SN', pts)), false, 'the galaxy');
    // A damaged or truncated file with the right digest is not trusted.
    const damaged = Buffer.from(png);
    damaged[damaged.length - 40] = (damaged[damaged.length - 40] as number) ^ 1;
    writeFileSync(file, damaged);
    assert.equal(kChoiceCurrent(file, kChoiceDigest('7', 'SN', pts)), false, 'a flipped bit');
    writeFileSync(file, png.subarray(0, png.length - 12));
    assert.equal(kChoiceCurrent(file, kChoiceDigest('7', 'SN', pts)), false, 'cut short');
  });
});

describe('determinism', () => {
  it('draws the same bytes twice', () => {
    assert.ok(drawGroupMap(rotated).png.equals(drawGroupMap(readResult(rotated.file)).png));
    assert.ok(drawSfhPlot(plain, { flags: ['psf>4'] }).png.equals(drawSfhPlot(plain, { flags: ['psf>4'] }).png));
    const pts = [{ k: 2, seed: 0, objective: 3, silhouette: 0.2 }, { k: 3, seed: 0, objective: 2, silhouette: 0.4 }];
    assert.ok(drawKChoice('7', 'SN', pts).png.equals(drawKChoice('7', 'SN', pts).png));
  });
});
