/**
 * The floor of a cold run, measured in this process on the same files: the time to read
 * every input file from the page cache (plain reads, nothing parsed or hashed), and the two
 * nanmedians of the mass map alone (each cube read into the medians' buffer, then the
 * exact median on two threads, as the mass-map stage does it). The full-resolution target
 * is a cold k=4 run within 2x of their sum.
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
  readonly reps: number;
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
  P.startMedianHelpers();
  const g = ds.galaxy;
  const npix = g.n * g.n;
  const reads: number[] = [];
  const intos: number[] = [];
  const meds: number[] = [];
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
  }
  return { pageCacheReadSeconds: median(reads), bytes, readIntoBufferSeconds: median(intos), mediansSeconds: median(meds), reps };
}
