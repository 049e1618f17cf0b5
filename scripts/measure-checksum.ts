/**
 * What checking an input's CHECKSUM/DATASUM costs (docs/errors.md#checksums), next to what a
 * run reads anyway: the sum alone over memory, then on a cube with checksums (PRIMARY +
 * DATA + STAT, each nwave x n x n float32) the check load-cubes does (PRIMARY and DATA), a
 * full read of DATA (what mass-map does) and the sha256 of the whole file (what the cache
 * does the first time it sees an input), each from the page cache ("warm") and, where
 * Python can evict the file's pages (posix_fadvise), from the disk ("cold").
 *
 *   node --import tsx scripts/measure-checksum.ts [--n 300] [--nwave 3681] [--dir DIR]
 *
 * Timings are printed, never asserted. The cube is written once under DIR (default
 * bench/work/checksum) and reused.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FitsFile, inputWarnings, onesComplementSum, writeFitsSync } from '../src/fits/index.ts';
import { ndarray } from '../src/ndarray.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '300' }, nwave: { type: 'string', default: '3681' }, dir: { type: 'string', default: path.join('bench', 'work', 'checksum') } } });
const n = Number(values.n);
const nwave = Number(values.nwave);
const file = path.join(values.dir, `cube-${nwave}x${n}x${n}.fits`);

function seconds(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/** Drops the file's pages from the page cache (only this file); false where that is not possible. */
function evict(): boolean {
  const r = spawnSync('python3', ['-c', 'import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)', file]);
  return r.status === 0;
}

function sha256(): void {
  const fd = openSync(file, 'r');
  const h = createHash('sha256');
  const buf = Buffer.alloc(16 << 20);
  for (let pos = 0, got = 1; got > 0; pos += got) {
    got = readSync(fd, buf, 0, buf.length, pos);
    h.update(buf.subarray(0, got));
  }
  closeSync(fd);
  h.digest();
}

if (!existsSync(file)) {
  mkdirSync(values.dir, { recursive: true });
  const plane = n * n;
  const data = new Float32Array(nwave * plane);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 2654435761) % 1000) / 7;
  process.stderr.write(`writing ${file} (${((2 * data.byteLength) / 1e9).toFixed(2)} GB)\n`);
  writeFitsSync(file, [{ data: null, cards: [{ key: 'SKY_RES', value: 0.8 }] }, { data: ndarray(data, [nwave, n, n]), extname: 'DATA' }, { data: ndarray(data, [nwave, n, n]), extname: 'STAT' }]);
}

const mem = new Uint8Array(256 << 20).map((_, i) => (i * 31) & 0xff);
const sumRate = mem.length / 1e9 / Math.min(...[0, 1, 2].map(() => seconds(() => onesComplementSum(mem))));
const dataBytes = (() => {
  const f = FitsFile.open(file);
  const d = f.hdu('DATA').dataBytes;
  f.close();
  return d;
})();
const rows: [string, number, number | undefined][] = [];
const measure = (name: string, fn: () => void): void => {
  fn(); // warm the page cache
  const warm = Math.min(seconds(fn), seconds(fn));
  const cold = evict() ? seconds(fn) : undefined;
  rows.push([name, warm, cold]);
};
measure('checksum check (PRIMARY + DATA)', () => {
  const w = inputWarnings(file, 'warn', [0, 'DATA']);
  if (w.length > 0) throw new Error(w.join('\n'));
});
measure('read DATA (readImage)', () => {
  const f = FitsFile.open(file);
  f.readImage('DATA');
  f.close();
});
measure('sha256 of the whole file', sha256);

console.log(`sum over memory: ${sumRate.toFixed(2)} GB/s; DATA = ${(dataBytes / 1e9).toFixed(2)} GB of a ${file}`);
for (const [name, warm, cold] of rows) console.log(`${name.padEnd(34)} warm ${warm.toFixed(2)} s${cold === undefined ? '' : `, cold ${cold.toFixed(2)} s`}`);
