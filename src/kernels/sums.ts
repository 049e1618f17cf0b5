/**
 * numpy's float summation orders, reproduced exactly, so that sums (and therefore
 * everything the notebook derives from them) match numpy bit for bit.
 *
 * What numpy really does (verified on numpy 1.24.2 and 2.4.6, see test/py/kernels_gen.py):
 * - `np.sum(a)` of a contiguous 1-D array, and `np.sum(a2d, axis=-1)` of a C-contiguous
 *   array per row: the result starts at +0.0 and adds numpy's pairwise sum of the data.
 *   numpy <= 2.2 (verified 1.24) feeds the data to the pairwise sum in 8192-element blocks
 *   (the iterator buffer size) and adds the block sums sequentially; numpy >= 2.3
 *   (gh-27883, verified 2.4) passes the whole row at once. The two differ only for rows
 *   longer than 8192 elements.
 * - `a.sum(axis=k)` along a non-innermost axis (e.g. `cube.sum(axis=0)` of a C-ordered
 *   (50, ny, nx) cube): no pairwise summation at all, a plain sequential sum per output
 *   element starting at +0.0, on both versions (also for big-endian FITS data).
 * - Beware layouts: the notebook's `sfh[:, mask]` (a boolean mask over the pixel axes) is
 *   Fortran-ordered (strides (8, 400)), so its `np.sum(..., axis=1)` is sequential too.
 */

import { type NDArray, sizeOf } from '../ndarray.ts';

/** numpy <= 2.2 sums contiguous data in blocks of this many elements (the nditer buffer). */
export const NUMPY1_SUM_BLOCK = 8192;

/** Pass as `block` to reproduce numpy >= 2.3, which sums a whole contiguous row at once. */
export const NUMPY2_SUM_BLOCK = Number.POSITIVE_INFINITY;

/**
 * numpy's `pairwise_sum` for float64 (`DOUBLE_pairwise_sum`): fewer than 8 elements are
 * summed sequentially from +0.0; up to 128 with eight interleaved accumulators combined as
 * ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) plus the remainder; longer runs are split at half
 * the length rounded down to a multiple of 8 and summed recursively. Elements are
 * `data[offset + i * stride]`, i < n.
 */
export function pairwiseSum(data: Float64Array, offset: number, n: number, stride: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += data[offset + i * stride]!;
    return res;
  }
  if (n <= 128) {
    let r0 = data[offset]!;
    let r1 = data[offset + stride]!;
    let r2 = data[offset + 2 * stride]!;
    let r3 = data[offset + 3 * stride]!;
    let r4 = data[offset + 4 * stride]!;
    let r5 = data[offset + 5 * stride]!;
    let r6 = data[offset + 6 * stride]!;
    let r7 = data[offset + 7 * stride]!;
    const end = n - (n % 8);
    let i = 8;
    for (; i < end; i += 8) {
      const b = offset + i * stride;
      r0 += data[b]!;
      r1 += data[b + stride]!;
      r2 += data[b + 2 * stride]!;
      r3 += data[b + 3 * stride]!;
      r4 += data[b + 4 * stride]!;
      r5 += data[b + 5 * stride]!;
      r6 += data[b + 6 * stride]!;
      r7 += data[b + 7 * stride]!;
    }
    // prettier-ignore
    let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < n; i++) res += data[offset + i * stride]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(data, offset, n2, stride) + pairwiseSum(data, offset + n2 * stride, n - n2, stride);
}

/**
 * numpy's `FLOAT_pairwise_sum`: the same order as {@link pairwiseSum}, accumulating in
 * float32 (every addition rounded with Math.fround), as numpy does for float32 input.
 * Returns a float32 value held in a JS number.
 */
export function pairwiseSumF32(data: Float32Array, offset: number, n: number, stride: number): number {
  const f = Math.fround;
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = f(res + data[offset + i * stride]!);
    return res;
  }
  if (n <= 128) {
    let r0 = data[offset]!;
    let r1 = data[offset + stride]!;
    let r2 = data[offset + 2 * stride]!;
    let r3 = data[offset + 3 * stride]!;
    let r4 = data[offset + 4 * stride]!;
    let r5 = data[offset + 5 * stride]!;
    let r6 = data[offset + 6 * stride]!;
    let r7 = data[offset + 7 * stride]!;
    const end = n - (n % 8);
    let i = 8;
    for (; i < end; i += 8) {
      const b = offset + i * stride;
      r0 = f(r0 + data[b]!);
      r1 = f(r1 + data[b + stride]!);
      r2 = f(r2 + data[b + 2 * stride]!);
      r3 = f(r3 + data[b + 3 * stride]!);
      r4 = f(r4 + data[b + 4 * stride]!);
      r5 = f(r5 + data[b + 5 * stride]!);
      r6 = f(r6 + data[b + 6 * stride]!);
      r7 = f(r7 + data[b + 7 * stride]!);
    }
    let res = f(f(f(r0 + r1) + f(r2 + r3)) + f(f(r4 + r5) + f(r6 + r7)));
    for (; i < n; i++) res = f(res + data[offset + i * stride]!);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return f(pairwiseSumF32(data, offset, n2, stride) + pairwiseSumF32(data, offset + n2 * stride, n - n2, stride));
}

