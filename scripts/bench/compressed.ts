/**
 * The cost of compressed inputs: our cold k=4 run and the numpy peer's on a gzip-compressed
 * copy of a benchmark galaxy (`.fits.gz`, found under the `.fits` names), against inflating
 * the two files alone (Node's zlib, the floor of any reader of them). Our group map must be
 * the one the uncompressed files gave.
 */
import { createReadStream, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { differingPixels, readMap } from './arrays.ts';
import type { Dataset } from './generate.ts';
import { ensureGzipDataset } from './gzip.ts';
import { median } from './measure.ts';
import { pageCacheWarmup } from './medians.ts';
import { runOurs, type OurRun } from './ours.ts';
import { runPython, type PyRun } from './python.ts';

/** What the compressed rows measured. */
export interface CompressedResult {
  readonly name: string;
  readonly files: readonly { readonly path: string; readonly bytes: number }[];
  /** Uncompressed bytes over compressed bytes. */
  readonly ratio: number;
  /** Seconds gzip level 6 took to write the copy (null when reused). */
  readonly gzipSeconds: number | null;
  /** Inflating both files alone, median of `repeat`. */
  readonly inflateSeconds: number;
  readonly ours: OurRun[];
  readonly peer: PyRun[] | null;
  /** Our group map from the compressed files equals the one from the uncompressed ones. */
  readonly mapEqual: boolean | null;
  readonly problems: string[];
}

async function inflate(files: readonly string[]): Promise<number> {
  const t = performance.now();
  for (const f of files) {
    await pipeline(createReadStream(f, { highWaterMark: 1 << 20 }), createGunzip({ chunkSize: 1 << 20 }), new Writable({ write: (_c, _e, done) => done() }));
  }
  return (performance.now() - t) / 1000;
}

/** Runs the compressed rows for galaxy `name` (`plainMap`: our cold k=4 map from the uncompressed files). */
export async function benchCompressed(root: string, name: string, ds: Dataset, plainMap: string | null, o: { work: string; repeat: number; python: boolean; log: (line: string) => void }): Promise<CompressedResult> {
  const gz = await ensureGzipDataset(ds, path.join(o.work, 'data', `${name}-gz`), o.log);
  const problems: string[] = [];
  const runs = path.join(o.work, 'runs', `${name}-gz`);
  rmSync(runs, { recursive: true, force: true }); // every run cold: a cache from the last benchmark would answer it
  const inflates: number[] = [];
  const ours: OurRun[] = [];
  const peer: PyRun[] = [];
  pageCacheWarmup([gz.cube, gz.ppxf]);
  for (let i = 0; i < o.repeat; i++) {
    inflates.push(await inflate([gz.cube, gz.ppxf]));
    const dir = path.join(runs, `ours-${i + 1}`);
    const r = await runOurs(root, gz, 'cold, .fits.gz', '4', { cache: path.join(dir, 'cache'), out: path.join(dir, 'out'), lock: path.join(dir, 'lock') });
    ours.push(r);
    o.log(`ours ${name}.gz: cold k=4: ${r.ok ? `${r.wallSeconds.toFixed(2)} s, peak ${((r.peakRssBytes ?? 0) / 1e6).toFixed(0)} MB` : `FAILED ${r.error}`}`);
    if (!r.ok) problems.push(`${name}.gz: our cold k=4 failed: ${r.error}`);
    if (o.python) {
      const p = await runPython(root, gz, '4', path.join(runs, `peer-${i + 1}`), { script: 'peer' });
      peer.push(p);
      o.log(`peer ${name}.gz: cold k=4: ${p.ok ? `${p.wallSeconds.toFixed(2)} s` : `FAILED ${p.error}`}`);
      if (!p.ok) problems.push(`${name}.gz: the numpy peer failed: ${p.error}`);
    }
  }
  const mine = ours.find((r) => r.ok)?.results[0]?.file;
  let mapEqual: boolean | null = null;
  if (mine && plainMap) {
    const d = differingPixels(readMap(mine), readMap(plainMap));
    mapEqual = d === 0;
    if (!mapEqual) problems.push(`${name}.gz: our group map from the .fits.gz differs from the .fits one on ${d} pixels`);
  }
  const plainBytes = statSync(ds.cube).size + statSync(ds.ppxf).size;
  const packed = gz.files.reduce((a, f) => a + f.bytes, 0);
  return { name, files: gz.files, ratio: plainBytes / packed, gzipSeconds: gz.gzipSeconds, inflateSeconds: median(inflates), ours, peer: o.python ? peer : null, mapEqual, problems };
}
