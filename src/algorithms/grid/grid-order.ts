/**
 * The order in which grid search visits the combinations: position p → combination index. By
 * default lexicographic (position = index). With a seed, a pseudo-random permutation of all
 * positions, computed one position at a time and never materialised — Optuna's `GridSampler`
 * also visits the grid in a seeded random order, but picks among a list of every unvisited
 * combination, which a grid of 10^9 points cannot afford.
 *
 * The permutation is a balanced Feistel network over the smallest even-bit-width domain that holds
 * all positions, with "cycle walking" (re-encrypting until the value falls back inside the domain)
 * to make it a permutation of exactly `[0, size)`; see Black and Rogaway, "Ciphers with Arbitrary
 * Finite Domains" (CT-RSA 2002). Expected work per position is under four network evaluations.
 */
import { hash32, Rng } from '../rng.js';

/** A bijection on `[0, size)`. */
export interface GridOrder {
  readonly size: number;
  /** The combination index visited at position `p` (0 ≤ p < size). */
  at(p: number): number;
}

/** Positions beyond this are not visited (2^52: the Feistel halves stay within 26 bits). */
export const MAX_GRID_POSITIONS = 2 ** 52;

const ROUNDS = 6;

/** Visits combinations in index order. */
export function lexicographicOrder(size: number): GridOrder {
  return { size, at: (p) => p };
}

/** Visits combinations in a permutation fixed by `seed`. */
export function permutedOrder(size: number, seed: number): GridOrder {
  if (size <= 2) {
    // A Feistel network needs at least two bits; two elements are simply swapped or not.
    const swap = size === 2 && (Rng.derive(seed, 'grid-order').nextUint32() & 1) === 1;
    return { size, at: (p) => (swap ? 1 - p : p) };
  }
  const bits = Math.ceil(Math.log2(size));
  const half = Math.max(1, Math.ceil(bits / 2));
  const halfSize = 2 ** half;
  const mask = halfSize - 1;
  const rng = Rng.derive(seed, 'grid-order');
  const keys = Array.from({ length: ROUNDS }, () => rng.nextUint32());

  const encrypt = (x: number): number => {
    let left = Math.floor(x / halfSize);
    let right = x % halfSize;
    for (const k of keys) {
      const f = hash32(k, right) & mask;
      const next = (left ^ f) & mask;
      left = right;
      right = next;
    }
    return left * halfSize + right;
  };

  return {
    size,
    at: (p) => {
      let x = encrypt(p);
      while (x >= size) x = encrypt(x);
      return x;
    },
  };
}
