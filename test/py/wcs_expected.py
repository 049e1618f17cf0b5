#!/usr/bin/python3
"""Regenerate test/fixtures/wcs/*.json: astropy's answers for test/wcs.test.ts.

Run with Debian's system python (the one with astropy):
    /usr/bin/python3 test/py/wcs_expected.py [--shared /work/shared]

For each header (the DATA extension of the real MUSE cut-out and of the three parity
cubes, plus synthetic ones) it writes the header cards and, at >= 200 points:
  to_pixel: [ra, dec, x, y]   x, y = skycoord_to_pixel(SkyCoord(ra, dec), WCS(h), 0, 'all')
  to_world: [x, y, ra, dec]   ra, dec = pixel_to_skycoord(x, y, WCS(h), 0, 'all').icrs
RA/Dec are ICRS degrees, pixels 0-based. For a header whose CTYPE1 is Dec, astropy's
skycoord_to_pixel returns (pixel along the RA axis, pixel along the Dec axis); our API
returns (axis 1, axis 2), so those expectations come from all_world2pix/all_pix2world on
the full WCS (the script asserts that this is the only difference).
It also writes parity.json: the supernova positions and minposf of the parity run.
"""
import argparse
import csv
import json
import os
import warnings

import astropy
import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS
from astropy.wcs.utils import pixel_to_skycoord, skycoord_to_pixel, wcs_to_celestial_frame

warnings.simplefilter('ignore')  # FITSFixedWarning for synthetic headers
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'wcs')
N_POINTS = 240


def cards_of(header):
    """Header -> [[key, value]], values as JSON scalars (astropy Undefined -> None)."""
    cards = []
    for card in header.cards:
        if card.keyword in ('', 'COMMENT', 'HISTORY'):
            continue
        v = card.value
        if not isinstance(v, (bool, int, float, str)):
            v = None
        cards.append([card.keyword, v])
    return cards


def synthetic(naxis1, naxis2, cards):
    h = fits.Header()
    h['NAXIS'] = 2
    h['NAXIS1'] = naxis1
    h['NAXIS2'] = naxis2
    for k, v in cards.items():
        h[k] = v
    return h


def lon_is_axis1(w):
    return w.wcs.lng == 0


def to_world(w, x, y):
    """ICRS (ra, dec) of 0-based pixels along FITS axes 1, 2."""
    if lon_is_axis1(w):
        c = pixel_to_skycoord(x, y, w, 0, 'all')
    else:
        cel = w.celestial
        world = cel.all_pix2world(np.stack([x, y], 1), 0)
        c = SkyCoord(world[:, 1] * u.deg, world[:, 0] * u.deg, frame=wcs_to_celestial_frame(cel))
    c = c.icrs
    return c.ra.deg, c.dec.deg


def to_pixel(w, ra, dec):
    """0-based pixels along FITS axes 1, 2 of ICRS positions."""
    sc = SkyCoord(ra * u.deg, dec * u.deg)
    x, y = skycoord_to_pixel(sc, w, 0, 'all')
    if lon_is_axis1(w):
        return x, y
    cel = w.celestial
    c = sc.transform_to(wcs_to_celestial_frame(cel))
    p = cel.all_world2pix(np.stack([c.dec.deg, c.ra.deg], 1), 0)
    print("swap check", np.abs(p[:, 1] - x).max(), np.abs(p[:, 0] - y).max())
    assert np.abs(p[:, 1] - x).max() < 1e-9 and np.abs(p[:, 0] - y).max() < 1e-9
    return p[:, 0], p[:, 1]


