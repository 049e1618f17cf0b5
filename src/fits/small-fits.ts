/**
 * Opening a small FITS file whatever its form: a plain file with the random-access reader
 * (read.ts), a gzip-compressed one inflated whole into memory (block-reader.ts). For files
 * of a few MB (an nGIST run's tables) that are read HDU by HDU in any order; a cube is
 * never read this way (src/cube/ streams it).
 */
import { FitsBlockReader } from './block-reader.ts';
import { inputWarnings, judgeInput, type ChecksumPolicy } from './checksum-verify.ts';
import { FitsError, hduLabel } from './errors.ts';
import { findHdu, type HduSelector } from './find-hdu.ts';
import { GunzipByteStream, isGzip } from './gzip.ts';
import type { HduInfo } from './hdu-info.ts';
import { FitsFile } from './read.ts';
import { decodeTable, type FitsTable } from './table.ts';

/** What the table readers use of an open FITS file. */
export interface SmallFits {
  readonly hdus: readonly HduInfo[];
  hdu(sel: HduSelector): HduInfo;
  readTable(sel: HduSelector): FitsTable;
  close(): void;
}

/** Opens `file`: plain as it is, gzip inflated into memory. */
export async function openSmallFits(file: string): Promise<SmallFits> {
  if (!isGzip(file)) return FitsFile.open(file);
  const reader = new FitsBlockReader(file, new GunzipByteStream(file), undefined, 'the gzip-compressed file');
  const data: Buffer[] = [];
  try {
    for (let info = await reader.nextHdu(); info; info = await reader.nextHdu()) {
      const bytes = Buffer.alloc(info.dataBytes);
      await reader.readData(bytes);
      data.push(bytes);
    }
  } finally {
    reader.close();
  }
  return new InflatedFits(file, reader.hdus, data);
}

/** A gzip-compressed FITS file, inflated: every HDU's header and data bytes. */
class InflatedFits implements SmallFits {
  constructor(
    readonly path: string,
    readonly hdus: readonly HduInfo[],
    private readonly data: readonly Buffer[],
  ) {}

  hdu(sel: HduSelector): HduInfo {
    return findHdu(this.hdus, sel, this.path);
  }

  readTable(sel: HduSelector): FitsTable {
    const info = this.hdu(sel);
    if (info.xtension !== 'BINTABLE' || info.compressed) {
      throw new FitsError({ reason: 'not-table', file: this.path, detail: `HDU ${hduLabel(info.index, info.name)} is not a binary table`, hint: 'Pick a BINTABLE HDU.' });
    }
    return decodeTable(info, this.data[info.index]!);
  }

  close(): void {}
}

/**
 * The headers of `file` (plain: all of them; gzip: read in order until `enough` says so,
 * inflating through the data of the HDUs before, e.g. a cube's primary and DATA headers).
 */
export async function fitsHeaders(file: string, enough: (hdus: readonly HduInfo[]) => boolean): Promise<readonly HduInfo[]> {
  if (!isGzip(file)) {
    const f = FitsFile.open(file);
    f.close();
    return f.hdus;
  }
  const reader = new FitsBlockReader(file, new GunzipByteStream(file), undefined, 'the gzip-compressed file');
  try {
    for (let info = await reader.nextHdu(); info && !enough(reader.hdus); info = await reader.nextHdu());
    return reader.hdus;
  } finally {
    reader.close();
  }
}

/**
 * What to tell the user about an input read in other ways (checksum-verify.ts
 * inputWarnings), for a plain or a gzip file: a gzip one is inflated through once more, its
 * checksums summed on the way (the chosen HDUs `hdus`, every one by default).
 */
export async function fitsWarnings(file: string, policy: ChecksumPolicy, hdus?: readonly number[]): Promise<string[]> {
  if (!isGzip(file)) return inputWarnings(file, policy, hdus);
  const reader = new FitsBlockReader(file, new GunzipByteStream(file), undefined, 'the gzip-compressed file', policy === 'off' ? undefined : (h) => hdus === undefined || hdus.includes(h.index));
  try {
    await reader.drain();
    return judgeInput(file, reader.warnings, reader.checksums(), policy);
  } finally {
    reader.close();
  }
}
