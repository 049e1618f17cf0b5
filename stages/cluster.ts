/**
 * cluster: the notebook's EMD k-means (emdKnn), seeded exactly like numpy's legacy
 * generator, so the same seed gives the notebook's group map pixel for pixel. Opt-in:
 * a k-means++ start, restarts, the W1-median centroid and age-ordered labels
 * (docs/clustering.md); the objective and the silhouette are always reported.
 */
import { UserError } from '../src/errors.ts';
import { emdClustering, MAX_K, type EmdKMeansCentroid, type EmdKMeansInit, type Relabel } from '../src/kernels/index.ts';
import { ndarray } from '../src/ndarray.ts';
import type { StageContext, StageOutput } from '../src/stage.ts';

/** Clusters the smoothed SFH cube; reports each round (and restart) as progress. */
export function run(ctx: StageContext): StageOutput {
  const sfh = ctx.upstream.get('collapse-smooth').arrays?.['sfh'];
  const mass = ctx.upstream.get('mass-map').arrays?.['mass'];
  if (!sfh || !mass) throw new Error('cluster: collapse-smooth or mass-map produced no array');
  const [nAges, ny, nx] = sfh.shape as [number, number, number];
  const k = Number(ctx.params['k']);
  const seed = Number(ctx.params['seed']);
  const restarts = Number(ctx.params['restarts']);
  const init = String(ctx.params['init']) as EmdKMeansInit;
  const centroid = String(ctx.params['centroid']) as EmdKMeansCentroid;
  const relabel = String(ctx.params['relabel']) as Relabel;
  // An nGIST run's own ages (Gyr) for the mean ages; the notebook's MILES grid otherwise.
  const ages = ctx.upstream.get('collapse-smooth').meta['ages'];
  // k is declared without a maximum (--k 1e12 is legal), the clustering makes at most
  // MAX_K groups: said as what it is, not as the kernel's bare throw (stage-threw). A k
  // below that but above the valid pixels is refused below, with the largest usable k.
  if (k > MAX_K) {
    throw new UserError('k-too-large', `galaxy ${ctx.row.id}: k=${k} groups for a map of ${nx} x ${ny} = ${nx * ny} pixels (the clustering makes at most ${MAX_K} groups)`, `use k <= the number of valid pixels (a group needs at least two pixels to be kept)`);
  }
  if (seed + restarts - 1 > 0xffffffff) {
    throw new UserError('usage', `galaxy ${ctx.row.id}: restarts use the seeds ${seed}..${seed + restarts - 1}, beyond np.random.seed's 2**32 - 1`, 'use a smaller seed or fewer restarts');
  }
  const result = emdClustering({
    sfh: sfh.data as Float64Array,
    mass: mass.data as Float32Array,
    nAges,
    ny,
    nx,
    k,
    seed,
    maxIter: Number(ctx.params['maxIter']),
    minSfhSum: Number(ctx.params['minSfhSum']),
    init,
    centroid,
    restarts,
    relabel,
    ...(Array.isArray(ages) ? { ages: ages as number[] } : {}),
    onIteration: (restart, iteration) => ctx.progress(restarts > 1 ? { iteration, message: `restart ${restart + 1}/${restarts}` } : { iteration }),
  });
  if (result.valid > 0 && k > result.valid) {
    throw new UserError('k-too-large', `galaxy ${ctx.row.id}: k=${k} groups for ${result.valid} valid pixels`, `use k <= ${result.valid} (a group needs at least two pixels to be kept), or lower minSfhSum to group more pixels`);
  }
  if (result.failure) {
    throw new UserError(result.failure.reason, `galaxy ${ctx.row.id}, k=${k}: ${result.failure.message}`, result.failure.hint);
  }
  if (result.failedRestarts > 0) {
    ctx.warn(`${result.failedRestarts} of ${restarts} restarts failed (kept the best of the others): objectives ${result.restartObjectives.join(', ')}`);
  }
  return {
    meta: {
      iterations: result.iterations,
      converged: result.converged,
      groups: result.groups,
      valid: result.valid,
      objective: result.objective,
      silhouette: result.silhouette,
      init,
      restarts,
      centroid,
      relabel,
      ari: result.ari,
      keptSeed: result.keptSeed,
      restartObjectives: result.restartObjectives.map((x) => (Number.isNaN(x) ? null : x)),
      meanAges: [...result.meanAges].map((x) => (Number.isNaN(x) ? null : x)),
    },
    arrays: {
      groupMap: ndarray(result.labels, [ny, nx]),
      meanSfh: ndarray(result.meanSfh, [result.groups, nAges]),
      masses: ndarray(result.masses, [result.groups]),
      initialLabels: ndarray(result.initialLabels, [ny, nx]),
      ...(result.agreement ? { agreement: ndarray(result.agreement, [ny, nx]) } : {}),
    },
  };
}
