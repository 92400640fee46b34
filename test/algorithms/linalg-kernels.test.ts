/** The dense kernels behind the GP: interleaved dot products, row-wise triangular solves, the inverse. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dot } from '../../src/algorithms/linalg/dot.js';
import {
  choleskyInverse,
  choleskyWithJitter,
  solveLower,
  solveUpper,
  solveUpperTransposed,
  transposed,
} from '../../src/algorithms/linalg/index.js';
import { Rng } from '../../src/algorithms/rng.js';

/** A random SPD matrix B·Bᵀ + n·I, row-major. */
function spd(n: number, rng: Rng): Float64Array {
  const b = Float64Array.from({ length: n * n }, () => rng.next() * 2 - 1);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += b[i * n + k]! * b[j * n + k]!;
      a[i * n + j] = s;
    }
  return a;
}

describe('dot', () => {
  it('equals the plain left-to-right sum up to rounding, for every length and offset', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 0, maxLength: 40 }),
        fc.nat(5),
        (values, offset) => {
          const a = Float64Array.from([...new Array<number>(offset).fill(7), ...values]);
          const b = Float64Array.from(values, (v, i) => v * 0.5 - i);
          let plain = 0;
          let scale = 0;
          for (let k = 0; k < values.length; k++) {
            plain += a[offset + k]! * b[k]!;
            scale += Math.abs(a[offset + k]! * b[k]!);
          }
          expect(Math.abs(dot(a, offset, b, 0, values.length) - plain)).toBeLessThanOrEqual(
            1e-13 * Math.max(scale, 1),
          );
        },
      ),
    );
  });

  it('is exact on integers and gives the known value for a short vector', () => {
    const a = Float64Array.from([1, 2, 3, 4, 5, 6, 7]);
    expect(dot(a, 0, a, 0, 7)).toBe(140);
    expect(dot(a, 2, a, 0, 3)).toBe(3 * 1 + 4 * 2 + 5 * 3);
    expect(dot(a, 0, a, 0, 0)).toBe(0);
  });
});

describe('triangular solves and the inverse', () => {
  it('solveUpper on Lᵀ solves the same system as solveUpperTransposed on L', () => {
    const rng = Rng.derive(3, 'linalg-test');
    for (const n of [1, 2, 5, 17, 64]) {
      const f = choleskyWithJitter(spd(n, rng), n);
      const rhs = Float64Array.from({ length: n }, () => rng.next() - 0.5);
      const viaRows = solveUpper(transposed(f.lower, n), n, rhs.slice());
      const viaColumns = solveUpperTransposed(f.lower, n, rhs.slice());
      for (let i = 0; i < n; i++) expect(viaRows[i]!).toBeCloseTo(viaColumns[i]!, 10);
      // And it really solves Lᵀx = b.
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = i; k < n; k++) s += f.lower[k * n + i]! * viaRows[k]!;
        expect(s).toBeCloseTo(rhs[i]!, 10);
      }
    }
  });

  it('L·(L⁻¹ via solves) and A·A⁻¹ give the identity', () => {
    const rng = Rng.derive(9, 'linalg-test');
    for (const n of [1, 3, 8, 33, 100]) {
      const a = spd(n, rng);
      const f = choleskyWithJitter(a, n);
      expect(f.jitter).toBe(0);
      // L·Lᵀ reproduces A.
      for (let i = 0; i < n; i++)
        for (let j = 0; j <= i; j++)
          expect(dot(f.lower, i * n, f.lower, j * n, j + 1)).toBeCloseTo(a[i * n + j]!, 8);
      const inv = choleskyInverse(f);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += a[i * n + k]! * inv[k * n + j]!;
          expect(s).toBeCloseTo(i === j ? 1 : 0, 9);
          expect(inv[i * n + j]).toBe(inv[j * n + i]);
        }
      const e = new Float64Array(n);
      e[n - 1] = 1;
      solveLower(f.lower, n, e);
      solveUpper(transposed(f.lower, n), n, e);
      for (let i = 0; i < n; i++) expect(e[i]!).toBeCloseTo(inv[i * n + n - 1]!, 9);
    }
  });
});
