/**
 * The one array type every layer shares: a C-ordered (row-major, last axis fastest, as
 * numpy) view over a typed array. FITS byte order, BITPIX and scaling never leak into it.
 */

/** Typed arrays an {@link NDArray} may hold. */
export type TypedArray =
  | Float64Array
  | Float32Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array;

/** numpy-style dtype names, used for `.npy` files and FITS BITPIX mapping. */
export type DType = 'float64' | 'float32' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64';

/**
 * A dense C-ordered array. `shape` is numpy's order: for a MUSE cube `[nwave, ny, nx]`,
 * so `data[(w * ny + y) * nx + x]` is wavelength `w` at pixel `(x, y)`.
 */
export interface NDArray<T extends TypedArray = TypedArray> {
  readonly data: T;
  readonly shape: readonly number[];
}

/** Number of elements of a shape (1 for a 0-d shape). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** The dtype name of a typed array. */
export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  return 'int64';
}

/** Wraps a typed array as an NDArray, checking that the shape fits it. */
export function ndarray<T extends TypedArray>(data: T, shape: readonly number[]): NDArray<T> {
  const n = sizeOf(shape);
  if (n !== data.length) {
    throw new RangeError(`shape [${shape.join(', ')}] holds ${n} elements, but the data has ${data.length}`);
  }
  return { data, shape: [...shape] };
}
