/**
 * Parity with the original notebook, through the real CLI: for both seeds, galaxies 11 and
 * 45 and k = 2, 3, 4, 6, the group maps equal the notebook's on every pixel (NaN included),
 * the mean SFHs and masses agree to 1e-6 relative, the SN position to 1e-6 pixel, and the
 * iteration counts are the same. The intermediate arrays are checked stage by stage.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FitsFile } from '../src/fits/index.ts';
import { PARITY, parityArgs, runCli, tempDir, type CliResult } from './helpers/cli.ts';
import { runStagesInProcess } from './helpers/stages.ts';

const GALAXIES = [
  { id: '11', sn: 'SN2013aa' },
  { id: '45', sn: 'SN2015bp' },
];
const KS = [2, 3, 4, 6];
const SEEDS = [0, 1];

interface Expected {
  minpos: [number, number];
  minposf: [number, number];
  psfSig: number;
  iters: number;
  valid: number;
}

function expectedJson(seed: number, id: string, sn: string, k: number): Expected {
  return JSON.parse(readFileSync(path.join(PARITY, 'expected', `seed${seed}`, `${id}_${sn}_${k}.json`), 'utf8')) as Expected;
}

function readAll(file: string) {
  const fits = FitsFile.open(file);
  try {
    return fits.hdus.map((h) => ({ header: h.header, array: fits.readImage(h.index) }));
  } finally {
    fits.close();
  }
}

/** Largest relative difference |a-b| / max(|b|, tiny). */
function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'lengths differ');
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    const d = Math.abs(x - y) / Math.max(Math.abs(y), 1e-300);
    if (d > worst) worst = d;
  }
  return worst;
}

for (const seed of SEEDS) {
  describe(`parity with the notebook, seed ${seed}`, () => {
    const tmp = tempDir();
    let run: CliResult;
    before(() => {
      run = runCli(['run', '--galaxy', '11,45,12', '--k', KS.join(','), '--seed', String(seed), ...parityArgs(tmp.dir), '--json', '--jobs', '2']);
    });
    after(() => tmp.remove());

    test('the run succeeds and skips the core-collapse SN with a reason', () => {
      assert.equal(run.code, 0, run.stderr);
      const tasks = run.json?.tasks ?? [];
      assert.equal(tasks.length, 3 * KS.length);
      const cc = tasks.filter((t) => t.galaxy === '12');
      assert.equal(cc.length, KS.length);
      for (const t of cc) {
        assert.equal(t.status, 'skipped');
        assert.match(t.skipped ?? '', /no pPXF output .*12_SN2013ab\.fits.*type II/);
      }
    });

    for (const g of GALAXIES) {
      for (const k of KS) {
        test(`galaxy ${g.id} k=${k}: group map, mean SFH, masses, SN pixel, iterations`, () => {
          const task = run.json?.tasks.find((t) => t.galaxy === g.id && t.k === k);
          assert.ok(task, 'task in the --json record');
          assert.equal(task.status, 'ok', task.error ?? '');
          assert.equal(task.output, path.join(tmp.dir, `${g.id}_${g.sn}_${k}.fits`));
          const ours = readAll(task.output);
          const theirs = readAll(path.join(PARITY, 'expected', `seed${seed}`, `${g.id}_${g.sn}_${k}.fits`));
          const exp = expectedJson(seed, g.id, g.sn, k);
          assert.equal(ours.length, 3);
          ['Group Map', 'Mean SFH', 'Mass List'].forEach((type, i) => assert.equal(ours[i]?.header.get('TYPE'), type));

          const [map, sfh, mass] = ours as [(typeof ours)[0], (typeof ours)[0], (typeof ours)[0]];
          const [emap, esfh, emass] = theirs as [(typeof ours)[0], (typeof ours)[0], (typeof ours)[0]];
          assert.ok(map.array.data instanceof Float64Array, 'group map is float64');
          assert.deepEqual(map.array.shape, emap.array.shape);
          let differ = 0;
          let valid = 0;
          for (let i = 0; i < map.array.data.length; i++) {
            const a = map.array.data[i] as number;
            const b = emap.array.data[i] as number;
            if (!(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)))) differ++;
            if (!Number.isNaN(a)) valid++;
          }
          assert.equal(differ, 0, `${differ} pixels differ from the notebook's group map`);
          assert.equal(valid, exp.valid);

          assert.deepEqual(sfh.array.shape, esfh.array.shape, 'mean SFH shape (groups kept x 50)');
          assert.ok(maxRelDiff(sfh.array.data as Float64Array, esfh.array.data as Float64Array) <= 1e-6);
          assert.ok(mass.array.data instanceof Float32Array, 'masses are float32 as in the notebook');
          assert.ok(maxRelDiff(mass.array.data as Float32Array, emass.array.data as Float32Array) <= 1e-6);

          const h = map.header;
          assert.ok(Math.abs(Number(h.get('SNX')) - exp.minposf[0]) <= 1e-6, `SNX ${h.get('SNX')} vs ${exp.minposf[0]}`);
          assert.ok(Math.abs(Number(h.get('SNY')) - exp.minposf[1]) <= 1e-6, `SNY ${h.get('SNY')} vs ${exp.minposf[1]}`);
          assert.deepEqual([h.get('SNINTX'), h.get('SNINTY')], exp.minpos);
          assert.ok(Math.abs(Number(h.get('PSFSIG')) - exp.psfSig) <= 1e-12);
          assert.equal(h.get('NITER'), exp.iters);
          assert.equal(h.get('SEED'), seed);
          assert.equal(h.get('K'), k);
        });
      }
    }
  });
}

describe('parity of the intermediate arrays (stage by stage)', () => {
  for (const seed of SEEDS) {
    for (const g of GALAXIES) {
      test(`galaxy ${g.id} seed ${seed}: mass map exact, smoothed SFH to 1e-12, initial labels exact`, async () => {
        const outputs = await runStagesInProcess({ galaxy: g.id, params: { k: 4, seed } });
        const dir = path.join(PARITY, 'expected', `seed${seed}`);
        const mass = outputs.get('mass-map')?.arrays?.['mass'];
        const emass = readAll(path.join(dir, `${g.id}_${g.sn}_mass.fits`))[0]?.array;
        assert.ok(mass && emass);
        assert.deepEqual(mass.shape, emass.shape);
        for (let i = 0; i < mass.data.length; i++) {
          const a = mass.data[i] as number;
          const b = emass.data[i] as number;
          assert.ok(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)), `mass pixel ${i}: ${a} vs ${b}`);
        }
        const sfh = outputs.get('collapse-smooth')?.arrays?.['sfh'];
        const esfh = readAll(path.join(dir, `${g.id}_${g.sn}_sfh_smoothed.fits`))[0]?.array;
        assert.ok(sfh && esfh);
        assert.deepEqual(sfh.shape, esfh.shape);
        let worst = 0;
        for (let i = 0; i < sfh.data.length; i++) {
          const a = sfh.data[i] as number;
          const b = esfh.data[i] as number;
          const d = a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
          if (d > worst) worst = d;
        }
        assert.ok(worst <= 1e-12, `smoothed SFH differs by ${worst} relative`);
        const init = outputs.get('cluster')?.arrays?.['initialLabels'];
        const einit = readAll(path.join(dir, `${g.id}_${g.sn}_4_init.fits`))[0]?.array;
        assert.ok(init && einit);
        assert.deepEqual([...init.data], [...einit.data]);
      });
    }
  }
});
