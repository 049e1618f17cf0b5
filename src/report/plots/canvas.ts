/**
 * The drawing surface every picture uses, set up so a rerun gives byte-identical PNGs:
 * fonts registered from fixed files (DejaVu Sans, else Lato) under one family name, the
 * portable text renderer with a fixed language, a white background, and PNGs encoded
 * without time stamps (png.ts).
 */
import { existsSync } from 'node:fs';
import { createCanvas, GlobalFonts, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import { INK } from './palette.ts';
import { pngOf } from './png.ts';

/** The family name our fonts are registered under. */
const FAMILY = 'SFH Sans';

/** Regular and bold faces, first found wins: Debian's fonts-dejavu-core, then fonts-lato. */
const FACES: readonly (readonly [string, string])[] = [
  ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'],
  ['/usr/share/fonts/truetype/lato/Lato-Regular.ttf', '/usr/share/fonts/truetype/lato/Lato-Bold.ttf'],
];

let family: string | undefined;

/** The font files registered (regular, bold), once fontFamily() has run. */
const registered: string[] = [];

/**
 * The font family to draw with. Registered once per thread from a fixed file, so the
 * pictures do not depend on which fonts fontconfig would pick; `sans-serif` only when
 * neither DejaVu nor Lato is installed (text then still draws, from whatever is there).
 */
export function fontFamily(): string {
  if (family !== undefined) return family;
  family = 'sans-serif';
  for (const [regular, bold] of FACES) {
    if (!existsSync(regular)) continue;
    if (GlobalFonts.registerFromPath(regular, FAMILY)) {
      registered.push(regular);
      if (existsSync(bold) && GlobalFonts.registerFromPath(bold, FAMILY)) registered.push(bold);
      family = `"${FAMILY}"`;
      break;
    }
  }
  return family;
}

/** The font files the pictures are drawn with (none: the system's sans-serif). */
export function fontFiles(): readonly string[] {
  fontFamily();
  return registered;
}

/** A CSS font string of our family: `font(13)`, `font(15, true)`. */
export function font(px: number, bold = false): string {
  return `${bold ? 'bold ' : ''}${px}px ${fontFamily()}`;
}

/**
 * Canvases whose picture is encoded, for the next picture of the same size (this thread's;
 * a few sizes). Each new canvas's pixels came from fresh memory that the kernel zeroed on
 * first touch (the canvas library's allocator returns freed rasters to it): on the bench
 * machine that was a fifth of a picture's time. Only a canvas passed to encodePng is reused,
 * so one still being drawn on is never handed out twice.
 */
const spare: Canvas[] = [];
const SPARE = 4;

/** A canvas with a white background and deterministic text settings, in the default state (as a fresh one). */
export function newCanvas(width: number, height: number): { canvas: Canvas; ctx: SKRSContext2D } {
  const [w, h] = [Math.round(width), Math.round(height)];
  const at = spare.findIndex((c) => c.width === w && c.height === h);
  const canvas = at >= 0 ? (spare.splice(at, 1)[0] as Canvas) : createCanvas(w, h);
  const ctx = canvas.getContext('2d');
  // reset(): transparent pixels, the default state, no path, an empty save stack (HTML's
  // reset(), as a fresh canvas has); the white background then covers every pixel.
  if (at >= 0) ctx.reset();
  ctx.lang = 'en';
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = INK;
  ctx.strokeStyle = INK;
  ctx.textBaseline = 'alphabetic';
  return { canvas, ctx };
}

/**
 * The canvas as PNG bytes (no time stamp, so equal drawings give equal bytes), by our own
 * encoder (png.ts: Skia's took most of a picture's time); `text` adds tEXt chunks. The
 * canvas is done with: it may be reused for a later picture.
 */
export function encodePng(canvas: Canvas, text?: Readonly<Record<string, string>>): Buffer {
  const png = pngOf(canvas, text);
  if (!spare.includes(canvas)) {
    spare.push(canvas);
    if (spare.length > SPARE) spare.shift();
  }
  return png;
}

/** Writes `text` at (x, y) in the given font, colour and alignment, then restores the state. */
export function text(ctx: SKRSContext2D, s: string, x: number, y: number, opts: { size?: number; bold?: boolean; colour?: string; align?: 'left' | 'right' | 'center'; baseline?: 'alphabetic' | 'middle' | 'top' | 'bottom'; rotate?: number } = {}): void {
  ctx.save();
  ctx.font = font(opts.size ?? 13, opts.bold ?? false);
  ctx.fillStyle = opts.colour ?? INK;
  ctx.textAlign = opts.align ?? 'left';
  ctx.textBaseline = opts.baseline ?? 'alphabetic';
  ctx.translate(x, y);
  if (opts.rotate) ctx.rotate(opts.rotate);
  ctx.fillText(s, 0, 0);
  ctx.restore();
}

/** Width of `s` in the given font size. */
export function textWidth(ctx: SKRSContext2D, s: string, size = 13, bold = false): number {
  ctx.save();
  ctx.font = font(size, bold);
  const w = ctx.measureText(s).width;
  ctx.restore();
  return w;
}

/** A five-pointed star path centred on (x, y) with outer radius r (the SN marker). */
export function starPath(ctx: SKRSContext2D, x: number, y: number, r: number): void {
  ctx.beginPath();
  for (let i = 0; i < 10; i++) {
    const rad = i % 2 === 0 ? r : r * 0.45;
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const px = x + rad * Math.cos(a);
    const py = y + rad * Math.sin(a);
    if (i === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  }
  ctx.closePath();
}

/** The SN marker: a white star with a dark outline, visible on every group colour. */
export function drawSnStar(ctx: SKRSContext2D, x: number, y: number, r: number): void {
  ctx.save();
  starPath(ctx, x, y, r);
  ctx.lineJoin = 'round';
  ctx.lineWidth = Math.max(2, r * 0.28);
  ctx.strokeStyle = INK;
  ctx.stroke();
  ctx.fillStyle = '#ffffff';
  ctx.fill();
  ctx.restore();
}

/** An arrow from (x0, y0) to (x1, y1) with a filled head, in `colour`. */
export function arrow(ctx: SKRSContext2D, x0: number, y0: number, x1: number, y1: number, colour: string, width = 2): void {
  const len = Math.hypot(x1 - x0, y1 - y0);
  if (len === 0) return;
  const [ux, uy] = [(x1 - x0) / len, (y1 - y0) / len];
  const head = Math.min(10, len * 0.35);
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.fillStyle = colour;
  ctx.lineWidth = width;
  ctx.lineCap = 'round';
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1 - ux * head * 0.6, y1 - uy * head * 0.6);
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - ux * head - uy * head * 0.45, y1 - uy * head + ux * head * 0.45);
  ctx.lineTo(x1 - ux * head + uy * head * 0.45, y1 - uy * head - ux * head * 0.45);
  ctx.closePath();
  ctx.fill();
  ctx.restore();
}

/** Diagonal hatching over a rectangle: how "no data" looks everywhere. */
export function hatch(ctx: SKRSContext2D, x: number, y: number, w: number, h: number, background: string, line: string, step = 6): void {
  ctx.save();
  ctx.fillStyle = background;
  ctx.fillRect(x, y, w, h);
  ctx.beginPath();
  ctx.rect(x, y, w, h);
  ctx.clip();
  ctx.strokeStyle = line;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let d = -h; d < w; d += step) {
    ctx.moveTo(x + d, y + h);
    ctx.lineTo(x + d + h, y);
  }
  ctx.stroke();
  ctx.restore();
}
