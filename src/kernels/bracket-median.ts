/**
 * `np.nanmedian(cube, axis=0)` for long float32 axes (a MUSE cube's ~3700 planes), exact,
 * without transposing the cube: a selection that reads every value once, plane by plane.
 *
 * Why: transposing pixel columns (scattered writes) and running a full selection on each
 * touches every value three to five times, most of them with unpredictable branches; that
 * was ~0.4 s of CPU per binned cube. Here, per block of pixels:
 * 1. a sample (every {@link SAMPLE_STEP}-th plane) gives each pixel a bracket [lo, hi]
 *    around its sample median, wide enough that the true median falls inside it except in
 *    a few pixels in a thousand (±{@link BRACKET_SIGMAS} standard deviations of the sample
 *    median's rank; 0.4% of the binned bench cube's pixels, the sample being evenly spread);
 * 2. one branch-free pass over all planes counts per pixel the values below the bracket
 *    and above it, and appends the values inside it to the pixel's small buffer;
 * 3. if the median's rank(s) fall inside the bracket, the median is selected among the
 *    appended values (about a tenth of the column); otherwise (the sample misled, or the
 *    buffer overflowed) the pixel's whole column is gathered and selected, as the
 *    transposing kernel would.
 * Both ways select the same order statistics, and the arithmetic is numpy's
 * (src/kernels/bracket-select.ts), so the result is bit-identical to {@link nanmedianAxis0F32Range}.
 */
import { countPassJs, medianFromBracket, medianOfValues, setBracket } from './bracket-select.ts';
import { BRACKET_BLOCK as BLOCK, bracketPassWasm, cubeMemoryOf, MEDIAN_THREADS_MAX, scratchLayout, type CubeMemory, type ScratchLayout } from './wasm/median.ts';

/** Every SAMPLE_STEP-th plane is sampled: 3681 planes give 461 samples per pixel. */
export const SAMPLE_STEP = 8;
/**
 * Half-width of the bracket in standard deviations of the sample median's rank. Narrower
 * means fewer values to select among but more pixels done from their whole column; on the
 * binned bench cubes 2 was the fastest of 1.5, 2, 2.5, 3 and 3.5 (CPU time, 5-10% apart).
 */
export const BRACKET_SIGMAS = 2;
/** Below this many planes the sample is too small to narrow anything: use the transposing kernel. */
export const BRACKET_MIN_AXIS = 256;

/** Values a pixel's bracket may hold: twice the expected count, and at least 64. */
function capacity(nz: number): number {
  const samples = Math.ceil(nz / SAMPLE_STEP);
  const fraction = (2 * BRACKET_SIGMAS * 0.5 * Math.sqrt(samples) + 4) / samples;
  return Math.max(64, Math.ceil(2 * fraction * nz));
}

/** Bytes of scratch one thread needs for an axis of nz planes (see {@link cubeInWasmMemory}). */
export function bracketScratchBytes(nz: number): number {
  return scratchLayout(capacity(nz)).bytes;
}

/** A thread's working arrays: JavaScript's own, or views of the cube's WebAssembly memory. */
interface Scratch {
  readonly nz: number;
  readonly cap: number;
  readonly layout: ScratchLayout;
  readonly lo: Float32Array;
  readonly hi: Float32Array;
  readonly below: Int32Array;
  readonly inside: Int32Array;
  readonly above: Int32Array;
  readonly buf: Float32Array;
  /** Where the scratch starts in the cube memory, when the pass runs in WebAssembly. */
  readonly wasm: { memory: CubeMemory; offset: number } | null;
}
let own: Scratch | undefined;
let sample: Float32Array = new Float32Array(0);
let col: Float32Array = new Float32Array(0);

function views(buffer: ArrayBufferLike, at: number, nz: number, cap: number, wasm: Scratch['wasm']): Scratch {
  const layout = scratchLayout(cap);
  return {
    nz,
    cap,
    layout,
    lo: new Float32Array(buffer, at + layout.lo, BLOCK),
    hi: new Float32Array(buffer, at + layout.hi, BLOCK),
    below: new Int32Array(buffer, at + layout.below, BLOCK),
    inside: new Int32Array(buffer, at + layout.inside, BLOCK),
    above: new Int32Array(buffer, at + layout.above, BLOCK),
    buf: new Float32Array(buffer, at + layout.buf, BLOCK * cap),
    wasm,
  };
}

