"""The python side of scripts/bench-kernels.ts: make a random 50 x 100 x 100 SFH cube and a
mass map (fixed seed), run the notebook's emdKnn loop on them for ROUNDS rounds, time it.

    /usr/bin/python3 test/py/kernels_bench.py DIR ROUNDS [K] [SEED]

Writes DIR/sfh.npy, DIR/mass.npy, DIR/py_map.npy and DIR/py.json ({seconds, rounds, ...}).
"""
import json
import os
import sys
import time

import numpy as np
import scipy
from scipy.stats import wasserstein_distance

out, rounds = sys.argv[1], int(sys.argv[2])
k = int(sys.argv[3]) if len(sys.argv) > 3 else 4
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(99)
ny = nx = 100
ages = np.arange(50)
templates = np.array([np.exp(-0.5 * ((ages - c) / w) ** 2) for c, w in ((5, 4), (20, 8), (35, 6), (45, 3))])
mix = rng.dirichlet(np.ones(4) * 0.5, size=(ny, nx))
sfh = np.einsum('yxt,ta->ayx', mix, templates) * rng.uniform(0.5, 1.5, (1, ny, nx))
sfh *= rng.uniform(0.7, 1.3, sfh.shape)
sfh = np.ascontiguousarray(sfh, dtype=np.float64)
mass = rng.lognormal(0, 1, (ny, nx)).astype(np.float32)
mass[rng.random((ny, nx)) < 0.05] = np.nan
np.save(os.path.join(out, 'sfh.npy'), sfh)
np.save(os.path.join(out, 'mass.npy'), mass)
uvals, vvals = np.arange(50), np.arange(50)


def emdKnn(sfhCube, massMap, stepper=100, coreNum=10):
    """The notebook's function, verbatim apart from the removed print."""
    groupMap = np.random.randint(coreNum, size=(sfhCube.shape[1], sfhCube.shape[2])) + 1
    groupMap[np.isnan(sfhCube.sum(axis=0))] = 0
    groupMap[sfhCube.sum(axis=0) < 0.8] = 0
    groupMap[np.isnan(massMap)] = 0
    groupMap = groupMap * 1.0
    groupMap[groupMap == 0] = np.nan
    groupMapOld = groupMap.copy()
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
        if np.average(groupMap[np.isnan(groupMap) == False] == groupMapOld[np.isnan(groupMapOld) == False]) == 1: break
        else: groupMapOld = groupMap.copy()
    return groupMap, meanSFH, massList, indexer + 1


np.random.seed(seed)
t0 = time.perf_counter()
gmap, mean, masses, ran = emdKnn(sfh, mass, stepper=rounds, coreNum=k)
seconds = time.perf_counter() - t0
np.save(os.path.join(out, 'py_map.npy'), gmap)
with open(os.path.join(out, 'py.json'), 'w') as f:
    json.dump({'seconds': seconds, 'rounds': ran, 'numpy': np.__version__, 'scipy': scipy.__version__,
               'valid': int(np.sum(~np.isnan(gmap)))}, f)
