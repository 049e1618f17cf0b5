/**
 * The DTD chain's convergence numbers (src/dtd/fft.ts, autocorr.ts, convergence.ts):
 * - by hand: the FFT of tiny arrays, the window rule's edge cases, the autocorrelation time
 *   of series whose tau is known (independent draws: 1; an AR(1) process with phi = 0.8:
 *   (1 + phi) / (1 - phi) = 9), the 50-tau rule and the steps that would be enough;
 * - against Debian's python3-emcee (/usr/bin/python3, test/py/dtd_autocorr.py): on the same
 *   chains, stored step by step in an emcee Backend, `get_autocorr_time(discard=burn,
 *   quiet=True)` equals ours to 1e-10 relative (NaN where emcee gives NaN) and so does the
 *   mean acceptance; our FFT equals numpy's to 1e-12 of the largest coefficient.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { autocorrFunction, autoWindow, convergenceOf, fftInPlace, fitDtd, integratedTime, nextPowerOfTwo, type ChainView } from '../src/dtd/index.ts';
import { syntheticDtdHosts } from '../src/example/dtd.ts';
import { legacyGauss, legacySeed } from '../src/kernels/random.ts';
import { ROOT } from './helpers/cli.ts';

const PY = '/usr/bin/python3';
const SCRIPT = path.join(ROOT, 'test', 'py', 'dtd_autocorr.py');
// What the script imports: emcee, numpy, and scipy through the DTD reference it shares
// (scipy comes with emcee only as a recommendation, so a machine can have one without the other).
const EMCEE_OK = spawnSync(PY, ['-c', 'import emcee, numpy, scipy'], { encoding: 'utf8' }).status === 0;
// CI installs python3-emcee and python3-scipy (.ci/run), so there a missing one fails instead of skipping.
const EMCEE = EMCEE_OK || process.env.CI !== undefined ? {} : { skip: 'emcee or scipy is not importable by /usr/bin/python3: install the Debian packages python3-emcee and python3-scipy' };

/** A chain of independent normal draws per walker (tau = 1), or an AR(1) process with coefficient phi. */
function ar1Chain(nsteps: number, nwalkers: number, ndim: number, phi: number, seed: number): ChainView & { decisions: Uint8Array; accepted: Float64Array } {
  const random = legacySeed(seed);
  const chain = new Float64Array(nsteps * nwalkers * ndim);
  const scale = Math.sqrt(1 - phi * phi);
  for (let w = 0; w < nwalkers; w++) {
    for (let d = 0; d < ndim; d++) {
      let x = legacyGauss(random);
      for (let s = 0; s < nsteps; s++) {
        chain[(s * nwalkers + w) * ndim + d] = x;
        x = phi * x + scale * legacyGauss(random);
      }
    }
  }
  const decisions = new Uint8Array(nsteps * nwalkers).map((_, i) => (i % 3 === 0 ? 1 : 0));
  const accepted = new Float64Array(nwalkers);
  for (let i = 0; i < decisions.length; i++) accepted[i % nwalkers] = accepted[i % nwalkers]! + decisions[i]!;
  return { nsteps, nwalkers, ndim, chain, decisions, accepted };
}

