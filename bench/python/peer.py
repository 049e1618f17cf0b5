"""The strongest peer of sfh-pipeline: the notebook's method as an astronomer would write it
in vectorized numpy in an afternoon, with timings. `npm run bench` runs it side by side with
sfh-pipeline and the notebook port (notebook.py) and checks its group maps against the
notebook's.

    /usr/bin/python3 bench/python/peer.py --galaxy 122 --k 2..8 \
        --catalog DIR/FinalSelMuseMask3.csv --cubes DIR/MuseObject/MuseResample \
        --sfh DIR/MuseSFH/dataOut --out DIR/GroupMap [--seed 0] [--pixel-scale 0.6] \
        [--max-rounds 100]

Same inputs, same outputs (`<out>/<id>_<SN Name>_<k>.fits`, the notebook's three HDUs) and
the same JSON on stdout as notebook.py. What it does differently, and why it is fast:
- Every k of `--k` in one process, after one read, one mass map and one smoothing.
- The mass map and the smoothing are the notebook's (`np.nanmedian` over wavelength,
  scipy's `gaussian_filter`); they are already vectorized.
- Each pixel's CDF over the 50 ages is computed once (`cumsum / total`, as scipy's
  `wasserstein_distance` does), and per round the EMD of every pixel to every centroid is
  one L1 distance over the first 49 CDF values (the 50th is 1 on both sides):
  `np.abs(C[:, None, :] - M[None]).sum(2)`, then `argmin`. For supports arange(50) that is
  scipy's distance; numpy sums the 49 terms in a different order than scipy's 99 (zeros
  interleaved), so a distance can differ from the notebook's in the last bit, which changes
  a label only on an exact tie. The benchmark checks that the maps are the notebook's.
- Initial labels (`np.random.seed(seed)` then `randint`), the mass-weighted mean centroids
  (groups with at most one pixel dropped, as the notebook does) and the stop rule (no label
  changed) are the notebook's, so the rounds are the same.
Run it with Debian's /usr/bin/python3 (numpy 1.24, scipy 1.10, astropy 5.2).
"""
import time

T_START = time.perf_counter()

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import astropy  # noqa: E402
from astropy.io import fits  # noqa: E402
from scipy.ndimage import gaussian_filter  # noqa: E402

T_IMPORTS = time.perf_counter()


def parse_ks(text):
    ks = []
    for part in text.split(','):
        if '..' in part:
            lo, hi = part.split('..')
            ks.extend(range(int(lo), int(hi) + 1))
        else:
            ks.append(int(part))
    return ks


def read_catalog(path, galaxy):
    """The catalog row of `galaxy` (first column the id), as a dict of its columns."""
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    for row in rows[1:]:
        if row and int(row[0]) == galaxy:
            return dict(zip(rows[0][1:], row[1:]))
    sys.exit(f'peer.py: galaxy {galaxy} is not in {path}')


def found(path):
    """The file, or its gzip-compressed copy next to it (astropy opens either)."""
    return path if os.path.exists(path) or not os.path.exists(path + '.gz') else path + '.gz'


def initial_labels(sfh, mass, k, seed):
    """The notebook's starting map: random labels 1..k, NaN where a pixel is not clustered."""
    np.random.seed(seed)
    labels = np.random.randint(k, size=mass.shape) + 1
    total = sfh.sum(axis=0)
    labels = labels * 1.0
    labels[np.isnan(total) | (total < 0.8) | np.isnan(mass)] = np.nan
    return labels


