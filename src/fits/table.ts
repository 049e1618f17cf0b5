/**
 * Binary tables (XTENSION = 'BINTABLE'), decoded into one typed array per column, as
 * astropy's `hdu.data[name]` gives them: GIST/nGIST write their results this way (the
 * spaxel -> bin table, the SFH weights and their age/metallicity grid).
 *
 * What is read (FITS 4.0, section 7.3):
 * - TFORMn `rT` for T in L X B I J K E D C M A and the variable-length P/Q descriptors
 *   (their heap arrays are read, at THEAP, default NAXIS1 * NAXIS2); rows are big-endian.
 * - TDIMn gives the numpy shape of one cell (reversed, as astropy reports it).
 * - TSCALn/TZEROn: the unsigned conventions (I + 2^15, J + 2^31, B - 128) give Uint16,
 *   Uint32 and Int8 as astropy does; any other scaling of an integer column gives Float64,
 *   of a float column scales in its own precision. TNULLn is not applied (astropy leaves
 *   the stored value in `hdu.data` too).
 * Strings (A) lose trailing blanks and NULs, as astropy's chararray view does.
 */
import { FitsError } from './errors.ts';
import type { Header } from './header.ts';
import type { HduInfo } from './hdu-info.ts';

/** One variable-length cell (P/Q), or the numbers of a fixed-width column. */
export type ColumnArray = Uint8Array | Int8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | Float32Array | Float64Array;

/** The values of one column: `rows * repeat` numbers row-major, strings, or (P/Q) one array per row. */
export type ColumnData = ColumnArray | string[] | ColumnArray[];

/** One column of a binary table. */
export interface TableColumn {
  /** TTYPEn (as written, trailing blanks removed); `col<n>` when absent, as astropy names it. */
  readonly name: string;
  /** TFORMn as written, e.g. `636D`, `J`, `20A`, `1PE(5)`. */
  readonly format: string;
  /** The type letter (L X B I J K E D C M A P Q). */
  readonly code: string;
  /** Elements per cell (characters for A, bits for X). */
  readonly repeat: number;
  /** numpy shape of one cell: TDIMn reversed, else `[repeat]`, or `[]` for a scalar cell (strings: without the width axis). */
  readonly cellShape: readonly number[];
  readonly unit: string | undefined;
  /**
   * Numbers row-major (`data[row * repeat + i]`; complex as re, im pairs; X unpacked to
   * one 0/1 per bit; L as 1 true, 0 false or null), strings for A (one per row when
   * cellShape has at most one axis), one array per row for P/Q.
   */
  readonly data: ColumnData;
}

/** A decoded binary table. */
export interface FitsTable {
  readonly rows: number;
  readonly columns: readonly TableColumn[];
  /** The column of this name (case-insensitive), or a FitsError 'no-such-column' naming those there are. */
  column(name: string): TableColumn;
  /** True when a column of this name exists (case-insensitive). */
  has(name: string): boolean;
}

const WIDTH: Readonly<Record<string, number>> = { L: 1, X: 1, B: 1, I: 2, J: 4, K: 8, A: 1, E: 4, D: 8, C: 8, M: 16, P: 8, Q: 16 };

interface ParsedForm {
  readonly repeat: number;
  readonly code: string;
  /** Element type of a P/Q array. */
  readonly element: string;
  /** Bytes one cell takes in the row. */
  readonly bytes: number;
}

function bad(header: Header, detail: string): FitsError {
  const { file, hdu } = header.source;
  return new FitsError({ reason: 'bad-header', file, detail: `HDU ${hdu}: ${detail}`, hint: 'The table header is damaged or uses a form this reader does not know; check it with astropy (fits.open(path).verify()).' });
}

/** Parses TFORMn (`rT`, `rPt(max)`, `rQt(max)`). */
export function parseTform(form: string, header: Header, n: number): ParsedForm {
  const m = /^\s*(\d*)\s*([LXBIJKAEDCMPQ])\s*([LXBIJKAEDCM]?)(\(\s*\d*\s*\))?.*$/i.exec(form);
  if (!m) throw bad(header, `TFORM${n} = '${form}' is not a binary-table format (rT with T one of L X B I J K A E D C M P Q)`);
  const repeat = m[1] === '' ? 1 : Number(m[1]);
  const code = (m[2] ?? '').toUpperCase();
  const element = (m[3] ?? '').toUpperCase();
  if ((code === 'P' || code === 'Q') && element === '') throw bad(header, `TFORM${n} = '${form}': a variable-length array needs its element type (e.g. 1PE)`);
  const bytes = code === 'X' ? Math.ceil(repeat / 8) : repeat * (WIDTH[code] ?? 0);
  return { repeat, code, element, bytes };
}

