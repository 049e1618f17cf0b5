/**
 * `np.nanmedian(cube, axis=0)` of a float32 cube that is never in memory: its planes arrive
 * in blocks (8 MB, a ring of three reused for every block), and only the per-pixel state
 * stays, about a quarter of the cube (a MUSE cube of 3681 planes: 3.5 KB per pixel against
 * 14.7 KB).
 *
 * Why: the mass map's two medians read 2 x 1.3 GB at MUSE's full resolution; holding a cube
 * made a run's peak RSS 1.1x the cube, and the first touch of that much fresh memory was the
 * largest single cost of a cold run. The method is the bracketing one of bracket-median.ts,
 * turned inside out (every pixel's state at once, the planes streamed):
 * 1. samples: every {@link SAMPLE_STEP}-th plane, appended per pixel ({@link submitSamples});
 * 2. brackets: per pixel, the sample's order statistics {@link STREAM_BRACKET_SIGMAS}
 *    standard deviations of the sample median's rank either side of it;
 * 3. counting: every plane, in order; per pixel the values below and above its bracket are
 *    counted and those inside kept (the WebAssembly SIMD pass of median.wat);
 * 4. medians: selected among the kept values, exactly; a pixel whose median fell outside
 *    its bracket (or whose kept values overflowed) is listed in {@link failedPixels}, and the
 *    caller hands in its whole column ({@link resolveFailed}).
 * The steps and the arithmetic are those of the in-memory kernels (bracket-select.ts), so
 * the result is bit-identical to {@link nanmedianAxis0F32}. The bracket is wider than the
 * in-memory kernel's (3 against 2 standard deviations): there a missed pixel costs a column
 * read from memory, here a read of the file. On the bench cubes 0.01 % of the pixels missed
 * (0.46 % with 2), and the kept values never exceeded 1.5x their expected count.
 *
 * The counting runs on helper threads (two, each a fixed half of the pixels) while the
 * caller reads, hashes and converts the next block: a ring of {@link RING} block slots of
 * {@link STREAM_BLOCK_BYTES} in one shared WebAssembly memory, with the pixels' state after
 * it, synchronised by Atomics.
 * Without helper threads (one core, or a TypeScript loader) every step runs in the caller.
 */
import os from 'node:os';
import { countPassJs, medianFromBracket, medianOfValues, setBracket } from './bracket-select.ts';
import { BRACKET_MIN_AXIS, SAMPLE_STEP } from './bracket-median.ts';
import { medianHelper, MEDIAN_HELPERS_AVAILABLE } from './median-helpers.ts';
import { BRACKET_BLOCK, bracketPassAt, bufferOf, sharedWasmMemory, type CubeMemory } from './wasm/median.ts';

export { SAMPLE_STEP };
/** Half-width of the bracket, in standard deviations of the sample median's rank. */
export const STREAM_BRACKET_SIGMAS = 3;
/** Room for kept values per pixel, as a multiple of the expected count. */
export const STREAM_CAP_FACTOR = 1.6;
/**
 * Bytes of planes per block unless the caller asks otherwise. Each block sweeps the state of
 * every pixel once (its bracket, counts and the line its next kept value goes to: 7.5 MB at
 * 300 x 300), so a block of more planes costs less state traffic per plane: on the full
 * bench cube the count took 2.7 s of CPU with 4 MB blocks, 1.7 s with 8 MB, 1.6 s with 16 MB.
 */
export const STREAM_BLOCK_BYTES = 8 * 1024 * 1024;
/** Block slots in the ring: the caller fills one while helpers count the others. */
export const RING = 3;
const MAX_HELPERS = 2;

// The control words at the start of the memory (int32 indices).
const SUBMITTED = 0;
const DONE = 1; // + helper
const FAILED = 5; // + helper: how many pixels it could not finish
const ERROR = 9; // a helper's failure: 1
const COMMANDS = 16; // + 2 * slot: kind, planes
const CONTROL_BYTES = 4096;

