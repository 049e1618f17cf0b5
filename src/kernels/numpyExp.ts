/**
 * `np.exp` for float64 exactly as the notebook's numpy computed it, because the gaussian
 * filter's weights come from np.exp and a one-ulp difference in a weight shows up in a
 * third of the smoothed SFH values.
 *
 * numpy 1.24 on an x86-64 CPU with AVX512_SKX (the parity fixtures' machine, and most
 * servers) runs np.exp through Intel SVML's `__svml_exp8` (numpy/SVML,
 * linux/avx512/svml_z0_exp_d_la.s): not glibc's exp and not correctly rounded (up to 2 ulp
 * from glibc). This replays its arithmetic with an exact FMA; it matches numpy 1.24's
 * np.exp on 24,000 test arguments (test/kernels.test.ts). JS's Math.exp differs from it in
 * ~25% of arguments. numpy 2.4 uses yet another exp, so its weights differ too.
 *
 * Algorithm (SVML "la" exp, k = 4): N = x*log2(e) rounded toward zero to 1/16 (one fused
 * multiply-add onto 1.5*2**48 + 1023); j = the 4 fraction bits of N; r = x - N*ln2
 * (two FMAs, hi/lo ln2); exp(r) - 1 by a degree-6 polynomial in FMA form;
 * result = 2**floor(N) * (T[j] + T[j] * p(r)).
 */
import { fma } from './fma.ts';

function fromWords(lo: number, hi: number): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setUint32(0, hi);
  v.setUint32(4, lo);
  return v.getFloat64(0);
}

/** 2**(j/16), j = 0..15, as stored in `__svml_dexp_data_internal_avx512`. */
const TABLE = [
  [0, 1072693248], [1828292879, 1072739672], [1014845819, 1072788152], [1853186616, 1072838778],
  [171030293, 1072891646], [1276261410, 1072946854], [3577096743, 1073004506], [3712504873, 1073064711],
  [1719614413, 1073127582], [1944781191, 1073193236], [1110089947, 1073261797], [2191782032, 1073333393],
  [2572866477, 1073408159], [3716502172, 1073486235], [3707479175, 1073567768], [2728693978, 1073652911],
].map(([lo, hi]) => fromWords(lo!, hi!));

const LOG2E = fromWords(1697350398, 1073157447);
const SHIFTER = fromWords(16368, 1123549184); // 1.5 * 2**48 + 1023
const LN2_HI = fromWords(4277811695, 1072049730);
const LN2_LO = fromWords(993624127, 1014676638);
const C2 = fromWords(9762, 1071644672);
const C3 = fromWords(1421150370, 1069897045);
const C4 = fromWords(1270150640, 1067799894);
const C5 = fromWords(64584704, 1065422950);
const C6 = fromWords(4010615101, 1062678197);
/** |x| at or above this takes SVML's scalar "rare" path (overflow/underflow handling). */
const RARE_THRESHOLD = fromWords(1287323204, 1082531232);

const bits = new DataView(new ArrayBuffer(8));

/**
 * numpy 1.24's float64 `np.exp(x)` on AVX512_SKX hardware (SVML), bit for bit for
 * |x| < 707.7. Beyond that (results near overflow or subnormal), where SVML switches to a
 * scalar routine, this returns Math.exp(x): no gaussian weight ever gets there unless
 * truncate exceeds ~18.
 */
export function numpyExp(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (!(Math.abs(x) < RARE_THRESHOLD)) return Math.exp(x);
  const z = fma(x, LOG2E, SHIFTER, 'zero');
  const n = z - SHIFTER;
  bits.setFloat64(0, z);
  const j = bits.getUint32(4) & 15;
  const th = TABLE[j]!;
  let r = fma(-n, LN2_HI, x);
  r = fma(-LN2_LO, n, r);
  const r2 = r * r;
  const p56 = fma(C6, r, C5);
  const p34 = fma(C4, r, C3);
  const r3 = r2 * r;
  const p12 = fma(r2, C2, r);
  const p36 = fma(r2, p56, p34);
  const p16 = fma(r3, p36, p12);
  const res = fma(th, p16, th);
  // vscalefpd: res * 2**floor(n), in two steps so neither power of two overflows alone.
  const m = Math.floor(n);
  const m1 = Math.trunc(m / 2);
  return res * 2 ** m1 * 2 ** (m - m1);
}
