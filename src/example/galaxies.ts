/**
 * The four synthetic host galaxies of the example dataset, as data. Each is a sum of
 * components (bulge, disk, arms, ring, knots) with its own mass profile and star-formation
 * history, so the groups the pipeline finds have a known physical meaning. All numbers are
 * invented; none is copied from a real catalog row.
 */
import type { Burst, GalaxySpec } from './spec.ts';

const OLD_METAL_RICH: readonly Burst[] = [
  { logAge: 1.06, width: 0.05, mh: 0.15, mhWidth: 0.12, amp: 1 },
  { logAge: 0.94, width: 0.04, mh: 0.0, mhWidth: 0.15, amp: 0.3 },
];
const INTERMEDIATE: readonly Burst[] = [
  { logAge: 0.55, width: 0.16, mh: -0.3, mhWidth: 0.25, amp: 1 },
  { logAge: 0.85, width: 0.08, mh: -0.5, mhWidth: 0.3, amp: 0.4 },
];
const RECENT: readonly Burst[] = [
  { logAge: -0.35, width: 0.2, mh: 0.0, mhWidth: 0.2, amp: 1 },
  { logAge: -0.8, width: 0.12, mh: 0.0, mhWidth: 0.2, amp: 0.35 },
];
const YOUNG_KNOT: readonly Burst[] = [
  { logAge: -1.15, width: 0.05, mh: 0.0, mhWidth: 0.2, amp: 1 },
  { logAge: -0.6, width: 0.1, mh: 0.0, mhWidth: 0.2, amp: 0.25 },
];