const enum Kind {
  Samples = 1,
  Bracket = 2,
  Count = 3,
  Finish = 4,
  Stop = 5,
}

/** Where everything lies in the memory, by byte offset. */
export interface StreamLayout {
  readonly nz: number;
  readonly npix: number;
  /** Kept values per pixel (and samples, which come first). */
  readonly cap: number;
  /** Planes per block slot. */
  readonly planes: number;
  readonly slots: number;
  readonly slotBytes: number;
  readonly out: number;
  readonly lo: number;
  readonly hi: number;
  readonly below: number;
  readonly inside: number;
  readonly above: number;
  readonly failed: number;
  readonly buf: number;
  readonly bytes: number;
}

const align = (n: number): number => Math.ceil(n / 64) * 64;

/** Values per pixel the state keeps for an axis of nz planes (see the file's comment). */
export function streamCapacity(nz: number): number {
  if (nz < BRACKET_MIN_AXIS) return Math.max(1, nz);
  const m = Math.ceil(nz / SAMPLE_STEP);
  const fraction = (2 * STREAM_BRACKET_SIGMAS * 0.5 * Math.sqrt(m) + 4) / m;
  return Math.max(64, m, Math.ceil(STREAM_CAP_FACTOR * fraction * nz));
}

/** The memory layout for a (nz, npix) cube read in blocks of about `blockBytes`. */
export function streamLayout(nz: number, npix: number, blockBytes = STREAM_BLOCK_BYTES): StreamLayout {
  const cap = streamCapacity(nz);
  const planes = Math.max(1, Math.min(nz, Math.floor(blockBytes / (4 * npix))));
  const slotBytes = align(planes * npix * 4);
  let at = CONTROL_BYTES + RING * slotBytes;
  const take = (bytes: number): number => {
    const here = at;
    at += align(bytes);
    return here;
  };
  const out = take(npix * 4);
  const lo = take(npix * 4);
  const hi = take(npix * 4);
  const below = take(npix * 4);
  const inside = take(npix * 4);
  const above = take(npix * 4);
  const failed = take(npix * 4);
  const buf = take(npix * cap * 4);
  return { nz, npix, cap, planes, slots: CONTROL_BYTES, slotBytes, out, lo, hi, below, inside, above, failed, buf, bytes: at };
}

/** Typed views of a layout over its memory (the same in every thread). */
class Views {
  readonly ctrl: Int32Array;
  readonly out: Float32Array;
  readonly lo: Float32Array;
  readonly hi: Float32Array;
  readonly below: Int32Array;
  readonly inside: Int32Array;
  readonly above: Int32Array;
  readonly failed: Int32Array;
  readonly buf: Float32Array;
  readonly all: Float32Array;
  constructor(
    readonly buffer: ArrayBufferLike,
    readonly l: StreamLayout,
    readonly wasm: CubeMemory | null,
  ) {
    const n = l.npix;
    this.ctrl = new Int32Array(buffer, 0, CONTROL_BYTES / 4);
    this.out = new Float32Array(buffer, l.out, n);
    this.lo = new Float32Array(buffer, l.lo, n);
    this.hi = new Float32Array(buffer, l.hi, n);
    this.below = new Int32Array(buffer, l.below, n);
    this.inside = new Int32Array(buffer, l.inside, n);
    this.above = new Int32Array(buffer, l.above, n);
    this.failed = new Int32Array(buffer, l.failed, n);
    this.buf = new Float32Array(buffer, l.buf, n * l.cap);
    this.all = new Float32Array(buffer, 0, l.bytes / 4);
  }

  slot(s: number): Float32Array {
    return new Float32Array(this.buffer, this.l.slots + s * this.l.slotBytes, this.l.planes * this.l.npix);
  }