/** This thread's scratch: in the cube's WebAssembly memory (slot `thread`) when it has one. */
function scratchFor(cube: Float32Array, nz: number, thread: number): Scratch {
  const cap = capacity(nz);
  const m = cube.byteOffset === 0 ? cubeMemoryOf(cube.buffer) : undefined;
  if (m && thread < MEDIAN_THREADS_MAX && m.scratchBytes >= scratchLayout(cap).bytes) {
    const at = m.scratch0 + thread * m.scratchBytes;
    return views(cube.buffer, at, nz, cap, { memory: m.memory, offset: at });
  }
  if (!own || own.nz !== nz) own = views(new ArrayBuffer(scratchLayout(cap).bytes), 0, nz, cap, null);
  return own;
}

/**
 * `np.nanmedian(cube, axis=0)` for pixels [p0, p1) of a C-ordered (nz, npix) float32 cube
 * into `out[p0..p1)`, by bracketing (nz >= {@link BRACKET_MIN_AXIS}; the caller picks the
 * kernel). Bit-identical to the transposing kernel. `thread` (0 for the calling thread,
 * 1.. for helpers) picks this thread's scratch in the cube's memory.
 */
export function nanmedianBracketRange(cube: Float32Array, nz: number, npix: number, p0: number, p1: number, out: Float32Array, thread = 0): Float32Array {
  const s = scratchFor(cube, nz, thread);
  const { cap, buf, lo, hi, below, inside, above } = s;
  const samples = Math.ceil(nz / SAMPLE_STEP);
  if (sample.length < BLOCK * samples) sample = new Float32Array(BLOCK * samples);
  if (col.length < nz) col = new Float32Array(nz);
  const failed = new Int32Array(BLOCK);
  const small = nz < 600;
  for (let pb = p0; pb < p1; pb += BLOCK) {
    const bw = Math.min(BLOCK, p1 - pb);
    // 1. The sample: non-NaN values of every SAMPLE_STEP-th plane, per pixel.
    below.fill(0, 0, bw); // used as the sample counts for now
    for (let z = 0; z < nz; z += SAMPLE_STEP) {
      const row = z * npix + pb;
      for (let j = 0; j < bw; j++) {
        const v = cube[row + j]!;
        if (v === v) {
          const c = below[j]!;
          sample[j * samples + c] = v;
          below[j] = c + 1;
        }
      }
    }
    for (let j = 0; j < bw; j++) setBracket(sample, j * samples, below[j]!, BRACKET_SIGMAS, lo, hi, j);
    // 2. One pass over every plane: counts below and above, values inside appended.
    below.fill(0, 0, bw);
    inside.fill(0, 0, bw);
    above.fill(0, 0, bw);
    const bw4 = s.wasm ? bw & ~3 : 0;
    if (bw4) bracketPassWasm(s.wasm!.memory, npix, nz, pb, bw4, s.wasm!.offset, s.layout, cap);
    if (bw4 < bw) countPassJs(cube, pb, npix, nz, bw4, bw, lo, hi, below, inside, above, 0, buf, cap);
    // 3. The median from the bracket, or from the whole column.
    let nFailed = 0;
    for (let j = 0; j < bw; j++) {
      if (!medianFromBracket(buf, j * cap, cap, below[j]!, inside[j]!, above[j]!, lo[j]!, hi[j]!, small, out, pb + j)) failed[nFailed++] = j;
    }
    for (let f = 0; f < nFailed; f++) {
      const p = pb + failed[f]!;
      let n = 0;
      for (let z = 0; z < nz; z++) {
        const v = cube[z * npix + p]!;
        if (v === v) col[n++] = v;
      }
      out[p] = medianOfValues(col, n, small);
    }
  }
  return out;
}

