/**
 * The opt-in clustering options and the quality metrics (docs/clustering.md): the default
 * path still gives the bytes it gave before they existed; k-means++ follows the documented
 * recipe (checked against a python/scipy reimplementation); restarts keep the lowest
 * objective; the W1 median never raises the objective; age relabelling is a permutation;
 * silhouette, objective and ARI equal plain brute-force references; and the real CLI writes
 * the new cards and the AGREEMENT HDU in a file astropy reads without a warning.
 * Run `npm run build` first (the CLI runs the build).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FitsFile } from '../src/fits/index.ts';
import * as K from '../src/kernels/index.ts';
import { decodeNpy } from '../src/npy.ts';
import { parityArgs, runCli, tempDir } from './helpers/cli.ts';

const B = 50;
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'kernels', 'parity');
const load = <T>(name: string): T => decodeNpy(readFileSync(path.join(dir, name))).data as T;
interface Case { seed: number; galaxy: string; k: number; ny: number; nx: number }
const cases = JSON.parse(readFileSync(path.join(dir, 'cases.json'), 'utf8')) as Case[];
const data = new Map(['11', '45'].map((g) => [g, { sfh: load<Float64Array>(`${g}_sfh.npy`), mass: load<Float32Array>(`${g}_mass.npy`) }]));
const input = (c: Case) => ({ ...data.get(c.galaxy)!, ny: c.ny, nx: c.nx, k: c.k, seed: c.seed });
const name = (c: Case) => `seed ${c.seed}, galaxy ${c.galaxy}, k ${c.k}`;

/** Reads a result with astropy, recording every warning (none is expected). */
const ASTROPY_READ = `
import sys, json, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter('always')
    from astropy.io import fits
    with fits.open(sys.argv[1]) as h:
        h.verify('exception')
        names = [x.name for x in h]
        cards = {k: h[0].header[k] for k in ['OBJECTIV', 'SILHOUET', 'INIT', 'RESTARTS', 'CENTROID', 'RELABEL', 'ARI']}
        cards = {k: (None if type(v).__name__ == 'Undefined' else v) for k, v in cards.items()}
        data = [x.data.sum() for x in h]
print(json.dumps({'warnings': [str(w.message) for w in caught], 'names': names, 'cards': cards}))`;

/** 64-bit prefixes of sha256(labels | meanSfh | masses | initialLabels), taken before the options existed. */
const BEFORE: Record<string, string> = {
  '0/11/2': '2a78ff452528c15e5c2b09d248842f4708380dac4b8fb707dbcaac20aba75643',
  '0/11/3': 'fd538187afd2ca9fc7d83f356c213471bd86039f3369a51475a72a51887eaa6b',
  '0/11/4': '899a5c9c4d4297e4e05e84f71c5717140b909341eb366a61e0305899d2bb314f',
  '0/11/6': 'ae0468d536653ffbe4594e6208d9e2efd785c209594072854a5c842c012f7656',
  '1/11/2': '2a78ff452528c15e5c2b09d248842f4708380dac4b8fb707ee2aa8d2044cde83',
  '1/11/3': '05cf1476571358bec9dd3481e3fee64e4f106905453876c689e1e05534f7b339',
  '1/11/4': '69c917971e2cfa51183eaede93c70be3b41aee86721ffde2df939d6db00263f2',
  '1/11/6': '26ffa00e0bb4e81d92e9ee276967f1d73f319d85daef6cf8613a3a707abb88b5',
  '0/45/2': 'f521a7519b70b072ea0910ea68f3e0df32752d431328edafdba7a356b74cdeaf',
  '0/45/3': 'baea092aaf0379ac2e563cb77efea26d0444f2e2656cffe4b86b803234de2bad',
  '0/45/4': '41bd505f4dd39f4d763cb5156cb7171eafb28f0eac8ce05ec6d5846bd0c03786',
  '0/45/6': 'a0851cbe452140fd7919ccc5e4734e1c9b3ddddd47710f50ff4585353818fa5e',
  '1/45/2': '2b7741462a30f94b0ce6c8fb973446a73dd706fd2e97953da19bf8c4ed38821c',
  '1/45/3': 'e4cb06177fa9618f60dfe7c9c237bb622f079797a0096c39c0c66d2c72f23466',
  '1/45/4': 'bdc36998e9843099a4446e08c4be479bc10a8f8c75d1445082354d22d227855c',
  '1/45/6': '953c050014ad9612f41936942d958e0fd197db3ef6964a70affc50225be73784',
};
const prefix = (a: ArrayBufferView): string => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex').slice(0, 16);
const fingerprint = (r: K.EmdKMeansResult): string => prefix(r.labels) + prefix(r.meanSfh) + prefix(r.masses) + prefix(r.initialLabels);

