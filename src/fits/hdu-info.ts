/**
 * What one HDU is, worked out from its header alone: name, BITPIX, numpy shape and where its
 * data lies. The data size follows the general FITS rule |BITPIX|/8 * GCOUNT * (PCOUNT +
 * prod NAXISn), so binary tables and random groups are skipped exactly, without reading them.
 */

import { FitsError } from './errors.ts';
import type { Header } from './header.ts';

/** FITS block size: headers and data are padded to a multiple of it. */
export const BLOCK = 2880;

/** The BITPIX values FITS allows. */
export const VALID_BITPIX: ReadonlySet<number> = new Set([8, 16, 32, 64, -32, -64]);

/** One HDU of an opened file, indexed without reading its data. */
export interface HduInfo {
  /** 0-based position in the file. */
  readonly index: number;
  /** EXTNAME; `'PRIMARY'` for HDU 0 without one; `''` for an unnamed extension. */
  readonly name: string;
  /** `''` for the primary HDU, else XTENSION (`'IMAGE'`, `'BINTABLE'`, ...). */
  readonly xtension: string;
  readonly header: Header;
  readonly bitpix: number;
  /** numpy order (NAXISn reversed): `[nwave, ny, nx]` for a cube; `[]` when NAXIS = 0. */
  readonly shape: readonly number[];
  /** Byte offset of the first header block. */
  readonly headerOffset: number;
  /** Byte offset of the data (right after the header's last block). */
  readonly dataOffset: number;
  /** Bytes of data the header announces, without the padding to 2880. */
  readonly dataBytes: number;
  /** True for a primary array or IMAGE extension with data (not tables, not tile-compressed images). */
  readonly isImage: boolean;
  /** True for a tile-compressed image (a BINTABLE with ZIMAGE = T). */
  readonly compressed: boolean;
}

/** Rounds a byte count up to whole 2880-byte blocks. */
export function padToBlock(bytes: number): number {
  return Math.ceil(bytes / BLOCK) * BLOCK;
}

/**
 * A size keyword's value: an integer >= `min` (FITS requires the integer type: astropy
 * fails on `BITPIX = -32.0`, so a float is refused rather than guessed at).
 */
function headerInt(header: Header, key: string, min: number, fallback?: number): number {
  const n = header.getNumber(key, fallback);
  const type = header.card(key)?.type ?? 'integer';
  if (type !== 'integer' || !Number.isSafeInteger(n) || n < min) {
    const { file, hdu } = header.source;
    throw new FitsError({
      reason: 'bad-header',
      file,
      detail: type === 'integer' ? `HDU ${hdu}: ${key} = ${n} is not an integer >= ${min}` : `HDU ${hdu}: ${key} = ${n} is written as a ${type}, but FITS requires an integer (astropy cannot open it either)`,
      hint: 'The header is damaged; check it with astropy (fits.open(path).verify()).',
    });
  }
  return n;
}

/**
 * An image or table extension must have GCOUNT = 1, and an image PCOUNT = 0 (FITS 4.0
 * 7.1, 7.3): anything else is a damaged header, which astropy's verify() reports as an
 * error. Refused, since these cards decide where the next HDU starts.
 */
function checkGroupCounts(header: Header, xtension: string, pcount: number, gcount: number): void {
  const wrong = gcount !== 1 ? `GCOUNT = ${gcount}` : pcount !== 0 && xtension !== 'BINTABLE' ? `PCOUNT = ${pcount}` : undefined;
  if (wrong === undefined) return;
  const { file, hdu } = header.source;
  const kind = xtension === '' ? 'a primary image' : `an extension of type ${xtension}`;
  throw new FitsError({
    reason: 'bad-header',
    file,
    detail: `HDU ${hdu}: ${wrong} in ${kind}, which must have ${xtension === 'BINTABLE' ? 'GCOUNT = 1' : 'PCOUNT = 0 and GCOUNT = 1'}; these cards decide where the next HDU starts`,
    hint: 'The header is damaged (astropy\'s verify() reports the same): fetch or regenerate the file.',
  });
}

/** Builds the {@link HduInfo} of HDU `index` from its parsed header and offsets. */
export function describeHdu(index: number, header: Header, headerOffset: number, dataOffset: number): HduInfo {
  const { file, hdu } = header.source;
  const bitpix = headerInt(header, 'BITPIX', -64);
  if (!VALID_BITPIX.has(bitpix)) {
    throw new FitsError({
      reason: 'bad-bitpix',
      file,
      detail: `HDU ${hdu}: BITPIX = ${bitpix} is not one of 8, 16, 32, 64, -32, -64`,
      hint: 'The file is damaged or not FITS; check it with astropy (fits.open(path).verify()).',
    });
  }
  const naxis = headerInt(header, 'NAXIS', 0);
  if (naxis > 999) {
    throw new FitsError({ reason: 'bad-header', file, detail: `HDU ${hdu}: NAXIS = ${naxis} exceeds 999`, hint: 'The header is damaged.' });
  }
  const axes: number[] = [];
  for (let i = 1; i <= naxis; i++) axes.push(headerInt(header, `NAXIS${i}`, 0));
  const xtension = index === 0 ? '' : header.getString('XTENSION', '').trim().toUpperCase();
  const pcount = headerInt(header, 'PCOUNT', 0, 0);
  const gcount = headerInt(header, 'GCOUNT', 0, 1);
  // Random groups (primary HDU, NAXIS1 = 0, GROUPS = T) leave NAXIS1 out of the product.
  const groups = index === 0 && naxis > 0 && axes[0] === 0 && header.get('GROUPS') === true;
  if ((index === 0 && !groups) || ['IMAGE', 'BINTABLE', 'TABLE'].includes(xtension)) checkGroupCounts(header, xtension, pcount, gcount);
  const counted = groups ? axes.slice(1) : axes;
  const elements = naxis === 0 ? 0 : counted.reduce((a, b) => a * b, 1);
  const dataBytes = (Math.abs(bitpix) / 8) * gcount * (pcount + elements);
  if (!Number.isSafeInteger(dataBytes)) {
    throw new FitsError({ reason: 'bad-header', file, detail: `HDU ${hdu}: the data size overflows`, hint: 'The header is damaged.' });
  }
  const compressed = xtension === 'BINTABLE' && header.get('ZIMAGE') === true;
  const imageKind = index === 0 ? !groups : xtension === 'IMAGE';
  const extname = header.get('EXTNAME');
  const name = typeof extname === 'string' ? extname.trim() : index === 0 ? 'PRIMARY' : '';
  return {
    index,
    name,
    xtension,
    header,
    bitpix,
    shape: [...axes].reverse(),
    headerOffset,
    dataOffset,
    dataBytes,
    isImage: imageKind && naxis > 0 && elements > 0,
    compressed,
  };
}