def emd_kmeans(sfh, mass, k, seed, max_rounds):
    """EMD k-means on the pixels the notebook clusters; returns the notebook's outputs."""
    labels = initial_labels(sfh, mass, k, seed)
    valid = ~np.isnan(labels)
    w = sfh[:, valid]                       # 50 x n weights of the clustered pixels
    m = mass[valid]                         # their masses (float32, as the notebook's)
    cum = np.cumsum(w, axis=0)
    C = (cum / cum[-1]).T[:, :49].copy()    # n x 49 pixel CDFs, once
    lab = labels[valid].astype(np.int64)    # 1..k
    groups = k
    converged = False
    for rounds in range(1, max_rounds + 1):
        centroids, masses = [], []
        for g in range(1, groups + 1):
            sel = lab == g
            if sel.sum() <= 1:
                continue
            ms = m[sel]
            centroids.append(np.sum(w[:, sel] * ms, axis=1) / np.sum(ms))
            masses.append(np.sum(ms))
        groups = len(centroids)
        M = np.array(centroids)
        cm = np.cumsum(M, axis=1)
        M_cdf = (cm / cm[:, -1:])[:, :49]
        new = np.argmin(np.abs(C[:, None, :] - M_cdf[None]).sum(2), axis=1) + 1
        if np.array_equal(new, lab):
            converged = True
            break
        lab = new
    labels[valid] = lab
    return labels, centroids, masses, rounds, converged


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--galaxy', type=int, required=True)
    ap.add_argument('--k', required=True, help='4, 2..8 or 2,4,6')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--catalog', required=True)
    ap.add_argument('--cubes', required=True)
    ap.add_argument('--sfh', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--pixel-scale', type=float, default=0.6)
    ap.add_argument('--max-rounds', type=int, default=100)
    args = ap.parse_args()
    warnings.simplefilter('ignore', RuntimeWarning)  # all-NaN spaxels, as in the notebook

    steps = {'imports': T_IMPORTS - T_START}
    t = time.perf_counter()
    row = read_catalog(args.catalog, args.galaxy)
    cube = fits.open(found(os.path.join(args.cubes, row['ArcName'].replace('ADP', 'CDP') + '.fits')))
    ppxf = fits.open(found(os.path.join(args.sfh, f"{args.galaxy}_{row['SN Name']}.fits")))
    psf_sig = cube[0].header['SKY_RES'] / args.pixel_scale / 2.355
    steps['read'] = time.perf_counter() - t

    t = time.perf_counter()
    mass = np.nanmedian(cube[1].data, axis=0) / np.nanmedian(ppxf[0].data, axis=0)
    mass[mass < 0] = np.nan
    steps['mass_map'] = time.perf_counter() - t

    t = time.perf_counter()
    sfh = ppxf[1].data.sum(axis=1)
    sfh[sfh < 0] = 0
    sfh[np.isnan(sfh)] = 0
    sfh[:, np.isnan(mass)] = 0
    for a in range(50):
        sfh[a] = gaussian_filter(sfh[a], sigma=psf_sig, truncate=3)
    steps['collapse_smooth'] = time.perf_counter() - t

    clusters = []
    write_seconds = 0.0
    os.makedirs(args.out, exist_ok=True)
    for k in parse_ks(args.k):
        t = time.perf_counter()
        labels, centroids, masses, rounds, converged = emd_kmeans(sfh, mass, k, args.seed, args.max_rounds)
        seconds = time.perf_counter() - t
        t = time.perf_counter()
        hdus = [fits.PrimaryHDU(data=labels), fits.ImageHDU(data=np.array(centroids)), fits.ImageHDU(data=np.array(masses))]
        for h, what in zip(hdus, ['Group Map', 'Mean SFH', 'Mass List']):
            h.header['Type'] = what
        output = os.path.join(args.out, f"{args.galaxy}_{row['SN Name']}_{k}.fits")
        fits.HDUList(hdus).writeto(output, overwrite=True)
        write_seconds += time.perf_counter() - t
        clusters.append({'k': k, 'seconds': seconds, 'rounds': rounds, 'converged': converged,
                         'secondsPerRound': seconds / rounds, 'groups': len(centroids),
                         'valid': int(np.sum(~np.isnan(labels))), 'output': output})
    steps['write'] = write_seconds
    cube.close()
    ppxf.close()
    json.dump({'galaxy': args.galaxy, 'seed': args.seed, 'maxRounds': args.max_rounds, 'psfSig': psf_sig,
               'shape': list(mass.shape), 'steps': steps, 'cluster': clusters,
               'total': time.perf_counter() - T_START,
               'versions': {'python': sys.version.split()[0], 'numpy': np.__version__, 'scipy': scipy.__version__,
                            'astropy': astropy.__version__}}, sys.stdout)
    sys.stdout.write('\n')


main()
