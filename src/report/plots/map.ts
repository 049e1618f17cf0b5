/**
 * The group map as a picture: each group in its colour, excluded pixels hatched grey ("no
 * data"), the SN as a white star, a scale bar in arcsec and north/east arrows from the
 * WCS, and a legend with each group's mass fraction and mass-weighted mean age, the SN's
 * group framed. North is wherever the WCS puts it: the pixels are drawn as stored (row 0
 * at the bottom, as ds9 and matplotlib's origin='lower' show them), never resampled.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { pixelScaleArcsec, pixelToWorld, worldToPixel } from '../../wcs/index.ts';
import { arrow, drawSnStar, encodePng, hatch, newCanvas, text } from './canvas.ts';
import { groupColour, INK, MUTED, NO_DATA, NO_DATA_HATCH, WARN } from './palette.ts';
import type { GroupResult } from './result.ts';
import { formatGyr, formatPercent, massFractions, meanAgeGyr } from './stats.ts';

/** What the title shows besides the result's own cards. */
export interface MapOptions {
  /** The SN type from the catalog (`Ia`), shown after the SN name. */
  readonly snType?: string;
  /** Flags of the result (`psf>4`), shown under the title. */
  readonly flags?: readonly string[];
}

/** Where things were drawn (canvas pixels), for tests and for anyone overlaying the picture. */
export interface MapLayout {
  readonly width: number;
  readonly height: number;
  /** Map origin (top-left corner of the top-left drawn pixel) and the size of one pixel. */
  readonly map: { readonly x: number; readonly y: number; readonly cell: number; readonly nx: number; readonly ny: number };
  /** One row per group: the centre of its colour swatch. `sn` marks the SN's group. */
  readonly legend: readonly { readonly group: number; readonly x: number; readonly y: number; readonly sn: boolean }[];
  /** The centre of the "no data" swatch. */
  readonly noDataSwatch: { readonly x: number; readonly y: number };
  /** The SN marker's centre and radius, or null when the SN is outside the map. */
  readonly sn: { readonly x: number; readonly y: number; readonly r: number } | null;
  /** The compass: its centre, arrow length and the unit directions (canvas axes, y down). */
  readonly compass: { readonly x: number; readonly y: number; readonly length: number; readonly north: readonly [number, number]; readonly east: readonly [number, number] } | null;
  /** The scale bar: left end, length in canvas pixels and in arcsec. */
  readonly scaleBar: { readonly x: number; readonly y: number; readonly px: number; readonly arcsec: number } | null;
}

const PANEL = 280;
const ROW = 26;

/** The canvas centre of map pixel (col, row) in a layout. */
export function pixelCentre(layout: MapLayout, col: number, row: number): [number, number] {
  const { x, y, cell, ny } = layout.map;
  return [x + (col + 0.5) * cell, y + (ny - 0.5 - row) * cell];
}