describe('dtd convergence: the pieces, by hand', () => {
  it('transforms tiny arrays as the DFT does (no scaling forward, 1/n back)', () => {
    const re = Float64Array.from([0, 1, 0, 0]);
    const im = new Float64Array(4);
    fftInPlace(re, im);
    // x = delta at 1: X_k = exp(-2 pi i k / 4) = 1, -i, -1, i
    assert.deepEqual([...re].map((v) => Math.round(v * 1e12) / 1e12 + 0), [1, 0, -1, 0]);
    assert.deepEqual([...im].map((v) => Math.round(v * 1e12) / 1e12 + 0), [0, -1, 0, 1]);
    fftInPlace(re, im, true);
    assert.ok(Math.abs(re[1]! - 1) < 1e-15 && Math.abs(re[0]!) < 1e-15 && Math.abs(im[1]!) < 1e-15, 'back to the delta');
    const one = Float64Array.from([3]);
    fftInPlace(one, new Float64Array(1));
    assert.equal(one[0], 3);
    assert.throws(() => fftInPlace(new Float64Array(6), new Float64Array(6)), /power of two/);
    assert.deepEqual([0, 1, 2, 3, 300, 512, 513].map(nextPowerOfTwo), [1, 1, 2, 4, 512, 512, 1024]);
  });

  it("picks Sokal's window as emcee's auto_window does, numpy argmin included", () => {
    // tau(M) = 3 for all M: the first M with M >= 5 * 3 is 15.
    assert.equal(autoWindow(new Float64Array(40).fill(3)), 15);
    // every M < c tau(M) (a chain too short for its tau): numpy's argmin of all-true is 0.
    assert.equal(autoWindow(new Float64Array(10).fill(100)), 0);
    // none (NaN): the last index.
    assert.equal(autoWindow(new Float64Array(10).fill(NaN)), 9);
  });

  it('gives the autocorrelation 1 at lag 0, NaN for a series that never moves', () => {
    const acf = autocorrFunction(Float64Array.from([1, -1, 1, -1, 1, -1]), 6);
    assert.equal(acf[0], 1);
    assert.ok(acf[1]! < -0.5, 'an alternating series is anti-correlated at lag 1');
    assert.ok(autocorrFunction(new Float64Array(8).fill(2.5), 8).every(Number.isNaN));
  });

  it('measures tau = 1 for independent draws and (1 + phi) / (1 - phi) = 9 for AR(1) with phi = 0.8', () => {
    const iid = integratedTime(ar1Chain(2000, 32, 1, 0, 1));
    assert.ok(Math.abs(iid[0]! - 1) < 0.15, `iid: ${iid[0]}`);
    const ar = integratedTime(ar1Chain(4000, 32, 1, 0.8, 2));
    assert.ok(Math.abs(ar[0]! - 9) < 1, `AR(1): ${ar[0]}`);
  });

  it("applies emcee's 50-tau rule and says how many steps would be enough", () => {
    const long = ar1Chain(400, 16, 2, 0, 3);
    const ok = convergenceOf(long, 100, ['a', 'b'], long.accepted);
    assert.equal(ok.converged, true);
    assert.equal(ok.warning, null);
    assert.equal(ok.kept, 300);
    const slow = ar1Chain(400, 16, 2, 0.8, 4);
    const c = convergenceOf(slow, 100, ['a', 'b'], slow.accepted);
    assert.equal(c.converged, false);
    const worst = Math.max(...c.tau);
    assert.equal(c.stepsEnough, 100 + Math.ceil(50 * worst));
    assert.deepEqual(c.stepsNeeded, c.tau.map((t) => 100 + Math.ceil(50 * t)));
    assert.ok(c.keptOverTau.every((r, d) => r === 300 / c.tau[d]!));
    assert.match(c.warning!, new RegExp(`--set dtdSteps=${c.stepsEnough} \\(burn 100 \\+ 50 x ${worst.toFixed(1)}\\)`));
    assert.match(c.warning!, new RegExp(`autocorrelation times of ${c.tau[0]! >= c.tau[1]! ? 'a' : 'b'} `));
    // every third decision accepted: ceil(6400 / 3) = 2134 of 16 walkers x 400 steps
    assert.equal(c.acceptance, 2134 / 6400, 'accepted / (walkers x steps)');
  });

  it('says tau is undefined when a walker never moved after burn-in', () => {
    const stuck = ar1Chain(200, 8, 2, 0.5, 5);
    for (let s = 50; s < 200; s++) stuck.chain[(s * 8 + 3) * 2 + 1] = 0.25;
    const c = convergenceOf(stuck, 50, ['a', 'b'], stuck.accepted);
    assert.ok(Number.isNaN(c.tau[1]!) && Number.isFinite(c.tau[0]!));
    assert.equal(c.converged, false);
    assert.equal(c.stepsEnough, null);
    assert.match(c.warning!, /undefined for b: a walker did not move/);
  });
});

