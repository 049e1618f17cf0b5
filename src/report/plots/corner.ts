/**
 * A corner plot of a DTD chain, the picture the notebook ends each model with
 * (`corner.corner(flat_sample, show_titles=True, quantiles=[0.16, 0.84], bins=20 or 30)`):
 * each parameter's histogram on the diagonal with dashed lines at its 16 and 84 % quantiles
 * and the title "median +(q84-median) -(median-q16)" to two decimals, and every pair's 2-D
 * histogram below it, shaded by the share of samples per cell. Optional true values (the
 * synthetic catalog's) are drawn as lines. Nothing here knows about DTDs: it takes samples.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { niceTicks, tickLabel, xOf, yOf, type Frame } from './axes.ts';
import { encodePng, newCanvas, text, textWidth } from './canvas.ts';
import { INK, MUTED, OBJECTIVE_COLOUR, rgbOf, SILHOUETTE_COLOUR } from './palette.ts';

/** One parameter's row of the summary, as the titles need it. */
export interface CornerParam {
  readonly label: string;
  readonly median: number;
  readonly q16: number;
  readonly q84: number;
}

/** What to draw. */
export interface CornerInput {
  /** Flat samples, (n, ndim) C order (emcee's `get_chain(discard=burn, flat=True)`). */
  readonly samples: Float64Array;
  readonly params: readonly CornerParam[];
  /** Histogram bins per axis (the notebook: 20 for MDA/MDB, 30 for MDC/MDD). */
  readonly bins?: number;
  /**
   * A heading above the grid, e.g. "DTD fit: MDA, 60 SNe, seed 0". It is wrapped at spaces
   * to the picture's width (and shrunk if one word is wider), so it is never cut off.
   */
  readonly title?: string;
  /** True values to mark (synthetic data), one per parameter. */
  readonly truths?: readonly number[];
}

/** Where things were drawn, for tests. */
export interface CornerLayout {
  readonly width: number;
  readonly height: number;
  /** frames[row][col] for col <= row (the lower triangle and the diagonal). */
  readonly frames: readonly (readonly (Frame | null)[])[];
  /** Each parameter's plotted range [lo, hi]. */
  readonly ranges: readonly (readonly [number, number])[];
  /** The diagonal histograms' counts. */
  readonly counts: readonly (readonly number[])[];
  /** The titles as drawn. */
  readonly titles: readonly string[];
  /** The heading's lines as drawn, their font size, and the widest line's width in pixels. */
  readonly heading: { readonly lines: readonly string[]; readonly size: number; readonly width: number };
}

const PANEL = 170;
// Room between panels for each diagonal panel's title, which sits above it.
const GAP = 24;
const LEFT = 78;
const TOP_BASE = 40;
const BOTTOM = 70;
const RIGHT = 24;

const HEADING_SIZE = 17;
const HEADING_MIN_SIZE = 10;
const HEADING_X = 24;

/**
 * The heading cut into lines of at most `maxWidth` pixels, at the largest size from 17 px
 * down to 10 px at which every word fits. Lines break after a `;` or `,` outside brackets
 * where they can (so "36 walkers x 400 steps" and "[2, 3, 4]" stay together), else between
 * words; a word wider than the line
 * even at 10 px stays whole (a label a reader must see entire) and sets `width`.
 */
export function wrapHeading(title: string, maxWidth: number, measure: (s: string, size: number) => number): { lines: string[]; size: number; width: number } {
  const words = title.split(/\s+/).filter(Boolean);
  let size = HEADING_SIZE;
  while (size > HEADING_MIN_SIZE && words.some((w) => measure(w, size) > maxWidth)) size--;
  const fits = (s: string) => measure(s, size) <= maxWidth;
  const lines: string[] = [];
  let cur = '';
  for (const phrase of title.split(/(?<=[;,])\s+(?![^[]*\])/).filter(Boolean)) {
    const next = cur ? `${cur} ${phrase}` : phrase;
    if (fits(next)) {
      cur = next;
      continue;
    }
    if (cur) lines.push(cur);
    cur = '';
    // A phrase longer than a line is cut between its words.
    for (const w of phrase.split(/\s+/).filter(Boolean)) {
      const more = cur ? `${cur} ${w}` : w;
      if (cur && !fits(more)) {
        lines.push(cur);
        cur = w;
      } else cur = more;
    }
  }
  if (cur) lines.push(cur);
  return { lines, size, width: Math.max(0, ...lines.map((l) => measure(l, size))) };
}

