/**
 * `np.nanmedian(cube, axis=0)` for a float32 cube, bit-exact, at numpy speed: the mass map
 * is a ratio of two such medians over ~3700 wavelength planes per pixel.
 *
 * numpy's arithmetic, reproduced: NaNs are dropped; an empty column gives NaN; otherwise
 * the median is the float32 sum +0 + lo + hi divided by 2, where lo, hi are the two middle
 * order statistics (lo = hi for an odd count). Two code paths in numpy decide what "odd"
 * means: for fewer than 600 planes (`_nanmedian_small`, masked arrays) an odd median is
 * also (x + x) / 2 in float32, which overflows to inf above 1.7e38; from 600 planes on
 * (`_nanmedian1d` + `np.median`) it is +0 + x. A zero median is always +0.0.
 * The all-NaN result is the canonical NaN (numpy >= 600 planes returns the column's last
 * NaN, payload bits included; only the payload can differ).
 *
 * Method, for long axes (from {@link BRACKET_MIN_AXIS} planes: MUSE's ~3700): the bracketing
 * selection of src/kernels/bracket-median.ts, one pass over the cube. For short axes:
 * pixels are processed in blocks; each block is transposed into a scratch buffer plane by
 * plane (sequential reads of the cube), dropping NaNs, then each column's middle is found
 * with Floyd-Rivest selection (falling back to a sort if partitioning degenerates) — no
 * full sort. Both give the same bits.
 */
import { BRACKET_MIN_AXIS, nanmedianBracketRange } from './bracket-median.ts';
import { numpyMiddle, selectInPlace } from './select.ts';

/** numpy switches from its masked-array nanmedian to the per-column one at this axis length. */
export const NANMEDIAN_SMALL_AXIS = 600;

const SCRATCH_TARGET_FLOATS = 1 << 18; // ~1 MiB of float32 per block: stays in L2

/**
 * `np.nanmedian(cube, axis=0)` restricted to pixels [p0, p1): `cube` is a C-ordered
 * (nz, npix) float32 array, `out[p]` receives the median of column p (out has npix
 * elements; only [p0, p1) is written). Lets callers split the pixels across worker
 * threads. `scratch` (optional, reused between calls; short axes only) must hold at least
 * {@link nanmedianScratchSize}(nz) floats. `thread` numbers the caller among the threads
 * sharing a cube memory (src/kernels/wasm/median.ts), so each uses its own scratch there.
 */
export function nanmedianAxis0F32Range(
  cube: Float32Array,
  nz: number,
  npix: number,
  p0: number,
  p1: number,
  out: Float32Array,
  scratch?: Float32Array,
  thread = 0,
): Float32Array {
  if (nz >= BRACKET_MIN_AXIS) return nanmedianBracketRange(cube, nz, npix, p0, p1, out, thread);
  return nanmedianTransposeRange(cube, nz, npix, p0, p1, out, scratch);
}

/**
 * The transposing kernel behind {@link nanmedianAxis0F32Range}, for any axis length (the
 * tests compare it with the bracketing one on long axes).
 */
export function nanmedianTransposeRange(
  cube: Float32Array,
  nz: number,
  npix: number,
  p0: number,
  p1: number,
  out: Float32Array,
  scratch?: Float32Array,
): Float32Array {
  const block = nanmedianBlockWidth(nz);
  const buf = scratch ?? new Float32Array(nanmedianScratchSize(nz));
  const counts = new Int32Array(block);
  const small = nz < NANMEDIAN_SMALL_AXIS;
  for (let pb = p0; pb < p1; pb += block) {
    const bw = Math.min(block, p1 - pb);
    counts.fill(0);
    for (let z = 0; z < nz; z++) {
      const rb = z * npix + pb;
      for (let j = 0; j < bw; j++) {
        const v = cube[rb + j]!;
        if (v === v) {
          const c = counts[j]!;
          buf[j * nz + c] = v;
          counts[j] = c + 1;
        }
      }
    }
    for (let j = 0; j < bw; j++) {
      const n = counts[j]!;
      if (n === 0) {
        out[pb + j] = NaN;
        continue;
      }
      const lo = j * nz;
      const k = lo + (n >> 1);
      const hi = selectInPlace(buf, lo, lo + n - 1, k);
      let below = hi;
      if (!(n & 1)) {
        below = buf[lo]!;
        for (let i = lo + 1; i < k; i++) if (buf[i]! > below) below = buf[i]!;
      }
      out[pb + j] = numpyMiddle(n, below, hi, small);
    }
  }
  return out;
}

/** Pixels per block for an axis of nz planes (the transposed block stays ~1 MiB). */
export function nanmedianBlockWidth(nz: number): number {
  return Math.max(8, Math.min(256, Math.floor(SCRATCH_TARGET_FLOATS / Math.max(1, nz))));
}

/** Scratch floats {@link nanmedianAxis0F32Range} needs for an axis of nz planes. */
export function nanmedianScratchSize(nz: number): number {
  return nanmedianBlockWidth(nz) * nz;
}

/**
 * `np.nanmedian(cube, axis=0)` of a C-ordered (nz, npix) float32 array (npix = ny * nx),
 * bit-exact with numpy; returns `out` (allocated if omitted).
 */
export function nanmedianAxis0F32(cube: Float32Array, nz: number, npix: number, out?: Float32Array): Float32Array {
  return nanmedianAxis0F32Range(cube, nz, npix, 0, npix, out ?? new Float32Array(npix));
}

/**
 * Checked entry point: `np.nanmedian(cube, axis=0)` of a C-ordered (nz, npix) float32
 * array (npix = ny * nx for a cube), as a new Float32Array of npix medians.
 */
export function nanmedianAxis0(cube: Float32Array, nz: number, npix: number): Float32Array {
  if (!(cube instanceof Float32Array)) {
    throw new TypeError('nanmedianAxis0: `cube` must be a Float32Array (numpy float32); convert other dtypes first.');
  }
  for (const [name, v] of [['nz', nz], ['npix', npix]] as const) {
    if (!Number.isInteger(v) || v < 0) {
      throw new RangeError(`nanmedianAxis0: \`${name}\` must be a non-negative integer. Value: \`${v}\`.`);
    }
  }
  if (nz * npix !== cube.length) {
    throw new RangeError(`nanmedianAxis0: \`cube\` must hold nz*npix = ${nz * npix} values. Length: ${cube.length}.`);
  }
  return nanmedianAxis0F32(cube, nz, npix);
}
