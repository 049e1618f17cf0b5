/**
 * Our PNG encoder (src/report/plots/png.ts) and the canvases reused between pictures
 * (canvas.ts): a picture must decode to exactly the pixels drawn, the same pixels Skia's
 * own encoder gives, whatever picture the canvas held before; text chunks round-trip.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCanvas, loadImage, type SKRSContext2D } from '@napi-rs/canvas';
import { encodePng, font, newCanvas } from '../src/report/plots/canvas.ts';
import { pngOf, pngText } from '../src/report/plots/png.ts';

/** The RGBA pixels of a PNG, decoded by the canvas library's (Skia's) decoder. */
async function pixelsOf(png: Buffer): Promise<{ width: number; height: number; data: Buffer }> {
  const img = await loadImage(png);
  const c = createCanvas(img.width, img.height);
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  return { width: img.width, height: img.height, data: Buffer.from(ctx.getImageData(0, 0, img.width, img.height).data) };
}

/** A scene that relies on the default state: line width, font, alignment, an empty path, no clip. */
function scene(ctx: SKRSContext2D): void {
  ctx.lineTo(30, 20);
  ctx.lineTo(5, 25);
  ctx.stroke();
  ctx.fillStyle = '#1f77b4';
  ctx.fillRect(2, 2, 9, 7);
  ctx.fillStyle = '#222222';
  ctx.font = font(11);
  ctx.fillText('Ag', 12, 14);
  ctx.strokeRect(20.5, 3.5, 12, 8);
  ctx.fillStyle = 'rgba(214, 39, 40, 0.5)';
  ctx.fillRect(8, 15, 20, 10);
}

/** Everything a picture might leave behind on its canvas. */
function dirty(ctx: SKRSContext2D): void {
  ctx.save();
  ctx.translate(5, 3);
  ctx.rotate(0.3);
  ctx.beginPath();
  ctx.rect(0, 0, 6, 6);
  ctx.clip();
  ctx.lineWidth = 7;
  ctx.setLineDash([3, 2]);
  ctx.globalAlpha = 0.4;
  ctx.globalCompositeOperation = 'xor';
  ctx.shadowColor = '#00ff00';
  ctx.shadowBlur = 4;
  ctx.font = 'bold 30px serif';
  ctx.textAlign = 'right';
  ctx.fillStyle = '#ff00ff';
  ctx.fillRect(0, 0, 40, 30);
  ctx.beginPath();
  ctx.moveTo(1, 1);
  ctx.lineTo(39, 29);
}

describe('PNG encoding', () => {
  it('decodes to the pixels drawn, the same as Skia\'s encoder gives', async () => {
    const { canvas, ctx } = newCanvas(41, 33);
    scene(ctx);
    const drawn = Buffer.from(ctx.getImageData(0, 0, 41, 33).data);
    const ours = await pixelsOf(encodePng(canvas));
    const skia = await pixelsOf(canvas.encodeSync('png'));
    assert.equal(ours.width, 41);
    assert.equal(ours.height, 33);
    assert.ok(ours.data.equals(drawn), 'our PNG decodes to the canvas pixels');
    assert.ok(ours.data.equals(skia.data), 'and to the same pixels as Skia\'s PNG');
  });

  it('keeps translucent pixels (straight alpha, as PNG stores it)', async () => {
    const canvas = createCanvas(7, 5);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = 'rgba(10, 200, 30, 0.5)';
    ctx.fillRect(1, 1, 4, 3);
    const decoded = await pixelsOf(pngOf(canvas));
    assert.ok(decoded.data.equals(Buffer.from(ctx.getImageData(0, 0, 7, 5).data)));
    assert.ok(Math.abs((decoded.data[(2 * 7 + 2) * 4 + 3] as number) - 128) <= 1, 'half transparent');
  });

  it('carries tEXt chunks, read back in order, and refuses keywords a reader would reject', () => {
    const canvas = createCanvas(3, 2);
    const png = pngOf(canvas, { 'sfh-pipeline inputs': 'sha256:abc', Software: 'sfh-pipeline' });
    assert.deepEqual(pngText(png), { 'sfh-pipeline inputs': 'sha256:abc', Software: 'sfh-pipeline' });
    assert.deepEqual(pngText(pngOf(canvas)), {});
    assert.deepEqual(pngText(Buffer.from('not a png')), {});
    assert.throws(() => pngOf(canvas, { '': 'x' }));
    assert.throws(() => pngOf(canvas, { key: 'a\0b' }));
    assert.throws(() => pngOf(canvas, { 'k\u20ac': 'x' }));
  });

  it('gives equal bytes for equal drawings', () => {
    const a = newCanvas(20, 10);
    scene(a.ctx);
    const first = encodePng(a.canvas);
    const b = newCanvas(20, 10);
    scene(b.ctx);
    assert.ok(encodePng(b.canvas).equals(first));
  });
});

describe('a reused canvas', () => {
  it('draws exactly as a fresh one, whatever the picture before it left', () => {
    const before = newCanvas(40, 30);
    dirty(before.ctx);
    encodePng(before.canvas);
    const reused = newCanvas(40, 30);
    assert.equal(reused.canvas, before.canvas, 'an encoded canvas of the same size is reused');
    const fresh = newCanvas(40, 30);
    assert.notEqual(fresh.canvas, before.canvas, 'one being drawn on is never handed out twice');
    scene(reused.ctx);
    scene(fresh.ctx);
    assert.ok(encodePng(reused.canvas).equals(encodePng(fresh.canvas)));
  });
});