  /** One command for pixels [p0, p1). */
  run(kind: Kind, slot: number, planes: number, p0: number, p1: number, helper: number): void {
    const { npix, cap, nz } = this.l;
    const { below, inside, above, lo, hi, buf } = this;
    if (kind === Kind.Samples) {
      // every plane of the slot is a sample plane; `below` counts the samples for now
      const data = this.slot(slot);
      for (let pb = p0; pb < p1; pb += BRACKET_BLOCK) {
        const pe = Math.min(p1, pb + BRACKET_BLOCK);
        for (let z = 0; z < planes; z++) {
          const row = z * npix;
          for (let p = pb; p < pe; p++) {
            const v = data[row + p]!;
            const c = below[p]!;
            if (v === v && c < cap) {
              buf[p * cap + c] = v;
              below[p] = c + 1;
            }
          }
        }
      }
    } else if (kind === Kind.Bracket) {
      for (let p = p0; p < p1; p++) setBracket(buf, p * cap, below[p]!, STREAM_BRACKET_SIGMAS, lo, hi, p);
      below.fill(0, p0, p1);
      inside.fill(0, p0, p1);
      above.fill(0, p0, p1);
    } else if (kind === Kind.Count) {
      const l = this.l;
      const cube = l.slots + slot * l.slotBytes;
      for (let pb = p0; pb < p1; pb += BRACKET_BLOCK) {
        const bw = Math.min(BRACKET_BLOCK, p1 - pb);
        const bw4 = this.wasm ? bw & ~3 : 0;
        if (bw4) bracketPassAt(this.wasm!, { cube, npix, nz: planes, pb, bw: bw4, lo: l.lo + pb * 4, hi: l.hi + pb * 4, below: l.below + pb * 4, inside: l.inside + pb * 4, above: l.above + pb * 4, buf: l.buf + pb * cap * 4, cap });
        if (bw4 < bw) countPassJs(this.all, cube / 4 + pb, npix, planes, bw4, bw, lo, hi, below, inside, above, pb, buf, cap);
      }
    } else if (kind === Kind.Finish) {
      const small = nz < 600;
      let nFailed = 0;
      for (let p = p0; p < p1; p++) {
        if (!medianFromBracket(buf, p * cap, cap, below[p]!, inside[p]!, above[p]!, lo[p]!, hi[p]!, small, this.out, p)) this.failed[p0 + nFailed++] = p;
      }
      this.ctrl[FAILED + helper] = nFailed;
    }
  }
}

/** What a helper thread is sent to join a median (see {@link helpStream}). */
export interface StreamSession {
  readonly memory: CubeMemory | SharedArrayBuffer;
  readonly wasm: boolean;
  readonly layout: StreamLayout;
  readonly helper: number;
  readonly p0: number;
  readonly p1: number;
}

/** Waits until ctrl[i] >= want. */
function waitAtLeast(ctrl: Int32Array, i: number, want: number): void {
  for (let v = Atomics.load(ctrl, i); v < want; v = Atomics.load(ctrl, i)) Atomics.wait(ctrl, i, v);
}

/**
 * A helper thread's part of a median: runs every command the caller submits, for its own
 * pixels, until Stop. Blocks the thread meanwhile (a median helper has nothing else to do).
 */
export function helpStream(s: StreamSession): void {
  const buffer = s.wasm ? bufferOf(s.memory as CubeMemory) : (s.memory as SharedArrayBuffer);
  const v = new Views(buffer, s.layout, s.wasm ? (s.memory as CubeMemory) : null);
  const ctrl = v.ctrl;
  for (let next = 0; ; next++) {
    waitAtLeast(ctrl, SUBMITTED, next + 1);
    const slot = next % RING;
    const kind = ctrl[COMMANDS + 2 * slot]! as Kind;
    try {
      if (kind !== Kind.Stop && Atomics.load(ctrl, ERROR) === 0) v.run(kind, slot, ctrl[COMMANDS + 2 * slot + 1]!, s.p0, s.p1, s.helper);
    } catch {
      Atomics.store(ctrl, ERROR, 1);
    }
    Atomics.store(ctrl, DONE + s.helper, next + 1);
    Atomics.notify(ctrl, DONE + s.helper);
    if (kind === Kind.Stop) return;
  }
}