describe('dtd convergence: equal to emcee on the same chains', EMCEE, () => {
  let dir = '';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let ref: any;
  const { hosts } = syntheticDtdHosts();
  const stuck = ar1Chain(120, 8, 2, 0.5, 7);
  for (let s = 0; s < 120; s++) stuck.chain[(s * 8 + 5) * 2] = 1.5;
  const chains: { name: string; view: ChainView & { decisions: Uint8Array; accepted: Float64Array }; discard: number }[] = [
    // the notebook's settings on 60 hosts: 300 kept steps (not a power of two)
    ...(['MDA', 'MDD'] as const).map((model) => {
      const fit = fitDtd(hosts, { kList: [6], model });
      return { name: `${model} 400/100`, view: { ...fit.chain }, discard: 100 };
    }),
    // 256 kept steps (a power of two), and a chain so short that the window reaches its end
    { name: 'MDB 356/100', view: { ...fitDtd(hosts, { kList: [6], model: 'MDB', nsteps: 356 }).chain }, discard: 100 },
    { name: 'MDC 30/10', view: { ...fitDtd(hosts, { kList: [6], model: 'MDC', nsteps: 30, burn: 10 }).chain }, discard: 10 },
    { name: 'AR(1) phi 0.95, 1000 steps', view: ar1Chain(1000, 12, 3, 0.95, 6), discard: 0 },
    { name: 'one kept step', view: ar1Chain(11, 4, 2, 0.3, 8), discard: 10 },
    { name: 'a walker that never moves', view: stuck, discard: 20 },
  ];
  const series = [1, 2, 8, 600, 1024, 4096].map((n) => {
    const random = legacySeed(n);
    return Array.from({ length: nextPowerOfTwo(n) }, () => legacyGauss(random) * 3 + 1);
  });

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sfh-dtd-tau-'));
    const request = {
      chains: chains.map((c) => ({ nsteps: c.view.nsteps, nwalkers: c.view.nwalkers, ndim: c.view.ndim, discard: c.discard, chain: [...c.view.chain], decisions: [...c.view.decisions] })),
      fft: series,
    };
    const file = path.join(dir, 'request.json');
    writeFileSync(file, JSON.stringify(request));
    const run = spawnSync(PY, [SCRIPT, file], { encoding: 'utf8', maxBuffer: 256 << 20 });
    assert.equal(run.status, 0, run.stderr);
    ref = JSON.parse(run.stdout);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const num = (v: number | string): number => (typeof v === 'number' ? v : v === 'nan' ? NaN : v === 'inf' ? Infinity : -Infinity);

  it("computes numpy's FFT to 1e-12 of the largest coefficient", (t) => {
    let worst = 0;
    series.forEach((x, i) => {
      const re = Float64Array.from(x);
      const im = new Float64Array(x.length);
      fftInPlace(re, im);
      const want = ref.fft[i] as { re: number[]; im: number[] };
      let scale = 0;
      for (let j = 0; j < x.length; j++) scale = Math.max(scale, Math.hypot(want.re[j]!, want.im[j]!));
      for (let j = 0; j < x.length; j++) {
        const err = Math.hypot(re[j]! - want.re[j]!, im[j]! - want.im[j]!) / scale;
        worst = Math.max(worst, err);
        assert.ok(err <= 1e-12, `length ${x.length}, coefficient ${j}: ${err}`);
      }
    });
    t.diagnostic(`largest difference to numpy ${worst.toExponential(2)} of the largest coefficient`);
  });

  for (const [i, c] of chains.entries()) {
    it(`gives emcee's tau and acceptance on ${c.name} (1e-10 relative)`, (t) => {
      const ours = integratedTime(c.view, c.discard);
      const theirs = (ref.chains[i].tau as (number | string)[]).map(num);
      assert.equal(ours.length, theirs.length);
      let worst = 0;
      ours.forEach((v, d) => {
        const w = theirs[d]!;
        if (Number.isNaN(w)) return assert.ok(Number.isNaN(v), `param ${d}: emcee gives NaN, we ${v}`);
        const rel = Math.abs(v - w) / Math.abs(w);
        worst = Math.max(worst, rel);
        assert.ok(rel <= 1e-10, `param ${d}: ${v} vs emcee ${w} (${rel})`);
      });
      const conv = convergenceOf(c.view, c.discard, ours.map((_, d) => `p${d}`), c.view.accepted);
      assert.ok(Math.abs(conv.acceptance - num(ref.chains[i].acceptance)) <= 1e-15, `acceptance ${conv.acceptance} vs ${ref.chains[i].acceptance}`);
      t.diagnostic(`tau ${[...ours].map((v) => v.toFixed(3)).join(', ')}; emcee ${ref.emcee}, numpy ${ref.numpy}; largest relative difference ${worst.toExponential(2)}`);
    });
  }

  it('would notice a wrong window constant (the comparison can fail)', () => {
    const c = chains[0]!;
    const off = integratedTime(c.view, c.discard, 6);
    const theirs = (ref.chains[0].tau as number[]).map(num);
    assert.ok(off.some((v, d) => Math.abs(v - theirs[d]!) / theirs[d]! > 1e-6));
  });
});