/** A small deterministic SFH cube: three populations (young, mid, old) mixed with noise. */
function synthetic(ny: number, nx: number, seed: number): { sfh: Float64Array; mass: Float32Array; ny: number; nx: number } {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const npix = ny * nx;
  const sfh = new Float64Array(B * npix);
  const mass = new Float32Array(npix);
  for (let p = 0; p < npix; p++) {
    const pop = Math.floor(rand() * 3);
    const peak = [8, 25, 44][pop]! + (rand() - 0.5) * 8;
    for (let a = 0; a < B; a++) sfh[a * npix + p] = Math.exp(-0.5 * ((a - peak) / 4) ** 2) / 10 + rand() * 0.01;
    mass[p] = rand() < 0.05 ? NaN : 10 ** (rand() * 3);
  }
  return { sfh, mass, ny, nx };
}

/** The grouped pixels, their integer labels and their CDFs, recomputed from scratch. */
function grouped(labels: Float64Array, sfh: Float64Array) {
  const idx = [...labels.keys()].filter((p) => !Number.isNaN(labels[p]));
  const cdf = new Float64Array(idx.length * B);
  idx.forEach((p, v) => K.cdf50(sfh, p, labels.length, cdf, v * B));
  return { idx, lab: Int32Array.from(idx, (p) => labels[p]!), cdf };
}

describe('defaults: the same bytes as before the options existed', () => {
  for (const c of cases) {
    test(name(c), () => {
      const before = BEFORE[`${c.seed}/${c.galaxy}/${c.k}`];
      assert.equal(fingerprint(K.emdKMeans(input(c))), before, 'emdKMeans');
      const staged = K.emdClustering({ ...input(c), init: 'random', restarts: 1, centroid: 'mean', relabel: 'none' });
      assert.equal(fingerprint(staged), before, 'emdClustering with the stage defaults');
      assert.equal(staged.agreement, null);
      assert.equal(staged.ari, null);
    });
  }
});