/** Draws the group map of `r`; returns the PNG bytes and the layout. */
export function drawGroupMap(r: GroupResult, opts: MapOptions = {}): { png: Buffer; layout: MapLayout } {
  const { nx, ny } = r;
  const cell = Math.max(2, Math.min(18, Math.floor(460 / Math.max(nx, ny, 1))));
  const flags = opts.flags ?? [];
  const left = 24;
  const top = flags.length ? 86 : 68;
  const mapW = nx * cell;
  const mapH = ny * cell;
  const panelX = left + mapW + 32;
  const legendTop = top + 22;
  const legendRows = r.groups + 2;
  const compassY = legendTop + legendRows * ROW + 78;
  const width = Math.max(760, panelX + PANEL);
  const height = Math.max(top + mapH + 64, compassY + 78);
  const { canvas, ctx } = newCanvas(width, height);

  // Title.
  const sn = `${r.snName}${opts.snType ? ` (${opts.snType})` : ''}`;
  text(ctx, `Galaxy ${r.galaxy} · ${sn} · k = ${r.k}`, left, 28, { size: 19, bold: true });
  const rounds = r.iterations === null ? '' : ` · ${r.iterations} round${r.iterations === 1 ? '' : 's'}${r.converged === false ? ', NOT converged' : r.converged ? ', converged' : ''}`;
  const psf = r.psfSigma === null ? '' : ` · PSF σ ${r.psfSigma.toFixed(2)} px`;
  text(ctx, `${r.groups} group${r.groups === 1 ? '' : 's'} kept · ${r.valid} pixels grouped${r.seed === null ? '' : ` · seed ${r.seed}`}${rounds}${psf}`, left, 50, { size: 13, colour: MUTED });
  if (flags.length) text(ctx, `flagged: ${flags.join(', ')}`, left, 70, { size: 14, bold: true, colour: WARN });

  // The map: hatch everything, then paint the grouped pixels over it.
  const mapX = left;
  const mapY = top;
  hatch(ctx, mapX, mapY, mapW, mapH, NO_DATA, NO_DATA_HATCH, Math.max(5, Math.min(8, cell / 2)));
  // One rectangle per run of equal labels along a row (not per pixel: each canvas call
  // crosses into native code, and a 300 x 300 map would take 90 000 of them); cells sit on
  // whole canvas pixels, so the merged rectangles paint exactly the same pixels.
  for (let row = 0; row < ny; row++) {
    for (let col = 0; col < nx; ) {
      const g = r.map[row * nx + col] as number;
      let end = col + 1;
      if (Number.isNaN(g)) {
        col = end;
        continue;
      }
      while (end < nx && r.map[row * nx + end] === g) end++;
      ctx.fillStyle = groupColour(g);
      ctx.fillRect(mapX + col * cell, mapY + (ny - 1 - row) * cell, (end - col) * cell, cell);
      col = end;
    }
  }
  ctx.strokeStyle = INK;
  ctx.lineWidth = 1;
  ctx.strokeRect(mapX - 0.5, mapY - 0.5, mapW + 1, mapH + 1);
  const layout0 = { width, height, map: { x: mapX, y: mapY, cell, nx, ny } };

  // The SN.
  let snMark: MapLayout['sn'] = null;
  const below = mapY + mapH + 22;
  if (r.sn && r.sn.x >= -0.5 && r.sn.x <= nx - 0.5 && r.sn.y >= -0.5 && r.sn.y <= ny - 0.5) {
    const [x, y] = [mapX + (r.sn.x + 0.5) * cell, mapY + (ny - 0.5 - r.sn.y) * cell];
    const rad = Math.max(8, Math.min(16, cell * 0.95));
    drawSnStar(ctx, x, y, rad);
    snMark = { x, y, r: rad };
  } else {
    // No SNX card: no SN was given (an nGIST folder clustered on its own), or no WCS placed it.
    const what = r.sn ? `SN outside the map (x = ${r.sn.x.toFixed(1)}, y = ${r.sn.y.toFixed(1)})` : 'no SN position';
    text(ctx, what, mapX + mapW, below + 24, { size: 13, bold: true, colour: r.sn ? WARN : MUTED, align: 'right' });
  }

  const scaleBar = drawScaleBar(ctx, r, mapX, below, cell);
  const legend = drawLegend(ctx, r, panelX, legendTop);
  const compass = drawCompass(ctx, r, panelX + 70, compassY);
  return { png: encodePng(canvas), layout: { ...layout0, legend: legend.rows, noDataSwatch: legend.noData, sn: snMark, compass, scaleBar } };
}

function drawLegend(ctx: SKRSContext2D, r: GroupResult, x: number, y0: number): { rows: MapLayout['legend']; noData: MapLayout['noDataSwatch'] } {
  const fractions = massFractions(r.masses);
  text(ctx, 'group', x, y0 - 4, { size: 12, colour: MUTED });
  text(ctx, 'mass', x + 150, y0 - 4, { size: 12, colour: MUTED, align: 'right' });
  text(ctx, 'mean age', x + 236, y0 - 4, { size: 12, colour: MUTED, align: 'right' });
  ctx.strokeStyle = MUTED;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(x, y0 + 1.5);
  ctx.lineTo(x + PANEL - 24, y0 + 1.5);
  ctx.stroke();
  const rows: { group: number; x: number; y: number; sn: boolean }[] = [];
  for (let g = 1; g <= r.groups; g++) {
    const cy = y0 + (g - 0.5) * ROW + 4;
    const isSn = r.snGroup === g;
    if (isSn) {
      ctx.fillStyle = '#fff6cc';
      ctx.fillRect(x - 6, cy - ROW / 2 + 1, PANEL - 12, ROW - 2);
      ctx.strokeStyle = INK;
      ctx.lineWidth = 2;
      ctx.strokeRect(x - 6, cy - ROW / 2 + 1, PANEL - 12, ROW - 2);
    }
    ctx.fillStyle = groupColour(g);
    ctx.fillRect(x, cy - 8, 16, 16);
    ctx.strokeStyle = INK;
    ctx.lineWidth = 1;
    ctx.strokeRect(x - 0.5, cy - 8.5, 17, 17);
    const opts = { size: 13, bold: isSn, baseline: 'middle' as const };
    text(ctx, `Group ${g}`, x + 24, cy, opts);
    text(ctx, formatPercent(fractions[g - 1] ?? NaN), x + 150, cy, { ...opts, align: 'right' });
    text(ctx, formatGyr(meanAgeGyr(r.meanSfh[g - 1] ?? [], r.ages ?? undefined)), x + 236, cy, { ...opts, align: 'right' });
    if (isSn) drawSnStar(ctx, x + 250, cy, 6.5);
    rows.push({ group: g, x: x + 8, y: cy, sn: isSn });
  }
  const ny = y0 + (r.groups + 0.5) * ROW + 4;
  hatch(ctx, x, ny - 8, 16, 16, NO_DATA, NO_DATA_HATCH, 5);
  ctx.strokeStyle = INK;
  ctx.lineWidth = 1;
  ctx.strokeRect(x - 0.5, ny - 8.5, 17, 17);
  text(ctx, 'excluded (no data)', x + 24, ny, { size: 13, baseline: 'middle' });
  const sy = ny + ROW;
  drawSnStar(ctx, x + 8, sy, 8);
  const where = r.snGroup !== null ? `in group ${r.snGroup}` : r.sn && r.snPixel ? 'pixel not grouped' : r.sn ? 'no group' : 'no SN position';
  text(ctx, `${r.snName}: ${where}`, x + 24, sy, { size: 13, baseline: 'middle' });
  return { rows, noData: { x: x + 8, y: ny } };
}

