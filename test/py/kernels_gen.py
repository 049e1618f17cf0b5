"""Random inputs and numpy/scipy's answers for test/kernels.test.ts.

    python3 test/py/kernels_gen.py OUTDIR

Writes OUTDIR/manifest.json (versions, case tables) and .npy arrays. Deterministic (fixed
seeds), so a failure reproduces. Run under every python whose numpy/scipy the kernels must
match (the notebook's numpy 1.24 / scipy 1.10, and a current one).
"""
import inspect
import json
import os
import sys
import warnings

import numpy as np
import scipy
from scipy.ndimage import gaussian_filter
from scipy.stats import wasserstein_distance

warnings.simplefilter('ignore')
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(20240607)
manifest = {'numpy': np.__version__, 'scipy': scipy.__version__}


def save(name, arr):
    np.save(os.path.join(out, name + '.npy'), np.ascontiguousarray(arr))


def spread(n):
    """Values of mixed sign and magnitude, so that summation order shows in the last bits."""
    return rng.standard_normal(n) * 10.0 ** rng.uniform(-4, 4, n)


# --- sums -------------------------------------------------------------------------------
lens = list(range(0, 300)) + [511, 512, 513, 1000, 4095, 4096, 8191, 8192, 8193, 8200,
                              9000, 12345, 16384, 16385, 16393, 20000]
f64 = [spread(n) for n in lens]
save('sum_lens', np.array(lens, dtype=np.int32))
save('sum_f64', np.concatenate(f64))
save('sum_f64_expected', np.array([np.sum(a) for a in f64]))
f32 = [a.astype(np.float32) for a in f64]
save('sum_f32', np.concatenate(f32))
save('sum_f32_expected', np.array([np.sum(a) for a in f32], dtype=np.float32))
axis_cases = []
for i, (shape, axis, big_endian) in enumerate([
        ((50, 1), 1, False), ((50, 7), 1, False), ((50, 9), 1, False), ((50, 129), 1, False),
        ((50, 9000), 1, False), ((3, 20000), 1, False), ((50, 17, 23), 0, False),
        ((50, 1, 1), 0, False), ((7, 2), 0, False), ((4, 7, 5, 6), 1, False),
        ((4, 7, 5, 6), 1, True), ((6, 5, 4), 2, False), ((2, 3, 1), 1, False)]):
    a = spread(int(np.prod(shape))).reshape(shape)
    s = (a.astype('>f8') if big_endian else a).sum(axis=axis)
    save(f'axis{i}_in', a)
    save(f'axis{i}_out', s.astype('<f8'))
    axis_cases.append({'shape': list(shape), 'axis': axis, 'bigEndian': big_endian})
manifest['axisCases'] = axis_cases
# a notebook-style group sum: sfh[:, mask] * mass[mask] summed over the members
sfh = rng.random((50, 40, 60))
mask = rng.random((40, 60)) < 0.6
mass = rng.uniform(0, 3, (40, 60)).astype(np.float32)
sel = sfh[:, mask] * mass[mask]
save('group_sfh', sfh)
save('group_mask', mask.astype(np.uint8))
save('group_mass', mass)
save('group_sum', np.sum(sel, axis=1))
manifest['groupStrides'] = list(sel.strides)

# --- nanmedian --------------------------------------------------------------------------
med_cases = []
for i, (nz, npix, kind) in enumerate([
        (0, 5, 'normal'), (1, 9, 'normal'), (2, 9, 'normal'), (3, 40, 'ties'), (4, 40, 'normal'),
        (5, 64, 'ties'), (10, 300, 'normal'), (149, 257, 'normal'), (150, 300, 'ties'),
        (150, 50, 'huge'), (599, 70, 'normal'), (600, 70, 'normal'), (601, 70, 'huge'),
        (1000, 90, 'ties'), (1001, 33, 'zeros'), (40, 30, 'inf')]):
    if kind == 'ties':
        a = rng.integers(-3, 4, (nz, npix)).astype(np.float32)
    elif kind == 'zeros':
        a = np.where(rng.random((nz, npix)) < 0.5, np.float32(0), np.float32(-0.0)).astype(np.float32)
    elif kind == 'huge':
        a = (rng.uniform(2.5e38, 3.4e38, (nz, npix)) * rng.choice([-1, 1], (nz, npix))).astype(np.float32)
    else:
        a = (rng.standard_normal((nz, npix)) * 10.0 ** rng.uniform(-2, 2, (nz, npix))).astype(np.float32)
    if kind == 'inf':
        a[rng.random(a.shape) < 0.2] = np.inf
        a[rng.random(a.shape) < 0.2] = -np.inf
    a[rng.random(a.shape) < rng.uniform(0, 0.6)] = np.nan
    if npix > 4:
        a[:, 0] = np.nan                       # an all-NaN column
        a[: max(0, nz - 1), 1] = np.nan        # one value left
        a[: max(0, nz - 2), 2] = np.nan        # two values left
    save(f'med{i}_in', a)
    save(f'med{i}_out', np.nanmedian(a, axis=0).astype(np.float32))
    med_cases.append({'nz': nz, 'npix': npix, 'kind': kind})
