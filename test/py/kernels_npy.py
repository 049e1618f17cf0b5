"""numpy's side of the .npy round trip in test/kernels.test.ts.

    python3 test/py/kernels_npy.py write DIR   # numpy writes DIR/<name>.npy + <name>.bin + index.json
    python3 test/py/kernels_npy.py check DIR   # np.load every DIR/*.npy the TS side wrote, compare

`write`: each .bin is the same data as raw little-endian C-order bytes, so the TS decoder's
output can be compared byte for byte. `check`: DIR/expect.json lists, per file, the dtype,
shape and the raw little-endian bytes file the TS side wrote; prints a JSON report.
"""
import json
import os
import sys

import numpy as np

mode, d = sys.argv[1], sys.argv[2]
os.makedirs(d, exist_ok=True)
if mode == 'write':
    rng = np.random.default_rng(3)
    cases = {
        'f8_2d': rng.standard_normal((3, 4)),
        'f4_3d_nan': np.where(rng.random((2, 3, 4)) < 0.3, np.nan, rng.standard_normal((2, 3, 4))).astype(np.float32),
        'i4': rng.integers(-2**31, 2**31, (5, 2), dtype=np.int32),
        'i2': rng.integers(-2**15, 2**15, 7, dtype=np.int16),
        'u2': rng.integers(0, 2**16, 7, dtype=np.uint16),
        'u4': rng.integers(0, 2**32, 7, dtype=np.uint32),
        'i1': rng.integers(-128, 128, 9, dtype=np.int8),
        'u1': rng.integers(0, 256, 9, dtype=np.uint8),
        'i8': rng.integers(-2**63, 2**63, 4, dtype=np.int64),
        'bool': rng.random(6) < 0.5,
        'scalar': np.array(2.5),
        'empty': np.zeros((0,)),
        'empty_2d': np.zeros((3, 0), dtype=np.float32),
        'one': np.array([7.0]),
        'be_f8': rng.standard_normal((2, 5)).astype('>f8'),
        'be_i4': rng.integers(-1000, 1000, 6).astype('>i4'),
        'be_f4': rng.standard_normal(6).astype('>f4'),
    }
    index = {}
    for name, a in cases.items():
        np.save(os.path.join(d, name + '.npy'), a)
        le = a.astype(a.dtype.newbyteorder('<')) if a.dtype.byteorder == '>' else a
        le.tofile(os.path.join(d, name + '.bin'))
        index[name] = {'shape': list(a.shape), 'descr': a.dtype.str}
    for ver in ((2, 0), (3, 0)):
        a = rng.standard_normal((2, 3))
        name = 'v%d' % ver[0]
        with open(os.path.join(d, name + '.npy'), 'wb') as f:
            np.lib.format.write_array(f, a, version=ver)
        a.tofile(os.path.join(d, name + '.bin'))
        index[name] = {'shape': [2, 3], 'descr': a.dtype.str}
    np.save(os.path.join(d, 'fortran.npy'), np.asfortranarray(rng.standard_normal((3, 2))))
    with open(os.path.join(d, 'index.json'), 'w') as f:
        json.dump(index, f)
else:
    with open(os.path.join(d, 'expect.json')) as f:
        expect = json.load(f)
    report = {}
    for name, e in expect.items():
        a = np.load(os.path.join(d, name + '.npy'))
        raw = np.fromfile(os.path.join(d, name + '.bin'), dtype=np.dtype(e['descr'])).reshape(e['shape'])
        ok = (a.dtype == np.dtype(e['descr']) and list(a.shape) == e['shape'] and a.flags['C_CONTIGUOUS']
              and a.tobytes() == raw.tobytes())
        with open(os.path.join(d, name + '.npy'), 'rb') as f:
            head = f.read(10)
            total = 10 + int.from_bytes(head[8:10], 'little') if head[6] == 1 else None
        report[name] = {'ok': bool(ok), 'dtype': a.dtype.str, 'shape': list(a.shape), 'aligned64': total is not None and total % 64 == 0}
    print(json.dumps(report))
