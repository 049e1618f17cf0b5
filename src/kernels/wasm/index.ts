/**
 * The WebAssembly SIMD kernels of emd.wat: one instance per thread (a stage worker or the
 * main thread), created on first use, with a memory that grows to the largest problem seen
 * and is reused by every later call. Callers lay out their rows with {@link EmdWasm.layout}
 * and work through typed-array views of the memory, which are valid until the next
 * `layout` (growing the memory detaches them).
 *
 * Why WebAssembly: V8 compiles the JavaScript EMD to one scalar operation per element;
 * a 128-bit lane does two float64 at once with the same IEEE operation, so the results are
 * bit-identical and the assignment round runs ~3x faster (bench: `cluster stage alone`).
 * Compiling 3 KB takes well under a millisecond, and the module is optimised from its
 * first call, which matters for a fresh worker's single clustering.
 */
import { EMD_WASM_BASE64 } from './emd-wasm.ts';

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
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Global {
    value: unknown;
  }
}

/** Bytes of one row: 50 float64 (a pixel's or a centroid's weights or CDF). */
export const ROW_BYTES = 400;

/** A 32-bit WebAssembly memory holds at most 4 GiB (65536 pages of 64 KiB). */
export const WASM_MAX_BYTES = 65536 * 65536;

interface Exports {
  readonly memory: WebAssembly.Memory;
  readonly objective: WebAssembly.Global;
  emd(a: number, b: number): number;
  assign(pix: number, n: number, cen: number, kept: number, labels: number): number;
  accumulateAll(rows: number, labels: number, mass: number, n: number, out: number): void;
  pairSums(cdfs: number, labels: number, n: number, groups: number, sums: number): void;
}

/** A region of the memory, by byte offset. */
export interface Region {
  readonly offset: number;
  readonly bytes: number;
}

/** The kernels, and typed views of their memory. */
export class EmdWasm {
  readonly #x: Exports;
  constructor(x: Exports) {
    this.#x = x;
  }
  /**
   * Places regions of the given sizes one after the other (each on a 16-byte boundary),
   * growing the memory when needed. Views taken before are invalid afterwards.
   */
  layout(...sizes: number[]): Region[] {
    const regions: Region[] = [];
    let at = 0;
    for (const bytes of sizes) {
      regions.push({ offset: at, bytes });
      at += Math.ceil(bytes / 16) * 16;
    }
    if (at > WASM_MAX_BYTES) {
      // ~5 million clustered pixels (800 bytes each): 60x a full MUSE field. A reason and a
      // hint make the engine report it as the user's to fix, not as a crash (toFailure).
      throw Object.assign(new RangeError(`the EMD kernels need ${Math.ceil(at / 2 ** 20)} MiB for this map, beyond WebAssembly's 4 GiB memory`), {
        reason: 'too-many-pixels',
        hint: 'cluster fewer pixels: bin the cube, cut out the galaxy, or raise minSfhSum',
      });
    }
    const have = this.#x.memory.buffer.byteLength;
    if (at > have) this.#x.memory.grow(Math.ceil((at - have) / 65536));
    return regions;
  }
  f64(r: Region): Float64Array {
    return new Float64Array(this.#x.memory.buffer, r.offset, r.bytes / 8);
  }
  f32(r: Region): Float32Array {
    return new Float32Array(this.#x.memory.buffer, r.offset, r.bytes / 4);
  }
  i32(r: Region): Int32Array {
    return new Int32Array(this.#x.memory.buffer, r.offset, r.bytes / 4);
  }
  /** One assignment round (see emd.wat): the number of labels changed, and the objective. */
  assign(pix: Region, n: number, cen: Region, kept: number, labels: Region): { changed: number; objective: number } {
    const changed = this.#x.assign(pix.offset, n, cen.offset, kept, labels.offset);
    return { changed, objective: this.#x.objective.value as number };
  }
  /** out[labels[v] - 1] += rows[v] * mass[v] for v < n, in pixel order (label 0: none). */
  accumulateAll(rows: Region, labels: Region, mass: Region, n: number, out: Region): void {
    this.#x.accumulateAll(rows.offset, labels.offset, mass.offset, n, out.offset);
  }
  /** The silhouette's per-pixel, per-group distance sums (sums zeroed by the caller). */
  pairSums(cdfs: Region, labels: Region, n: number, groups: number, sums: Region): void {
    this.#x.pairSums(cdfs.offset, labels.offset, n, groups, sums.offset);
  }
  /** EMD between two CDF rows (tests). */
  emd(a: number, b: number): number {
    return this.#x.emd(a, b);
  }
}

let instance: EmdWasm | null = null;

/** This thread's kernels. */
export function emdWasm(): EmdWasm {
  if (instance === null) {
    const module = new WebAssembly.Module(Buffer.from(EMD_WASM_BASE64, 'base64'));
    instance = new EmdWasm(new WebAssembly.Instance(module, {}).exports as unknown as Exports);
  }
  return instance;
}