/** TDIMn `(a,b,c)` as a numpy shape `[c, b, a]`, or undefined when absent. */
function parseTdim(header: Header, n: number, repeat: number): number[] | undefined {
  const v = header.get(`TDIM${n}`);
  if (typeof v !== 'string') return undefined;
  const m = /^\s*\(([\d\s,]+)\)\s*$/.exec(v);
  if (!m) throw bad(header, `TDIM${n} = '${v}' is not of the form (n1,n2,...)`);
  const dims = (m[1] ?? '').split(',').map((s) => Number(s.trim()));
  const size = dims.reduce((a, b) => a * b, 1);
  if (dims.some((d) => !Number.isInteger(d) || d < 0) || size > repeat) throw bad(header, `TDIM${n} = '${v}' holds ${size} elements, more than the column's repeat count ${repeat}`);
  return dims.reverse();
}

/** The typed array for `n` elements of type letter `code`, with the unsigned conventions applied. */
function decodeNumbers(buf: Buffer, code: string, n: number, at: (i: number) => number, tscal: number, tzero: number): ColumnArray {
  const scaled = tscal !== 1 || tzero !== 0;
  const unsigned = tscal === 1 && ((code === 'I' && tzero === 32768) || (code === 'J' && tzero === 2147483648) || (code === 'B' && tzero === -128));
  const out = ((): ColumnArray => {
    switch (code) {
      case 'L':
      case 'B':
        return new Uint8Array(n);
      case 'I':
        return new Int16Array(n);
      case 'J':
        return new Int32Array(n);
      case 'K':
        return new BigInt64Array(n);
      case 'E':
      case 'C':
        return new Float32Array(n);
      default:
        return new Float64Array(n);
    }
  })();
  for (let i = 0; i < n; i++) {
    const o = at(i);
    switch (code) {
      case 'L': {
        // 'T' true, 'F' false, NUL undefined (astropy reads it as False).
        (out as Uint8Array)[i] = buf[o] === 0x54 ? 1 : 0;
        break;
      }
      case 'B':
        (out as Uint8Array)[i] = buf[o]!;
        break;
      case 'I':
        (out as Int16Array)[i] = buf.readInt16BE(o);
        break;
      case 'J':
        (out as Int32Array)[i] = buf.readInt32BE(o);
        break;
      case 'K':
        (out as BigInt64Array)[i] = buf.readBigInt64BE(o);
        break;
      case 'E':
      case 'C':
        (out as Float32Array)[i] = buf.readFloatBE(o);
        break;
      default:
        (out as Float64Array)[i] = buf.readDoubleBE(o);
    }
  }
  if (code === 'L') return out;
  if (unsigned) {
    if (code === 'I') return Uint16Array.from(out as Int16Array, (x) => x + 32768);
    if (code === 'J') return Uint32Array.from(out as Int32Array, (x) => x + 2147483648);
    return Int8Array.from(out as Uint8Array, (x) => x - 128);
  }
  if (!scaled) return out;
  if (out instanceof Float32Array) return out.map((x) => Math.fround(Math.fround(x * tscal) + tzero));
  if (out instanceof Float64Array) return out.map((x) => x * tscal + tzero);
  return Float64Array.from(out as ArrayLike<number | bigint>, (x) => Number(x) * tscal + tzero);
}

/**
 * Decodes the binary table of `info` from `bytes` (the HDU's data: NAXIS1 * NAXIS2 row
 * bytes followed by the heap). Throws FitsError 'bad-header' for an inconsistent header.
 */
