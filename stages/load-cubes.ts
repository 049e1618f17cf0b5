/**
 * load-cubes: opens the galaxy's MUSE cube and its pPXF output, checks that their shapes
 * agree, finds the SN's pixel from the cube's WCS and the PSF width from the seeing, and
 * reads each file once, whole: the nanmedian over wavelength of the cube's DATA and of the
 * best fit (the mass map's two medians, streamed, src/cube/streamed-median.ts) and each
 * file's sha256 from the same bytes. That single read is why the medians are taken here and
 * not in mass-map: on a cold cache the engine runs this stage before its key is known and
 * takes the hashes it returns (hashesInputs, docs/caching.md), so a 3 GB cube is read
 * once instead of once to hash it and once to use it. Only the two medians (one float32 per
 * pixel each) pass through the cache; collapse-smooth reads the SFH weights from the file.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { HashTap, readForHash, unchangedSince } from '../src/cache/file-hash.ts';
import { cubeFile, sfhFile, type Galaxy } from '../src/catalog/galaxy.ts';
import { FileChecks } from '../src/cube/file-checks.ts';
import { chooseHdu } from '../src/cube/choose-hdu.ts';
import { psfSigmaOf, seeingOf } from '../src/cube/psf.ts';
import { medianPair, startFileWorker } from '../src/cube/pair.ts';
import { UserError } from '../src/errors.ts';
import { notA } from '../src/path-errors.ts';
import { FitsFile, judgeInput, type ChecksumPolicy, type HduInfo } from '../src/fits/index.ts';
import { findHdu } from '../src/fits/find-hdu.ts';
import { fitsHeaders, fitsWarnings } from '../src/fits/small-fits.ts';
import { bothFormsWarning, fitsFileOf, isGzip } from '../src/fits/gzip.ts';
import type { InputRead, Json, StageContext, StageInputContext, StageOutput } from '../src/stage.ts';
import { ngistInputs, findNgistRun } from '../src/ngist/files.ts';
import { ndarray } from '../src/ndarray.ts';
import { celestialWcs, hasPixel, noPixelMessage, worldToPixel, type CelestialWcs } from '../src/wcs/index.ts';

/** Number of SSP ages and metallicities of the pPXF template grid (MILES, as in the notebook). */
export { N_AGES, N_METALS } from '../src/cube/file-checks.ts';

function paths(ctx: StageInputContext): { galaxy: Galaxy; cube: string; sfh: string } {
  const galaxy = ctx.upstream.get('catalog').meta['galaxy'] as unknown as Galaxy;
  return { galaxy, cube: cubeFile(String(ctx.params['cubes']), galaxy), sfh: sfhFile(String(ctx.params['sfh']), galaxy) };
}

/**
 * The cube and the pPXF output; for an nGIST galaxy its run's table, weights, mask and
 * CONFIG (and the cube when it is there, for its WCS and SKY_RES).
 */
export function inputs(ctx: StageInputContext): string[] {
  const p = paths(ctx);
  if (p.galaxy.ngist !== undefined) return [...ngistInputs(p.galaxy.ngist), ...(existsSync(fitsFileOf(p.cube)) ? [p.cube] : [])];
  // A row that skips reads no cube: its key is the pPXF output's absence, not the cube's
  // hash (3 GB read for nothing at full resolution, 323 times in the study's catalog).
  if (skip(ctx) !== undefined) return [p.sfh];
  return [p.cube, p.sfh];
}

/**
 * Why this galaxy has nothing to do, decided from its row and the --sfh folder before
 * anything is read: a core-collapse host was never fitted (as in the original study). An
 * SN Ia host without its fit is a problem, not a skip (run says so): a whole catalog
 * "succeeding" with nothing done is how a wrong --sfh would otherwise go unnoticed. The Slurm
 * driver asks this before submitting, so such a row gets no array element.
 */
