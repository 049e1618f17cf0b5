/**
 * The mean SFH of every group as lines: the fraction of the group's mass in each MILES age
 * bin against age on a log axis, each line in its group's map colour, the SN's group thick
 * and labelled, so the SN's environment can be read against the rest of its host.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { drawAxes, niceRange, niceTicks, xOf, yOf, type Frame } from './axes.ts';
import { drawSnStar, encodePng, newCanvas, text, textWidth } from './canvas.ts';
import { groupColour, INK, isLight, MUTED, WARN } from './palette.ts';
import type { GroupResult } from './result.ts';
import { AGES_GYR, formatGyr, formatPercent, massFractions, meanAgeGyr, normalised } from './stats.ts';

/** Where the SFH plot was drawn, for tests. */
export interface SfhLayout {
  readonly width: number;
  readonly height: number;
  readonly frame: Frame;
  /** Line width of each group's line (the SN's group is thicker). */
  readonly lines: readonly { readonly group: number; readonly width: number; readonly sn: boolean }[];
}

const WIDTH = 820;
const HEIGHT = 470;

/** Labelled ticks of the age axis (Gyr) and the unlabelled ones between them. */
const AGE_TICKS = [0.1, 0.2, 0.5, 1, 2, 5, 10];
const MINOR_TICKS = [0.07, 0.08, 0.09, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 3, 4, 6, 7, 8, 9, 15];

/** Draws the mean SFH per group of `r`; returns the PNG bytes and the layout. */
export function drawSfhPlot(r: GroupResult, opts: { snType?: string; flags?: readonly string[] } = {}): { png: Buffer; layout: SfhLayout } {
  const { canvas, ctx } = newCanvas(WIDTH, HEIGHT);
  const sn = `${r.snName}${opts.snType ? ` (${opts.snType})` : ''}`;
  text(ctx, `Mean SFH per group — Galaxy ${r.galaxy} · ${sn} · k = ${r.k}`, 24, 28, { size: 18, bold: true });
  if (opts.flags?.length) text(ctx, `flagged: ${opts.flags.join(', ')}`, WIDTH - 24, 28, { size: 13, bold: true, colour: WARN, align: 'right' });
  const series = r.meanSfh.map((s) => normalised(s));
  let max = 0;
  for (const s of series) for (const v of s) if (Number.isFinite(v)) max = Math.max(max, v);
  // The result's own age grid (an nGIST run's AGES HDU), else the notebook's MILES ages.
  const ages = r.ages ?? AGES_GYR;
  const frame: Frame = { left: 82, top: 52, right: WIDTH - 214, bottom: HEIGHT - 66, x: [Math.log10(ages[0] as number) - 0.05, Math.log10(ages[ages.length - 1] as number) + 0.05], y: niceRange(0, max > 0 ? max : 1, true), logX: true };
  const yTicks = niceTicks(frame.y[0], frame.y[1], 5).filter((v) => v <= frame.y[1] + 1e-12);
  drawAxes(ctx, frame, { x: AGE_TICKS, y: yTicks, minorX: MINOR_TICKS, xLabel: (v) => String(v) });
  text(ctx, 'stellar age [Gyr]', (frame.left + frame.right) / 2, HEIGHT - 22, { size: 14, align: 'center' });
  text(ctx, `fraction of the group's ${r.weights === 'LIGHT' ? 'light' : 'mass'} per age bin`, 22, (frame.top + frame.bottom) / 2, { size: 14, align: 'center', rotate: -Math.PI / 2 });

  // 1 Gyr: the line the summary's "younger than 1 Gyr" splits at.
  ctx.save();
  ctx.setLineDash([5, 4]);
  ctx.strokeStyle = '#9a9a9a';
  ctx.lineWidth = 1;
  const x1 = Math.round(xOf(frame, 1)) + 0.5;
  ctx.beginPath();
  ctx.moveTo(x1, frame.top);
  ctx.lineTo(x1, frame.bottom);
  ctx.stroke();
  ctx.restore();

  const lines: { group: number; width: number; sn: boolean }[] = [];
  const order = series.map((_, i) => i + 1).sort((a, b) => Number(a === r.snGroup) - Number(b === r.snGroup));
  ctx.save();
  ctx.beginPath();
  ctx.rect(frame.left, frame.top, frame.right - frame.left, frame.bottom - frame.top);
  ctx.clip();
  for (const g of order) {
    const isSn = g === r.snGroup;
    const width = isSn ? 5 : 2.5;
    // The SN's group: thick, with a dark edge, so even yellow stands out on white.
    if (isSn) drawLine(ctx, frame, ages, series[g - 1] ?? [], INK, width + 2.5);
    else if (isLight(groupColour(g))) drawLine(ctx, frame, ages, series[g - 1] ?? [], '#8c8c8c', width + 1.5);
    drawLine(ctx, frame, ages, series[g - 1] ?? [], groupColour(g), width);
    lines.push({ group: g, width, sn: isSn });
  }
  ctx.restore();
  if (r.snGroup !== null && series[r.snGroup - 1]) labelPeak(ctx, frame, ages, series[r.snGroup - 1] as number[], `Group ${r.snGroup} (SN)`);
  drawLegend(ctx, r, frame.right + 22, frame.top + 4);
  return { png: encodePng(canvas), layout: { width: WIDTH, height: HEIGHT, frame, lines: lines.sort((a, b) => a.group - b.group) } };
}

