"""The notebook's emdKnn (SFH-Group-Separater, verbatim but for the EMD support, which is
arange(nAges) of the given cube instead of arange(50)), for test/kernels-bins.test.ts.

    python3 test/py/emdknn_bins.py DIR K SEED
reads DIR/sfh.npy (nAges, ny, nx) float64 and DIR/mass.npy (ny, nx) float32, prints JSON
with the final group map (NaN as null), the mean SFHs and the masses, and 60 EMDs between
random pairs of pixel SFHs (for the distance alone).
"""
import json
import sys

import numpy as np
from scipy.stats import wasserstein_distance

d, k, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sfhCube = np.load(f'{d}/sfh.npy')
massMap = np.load(f'{d}/mass.npy')
uvals = vvals = np.arange(sfhCube.shape[0])


def emdKnn(sfhCube, massMap, stepper=100, coreNum=10):
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
            if sfhCubeSel.shape[1] <= 1:
                continue
            sfhCubeAvg = np.sum(sfhCubeSel * massSel, axis=1) / np.sum(massSel)
            meanSFH.append(sfhCubeAvg)
            massList.append(np.sum(massSel))
        coreNum = len(meanSFH)
        for x in range(groupMap.shape[0]):
            for y in range(groupMap.shape[1]):
                if np.isnan(groupMap[x, y]):
                    continue
                emdList = [wasserstein_distance(uvals, vvals, meanSFH[j], sfhCube[:, x, y]) for j in range(0, coreNum)]
                groupMap[x, y] = np.argmin(emdList) + 1
        if np.average(groupMap[np.isnan(groupMap) == False] == groupMapOld[np.isnan(groupMapOld) == False]) == 1:
            break
        else:
            groupMapOld = groupMap.copy()
    return groupMap, meanSFH, massList, indexer + 1


np.random.seed(seed)
g, m, masses, rounds = emdKnn(sfhCube, massMap, coreNum=k)
flat = sfhCube.reshape(sfhCube.shape[0], -1)
rng = np.random.default_rng(1)
pairs = rng.integers(0, flat.shape[1], (60, 2))
emds = [wasserstein_distance(uvals, vvals, flat[:, a], flat[:, b]) for a, b in pairs]
print(json.dumps({
    'labels': [None if np.isnan(x) else int(x) for x in g.ravel()],
    'meanSfh': [list(map(float, r)) for r in m],
    'masses': [float(x) for x in masses],
    'rounds': rounds,
    'pairs': pairs.tolist(),
    'emds': emds,
}))
