/**
 * Is there a faster content hash than sha256 for the cache's input keys (issue #23, item 2)?
 * Each digest Node's OpenSSL offers, over the same 1 GiB streamed through one 16 MiB buffer
 * (the way load-cubes hashes a cube's blocks), on one thread; best of 3. The answer is in
 * docs/benchmark.md ("A faster content hash").
 *
 *   node --import tsx scripts/measure-hashes.ts [--gib 1]
 *
 * Timings are printed, never asserted.
 */
import { createHash, getHashes, randomFillSync } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { gib: { type: 'string', default: '1' } } });
const blocks = Math.max(1, Math.round(Number(values.gib) * 64));
const block = randomFillSync(Buffer.allocUnsafe(16 << 20));
const wanted = ['sha256', 'sha1', 'sha512-256', 'sha512', 'blake2b512', 'blake2s256', 'md5'];
const available = new Set(getHashes());

console.log(`${blocks * 16} MiB per digest, 16 MiB blocks, best of 3 (load ${(await import('node:os')).loadavg()[0]!.toFixed(1)})`);
let sha256 = 0;
for (const alg of wanted.filter((a) => available.has(a))) {
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = process.hrtime.bigint();
    const h = createHash(alg);
    for (let i = 0; i < blocks; i++) h.update(block);
    h.digest();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const gbs = (blocks * 16 * 2 ** 20) / best / 1e9;
  if (alg === 'sha256') sha256 = gbs;
  console.log(`${alg.padEnd(11)} ${gbs.toFixed(2)} GB/s  ${(gbs / sha256).toFixed(2)}x sha256`);
}