export function skip(ctx: StageInputContext): string | undefined {
  const { galaxy, sfh } = paths(ctx);
  if (galaxy.ngist !== undefined || galaxy.snType === 'Ia' || notA(path.dirname(sfh), 'folder') || existsSync(fitsFileOf(sfh))) return undefined;
  // (the file's name, not its path: the reason is shown in outputs a moved project must reproduce)
  return `no pPXF output ${path.basename(sfh)} in the --sfh folder (SN type ${galaxy.snType || 'unknown'}: only SN Ia hosts were fitted)`;
}

/** This stage reads its inputs whole and returns their hashes (src/engine/read-first.ts). */
export const hashesInputs = true;

/**
 * Boots the file worker ahead of the first cube (a worker calls this while idle): every pair
 * of plain binned files uses it (src/cube/pair.ts). The streamed median's helper threads are
 * not booted here: only a full-resolution or gzip file uses them, which starts them at its
 * first median (~50 ms, once per worker); booted here, two threads that a binned galaxy never
 * uses took ~0.15 s of CPU each while the same worker ran collapse-smooth and cluster on a
 * 2-core machine (docs/benchmark.md).
 */
export function warm(): void {
  startFileWorker();
}

/** Checks the two files, locates the SN and takes the two medians (or reads the nGIST run, see {@link runNgist}). */
export async function run(ctx: StageContext): Promise<StageOutput> {
  const { galaxy, cube, sfh } = paths(ctx);
  const who = `galaxy ${galaxy.id} (${galaxy.snName})`;
  if (galaxy.ngist !== undefined) {
    // small files, read in other ways: hashed first, and vouched for only if unchanged after
    const files = inputs(ctx);
    const reads = files.map((f) => [f, readForHash(f)] as const);
    const out = await runNgist(ctx, galaxy, galaxy.ngist, cube, who);
    const inputsRead: Record<string, InputRead> = {};
    for (const [f, read] of reads) if (read && unchangedSince(f, read)) inputsRead[f] = read;
    return { ...out, inputsRead };
  }
  // The files as found: `X.fits`, or `X.fits.gz` next to that name (src/fits/gzip.ts). They
  // keep their `.fits` names in keys and outputs: a compressed copy is the same input.
  const sfhFile = fitsFileOf(sfh);
  const cubeFile = fitsFileOf(cube);
  for (const f of [cube, sfh]) {
    const both = bothFormsWarning(f);
    if (both) ctx.warn(`${who}: ${both}`);
  }
  const sfhFolder = notA(path.dirname(sfh), 'folder');
  if (sfhFolder) {
    throw new UserError('missing-input', `${who}: the pPXF output folder ${path.dirname(sfh)} ${sfhFolder}`, 'pass the folder of the <id>_<SN Name>.fits files with --sfh', sfh);
  }
  const skipped = skip(ctx);
  if (skipped !== undefined) return { meta: {}, skip: skipped };
  // An SN Ia host without its fit is a problem, not a skip (see skip above).
  if (!existsSync(sfhFile)) throw new UserError('missing-input', `${who}: no pPXF output ${sfh} (nor ${path.basename(sfh)}.gz) for this SN Ia`, 'check --sfh and the file name (<id>_<SN Name>.fits, or .fits.gz); core-collapse SNe are skipped, SN Ia hosts need their fit', sfh);
  // (a folder in its place: named here, since a read of it says only 'a path is a folder')
  const sfhProblem = notA(sfhFile, 'file');
  if (sfhProblem) throw new UserError('missing-input', `${who}: the pPXF output ${sfhFile} ${sfhProblem}`, 'the pPXF output is the FITS file <id>_<SN Name>.fits (or .fits.gz) in --sfh: move the folder away, or check --sfh', sfh);
  const cubeProblem = notA(cubeFile, 'file');
  if (cubeProblem) {
    const problem = cubeProblem === 'does not exist' ? `not found (nor ${path.basename(cube)}.gz)` : cubeFile === cube ? cubeProblem : `(found as ${path.basename(cubeFile)}) ${cubeProblem}`;
    throw new UserError('missing-input', `${who}: cube ${cube} ${problem}`, `the cube is named after ArcName with ADP replaced by CDP (.fits or .fits.gz); check --cubes`, cube);
  }
  // the taps record each file's stat before anything is read, and check it after the last byte
  const taps = [new HashTap(cube), new HashTap(sfh)] as const;
  const checks = new FileChecks(who, cube, sfh);
  let meta: Record<string, Json> | undefined;
  const describe = (hdus: readonly HduInfo[], data: HduInfo): void => {
    const [, ny, nx] = data.shape as [number, number, number];
    const seeing = seeingOf(Number(ctx.params['psfFwhm']), hdus[0]?.header.get('SKY_RES'), galaxy.skyRes, cube, who);
    const skyRes = seeing.fwhm;
    const pixelScale = Number(ctx.params['pixelScale']);
    const psfSigma = psfSigmaOf(seeing, pixelScale, ny, nx, who, cube);
    const sn = snPixel(ctx, celestialWcs(data.header, { file: cube }), galaxy.ra ?? NaN, galaxy.dec ?? NaN, nx, ny, who, cube);
    meta = { cube, sfh, dataHdu: data.index, shape: [...data.shape], skyRes, pixelScale, psfSigma, sn, wcsCards: celestialCards(data.header) };
  };
  // Plain files are checked before anything is read (a header is all it takes); a gzip
  // file's headers are known only once it has been inflated through, its median's first pass.
  const plain = !isGzip(cubeFile) && !isGzip(sfhFile);
  let found: { cube: readonly HduInfo[]; sfh: readonly HduInfo[] } | undefined;
  if (plain) {
    const [cubeFits, sfhFits] = [FitsFile.open(cubeFile), FitsFile.open(sfhFile)];
    try {
      const data = chooseHdu(cubeFits.hdus, { pick: isData, fallback: 1, wanted: "'DATA'" }, cubeFile);
      checks.cube(data, cubeFits.size);
      checks.fit(sfhFits.hdus, data, sfhFits.size);
      describe(cubeFits.hdus, data);
      found = { cube: cubeFits.hdus, sfh: sfhFits.hdus };
    } finally {
      cubeFits.close();
      sfhFits.close();
    }
  }
  let dataHdu: HduInfo | undefined; // (a gzip cube's DATA, once its first pass found it)
  const onCube = (hdus: readonly HduInfo[], data: HduInfo): void => {
    checks.cube(data);
    describe(hdus, data);
    dataHdu = data;
  };
  // The two medians, each file read once (src/cube/pair.ts); the same read checks the
  // checksums of the HDUs used (the cube's primary and DATA, every HDU of the pPXF output)
  // and notes the defects it reads past.
  const policy = String(ctx.params['checksums'] ?? 'warn') as ChecksumPolicy;
  const [data, fit] = await medianPair(
    { tap: taps[0], file: cubeFile, sums: policy === 'off' ? null : [0], target: { pick: isData, fallback: 1, wanted: "'DATA'", ...(plain ? {} : { check: onCube }) }, ...(found ? { hdus: found.cube } : {}) },
    { tap: taps[1], file: sfhFile, sums: policy === 'off' ? null : 'all', target: { pick: (h: HduInfo) => h.index === 0, fallback: 0, ...(plain ? {} : { check: (hdus: readonly HduInfo[]) => checks.fit(hdus, dataHdu!) }) }, ...(found ? { hdus: found.sfh } : {}) },
  );
  for (const w of [...judgeInput(cube, data.warnings, data.checksums, policy), ...judgeInput(sfh, fit.warnings, fit.checksums, policy)]) ctx.warn(`${who}: ${w}`);
  const [, ny, nx] = data.target.shape as [number, number, number];
  const inputsRead: Record<string, InputRead> = {};
  for (const [name, r] of [[cube, data], [sfh, fit]] as const) if (r.read) inputsRead[name] = r.read;
  return { meta: meta!, arrays: { dataMedian: ndarray(data.median, [ny, nx]), fitMedian: ndarray(fit.median, [ny, nx]) }, inputsRead };
}

