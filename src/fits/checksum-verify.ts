/**
 * Checking the CHECKSUM and DATASUM an input file carries (ESO archive products have them in
 * every HDU), and what to tell the user about an input: its tolerated defects and any HDU
 * whose bytes no longer match its checksums.
 *
 * The check sums the bytes as stored, as the convention defines it (a whole HDU sums to
 * -0; DATASUM is the data unit's sum), so it does not depend on how a header is formatted.
 * It reads every byte of the HDUs it checks, in 16 MiB chunks: about as long as reading the
 * data once (measured in docs/errors.md#checksums). The sum is incremental so that it can
 * later ride on the read a stage does anyway.
 */

import { basename } from 'node:path';
import { NEGATIVE_ZERO, OnesComplementSum } from './checksum.ts';
import { FitsError, hduLabel } from './errors.ts';
import { padToBlock, type HduInfo } from './hdu-info.ts';
import { FitsFile, type HduSelector } from './read.ts';

/** What to do about an input whose checksums do not match: the `checksums` parameter. */
export type ChecksumPolicy = 'warn' | 'strict' | 'off';

/** The values of {@link ChecksumPolicy}, for validating a parameter. */
export const CHECKSUM_POLICIES: readonly ChecksumPolicy[] = ['warn', 'strict', 'off'];

/** One HDU's checksums: `absent` when it carries no such card. */
export interface HduChecksums {
  readonly hdu: HduInfo;
  readonly checksum: 'ok' | 'bad' | 'absent';
  readonly datasum: 'ok' | 'bad' | 'absent';
  /** The data unit's sum as computed (what DATASUM should say). */
  readonly dataSum: number;
}

const CHUNK = 16 << 20;

/** Sums `length` bytes of `file` from `position` (fewer if the file is shorter) into `sum`. */
function sumRange(file: FitsFile, sum: OnesComplementSum, position: number, length: number, buf: Uint8Array): void {
  for (let done = 0; done < length; ) {
    const want = Math.min(buf.length, length - done);
    const got = file.readBytes(buf.subarray(0, want), position + done);
    sum.update(buf.subarray(0, got));
    if (got < want) return;
    done += got;
  }
}

/** A read buffer for summing these HDUs: as large as the largest part, at most 16 MiB. */
export function sumBuffer(hdus: readonly HduInfo[]): Uint8Array {
  return new Uint8Array(Math.min(CHUNK, Math.max(2880, ...hdus.map((h) => Math.max(h.dataOffset - h.headerOffset, padToBlock(h.dataBytes))))));
}

/** The sums of one HDU as stored: its data unit's (DATASUM) and the whole HDU's (-0 when CHECKSUM is right). */
export function hduSums(file: FitsFile, hdu: HduInfo, buf: Uint8Array): { data: number; whole: number } {
  const data = new OnesComplementSum();
  sumRange(file, data, hdu.dataOffset, padToBlock(hdu.dataBytes), buf);
  const whole = new OnesComplementSum(data.value);
  sumRange(file, whole, hdu.headerOffset, hdu.dataOffset - hdu.headerOffset, buf);
  return { data: data.value, whole: whole.value };
}

/**
 * Verifies the CHECKSUM and DATASUM cards of the chosen HDUs (every HDU by default) against
 * the bytes of `file`. HDUs with neither card are not read.
 */
export function verifyChecksums(file: FitsFile, hdus?: readonly HduSelector[]): HduChecksums[] {
  const chosen = hdus === undefined ? file.hdus : [...new Set(hdus.map((h) => file.hdu(h)))];
  const buf = sumBuffer(chosen);
  return chosen.map((hdu) => (hdu.header.has('CHECKSUM') || hdu.header.get('DATASUM') !== undefined ? judged(hdu, hduSums(file, hdu, buf)) : judged(hdu, undefined)));
}

/** An HDU's checksums from its sums as stored (undefined when it carries neither card). */
function judged(hdu: HduInfo, sums: { data: number; whole: number } | undefined): HduChecksums {
  const hasChecksum = hdu.header.has('CHECKSUM');
  const stated = hdu.header.get('DATASUM');
  if (!sums || (!hasChecksum && stated === undefined)) return { hdu, checksum: 'absent', datasum: 'absent', dataSum: 0 };
  // astropy compares int(DATASUM); a number written without quotes is read the same way.
  const statedSum = typeof stated === 'string' ? Number(stated.trim()) : typeof stated === 'number' ? stated : NaN;
  return {
    hdu,
    checksum: hasChecksum ? (sums.whole === NEGATIVE_ZERO ? 'ok' : 'bad') : 'absent',
    datasum: stated === undefined ? 'absent' : statedSum === sums.data ? 'ok' : 'bad',
    dataSum: sums.data,
  };
}

/**
 * An HDU's checksums from a read that streamed it (src/fits/block-reader.ts): its data
 * unit's sum (padding included) and its header's bytes as stored. The same sums as
 * {@link verifyChecksums}, without a read of its own.
 */
export function checksumsOf(hdu: HduInfo, dataSum: number, headerBytes: Uint8Array): HduChecksums {
  return judged(hdu, { data: dataSum, whole: new OnesComplementSum(dataSum).update(headerBytes).value });
}

/** One sentence on an HDU whose checksums failed: what changed, as far as the sums tell. */
export function describeMismatch(r: HduChecksums): string {
  const where = `HDU ${hduLabel(r.hdu.index, r.hdu.name)}`;
  if (r.datasum === 'bad') return `${where}: its data changed since its checksums were written (DATASUM is ${JSON.stringify(String(r.hdu.header.get('DATASUM')))}, the data sums to ${r.dataSum})`;
  if (r.datasum === 'ok') return `${where}: its header changed since its checksums were written (CHECKSUM does not match; DATASUM does, so the data is intact)`;
  return `${where}: CHECKSUM does not match its header and data (it has no DATASUM to tell which changed)`;
}

/**
 * What a stage should tell the user about input `path` (its HDUs `hdus`, every one by
 * default): the defects {@link FitsFile.open} read past, and, unless `policy` is 'off', each
 * HDU whose CHECKSUM or DATASUM does not match its bytes. With 'strict' a mismatch throws
 * FitsError 'bad-checksum' instead.
 */
export function inputWarnings(path: string, policy: ChecksumPolicy, hdus?: readonly HduSelector[]): string[] {
  const file = FitsFile.open(path);
  try {
    return judgeInput(path, file.warnings, policy === 'off' ? [] : verifyChecksums(file, hdus), policy);
  } finally {
    file.close();
  }
}

/**
 * {@link inputWarnings} from what a read already found: the defects it read past
 * (`warnings`) and the checksums it summed (`checksums`).
 */
export function judgeInput(path: string, warnings: readonly string[], checksums: readonly HduChecksums[], policy: ChecksumPolicy): string[] {
  const name = basename(path);
  const notes = warnings.map((w) => `${name} ${w}`);
  if (policy === 'off') return notes;
  const bad = checksums.filter((r) => r.checksum === 'bad' || r.datasum === 'bad');
  if (bad.length === 0) return notes;
  const what = bad.map(describeMismatch).join('; ');
  if (policy === 'strict') {
    throw new FitsError({
      reason: 'bad-checksum',
      file: path,
      detail: what,
      hint: 'Fetch the file again (a copy damaged on the way?) and compare it with the archive\'s; if its header was edited on purpose, rewrite it with astropy (`writeto(..., checksum=True)`), or run with --set checksums=warn.',
    });
  }
  return [...notes, ...bad.map((r) => `${name} ${describeMismatch(r)} (a damaged copy? fetch it again; --set checksums=strict makes this an error)`)];
}
