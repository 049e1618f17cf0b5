/**
 * Arrays the benchmark compares: group maps from result FITS files (ours and the notebook
 * port's), the clustering's inputs from our cache (records point at .npy objects) or from
 * the Python port's dump.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FitsFile } from '../../src/fits/index.ts';
import { decodeNpy } from '../../src/npy.ts';

/** The primary image of a FITS file as float64 (a group map). */
export function readMap(file: string): Float64Array {
  const fits = FitsFile.open(file);
  try {
    const img = fits.readImage(0);
    return img.data instanceof Float64Array ? img.data : Float64Array.from(img.data as ArrayLike<number>);
  } finally {
    fits.close();
  }
}

/** Pixel-by-pixel comparison, NaN equal to NaN: how many pixels differ. */
export function differingPixels(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!(x === y || (Number.isNaN(x) && Number.isNaN(y)))) n++;
  }
  return n;
}

/** Largest |a - b| over pixels where both are numbers, and the pixels where only one is NaN. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; nanMismatch: number } {
  let max = 0;
  let nanMismatch = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) !== Number.isNaN(y)) nanMismatch++;
    else if (!Number.isNaN(x)) max = Math.max(max, Math.abs(x - y));
  }
  return { max, nanMismatch };
}

/** The clustering's two inputs. */
export interface ClusterInputs {
  readonly sfh: Float64Array;
  readonly mass: Float32Array;
  readonly ny: number;
  readonly nx: number;
}

/** The smoothed SFH cube and mass map the notebook port dumped (`--dump`). */
export function loadDump(dir: string): ClusterInputs {
  const sfh = decodeNpy(readFileSync(path.join(dir, 'sfh.npy')));
  const mass = decodeNpy(readFileSync(path.join(dir, 'mass.npy')));
  const [, ny, nx] = sfh.shape as [number, number, number];
  return { sfh: sfh.data as Float64Array, mass: mass.data as Float32Array, ny, nx };
}

interface Record {
  instance: string;
  output: { arrays: { [name: string]: { object: string } } };
}

/**
 * The collapse-smooth and mass-map outputs of galaxy `id` from a cache folder: the records
 * (cache/records/xx/<key>.json) name the .npy objects (cache/objects/xx/<sha256>.npy).
 */
export function loadFromCache(cache: string, id: number): ClusterInputs {
  const found = new Map<string, string>();
  const recDir = path.join(cache, 'records');
  for (const sub of readdirSync(recDir)) {
    for (const f of readdirSync(path.join(recDir, sub))) {
      const rec = JSON.parse(readFileSync(path.join(recDir, sub, f), 'utf8')) as Record;
      if (rec.instance === `collapse-smooth[${id}]`) found.set('sfh', rec.output.arrays['sfh']!.object);
      if (rec.instance === `mass-map[${id}]`) found.set('mass', rec.output.arrays['mass']!.object);
    }
  }
  const load = (name: string) => {
    const hash = found.get(name);
    if (hash === undefined) throw new Error(`no ${name} array of galaxy ${id} in ${cache}`);
    return decodeNpy(readFileSync(path.join(cache, 'objects', hash.slice(0, 2), `${hash}.npy`)));
  };
  const sfh = load('sfh');
  const mass = load('mass');
  const [, ny, nx] = sfh.shape as [number, number, number];
  return { sfh: sfh.data as Float64Array, mass: mass.data as Float32Array, ny, nx };
}
