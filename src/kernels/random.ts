/**
 * numpy's legacy global generator (`np.random.seed` + `np.random.randint`), reproduced so
 * that the notebook's random initial group map is drawn identically. Legacy `RandomState`
 * is frozen by numpy's policy, so one implementation covers numpy 1.x and 2.x.
 */

import { correctlyRoundedLog } from './log.ts';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** MT19937 state as numpy keeps it: 624 words and the read position (624 = refill next). */
export interface MT19937State {
  readonly key: Uint32Array;
  pos: number;
}

/**
 * The state after `np.random.seed(seed)` for an integer seed in [0, 2**32 - 1]: numpy's
 * `_legacy_seeding` calls `mt19937_seed`, which is Matsumoto-Nishimura `init_genrand`.
 */
export function mt19937Seed(seed: number): MT19937State {
  const key = new Uint32Array(N);
  let s = seed >>> 0;
  for (let i = 0; i < N; i++) {
    key[i] = s;
    s = (Math.imul(1812433253, s ^ (s >>> 30)) + i + 1) >>> 0;
  }
  return { key, pos: N };
}

function regenerate(state: MT19937State): void {
  const key = state.key;
  let i = 0;
  let y: number;
  for (; i < N - M; i++) {
    y = (key[i]! & UPPER_MASK) | (key[i + 1]! & LOWER_MASK);
    key[i] = key[i + M]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
  }
  for (; i < N - 1; i++) {
    y = (key[i]! & UPPER_MASK) | (key[i + 1]! & LOWER_MASK);
    key[i] = key[i + M - N]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
  }
  y = (key[N - 1]! & UPPER_MASK) | (key[0]! & LOWER_MASK);
  key[N - 1] = key[M - 1]! ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
  state.pos = 0;
}

/** Next 32-bit output (`mt19937_next32`, tempered), as an unsigned number. */
export function mt19937Next32(state: MT19937State): number {
  if (state.pos === N) regenerate(state);
  let y = state.key[state.pos++]!;
  y ^= y >>> 11;
  y ^= (y << 7) & 0x9d2c5680;
  y ^= (y << 15) & 0xefc60000;
  y ^= y >>> 18;
  return y >>> 0;
}

/**
 * `np.random.randint(k, size=count)` on the legacy generator, written to `out[0..count)`:
 * numpy's `_rand_int64` with `rng = k - 1`. rng = 0 gives zeros without drawing; rng =
 * 0xFFFFFFFF takes raw 32-bit draws; otherwise each value is the first
 * `next32 & mask <= rng`, mask being the smallest 2**b - 1 >= rng (rejection sampling, one
 * or more draws per value). Values fit an Int32Array for k <= 2**31 and a Uint32Array for
 * k <= 2**32; larger k would take numpy's 64-bit path, which is not reproduced.
 */
export function legacyRandint<T extends Int32Array | Uint32Array>(
  state: MT19937State,
  k: number,
  count: number,
  out: T,
): T {
  const rng = k - 1;
  if (rng === 0) {
    out.fill(0, 0, count);
    return out;
  }
  if (rng === 0xffffffff) {
    for (let i = 0; i < count; i++) out[i] = mt19937Next32(state);
    return out;
  }
  // numpy's bounded draw is random_interval's masked rejection, one value at a time.
  for (let i = 0; i < count; i++) out[i] = legacyInterval(state, rng);
  return out;
}

/**
 * Checked entry point: `np.random.seed(seed); np.random.randint(k, size=count)` as a new
 * Int32Array (k <= 2**31) or Uint32Array (2**31 < k <= 2**32).
 */
export function seededRandint(seed: number, k: number, count: number): Int32Array | Uint32Array {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seededRandint: \`seed\` must be an integer in [0, 2**32 - 1], as np.random.seed requires. Value: \`${seed}\`.`);
  }
  if (!Number.isInteger(k) || k < 1 || k > 2 ** 32) {
    throw new RangeError(`seededRandint: \`k\` must be an integer in [1, 2**32] (np.random.randint(k) draws from [0, k)). Value: \`${k}\`.`);
  }
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`seededRandint: \`count\` must be a non-negative integer. Value: \`${count}\`.`);
  }
  const out = k <= 2 ** 31 ? new Int32Array(count) : new Uint32Array(count);
  return legacyRandint(mt19937Seed(seed), k, count, out);
}

