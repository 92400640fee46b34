/**
 * Sobol' low-discrepancy sequence in base 2 (I. M. Sobol', "On the distribution of points in a
 * cube and the approximate evaluation of integrals", USSR Comput. Math. Math. Phys. 7 (1967)),
 * with the direction numbers of Joe and Kuo (2008, `new-joe-kuo-6.21201`) and optional
 * randomisation by a random linear matrix scramble plus a digital shift (J. Matoušek, "On the
 * L2-discrepancy for anchored boxes", J. Complexity 14 (1998); the scramble keeps every
 * (t, m, s)-net property of the sequence, as A. B. Owen's nested scrambling does, at the cost of a
 * 32 × 32 bit matrix per dimension).
 *
 * Points are in Gray-code order (Antonov and Saleev, 1979): point n is the XOR of the direction
 * numbers v_k for the bits k set in gray(n) = n ⊕ ⌊n/2⌋, so consecutive points differ by one XOR and
 * any point can also be computed directly from its index, as a stateless service must.
 *
 * Direction numbers (Bratley and Fox, ACM TOMS 14 (1988), algorithm 659), 32 bits, left-aligned:
 * dimension 1 has v_k = 2^(31−k); dimension j ≥ 2 with primitive polynomial
 * x^s + a_1 x^(s−1) + … + a_(s−1) x + 1 and initial integers m_1 … m_s has v_k = m_(k+1)·2^(31−k)
 * for k < s and, after that, v_k = a_1 v_(k−1) ⊕ … ⊕ a_(s−1) v_(k−s+1) ⊕ v_(k−s) ⊕ (v_(k−s) ≫ s).
 */
import type { Rng } from '../rng.js';
import { JOE_KUO_DIMENSIONS, JOE_KUO_RECORDS } from './direction-numbers.js';

/** Bits per coordinate: points are multiples of 2^−32. */
export const SOBOL_BITS = 32;

/** The largest point index (2^32 − 1): the sequence has 2^32 points per dimension at 32 bits. */
export const MAX_SOBOL_INDEX = 2 ** 32 - 1;

/** Most dimensions a sequence can have (the size of the direction-number table). */
export const MAX_SOBOL_DIMENSIONS = JOE_KUO_DIMENSIONS;

/** Offsets of each dimension's record in {@link JOE_KUO_RECORDS} (index 0 is dimension 2). */
const recordOffsets: number[] = (() => {
  const out: number[] = [];
  let at = 0;
  while (at < JOE_KUO_RECORDS.length) {
    out.push(at);
    at += 2 + (JOE_KUO_RECORDS[at] as number);
  }
  return out;
})();

/** The 32 direction numbers v_0 … v_31 of dimension `j` (0-based: j = 0 is Sobol's first dimension). */
export function directionNumbers(j: number): Uint32Array {
  if (!Number.isInteger(j) || j < 0 || j >= MAX_SOBOL_DIMENSIONS) {
    throw new RangeError(`Sobol dimension ${j} is outside 0 … ${MAX_SOBOL_DIMENSIONS - 1}`);
  }
  const v = new Uint32Array(SOBOL_BITS);
  if (j === 0) {
    for (let k = 0; k < SOBOL_BITS; k++) v[k] = 2 ** (SOBOL_BITS - 1 - k);
    return v;
  }
  const at = recordOffsets[j - 1] as number;
  const s = JOE_KUO_RECORDS[at] as number;
  const a = JOE_KUO_RECORDS[at + 1] as number;
  for (let k = 0; k < s && k < SOBOL_BITS; k++) {
    v[k] = (JOE_KUO_RECORDS[at + 2 + k] as number) * 2 ** (SOBOL_BITS - 1 - k);
  }
  for (let k = s; k < SOBOL_BITS; k++) {
    const back = v[k - s] as number;
    let x = back ^ (back >>> s);
    for (let i = 1; i < s; i++) {
      if ((a >>> (s - 1 - i)) & 1) x ^= v[k - i] as number;
    }
    v[k] = x >>> 0;
  }
  return v;
}

