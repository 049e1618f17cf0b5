"""Dump what astropy sees in FITS files as JSON, for test/fits.test.ts to compare against.

Usage: /usr/bin/python3 test/py/fits_dump.py [--strict] [--voxels SPEC] FILE... > out.json

For each file: every HDU's cards (key, typed value, comment), BITPIX, shape, dtype, a
sha256 of the data as little-endian C-ordered bytes (bit-exact, NaN payloads included),
NaN and inf counts, the float64 sum of the finite values and a few named voxels. --strict turns every astropy warning into an
error, opens with checksum=True (a CHECKSUM or DATASUM that does not match the bytes is then
an error) and runs hdul.verify('exception'): that is how files written by our writer are judged.
--voxels 'HDU:i,j,k;HDU:i,j' picks voxels (HDU index) to report with their exact bits.
"""
import hashlib
import json
import sys
import warnings

import numpy as np
from astropy.io import fits


def typed(value):
    """A card value as {t, v}; ints as strings so 64-bit values stay exact in JSON."""
    if isinstance(value, bool):
        return {"t": "bool", "v": value}
    if isinstance(value, (int, np.integer)):
        return {"t": "int", "v": str(int(value))}
    if isinstance(value, (float, np.floating)):
        return {"t": "float", "v": float(value)}
    if isinstance(value, complex):
        return {"t": "complex", "v": [value.real, value.imag]}
    if isinstance(value, str):
        return {"t": "str", "v": value}
    if value is None or isinstance(value, fits.card.Undefined):
        return {"t": "undef", "v": None}
    raise TypeError(f"unexpected card value {value!r}")


def voxel(data, idx):
    v = data[tuple(idx)]
    if data.dtype.kind == "f":
        size = data.dtype.itemsize
        bits = np.array([v], dtype=f"<f{size}").view(f"<u{size}")[0]
        return {"index": idx, "value": None if np.isnan(v) else float(v), "bits": format(int(bits), f"0{2 * size}x")}
    return {"index": idx, "value": str(int(v))}


def dump(path, strict, voxels):
    hdus = []
    # astropy checks CHECKSUM/DATASUM while it opens the file, warning on a mismatch.
    with fits.open(path, checksum=strict) as hdul:
        if strict:
            hdul.verify("exception")
        for i, hdu in enumerate(hdul):
            entry = {
                "index": i,
                "name": hdu.name,
                "cards": [{"key": c.keyword, "value": typed(c.value), "comment": c.comment} for c in hdu.header.cards],
            }
            if isinstance(hdu, (fits.PrimaryHDU, fits.ImageHDU)):
                entry["bitpix"] = hdu.header["BITPIX"]  # before .data, which rewrites it for scaled data
                data = hdu.data
                if data is not None:
                    flat = np.ascontiguousarray(data).astype(data.dtype.newbyteorder("<"))
                    entry["dtype"] = data.dtype.name
                    entry["shape"] = list(data.shape)
                    entry["sha256"] = hashlib.sha256(flat.tobytes()).hexdigest()
                    if data.dtype.kind == "f":
                        entry["nan"] = int(np.isnan(data).sum())
                        entry["inf"] = int(np.isinf(data).sum())
                        entry["finite_sum"] = float(np.sum(data[np.isfinite(data)], dtype=np.float64))
                    else:
                        entry["sum"] = str(int(data.astype(np.int64).sum())) if data.dtype != np.uint64 else None
                    entry["voxels"] = [voxel(data, idx) for (h, idx) in voxels if h == i]
            hdus.append(entry)
    return {"file": path.split("/")[-1], "hdus": hdus}


def main(argv):
    strict = "--strict" in argv
    argv = [a for a in argv if a != "--strict"]
    voxels = []
    if "--voxels" in argv:
        k = argv.index("--voxels")
        for part in argv[k + 1].split(";"):
            h, idx = part.split(":")
            voxels.append((int(h), [int(x) for x in idx.split(",")]))
        del argv[k : k + 2]
    if strict:
        warnings.simplefilter("error")
    json.dump([dump(p, strict, voxels) for p in argv], sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