function drawLine(ctx: SKRSContext2D, f: Frame, ages: readonly number[], values: readonly number[], colour: string, width: number): void {
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.lineJoin = 'round';
  ctx.lineCap = 'round';
  ctx.beginPath();
  let started = false;
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) return;
    const [x, y] = [xOf(f, ages[i] as number), yOf(f, v)];
    if (started) ctx.lineTo(x, y);
    else ctx.moveTo(x, y);
    started = true;
  });
  ctx.stroke();
  ctx.restore();
}

/** A label with a white box above the highest point of the SN group's line. */
function labelPeak(ctx: SKRSContext2D, f: Frame, ages: readonly number[], values: readonly number[], label: string): void {
  let best = 0;
  values.forEach((v, i) => {
    if (v > (values[best] ?? -Infinity)) best = i;
  });
  const x = xOf(f, ages[best] as number);
  const y = yOf(f, values[best] ?? 0);
  const w = textWidth(ctx, label, 13, true) + 12;
  const bx = Math.min(Math.max(x - w / 2, f.left + 4), f.right - w - 4);
  const by = Math.max(y - 34, f.top + 4);
  ctx.save();
  ctx.fillStyle = 'rgba(255,255,255,0.9)';
  ctx.strokeStyle = INK;
  ctx.lineWidth = 1;
  ctx.fillRect(bx, by, w, 20);
  ctx.strokeRect(bx + 0.5, by + 0.5, w - 1, 19);
  ctx.restore();
  text(ctx, label, bx + 6, by + 10, { size: 13, bold: true, baseline: 'middle' });
}

function drawLegend(ctx: SKRSContext2D, r: GroupResult, x: number, y0: number): void {
  const fractions = massFractions(r.masses);
  text(ctx, 'group · mass · mean age', x, y0 + 4, { size: 12, colour: MUTED });
  for (let g = 1; g <= r.groups; g++) {
    const y = y0 + 10 + g * 40 - 14;
    const isSn = g === r.snGroup;
    ctx.save();
    ctx.lineCap = 'round';
    const strokes = isSn ? [[INK, 7.5], [groupColour(g), 5]] : isLight(groupColour(g)) ? [['#8c8c8c', 4], [groupColour(g), 2.5]] : [[groupColour(g), 2.5]];
    for (const [colour, width] of strokes as [string, number][]) {
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.beginPath();
      ctx.moveTo(x + 2, y);
      ctx.lineTo(x + 28, y);
      ctx.stroke();
    }
    ctx.restore();
    text(ctx, `Group ${g}`, x + 36, y, { size: 13, bold: isSn, baseline: 'middle' });
    if (isSn) drawSnStar(ctx, x + 36 + textWidth(ctx, `Group ${g}`, 13, true) + 12, y, 6.5);
    text(ctx, `${formatPercent(fractions[g - 1] ?? NaN)} · ${formatGyr(meanAgeGyr(r.meanSfh[g - 1] ?? [], r.ages ?? undefined))}`, x + 36, y + 16, { size: 12, colour: MUTED, baseline: 'middle' });
  }
  const y = y0 + 10 + (r.groups + 1) * 40 - 14;
  ctx.save();
  ctx.setLineDash([5, 4]);
  ctx.strokeStyle = '#9a9a9a';
  ctx.beginPath();
  ctx.moveTo(x + 2, y);
  ctx.lineTo(x + 28, y);
  ctx.stroke();
  ctx.restore();
  text(ctx, '1 Gyr', x + 36, y, { size: 12, colour: MUTED, baseline: 'middle' });
}