describe('objective and silhouette against brute force', () => {
  test('the objective is the sum of the EMDs to the centroids, and the mean centroid is the reported mean', () => {
    for (const c of cases.slice(0, 4)) {
      const { sfh } = input(c);
      const r = K.emdKMeans(input(c));
      const { lab, cdf } = grouped(r.labels, sfh);
      const meanCdf = new Float64Array(r.groups * B);
      for (let g = 0; g < r.groups; g++) K.cdf50(r.meanSfh, g * B, 1, meanCdf, g * B);
      assert.deepEqual(meanCdf, r.centroidCdfs, 'converged: the centroid is the reported mean');
      let sum = 0;
      for (let v = 0; v < lab.length; v++) sum += K.emdFromCdfs(cdf, v * B, r.centroidCdfs, (lab[v]! - 1) * B);
      assert.equal(r.objective, sum);
      assert.equal(r.objectives.at(-1), r.objective);
    }
  });

  /** The silhouette written plainly: every ordered pair, a(i), b(i), s(i), their mean. */
  function bruteSilhouette(cdf: Float64Array, lab: Int32Array, only?: Int32Array): number {
    const n = lab.length;
    const k = Math.max(...lab);
    const size = new Array<number>(k + 1).fill(0);
    for (const l of lab) size[l]!++;
    let total = 0;
    const pixels = only ?? Int32Array.from({ length: n }, (_, i) => i);
    for (const i of pixels) {
      const sum = new Array<number>(k + 1).fill(0);
      for (let j = 0; j < n; j++) if (j !== i) sum[lab[j]!]! += K.emdFromCdfs(cdf, i * B, cdf, j * B);
      const own = lab[i]!;
      if (size[own]! <= 1) continue;
      const a = sum[own]! / (size[own]! - 1);
      let b = Infinity;
      for (let g = 1; g <= k; g++) if (g !== own && size[g]! > 0) b = Math.min(b, sum[g]! / size[g]!);
      total += Math.max(a, b) > 0 ? (b - a) / Math.max(a, b) : 0;
    }
    return total / pixels.length;
  }

  test('exact path: equal to the brute force, bit for bit (synthetic and galaxy 11)', () => {
    const syn = synthetic(12, 15, 7);
    for (const run of [{ ...syn, k: 3, seed: 2 }, input(cases[2]!)]) {
      const r = K.emdClustering(run);
      const { lab, cdf } = grouped(r.labels, run.sfh);
      assert.equal(r.silhouetteExact, true);
      assert.equal(r.silhouette, bruteSilhouette(cdf, lab));
    }
  });

  test('sampled path: deterministic, the documented sample, and within 4 standard errors of the exact value', (t) => {
    const syn = synthetic(30, 40, 11);
    const m = 300;
    const r = K.emdClustering({ ...syn, k: 3, seed: 5, silhouetteSample: m });
    const { lab, cdf } = grouped(r.labels, syn.sfh);
    const n = lab.length;
    assert.equal(r.silhouetteExact, false);
    assert.equal(K.emdSilhouette(cdf, lab, n, { seed: 5, sample: m }).value, r.silhouette, 'deterministic');
    // the documented draw: partial Fisher-Yates from np.random.seed(5), then the exact
    // silhouette of the sampled pixels among themselves
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    const state = K.mt19937Seed(5);
    for (let t = 0; t < m; t++) {
      const j = t + K.legacyRandint(state, n - t, 1, new Int32Array(1))[0]!;
      [idx[t], idx[j]] = [idx[j]!, idx[t]!];
    }
    const chosen = idx.slice(0, m).sort();
    const subCdf = new Float64Array(m * B);
    chosen.forEach((i, v) => subCdf.set(cdf.subarray(i * B, (i + 1) * B), v * B));
    assert.equal(r.silhouette, bruteSilhouette(subCdf, Int32Array.from(chosen, (i) => lab[i]!)));
    const exact = bruteSilhouette(cdf, lab);
    assert.equal(K.emdSilhouette(cdf, lab, n, { seed: 5, sample: n }).value, exact);
    const s = Array.from({ length: n }, (_, i) => bruteSilhouette(cdf, lab, Int32Array.of(i)));
    const sd = Math.sqrt(s.reduce((acc, x) => acc + (x - exact) ** 2, 0) / (n - 1));
    t.diagnostic(`n ${n}, sample ${m}: sampled ${r.silhouette}, exact ${exact}, standard error ${sd / Math.sqrt(m)}`);
    assert.ok(Math.abs(r.silhouette! - exact) <= (4 * sd) / Math.sqrt(m), `${r.silhouette} vs exact ${exact} (sd ${sd})`);
  });

  test('null with fewer than two groups', () => {
    const syn = synthetic(6, 6, 3);
    assert.equal(K.emdClustering({ ...syn, k: 1, seed: 0 }).silhouette, null);
  });
});

