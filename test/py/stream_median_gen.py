"""numpy's side of test/stream-median.test.ts: cubes and their np.nanmedian over axis 0.

    python3 test/py/stream_median_gen.py DIR

Writes DIR/<case>_in.npy (float32, (nz, ny, nx)), DIR/<case>_out.npy (float32, (ny, nx))
and DIR/cases.json. The cases are the ones a MUSE cube has and a streamed median must get
right: NaN planes (the blue and red ends, sky lines), all-NaN pixels (outside the field),
negative values (sky-subtracted noise), odd and even numbers of planes on both sides of
numpy's 600-plane switch and of the kernel's 256-plane one, and samples that mislead.
"""
import json
import os
import sys
import warnings

import numpy as np

d = sys.argv[1]
os.makedirs(d, exist_ok=True)
rng = np.random.default_rng(23)
cases = []


def case(name, cube):
    cube = cube.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)  # all-NaN slices
        out = np.nanmedian(cube, axis=0).astype(np.float32)
    np.save(os.path.join(d, f'{name}_in.npy'), cube)
    np.save(os.path.join(d, f'{name}_out.npy'), out)
    cases.append({'name': name, 'shape': list(cube.shape)})


def noisy(nz, ny, nx, loc=0.0):
    return loc + rng.standard_normal((nz, ny, nx)) * (1 + rng.random((1, ny, nx)) * 5)


# NaN planes at both ends and every 37th plane, all-NaN pixels, negative values; odd, > 600
c = noisy(1001, 6, 9, loc=-0.5)
c[:17] = np.nan
c[-40:] = np.nan
c[::37] = np.nan
c[:, 0, :3] = np.nan
case('nan_planes_odd', c)
# even count, mostly negative, some pixels with a handful of values
c = noisy(1200, 5, 7, loc=-3.0)
c[:, 1, 1] = np.nan
c[::100, 1, 1] = -7.25
c[:, 2, 2] = np.nan
c[500, 2, 2] = 4.0
case('even_negative', c)
# 256 <= nz < 600: numpy's masked-array path, odd and even
case('small_odd', noisy(599, 4, 5))
case('small_even', noisy(300, 4, 5, loc=2.0))
# fewer planes than the kernel samples: every value kept
case('short_odd', noisy(101, 3, 3))
# the sample (every 8th plane) misleads: those pixels are resolved from their columns
c = noisy(800, 4, 4)
c[::8, :2] += 1e6
c[::8, 2:] -= 1e6
case('misleading_sample', c)
# ties and constants (the kept values overflow or the bracket is one value)
c = np.floor(noisy(700, 3, 4) * 0.3)
c[:, 0, 0] = 5.0
case('ties', c)
with open(os.path.join(d, 'cases.json'), 'w') as f:
    json.dump({'numpy': np.__version__, 'cases': cases}, f)
