/**
 * Celestial reference frames, as 3x3 rotations of unit vectors. Positions arrive in ICRS
 * (a catalogue RA/Dec), but MUSE headers say RADESYS='FK5': astropy rotates ICRS into FK5
 * before projecting, and that ~30 mas offset is a tenth of a MUSE pixel, so we must apply
 * the very same rotation to agree with it to 1e-6 pixel.
 *
 * The matrices are built exactly as astropy 5.2 builds them
 * (`coordinates/builtin_frames/icrs_fk5_transforms.py`, `fk5.py`, `earth_orientation.py`):
 * ICRS -> FK5(E) = P06(J2000 -> E) . B, with B the frame bias of USNO Circular 179 (equal
 * to erfa's `fk5hip` orientation to 5e-15) and P06 the IAU 2006 precession of erfa `bp06`.
 */

/** A row-major 3x3 matrix. */
export type Mat3 = readonly [number, number, number, number, number, number, number, number, number];

/**
 * The frames we can convert ICRS into exactly. FK5 carries its equinox as a Julian epoch
 * (TT), the way astropy reads EQUINOX for FK5.
 */
export type CelestialFrame = { readonly system: 'ICRS' } | { readonly system: 'FK5'; readonly equinox: number };

const DEG = Math.PI / 180;
const ARCSEC = DEG / 3600;

/** The identity rotation. */
export const IDENTITY: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** a . b */
export function mul(a: Mat3, b: Mat3): Mat3 {
  const r = new Array<number>(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      r[3 * i + j] = a[3 * i]! * b[j]! + a[3 * i + 1]! * b[3 + j]! + a[3 * i + 2]! * b[6 + j]!;
    }
  }
  return r as unknown as Mat3;
}

/** The inverse of a rotation. */
export function transpose(a: Mat3): Mat3 {
  return [a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]];
}

/**
 * Rotation of the coordinate frame about axis 0 (x), 1 (y) or 2 (z) by `angle` radians,
 * the convention of erfa's `Rx/Ry/Rz` and astropy's `rotation_matrix`: `[[c, s], [-s, c]]`
 * on the two other axes.
 */
export function frameRotation(axis: 0 | 1 | 2, angle: number): Mat3 {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const r = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const a1 = (axis + 1) % 3;
  const a2 = (axis + 2) % 3;
  r[4 * axis] = 1;
  r[4 * a1] = c;
  r[3 * a1 + a2] = s;
  r[3 * a2 + a1] = -s;
  r[4 * a2] = c;
  return r as unknown as Mat3;
}

/** USNO Circular 179 frame bias, ICRS -> FK5 at J2000 (astropy `_icrs_to_fk5_matrix`). */
const ICRS_TO_FK5_J2000: Mat3 = (() => {
  const eta0 = (-19.9 / 3600000) * DEG;
  const xi0 = (9.1 / 3600000) * DEG;
  const da0 = (-22.9 / 3600000) * DEG;
  return mul(mul(frameRotation(0, -eta0), frameRotation(1, xi0)), frameRotation(2, da0));
})();

/** Horner evaluation of `c[0] + c[1] t + ...`. */
function poly(c: readonly number[], t: number): number {
  let r = 0;
  for (let i = c.length - 1; i >= 0; i--) r = r * t + c[i]!;
  return r;
}

/**
 * erfa `pmat06` for `t` Julian centuries (TT) since J2000: the bias-precession matrix from
 * the Fukushima-Williams angles of `pfw06` and the obliquity of `obl06`, via `fw2m`.
 */
function biasPrecession06(t: number): Mat3 {
  const gamb = poly([-0.052928, 10.556378, 0.4932044, -0.00031238, -0.000002788, 0.000000026], t) * ARCSEC;
  const phib = poly([84381.412819, -46.811016, 0.0511268, 0.00053289, -0.00000044, -0.0000000176], t) * ARCSEC;
  const psib = poly([-0.041775, 5038.481484, 1.5584175, -0.00018522, -0.000026452, -0.0000000148], t) * ARCSEC;
  const epsa = poly([84381.406, -46.836769, -0.0001831, 0.0020034, -0.000000576, -0.0000000434], t) * ARCSEC;
  // fw2m: R = Rx(-eps) . Rz(-psi) . Rx(phib) . Rz(gamb)
  return mul(mul(mul(frameRotation(0, -epsa), frameRotation(2, -psib)), frameRotation(0, phib)), frameRotation(2, gamb));
}

/** erfa `bp06`'s precession-only matrix `rp` at Julian epoch `epoch` (TT). */
function precession06(epoch: number): Mat3 {
  const rb = biasPrecession06(0);
  return mul(biasPrecession06((epoch - 2000) / 100), transpose(rb));
}

/**
 * The rotation taking an ICRS unit vector into `frame`, matching astropy's
 * `SkyCoord(...).transform_to(frame)`. For FK5 this includes astropy's precession from
 * J2000 to the equinox, computed even at J2000 (where it is the identity to 1e-16).
 */
export function icrsToFrame(frame: CelestialFrame): Mat3 {
  if (frame.system === 'ICRS') return IDENTITY;
  // astropy: precession_matrix_Capitaine(J2000, E) = rp(E) . rp(J2000)^T
  const p = mul(precession06(frame.equinox), transpose(precession06(2000)));
  return mul(p, ICRS_TO_FK5_J2000);
}

/** A short name for messages: `ICRS` or `FK5(J2000)`. */
export function frameName(frame: CelestialFrame): string {
  return frame.system === 'ICRS' ? 'ICRS' : `FK5(J${frame.equinox})`;
}
