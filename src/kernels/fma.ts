/**
 * An exact fused multiply-add (a * b + c with one rounding) in plain JS, which has no FMA:
 * needed to replay numpy's vectorised exp (SVML, built on FMA instructions) bit for bit.
 * BigInt arithmetic, about a microsecond per call: for computing a few filter weights,
 * never for per-pixel work. Results are exact for normal results; subnormal results are
 * rounded at full precision first (double rounding), which numpy's use of it never hits.
 */

const view = new DataView(new ArrayBuffer(8));

/** x = m * 2**e with m a signed integer BigInt (x finite). */
function decompose(x: number): { m: bigint; e: number } {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const sign = hi >>> 31;
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (bexp === 0) {
    e = -1074;
  } else {
    mant |= 1n << 52n;
    e = bexp - 1075;
  }
  return { m: sign ? -mant : mant, e };
}

function bitLength(x: bigint): number {
  return x.toString(2).length;
}

/** Rounding modes of the AVX-512 `{rn-sae}` / `{rz-sae}` instruction variants. */
export type RoundingMode = 'nearest' | 'zero';

/** m * 2**e rounded to a double with the given mode (m a BigInt, non-zero). */
function roundToDouble(m: bigint, e: number, mode: RoundingMode): number {
  const neg = m < 0n;
  let a = neg ? -m : m;
  const len = bitLength(a);
  let shift = len - 53;
  if (shift > 0) {
    const rem = a & ((1n << BigInt(shift)) - 1n);
    a >>= BigInt(shift);
    if (mode === 'nearest') {
      const half = 1n << BigInt(shift - 1);
      if (rem > half || (rem === half && (a & 1n) === 1n)) a += 1n;
    }
    e += shift;
    shift = 0;
  }
  // a < 2**54 now: exact as a number; scale in two steps so 2**e never under/overflows alone.
  const e1 = Math.trunc(e / 2);
  const v = Number(a) * 2 ** e1 * 2 ** (e - e1);
  return neg ? -v : v;
}

/**
 * a * b + c rounded once ('nearest' = IEEE round-half-even, 'zero' = toward zero), like
 * a hardware FMA. Non-finite operands fall back to the unfused expression.
 */
export function fma(a: number, b: number, c: number, mode: RoundingMode = 'nearest'): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c)) return a * b + c;
  if (a === 0 || b === 0) return a * b + c;
  const pa = decompose(a);
  const pb = decompose(b);
  const pm = pa.m * pb.m;
  const pe = pa.e + pb.e;
  if (c === 0) return roundToDouble(pm, pe, mode);
  const pc = decompose(c);
  const e = Math.min(pe, pc.e);
  const sum = (pm << BigInt(pe - e)) + (pc.m << BigInt(pc.e - e));
  if (sum === 0n) return 0; // exact cancellation: +0 in round-to-nearest and toward-zero
  return roundToDouble(sum, e, mode);
}