def make_case(name, description, header, rng, *, span=1.0, wrap_ra=False):
    w = WCS(header)
    nx, ny = header['NAXIS1'], header['NAXIS2']
    # Pixels over the image and a margin of `span` image sizes around it, plus corners.
    xs = rng.uniform(-0.5 - span * nx, nx - 0.5 + span * nx, N_POINTS)
    ys = rng.uniform(-0.5 - span * ny, ny - 0.5 + span * ny, N_POINTS)
    xs[:4] = [-0.5, nx - 0.5, -0.5, nx - 0.5]
    ys[:4] = [-0.5, -0.5, ny - 0.5, ny - 0.5]
    ra_w, dec_w = to_world(w, xs, ys)
    # World inputs: the sky positions of other random pixels.
    xs2 = rng.uniform(-0.5 - span * nx, nx - 0.5 + span * nx, N_POINTS)
    ys2 = rng.uniform(-0.5 - span * ny, ny - 0.5 + span * ny, N_POINTS)
    ra_in, dec_in = to_world(w, xs2, ys2)
    if wrap_ra:  # half the inputs as negative RA, to test that RA is taken modulo 360
        ra_in = np.where((ra_in > 180) & (np.arange(N_POINTS) % 2 == 0), ra_in - 360, ra_in)
    px, py = to_pixel(w, ra_in, dec_in)
    assert np.all(np.isfinite(px)) and np.all(np.isfinite(ra_w))
    cel = w.celestial
    scale = float(np.sqrt(abs(np.linalg.det(cel.pixel_scale_matrix))) * 3600)
    case = {
        'name': name,
        'description': description,
        'astropy': astropy.__version__,
        'frame': str(wcs_to_celestial_frame(w)),
        'pixelScaleArcsec': scale,
        'header': cards_of(header),
        'to_pixel': [[float(a), float(b), float(c), float(d)] for a, b, c, d in zip(ra_in, dec_in, px, py)],
        'to_world': [[float(a), float(b), float(c), float(d)] for a, b, c, d in zip(xs, ys, ra_w, dec_w)],
    }
    with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
        json.dump(case, f, indent=None, separators=(',', ':'))
        f.write('\n')
    print(f'{name}: {case["frame"]}, {scale:.4f}"/px')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--shared', default='/work/shared')
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240601)
    real = os.path.join(args.shared, 'data/real/mpdaf_subcub_mosaic_UDF.fits')
    make_case('udf_real', 'real MUSE UDF cut-out, DATA HDU: ICRS, rotated CD, negative CRPIX, 3-D',
              fits.getheader(real, 1), rng)
    resample = os.path.join(args.shared, 'parity/input/MuseObject/MuseResample')
    for fn in sorted(os.listdir(resample)):
        make_case('parity_' + fn[:-5].replace(':', '-'), f'parity cube {fn} DATA HDU: FK5 J2000, 3-D',
                  fits.getheader(os.path.join(resample, fn), 1), rng)

    tan = {'CTYPE1': 'RA---TAN', 'CTYPE2': 'DEC--TAN'}
    s = 0.2 / 3600
    th = np.radians(33.0)
    syn = [
        ('syn_diag_icrs', 'diagonal CD, RADESYS ICRS', 300, 300,
         {**tan, 'CRPIX1': 150.5, 'CRPIX2': 140.0, 'CRVAL1': 150.1, 'CRVAL2': 2.2,
          'CD1_1': -s, 'CD2_2': s, 'RADESYS': 'ICRS'}, {}),
        ('syn_rot_skew_fk5', 'rotated and skewed CD, RADESYS FK5 EQUINOX 2000', 200, 250,
         {**tan, 'CRPIX1': 80.25, 'CRPIX2': -30.5, 'CRVAL1': 53.16, 'CRVAL2': -27.8,
          'CD1_1': -s * np.cos(th), 'CD1_2': s * 1.1 * np.sin(th) + 0.2 * s,
          'CD2_1': s * np.sin(th), 'CD2_2': s * 1.1 * np.cos(th),
          'RADESYS': 'FK5', 'EQUINOX': 2000.0}, {}),
        ('syn_pc_cdelt_fk5_default', 'PC + CDELT, no RADESYS, EQUINOX 2000 (astropy: FK5)', 150, 120,
         {**tan, 'CRPIX1': 75.0, 'CRPIX2': 60.0, 'CRVAL1': 210.3, 'CRVAL2': 54.3,
          'CDELT1': -5e-5, 'CDELT2': 6e-5, 'PC1_1': 0.9, 'PC1_2': -0.35, 'PC2_1': 0.4, 'PC2_2': 0.95,
          'EQUINOX': 2000.0}, {}),
        ('syn_pole_lonpole170', 'near the pole: CRVAL2 89.9, LONPOLE 170, PC + CDELT, no RADESYS/EQUINOX (ICRS)', 400, 400,
         {**tan, 'CRPIX1': 200.0, 'CRPIX2': 210.0, 'CRVAL1': 37.5, 'CRVAL2': 89.9,
          'CDELT1': -1e-3, 'CDELT2': 1e-3, 'PC1_1': 0.98, 'PC1_2': 0.1, 'PC2_1': -0.1, 'PC2_2': 0.99,
          'LONPOLE': 170.0}, {}),
        ('syn_pole_exact_fk5', 'reference point at the pole (default LONPOLE 0), RADESYS FK5 without EQUINOX', 200, 200,
         {**tan, 'CRPIX1': 100.0, 'CRPIX2': 100.0, 'CRVAL1': 0.0, 'CRVAL2': 90.0,
          'CD1_1': -2e-3, 'CD2_2': 2e-3, 'RADESYS': 'FK5'}, {}),
        ('syn_wrap_fk5', 'RA wrap: CRVAL1 0.02 so the field spans RA 359.9..0.1; half the inputs as negative RA', 300, 300,
         {**tan, 'CRPIX1': 150.0, 'CRPIX2': 150.0, 'CRVAL1': 0.02, 'CRVAL2': -5.0,
          'CD1_1': -s * 4, 'CD1_2': s * 0.5, 'CD2_1': s * 0.5, 'CD2_2': s * 4, 'RADESYS': 'FK5', 'EQUINOX': 2000.0},
         {'wrap_ra': True}),
        ('syn_swapped_axes', 'CTYPE1 = DEC--TAN, CTYPE2 = RA---TAN, rotated CD, ICRS', 120, 160,
         {'CTYPE1': 'DEC--TAN', 'CTYPE2': 'RA---TAN', 'CRPIX1': 60.0, 'CRPIX2': 70.0, 'CRVAL1': -45.5, 'CRVAL2': 300.2,
          'CD1_1': s * np.sin(th), 'CD1_2': s * np.cos(th), 'CD2_1': -s * np.cos(th), 'CD2_2': s * np.sin(th),
          'RADESYS': 'ICRS'}, {}),
        ('syn_crota_icrs', 'CDELT + CROTA2 (AIPS convention), ICRS', 100, 100,
         {**tan, 'CRPIX1': 50.0, 'CRPIX2': 50.0, 'CRVAL1': 120.0, 'CRVAL2': -60.0,
          'CDELT1': -1e-4, 'CDELT2': 1.5e-4, 'CROTA2': 25.0, 'RADESYS': 'ICRS'}, {}),
        ('syn_fk5_j2010', 'FK5 at EQUINOX 2010 (IAU 2006 precession from J2000)', 200, 200,
         {**tan, 'CRPIX1': 100.0, 'CRPIX2': 100.0, 'CRVAL1': 280.0, 'CRVAL2': 38.0,
          'CD1_1': -s, 'CD2_2': s, 'RADESYS': 'FK5', 'EQUINOX': 2010.0}, {}),
        ('syn_legacy_keys', 'RADECSYS and EPOCH instead of RADESYS and EQUINOX (FK5 J2000)', 100, 100,
         {**tan, 'CRPIX1': 50.0, 'CRPIX2': 50.0, 'CRVAL1': 10.0, 'CRVAL2': 10.0,
          'CD1_1': -s, 'CD2_2': s, 'RADECSYS': 'FK5', 'EPOCH': 2000.0}, {}),
        ('syn_wide_field', 'wide field: 0.4 deg/px, points up to ~70 deg from the reference point', 100, 100,
         {**tan, 'CRPIX1': 50.0, 'CRPIX2': 50.0, 'CRVAL1': 200.0, 'CRVAL2': 20.0,
          'CD1_1': -0.4, 'CD1_2': 0.05, 'CD2_1': 0.03, 'CD2_2': 0.4, 'RADESYS': 'FK5'}, {'span': 0.6}),
        ('syn_pc_overrides_cd', 'both PC+CDELT and CD present: wcslib (so astropy) uses PC+CDELT, ignores CD', 100, 100,
         {**tan, 'CRPIX1': 40.0, 'CRPIX2': 60.0, 'CRVAL1': 85.0, 'CRVAL2': -69.0,
          'CDELT1': -6e-5, 'CDELT2': 6e-5, 'PC1_1': 0.8, 'PC1_2': 0.6, 'PC2_1': -0.6, 'PC2_2': 0.8,
          'CD1_1': -1e-3, 'CD2_2': 1e-3, 'RADESYS': 'ICRS'}, {}),
    ]
    for name, desc, n1, n2, cards, opts in syn:
        cards = {k: (float(v) if isinstance(v, np.floating) else v) for k, v in cards.items()}
        make_case(name, desc, synthetic(n1, n2, cards), rng, **opts)

    # Parity: minposf of the seed-0 run is the supernova's pixel.
    rows = {r['']: r for r in csv.DictReader(open(os.path.join(args.shared, 'parity/input/FinalSelMuseMask3.csv')))}
    parity = []
    for sid, stem in [('11', '11_SN2013aa'), ('45', '45_SN2015bp')]:
        r = rows[sid]
        cube = r['ArcName'].replace('ADP', 'CDP') + '.fits'
        minposf = json.load(open(os.path.join(args.shared, f'parity/expected/seed0/{stem}_4.json')))['minposf']
        h = fits.getheader(os.path.join(resample, cube), 1)
        x, y = skycoord_to_pixel(SkyCoord(float(r['SN RA']) * u.deg, float(r['SN DEC']) * u.deg), WCS(h), 0, 'all')
        parity.append({'id': int(sid), 'sn': r['SN Name'], 'cube': cube, 'case': 'parity_' + cube[:-5].replace(':', '-'),
                       'ra': float(r['SN RA']), 'dec': float(r['SN DEC']), 'minposf': minposf,
                       'astropy': [float(x), float(y)]})
        print(f'{stem}: astropy - minposf = {x - minposf[0]:.2e}, {y - minposf[1]:.2e}')
    with open(os.path.join(OUT, 'parity.json'), 'w') as f:
        json.dump(parity, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