describe('k-means++', () => {
  test('deterministic for a seed, different between seeds', () => {
    const c = cases[3]!;
    const a = K.emdKMeans({ ...input(c), init: 'kmeans++' });
    const b = K.emdKMeans({ ...input(c), init: 'kmeans++' });
    const d = K.emdKMeans({ ...input(c), init: 'kmeans++', seed: c.seed + 1 });
    assert.deepEqual(a.labels, b.labels);
    assert.deepEqual(a.initialLabels, b.initialLabels);
    assert.notDeepEqual(a.initialLabels, d.initialLabels);
  });

  const py = spawnSync('/usr/bin/python3', ['-c', 'import numpy, scipy'], { encoding: 'utf8' });
  test('the documented draws, against numpy + scipy.stats.wasserstein_distance', { skip: py.status === 0 ? false : 'numpy/scipy not importable by /usr/bin/python3: install the Debian packages python3-numpy and python3-scipy' }, () => {
    const script = `
import sys, json, numpy as np
from scipy.stats import wasserstein_distance as W
sfh = np.load(sys.argv[1]); mass = np.load(sys.argv[2]); k = int(sys.argv[3]); seed = int(sys.argv[4])
tot = sfh.sum(axis=0)
X = sfh.reshape(50, -1)[:, np.flatnonzero(~np.isnan(tot) & (tot >= 0.8) & ~np.isnan(mass))]
n = X.shape[1]; u = np.arange(50)
np.random.seed(seed)
c = [np.random.randint(n)]
D = [W(u, u, X[:, c[0]], X[:, v]) for v in range(n)]
lab = [1] * n
while len(c) < min(k, n):
    total = 0.0
    for d in D: total += d * d
    if not total > 0: break
    target = np.random.random_sample() * total
    run, pick, last = 0.0, -1, -1
    for v in range(n):
        if D[v] > 0: last = v
        run += D[v] * D[v]
        if run > target: pick = v; break
    c.append(pick if pick >= 0 else last)
    for v in range(n):
        d = W(u, u, X[:, c[-1]], X[:, v])
        if d < D[v]: D[v] = d; lab[v] = len(c)
print(json.dumps(lab))`;
    for (const c of [cases[3]!, cases[10]!]) {
      const r = spawnSync('/usr/bin/python3', ['-c', script, path.join(dir, `${c.galaxy}_sfh.npy`), path.join(dir, `${c.galaxy}_mass.npy`), String(c.k), String(c.seed)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const ours = K.emdKMeans({ ...input(c), init: 'kmeans++' });
      const valid = [...ours.labels.keys()].filter((p) => !Number.isNaN(ours.labels[p]));
      assert.deepEqual(valid.map((p) => ours.initialLabels[p]), JSON.parse(r.stdout) as number[], name(c));
    }
  });
});

describe('restarts', () => {
  for (const c of [cases[2]!, cases[11]!]) {
    for (const init of ['random', 'kmeans++'] as const) {
      test(`${name(c)}, ${init}: keeps the lowest objective of the seeds run alone; deterministic`, () => {
        const r = K.emdClustering({ ...input(c), init, restarts: 4 });
        const alone = [0, 1, 2, 3].map((i) => K.emdKMeans({ ...input(c), init, seed: c.seed + i }));
        const best = alone.reduce((b, x, i) => (x.objective < alone[b]!.objective ? i : b), 0);
        assert.deepEqual(r.restartObjectives, alone.map((x) => x.objective));
        assert.equal(r.keptSeed, c.seed + best);
        assert.deepEqual(r.labels, alone[best]!.labels);
        assert.equal(r.objective, Math.min(...alone.map((x) => x.objective)));
        assert.deepEqual(K.emdClustering({ ...input(c), init, restarts: 4 }).agreement, r.agreement, 'deterministic');
        assert.ok(r.ari !== null && r.ari <= 1 && r.ari > -1);
        for (let p = 0; p < r.labels.length; p++) {
          const a = r.agreement![p]!;
          if (Number.isNaN(r.labels[p])) assert.ok(Number.isNaN(a));
          else assert.ok(a >= 0.25 && a <= 1, `agreement ${a}`);
        }
      });
    }
  }

  test('restarts that all find the same partition agree everywhere and have ARI 1', () => {
    const c = cases[0]!; // galaxy 11, k = 2: every seed ends in the same two groups
    const r = K.emdClustering({ ...input(c), restarts: 3, centroid: 'w1-median' });
    assert.equal(r.ari, 1);
    assert.ok(r.agreement!.every((a) => Number.isNaN(a) || a === 1));
  });
});

describe('ARI, label matching and agreement by hand', () => {
  const L = (...x: number[]) => Int32Array.from(x);
  test('adjusted Rand index', () => {
    assert.equal(K.adjustedRandIndex(L(1, 1, 2, 2), L(1, 1, 2, 2), 4), 1);
    assert.equal(K.adjustedRandIndex(L(1, 1, 2, 2), L(2, 2, 1, 1), 4), 1, 'renamed');
    // scikit-learn's documented examples: 4/7 and -1/2, checkable from the contingency table
    assert.ok(Math.abs(K.adjustedRandIndex(L(1, 1, 2, 2), L(1, 1, 2, 3), 4) - 4 / 7) < 1e-15);
    assert.ok(Math.abs(K.adjustedRandIndex(L(1, 1, 2, 2), L(1, 2, 1, 2), 4) + 0.5) < 1e-15);
    assert.equal(K.adjustedRandIndex(L(1, 1, 1), L(1, 1, 1), 3), 1, 'one group each');
  });
  test('matching by maximum total overlap (not greedy), unmatched labels get 0', () => {
    assert.deepEqual([...K.matchLabels(L(1, 1, 2, 2, 3), L(2, 2, 3, 3, 1), 5)], [0, 2, 3, 1]);
    // greedy would pair 1-1 (overlap 3) and leave 2 with 2 (0): total 3; the optimum is 1-2, 2-1 (2 + 2)
    assert.deepEqual([...K.matchLabels(L(1, 1, 1, 1, 1, 2, 2), L(1, 1, 1, 2, 2, 1, 1), 7)], [0, 2, 1]);
    assert.deepEqual([...K.matchLabels(L(1, 1, 2, 3), L(1, 1, 1, 2), 4)], [0, 1, 0, 2], 'a has more labels than b');
    assert.deepEqual([...K.matchLabels(L(1, 1, 1, 2), L(3, 3, 1, 2), 4)], [0, 3, 2], 'b has more labels than a');
  });
  test('agreement fractions', () => {
    const kept = L(1, 1, 2, 2, 3, 3);
    const agree = K.agreementFractions(kept, [kept, L(3, 3, 1, 1, 2, 2), L(2, 2, 1, 3, 3, 3)], 6);
    assert.deepEqual([...agree], [1, 1, 1, 2 / 3, 1, 1]);
  });
});

describe('W1-median centroid', () => {
  const rises = (o: Float64Array): number[] => [...o].flatMap((x, i) => (i > 0 && x > o[i - 1]! * (1 + 1e-12) ? [i + 1] : []));
  test('the objective never rises between rounds (parity data, every case)', (t) => {
    for (const c of cases) {
      const r = K.emdKMeans({ ...input(c), centroid: 'w1-median' });
      assert.equal(r.failure, null);
      assert.deepEqual(rises(r.objectives), [], `${name(c)}: rounds where it rose`);
      t.diagnostic(`${name(c)}: objective per round ${[...r.objectives].map((x) => x.toFixed(1)).join(' > ')}`);
    }
  });
  test('the objective never rises between rounds (synthetic data, 12 runs)', () => {
    for (let s = 0; s < 12; s++) {
      const syn = synthetic(20, 25, 100 + s);
      const r = K.emdKMeans({ ...syn, k: 2 + (s % 5), seed: s, centroid: 'w1-median', init: s % 2 ? 'kmeans++' : 'random' });
      assert.deepEqual(rises(r.objectives), [], `synthetic ${s}`);
    }
  });
  test('its objective is below the mean centroid run from the same start (every parity case)', (t) => {
    for (const c of cases) {
      const mean = K.emdKMeans(input(c));
      const median = K.emdKMeans({ ...input(c), centroid: 'w1-median' });
      t.diagnostic(`${name(c)}: objective mean ${mean.objective.toFixed(2)} (${mean.iterations} rounds), w1-median ${median.objective.toFixed(2)} (${median.iterations} rounds)`);
      assert.ok(median.objective <= mean.objective, name(c));
    }
  });
  test('the reported mean SFH and mass are the mass-weighted mean and the mass of the final groups', () => {
    for (const c of [cases[2]!, cases[15]!]) {
      const { sfh, mass } = input(c);
      const r = K.emdKMeans({ ...input(c), centroid: 'w1-median', maxIter: 3 }); // unconverged too
      const npix = r.labels.length;
      for (let g = 1; g <= r.groups; g++) {
        let m = 0;
        const sum = new Float64Array(B);
        for (let p = 0; p < npix; p++) {
          if (r.labels[p] !== g) continue;
          m += mass[p]!;
          for (let a = 0; a < B; a++) sum[a]! += sfh[a * npix + p]! * mass[p]!;
        }
        assert.ok(Math.abs(r.masses[g - 1]! - m) <= 1e-6 * m, `mass of group ${g}`);
        for (let a = 0; a < B; a++) assert.ok(Math.abs(r.meanSfh[(g - 1) * B + a]! - sum[a]! / m) <= 1e-6 * (sum[a]! / m) + 1e-300);
      }
    }
  });
});

describe('relabel by age', () => {
  for (const c of [cases[2]!, cases[3]!, cases[14]!, cases[15]!]) {
    test(`${name(c)}: youngest first, a pure permutation of the unrelabelled result`, () => {
      const plain = K.emdClustering(input(c));
      const aged = K.emdClustering({ ...input(c), relabel: 'age' });
      const age = (sfhRows: Float64Array, g: number): number => {
        let num = 0;
        let den = 0;
        for (let i = 0; i < B; i++) {
          num += 10 ** (-1.2 + 0.05 * i) * sfhRows[g * B + i]!;
          den += sfhRows[g * B + i]!;
        }
        return num / den;
      };
      const ages = Array.from({ length: aged.groups }, (_, g) => age(aged.meanSfh, g));
      for (let g = 1; g < ages.length; g++) assert.ok(ages[g]! > ages[g - 1]!, `ages ${ages.join(', ')}`);
      const perm = new Map<number, number>();
      for (let p = 0; p < plain.labels.length; p++) {
        const a = plain.labels[p]!;
        const b = aged.labels[p]!;
        assert.equal(Number.isNaN(a), Number.isNaN(b));
        if (Number.isNaN(a)) continue;
        if (!perm.has(a)) perm.set(a, b);
        assert.equal(perm.get(a), b, 'one new label per old label');
      }
      assert.equal(new Set(perm.values()).size, perm.size, 'a bijection');
      for (const [from, to] of perm) {
        assert.deepEqual(aged.meanSfh.subarray((to - 1) * B, to * B), plain.meanSfh.subarray((from - 1) * B, from * B));
        assert.equal(aged.masses[to - 1], plain.masses[from - 1]);
      }
      assert.equal(aged.objective, plain.objective);
      assert.equal(aged.silhouette, plain.silhouette);
    });
  }
});

describe('through the CLI', () => {
  test('init=kmeans++ restarts=3 centroid=w1-median relabel=age: new cards and the AGREEMENT HDU, read by astropy without warnings', () => {
    const tmp = tempDir();
    try {
      const args = ['--set', 'init=kmeans++', '--set', 'restarts=3', '--set', 'centroid=w1-median', '--set', 'relabel=age'];
      const run = runCli(['run', '--galaxy', '11,45', '--k', '4', ...args, ...parityArgs(tmp.dir), '--json']);
      assert.equal(run.code, 0, run.stderr);
      for (const task of run.json?.tasks ?? []) {
        assert.equal(task.status, 'ok', task.error ?? '');
        const fits = FitsFile.open(task.output!);
        try {
          assert.deepEqual(fits.hdus.map((h) => h.header.get('TYPE')), ['Group Map', 'Mean SFH', 'Mass List', 'Agreement Map']);
          assert.equal(fits.hdus[3]?.header.get('EXTNAME'), 'AGREEMENT');
          const h = fits.hdus[0]!.header;
          assert.deepEqual(['INIT', 'RESTARTS', 'CENTROID', 'RELABEL'].map((key) => h.get(key)), ['kmeans++', 3, 'w1-median', 'age']);
          for (const key of ['OBJECTIV', 'SILHOUET', 'ARI']) assert.equal(typeof h.get(key), 'number', key);
          const map = fits.readImage(0).data;
          const agreement = fits.readImage(3).data;
          for (let p = 0; p < map.length; p++) assert.equal(Number.isNaN(agreement[p]), Number.isNaN(map[p]));
        } finally {
          fits.close();
        }
        const py = spawnSync('/usr/bin/python3', ['-c', ASTROPY_READ, task.output!], { encoding: 'utf8' });
        assert.equal(py.status, 0, py.stderr);
        const seen = JSON.parse(py.stdout) as { warnings: string[]; names: string[]; cards: Record<string, unknown> };
        assert.deepEqual(seen.warnings, []);
        assert.deepEqual(seen.names, ['PRIMARY', '', '', 'AGREEMENT']);
        assert.equal(seen.cards['INIT'], 'kmeans++');
      }
    } finally {
      tmp.remove();
    }
  });

  test('the defaults: three HDUs, undefined ARI, the metrics as cards', () => {
    const tmp = tempDir();
    try {
      const run = runCli(['run', '--galaxy', '11', '--k', '3', ...parityArgs(tmp.dir), '--json']);
      assert.equal(run.code, 0, run.stderr);
      const fits = FitsFile.open(run.json!.tasks[0]!.output!);
      try {
        assert.equal(fits.hdus.length, 3);
        const h = fits.hdus[0]!.header;
        assert.deepEqual(['INIT', 'RESTARTS', 'CENTROID', 'RELABEL', 'ARI'].map((key) => h.get(key)), ['random', 1, 'mean', 'none', null]);
        assert.equal(typeof h.get('OBJECTIV'), 'number');
      } finally {
        fits.close();
      }
    } finally {
      tmp.remove();
    }
  });
});
