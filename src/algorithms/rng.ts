/**
 * A small seeded pseudo-random number generator for the algorithms, which must never use
 * `Math.random`: given the same seed and stream keys every algorithm gives the same answers, in
 * the embedded engine and behind a stateless gRPC server alike (DESIGN.md §5).
 *
 * The generator is xoshiro128** (Blackman and Vigna, "Scrambled linear pseudorandom number
 * generators", 2018, https://prng.di.unimi.it/): 128 bits of state, 32-bit outputs, period
 * 2^128 − 1, fast with 32-bit integer arithmetic. Its state is filled from the seed and the stream
 * keys through a 64-bit hash and a splitmix32-style expansion, so streams with different keys are
 * independent for all practical purposes.
 */

/** A stream key: anything that names a sub-stream (`'random'`, a suggestion count, a round). */
export type StreamKey = string | number;

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** Final avalanche step of MurmurHash3 (every input bit flips each output bit with p ≈ 1/2). */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes a sequence of 32-bit words with two differently initialised lanes (64 bits in all). */
class WordHasher {
  private a = 0x243f6a88; // digits of π, as "nothing up my sleeve" constants
  private b = 0x85a308d3;
  private n = 0;

  word(w: number): void {
    w >>>= 0;
    this.a = fmix32(Math.imul(this.a ^ w, 0x9e3779b1) + this.n);
    this.b = fmix32(Math.imul(this.b + w, 0x7feb352d) ^ (this.n * 0x27d4eb2f));
    this.n++;
  }

  /** A finite or non-finite number, exactly: integers by their two 32-bit halves, others by bits. */
  number(x: number): void {
    if (Number.isSafeInteger(x)) {
      const negative = x < 0;
      const m = Math.abs(x);
      this.word(negative ? 2 : 1);
      this.word(m % TWO_POW_32);
      this.word(Math.floor(m / TWO_POW_32));
    } else {
      const view = new DataView(new ArrayBuffer(8));
      view.setFloat64(0, x);
      this.word(3);
      this.word(view.getUint32(0));
      this.word(view.getUint32(4));
    }
  }

  string(s: string): void {
    this.word(4);
    this.word(s.length);
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
  }

  digest(): [number, number] {
    return [fmix32(this.a ^ (this.n * 0x165667b1)), fmix32(this.b + this.n)];
  }
}

/**
 * A seeded generator of uniform, integer and normal variates. Not thread-safe, not
 * cryptographic. Create one with {@link Rng.derive}; two generators derived from the same seed and
 * keys produce the same sequence.
 *
 * ```ts
 * const rng = Rng.derive(42, 'random', suggestionCount);
 * const u = rng.next(); // [0, 1)
 * ```
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  private constructor(s0: number, s1: number, s2: number, s3: number) {
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
    // The all-zero state is the one fixed point of xoshiro; never start there.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 0x9e3779b9;
  }

  /**
   * A generator for the stream named by `seed` and `streamKeys`. Different keys give independent
   * streams: `derive(seed, 'random', 3)` is unrelated to `derive(seed, 'random', 4)`.
   * @param seed any number; integers up to 2^53 are distinguished exactly (Katib's `random_state`).
   */
  static derive(seed: number, ...streamKeys: readonly StreamKey[]): Rng {
    const h = new WordHasher();
    h.number(seed);
    for (const k of streamKeys) {
      if (typeof k === 'number') h.number(k);
      else h.string(k);
    }
    const [a, b] = h.digest();
    // Expand 64 bits into the 128-bit state with a splitmix32-style sequence.
    let x = a;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      return fmix32(x ^ b);
    };
    return new Rng(next(), next(), next(), next());
  }

  /** A generator resumed from {@link Rng.snapshot}'s four words. */
  static restore(words: readonly [number, number, number, number]): Rng {
    return new Rng(words[0], words[1], words[2], words[3]);
  }

  /** The state as four unsigned 32-bit integers (JSON-safe), for {@link Rng.restore}. */
  snapshot(): [number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  /** The next raw output: an unsigned 32-bit integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  /** A uniform number in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** A uniform number in [lo, hi) (or exactly `lo` when hi ≤ lo). */
  uniform(lo: number, hi: number): number {
    if (!(hi > lo)) return lo;
    const x = lo + this.next() * (hi - lo);
    return x < hi ? x : lo; // guard the rounding case lo + (1 − ε)·(hi − lo) == hi
  }

  /**
   * A uniform integer in [lo, hi], both inclusive. Exact (rejection sampling) for spans up to 2^32;
   * wider spans use 53-bit floats, biased by at most span / 2^53.
   * @throws RangeError when the bounds are not integers or hi < lo.
   */
  int(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi < lo) {
      throw new RangeError(`Rng.int needs integers lo <= hi, got (${lo}, ${hi})`);
    }
    const span = hi - lo + 1;
    if (span <= TWO_POW_32) {
      const limit = TWO_POW_32 - (TWO_POW_32 % span);
      let r = this.nextUint32();
      while (r >= limit) r = this.nextUint32();
      return lo + (r % span);
    }
    return Math.min(hi, lo + Math.floor(this.next() * span));
  }

  /** A standard normal variate (mean 0, standard deviation 1), by the Box–Muller transform. */
  normal(): number {
    const u1 = 1 - this.next(); // (0, 1], so the logarithm is finite
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A uniformly chosen element. @throws RangeError on an empty list. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.choice on an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A keyed 32-bit hash of a few integers (for Feistel round functions and similar mixing).
 * Deterministic and well mixed; not cryptographic.
 */
export function hash32(...words: readonly number[]): number {
  const h = new WordHasher();
  for (const w of words) h.number(w);
  return h.digest()[0];
}
