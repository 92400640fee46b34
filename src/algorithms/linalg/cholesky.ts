/**
 * Cholesky factorisation of symmetric positive-definite matrices held as flat row-major
 * `Float64Array`s, with jitter escalation and row-wise extension.
 *
 * Written by hand rather than with ml-matrix's `CholeskyDecomposition`: on this machine the flat
 * row-oriented loop below factors a 1000×1000 matrix in ~125 ms against ~320 ms for ml-matrix
 * (whose `Matrix` stores rows as separate arrays and goes through `get`/`set`), and the Gaussian
 * process needs the factor at 2000 points within its latency budget. The row orientation
 * (Cholesky–Banachiewicz) also makes the factor *extendable*: row `i` of `L` depends only on rows
 * `0…i` of `A`, so appending points (or changing only the trailing ones) recomputes only the
 * trailing rows, and the leading rows stay bit-for-bit what a fresh factorisation computes.
 */

import { dot } from './dot.js';

/** A lower-triangular factor `L` with `L·Lᵀ = A + jitter·I`, row-major, `n×n`. */
export interface CholeskyFactor {
  readonly n: number;
  /** Row-major `n×n`; entries above the diagonal are zero. */
  readonly lower: Float64Array;
  /** The jitter that was added to the diagonal. */
  readonly jitter: number;
}

/** Jitters tried in turn, relative to the mean diagonal of `A`, when the factorisation fails. */
export const JITTER_LADDER: readonly number[] = [0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2];

/**
 * Computes rows `from…n−1` of the Cholesky factor of `a + jitter·I` into `lower` (rows before
 * `from` must already hold the factor of the leading block). Returns false when a pivot is not
 * positive (the matrix is not numerically positive definite); `lower` is then partly written.
 */
export function factorRows(
  a: Float64Array,
  n: number,
  lower: Float64Array,
  from: number,
  jitter: number,
): boolean {
  for (let i = from; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j < i; j++) {
      const rj = j * n;
      lower[ri + j] = ((a[ri + j] as number) - dot(lower, ri, lower, rj, j)) / (lower[rj + j] as number);
    }
    const d = (a[ri + i] as number) + jitter - dot(lower, ri, lower, ri, i);
    if (!(d > 0)) return false;
    lower[ri + i] = Math.sqrt(d);
    for (let k = i + 1; k < n; k++) lower[ri + k] = 0;
  }
  return true;
}

/**
 * Factors `a` (`n×n`, symmetric positive definite up to rounding), escalating the jitter along
 * {@link JITTER_LADDER} until it succeeds. With `prefix` (a factor of the same matrix's leading
 * `reuse×reuse` block, computed with jitter 0), rows before `reuse` are copied instead of
 * recomputed; the result is then identical to a fresh factorisation (which would compute the same
 * leading rows, and escalate the jitter exactly when this one does).
 * @throws Error when even the largest jitter fails (the matrix holds NaN or is far from SPD).
 */
export function choleskyWithJitter(
  a: Float64Array,
  n: number,
  prefix?: {
    readonly factor: CholeskyFactor;
    readonly reuse: number;
    /** Fills rows `0…reuse−1` of `a`, which the caller may have left empty; called only when escalating. */
    readonly fillLeadingRows?: (a: Float64Array) => void;
  },
): CholeskyFactor {
  const lower = new Float64Array(n * n);
  let from = 0;
  if (prefix && prefix.factor.jitter === 0 && prefix.reuse > 0) {
    const m = prefix.factor.n;
    const reuse = Math.min(prefix.reuse, n, m);
    for (let i = 0; i < reuse; i++) lower.set(prefix.factor.lower.subarray(i * m, i * m + i + 1), i * n);
    from = reuse;
  }
  if (factorRows(a, n, lower, from, 0)) return { n, lower, jitter: 0 };
  if (from > 0) prefix?.fillLeadingRows?.(a);
  let meanDiagonal = 0;
  for (let i = 0; i < n; i++) meanDiagonal += Math.abs(a[i * n + i] as number);
  meanDiagonal = n > 0 ? meanDiagonal / n : 1;
  for (const rel of JITTER_LADDER.slice(1)) {
    const jitter = rel * (meanDiagonal > 0 ? meanDiagonal : 1);
    if (factorRows(a, n, lower, 0, jitter)) return { n, lower, jitter };
  }
  throw new Error(`Cholesky factorisation failed for a ${n}×${n} matrix even with jitter`);
}

/** Solves `L·x = b` in place (`b` becomes `x`); `L` lower triangular, row-major `n×n`. */
export function solveLower(lower: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    b[i] = ((b[i] as number) - dot(lower, ri, b, 0, i)) / (lower[ri + i] as number);
  }
  return b;
}

/** Solves `Lᵀ·x = b` in place (`b` becomes `x`); `L` lower triangular, row-major `n×n`. */
export function solveUpperTransposed(lower: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i] as number;
    for (let k = i + 1; k < n; k++) s -= (lower[k * n + i] as number) * (b[k] as number);
    b[i] = s / (lower[i * n + i] as number);
  }
  return b;
}

/**
 * Solves `U·x = b` in place for `U` upper triangular, row-major `n×n`, such as `Lᵀ` from
 * {@link transposed}. It reads `U` row by row, in memory order, with {@link dot}'s interleaved
 * sums, where {@link solveUpperTransposed} walks the columns of `L` one product at a time: callers
 * solving many right-hand sides with one factor (the GP's acquisition gradients) transpose it once
 * and use this.
 */
export function solveUpper(upper: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    b[i] = ((b[i] as number) - dot(upper, ri + i + 1, b, i + 1, n - i - 1)) / (upper[ri + i] as number);
  }
  return b;
}

/** The transpose of a row-major `n×n` matrix, as a new array. */
export function transposed(m: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j < n; j++) out[j * n + i] = m[ri + j] as number;
  }
  return out;
}

/** Solves `(L·Lᵀ)·x = b`, returning a new array. */
export function choleskySolve(factor: CholeskyFactor, b: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(b);
  solveLower(factor.lower, factor.n, x);
  return solveUpperTransposed(factor.lower, factor.n, x);
}

/** `(L·Lᵀ)⁻¹` as a full row-major `n×n` matrix (for likelihood gradients on small `n`). */
export function choleskyInverse(factor: CholeskyFactor): Float64Array {
  const { n, lower } = factor;
  // Inverse of L (lower triangular), column by column. Column j is built as row j of `columns`
  // (contiguous: the inner loop then reads both operands in memory order).
  const columns = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const cj = j * n;
    columns[cj + j] = 1 / (lower[j * n + j] as number);
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      columns[cj + i] = -dot(lower, ri + j, columns, cj + j, i - j) / (lower[ri + i] as number);
    }
  }
  // A⁻¹ = L⁻ᵀ·L⁻¹: entry (i, j) = Σ_k L⁻¹[k][i]·L⁻¹[k][j] over k ≥ max(i, j), a dot product of
  // rows i and j of `columns` from position max(i, j) on.
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ci = i * n;
    for (let j = 0; j <= i; j++) {
      const v = dot(columns, ci + i, columns, j * n + i, n - i);
      out[ci + j] = v;
      out[j * n + i] = v;
    }
  }
  return out;
}

/** `Σ log L_ii` = ½·log det(A + jitter·I). */
export function halfLogDeterminant(factor: CholeskyFactor): number {
  let s = 0;
  for (let i = 0; i < factor.n; i++) s += Math.log(factor.lower[i * factor.n + i] as number);
  return s;
}
