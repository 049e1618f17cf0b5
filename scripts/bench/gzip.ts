/**
 * A gzip-compressed copy of a benchmark galaxy (`.fits.gz`, gzip's default level 6, as the
 * archives hand cubes out), for the rows that time compressed inputs. Written once, next to
 * the galaxy's folder, and reused while its manifest matches the uncompressed files.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Dataset } from './generate.ts';

const MARKER = '.bench-gzip.json';

/** The source files' sizes and times, which the copy must still match. */
function stamp(ds: Dataset): string {
  return JSON.stringify([ds.cube, ds.ppxf].map((f) => [path.basename(f), statSync(f).size, statSync(f).mtimeMs]));
}

/** The galaxy `ds` with its cube and pPXF output gzip-compressed under `dir` (same layout, `.fits.gz` names). */
export async function ensureGzipDataset(ds: Dataset, dir: string, log: (line: string) => void): Promise<Dataset & { gzipSeconds: number | null }> {
  const rel = (f: string) => path.relative(ds.dir, f);
  const at = (f: string) => path.join(dir, rel(f));
  const out: Dataset = { ...ds, dir, catalog: at(ds.catalog), cubes: at(ds.cubes), sfh: at(ds.sfh), cube: `${at(ds.cube)}.gz`, ppxf: `${at(ds.ppxf)}.gz` };
  const marker = path.join(dir, MARKER);
  if (existsSync(marker) && readFileSync(marker, 'utf8') === stamp(ds) && existsSync(out.cube) && existsSync(out.ppxf)) {
    log(`data: reusing ${path.relative(process.cwd(), dir)} (gzip)`);
    return { ...out, files: [out.cube, out.ppxf].map((f) => ({ path: f, bytes: statSync(f).size })), gzipSeconds: null };
  }
  const t0 = performance.now();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(out.cubes, { recursive: true });
  mkdirSync(out.sfh, { recursive: true });
  writeFileSync(out.catalog, readFileSync(ds.catalog));
  log(`data: gzip-compressing galaxy ${ds.galaxy.id} into ${path.relative(process.cwd(), dir)} (level 6)`);
  for (const [from, to] of [[ds.cube, out.cube], [ds.ppxf, out.ppxf]] as const) {
    await pipeline(createReadStream(from, { highWaterMark: 1 << 20 }), createGzip({ level: 6 }), createWriteStream(`${to}.part`));
    renameSync(`${to}.part`, to);
  }
  writeFileSync(marker, stamp(ds));
  const gzipSeconds = (performance.now() - t0) / 1000;
  log(`data: compressed in ${gzipSeconds.toFixed(0)} s`);
  return { ...out, files: [out.cube, out.ppxf].map((f) => ({ path: f, bytes: statSync(f).size })), gzipSeconds };
}
