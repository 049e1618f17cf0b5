/**
 * cluster: the notebook's EMD k-means (emdKnn), seeded exactly like numpy's legacy
 * generator, so the same seed gives the notebook's group map pixel for pixel.
 */
import { UserError } from '../src/errors.ts';
import { emdKMeans } from '../src/kernels/index.ts';
import { ndarray } from '../src/ndarray.ts';
import type { StageContext, StageOutput } from '../src/stage.ts';

/** Clusters the smoothed SFH cube; reports each round as progress. */
export function run(ctx: StageContext): StageOutput {
  const sfh = ctx.upstream.get('collapse-smooth').arrays?.['sfh'];
  const mass = ctx.upstream.get('mass-map').arrays?.['mass'];
  if (!sfh || !mass) throw new Error('cluster: collapse-smooth or mass-map produced no array');
  const [nAges, ny, nx] = sfh.shape as [number, number, number];
  const k = Number(ctx.params['k']);
  const result = emdKMeans({
    sfh: sfh.data as Float64Array,
    mass: mass.data as Float32Array,
    nAges,
    ny,
    nx,
    k,
    seed: Number(ctx.params['seed']),
    maxIter: Number(ctx.params['maxIter']),
    minSfhSum: Number(ctx.params['minSfhSum']),
    onIteration: (iteration: number) => ctx.progress({ iteration }),
  });
  if (result.failure) {
    throw new UserError(result.failure.reason, `galaxy ${ctx.row.id}, k=${k}: ${result.failure.message}`, result.failure.hint);
  }
  return {
    meta: { iterations: result.iterations, converged: result.converged, groups: result.groups, valid: result.valid },
    arrays: {
      groupMap: ndarray(result.labels, [ny, nx]),
      meanSfh: ndarray(result.meanSfh, [result.groups, nAges]),
      masses: ndarray(result.masses, [result.groups]),
      initialLabels: ndarray(result.initialLabels, [ny, nx]),
    },
  };
}
