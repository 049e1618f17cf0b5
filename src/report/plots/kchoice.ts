/**
 * Choosing k for one galaxy: the total within-group EMD (OBJECTIV) and the mean silhouette
 * (SILHOUET) of each result against k, in two panels sharing the k axis. It aggregates the
 * results of a sweep, so the catalog-level `summarise` stage draws it (and `report` a
 * missing one), from every result of the galaxy in the folder.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { drawAxes, niceRange, niceTicks, xOf, yOf, type Frame } from './axes.ts';
import { encodePng, newCanvas, text } from './canvas.ts';
import { KCHOICE_DIGEST, kChoiceDigest } from './kchoice-digest.ts';
import { INK, MUTED, OBJECTIVE_COLOUR, SILHOUETTE_COLOUR } from './palette.ts';

/** One result's numbers on the k-choice plot. */
export interface KPoint {
  readonly k: number;
  readonly seed: number | null;
  readonly objective: number | null;
  readonly silhouette: number | null;
}

/** Where the markers were drawn, for tests. */
export interface KChoiceLayout {
  readonly width: number;
  readonly height: number;
  readonly panels: { readonly objective: Frame; readonly silhouette: Frame };
  readonly markers: readonly { readonly panel: 'objective' | 'silhouette'; readonly k: number; readonly x: number; readonly y: number }[];
}

const WIDTH = 680;
const HEIGHT = 560;
const MARKER = 6;

/**
 * Draws the k-choice plot of one galaxy from its results at every k (and seed) present.
 * The PNG carries the digest of what it was drawn from (kchoice-digest.ts).
 */
export function drawKChoice(galaxy: string, snName: string, points: readonly KPoint[]): { png: Buffer; layout: KChoiceLayout } {
  const { canvas, ctx } = newCanvas(WIDTH, HEIGHT);
  text(ctx, `Choosing k — Galaxy ${galaxy} · ${snName}`, 24, 28, { size: 18, bold: true });
  const seeds = new Set(points.map((p) => p.seed));
  text(ctx, `${points.length} result${points.length === 1 ? '' : 's'}${seeds.size > 1 ? `, one line per seed (${seeds.size} seeds)` : ''}`, 24, 48, { size: 13, colour: MUTED });
  const ks = points.map((p) => p.k);
  const kRange: [number, number] = ks.length ? [Math.min(...ks) - 0.5, Math.max(...ks) + 0.5] : [0.5, 1.5];
  const kTicks = niceTicks(Math.ceil(kRange[0]), Math.floor(kRange[1]), 10).filter((v) => Number.isInteger(v));
  const box = { left: 92, right: WIDTH - 28 };
  const objective = panel(ctx, { ...box, top: 78, bottom: 290 }, kRange, kTicks, points, 'objective', 'total within-group EMD', OBJECTIVE_COLOUR, 'circle');
  const silhouette = panel(ctx, { ...box, top: 320, bottom: HEIGHT - 60 }, kRange, kTicks, points, 'silhouette', 'mean silhouette (EMD)', SILHOUETTE_COLOUR, 'square');
  text(ctx, 'k (groups requested)', (box.left + box.right) / 2, HEIGHT - 18, { size: 14, align: 'center' });
  return { png: encodePng(canvas, { [KCHOICE_DIGEST]: kChoiceDigest(galaxy, snName, points) }), layout: { width: WIDTH, height: HEIGHT, panels: { objective: objective.frame, silhouette: silhouette.frame }, markers: [...objective.markers, ...silhouette.markers] } };
}

type Key = 'objective' | 'silhouette';

function panel(ctx: SKRSContext2D, box: { left: number; right: number; top: number; bottom: number }, kRange: [number, number], kTicks: number[], points: readonly KPoint[], key: Key, label: string, colour: string, shape: 'circle' | 'square'): { frame: Frame; markers: KChoiceLayout['markers'] } {
  const have = points.filter((p) => p[key] !== null && Number.isFinite(p[key])) as (KPoint & Record<Key, number>)[];
  const values = have.map((p) => p[key]);
  const y: [number, number] = values.length ? niceRange(Math.min(...values), Math.max(...values)) : [0, 1];
  const frame: Frame = { ...box, x: kRange, y };
  drawAxes(ctx, frame, { x: kTicks, xLabel: key === 'objective' ? null : undefined, y: values.length ? niceTicks(y[0], y[1], 4).filter((v) => v >= y[0] - 1e-12 && v <= y[1] + 1e-12) : [] });
  text(ctx, label, 22, (box.top + box.bottom) / 2, { size: 14, align: 'center', rotate: -Math.PI / 2 });
  if (!values.length) {
    const card = key === 'objective' ? 'OBJECTIV' : 'SILHOUET';
    text(ctx, `not recorded (no ${card} card in these results)`, (box.left + box.right) / 2, (box.top + box.bottom) / 2, { size: 14, colour: MUTED, align: 'center', baseline: 'middle' });
    return { frame, markers: [] };
  }
  // A thin grey line through each seed's points, in k order; the markers on top.
  const bySeed = new Map<number | null, (KPoint & Record<Key, number>)[]>();
  for (const p of have) bySeed.set(p.seed, [...(bySeed.get(p.seed) ?? []), p]);
  ctx.save();
  ctx.strokeStyle = '#9a9a9a';
  ctx.lineWidth = 1.5;
  for (const series of bySeed.values()) {
    ctx.beginPath();
    [...series].sort((a, b) => a.k - b.k).forEach((p, i) => (i ? ctx.lineTo(xOf(frame, p.k), yOf(frame, p[key])) : ctx.moveTo(xOf(frame, p.k), yOf(frame, p[key]))));
    ctx.stroke();
  }
  ctx.restore();
  const best = key === 'objective' ? null : have.reduce((a, b) => (b[key] > a[key] ? b : a));
  const markers: { panel: Key; k: number; x: number; y: number }[] = [];
  for (const p of have) {
    const [x, yy] = [xOf(frame, p.k), yOf(frame, p[key])];
    ctx.save();
    ctx.fillStyle = colour;
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    if (shape === 'circle') ctx.arc(x, yy, MARKER, 0, 2 * Math.PI);
    else ctx.rect(x - MARKER, yy - MARKER, 2 * MARKER, 2 * MARKER);
    ctx.fill();
    ctx.stroke();
    if (p === best) {
      ctx.strokeStyle = INK;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, yy, MARKER + 5, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.restore();
    markers.push({ panel: key, k: p.k, x, y: yy });
  }
  if (best) text(ctx, `circled: the highest, k = ${best.k}`, box.right, box.top - 7, { size: 12, colour: MUTED, align: 'right' });
  return { frame, markers };
}