/**
 * The memory of the last median in this thread, reused while it is large enough: a stage
 * takes two medians of the same size, and the second then touches no fresh memory.
 * {@link releaseStreamMemory} lets it go.
 */
let kept: { memory: CubeMemory | null; buffer: ArrayBufferLike; bytes: number } | undefined;

/**
 * Drops this thread's median memory (its helpers drop theirs after each median), for the
 * collector to return it: a stage calls this when its medians are done, so the memory (a
 * quarter of a cube) is not held through the stages that follow. A full-resolution run
 * peaked at 629 MB holding it through collapse-smooth and cluster, 465 MB without.
 */
export function releaseStreamMemory(): void {
  kept = undefined;
}

function memoryFor(bytes: number): { memory: CubeMemory | null; buffer: ArrayBufferLike } {
  if (kept && kept.bytes >= bytes) return kept;
  kept = undefined; // the old one goes to the collector before the new one is made
  const made = sharedWasmMemory(bytes);
  kept = made ? { memory: made.memory, buffer: made.buffer, bytes } : { memory: null, buffer: new SharedArrayBuffer(bytes), bytes };
  return kept;
}

/** Options of {@link StreamedNanmedian}. */
export interface StreamOptions {
  /** Bytes of planes per block (tests make it small to cross many block boundaries). */
  readonly blockBytes?: number;
  /** Helper threads that count (default: 2 on two cores or more, none under a TypeScript loader). */
  readonly helpers?: number;
}

/**
 * One streamed nanmedian: feed it the sample planes ({@link samplePlanes}) with
 * {@link slot} + {@link submitSamples}, then every plane in order with {@link slot} +
 * {@link submitCount}; {@link finish} gives the pixels that need their whole column.
 */
export class StreamedNanmedian {
  readonly layout: StreamLayout;
  private readonly v: Views;
  private readonly helpers: number;
  private next = 0;
  private bracketed = false;
  private finished = false;
  private closed = false;

  constructor(nz: number, npix: number, opts: StreamOptions = {}) {
    this.layout = streamLayout(nz, npix, opts.blockBytes);
    const { memory, buffer } = memoryFor(this.layout.bytes);
    this.v = new Views(buffer, this.layout, memory);
    this.helpers = MEDIAN_HELPERS_AVAILABLE && npix >= 1024 ? Math.min(MAX_HELPERS, opts.helpers ?? Math.min(2, os.availableParallelism())) : 0;
    const { ctrl, below, inside, above } = this.v;
    ctrl.fill(0);
    below.fill(0);
    inside.fill(0);
    above.fill(0);
    if (this.helpers > 0) {
      for (let h = 0; h < this.helpers; h++) {
        const session: StreamSession = { memory: memory ?? (buffer as SharedArrayBuffer), wasm: memory !== null, layout: this.layout, helper: h, p0: this.first(h), p1: this.first(h + 1) };
        medianHelper(h).postMessage({ stream: session });
      }
    }
  }

  /** Planes per block slot. */
  get planesPerSlot(): number {
    return this.layout.planes;
  }

  /** The planes whose values are the sample (none below {@link BRACKET_MIN_AXIS} planes: every value is kept). */
  samplePlanes(): number[] {
    if (this.layout.nz < BRACKET_MIN_AXIS) return [];
    return Array.from({ length: Math.ceil(this.layout.nz / SAMPLE_STEP) }, (_, i) => i * SAMPLE_STEP);
  }

  /** The next free block slot, to fill with up to {@link planesPerSlot} planes of float32 values (waits for one). */
  slot(): Float32Array {
    this.#free();
    this.check();
    return this.v.slot(this.next % RING);
  }