/** corner.py's title: `label = median^{+plus}_{-minus}` with .2f, written on one line. */
export function cornerTitle(p: CornerParam): string {
  const f = (v: number): string => v.toFixed(2);
  return `${p.label} = ${f(p.median)} +${f(p.q84 - p.median)} −${f(p.median - p.q16)}`;
}

/** The range corner.py shows by default: the samples' min to max (widened if constant). */
function rangeOf(samples: Float64Array, ndim: number, d: number): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = d; i < samples.length; i += ndim) {
    const v = samples[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return [lo - 0.5, lo + 0.5];
  return [lo, hi];
}

function binOf(v: number, [lo, hi]: readonly [number, number], bins: number): number {
  // numpy's histogram: the last bin includes its right edge.
  if (!(v >= lo && v <= hi)) return -1;
  return v === hi ? bins - 1 : Math.floor(((v - lo) / (hi - lo)) * bins);
}

function vline(ctx: SKRSContext2D, f: Frame, v: number, colour: string, dash: number[] = [], width = 1.5): void {
  if (!(v >= f.x[0] && v <= f.x[1])) return;
  const x = Math.round(xOf(f, v)) + 0.5;
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.setLineDash(dash);
  ctx.beginPath();
  ctx.moveTo(x, f.top);
  ctx.lineTo(x, f.bottom);
  ctx.stroke();
  ctx.restore();
}

function hline(ctx: SKRSContext2D, f: Frame, v: number, colour: string): void {
  if (!(v >= f.y[0] && v <= f.y[1])) return;
  const y = Math.round(yOf(f, v)) + 0.5;
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  ctx.moveTo(f.left, y);
  ctx.lineTo(f.right, y);
  ctx.stroke();
  ctx.restore();
}

/** Ticks inside a range and away from its ends (8 % each side), so neighbouring panels' labels do not collide. */
function ticksIn([lo, hi]: readonly [number, number]): number[] {
  const pad = (hi - lo) * 0.08;
  return niceTicks(lo, hi, 3).filter((v) => v >= lo + pad && v <= hi - pad);
}

function frameBox(ctx: SKRSContext2D, f: Frame): void {
  ctx.save();
  ctx.strokeStyle = INK;
  ctx.lineWidth = 1;
  ctx.strokeRect(f.left + 0.5, f.top + 0.5, f.right - f.left - 1, f.bottom - f.top - 1);
  ctx.restore();
}

/** Draws the corner plot; returns the PNG bytes and the layout. */
export function drawCornerPlot(input: CornerInput): { png: Buffer; layout: CornerLayout } {
  const ndim = input.params.length;
  if (ndim < 1 || input.samples.length === 0 || input.samples.length % ndim !== 0) {
    throw new RangeError(`drawCornerPlot: \`samples\` must hold n x ${ndim} numbers (n >= 1). Length: ${input.samples.length}.`);
  }
  const bins = input.bins ?? 20;
  const n = input.samples.length / ndim;
  const width = LEFT + ndim * PANEL + (ndim - 1) * GAP + RIGHT;
  const measure = newCanvas(1, 1).ctx;
  const heading = input.title ? wrapHeading(input.title, width - 2 * HEADING_X, (s, size) => textWidth(measure, s, size, true)) : { lines: [], size: HEADING_SIZE, width: 0 };
  const lineHeight = Math.round(heading.size * 1.4);
  const top = TOP_BASE + heading.lines.length * lineHeight;
  const height = top + 22 + ndim * PANEL + (ndim - 1) * GAP + BOTTOM;
  const { canvas, ctx } = newCanvas(width, height);
  heading.lines.forEach((line, i) => text(ctx, line, HEADING_X, 28 + i * lineHeight, { size: heading.size, bold: true }));
  const ranges = input.params.map((_, d) => rangeOf(input.samples, ndim, d));
  const frames: (Frame | null)[][] = [];
  const counts: number[][] = [];
  const titles: string[] = [];

  for (let row = 0; row < ndim; row++) {
    frames.push([]);
    for (let col = 0; col < ndim; col++) {
      if (col > row) {
        frames[row]!.push(null);
        continue;
      }
      const left = LEFT + col * (PANEL + GAP);
      const ptop = top + 22 + row * (PANEL + GAP);
      const xr = ranges[col]!;
      if (col === row) {
        // The diagonal: a step histogram of this parameter, quantiles dashed.
        const c = new Array<number>(bins).fill(0);
        for (let i = 0; i < n; i++) {
          const b = binOf(input.samples[i * ndim + col]!, xr, bins);
          if (b >= 0) c[b]!++;
        }
        counts.push(c);
        const max = Math.max(...c, 1);
        const f: Frame = { left, top: ptop, right: left + PANEL, bottom: ptop + PANEL, x: xr, y: [0, max * 1.1] };
        frames[row]!.push(f);
        ctx.save();
        ctx.strokeStyle = INK;
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(f.left, f.bottom);
        for (let b = 0; b < bins; b++) {
          const x0 = xOf(f, xr[0] + ((xr[1] - xr[0]) * b) / bins);
          const x1 = xOf(f, xr[0] + ((xr[1] - xr[0]) * (b + 1)) / bins);
          const y = yOf(f, c[b]!);
          ctx.lineTo(x0, y);
          ctx.lineTo(x1, y);
        }
        ctx.lineTo(f.right, f.bottom);
        ctx.stroke();
        ctx.restore();
        const p = input.params[col]!;
        vline(ctx, f, p.q16, INK, [5, 4]);
        vline(ctx, f, p.q84, INK, [5, 4]);
        if (input.truths?.[col] !== undefined) vline(ctx, f, input.truths[col]!, SILHOUETTE_COLOUR, [], 2);
        frameBox(ctx, f);
        const title = cornerTitle(p);
        titles.push(title);
        // Shrunk until it fits over its panel and half a gap each side, so titles never overlap.
        let size = 12;
        while (size > 8 && textWidth(ctx, title, size, true) > PANEL + GAP - 4) size--;
        text(ctx, title, left + PANEL / 2, ptop - 7, { size, align: 'center', bold: true });
      } else {
        // Below the diagonal: the 2-D histogram of (col, row), darker = more samples.
        const yr = ranges[row]!;
        const f: Frame = { left, top: ptop, right: left + PANEL, bottom: ptop + PANEL, x: xr, y: yr };
        frames[row]!.push(f);
        const grid = new Array<number>(bins * bins).fill(0);
        let peak = 0;
        for (let i = 0; i < n; i++) {
          const bx = binOf(input.samples[i * ndim + col]!, xr, bins);
          const by = binOf(input.samples[i * ndim + row]!, yr, bins);
          if (bx < 0 || by < 0) continue;
          const v = ++grid[by * bins + bx]!;
          if (v > peak) peak = v;
        }
        const cell = PANEL / bins;
        const [r, g, b] = rgbOf(OBJECTIVE_COLOUR);
        for (let by = 0; by < bins; by++) {
          for (let bx = 0; bx < bins; bx++) {
            const v = grid[by * bins + bx]!;
            if (v === 0) continue;
            const t = Math.sqrt(v / peak); // sqrt: the tails stay visible next to the peak
            const mix = (c: number): number => Math.round(255 + (c - 255) * t);
            ctx.fillStyle = `rgb(${mix(r)},${mix(g)},${mix(b)})`;
            ctx.fillRect(left + bx * cell, ptop + PANEL - (by + 1) * cell, Math.ceil(cell), Math.ceil(cell));
          }
        }
        if (input.truths?.[col] !== undefined) vline(ctx, f, input.truths[col]!, SILHOUETTE_COLOUR, [], 2);
        if (input.truths?.[row] !== undefined) hline(ctx, f, input.truths[row]!, SILHOUETTE_COLOUR);
        frameBox(ctx, f);
      }
      // Tick labels on the outer edges only, as corner.py does.
      const f = frames[row]![col]!;
      if (row === ndim - 1) {
        for (const v of ticksIn(xr)) text(ctx, tickLabel(v), xOf(f, v), f.bottom + 6, { size: 11, align: 'center', baseline: 'top', colour: MUTED });
        text(ctx, input.params[col]!.label, left + PANEL / 2, f.bottom + 30, { size: 13, align: 'center', baseline: 'top' });
      }
      if (col === 0 && row > 0) {
        for (const v of ticksIn(ranges[row]!)) text(ctx, tickLabel(v), f.left - 6, yOf(f, v), { size: 11, align: 'right', baseline: 'middle', colour: MUTED });
        text(ctx, input.params[row]!.label, 18, ptop + PANEL / 2, { size: 13, align: 'center', rotate: -Math.PI / 2 });
      }
    }
  }
  text(ctx, `${n} samples · dashed: 16 and 84 %${input.truths ? ' · orange: true value' : ''}`, width - RIGHT, height - 14, { size: 11, align: 'right', colour: MUTED });
  return { png: encodePng(canvas), layout: { width, height, frames, ranges, counts, titles, heading } };
}
