"""Reads an ECSV file with astropy (Debian's /usr/bin/python3) and prints what a test
compares: per column its unit, dtype kind and description; the rows, masked cells as null
and floats as repr (the shortest text that round-trips, so equal text is equal bits); the
table's metadata. Warnings are errors: a unit astropy cannot parse fails the read.

    /usr/bin/python3 test/py/ecsv_read.py table.ecsv > table.json
"""
import json
import sys
import warnings

from astropy.table import Table


def cell(column, i):
    if getattr(column, 'mask', None) is not None and column.mask[i]:
        return None
    v = column[i]
    v = v.item() if hasattr(v, 'item') else v
    return repr(v) if isinstance(v, float) else v


def main():
    warnings.simplefilter('error')
    t = Table.read(sys.argv[1], format='ascii.ecsv')
    json.dump({
        'cols': {c: [str(t[c].unit) if t[c].unit else None, t[c].dtype.kind, t[c].description] for c in t.colnames},
        'rows': [{c: cell(t[c], i) for c in t.colnames} for i in range(len(t))],
        'meta': dict(t.meta),
    }, sys.stdout)


if __name__ == '__main__':
    main()
