"""Convert the notebook's parity outputs (shared/parity/expected, FITS) into compact .npy
fixtures for test/kernels-parity.test.ts, so the kernel tests need neither the shared
folder nor a FITS reader. Run with Debian's python (astropy 5.2, numpy 1.24):

    /usr/bin/python3 test/py/kernels_make_fixtures.py /work/shared/parity test/fixtures/kernels/parity

Writes per galaxy `<id>_sfh.npy` (float64 50 x ny x nx) and `<id>_mass.npy` (float32),
identical for both seeds (checked), and per seed/galaxy/k `<id>_<k>_map.npy` (float64),
`<id>_<k>_mean.npy` (float64 k' x 50), `<id>_<k>_mass.npy` (float32 k'), `<id>_<k>_init.npy`
(int32, np.random.seed(S); np.random.randint(k, size) + 1; for k = 4 checked equal to the
notebook's `_4_init.fits`), plus `cases.json` (iters, valid, shapes). From the inputs it
also writes `<id>_sfh_raw.npy`: the notebook's collapsed and cleaned SFH cube right before
the gaussian smoothing, with `psfSig` in cases.json, checked to smooth into `<id>_sfh.npy`.
"""
import json
import os
import sys

import numpy as np
from astropy.io import fits

from scipy.ndimage import gaussian_filter

root, dst = sys.argv[1], sys.argv[2]
src = os.path.join(root, 'expected')
os.makedirs(dst, exist_ok=True)
galaxies = {'11': '11_SN2013aa', '45': '45_SN2015bp'}
cases = []
for gid, stem in galaxies.items():
    sfh = [fits.getdata(os.path.join(src, f'seed{s}', f'{stem}_sfh_smoothed.fits')) for s in (0, 1)]
    mass = [fits.getdata(os.path.join(src, f'seed{s}', f'{stem}_mass.fits')) for s in (0, 1)]
    assert np.array_equal(sfh[0], sfh[1]) and np.array_equal(mass[0], mass[1], equal_nan=True)
    np.save(os.path.join(dst, f'{gid}_sfh.npy'), sfh[0].astype('<f8'))
    np.save(os.path.join(dst, f'{gid}_mass.npy'), mass[0].astype('<f4'))
    ny, nx = mass[0].shape
    # the notebook's "refine the SFH data cube" up to the smoothing
    with fits.open(os.path.join(root, 'input', 'MuseSFH', 'dataOut', stem + '.fits')) as h:
        raw = h[1].data.sum(axis=1)
    raw[raw < 0] = 0
    raw[np.isnan(raw)] = 0
    raw[:, np.isnan(mass[0])] = 0
    with open(os.path.join(src, 'seed0', f'{stem}_4.json')) as f:
        psf = json.load(f)['psfSig']
    smoothed = raw.copy()
    for a in range(smoothed.shape[0]):
        smoothed[a] = gaussian_filter(smoothed[a], sigma=psf, truncate=3)
    assert np.array_equal(smoothed, sfh[0]), 'the smoothing does not reproduce the notebook'
    np.save(os.path.join(dst, f'{gid}_sfh_raw.npy'), raw.astype('<f8'))
    for seed in (0, 1):
        os.makedirs(os.path.join(dst, f'seed{seed}'), exist_ok=True)
        for k in (2, 3, 4, 6):
            np.random.seed(seed)
            init = (np.random.randint(k, size=(ny, nx)) + 1).astype('<i4')
            if k == 4:
                given = fits.getdata(os.path.join(src, f'seed{seed}', f'{stem}_4_init.fits'))
                assert np.array_equal(given, init), 'the notebook init differs from numpy'
            with fits.open(os.path.join(src, f'seed{seed}', f'{stem}_{k}.fits')) as h:
                gmap, mean, mlist = h[0].data, h[1].data, h[2].data
                types = [x.header.get('TYPE') for x in h]
            assert types == ['Group Map', 'Mean SFH', 'Mass List'], types
            with open(os.path.join(src, f'seed{seed}', f'{stem}_{k}.json')) as f:
                meta = json.load(f)
            base = os.path.join(dst, f'seed{seed}', f'{gid}_{k}')
            np.save(base + '_map.npy', gmap.astype('<f8'))
            np.save(base + '_mean.npy', mean.astype('<f8'))
            np.save(base + '_mass.npy', mlist.astype('<f4'))
            np.save(base + '_init.npy', init)
            cases.append({'seed': seed, 'galaxy': gid, 'k': k, 'ny': ny, 'nx': nx, 'psfSig': psf,
                          'groups': int(mean.shape[0]), 'iters': meta['iters'], 'valid': meta['valid']})
with open(os.path.join(dst, 'cases.json'), 'w') as f:
    json.dump(cases, f, indent=1)
print(f'{len(cases)} cases written to {dst}')
