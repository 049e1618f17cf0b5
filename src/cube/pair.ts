/**
 * The two medians of a galaxy (its cube's DATA, its pPXF best fit), each file read once and
 * hashed on the way. When both files are plain and two medians' state fits in
 * {@link PAIR_AT_ONCE_BYTES} (binned cubes: 35 MB each), they are taken at once, one per
 * core, each on a single thread (src/cube/file-worker.ts for the second): no thread waits
 * for another. Otherwise (a full-resolution cube's state is 315 MB; a gzip file is checked
 * as it is inflated) one after the other, each median on helper threads, reusing one state.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HashTap } from '../cache/file-hash.ts';
import type { HduChecksums } from '../fits/checksum-verify.ts';
import { isGzip } from '../fits/gzip.ts';
import type { HduInfo } from '../fits/hdu-info.ts';
import { exposeGcToWorkers } from '../gc.ts';
import { releaseStreamMemory, streamLayout } from '../kernels/stream-median.ts';
import type { InputRead } from '../stage.ts';
import type { FileJob, FileResult } from './file-worker.ts';
import { chooseHdu } from './choose-hdu.ts';
import { planesOf, type MedianTarget, type StreamedMedian } from './median-options.ts';
import { plainMedian } from './plain-median.ts';
import { streamedMedianOfFile } from './streamed-median.ts';

/** Two medians' state at most this large are taken at once (one per core). */
export const PAIR_AT_ONCE_BYTES = 256 * 1024 * 1024;

/** The file worker runs compiled code; under a TypeScript loader the pair is taken here, in turn. */
const WORKER_AVAILABLE = !fileURLToPath(import.meta.url).endsWith('.ts');
let worker: Worker | undefined;

/** Boots the file worker ahead of the first pair (a stage's warm() hook calls it while idle). */
export function startFileWorker(): void {
  if (!WORKER_AVAILABLE || worker || os.availableParallelism() < 2) return;
  exposeGcToWorkers();
  worker = new Worker(new URL('./file-worker.js', import.meta.url));
  worker.unref();
  worker.on('error', () => (worker = undefined));
}

/** One file of the pair. */
export interface PairFile {
  /**
   * Hashes the file as it is read; made before anything of the file was read (its headers
   * checked), so that the hash vouches for everything read from it.
   */
  readonly tap: HashTap;
  /** The file as found. */
  readonly file: string;
  readonly target: MedianTarget;
  /** Which HDUs' checksums to check: 'all', the chosen HDU and these indices, or none. */
  readonly sums: 'all' | readonly number[] | null;
  /** For a plain file, its HDUs as FitsFile.open found them (the pair is then checked already). */
  readonly hdus?: readonly HduInfo[];
}

/** A file's median, with its hash from the same read (undefined when the file changed while it was read). */
export type PairResult = StreamedMedian & { readonly read: InputRead | undefined };

function sumsOf(f: PairFile, target: HduInfo | undefined): ((h: HduInfo) => boolean) | undefined {
  if (f.sums === null) return undefined;
  if (f.sums === 'all') return () => true;
  const chosen = f.sums;
  return (h) => chosen.includes(h.index) || (target !== undefined && h.index === target.index) || (target === undefined && f.target.pick(h));
}

/** The two medians (see the file's comment); `second` may be checked against `first`'s result (its `target.check`). */
export async function medianPair(first: PairFile, second: PairFile): Promise<[PairResult, PairResult]> {
  try {
    const a = first.hdus && chooseHdu(first.hdus, first.target, first.file);
    const b = second.hdus && chooseHdu(second.hdus, second.target, second.file);
    if (a && b && !isGzip(first.file) && !isGzip(second.file) && stateBytes(a) + stateBytes(b) <= PAIR_AT_ONCE_BYTES) startFileWorker();
    if (a && b && worker && !isGzip(first.file) && !isGzip(second.file) && stateBytes(a) + stateBytes(b) <= PAIR_AT_ONCE_BYTES) {
      const there = inWorker(worker, second, b);
      there.catch(() => undefined); // (awaited below; a failure here must not leave it unhandled)
      const here = await plainMedian(first.file, a, { tap: (x) => first.tap.update(x), helpers: 0, ...sumsOption(sumsOf(first, a)) });
      return [{ ...here, hdus: first.hdus!, target: a, read: first.tap.finish() }, await there];
    }
    return [await alone(first), await alone(second)];
  } finally {
    releaseStreamMemory();
  }
}

function sumsOption(sums: ((h: HduInfo) => boolean) | undefined): { sums?: (h: HduInfo) => boolean } {
  return sums ? { sums } : {};
}

function stateBytes(info: HduInfo): number {
  const { nz, npix } = planesOf(info);
  return streamLayout(nz, npix).bytes;
}

/** A file on its own: the median on helper threads (a gzip file is checked as it is inflated). */
async function alone(f: PairFile): Promise<PairResult> {
  const r = await streamedMedianOfFile(f.file, f.target, { tap: (x) => f.tap.update(x), ...sumsOption(sumsOf(f, undefined)) });
  return { ...r, read: f.tap.finish() };
}

/** The second file's median in the file worker; its HDUs are re-attached to what it sends back. */
function inWorker(w: Worker, f: PairFile, target: HduInfo): Promise<PairResult> {
  const job: FileJob = { file: f.file, name: f.tap.file, hdu: target.index, sums: f.sums === null ? null : f.sums === 'all' ? 'all' : [...f.sums, target.index] };
  return new Promise((resolve, reject) => {
    const settle = (r: FileResult): void => {
      w.off('message', settle);
      w.off('error', fail);
      w.unref();
      if (r.error || !r.median) return reject(Object.assign(new Error(r.error?.message ?? `${f.file}: the file worker sent no median`), r.error ?? {}));
      const hdus = f.hdus!;
      const checksums: HduChecksums[] = (r.checksums ?? []).map((c) => ({ hdu: hdus[c.hdu]!, checksum: c.checksum, datasum: c.datasum, dataSum: c.dataSum }));
      // the worker's hash vouches for the file as it was when the caller first looked at it
      const read = r.read && r.read.stamp === f.tap.stampBefore ? r.read : undefined;
      resolve({ median: r.median, hdus, target, warnings: r.warnings ?? [], checksums, read });
    };
    const fail = (err: Error): void => {
      w.off('message', settle);
      worker = undefined;
      reject(err);
    };
    w.ref();
    w.on('message', settle);
    w.once('error', fail);
    w.postMessage(job);
  });
}
