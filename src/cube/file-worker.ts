/**
 * A thread that takes the streamed median of one HDU of one plain FITS file, hashing the
 * file as it reads it (src/cube/pair.ts sends it the second file of a pair, so that
 * the two are read and their medians taken at once, each on its own core).
 */
import { parentPort } from 'node:worker_threads';
import { HashTap } from '../cache/file-hash.ts';
import { FitsFile } from '../fits/read.ts';
import { collectLargeBuffers } from '../gc.ts';
import { releaseStreamMemory } from '../kernels/stream-median.ts';
import { plainMedian } from './plain-median.ts';

/** One file's median, asked of the thread. */
export interface FileJob {
  readonly file: string;
  /** The name it stands for (its hash is the name's: src/fits/gzip.ts). */
  readonly name: string;
  readonly hdu: number;
  /** The HDUs whose checksums to check (null: none). */
  readonly sums: readonly number[] | 'all' | null;
  readonly blockBytes?: number;
}

/** What the thread sends back (plain data: HduInfo is re-attached by the caller, by index). */
export interface FileResult {
  readonly median?: Float32Array;
  readonly read?: { sha256: string; stamp: string };
  readonly warnings?: readonly string[];
  readonly checksums?: readonly { hdu: number; checksum: 'ok' | 'bad' | 'absent'; datasum: 'ok' | 'bad' | 'absent'; dataSum: number }[];
  readonly error?: { message: string; reason?: string; hint?: string; file?: string };
}

parentPort?.on('message', (job: FileJob) => {
  void (async () => {
    try {
      const tap = new HashTap(job.name);
      const fits = FitsFile.open(job.file);
      const info = fits.hdu(job.hdu);
      fits.close();
      const sums = job.sums === null ? undefined : job.sums === 'all' ? () => true : (h: { index: number }) => (job.sums as readonly number[]).includes(h.index);
      const r = await plainMedian(job.file, info, { tap: (b) => tap.update(b), helpers: 0, ...(sums ? { sums } : {}), ...(job.blockBytes ? { blockBytes: job.blockBytes } : {}) });
      const read = tap.finish();
      releaseStreamMemory();
      setImmediate(() => collectLargeBuffers(true));
      const result: FileResult = { median: r.median, ...(read ? { read } : {}), warnings: r.warnings, checksums: r.checksums.map((c) => ({ hdu: c.hdu.index, checksum: c.checksum, datasum: c.datasum, dataSum: c.dataSum })) };
      parentPort?.postMessage(result, [r.median.buffer as ArrayBuffer]);
    } catch (err) {
      const e = err as Error & { reason?: unknown; hint?: unknown; file?: unknown };
      parentPort?.postMessage({ error: { message: e.message, ...(typeof e.reason === 'string' ? { reason: e.reason } : {}), ...(typeof e.hint === 'string' ? { hint: e.hint } : {}), ...(typeof e.file === 'string' ? { file: e.file } : {}) } } satisfies FileResult);
    }
  })();
});
