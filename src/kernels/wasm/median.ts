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
 * A new shared WebAssembly memory of at least `bytes` (whole 64 KiB pages), or null when it
 * cannot be made (beyond 4 GiB, or refused): the caller then uses a SharedArrayBuffer and
 * the JavaScript pass. Noted for src/gc.ts, which does not see WebAssembly memories.
 */
export function sharedWasmMemory(bytes: number): { memory: CubeMemory; buffer: SharedArrayBuffer } | null {
  const pages = Math.ceil(bytes / PAGE);
  if (pages > MAX_PAGES) return null;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: Math.max(1, pages), maximum: Math.max(1, pages), shared: true });
  } catch {
    return null;
  }
  noteLargeBuffer(pages * PAGE);
  return { memory, buffer: memory.buffer as SharedArrayBuffer };
}

/** The buffer of a WebAssembly memory received from another thread. */
export function bufferOf(memory: CubeMemory): SharedArrayBuffer {
  return (memory as WebAssembly.Memory).buffer as SharedArrayBuffer;
}

/**
 * A Float32Array of `length` values in a new shared WebAssembly memory, followed by scratch
 * of `scratchBytes` for each of {@link MEDIAN_THREADS_MAX} threads; null when the memory
 * cannot be made (beyond 4 GiB, or refused), and the caller uses a SharedArrayBuffer instead.
 */
export function cubeInWasmMemory(length: number, scratchBytes: number): Float32Array | null {
  const scratch0 = Math.ceil((length * 4) / 64) * 64;
  const made = sharedWasmMemory(scratch0 + MEDIAN_THREADS_MAX * scratchBytes);
  if (!made) return null;
  memories.set(made.buffer, { memory: made.memory, scratch0, scratchBytes });
  return new Float32Array(made.buffer, 0, length);
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
  bracketPassAt(memory, { cube: 0, npix, nz, pb, bw, lo: scratch + layout.lo, hi: scratch + layout.hi, below: scratch + layout.below, inside: scratch + layout.inside, above: scratch + layout.above, buf: scratch + layout.buf, cap });
}

/** Byte offsets (in a shared memory) and sizes of one call of the counting pass. */
export interface PassPointers extends Omit<ScratchLayout, 'bytes'> {
  /** The first of `nz` planes of `npix` float32 values. */
  readonly cube: number;
  readonly npix: number;
  readonly nz: number;
  /** The block's first pixel (within a plane) and width, a multiple of 4; lo..above: bw brackets and counts, buf: bw buffers of cap float32 each. */
  readonly pb: number;
  readonly bw: number;
  readonly cap: number;
}

/** The counting pass with every pointer given: the streamed kernel's planes are a block of a ring, its state per pixel. */
export function bracketPassAt(memory: CubeMemory, p: PassPointers): void {
  let x = instances.get(memory);
  if (!x) {
    module ??= new WebAssembly.Module(Buffer.from(MEDIAN_WASM_BASE64, 'base64'));
    x = new WebAssembly.Instance(module, { env: { memory } }).exports as Exports;
    instances.set(memory, x);
  }
  x.pass(p.cube, p.npix, p.nz, p.pb, p.bw, p.lo, p.hi, p.below, p.inside, p.above, p.buf, p.cap);
}