manifest['medianCases'] = med_cases

# --- gaussian ---------------------------------------------------------------------------
gauss_cases = []
shapes = [(1, 1), (1, 7), (7, 1), (2, 3), (5, 5), (17, 23), (32, 36), (48, 64)]
sigmas = [-1.0, 0.0, 1e-16, 1e-15, 2e-15, 0.1, 0.3, 0.5, 0.6369426751592356, 0.8492569002123143,
          1.0, 1.5, 2.0, 3.3, 7.0]
from scipy.ndimage import _filters  # noqa: E402
i = 0
for sigma in sigmas:
    for truncate in (3.0, 4.0):
        for shape in shapes[(i % 3)::3] + [shapes[-1]]:
            plane = rng.random(shape) * 10.0 ** rng.uniform(-3, 1)
            plane[rng.random(shape) < 0.1] = 0.0
            res = gaussian_filter(plane, sigma=sigma, truncate=truncate)
            radius = int(truncate * float(sigma) + 0.5)
            weights = _filters._gaussian_kernel1d(sigma, 0, radius) if sigma > 1e-15 else np.ones(1)
            save(f'gauss{i}_in', plane)
            save(f'gauss{i}_out', res)
            save(f'gauss{i}_w', weights)
            gauss_cases.append({'ny': shape[0], 'nx': shape[1], 'sigma': sigma, 'truncate': truncate})
            i += 1
manifest['gaussCases'] = gauss_cases

# --- EMD --------------------------------------------------------------------------------
n_pairs = 4000
u = rng.random((n_pairs, 50))
v = rng.random((n_pairs, 50))
for j in range(0, n_pairs, 7):                  # sparse weights
    u[j, rng.random(50) < 0.8] = 0
    v[j, rng.random(50) < 0.9] = 0
    u[j, rng.integers(50)] += 1
    v[j, rng.integers(50)] += 1
for j in range(3, n_pairs, 11):                 # ties: the same distribution, scaled
    v[j] = u[j] * 2.0
for j in range(5, n_pairs, 13):                 # one-hot and flat
    u[j] = 0
    u[j, rng.integers(50)] = 1
    v[j] = 1.0
u[9] = 10.0 ** rng.uniform(-300, 300, 50)       # wild magnitudes
save('emd_u', u)
save('emd_v', v)
save('emd_out', np.array([wasserstein_distance(np.arange(50), np.arange(50), u[j], v[j]) for j in range(n_pairs)]))
src = inspect.getsource(sys.modules['scipy.stats._stats_py']._cdf_distance)
manifest['emdUsesNpSum'] = 'np.sum(np.multiply(np.abs(u_cdf - v_cdf), deltas))' in src

# --- legacy random ----------------------------------------------------------------------
rand_cases = []
draws = []
for seed in (0, 1, 2, 7, 42, 12345, 2**31 - 1, 2**32 - 1):
    for k in (1, 2, 3, 4, 6, 7, 10, 100, 255, 256, 257, 1000, 2**16, 2**31 - 1, 2**31, 2**32 - 1, 2**32):
        for size in ((5,), (31, 17)):
            np.random.seed(seed)
            d = np.random.randint(k, size=size).astype(np.int64).ravel()
            rand_cases.append({'seed': seed, 'k': k, 'count': int(d.size)})
            draws.append(d)
np.random.seed(5)
first = np.random.randint(6, size=(40, 30))
second = np.random.randint(1000, size=77)            # the stream continues across calls
rand_cases.append({'seed': 5, 'k': 6, 'count': first.size, 'then': [1000, 77]})
draws.append(np.concatenate([first.ravel(), second]).astype(np.int64))
save('rand_out', np.concatenate(draws))
manifest['randCases'] = rand_cases

# --- np.exp -----------------------------------------------------------------------------
xs = [-rng.uniform(0, 60, 20000), rng.uniform(-700, 700, 3000)]
for sigma in sigmas[5:]:
    xs.append(-0.5 / (sigma * sigma) * np.arange(0, 30) ** 2)
x = np.concatenate(xs)
save('exp_in', x)
save('exp_out', np.exp(x))
try:
    from numpy.core._multiarray_umath import __cpu_features__ as feats
except ImportError:
    from numpy._core._multiarray_umath import __cpu_features__ as feats
manifest['avx512skx'] = bool(feats.get('AVX512_SKX'))

with open(os.path.join(out, 'manifest.json'), 'w') as f:
    json.dump(manifest, f)