export function decodeTable(info: HduInfo, bytes: Buffer): FitsTable {
  const h = info.header;
  const rowBytes = h.getNumber('NAXIS1', 0);
  const rows = h.getNumber('NAXIS2', 0);
  const fields = h.getNumber('TFIELDS', 0);
  const heapStart = h.getNumber('THEAP', rowBytes * rows);
  const columns: TableColumn[] = [];
  let offset = 0;
  for (let n = 1; n <= fields; n++) {
    const form = h.get(`TFORM${n}`);
    if (typeof form !== 'string') throw bad(h, `TFORM${n} is missing (TFIELDS = ${fields})`);
    const f = parseTform(form, h, n);
    const start = offset;
    offset += f.bytes;
    if (offset > rowBytes) throw bad(h, `the columns up to ${n} take ${offset} bytes, more than the row's NAXIS1 = ${rowBytes}`);
    const ttype = h.get(`TTYPE${n}`);
    const name = typeof ttype === 'string' && ttype.trim() !== '' ? ttype.trimEnd() : `col${n}`;
    const unitCard = h.get(`TUNIT${n}`);
    const unit = typeof unitCard === 'string' ? unitCard.trim() : undefined;
    const tscal = h.getNumber(`TSCAL${n}`, 1);
    const tzero = h.getNumber(`TZERO${n}`, 0);
    const dims = f.code === 'P' || f.code === 'Q' ? undefined : parseTdim(h, n, f.repeat);
    // A character cell's last numpy axis is the string width: `6A` with TDIM (3,2) is two 3-character strings.
    const cellShape = f.code === 'A' ? (dims ?? [f.repeat]).slice(0, -1) : (dims ?? (f.repeat === 1 ? [] : [f.repeat]));
    const rowAt = (r: number): number => r * rowBytes + start;
    let data: ColumnData;
    if (f.code === 'A') {
      // A 2-D character cell (TDIM (w, n)) is n strings of width w; row-major, one per string.
      const width = dims && dims.length > 1 ? (dims[dims.length - 1] ?? f.repeat) : f.repeat;
      const per = width > 0 ? Math.floor(f.repeat / width) : 0;
      const strings: string[] = [];
      for (let r = 0; r < rows; r++) {
        for (let s = 0; s < Math.max(1, per); s++) {
          const a = rowAt(r) + s * width;
          strings.push(bytes.toString('latin1', a, a + width).replace(/[\0 ]+$/, '').replace(/\0.*$/s, ''));
        }
      }
      data = strings;
    } else if (f.code === 'X') {
      const bits = new Uint8Array(rows * f.repeat);
      for (let r = 0; r < rows; r++) for (let b = 0; b < f.repeat; b++) bits[r * f.repeat + b] = (bytes[rowAt(r) + (b >> 3)]! >> (7 - (b & 7))) & 1;
      data = bits;
    } else if (f.code === 'P' || f.code === 'Q') {
      const cells: ColumnArray[] = [];
      const ew = WIDTH[f.element] ?? 1;
      for (let r = 0; r < rows; r++) {
        const o = rowAt(r);
        const count = f.code === 'P' ? bytes.readUInt32BE(o) : Number(bytes.readBigUInt64BE(o));
        const at = f.code === 'P' ? bytes.readUInt32BE(o + 4) : Number(bytes.readBigUInt64BE(o + 8));
        const base = info.dataBytes === 0 ? 0 : heapStart + at;
        const elements = f.element === 'C' || f.element === 'M' ? 2 * count : count;
        const step = f.element === 'C' ? 4 : f.element === 'M' ? 8 : ew;
        if (base + elements * step > bytes.length) throw bad(h, `row ${r} of column ${name} points ${elements * step} bytes into the heap at ${at}, beyond the data (PCOUNT)`);
        cells.push(decodeNumbers(bytes, f.element === 'M' ? 'D' : f.element, elements, (i) => base + i * step, tscal, tzero));
      }
      data = cells;
    } else {
      const complex = f.code === 'C' || f.code === 'M';
      const per = complex ? 2 * f.repeat : f.repeat;
      const step = f.code === 'C' ? 4 : f.code === 'M' ? 8 : (WIDTH[f.code] ?? 1);
      data = decodeNumbers(bytes, f.code === 'M' ? 'D' : f.code, rows * per, (i) => rowAt(Math.floor(i / per)) + (i % per) * step, tscal, tzero);
    }
    columns.push({ name, format: form.trim(), code: f.code, repeat: f.repeat, cellShape, unit, data });
  }
  if (offset !== rowBytes) throw bad(h, `the columns take ${offset} bytes per row, but NAXIS1 = ${rowBytes}`);
  const find = (name: string): TableColumn | undefined => columns.find((c) => c.name.toUpperCase() === name.trim().toUpperCase());
  return {
    rows,
    columns,
    has: (name) => find(name) !== undefined,
    column(name) {
      const c = find(name);
      if (c) return c;
      throw new FitsError({
        reason: 'no-such-column',
        file: h.source.file,
        detail: `HDU ${h.source.hdu} has no column '${name}' (columns: ${columns.map((x) => x.name).join(', ') || 'none'})`,
        hint: 'Check that this is the file you meant.',
      });
    },
  };
}
