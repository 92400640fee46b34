import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/algorithms/index.js';

const take = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.next());

// Statistical checks use N = 20000 samples and 6-standard-error tolerances (or chi-square
// quantiles at p ≈ 1e-6): a false failure has probability around 1e-6 per assertion, and the
// seeds are fixed, so results are reproducible.
const N = 20000;

describe('Rng', () => {
  it('is reproducible by seed and keys, and keys give different streams', () => {
    expect(take(Rng.derive(1, 'a', 2), 5)).toEqual(take(Rng.derive(1, 'a', 2), 5));
    expect(take(Rng.derive(1, 'a', 2), 5)).not.toEqual(take(Rng.derive(1, 'a', 3), 5));
    expect(take(Rng.derive(1, 'a'), 5)).not.toEqual(take(Rng.derive(2, 'a'), 5));
    expect(take(Rng.derive(1, 'ab'), 5)).not.toEqual(take(Rng.derive(1, 'a', 'b'), 5));
    // Seeds above 2^32 are distinguished (Katib's random_state is an arbitrary non-negative int).
    expect(take(Rng.derive(2 ** 40), 3)).not.toEqual(take(Rng.derive(2 ** 40 + 1), 3));
  });

  it('next() is in [0, 1) with mean 1/2 and variance 1/12', () => {
    const xs = take(Rng.derive(7), N);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const m = xs.reduce((s, x) => s + x, 0) / N;
    expect(Math.abs(m - 0.5)).toBeLessThan(6 * Math.sqrt(1 / 12 / N));
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / (N - 1);
    expect(Math.abs(v - 1 / 12)).toBeLessThan(6 * Math.sqrt(1 / 180 / N));
  });

  it('int(lo, hi) covers both ends uniformly', () => {
    const rng = Rng.derive(8);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < N; i++) counts[rng.int(-3, 3) + 3]!++;
    const e = N / 7;
    const chi = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    // 6 degrees of freedom: P(χ² > 37.9) ≈ 1e-6.
    expect(chi).toBeLessThan(37.9);
    expect(() => rng.int(2, 1)).toThrow(RangeError);
    expect(() => rng.int(0.5, 1)).toThrow(RangeError);
    expect(rng.int(5, 5)).toBe(5);
  });

  it('int handles spans beyond 2^32', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), (seed) => {
        const v = Rng.derive(seed).int(0, 2 ** 40);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(2 ** 40);
        expect(Number.isInteger(v)).toBe(true);
      }),
    );
  });

  it('normal() has mean 0 and variance 1', () => {
    const rng = Rng.derive(9);
    const xs = Array.from({ length: N }, () => rng.normal());
    const m = xs.reduce((s, x) => s + x, 0) / N;
    expect(Math.abs(m)).toBeLessThan(6 / Math.sqrt(N));
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / (N - 1);
    // Var of the sample variance of a standard normal ≈ 2/N.
    expect(Math.abs(v - 1)).toBeLessThan(6 * Math.sqrt(2 / N));
    expect(xs.every(Number.isFinite)).toBe(true);
  });

  it('shuffle permutes, choice picks members, snapshot/restore resumes the stream', () => {
    const rng = Rng.derive(10);
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = rng.shuffle([...items]);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
    expect(shuffled).not.toEqual(items);
    expect(items).toContain(rng.choice(items));
    expect(() => rng.choice([])).toThrow(RangeError);
    const snap = rng.snapshot();
    const a = take(rng, 4);
    expect(take(Rng.restore(snap), 4)).toEqual(a);
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });

  it('uniform(lo, hi) stays in [lo, hi)', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (seed, lo, w) => {
          const x = Rng.derive(seed).uniform(lo, lo + w);
          expect(x).toBeGreaterThanOrEqual(lo);
          if (lo + w > lo) expect(x).toBeLessThan(lo + w);
        },
      ),
    );
  });
});