  /** Waits until the next slot is free (its last command done by every helper). */
  #free(): void {
    const need = this.next - RING + 1;
    for (let h = 0; h < this.helpers; h++) waitAtLeast(this.v.ctrl, DONE + h, need);
  }

  /** The slot from {@link slot} holds `planes` sample planes (in any order). */
  submitSamples(planes: number): void {
    if (this.bracketed) throw new Error('StreamedNanmedian: samples after bracket()');
    this.submit(Kind.Samples, planes);
  }

  /** After the last sample (or none, below {@link BRACKET_MIN_AXIS} planes): each pixel's bracket. */
  bracket(): void {
    if (this.bracketed) throw new Error('StreamedNanmedian: bracket() twice');
    this.slot();
    this.submit(Kind.Bracket, 0);
    this.bracketed = true;
  }

  /** The slot from {@link slot} holds the next `planes` planes of the cube, in order. */
  submitCount(planes: number): void {
    if (!this.bracketed) throw new Error('StreamedNanmedian: counting before bracket()');
    this.submit(Kind.Count, planes);
  }

  /**
   * After every plane was counted: the medians are done except for the pixels returned,
   * whose whole columns the caller gathers for {@link resolveFailed}.
   */
  finish(): Int32Array {
    if (!this.bracketed) throw new Error('StreamedNanmedian: finish() before bracket()');
    this.slot();
    this.submit(Kind.Finish, 0);
    this.close();
    this.check();
    this.finished = true;
    const parts: Int32Array[] = [];
    for (let h = 0; h < Math.max(1, this.helpers); h++) parts.push(this.v.failed.slice(this.first(h), this.first(h) + this.v.ctrl[FAILED + h]!));
    const all = new Int32Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    return all;
  }

  /**
   * Lets the helper threads go (they wait for commands until told to stop): call it in a
   * `finally` when a median is abandoned (a read failed); {@link finish} calls it itself.
   */
  close(): void {
    if (this.closed) return;
    if (this.helpers > 0) {
      // (even after a helper failed: the others must be let go, or they wait for ever)
      this.#free();
      this.submit(Kind.Stop, 0);
    }
    this.closed = true;
    for (let h = 0; h < this.helpers; h++) waitAtLeast(this.v.ctrl, DONE + h, this.next);
  }

  /** The median of failed pixel `p` from its column's `n` non-NaN values `values[0..n)` (reordered). */
  resolveFailed(p: number, values: Float32Array, n: number): void {
    this.v.out[p] = medianOfValues(values, n, this.layout.nz < 600);
  }

  /** The medians (a copy: the memory is reused by the next median in this thread). */
  result(): Float32Array {
    if (!this.finished) throw new Error('StreamedNanmedian: result() before finish()');
    return this.v.out.slice();
  }

  /** The first pixel of helper h's part (whole blocks of {@link BRACKET_BLOCK}); npix for h = helpers. */
  private first(h: number): number {
    const n = this.layout.npix;
    return h >= this.helpers ? (h === 0 ? 0 : n) : Math.min(n, Math.round((h * n) / this.helpers / BRACKET_BLOCK) * BRACKET_BLOCK);
  }

  private submit(kind: Kind, planes: number): void {
    if (this.closed) throw new Error('StreamedNanmedian: closed');
    const slot = this.next % RING;
    const ctrl = this.v.ctrl;
    ctrl[COMMANDS + 2 * slot] = kind;
    ctrl[COMMANDS + 2 * slot + 1] = planes;
    this.next++;
    if (this.helpers === 0) {
      if (kind !== Kind.Stop) this.v.run(kind, slot, planes, 0, this.layout.npix, 0);
      return;
    }
    Atomics.store(ctrl, SUBMITTED, this.next);
    Atomics.notify(ctrl, SUBMITTED);
  }

  private check(): void {
    if (Atomics.load(this.v.ctrl, ERROR) !== 0) throw new Error('StreamedNanmedian: a median helper thread failed');
  }
}