/** The cube's DATA extension (else HDU 1, as the notebook's `[1]`). */
function isData(h: HduInfo): boolean {
  return h.name.toUpperCase() === 'DATA';
}

/** The SN cards of a position with no pixel: undefined, as when no SN was given (stages/write.ts). */
type NoSnPixel = { x: null; y: null; int: never[]; nearest: never[]; pixel: [null, null]; inside: false };

/**
 * Where the SN falls on the map (the chosen pixel per `snPixel`), warning when it is off the
 * map; a position the WCS cannot project (NaN) is off it too, with its own words.
 */
function snPixel(ctx: StageContext, wcs: CelestialWcs, ra: number, dec: number, nx: number, ny: number, who: string, file: string) {
  const pos = worldToPixel(wcs, ra, dec);
  if (!hasPixel(pos)) {
    ctx.warn(`${who}: ${noPixelMessage(wcs, ra, dec, nx, ny, file)}`);
    return { x: null, y: null, int: [], nearest: [], pixel: [null, null], inside: false } as NoSnPixel;
  }
  const int = [Math.trunc(pos.x), Math.trunc(pos.y)];
  const nearest = [Math.round(pos.x), Math.round(pos.y)];
  const chosen = ctx.params['snPixel'] === 'int' ? int : nearest;
  const inside = chosen[0]! >= 0 && chosen[0]! < nx && chosen[1]! >= 0 && chosen[1]! < ny;
  if (!inside) ctx.warn(`${who}: the SN at pixel (${pos.x.toFixed(2)}, ${pos.y.toFixed(2)}) is outside the ${nx} x ${ny} cube; its group will be reported as none`);
  return { x: pos.x, y: pos.y, int, nearest, pixel: chosen, inside };
}

