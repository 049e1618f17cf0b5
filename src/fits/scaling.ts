/**
 * From stored to physical values (physical = BZERO + BSCALE * stored), choosing the result
 * type exactly as astropy does so that a pipeline gives the same numbers in either world:
 * the unsigned conventions (BZERO = 2^15 / 2^31 with BSCALE = 1) become Uint16/Uint32, and
 * BITPIX 8 with BZERO = -128 becomes Int8; any other scaling or a BLANK on integer data
 * gives Float32 for 8/16-bit and Float64 for 32/64-bit data, with BLANK pixels as NaN;
 * float data is scaled in its own precision (float32 arithmetic for BITPIX -32).
 * One deliberate difference: astropy skips BLANK = 0 (it tests `if blank:`); we honour it.
 */

import { FitsError } from './errors.ts';
import type { Header } from './header.ts';

/** How stored values become physical ones; chosen once per HDU from its header. */
export type ScalePlan =
  | { readonly kind: 'raw' }
  | { readonly kind: 'flip-sign' }
  | { readonly kind: 'scale-in-place'; readonly bscale: number; readonly bzero: number }
  | {
      readonly kind: 'to-float';
      readonly out: 'float32' | 'float64';
      readonly bscale: number;
      readonly bzero: number;
      readonly blank: number | bigint | undefined;
    };

function isExactly(value: unknown, target: bigint): boolean {
  if (typeof value === 'bigint') return value === target;
  // Every target here is a power of two (or -128), exact as a float, like Python's float == int.
  return typeof value === 'number' && value === Number(target);
}

/** Picks the {@link ScalePlan} for an image HDU, mirroring astropy's `_dtype_for_bitpix`. */
export function planScaling(header: Header, bitpix: number): ScalePlan {
  const bscale = header.getNumber('BSCALE', 1);
  const bzeroValue = header.has('BZERO') ? header.get('BZERO') : 0;
  const bzero = header.getNumber('BZERO', 0);
  const blankValue = header.get('BLANK');
  // astropy ignores BLANK on float data and when it is not an integer.
  const blank = bitpix > 0 && (typeof blankValue === 'number' || typeof blankValue === 'bigint') && header.card('BLANK')?.type === 'integer' ? blankValue : undefined;
  if (bscale === 1 && bzero === 0 && blank === undefined) return { kind: 'raw' };
  if (bitpix < 0) return bscale === 1 && bzero === 0 ? { kind: 'raw' } : { kind: 'scale-in-place', bscale, bzero };
  if (bscale === 1) {
    // The unsigned (and signed-byte) conventions; BLANK is left to the caller, as in astropy.
    if (bitpix === 8 && isExactly(bzeroValue, -128n)) return { kind: 'flip-sign' };
    if (bitpix === 16 && isExactly(bzeroValue, 1n << 15n)) return { kind: 'flip-sign' };
    if (bitpix === 32 && isExactly(bzeroValue, 1n << 31n)) return { kind: 'flip-sign' };
    if (bitpix === 64 && isExactly(bzeroValue, 1n << 63n)) {
      const { file, hdu } = header.source;
      throw new FitsError({
        reason: 'bad-bitpix',
        file,
        detail: `HDU ${hdu}: BITPIX = 64 with BZERO = 2^63 is unsigned 64-bit data, which this reader does not support`,
        hint: 'Convert it with astropy (e.g. to float64 or int64) before using it here.',
      });
    }
  }
  return { kind: 'to-float', out: bitpix > 16 ? 'float64' : 'float32', bscale, bzero, blank };
}

/** Flips the sign bit in place: stored int16/int32/uint8 become uint16/uint32/int8 (same bytes). */
export function flipSignBit(data: Uint8Array | Uint16Array | Uint32Array): void {
  const bit = data instanceof Uint8Array ? 0x80 : data instanceof Uint16Array ? 0x8000 : 0x80000000;
  for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) ^ bit;
}

/** Applies BSCALE/BZERO in place to float data, in float32 arithmetic for a Float32Array as numpy does. */
export function scaleFloatInPlace(data: Float32Array | Float64Array, bscale: number, bzero: number): void {
  const single = data instanceof Float32Array;
  const bs = single ? Math.fround(bscale) : bscale;
  const bz = single ? Math.fround(bzero) : bzero;
  for (let i = 0; i < data.length; i++) {
    let v = data[i] as number;
    if (bscale !== 1) v = single ? Math.fround(v * bs) : v * bs;
    if (bzero !== 0) v += bz;
    data[i] = v;
  }
}

/** Stored integers of one chunk, already in machine byte order. */
export type StoredInts = Uint8Array | Int16Array | Int32Array | BigInt64Array;

/**
 * Converts a chunk of stored integers into physical floats at `out[offset...]`: BLANK
 * becomes NaN, then `stored * BSCALE + BZERO` in the precision of `out` (so Float32 output
 * matches numpy's float32 arithmetic bit for bit).
 */
export function storedToFloat(raw: StoredInts, out: Float32Array | Float64Array, offset: number, plan: Extract<ScalePlan, { kind: 'to-float' }>): void {
  const single = out instanceof Float32Array;
  const bs = single ? Math.fround(plan.bscale) : plan.bscale;
  const bz = single ? Math.fround(plan.bzero) : plan.bzero;
  const doScale = plan.bscale !== 1;
  const doShift = plan.bzero !== 0;
  if (raw instanceof BigInt64Array) {
    const blank = plan.blank === undefined ? undefined : BigInt(plan.blank);
    for (let i = 0; i < raw.length; i++) {
      const r = raw[i] as bigint;
      if (r === blank) {
        out[offset + i] = NaN;
        continue;
      }
      let v = Number(r);
      if (doScale) v *= bs;
      if (doShift) v += bz;
      out[offset + i] = v;
    }
    return;
  }
  const blank = plan.blank === undefined ? undefined : Number(plan.blank);
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i] as number;
    if (r === blank) {
      out[offset + i] = NaN;
      continue;
    }
    let v = r;
    if (doScale) v = single ? Math.fround(v * bs) : v * bs;
    if (doShift) v += bz;
    out[offset + i] = v;
  }
}
