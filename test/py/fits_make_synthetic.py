"""Write synthetic FITS files with astropy and print what astropy reads back from them.

Usage: /usr/bin/python3 test/py/fits_make_synthetic.py OUTDIR > expected.json

The files cover every BITPIX, BSCALE/BZERO (unsigned conventions included), BLANK, NaN,
and header oddities (CONTINUE, '' quotes, D exponents, free format, HIERARCH, big
integers, undefined and complex values, commentary), a BINTABLE with a heap before an
IMAGE extension, and a tile-compressed image. The JSON is fits_dump.py's format, so the
test compares our reader with astropy's values, not with values written down by hand.
"""
import json
import os
import sys
import warnings

import numpy as np
from astropy.io import fits

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fits_dump import dump  # noqa: E402

OUT = sys.argv[1]
rng = np.random.default_rng(20240611)
VOXELS = []  # (hdu index, index) per file, set below


def raw_hdu(raw, name, **keys):
    """An ImageHDU holding `raw` as stored values, with scaling keywords written as given."""
    hdu = fits.ImageHDU(data=raw, name=name, do_not_scale_image_data=True)
    for k, v in keys.items():
        hdu.header[k] = v
    return hdu


def bitpix_file():
    f64 = rng.normal(size=(2, 3, 4))
    f64.flat[[0, 5, 7]] = [np.nan, -0.0, np.inf]
    f32 = rng.normal(size=(3, 5)).astype(np.float32)
    f32[1, 2] = np.nan
    i16 = rng.integers(-32768, 32767, size=(4, 6), dtype=np.int16)
    i32 = rng.integers(-(2**31), 2**31 - 1, size=(5,), dtype=np.int32)
    i64 = np.array([[2**53 + 1, -(2**63)], [2**63 - 1, 0], [-5, 123456789012345678]], dtype=np.int64)
    u8 = rng.integers(0, 255, size=(2, 2, 2, 3), dtype=np.uint8)
    fits.HDUList([
        fits.PrimaryHDU(f64),
        fits.ImageHDU(f32, name="F32"),
        fits.ImageHDU(i16, name="I16"),
        fits.ImageHDU(i32, name="I32"),
        fits.ImageHDU(i64, name="I64"),
        fits.ImageHDU(u8, name="U8"),
    ]).writeto(f"{OUT}/bitpix.fits", overwrite=True)


def scaled_file():
    i16 = rng.integers(-32768, 32767, size=(3, 4, 5), dtype=np.int16)
    i16[0, 0, :2] = -32768
    i32 = rng.integers(-(2**31), 2**31 - 1, size=(6, 7), dtype=np.int32)
    i32[2, 3] = -(2**31)
    i64 = np.array([2**60 + 3, -(2**55) - 1, 7, -7], dtype=np.int64)
    f32 = (rng.normal(size=(40, 50)) * 1000).astype(np.float32)  # many values: float32 vs float64 arithmetic differs
    f32[0, 1] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # BLANK on float data warns, by design of the case
        hdus = [
            fits.PrimaryHDU(),
            raw_hdu(i16, "I16S", BSCALE=0.1, BZERO=5.0, BLANK=-32768),
            raw_hdu(rng.integers(0, 255, size=(9,), dtype=np.uint8), "U8S", BSCALE=2.5, BZERO=-10),
            raw_hdu(i32, "I32S", BSCALE=1e-3, BZERO=12.5, BLANK=-(2**31)),
            raw_hdu(i64, "I64S", BSCALE=0.5, BZERO=1),
            raw_hdu(f32, "F32S", BSCALE=0.3, BZERO=7),
            raw_hdu(rng.normal(size=(5,)), "F64S", BSCALE=0.3, BZERO=7),
            fits.ImageHDU(np.array([[0, 1, 32767], [32768, 65535, 40000]], dtype=np.uint16), name="U16"),
            fits.ImageHDU(np.array([0, 1, 2**31, 2**32 - 1, 123456], dtype=np.uint32), name="U32"),
            fits.ImageHDU(np.array([-128, -1, 0, 1, 127], dtype=np.int8), name="I8"),
            raw_hdu(np.array([[-1, 2], [3, -1]], dtype=np.int16), "BLANKONLY", BLANK=-1),
            raw_hdu(np.array([-32768, -5, 0, 5], dtype=np.int16), "U16BLANK", BZERO=32768, BLANK=-5),
            raw_hdu(np.array([1.5, -2.0], dtype=np.float32), "BLANKFLOAT", BLANK=7),
            raw_hdu(np.array([-3, 0, 4], dtype=np.int16), "INTBSCALE", BSCALE=2),
            raw_hdu(np.array([200, 0, 255], dtype=np.uint8), "U8ZERO", BZERO=-100),
        ]
        fits.HDUList(hdus).writeto(f"{OUT}/scaled.fits", overwrite=True)


