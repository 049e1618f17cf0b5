"""What astropy reads from binary tables, for test/fits-table.test.ts.

Usage:
  /usr/bin/python3 test/py/fits_table.py make OUTDIR      writes OUTDIR/synthetic_table.fits
  /usr/bin/python3 test/py/fits_table.py dump FILE...     prints JSON, one entry per BINTABLE column

The synthetic file covers the forms GIST/nGIST write (J, I, D, nD) and the rest of the
standard: L, X, B, K, E, C, M, A (1-D and 2-D with TDIM), TDIM on numbers, TSCAL/TZERO
(the unsigned conventions and a real scaling; astropy 5.2 cannot write B with TZERO = -128), and a variable-length P column in the heap.
For each column the dump gives astropy's dtype, shape and the sha256 of its values in
little-endian order, so the test compares bits, not values written down by hand.
"""
import hashlib
import json
import sys
import warnings

import numpy as np
from astropy.io import fits

sys.dont_write_bytecode = True


def make(out):
    n = 5
    rng = np.random.default_rng(14)
    cols = [
        fits.Column(name='FLAG', format='L', array=np.array([True, False, True, True, False])),
        fits.Column(name='BITS', format='11X', array=rng.integers(0, 2, (n, 11)).astype(bool)),
        fits.Column(name='BYTE', format='B', array=np.arange(n, dtype=np.uint8) * 50),
        fits.Column(name='SHORT', format='I', array=np.array([-32768, -1, 0, 1, 32767], dtype=np.int16)),
        fits.Column(name='USHORT', format='I', bzero=32768, array=np.array([0, 1, 32768, 40000, 65535], dtype=np.uint16)),
        fits.Column(name='ID', format='J', array=np.array([0, -7, 2**31 - 1, -2**31, 12], dtype=np.int32)),
        fits.Column(name='UINT', format='J', bzero=2**31, array=np.array([0, 1, 2**31, 3000000000, 2**32 - 1], dtype=np.uint32)),
        fits.Column(name='LONG', format='K', array=np.array([0, -1, 2**62, -2**62, 9007199254740993], dtype=np.int64)),
        # TSCAL/TZERO are set after writing: astropy 5.2 fails to write a scaled J column itself.
        fits.Column(name='SCALED', format='J', array=np.array([0, 1, -20, -31, 1999980], dtype=np.int32)),
        fits.Column(name='FLOAT', format='E', array=np.array([1.5, -0.0, np.nan, np.inf, 3.4e38], dtype=np.float32)),
        fits.Column(name='VEC', format='4D', array=rng.normal(size=(n, 4))),
        fits.Column(name='CUBE', format='6E', dim='(3,2)', array=rng.normal(size=(n, 2, 3)).astype(np.float32)),
        fits.Column(name='CPLX', format='C', array=np.array([1 + 2j, -1j, 0, 3.5, np.nan], dtype=np.complex64)),
        fits.Column(name='DCPLX', format='2M', array=rng.normal(size=(n, 2)) + 1j * rng.normal(size=(n, 2))),
        fits.Column(name='NAME', format='8A', array=np.array(['NGC0000', 'bin 1', '', 'x' * 8, 'tail  '])),
        fits.Column(name='WORDS', format='6A', dim='(3,2)', array=np.array([['ab', 'c'], ['', 'def'], ['g', 'h'], ['ijk', 'l'], ['m', '']])),
        fits.Column(name='VAR', format='PD()', array=np.array([np.arange(k, dtype=np.float64) * 1.25 for k in (0, 1, 3, 2, 5)], dtype=object)),
    ]
    hdu = fits.BinTableHDU.from_columns(cols, name='SYNTH')
    path = f'{out}/synthetic_table.fits'
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(path, overwrite=True)
    n = hdu.columns.names.index('SCALED') + 1
    fits.setval(path, f'TSCAL{n}', value=0.5, ext=1)
    fits.setval(path, f'TZERO{n}', value=10.0, ext=1)
    json.dump({'file': path}, sys.stdout)


def le_sha(a):
    a = np.ascontiguousarray(a)
    if a.dtype.kind in 'fiuc' and a.dtype.byteorder == '>':
        a = a.astype(a.dtype.newbyteorder('<'))
    return hashlib.sha256(a.tobytes()).hexdigest()


def column_entry(hdu, name, field):
    e = {'hdu': hdu, 'name': name, 'shape': list(field.shape)}
    if field.dtype == object:  # variable-length arrays
        e['kind'] = 'vla'
        e['dtype'] = str(field[0].dtype.newbyteorder('=')) if len(field) else ''
        e['cells'] = [le_sha(x) for x in field]
        e['lengths'] = [len(x) for x in field]
    elif field.dtype.kind in 'SU':
        e['kind'] = 'str'
        e['values'] = np.char.decode(field, 'latin1').ravel().tolist() if field.dtype.kind == 'S' else field.ravel().tolist()
    elif field.dtype.kind == 'b':
        e['kind'] = 'bool'
        e['values'] = field.astype(np.uint8).ravel().tolist()
    else:
        e['kind'] = 'num'
        e['dtype'] = str(field.dtype.newbyteorder('='))
        e['sha256'] = le_sha(field)
    return e


def dump(files):
    out = []
    for f in files:
        entries = []
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            with fits.open(f) as hl:
                for i, hdu in enumerate(hl):
                    if not isinstance(hdu, fits.BinTableHDU):
                        continue
                    for name in hdu.columns.names:
                        entries.append(column_entry(i, name, hdu.data[name]))
        out.append({'file': f, 'columns': entries})
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    if sys.argv[1] == 'make':
        make(sys.argv[2])
    else:
        dump(sys.argv[2:])
