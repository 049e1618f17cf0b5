/**
 * The fast path of reading: big-endian bytes go straight from the file into the memory of
 * the target typed array and are byte-swapped in place, chunk by chunk. No whole-file
 * Buffer and no second copy: a 1.3 GB cube costs 1.3 GB, not 2.6 GB plus a copy's time.
 * Chunks exist because `fs.readSync` refuses more than 2 GiB in one call.
 */

import { readSync } from 'node:fs';
import { flipSignBit, scaleFloatInPlace, storedToFloat, type ScalePlan } from './scaling.ts';

/** Largest single `readSync` we issue (Node throws above 2 GiB). */
export const MAX_CHUNK_BYTES = 1 << 30;

/** A typed array's memory, as any view type. */
export interface ByteRange {
  readonly buffer: ArrayBufferLike;
  readonly byteOffset: number;
  readonly byteLength: number;
}

/** Swaps `Buffer` bytes in place for an element size of 1, 2, 4 or 8. */
function swap(buf: Buffer, elementSize: number): void {
  if (elementSize === 2) buf.swap16();
  else if (elementSize === 4) buf.swap32();
  else if (elementSize === 8) buf.swap64();
}

/**
 * Fills `target` with the bytes at `position` of `fd`, converting big-endian elements of
 * `elementSize` bytes to the machine's little-endian order in place.
 * Returns the number of bytes read: short only at end of file, which the caller reports.
 * `chunkBytes` is rounded down to whole elements; tests make it tiny to exercise the loop.
 */
export function readBigEndianInto(fd: number, target: ByteRange, position: number, elementSize: number, chunkBytes: number = MAX_CHUNK_BYTES): number {
  const step = Math.max(elementSize, Math.floor(Math.min(chunkBytes, MAX_CHUNK_BYTES) / elementSize) * elementSize);
  let done = 0;
  while (done < target.byteLength) {
    const want = Math.min(step, target.byteLength - done);
    const view = Buffer.from(target.buffer, target.byteOffset + done, want);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, view, got, want - got, position + done + got);
      if (n === 0) break;
      got += n;
    }
    // Only whole elements are swapped; a short read ends the loop below anyway.
    const whole = got - (got % elementSize);
    if (whole > 0) swap(view.subarray(0, whole), elementSize);
    done += got;
    if (got < want) break;
  }
  return done;
}

/**
 * The physical values of `n` stored big-endian elements at the start of `raw`, into `out`:
 * astropy's physical values (its precision, see scaling.ts) stored as float32 or float64,
 * what numpy's `.astype` of them holds (the medians take float32). `raw` is byte-swapped in
 * place; when its elements already have `out`'s type and need no scaling it may be `out`'s
 * own memory (nothing else is done then: the cheap path of a MUSE cube). `raw` must be
 * aligned to the element size.
 */
export function storedToFloats(raw: Buffer, n: number, bitpix: number, plan: ScalePlan, out: Float32Array | Float64Array): void {
  const size = Math.abs(bitpix) / 8;
  const bytes = raw.subarray(0, n * size);
  swap(bytes, size);
  const { buffer, byteOffset } = bytes;
  if (bitpix === -32 || bitpix === -64) {
    const stored = bitpix === -32 ? new Float32Array(buffer, byteOffset, n) : new Float64Array(buffer, byteOffset, n);
    if (plan.kind === 'scale-in-place') scaleFloatInPlace(stored, plan.bscale, plan.bzero);
    if (stored.buffer !== out.buffer || stored.byteOffset !== out.byteOffset) out.set(stored.subarray(0, n));
    return;
  }
  if (plan.kind === 'flip-sign') {
    const u = bitpix === 8 ? new Uint8Array(buffer, byteOffset, n) : bitpix === 16 ? new Uint16Array(buffer, byteOffset, n) : new Uint32Array(buffer, byteOffset, n);
    flipSignBit(u);
    out.set(bitpix === 8 ? new Int8Array(buffer, byteOffset, n) : u);
    return;
  }
  const ints = bitpix === 8 ? new Uint8Array(buffer, byteOffset, n) : bitpix === 16 ? new Int16Array(buffer, byteOffset, n) : bitpix === 32 ? new Int32Array(buffer, byteOffset, n) : new BigInt64Array(buffer, byteOffset, n);
  if (plan.kind === 'to-float') {
    // physical values in astropy's precision first, then `out`'s
    const wide = (plan.out === 'float32') === out instanceof Float32Array ? out : plan.out === 'float32' ? new Float32Array(n) : new Float64Array(n);
    storedToFloat(ints, wide, 0, plan);
    if (wide !== out) out.set(wide);
    return;
  }
  if (ints instanceof BigInt64Array) for (let i = 0; i < n; i++) out[i] = Number(ints[i]!);
  else out.set(ints);
}