/** Parity (XOR of all bits) of a 32-bit integer. */
function parity(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/**
 * Applies a lower-triangular binary matrix with unit diagonal to each direction number (digits
 * counted from the most significant, so digit i of the result depends on digits 1 … i only).
 */
function linearScramble(v: Uint32Array, rng: Rng): Uint32Array {
  const rows = new Uint32Array(SOBOL_BITS);
  for (let i = 0; i < SOBOL_BITS; i++) {
    const diagonal = 2 ** (SOBOL_BITS - 1 - i);
    // Random bits strictly above digit i in significance, i.e. the i most significant bits.
    const above = i === 0 ? 0 : (rng.nextUint32() & ~(2 * diagonal - 1)) >>> 0;
    rows[i] = (above | diagonal) >>> 0;
  }
  const out = new Uint32Array(SOBOL_BITS);
  for (let k = 0; k < SOBOL_BITS; k++) {
    const x = v[k] as number;
    let y = 0;
    for (let i = 0; i < SOBOL_BITS; i++) {
      if (parity((rows[i] as number) & x)) y |= 2 ** (SOBOL_BITS - 1 - i);
    }
    out[k] = y >>> 0;
  }
  return out;
}

/** Options of {@link SobolSequence}. */
export interface SobolOptions {
  /**
   * Randomises the sequence with a linear matrix scramble and a digital shift drawn from this
   * generator (consumed at construction). Omit for the plain sequence, whose first point is 0.
   */
  readonly scramble?: Rng;
}

/** A (possibly scrambled) Sobol' sequence of fixed dimension; points are computed from their index. */
export class SobolSequence {
  private readonly v: Uint32Array[];
  private readonly shift: Uint32Array;

  /** @throws RangeError when `dimensions` is not in 1 … {@link MAX_SOBOL_DIMENSIONS}. */
  constructor(
    readonly dimensions: number,
    options: SobolOptions = {},
  ) {
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_SOBOL_DIMENSIONS) {
      throw new RangeError(`a Sobol sequence has 1 … ${MAX_SOBOL_DIMENSIONS} dimensions, not ${dimensions}`);
    }
    const rng = options.scramble;
    this.v = [];
    this.shift = new Uint32Array(dimensions);
    for (let j = 0; j < dimensions; j++) {
      const plain = directionNumbers(j);
      this.v.push(rng ? linearScramble(plain, rng) : plain);
      if (rng) this.shift[j] = rng.nextUint32();
    }
  }

  /**
   * Point `index` (0-based) as integers in [0, 2^32): coordinate j over 2^32 is the point.
   * @throws RangeError when `index` is not an integer in 0 … {@link MAX_SOBOL_INDEX}.
   */
  integerPoint(index: number): Uint32Array {
    if (!Number.isInteger(index) || index < 0 || index > MAX_SOBOL_INDEX) {
      throw new RangeError(`Sobol point index ${index} is outside 0 … ${MAX_SOBOL_INDEX}`);
    }
    const gray = (index ^ (index >>> 1)) >>> 0;
    const out = new Uint32Array(this.dimensions);
    for (let j = 0; j < this.dimensions; j++) {
      const v = this.v[j] as Uint32Array;
      let x = this.shift[j] as number;
      for (let k = 0, g = gray; g !== 0; k++, g >>>= 1) {
        if (g & 1) x ^= v[k] as number;
      }
      out[j] = x >>> 0;
    }
    return out;
  }

  /** Point `index` in [0, 1)^dimensions. @throws RangeError as {@link integerPoint}. */
  point(index: number): Float64Array {
    const ints = this.integerPoint(index);
    const out = new Float64Array(this.dimensions);
    for (let j = 0; j < this.dimensions; j++) out[j] = (ints[j] as number) / 2 ** SOBOL_BITS;
    return out;
  }
}