/** The example galaxies, in catalog order. */
export const GALAXIES: readonly GalaxySpec[] = [
  {
    id: 37,
    snName: 'SN2017ex2',
    snType: 'Ia',
    redshift: 0.0187,
    description:
      'inclined (66 deg) disk in a cube with a rotated CD matrix: small old bulge, inside-out disk ' +
      '(~6 Gyr inner, ~2.5 Gyr outer) and a star-forming ring (~0.45 Gyr) with two young knots',
    nx: 40,
    ny: 36,
    center: { x: 19.4, y: 17.8 },
    incDeg: 66,
    paDeg: 20,
    vmax: 210,
    rTurn: 3.5,
    components: [
      { name: 'bulge', shape: { kind: 'sersic', n: 1.5, re: 1.8, q: 0.75 }, mass: 1.6e7, sfh: OLD_METAL_RICH },
      {
        name: 'inner disk',
        shape: { kind: 'exponential', h: 6, window: { r0: 6.5, w: 1.3, side: 'inner' } },
        mass: 5e7,
        sfh: [{ logAge: 0.8, width: 0.1, mh: -0.1, mhWidth: 0.2, amp: 1 }],
      },
      {
        name: 'outer disk',
        shape: { kind: 'exponential', h: 6, window: { r0: 6.5, w: 1.3, side: 'outer' } },
        mass: 5e7,
        sfh: [
          { logAge: 0.4, width: 0.12, mh: -0.4, mhWidth: 0.25, amp: 1 },
          { logAge: 0.65, width: 0.1, mh: -0.5, mhWidth: 0.25, amp: 0.4 },
        ],
      },
      { name: 'ring', shape: { kind: 'ring', radius: 10, width: 1.4 }, mass: 1.6e7, sfh: RECENT },
      {
        name: 'knots',
        shape: { kind: 'knots', sigma: 0.8, at: [{ r: 10, thetaDeg: 150 }, { r: 10, thetaDeg: -35 }] },
        mass: 6e6,
        sfh: YOUNG_KNOT,
      },
    ],
    seeing: 1.18,
    seeingErr: 0.06,
    pointing: { ra: 153.839127, dec: -12.072416 },
    rotationDeg: 35,
    footprint: { angleDeg: 0, half: 18.6 },
    sn: { x: 26.8, y: 22.3 },
    ifuTime: '2017-02-11T03:05:22.790',
    snTime: '2017-06-19 23:41:02',
    archiveTime: '2017-04-06T15:27:51.604',
    exptime: 2400,
    flags: { extraCare: '0', seMask2: '1 2', good: '0', mask: '2', seMask: '1 2' },
  },
  {
    id: 122,
    snName: 'SN2016ex1',
    snType: 'Ia',
    redshift: 0.0121,
    description:
      'face-on two-armed spiral (the notebook\'s example id): old metal-rich bulge (>8 Gyr), ' +
      'intermediate-age exponential disk (2-8 Gyr), star-forming arms (0.1-1 Gyr) and six young ' +
      'knots (<100 Myr); the SN sits in an arm',
    nx: 44,
    ny: 40,
    center: { x: 21.2, y: 19.6 },
    incDeg: 24,
    paDeg: 35,
    vmax: 180,
    rTurn: 4,
    components: [
      { name: 'bulge', shape: { kind: 'sersic', n: 2, re: 2.6, q: 0.92 }, mass: 1.5e7, sfh: OLD_METAL_RICH },
      { name: 'disk', shape: { kind: 'exponential', h: 5.5 }, mass: 2e7, sfh: INTERMEDIATE },
      {
        name: 'arms',
        shape: { kind: 'arms', h: 6, arms: 2, pitchDeg: 17, sharpness: 8, rIn: 4 },
        mass: 1e7,
        sfh: RECENT,
      },
      {
        name: 'knots',
        shape: {
          kind: 'knots',
          sigma: 0.7,
          at: [
            { r: 5.5, arm: 1 },
            { r: 6.5, arm: 0 },
            { r: 8, arm: 1 },
            { r: 12.5, arm: 0 },
            { r: 13.5, arm: 1 },
            { r: 16, arm: 0 },
          ],
        },
        mass: 4e6,
        sfh: YOUNG_KNOT,
      },
    ],
    seeing: 0.94,
    seeingErr: 0.04,
    pointing: { ra: 47.221306, dec: -21.385741 },
    rotationDeg: 0,
    footprint: { angleDeg: 21, half: 21.3 },
    sn: { x: 29.7, y: 24.3 },
    ifuTime: '2016-07-14T06:21:37.412',
    snTime: '2016-11-02 03:12:45',
    archiveTime: '2016-09-02T11:45:08.318',
    exptime: 2800,
    flags: { extraCare: '0', seMask2: '1', good: '0', mask: '1', seMask: '1' },
  },
  {
    id: 205,
    snName: 'SN2018ex3',
    snType: 'Ia',
    redshift: 0.0263,
    description:
      'bulge-dominated elliptical (Sersic n=4 core, 11-13 Gyr, metal-rich, in a metal-poorer ' +
      '~9.5 Gyr envelope) with one off-centre star-forming clump (<100 Myr plus ~0.4 Gyr)',
    nx: 38,
    ny: 36,
    center: { x: 18.6, y: 17.3 },
    incDeg: 44,
    paDeg: -30,
    vmax: 60,
    rTurn: 5,
    components: [
      { name: 'core', shape: { kind: 'sersic', n: 4, re: 3.5, q: 0.72 }, mass: 4e7, sfh: [{ logAge: 1.08, width: 0.04, mh: 0.22, mhWidth: 0.1, amp: 1 }] },
      {
        name: 'envelope',
        shape: { kind: 'sersic', n: 1, re: 9, q: 0.8 },
        mass: 8e6,
        sfh: [{ logAge: 0.98, width: 0.05, mh: -0.4, mhWidth: 0.3, amp: 1 }],
      },
      {
        name: 'clump',
        shape: { kind: 'knots', sigma: 1.3, at: [{ r: 10, thetaDeg: -40 }] },
        mass: 1.2e7,
        sfh: [
          { logAge: -1.15, width: 0.05, mh: 0.0, mhWidth: 0.2, amp: 1 },
          { logAge: -0.4, width: 0.15, mh: 0.0, mhWidth: 0.2, amp: 0.8 },
        ],
      },
    ],
    seeing: 0.76,
    seeingErr: 0.03,
    pointing: { ra: 201.457714, dec: -28.841329 },
    rotationDeg: 0,
    footprint: { angleDeg: -28, half: 18.4 },
    sn: { x: 12.4, y: 22.6 },
    ifuTime: '2017-08-25T08:33:14.055',
    snTime: '2018-03-07 05:55:18',
    archiveTime: '2017-10-12T10:02:39.871',
    exptime: 2100,
    flags: { extraCare: '1', seMask2: '1', good: '1', mask: '1', seMask: '1' },
  },
  {
    id: 311,
    snName: 'SN2019ex4',
    snType: 'II',
    redshift: 0.0089,
    description:
      'core-collapse (type II) host: a star-forming irregular disk (~2 Gyr) with young patches; ' +
      'it has a cube but no pPXF output, like the core-collapse rows of the real study',
    nx: 34,
    ny: 36,
    center: { x: 16.8, y: 18.1 },
    incDeg: 40,
    paDeg: 70,
    vmax: 110,
    rTurn: 3,
    components: [
      {
        name: 'disk',
        shape: { kind: 'exponential', h: 3.5 },
        mass: 1.2e7,
        sfh: [{ logAge: 0.3, width: 0.3, mh: -0.5, mhWidth: 0.3, amp: 1 }],
      },
      {
        name: 'knots',
        shape: {
          kind: 'knots',
          sigma: 1,
          at: [
            { r: 4, thetaDeg: 30 },
            { r: 7, thetaDeg: 200 },
            { r: 6, thetaDeg: 110 },
            { r: 9, thetaDeg: -60 },
          ],
        },
        mass: 5e6,
        sfh: YOUNG_KNOT,
      },
    ],
    seeing: 1.05,
    seeingErr: 0.05,
    pointing: { ra: 331.008219, dec: -5.519638 },
    rotationDeg: 0,
    footprint: { angleDeg: 12, half: 17.2 },
    sn: { x: 20.6, y: 23.2 },
    ifuTime: '2018-06-30T09:48:56.221',
    snTime: '2019-01-16 01:27:44',
    archiveTime: '2018-08-21T13:14:27.093',
    exptime: 2700,
    flags: { extraCare: '', seMask2: '', good: '', mask: '', seMask: '' },
  },
];