function drawCompass(ctx: SKRSContext2D, r: GroupResult, cx: number, cy: number): MapLayout['compass'] {
  const wcs = r.wcs;
  if (!wcs) {
    text(ctx, 'no celestial WCS: orientation unknown', cx - 70, cy, { size: 12, colour: MUTED });
    return null;
  }
  const [px, py] = [(r.nx - 1) / 2, (r.ny - 1) / 2];
  const c = pixelToWorld(wcs, px, py);
  const step = 1 / 3600;
  const up = c.dec + step <= 90 ? 1 : -1;
  const n = worldToPixel(wcs, c.ra, c.dec + up * step);
  const e = worldToPixel(wcs, c.ra + step / Math.cos((c.dec * Math.PI) / 180), c.dec);
  // Pixel y grows upward on the picture, canvas y downward.
  const unit = (dx: number, dy: number): [number, number] => {
    const len = Math.hypot(dx, dy);
    return [dx / len, -dy / len];
  };
  const north = unit(up * (n.x - px), up * (n.y - py));
  const east = unit(e.x - px, e.y - py);
  const length = 42;
  ctx.save();
  ctx.strokeStyle = '#d0d0d0';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.arc(cx, cy, length + 16, 0, 2 * Math.PI);
  ctx.stroke();
  ctx.restore();
  arrow(ctx, cx, cy, cx + east[0] * length, cy + east[1] * length, MUTED, 2);
  arrow(ctx, cx, cy, cx + north[0] * length, cy + north[1] * length, INK, 3);
  text(ctx, 'N', cx + north[0] * (length + 10), cy + north[1] * (length + 10), { size: 14, bold: true, align: 'center', baseline: 'middle' });
  text(ctx, 'E', cx + east[0] * (length + 10), cy + east[1] * (length + 10), { size: 14, bold: true, colour: MUTED, align: 'center', baseline: 'middle' });
  return { x: cx, y: cy, length, north, east };
}

function drawScaleBar(ctx: SKRSContext2D, r: GroupResult, x: number, y: number, cell: number): MapLayout['scaleBar'] {
  if (!r.wcs) return null;
  const scale = pixelScaleArcsec(r.wcs);
  const target = 0.3 * r.nx * scale;
  const pow = 10 ** Math.floor(Math.log10(target));
  const arcsec = [5, 2, 1].map((m) => m * pow).find((v) => v <= target) ?? pow;
  const px = (arcsec / scale) * cell;
  ctx.fillStyle = INK;
  ctx.fillRect(x, y - 2, px, 4);
  ctx.fillRect(x, y - 7, 2, 14);
  ctx.fillRect(x + px - 2, y - 7, 2, 14);
  const label = `${Number.isInteger(arcsec) ? arcsec : arcsec.toPrecision(2)}″ (${(arcsec / scale).toPrecision(3)} px)`;
  text(ctx, label, x + px + 8, y, { size: 13, baseline: 'middle' });
  return { x, y, px, arcsec };
}
