/**
 * Stored FITS planes into the streamed median's float32 slots, as numpy would see them
 * (src/fits/raw-io.ts storedToFloats): MUSE's float32 cubes are read straight into the
 * slot and byte-swapped there; any other BITPIX or scaling goes through a scratch buffer.
 */
import type { FitsBlockReader } from '../fits/block-reader.ts';
import type { HduInfo } from '../fits/hdu-info.ts';
import type { StreamedNanmedian } from '../kernels/stream-median.ts';
import { planesOf } from './median-options.ts';
import { storedToFloats } from '../fits/raw-io.ts';
import { planScaling, type ScalePlan } from '../fits/scaling.ts';

/** Converts stored planes into a kernel slot, through a scratch when they are not float32. */
export class PlaneDecoder {
  readonly size: number;
  readonly plan: ScalePlan;
  readonly direct: boolean;
  #scratch: Buffer | undefined;
  constructor(
    readonly info: HduInfo,
    readonly npix: number,
  ) {
    this.size = Math.abs(info.bitpix) / 8;
    this.plan = planScaling(info.header, info.bitpix);
    // MUSE's float32 cubes: read straight into the slot and swapped there
    this.direct = info.bitpix === -32 && this.plan.kind === 'raw';
  }

  /** Where to put the stored bytes of `planes` planes bound for `slot`. */
  target(slot: Float32Array, planes: number): Buffer {
    const bytes = planes * this.npix * this.size;
    if (this.direct) return Buffer.from(slot.buffer, slot.byteOffset, bytes);
    if (!this.#scratch || this.#scratch.length < bytes) this.#scratch = Buffer.from(new ArrayBuffer(bytes));
    return this.#scratch.subarray(0, bytes);
  }

  /** The stored bytes (from {@link target}) of `planes` planes as float32 values in `slot`. */
  decode(raw: Buffer, slot: Float32Array, planes: number): void {
    storedToFloats(raw, planes * this.npix, this.info.bitpix, this.plan, slot);
  }
}

/**
 * Reads HDU `info`'s planes (the reader is at the start of its data) into the median's
 * slots, in order, to be counted: the streamed median's main pass, plain or gzip alike.
 */
export async function countPlanes(reader: FitsBlockReader, info: HduInfo, median: StreamedNanmedian): Promise<void> {
  const { nz, npix } = planesOf(info);
  const dec = new PlaneDecoder(info, npix);
  for (let z = 0; z < nz; ) {
    const slot = median.slot();
    const k = Math.min(median.planesPerSlot, nz - z);
    const raw = dec.target(slot, k);
    await reader.readData(raw);
    dec.decode(raw, slot, k);
    median.submitCount(k);
    z += k;
  }
}
