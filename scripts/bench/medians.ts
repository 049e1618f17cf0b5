/**
 * The floor of a cold run, measured in this process on the same files: the time to read
 * every input file from the page cache (plain reads, nothing parsed or hashed), and the two
 * nanmedians of the mass map alone (each cube read into memory, then the exact median on
 * two threads: the kernel before it was streamed). The full-resolution target is a cold k=4
 * run within 2x of their sum. Also, for where our time goes: the two medians streamed as
 * load-cubes takes them (without the hash), and sha256 of the input files alone.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Dataset } from './generate.ts';
import { median } from './measure.ts';

/** What the floor measured (medians of `reps`). */
export interface Floor {
  /** All input files (cube with DATA and STAT, pPXF output), plain reads from the page cache. */
  readonly pageCacheReadSeconds: number;
  readonly bytes: number;
  /** Reading the two median inputs (DATA, best fit) into the medians' buffer, parsed and byte-swapped. */
  readonly readIntoBufferSeconds: number;
  /** Both nanmedians, two threads, the cubes already in memory. */
  readonly mediansSeconds: number;
  /** Both nanmedians streamed from the files (src/cube/streamed-median.ts), without the hash. */
  readonly streamedSeconds: number;
  /** sha256 of every input file, one thread (what the tap adds to the streamed read). */
  readonly sha256Seconds: number;
  readonly reps: number;
}

/** Reads the files once, so that the runs that follow find them in the page cache. */
export function pageCacheWarmup(files: readonly string[]): void {
  readAll(files);
}

function readAll(files: readonly string[]): number {
  const buf = Buffer.allocUnsafe(16 * 1024 * 1024);
  let bytes = 0;
  for (const f of files) {
    const fd = openSync(f, 'r');
    try {
      for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) bytes += n;
    } finally {
      closeSync(fd);
    }
  }
  return bytes;
}

/**
 * Measures the floor on dataset `ds`. Uses the compiled kernels in dist/ (the median's
 * helper thread runs compiled code; the benchmark builds dist/ first).
 */
export async function measureFloor(root: string, ds: Dataset, reps: number): Promise<Floor> {
  const dist = (p: string) => pathToFileURL(path.join(root, 'dist', p)).href;
  const { FitsFile } = (await import(dist('src/fits/index.js'))) as typeof import('../../src/fits/index.ts');
  const P = (await import(dist('src/kernels/parallel-median.js'))) as typeof import('../../src/kernels/parallel-median.ts');
  const S = (await import(dist('src/cube/streamed-median.js'))) as typeof import('../../src/cube/streamed-median.ts');
  const H = (await import(dist('src/cache/file-hash.js'))) as typeof import('../../src/cache/file-hash.ts');
  P.startMedianHelpers();
  const g = ds.galaxy;
  const npix = g.n * g.n;
  const reads: number[] = [];
  const intos: number[] = [];
  const meds: number[] = [];
  const streamed: number[] = [];
  const hashes: number[] = [];
  let bytes = 0;
  for (let r = 0; r < reps; r++) {
    let t = performance.now();
    bytes = readAll([ds.cube, ds.ppxf]);
    reads.push((performance.now() - t) / 1000);
    const buffer = P.medianCubeBuffer(g.nwave, npix);
    let into = 0;
    let med = 0;
    for (const [file, hdu] of [[ds.cube, 1], [ds.ppxf, 0]] as const) {
      t = performance.now();
      const fits = FitsFile.open(file);
      try {
        fits.readImage(hdu, { into: buffer });
      } finally {
        fits.close();
      }
      into += (performance.now() - t) / 1000;
      t = performance.now();
      await P.nanmedianAxis0Parallel(buffer, g.nwave, npix);
      med += (performance.now() - t) / 1000;
    }
    intos.push(into);
    meds.push(med);
    t = performance.now();
    await S.streamedMedianOfFile(ds.cube, { pick: (h) => h.name === 'DATA', fallback: 1 });
    await S.streamedMedianOfFile(ds.ppxf, { pick: (h) => h.index === 0, fallback: 0 });
    streamed.push((performance.now() - t) / 1000);
    t = performance.now();
    for (const f of [ds.cube, ds.ppxf]) H.sha256File(f);
    hashes.push((performance.now() - t) / 1000);
  }
  return { pageCacheReadSeconds: median(reads), bytes, readIntoBufferSeconds: median(intos), mediansSeconds: median(meds), streamedSeconds: median(streamed), sha256Seconds: median(hashes), reps };
}
