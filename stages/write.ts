/**
 * write: the result FITS in the notebook's layout, so downstream scripts keep working:
 * PRIMARY = group map (float64, NaN = excluded), HDU 1 = mean SFH per group (k' x 50,
 * float64), HDU 2 = mass per group (k', float32), each with the card TYPE. On top of the
 * notebook: the celestial WCS on the map, cards that record what produced it and how good
 * the grouping is, and with restarts > 1 an AGREEMENT image after the notebook's three.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { resultFile, type Galaxy } from '../src/catalog/galaxy.ts';
import { writableCards, writeFits, type Card, type WriteHdu } from '../src/fits/index.ts';
import { ndarray } from '../src/ndarray.ts';
import type { StageContext, StageInputContext, StageOutput } from '../src/stage.ts';

function outputFile(ctx: StageInputContext): string {
  const galaxy = ctx.upstream.get('catalog').meta['galaxy'] as unknown as Galaxy;
  return resultFile(String(ctx.params['out']), String(ctx.params['name']), galaxy, { k: Number(ctx.params['k']), seed: Number(ctx.params['seed']) });
}

/** This stage records the lineage (every parameter and input hash) in each result. */
export const provenance = true;

/** The result file, claimed before the stage runs so two sweep points cannot share it. */
export function outputs(ctx: StageInputContext): string[] {
  return [outputFile(ctx)];
}

/** Writes `<out>/<id>_<SN Name>_<k>.fits` atomically (temporary name, then rename). */
export async function run(ctx: StageContext): Promise<StageOutput> {
  const galaxy = ctx.upstream.get('catalog').meta['galaxy'] as unknown as Galaxy;
  const loaded = ctx.upstream.get('load-cubes').meta;
  const cluster = ctx.upstream.get('cluster');
  const arrays = cluster.arrays ?? {};
  const groupMap = arrays['groupMap'];
  const meanSfh = arrays['meanSfh'];
  const masses = arrays['masses'];
  if (!groupMap || !meanSfh || !masses) throw new Error('write: cluster produced no groupMap/meanSfh/masses');
  const k = Number(ctx.params['k']);
  const file = outputFile(ctx);
  mkdirSync(path.dirname(file), { recursive: true });

  // No SN (an nGIST folder given without a catalog, or no WCS to place it): its cards are undefined.
  const sn = (loaded['sn'] as { x: number; y: number; int: number[]; nearest: number[]; pixel: number[]; inside: boolean } | null) ?? { x: null, y: null, int: [], nearest: [], pixel: [null, null], inside: false };
  const [px, py] = sn.pixel as [number, number];
  const nx = (loaded['shape'] as number[])[2] as number;
  const label = sn.inside ? (groupMap.data[py * nx + px] as number) : NaN;
  const snGroup = Number.isNaN(label) ? null : label;
  const meta = cluster.meta;
  const wcs = Object.entries(loaded['wcsCards'] as Record<string, string | number>).map(([key, value]): Card => ({ key, value }));
  const produced: Card[] = [
    { key: 'SFHVER', value: ctx.run.version, comment: 'sfh-pipeline version' },
    { key: 'PIPEHASH', value: ctx.run.pipelineHash, comment: 'sha256 of the stages declared that made it' },
    { key: 'GALAXY', value: galaxy.id, comment: 'catalog id' },
    { key: 'SNNAME', value: galaxy.snName },
    { key: 'K', value: k, comment: 'groups requested' },
    { key: 'NGROUPS', value: Number(meta['groups']), comment: 'groups kept (groups of <= 1 pixel are dropped)' },
    { key: 'SEED', value: Number(ctx.params['seed']), comment: 'np.random.seed of the initial labels' },
    { key: 'NITER', value: Number(meta['iterations']), comment: 'assignment rounds run' },
    { key: 'CONVERGE', value: Boolean(meta['converged']), comment: 'no label changed in the last round' },
    { key: 'NVALID', value: Number(meta['valid']), comment: 'pixels grouped' },
    { key: 'PSFSIG', value: Number(loaded['psfSigma']), comment: '[pixel] gaussian sigma = SKY_RES/scale/2.355' },
    { key: 'SKY_RES', value: Number(loaded['skyRes']), comment: '[arcsec] seeing FWHM used' },
    { key: 'SNX', value: sn.x, comment: '[pixel] SN x, 0-based, from the WCS' },
    { key: 'SNY', value: sn.y, comment: '[pixel] SN y, 0-based, from the WCS' },
    { key: 'SNPIXX', value: px, comment: 'SN pixel x used (nearest unless snPixel=int)' },
    { key: 'SNPIXY', value: py, comment: 'SN pixel y used' },
    { key: 'SNINTX', value: sn.int[0] ?? null, comment: "the notebook's int() of SNX" },
    { key: 'SNINTY', value: sn.int[1] ?? null, comment: "the notebook's int() of SNY" },
    { key: 'SNGROUP', value: snGroup, comment: 'group at the SN pixel (undefined: none)' },
    ...qualityCards(meta),
    ...ngistCards(loaded),
  ];
  const agreement = arrays['agreement'];
  const bins = ctx.upstream.get('load-cubes').arrays?.['bins'];
  const ages = loaded['ages'];
  const hdus: WriteHdu[] = [
    { data: groupMap, cards: [{ key: 'TYPE', value: 'Group Map' }, ...wcs, ...produced, ...lineageCards(ctx)] },
    { data: meanSfh, cards: [{ key: 'TYPE', value: 'Mean SFH' }] },
    { data: masses, cards: [{ key: 'TYPE', value: 'Mass List' }] },
    ...(agreement ? [{ data: agreement, extname: 'AGREEMENT', cards: [{ key: 'TYPE', value: 'Agreement Map' }, ...wcs] }] : []),
    // nGIST: the run's age grid (the mean SFH's columns) and the spaxels' Voronoi bins, so a
    // reader can label the ages and check a map against the bins without the nGIST files.
    ...(Array.isArray(ages) ? [{ data: ndarray(Float64Array.from(ages as number[]), [ages.length]), extname: 'AGES', cards: [{ key: 'TYPE', value: 'Age Grid' }, { key: 'BUNIT', value: 'Gyr', comment: 'age of each mean SFH column' }] }] : []),
    ...(bins ? [{ data: bins, extname: 'BINS', cards: [{ key: 'TYPE', value: 'Bin Map' }, { key: 'COMMENT', value: 'nGIST BIN_ID of each spaxel; -1 = masked' }, ...wcs] }] : []),
  ];
  // Names that are not ASCII (an SN, a file, a folder) are written percent-encoded (see
  // src/fits/header-text.ts); a card that still cannot be written is left out, never the result.
  const writable = hdus.map((hdu) => {
    const { cards, dropped } = writableCards(hdu.cards ?? []);
    for (const d of dropped) ctx.warn(`galaxy ${galaxy.id} (${galaxy.snName}): card ${d.card.key} left out of ${path.basename(file)}: ${d.why}`);
    return { ...hdu, cards };
  });
  await writeFits(file, writable);
  return { meta: { output: file, snGroup }, files: [file] };
}