/**
 * An nGIST/GIST galaxy (docs/ngist.md): reads the run, maps each bin's SFH (summed over
 * metallicity and alpha, over the run's own ages) onto its spaxels and takes the FLUX
 * column as the mass map; both go downstream as arrays, so mass-map and collapse-smooth
 * need not know the format. The pixel scale is PIXSIZE, the WCS the table's (nGIST) or
 * the cube's, the seeing the cube's SKY_RES, the catalog's or `--set psfFwhm=`.
 */
async function runNgist(ctx: StageContext, galaxy: Galaxy, dir: string, cube: string, who: string): Promise<StageOutput> {
  // Imported here, not at the top: the nGIST reader brings the YAML parser (~50-100 ms to
  // load), which a worker would otherwise load before every MUSE galaxy's first cube.
  const [{ readNgist, emptyBinsWarning, maskMissingWarning }, { ngistMaps }] = await Promise.all([import('../src/ngist/read.ts'), import('../src/ngist/map.ts')]);
  const files = findNgistRun(dir, who);
  // files found in two forms (one read), as for a MUSE galaxy's cube and pPXF output
  for (const note of [...files.notes, bothFormsWarning(cube)]) if (note) ctx.warn(`${who}: ${note}`);
  const ngist = await readNgist(files, who);
  for (const w of [emptyBinsWarning(ngist, who), maskMissingWarning(ngist, who)]) if (w) ctx.warn(w);
  const { nx, ny } = ngist;
  const maps = ngistMaps(ngist);
  // the cube's primary and DATA headers only (for its WCS and SKY_RES), from a .fits or .fits.gz
  const cubeHdus = existsSync(fitsFileOf(cube)) ? await fitsHeaders(fitsFileOf(cube), (hdus) => hdus.some(isData)) : undefined;
  const data = cubeHdus ? (cubeHdus.find(isData) ?? findHdu(cubeHdus, 1, cube)) : undefined;
  if (data && data.shape.slice(-2).join() !== [ny, nx].join()) {
    throw new UserError('ngist-mismatch', `${who}: the cube ${cube} is ${data.shape.slice(-2).reverse().join(' x ')} spaxels, the nGIST run ${files.run} ${nx} x ${ny}`, 'the cube must be the one nGIST was run on (remove it from --cubes to use the nGIST files alone)', cube);
  }
  const policy = String(ctx.params['checksums'] ?? 'warn') as ChecksumPolicy;
  const checked: [string | undefined, number[] | undefined][] = [[files.table, undefined], [files.weights, undefined], [files.mask, undefined], [cubeHdus ? cube : undefined, data ? [0, data.index] : undefined]];
  for (const [f, hdus] of checked) if (f !== undefined) for (const w of await fitsWarnings(fitsFileOf(f), policy, hdus)) ctx.warn(`${who}: ${w}`);
  let pixelScale = ngist.pixsize;
  if (pixelScale === undefined) {
    pixelScale = Number(ctx.params['pixelScale']);
    ctx.warn(`${who}: ${files.table} has no PIXSIZE; using pixelScale = ${pixelScale}" per spaxel`);
  }
  const seeing = seeingOf(Number(ctx.params['psfFwhm']), cubeHdus?.[0]?.header.get('SKY_RES'), galaxy.skyRes, cubeHdus ? cube : undefined, who, files.run);
  const skyRes = seeing.fwhm;
  const psfSigma = psfSigmaOf(seeing, pixelScale, ny, nx, who, files.table);
  const wcsHeader = ngist.wcsHeader ?? data?.header;
  const wcsFile = ngist.wcsHeader ? files.table : cube;
  let sn: ReturnType<typeof snPixel> | null = null;
  if (galaxy.ra !== null && galaxy.dec !== null) {
    if (wcsHeader) sn = snPixel(ctx, celestialWcs(wcsHeader, { file: wcsFile }), galaxy.ra, galaxy.dec, nx, ny, who, wcsFile);
    else ctx.warn(`${who}: neither ${files.table} (GIST <= 3.1 writes no WCS) nor a cube in --cubes gives a WCS, so the SN's group is not determined`);
  }
  if (ngist.normalisation !== 'MASS') {
    ctx.warn(
      ngist.normalisation === 'LIGHT'
        ? `${who}: the nGIST weights are LIGHT fractions (NORM_TEMP = LIGHT, from ${ngist.normalisationSource}); the notebook's groups are mass-weighted, so these groups and mean SFHs describe light, not mass (rerun nGIST with NORM_TEMP: MASS for mass fractions)`
        : `${who}: could not tell whether the nGIST weights are mass or light fractions (${ngist.normalisationSource}); the notebook's groups assume mass fractions (nGIST's NORM_TEMP: MASS)`,
    );
  }
  return {
    meta: {
      mode: 'ngist',
      ngist: { dir: files.dir, run: files.run, table: files.table, weights: files.weights, mask: files.mask ?? null, config: files.config ?? null },
      cube: cubeHdus ? cube : null,
      shape: [ngist.ages.length, ny, nx],
      skyRes,
      pixelScale,
      psfSigma,
      sn,
      wcsCards: wcsHeader ? celestialCards(wcsHeader) : {},
      ages: [...ngist.ages],
      weights: ngist.normalisation,
      weightsSource: ngist.normalisationSource,
      massSource: 'FLUX',
      bins: ngist.bins,
      masked: ngist.masked,
      noFlux: maps.noFlux,
    },
    arrays: { sfh: ndarray(maps.sfh, [ngist.ages.length, ny, nx]), mass: ndarray(maps.mass, [ny, nx]), bins: ndarray(maps.bins, [ny, nx]) },
  };
}

/** Keys of the celestial (2-D) WCS, copied into the group map so it can be overlaid on the sky. */
const WCS_KEYS = ['WCSAXES', 'CTYPE1', 'CTYPE2', 'CUNIT1', 'CUNIT2', 'CRPIX1', 'CRPIX2', 'CRVAL1', 'CRVAL2', 'CD1_1', 'CD1_2', 'CD2_1', 'CD2_2', 'PC1_1', 'PC1_2', 'PC2_1', 'PC2_2', 'CDELT1', 'CDELT2', 'LONPOLE', 'LATPOLE', 'RADESYS', 'EQUINOX'];

function celestialCards(header: { get(key: string): unknown; has(key: string): boolean }): Record<string, string | number> {
  const cards: Record<string, string | number> = {};
  for (const key of WCS_KEYS) {
    const v = header.get(key);
    if (typeof v === 'number' || typeof v === 'string') cards[key] = v;
  }
  if ('WCSAXES' in cards) cards['WCSAXES'] = 2;
  return cards;
}