/**
 * `np.random.random_sample()` on the legacy generator (`legacy_double` / `rk_double`): a
 * 53-bit double in [0, 1) from two 32-bit draws, (a >> 5) * 2**26 + (b >> 6), over 2**53.
 * The k-means++ start draws from the notebook's MT19937 stream with it.
 */
export function legacyRandomSample(state: MT19937State): number {
  const a = mt19937Next32(state) >>> 5;
  const b = mt19937Next32(state) >>> 6;
  return (a * 67108864 + b) / 9007199254740992;
}

/**
 * numpy's legacy `RandomState` as emcee 3 uses it: the MT19937 stream plus the cached
 * second normal of the polar method (`has_gauss`/`gauss` in `get_state()`), which
 * `EnsembleSampler` copies from the global state along with the words.
 */
export interface LegacyRandomState {
  readonly mt: MT19937State;
  hasGauss: boolean;
  gauss: number;
}

/** The state after `np.random.seed(seed)` (no cached normal). */
export function legacySeed(seed: number): LegacyRandomState {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`legacySeed: \`seed\` must be an integer in [0, 2**32 - 1], as np.random.seed requires. Value: \`${seed}\`.`);
  }
  return { mt: mt19937Seed(seed), hasGauss: false, gauss: 0 };
}

/** An independent copy (what `RandomState().set_state(np.random.get_state())` makes). */
export function legacyCopy(s: LegacyRandomState): LegacyRandomState {
  return { mt: { key: Uint32Array.from(s.mt.key), pos: s.mt.pos }, hasGauss: s.hasGauss, gauss: s.gauss };
}

/**
 * `np.random.standard_normal()` on the legacy generator (`legacy_gauss`): Marsaglia's polar
 * method on two `random_sample` draws, returning f*x2 and caching f*x1 for the next call.
 * The one libm call is glibc's log in numpy; here it is a correctly rounded log, which
 * equals glibc's for all but ~0.08 % of arguments (Math.log: 7 %), so a value rarely
 * differs from numpy's, and then in its last bit (docs/dtd.md).
 */
export function legacyGauss(s: LegacyRandomState): number {
  if (s.hasGauss) {
    const t = s.gauss;
    s.hasGauss = false;
    s.gauss = 0;
    return t;
  }
  let x1: number;
  let x2: number;
  let r2: number;
  do {
    x1 = 2.0 * legacyRandomSample(s.mt) - 1.0;
    x2 = 2.0 * legacyRandomSample(s.mt) - 1.0;
    r2 = x1 * x1 + x2 * x2;
  } while (r2 >= 1.0 || r2 === 0.0);
  const f = Math.sqrt((-2.0 * correctlyRoundedLog(r2)) / r2);
  s.gauss = f * x1;
  s.hasGauss = true;
  return f * x2;
}

/**
 * numpy's `random_interval(max)`: a uniform integer in [0, max] by masked rejection on
 * 32-bit draws (max < 2**32), as `RandomState.shuffle` uses it.
 */
export function legacyInterval(mt: MT19937State, max: number): number {
  if (max === 0) return 0;
  let mask = max;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  mask >>>= 0;
  let v: number;
  do {
    v = (mt19937Next32(mt) & mask) >>> 0;
  } while (v > max);
  return v;
}

/**
 * `RandomState.shuffle(x)` of a 1-D array in place: Fisher-Yates from the end, swapping
 * x[i] with x[random_interval(i)] for i = n-1 .. 1 (numpy's `_shuffle_raw`).
 */
export function legacyShuffle(mt: MT19937State, x: { length: number; [i: number]: number }): void {
  for (let i = x.length - 1; i >= 1; i--) {
    const j = legacyInterval(mt, i);
    const t = x[j]!;
    x[j] = x[i]!;
    x[i] = t;
  }
}