/**
 * How the grouping was made and how good it is (docs/clustering.md); the report reads these
 * names. A metric that does not apply (the silhouette of one group, the ARI of one run) is
 * an undefined card value.
 */
function qualityCards(meta: StageOutput['meta']): Card[] {
  // a float card even when the value happens to be integral (0, 1); undefined when absent
  const real = (key: string, v: unknown, comment: string): Card =>
    typeof v === 'number' && Number.isFinite(v) ? { key, value: v, type: 'float', comment } : { key, value: null, comment };
  return [
    real('OBJECTIV', meta['objective'], 'total EMD of the pixels to their centroids'),
    real('SILHOUET', meta['silhouette'], 'mean EMD silhouette (undefined: < 2 groups)'),
    { key: 'INIT', value: String(meta['init']), comment: 'start: random (notebook) or kmeans++' },
    { key: 'RESTARTS', value: Number(meta['restarts']), comment: 'runs with seeds SEED.., lowest objective kept' },
    { key: 'CENTROID', value: String(meta['centroid']), comment: 'mean (notebook) or w1-median' },
    { key: 'RELABEL', value: String(meta['relabel']), comment: 'none, or age: group 1 = youngest' },
    real('ARI', meta['ari'], 'mean pairwise adjusted Rand index of restarts'),
  ];
}

/**
 * What an nGIST input was and how it was read (docs/ngist.md): the run, whether its weights
 * are mass or light fractions (the notebook's groups assume mass), and where the mass map
 * came from. None for the notebook's pPXF cubes.
 */
function ngistCards(loaded: StageOutput['meta']): Card[] {
  if (loaded['mode'] !== 'ngist') return [];
  const ngist = loaded['ngist'] as { run: string };
  return [
    { key: 'INPUT', value: 'nGIST', comment: 'SFHs from an nGIST/GIST run' },
    { key: 'NGISTRUN', value: ngist.run, comment: 'nGIST RUN_ID' },
    { key: 'SFHWEIGH', value: String(loaded['weights']), comment: 'MASS or LIGHT fractions (NORM_TEMP), or unknown' },
    { key: 'MASSSRC', value: String(loaded['massSource']), comment: 'per-spaxel map weighting the means: nGIST FLUX' },
    { key: 'NAGES', value: (loaded['ages'] as number[]).length, comment: 'ages of the grid (AGES HDU)' },
    { key: 'NBINS', value: Number(loaded['bins']), comment: 'Voronoi bins (BINS HDU)' },
    { key: 'PIXSCALE', value: Number(loaded['pixelScale']), comment: '[arcsec] spaxel size (PIXSIZE)' },
  ];
}

/**
 * The lineage as cards: every parameter of the chain (`HIERARCH SFH <NAME>`; folders by
 * their last component, so the bytes do not depend on where the data sits), every input
 * file with its sha256 (`INFILEn`, `INSHAn`: short keys, so a 64-digit hash fits one card),
 * and ESO's light provenance (Phase 3): `PROVn` naming input n, whose sha256 is `INSHAn`.
 */
function lineageCards(ctx: StageContext): Card[] {
  const cards: Card[] = [];
  const { params, inputs } = ctx.lineage;
  for (const [name, value] of Object.entries(params)) {
    // Where the result goes is not what it is: a copy written elsewhere must be identical.
    if (name === 'out' || name === 'name') continue;
    // An unset optional path (ngist for a catalog run) says nothing about the result.
    if (value === '') continue;
    const v = typeof value === 'string' && path.isAbsolute(value) ? path.basename(value) : value;
    cards.push({ key: `SFH ${name.toUpperCase()}`, value: v, comment: 'pipeline parameter' });
  }
  const files = Object.entries(inputs);
  files.forEach(([file, sha], i) => {
    cards.push({ key: `INFILE${i + 1}`, value: path.basename(file), comment: 'input file' });
    cards.push({ key: `INSHA${i + 1}`, value: sha });
  });
  files.forEach(([file], i) => cards.push({ key: `PROV${i + 1}`, value: path.basename(file), comment: `sha256 in INSHA${i + 1}` }));
  return cards;
}