/**
 * `np.sum` of n float64 elements along the innermost (contiguous) axis: +0.0 plus the
 * pairwise sums of consecutive `block`-element runs, added in order. `block` is
 * {@link NUMPY1_SUM_BLOCK} for numpy <= 2.2 (the notebook's numpy 1.24) or
 * {@link NUMPY2_SUM_BLOCK} for numpy >= 2.3.
 */
export function numpySum(data: Float64Array, offset: number, n: number, stride: number, block: number): number {
  let res = 0;
  for (let i = 0; i < n; i += block) {
    const m = Math.min(block, n - i);
    res += pairwiseSum(data, offset + i * stride, m, stride);
  }
  return res;
}

/** The float32 counterpart of {@link numpySum} (numpy's float32 `np.sum`, result float32). */
export function numpySumF32(data: Float32Array, offset: number, n: number, stride: number, block: number): number {
  let res = 0;
  for (let i = 0; i < n; i += block) {
    const m = Math.min(block, n - i);
    res = Math.fround(res + pairwiseSumF32(data, offset + i * stride, m, stride));
  }
  return res;
}

/**
 * numpy's `a.sum(axis=1)` for a C-ordered float64 array of shape (nOuter, nAxis, nInner)
 * with nInner > 1 (the summed axis is not the innermost one): each output element is a
 * sequential sum from +0.0 over the axis, which is what numpy's reduction iterator does.
 * `cube.sum(axis=0)` is nOuter = 1. `out` has nOuter * nInner elements.
 * (With nInner == 1 numpy sums pairwise instead: use {@link numpySum} with stride 1.)
 */
export function sumMiddleAxis(
  data: Float64Array,
  nOuter: number,
  nAxis: number,
  nInner: number,
  out: Float64Array,
): Float64Array {
  for (let o = 0; o < nOuter; o++) {
    const ob = o * nInner;
    out.fill(0, ob, ob + nInner);
    for (let a = 0; a < nAxis; a++) {
      const ib = (o * nAxis + a) * nInner;
      for (let p = 0; p < nInner; p++) out[ob + p] = out[ob + p]! + data[ib + p]!;
    }
  }
  return out;
}

/**
 * numpy's `arr.sum(axis)` for a C-ordered float64 array, in numpy's own summation order:
 * pairwise per row when the summed axis is innermost (after dropping trailing length-1
 * axes), sequential otherwise. `axis` undefined sums everything (numpy treats a contiguous
 * array as one row). Returns the reduced array (shape without `axis`; `[]` for a total).
 */
export function numpySumAxis(
  arr: NDArray<Float64Array>,
  axis?: number,
  options: { block?: number } = {},
): NDArray<Float64Array> {
  const block = options.block ?? NUMPY1_SUM_BLOCK;
  if (!(arr.data instanceof Float64Array)) {
    throw new TypeError('numpySumAxis: `arr.data` must be a Float64Array.');
  }
  if (!(block >= 1) || !(Number.isInteger(block) || block === Number.POSITIVE_INFINITY)) {
    throw new RangeError(`numpySumAxis: \`block\` must be a positive integer or Infinity. Value: \`${block}\`.`);
  }
  const size = sizeOf(arr.shape);
  if (size !== arr.data.length) {
    throw new RangeError(`numpySumAxis: shape [${arr.shape.join(', ')}] holds ${size} elements, but the data has ${arr.data.length}.`);
  }
  if (axis === undefined) {
    return { data: Float64Array.of(numpySum(arr.data, 0, size, 1, block)), shape: [] };
  }
  const nd = arr.shape.length;
  if (!Number.isInteger(axis) || axis < -nd || axis >= nd) {
    throw new RangeError(`numpySumAxis: \`axis\` must be an integer in [${-nd}, ${nd - 1}]. Value: \`${axis}\`.`);
  }
  const ax = axis < 0 ? axis + nd : axis;
  const nOuter = sizeOf(arr.shape.slice(0, ax));
  const nAxis = arr.shape[ax]!;
  const nInner = sizeOf(arr.shape.slice(ax + 1));
  const shape = [...arr.shape.slice(0, ax), ...arr.shape.slice(ax + 1)];
  const out = new Float64Array(nOuter * nInner);
  if (nInner === 1) {
    for (let o = 0; o < nOuter; o++) out[o] = numpySum(arr.data, o * nAxis, nAxis, 1, block);
  } else {
    sumMiddleAxis(arr.data, nOuter, nAxis, nInner, out);
  }
  return { data: out, shape };
}
