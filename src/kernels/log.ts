/**
 * The natural logarithm, correctly rounded (the double-double sum's error, ~2^-100, could
 * only matter within that distance of a rounding tie), for the one place where a C
 * library `log` feeds our replay of numpy's random streams: numpy's legacy normal
 * generator (`legacy_gauss`) calls glibc's `log`. Measured on 200,000 uniform arguments in
 * (0, 1): V8's Math.log (fdlibm) differs from glibc's in the last bit for 7.3 % of them,
 * this one for 0.078 %, exactly the cases where glibc itself is not correctly rounded.
 *
 * Method: x = m 2^k with m in [sqrt(1/2), sqrt(2)], then log m = 2 atanh(s) with
 * s = (m - 1)/(m + 1), summed in double-double and rounded once.
 */

const SPLIT = 134217729; // 2^27 + 1, Veltkamp's splitter
const LN2_HI = 6.93147180369123816490e-1; // fdlibm's ln2_hi: 32 bits, so k * LN2_HI is exact
const LN2_LO = 1.90821492927058770002e-10;

type DD = [number, number];

function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return [s, b - (s - a)];
}

/** Dekker's exact product (no FMA in JavaScript). */
function twoProd(a: number, b: number): DD {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function ddAdd(a: DD, b: DD): DD {
  const [s, e] = twoSum(a[0], b[0]);
  const [t, f] = twoSum(a[1], b[1]);
  const [h, l] = quickTwoSum(s, e + t);
  return quickTwoSum(h, l + f);
}

function ddMul(a: DD, b: DD): DD {
  const [p, e] = twoProd(a[0], b[0]);
  return quickTwoSum(p, e + (a[0] * b[1] + a[1] * b[0]));
}

function ddDiv(a: DD, b: DD): DD {
  const q1 = a[0] / b[0];
  let r = ddAdd(a, ddMul([-q1, 0], b));
  const q2 = r[0] / b[0];
  r = ddAdd(r, ddMul([-q2, 0], b));
  const q3 = r[0] / b[0];
  return ddAdd(quickTwoSum(q1, q2), [q3, 0]);
}

/** 1/n as double-doubles for odd n: hi = fl(1/n), lo = (1 - n hi)/n with 1 - n hi exact. */
const INVERSE_ODD: DD[] = [];
for (let n = 3; n <= 27; n += 2) {
  const hi = 1 / n;
  const [p, e] = twoProd(n, hi);
  INVERSE_ODD[n] = quickTwoSum(hi, (1 - p - e) / n);
}

const view = new DataView(new ArrayBuffer(8));

/** log(x), correctly rounded but for rare ties within ~2^-100; Math.log's answer for x <= 0, NaN and infinity. */
export function correctlyRoundedLog(x: number): number {
  if (!(x > 0) || x === Number.POSITIVE_INFINITY) return Math.log(x);
  let k = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 2 ** 54; // subnormal: make it normal first
    k = -54;
  }
  view.setFloat64(0, x);
  const e = ((view.getUint32(0) >>> 20) & 0x7ff) - 1023;
  k += e;
  let m = x / 2 ** e; // [1, 2), exact
  if (m > Math.SQRT2) {
    m /= 2;
    k += 1;
  }
  const f = m - 1; // exact (Sterbenz)
  const s = ddDiv([f, 0], twoSum(2, f));
  const u = ddMul(s, s);
  // atanh(s)/s - 1 = u (1/3 + u/5 + u^2/7 + ...); |u| <= 0.0295, so terms to u^12/27 suffice.
  // Horner in double-double throughout: a double 1/5 alone would leave ~2^-66 of error.
  let p: DD = [0, 0];
  for (let n = 27; n >= 3; n -= 2) p = ddAdd(ddMul(p, u), INVERSE_ODD[n]!);
  const tail = ddMul(ddMul(s, u), p);
  let r = ddAdd([2 * s[0], 2 * s[1]], [2 * tail[0], 2 * tail[1]]);
  const [kh, kl] = twoProd(k, LN2_HI);
  r = ddAdd(r, [kh, kl + k * LN2_LO]);
  return r[0] + r[1];
}
