/**
 * Axes for the line plots (the SFH per group, the k-choice plot): a frame, ticks with
 * labels and a grid, on a linear or log10 scale, and "nice" tick values, so every plot
 * reads the same way.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { text } from './canvas.ts';
import { INK, MUTED } from './palette.ts';

/** A plot area on the canvas and the data range it shows. */
export interface Frame {
  /** Canvas box: left, top, right, bottom. */
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  /** Data range along x and y (for a log axis: log10 of the values). */
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
  readonly logX?: boolean;
}

/** Canvas x of data value `v` (a plain value; log10 is taken for a log axis). */
export function xOf(f: Frame, v: number): number {
  const u = f.logX ? Math.log10(v) : v;
  return f.left + ((u - f.x[0]) / (f.x[1] - f.x[0])) * (f.right - f.left);
}

/** Canvas y of data value `v`. */
export function yOf(f: Frame, v: number): number {
  return f.bottom - ((v - f.y[0]) / (f.y[1] - f.y[0])) * (f.bottom - f.top);
}

/** About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 times a power of 10), at least 3 when the range allows. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * pow;
  const ticks: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i++) ticks.push(clean(i * step));
  return ticks.length < 3 && count < 40 ? niceTicks(lo, hi, count * 2) : ticks;
}

/** A float without representation noise (0.5600000000000005 -> 0.56). */
function clean(v: number): number {
  return Number(v.toPrecision(12));
}

/** A range [lo, hi] widened to round values with a margin, for data in [min, max]. */
export function niceRange(min: number, max: number, fromZero = false): [number, number] {
  let [lo, hi] = [fromZero ? Math.min(0, min) : min, max];
  if (!(hi > lo)) [lo, hi] = [lo - (Math.abs(lo) || 1) * 0.1, hi + (Math.abs(hi) || 1) * 0.1];
  const pad = (hi - lo) * 0.08;
  const bottom = fromZero && lo === 0 ? 0 : lo - pad;
  const ticks = niceTicks(bottom, hi + pad);
  const step = ticks.length > 1 ? (ticks[1] as number) - (ticks[0] as number) : 1;
  return [clean(Math.floor(bottom / step + 1e-9) * step), clean(Math.ceil((hi + pad) / step - 1e-9) * step)];
}

/** Formats a tick value without float noise: 0.05, 1.2, 300, 1.5e+4. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(6)));
}

/**
 * Draws the frame, the grid and ticks with labels. `xTicks`/`yTicks` are data values (plain
 * values on a log axis); `minorX` are unlabelled ticks. Labels sit outside the frame; `xLabel: null` leaves x unlabelled.
 */
export function drawAxes(ctx: SKRSContext2D, f: Frame, ticks: { x: readonly number[]; y: readonly number[]; minorX?: readonly number[]; xLabel?: ((v: number) => string) | null; yLabel?: (v: number) => string }): void {
  ctx.save();
  ctx.lineWidth = 1;
  ctx.strokeStyle = '#e4e4e4';
  ctx.beginPath();
  for (const v of ticks.y) {
    const y = Math.round(yOf(f, v)) + 0.5;
    ctx.moveTo(f.left, y);
    ctx.lineTo(f.right, y);
  }
  for (const v of ticks.x) {
    const x = Math.round(xOf(f, v)) + 0.5;
    ctx.moveTo(x, f.top);
    ctx.lineTo(x, f.bottom);
  }
  ctx.stroke();
  ctx.strokeStyle = INK;
  ctx.strokeRect(f.left + 0.5, f.top + 0.5, f.right - f.left - 1, f.bottom - f.top - 1);
  ctx.beginPath();
  for (const v of ticks.y) {
    const y = Math.round(yOf(f, v)) + 0.5;
    ctx.moveTo(f.left - 5, y);
    ctx.lineTo(f.left, y);
  }
  for (const v of ticks.x) {
    const x = Math.round(xOf(f, v)) + 0.5;
    ctx.moveTo(x, f.bottom);
    ctx.lineTo(x, f.bottom + 6);
  }
  for (const v of ticks.minorX ?? []) {
    const x = Math.round(xOf(f, v)) + 0.5;
    ctx.moveTo(x, f.bottom);
    ctx.lineTo(x, f.bottom + 3);
  }
  ctx.stroke();
  ctx.restore();
  for (const v of ticks.y) text(ctx, (ticks.yLabel ?? tickLabel)(v), f.left - 8, yOf(f, v), { size: 12, align: 'right', baseline: 'middle', colour: MUTED });
  // xLabel null: no labels on x (a panel sharing its x axis with the one below).
  if (ticks.xLabel !== null) for (const v of ticks.x) text(ctx, (ticks.xLabel ?? tickLabel)(v), xOf(f, v), f.bottom + 9, { size: 12, align: 'center', baseline: 'top', colour: MUTED });
}