HEADER_IMAGES = [
    "DEXP    =              1.5D+02 / D exponent",
    "DEXPNEG =            -2.25D-03",
    "FREEINT =  42 / free format integer",
    "FREEFLT = 3.25",
    "FREELOG =   T",
    "LOWEXP  =              1.0e+05",
    "DOTFIRST=                   .5",
    "DOTLAST =                   5.",
    "NEGZERO =                 -0.0",
    "TINY    =              1.0E-300",
    "PLUSINT =                  +17",
    "BIGINT  = 12345678901234567890 / beyond int64",
    "BIG53   =     9007199254740993 / 2**53 + 1",
    "NEGBIG  = -9223372036854775808",
    "UNDEF   =                      / nothing here",
    "COMPLEX = (1.5, -2.0) / a complex value",
    "QUOTED  = 'O''Brien / field 1' / slash and quote inside",
    "EMPTY   = ''",
    "SPACES  = '  lead and trail   '",
    "DUPKEY  =                    1",
    "DUPKEY  =                    2 / second",
    "COMMENT   first comment, with leading spaces kept",
    "HISTORY step 1: made by fits_make_synthetic.py",
    "HISTORY step 2",
    "        blank-keyword commentary",
    "HIERARCH ESO DET CHIP NAME = 'CCD-1   ' / chip name",
    "HIERARCH ESO TEL AIRM START = 1.031 / Airmass at start",
    "HIERARCH ESO DET OUT1 GAIN = 1.1E+00",
    "HIERARCH ESO OBS ID = 200324947",
    "HIERARCH ESO INS SWITCH = F",
    "LONGSTR = 'This is a long string value that goes on and on past the end of the&'",
    "CONTINUE  'card, so it uses the CONTINUE convention; it even has an ''apostro&'",
    "CONTINUE  'ph&'",
    # astropy 5.2 re-parses joined CONTINUE parts unescaped, so '' followed by a blank would
    # cut the value there; the test covers that case by hand (our reader gets it right).
    "CONTINUE  'e''.' / and a comment",
    "LONGCOM = 'short&'",
    "CONTINUE  '&' / a comment split",
    "CONTINUE  '' / over two cards",
]


def header_file():
    """Assembled card by card (astropy would normalise the odd cards on writing); astropy reads it."""
    own = [
        fits.Card("LONGAPI", "x" * 150 + " it's long " + "y" * 60, "written by astropy itself"),
        fits.Card("HIERARCH ESO PRO REC1 PARAM1 VALUE", "a HIERARCH value"),
        fits.Card("HISTORY", "h" * 100),
    ]
    images = [c.image for c in fits.PrimaryHDU().header.cards] + [f"{i:80}" for i in HEADER_IMAGES]
    text = "".join(images) + "".join(c.image for c in own) + f"{'END':80}"
    assert len(text) % 80 == 0
    text += " " * (-len(text) % 2880)
    with open(f"{OUT}/header.fits", "wb") as f:
        f.write(text.encode("ascii"))


def table_file():
    cols = [
        fits.Column(name="ID", format="J", array=np.arange(37)),
        fits.Column(name="FLUX", format="E", array=rng.normal(size=37).astype(np.float32)),
        fits.Column(name="NAME", format="7A", array=[f"s{i}" for i in range(37)]),
        fits.Column(name="VLA", format="PJ()", array=np.array([np.arange(i % 5) for i in range(37)], dtype=object)),
    ]
    sci = rng.normal(size=(3, 4)).astype(np.float32)
    fits.HDUList([
        fits.PrimaryHDU(),
        fits.BinTableHDU.from_columns(cols, name="CAT"),
        fits.ImageHDU(sci, name="SCI"),
    ]).writeto(f"{OUT}/table_then_image.fits", overwrite=True)


def compressed_file():
    img = rng.normal(size=(20, 30)).astype(np.float32)
    fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(img, name="SCI")]).writeto(f"{OUT}/compressed.fits", overwrite=True)


def cube_file():
    cube = rng.normal(size=(7, 5, 3)).astype(np.float32)
    scaled = rng.integers(-1000, 1000, size=(6, 2, 3), dtype=np.int16)
    fits.HDUList([fits.PrimaryHDU(cube), raw_hdu(scaled, "SCALED", BSCALE=0.25, BZERO=3)]).writeto(f"{OUT}/cube.fits", overwrite=True)


bitpix_file()
scaled_file()
header_file()
table_file()
compressed_file()
cube_file()
names = ["bitpix.fits", "scaled.fits", "header.fits", "table_then_image.fits", "cube.fits"]
json.dump([dump(f"{OUT}/{n}", False, []) for n in names], sys.stdout, indent=1)
