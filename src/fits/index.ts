/**
 * Public face of the FITS module: read image HDUs of any BITPIX, with scaling, from files of
 * any size; write image HDUs that astropy reads back without a warning. Nothing outside
 * `src/fits/` needs to know about byte order, BITPIX, BSCALE/BZERO or 2880-byte blocks.
 *
 *   FitsFile.open(path)            open and index every HDU (headers parsed, data not read)
 *   file.hdus                      every HDU, in file order
 *   file.hdu(sel)                  by 0-based index or EXTNAME (case-insensitive); FitsError 'no-such-hdu'
 *   file.readImage(sel, opts)      physical values as an NDArray in numpy axis order
 *   file.readTable(sel)            a BINTABLE's columns as typed arrays / strings (table.ts)
 *   file.close()
 *   writeFits(path, hdus)          atomic (temporary name, then rename), CHECKSUM/DATASUM in every HDU
 *   inputWarnings(path, policy)    what to tell a user about an input: defects read past, bad checksums
 */
export { FitsError, type FitsErrorReason } from './errors.ts';
export type { Card, CardType, CardValue, FitsComplex, ParsedCard } from './card.ts';
export { Header, type HeaderSource } from './header.ts';
export { formatCard, formatFloat } from './format-card.ts';
export type { HduInfo } from './hdu-info.ts';
export { FitsFile, readFitsImage, type HduSelector, type ReadImageOptions } from './read.ts';
export { decodeTable, parseTform, type ColumnArray, type ColumnData, type FitsTable, type TableColumn } from './table.ts';
export { writeFits, writeFitsSync, type WriteHdu } from './write.ts';
export { encodeChecksum, NEGATIVE_ZERO, OnesComplementSum, onesComplementSum } from './checksum.ts';
export { decodeHeaderText, ENCODED_MARK, encodeHeaderText, needsEncoding, writableCards, type DroppedCard } from './header-text.ts';
export { describeFitsChange } from './compare.ts';
export { CHECKSUM_POLICIES, describeMismatch, inputWarnings, judgeInput, verifyChecksums, type ChecksumPolicy, type HduChecksums } from './checksum-verify.ts';
