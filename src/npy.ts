/**
 * numpy's `.npy` format (versions 1.0, 2.0 and 3.0 read; 1.0 or 2.0 written), so every
 * cached array opens with `np.load` and test fixtures made by numpy load here. Writes are
 * little-endian C order with numpy's own header layout (padded to 64 bytes); reads accept
 * either byte order and return native arrays.
 */
import { type DType, dtypeOf, type NDArray, sizeOf, type TypedArray } from './ndarray.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;

interface DTypeInfo {
  readonly dtype: DType;
  readonly size: number;
  readonly make: (n: number) => TypedArray;
}

const DTYPES: Record<string, DTypeInfo> = {
  f8: { dtype: 'float64', size: 8, make: (n) => new Float64Array(n) },
  f4: { dtype: 'float32', size: 4, make: (n) => new Float32Array(n) },
  i1: { dtype: 'int8', size: 1, make: (n) => new Int8Array(n) },
  u1: { dtype: 'uint8', size: 1, make: (n) => new Uint8Array(n) },
  b1: { dtype: 'uint8', size: 1, make: (n) => new Uint8Array(n) },
  i2: { dtype: 'int16', size: 2, make: (n) => new Int16Array(n) },
  u2: { dtype: 'uint16', size: 2, make: (n) => new Uint16Array(n) },
  i4: { dtype: 'int32', size: 4, make: (n) => new Int32Array(n) },
  u4: { dtype: 'uint32', size: 4, make: (n) => new Uint32Array(n) },
  i8: { dtype: 'int64', size: 8, make: (n) => new BigInt64Array(n) },
};

const DESCR: Record<DType, string> = {
  float64: '<f8',
  float32: '<f4',
  int8: '|i1',
  uint8: '|u1',
  int16: '<i2',
  uint16: '<u2',
  int32: '<i4',
  uint32: '<u4',
  int64: '<i8',
};

/** numpy's header dict text for a little-endian C-ordered array. */
function headerDict(descr: string, shape: readonly number[]): string {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
}

/**
 * Encodes an array as a `.npy` file: version 1.0 (2.0 when the header exceeds 65535
 * bytes), header padded with spaces and a newline so the data starts on a 64-byte
 * boundary, data little-endian in C order.
 */
export function encodeNpy(arr: NDArray): Buffer {
  const n = sizeOf(arr.shape);
  if (n !== arr.data.length) {
    throw new RangeError(`encodeNpy: shape [${arr.shape.join(', ')}] holds ${n} elements, but the data has ${arr.data.length}.`);
  }
  const dict = headerDict(DESCR[dtypeOf(arr.data)], arr.shape);
  let version = 1;
  let prefix = 10;
  let total = Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN;
  if (total - prefix > 0xffff) {
    version = 2;
    prefix = 12;
    total = Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN;
  }
  const headerLen = total - prefix;
  const bytes = arr.data.byteLength;
  const out = Buffer.alloc(total + bytes);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  if (version === 1) out.writeUInt16LE(headerLen, 8);
  else out.writeUInt32LE(headerLen, 8);
  out.write(dict.padEnd(headerLen - 1, ' ') + '\n', prefix, 'latin1');
  const src = Buffer.from(arr.data.buffer, arr.data.byteOffset, bytes);
  src.copy(out, total);
  if (!LITTLE_ENDIAN) swapInPlace(out.subarray(total), arr.data.BYTES_PER_ELEMENT);
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function swapInPlace(buf: Buffer, size: number): void {
  if (size === 2) buf.swap16();
  else if (size === 4) buf.swap32();
  else if (size === 8) buf.swap64();
}

/** Thrown for bytes that are not a `.npy` this module can read; says what was expected. */
export class NpyError extends Error {
  override readonly name = 'NpyError';
}

/**
 * Decodes a `.npy` file (versions 1-3; any byte order; dtypes f8 f4 i1 u1 b1 i2 u2 i4 u4
 * i8; C order) into a native-endian NDArray. The data is copied, so the result does not
 * keep `buf` alive and is correctly aligned.
 */
export function decodeNpy(buf: Uint8Array): NDArray {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 10 || MAGIC.some((m, i) => b[i] !== m)) {
    throw new NpyError('decodeNpy: not a .npy file (expected the magic bytes \\x93NUMPY at the start)');
  }
  const major = b[6]!;
  let headerLen: number;
  let prefix: number;
  if (major === 1) {
    headerLen = b.readUInt16LE(8);
    prefix = 10;
  } else if (major === 2 || major === 3) {
    if (b.length < 12) throw new NpyError('decodeNpy: truncated .npy header');
    headerLen = b.readUInt32LE(8);
    prefix = 12;
  } else {
    throw new NpyError(`decodeNpy: unsupported .npy version ${major}.${b[7]} (expected 1.0, 2.0 or 3.0)`);
  }
  if (b.length < prefix + headerLen) throw new NpyError('decodeNpy: truncated .npy header');
  const header = b.toString(major === 3 ? 'utf8' : 'latin1', prefix, prefix + headerLen);
  const descr = /'descr'\s*:\s*'([<>|=])([a-z]\d+)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shapeM) {
    throw new NpyError(`decodeNpy: header is not a numpy dict with descr, fortran_order and shape: ${header.trim()}`);
  }
  const info = DTYPES[descr[2]!];
  if (!info) {
    throw new NpyError(`decodeNpy: dtype '${descr[1]}${descr[2]}' is not supported (expected one of ${Object.keys(DTYPES).join(', ')})`);
  }
  if (fortran[1] === 'True') {
    throw new NpyError('decodeNpy: Fortran-ordered arrays are not supported (save with np.ascontiguousarray first)');
  }
  const shape = shapeM[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new NpyError(`decodeNpy: bad shape (${shapeM[1]})`);
  }
  const n = sizeOf(shape);
  const start = prefix + headerLen;
  const bytes = n * info.size;
  if (b.length < start + bytes) {
    throw new NpyError(`decodeNpy: truncated data (expected ${bytes} bytes after the header, found ${b.length - start})`);
  }
  const data = info.make(n);
  const dst = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  b.copy(dst, 0, start, start + bytes);
  const bigEndian = descr[1] === '>' || (descr[1] === '=' && !LITTLE_ENDIAN);
  if (info.size > 1 && bigEndian === LITTLE_ENDIAN) swapInPlace(dst, info.size);
  return { data, shape };
}
