/**
 * The counting pass of the bracketing nanmedian in WebAssembly SIMD (median.wat), over a
 * shared WebAssembly memory that the cube is read into: the threads computing the medians
 * instantiate the module over the same memory, so the cube is neither copied into the
 * module nor between threads. After the cube, the memory holds each thread's scratch (the
 * brackets, counts and per-pixel buffers), which JavaScript reads through typed views.
 *
 * Why: the pass reads every value of the cube once and compares it with the pixel's
 * bracket; V8 compiles those comparisons to branches that mispredict on about every other
 * value (~7 ns per value), the SIMD version compares four pixels at once without a branch.
 */
import { noteLargeBuffer } from '../../gc.ts';
import { MEDIAN_WASM_BASE64 } from './median-wasm.ts';

// The slice of the WebAssembly JS API used here (lib "dom" has it; @types/node 20 does not).
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: object);
    readonly exports: unknown;
  }
  class Memory {
    constructor(d: { initial: number; maximum: number; shared: boolean });
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
  }
}

/** A WebAssembly memory made for a cube: the shared memory itself, typed as it is passed around. */
export type CubeMemory = object;

/** The threads that may compute medians over one cube memory at once (each its own scratch). */
export const MEDIAN_THREADS_MAX = 2;

/** Pixels per block of the bracketing kernel (the per-pixel state stays in L1, the buffers in L2). */
export const BRACKET_BLOCK = 128;

/** The layout of one thread's scratch, by byte offset from its start. */
export interface ScratchLayout {
  readonly lo: number;
  readonly hi: number;
  readonly below: number;
  readonly inside: number;
  readonly above: number;
  readonly buf: number;
  readonly bytes: number;
}

/** One thread's scratch for blocks of {@link BRACKET_BLOCK} pixels and buffers of `cap` values. */
export function scratchLayout(cap: number): ScratchLayout {
  const state = BRACKET_BLOCK * 4;
  return { lo: 0, hi: state, below: 2 * state, inside: 3 * state, above: 4 * state, buf: 5 * state, bytes: 5 * state + BRACKET_BLOCK * cap * 4 };
}

const PAGE = 65536;
/** A 32-bit WebAssembly memory holds at most 4 GiB. */
const MAX_PAGES = 65536;
const memories = new WeakMap<ArrayBufferLike, { memory: CubeMemory; scratch0: number; scratchBytes: number }>();

/**
 * A Float32Array of `length` values in a new shared WebAssembly memory, followed by scratch
 * of `scratchBytes` for each of {@link MEDIAN_THREADS_MAX} threads; null when the memory
 * cannot be made (beyond 4 GiB, or refused), and the caller uses a SharedArrayBuffer instead.
 */
export function cubeInWasmMemory(length: number, scratchBytes: number): Float32Array | null {
  const scratch0 = Math.ceil((length * 4) / 64) * 64;
  const pages = Math.ceil((scratch0 + MEDIAN_THREADS_MAX * scratchBytes) / PAGE);
  if (pages > MAX_PAGES) return null;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: Math.max(1, pages), maximum: Math.max(1, pages), shared: true });
  } catch {
    return null;
  }
  memories.set(memory.buffer, { memory, scratch0, scratchBytes });
  noteLargeBuffer(pages * PAGE);
  return new Float32Array(memory.buffer, 0, length);
}

/** The memory and this thread's scratch offset, when `buffer` is a cube memory (see {@link cubeInWasmMemory}). */
export function cubeMemoryOf(buffer: ArrayBufferLike): { memory: CubeMemory; scratch0: number; scratchBytes: number } | undefined {
  return memories.get(buffer);
}

/** Registers a cube memory received from another thread, so {@link cubeMemoryOf} finds it here too. */
export function adoptCubeMemory(memory: CubeMemory, scratch0: number, scratchBytes: number): ArrayBufferLike {
  const buffer = (memory as WebAssembly.Memory).buffer;
  if (!memories.has(buffer)) memories.set(buffer, { memory, scratch0, scratchBytes });
  return buffer;
}

interface Exports {
  pass(cube: number, npix: number, nz: number, pb: number, bw: number, lo: number, hi: number, below: number, inside: number, above: number, buf: number, cap: number): void;
}

let module: WebAssembly.Module | undefined;
const instances = new WeakMap<CubeMemory, Exports>();

/**
 * The counting pass over planes 0..nz of pixels [pb, pb + bw) (bw a multiple of 4) of the
 * cube at byte 0 of `memory`, with the scratch at byte `scratch` laid out by `layout`
 * (counts zeroed by the caller).
 */
export function bracketPassWasm(memory: CubeMemory, npix: number, nz: number, pb: number, bw: number, scratch: number, layout: ScratchLayout, cap: number): void {
  let x = instances.get(memory);
  if (!x) {
    module ??= new WebAssembly.Module(Buffer.from(MEDIAN_WASM_BASE64, 'base64'));
    x = new WebAssembly.Instance(module, { env: { memory } }).exports as Exports;
    instances.set(memory, x);
  }
  x.pass(0, npix, nz, pb, bw, scratch + layout.lo, scratch + layout.hi, scratch + layout.below, scratch + layout.inside, scratch + layout.above, scratch + layout.buf, cap);
}
