"""The research notebook "SFH Group Separater" (shared/seed/SFH-Group-Separater.md) as a
script, cell by cell, with timings: the baseline of `npm run bench`.

    /usr/bin/python3 bench/python/notebook.py --galaxy 122 --k 4 \
        --catalog DIR/FinalSelMuseMask3.csv --cubes DIR/MuseObject/MuseResample \
        --sfh DIR/MuseSFH/dataOut --out DIR/GroupMap [--seed 0] [--pixel-scale 0.6] \
        [--max-rounds 100] [--dump DIR]

Run it with Debian's /usr/bin/python3 (numpy 1.24, scipy 1.10, astropy 5.2: the notebook's
versions). Differences from the notebook, none of which changes a result:
- The galaxy, k, paths and pixel scale are arguments (the notebook hard-codes 122, 4,
  '../MuseObject/...', 0.6); `--k 2,3,4` clusters several k in one process after reading
  once (the notebook, and `GroupSeparater.py 122 4`, do one k per run).
- The catalog is read with the csv module (pandas is not installed for /usr/bin/python3);
  like `pd.read_csv(..., index_col=0)` the first column is the id.
- `np.random.seed(seed)` is called right before each clustering (the notebook leaves numpy
  unseeded), so the initial labels are reproducible; sfh-pipeline seeds the same way.
- `print(indexer)` goes to stderr, and `--max-rounds` is the notebook's `stepper` (100), so
  a full-resolution run can be stopped after a few rounds and extrapolated.
- The imports the notebook makes but never uses (pandas, glob, matplotlib's wcsaxes) are
  left out.
Prints one JSON object on stdout: seconds per step and, per k, the clustering's rounds and
seconds; writes `<out>/<id>_<SN Name>_<k>.fits` in the notebook's layout.
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
from astropy.wcs import WCS  # noqa: E402
from astropy.io import fits  # noqa: E402
from astropy import units as u  # noqa: E402
from astropy.coordinates import SkyCoord  # noqa: E402
from scipy.ndimage import gaussian_filter  # noqa: E402
from scipy.stats import wasserstein_distance  # noqa: E402
from astropy.wcs.utils import skycoord_to_pixel  # noqa: E402

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
ap.add_argument('--dump', help='save the smoothed SFH cube and the mass map here as .npy')
args = ap.parse_args()
warnings.simplefilter('ignore', RuntimeWarning)  # all-NaN spaxels, as in the notebook's output

i = args.galaxy
uvals, vvals = np.arange(50), np.arange(50)


def read_catalog(path):
    """pd.read_csv(path, index_col=0) for the columns used: {id: {column: value}}."""
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    header = rows[0]
    table = {}
    for row in rows[1:]:
        if not row:
            continue
        table[int(row[0])] = dict(zip(header[1:], row[1:]))
    return table


def emdKnn(sfhCube, massMap, stepper=100, coreNum=10):
    """The notebook's function, verbatim but for print(indexer) going to stderr and the
    rounds/convergence it returns besides."""
    groupMap = np.random.randint(coreNum, size=(sfhCube.shape[1], sfhCube.shape[2])) + 1
    groupMap[np.isnan(sfhCube.sum(axis=0))] = 0
    groupMap[sfhCube.sum(axis=0) < 0.8] = 0
    groupMap[np.isnan(massMap)] = 0
    groupMap = groupMap * 1.0
    groupMap[groupMap == 0] = np.nan
    groupMapOld = groupMap.copy()
    converged = False
    for indexer in range(stepper):
        meanSFH = []
        massList = []
        for group in range(1, coreNum + 1):
            sfhCubeSel = sfhCube[:, groupMap == group]
            massSel = massMap[groupMap == group]
            if sfhCubeSel.shape[1] <= 1: continue
            sfhCubeAvg = np.sum(sfhCubeSel * massSel, axis=1) / np.sum(massSel)
            meanSFH.append(sfhCubeAvg)
            massList.append(np.sum(massSel))
        coreNum = len(meanSFH)
        for x in range(groupMap.shape[0]):
            for y in range(groupMap.shape[1]):
                if np.isnan(groupMap[x, y]): continue
                emdList = [wasserstein_distance(uvals, vvals, meanSFH[j], sfhCube[:, x, y]) for j in range(0, coreNum)]
                groupMap[x, y] = np.argmin(emdList) + 1
        print(indexer, file=sys.stderr)
        if np.average(groupMap[np.isnan(groupMap) == False] == groupMapOld[np.isnan(groupMapOld) == False]) == 1:
            converged = True
            break
        else: groupMapOld = groupMap.copy()
    return groupMap, meanSFH, massList, indexer + 1, converged


steps = {'imports': T_IMPORTS - T_START}

# The galaxy
t = time.perf_counter()
FinalSelMuse = read_catalog(args.catalog)
row = FinalSelMuse[i]

# Read the data
arcName = row['ArcName']
crcName = arcName.replace('ADP', 'CDP')
fitsFile = fits.open(os.path.join(args.cubes, crcName + '.fits'))
ppxfOut = fits.open(os.path.join(args.sfh, str(i) + '_' + row['SN Name'] + '.fits'))

# The pixel of SN
wcsselect = WCS(fitsFile[1])
snCoord = SkyCoord(float(row['SN RA']) * u.deg, float(row['SN DEC']) * u.deg)
minpos = skycoord_to_pixel(snCoord, wcsselect)
minpos = (int(minpos[0]), int(minpos[1]))
psfSig = fitsFile[0].header['SKY_RES'] / args.pixel_scale / 2.355
steps['read'] = time.perf_counter() - t

# The map of mass
t = time.perf_counter()
fitFlux = ppxfOut[0].data
massMap = np.nanmedian(fitsFile[1].data, axis=0) / np.nanmedian(fitFlux, axis=0)
massMap[massMap < 0] = np.nan
steps['mass_map'] = time.perf_counter() - t

# Refine the SFH data cube
t = time.perf_counter()
sfhCube = ppxfOut[1].data
sfhCube = sfhCube.sum(axis=1)
sfhCube[sfhCube < 0] = 0
sfhCube[np.isnan(sfhCube)] = 0
sfhCube[:, np.isnan(massMap)] = 0
for indexer in range(50): sfhCube[indexer] = gaussian_filter(sfhCube[indexer], sigma=psfSig, truncate=3)
steps['collapse_smooth'] = time.perf_counter() - t

if args.dump:
    os.makedirs(args.dump, exist_ok=True)
    np.save(os.path.join(args.dump, 'sfh.npy'), np.ascontiguousarray(sfhCube, dtype='<f8'))
    np.save(os.path.join(args.dump, 'mass.npy'), np.ascontiguousarray(massMap, dtype='<f4'))

# The group map calculator, once per k
clusters = []
write_seconds = 0.0
os.makedirs(args.out, exist_ok=True)
for groupSize in parse_ks(args.k):
    t = time.perf_counter()
    np.random.seed(args.seed)
    groupMap, meanSFH, massList, rounds, converged = emdKnn(sfhCube, massMap, stepper=args.max_rounds, coreNum=groupSize)
    seconds = time.perf_counter() - t

    t = time.perf_counter()
    meanSFH = np.array(meanSFH)
    massList = np.array(massList)
    mapHdu = fits.PrimaryHDU(data=groupMap)
    mapHdu.header['Type'] = 'Group Map'
    sfhHdu = fits.ImageHDU(data=meanSFH)
    sfhHdu.header['Type'] = 'Mean SFH'
    masHdu = fits.ImageHDU(data=massList)
    masHdu.header['Type'] = 'Mass List'
    mapFits = fits.HDUList([mapHdu, sfhHdu, masHdu])
    output = os.path.join(args.out, str(i) + '_' + row['SN Name'] + '_' + str(groupSize) + '.fits')
    mapFits.writeto(output, overwrite=True)
    write_seconds += time.perf_counter() - t
    clusters.append({'k': groupSize, 'seconds': seconds, 'rounds': rounds, 'converged': converged,
                     'secondsPerRound': seconds / rounds, 'groups': int(meanSFH.shape[0]),
                     'valid': int(np.sum(~np.isnan(groupMap))), 'output': output})
steps['write'] = write_seconds
fitsFile.close()
ppxfOut.close()

json.dump({'galaxy': i, 'seed': args.seed, 'maxRounds': args.max_rounds, 'psfSig': psfSig, 'snPixel': minpos,
           'shape': list(fitFlux.shape), 'steps': steps, 'cluster': clusters,
           'total': time.perf_counter() - T_START,
           'versions': {'python': sys.version.split()[0], 'numpy': np.__version__, 'scipy': scipy.__version__,
                        'astropy': astropy.__version__}}, sys.stdout)
sys.stdout.write('\n')
