/**
 * PNG encoding of our pictures, done here rather than by the canvas library. Skia's encoder
 * (`canvas.encodeSync('png')`) tries every row filter at zlib level 6: ~20 ms of CPU per
 * picture of ~27 (docs/benchmark.md, "The pictures"). Here the canvas's RGBA pixels
 * (`getImageData`: straight, not premultiplied, alpha, as PNG stores them) go out
 * unfiltered through zlib at a low level: the same pixels in ~7 ms, and files ~8 % smaller
 * than Skia's (large runs of one colour compress well without filters).
 *
 * The file is IHDR (8-bit RGBA, like Skia's), sRGB (the canvas's colour space), optional
 * tEXt chunks, IDAT, IEND: no time stamp, so equal drawings give equal bytes on one Node.
 */
import { crc32, deflateSync } from 'node:zlib';
import type { Canvas } from '@napi-rs/canvas';

/**
 * zlib level of the pixel data. Measured on the scale bench's pictures (a group map of
 * 760 x 438 and an SFH plot of 820 x 470 per result), CPU per picture: level 1-3 ~2.3 ms
 * and 55-58 KiB, level 6 ~8 ms and 47 KiB; Skia's encoder ~20 ms and 62 KiB.
 */
const LEVEL = 3;

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One chunk: length, type, data, CRC of type and data. */
function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A tEXt chunk's keyword is 1-79 Latin-1 characters without NUL; its text Latin-1 without
 * NUL. Anything else would make a PNG a strict reader refuses: refused here instead.
 */
function textChunk(keyword: string, value: string): Buffer {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword) || /[^\x01-\xff]/.test(value)) throw new Error(`internal: PNG text ${JSON.stringify(keyword)} is not Latin-1 without NUL`);
  return chunk('tEXt', Buffer.from(`${keyword}\0${value}`, 'latin1'));
}

/**
 * The rows of the picture being encoded, kept between pictures: a fresh 1.6 MB per picture
 * is memory the kernel must zero on first touch.
 */
let scratch = Buffer.alloc(0);

/** The canvas as PNG bytes; `text` adds tEXt chunks (keyword -> value), in the order given. */
export function pngOf(canvas: Canvas, text: Readonly<Record<string, string>> = {}): Buffer {
  const { width, height } = canvas;
  const pixels = canvas.getContext('2d').getImageData(0, 0, width, height).data;
  const stride = width * 4;
  const size = (stride + 1) * height;
  if (scratch.length < size) scratch = Buffer.alloc(size);
  const raw = scratch.subarray(0, size);
  // Each row: filter type 0 (none), then the row's RGBA bytes (straight alpha, as PNG has it).
  for (let y = 0; y < height; y++) {
    const at = y * (stride + 1);
    raw[at] = 0;
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), at + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  // compression 0, filter method 0, no interlace: the zeros Buffer.alloc left
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('sRGB', Uint8Array.of(0)),
    ...Object.entries(text).map(([k, v]) => textChunk(k, v)),
    chunk('IDAT', deflateSync(raw, { level: LEVEL })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** The tEXt chunks of a PNG (keyword -> value); empty when `png` is not a PNG or has none. */
export function pngText(png: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) return out;
  for (let at = 8; at + 12 <= buf.length; ) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const end = at + 8 + length;
    if (end + 4 > buf.length || type === 'IDAT' || type === 'IEND') break;
    if (type === 'tEXt') {
      const data = buf.subarray(at + 8, end);
      const nul = data.indexOf(0);
      if (nul > 0 && buf.readUInt32BE(end) === crc32(data, crc32(buf.subarray(at + 4, at + 8)))) out[data.toString('latin1', 0, nul)] = data.toString('latin1', nul + 1);
    }
    at = end + 4;
  }
  return out;
}

/**
 * Whether `png` is a whole PNG: the signature, then chunks whose CRCs all check, ending with
 * IEND at the very end. A truncated or damaged file is not (whatever its text chunks say).
 */
export function intactPng(png: Uint8Array): boolean {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) return false;
  for (let at = 8; at + 12 <= buf.length; ) {
    const end = at + 8 + buf.readUInt32BE(at);
    if (end + 4 > buf.length) return false;
    if (buf.readUInt32BE(end) !== crc32(buf.subarray(at + 8, end), crc32(buf.subarray(at + 4, at + 8)))) return false;
    if (buf.toString('latin1', at + 4, at + 8) === 'IEND') return end + 4 === buf.length;
    at = end + 4;
  }
  return false;
}
