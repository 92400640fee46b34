/**
 * One run of CMA-ES: the search distribution N(m, σ² A C A) over the unit cube and its update from
 * a ranked generation, following N. Hansen, "The CMA Evolution Strategy: A Tutorial"
 * (arXiv:1604.00772, 2016), "A Summary" (p. 29 ff.): weighted recombination of the mean,
 * cumulative step-size adaptation (CSA) through the conjugate evolution path p_σ, and the
 * covariance update combining the rank-one update (evolution path p_c, with the h_σ stall) and the
 * rank-μ update with negative ("active") weights.
 *
 * Integer-like coordinates (int, stepped double, discrete list index, one-hot categorical columns)
 * get a diagonal correction A ≥ 1 in the spirit of CMA-ES with margin (R. Hamano, S. Saito,
 * M. Nomura, S. Shirakawa, "CMA-ES with Margin: Lower-Bounding Marginal Probability for
 * Mixed-Integer Black-Box Optimization", GECCO 2022): before each generation, A_ii is raised so
 * that a sample leaves the mean's cell with probability at least α = 1/(nλ), so integer
 * coordinates keep moving after σ has shrunk below the grid's resolution. A scales samples only;
 * the adaptation of C and σ sees the unscaled steps y, as in that paper.
 *
 * Samples outside [0, 1] are redrawn (up to {@link RESAMPLES} times, as Optuna's sampler does)
 * and then clipped; a clipped sample's step is recomputed from the clipped point. Points sampled
 * under an earlier generation can be injected into the update ({@link CmaDistribution.injectedStep}).
 */
import type * as MlMatrix from 'ml-matrix';
import { lazyRequire } from '../../lazy-require.js';
import { nearestInSorted } from '../math/nearest.js';
import type { Rng } from '../rng.js';
import { normalQuantile } from '../math/normal.js';
import { strategyParameters, type StrategyParameters } from './strategy-parameters.js';

const mlMatrix = lazyRequire<typeof MlMatrix>('ml-matrix');

/** How a coordinate of the unit cube is decoded, which decides its margin. */
export type CoordinateKind =
  | { readonly kind: 'continuous' }
  /**
   * Values owning consecutive cells of [0, 1] (int, stepped double, discrete index), separated by
   * the ascending interior `boundaries`.
   */
  | { readonly kind: 'cells'; readonly boundaries: readonly number[] }
  /** One column of a categorical's one-hot block; `block` lists the block's coordinates. */
  | { readonly kind: 'one-hot'; readonly block: readonly number[] };

/** Redraws of an out-of-bounds sample before it is clipped. */
export const RESAMPLES = 16;

/** Largest condition number of C before the run is stopped (Hansen's `ConditionCov`). */
const MAX_CONDITION = 1e14;

/** One sample: the point `x` in [0, 1]^n and its step `y` = A⁻¹(x − m)/σ. */
export interface CmaSample {
  readonly x: Float64Array;
  readonly y: Float64Array;
}

/** A ranked solution for {@link CmaDistribution.tell}. */
export interface RankedStep {
  readonly y: Float64Array;
  /** The loss (lower is better); `Infinity` for failed evaluations. */
  readonly loss: number;
}

/** Why a run should stop and restart (Hansen's termination criteria, Tutorial appendix B.3). */
export type StopReason = 'tolfun' | 'tolx' | 'noeffectaxis' | 'noeffectcoord' | 'conditioncov';

/** Starting point of a run. */
export interface CmaRunStart {
  readonly mean: Float64Array;
  readonly sigma: number;
  readonly lambda: number;
  readonly coordinates: readonly CoordinateKind[];
}

/** The state of one CMA-ES run. Mutable: {@link tell} moves it to the next generation. */
export class CmaDistribution {
  readonly params: StrategyParameters;
  readonly mean: Float64Array;
  sigma: number;
  /** Generations completed in this run. */
  generation = 0;
  private readonly sigma0: number;
  private readonly coordinates: readonly CoordinateKind[];
  /** C, row-major n × n. */
  private readonly C: Float64Array;
  /** Eigenvectors of C (columns), row-major, and the square roots of its eigenvalues. */
  private B: Float64Array;
  private D: Float64Array;
  private readonly pSigma: Float64Array;
  private readonly pc: Float64Array;
  /** The margin's diagonal scaling of the samples (1 for continuous coordinates). */
  private readonly A: Float64Array;
  /** Best and worst finite loss of recent generations, for TolFun. */
  private readonly funHistory: number[] = [];

  constructor(start: CmaRunStart) {
    const n = start.mean.length;
    this.params = strategyParameters(n, start.lambda);
    this.mean = Float64Array.from(start.mean);
    this.sigma = start.sigma;
    this.sigma0 = start.sigma;
    this.coordinates = start.coordinates;
    this.C = new Float64Array(n * n);
    this.B = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      this.C[i * n + i] = 1;
      this.B[i * n + i] = 1;
    }
    this.D = new Float64Array(n).fill(1);
    this.pSigma = new Float64Array(n);
    this.pc = new Float64Array(n);
    this.A = new Float64Array(n).fill(1);
    this.updateMargin();
  }

  /** Dimension n. */
  get n(): number {
    return this.params.n;
  }

  /** Population size λ. */
  get lambda(): number {
    return this.params.lambda;
  }

  /** The standard deviation of coordinate i of the samples, σ·A_ii·√C_ii. */
  coordinateSd(i: number): number {
    return this.sigma * (this.A[i] as number) * Math.sqrt(this.C[i * this.n + i] as number);
  }

  /** Draws one sample: x = m + σ A B D z with z ~ N(0, I) from `rng`, kept inside [0, 1]^n. */
  sample(rng: Rng): CmaSample {
    const n = this.n;
    const z = new Float64Array(n);
    const y = new Float64Array(n);
    const x = new Float64Array(n);
    for (let attempt = 0; attempt <= RESAMPLES; attempt++) {
      for (let i = 0; i < n; i++) z[i] = (this.D[i] as number) * rng.normal();
      let inside = true;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += (this.B[i * n + k] as number) * (z[k] as number);
        y[i] = s;
        const xi = (this.mean[i] as number) + this.sigma * (this.A[i] as number) * s;
        x[i] = xi;
        if (!(xi >= 0 && xi <= 1)) inside = false;
      }
      if (inside) return { x, y };
    }
    // Clip into the cube, a hair inside the face (a random 1e-9 at most), so two clipped samples
    // still differ and decode to different assignments.
    for (let i = 0; i < n; i++) {
      const xi = x[i] as number;
      const clipped = xi < 0 ? 1e-9 * rng.next() : xi > 1 ? 1 - 1e-9 * rng.next() : xi;
      x[i] = clipped;
      y[i] = (clipped - (this.mean[i] as number)) / (this.sigma * (this.A[i] as number));
    }
    return { x, y };
  }

  /**
   * The step of an external point `x` (a sample of an earlier generation) under this generation's
   * distribution, y = A⁻¹(x − m)/σ, shortened to Mahalanobis length at most
   * c_y = √n + 2n/(n + 2): N. Hansen, "Injecting External Solutions Into CMA-ES" (arXiv:1110.4181,
   * 2011), so that an injected point cannot dominate the update.
   */
  injectedStep(x: Float64Array): Float64Array {
    const n = this.n;
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = ((x[i] as number) - (this.mean[i] as number)) / (this.sigma * (this.A[i] as number));
    }
    const v = this.invSqrtC(y);
    let norm = 0;
    for (let i = 0; i < n; i++) norm += (v[i] as number) ** 2;
    norm = Math.sqrt(norm);
    const cy = Math.sqrt(n) + (2 * n) / (n + 2);
    if (norm > cy) for (let i = 0; i < n; i++) y[i] = ((y[i] as number) * cy) / norm;
    return y;
  }

  /**
   * Updates the distribution from one generation's λ steps (any order; ranked here by loss, ties
   * kept in the given order) and moves to the next generation.
   */
  tell(steps: readonly RankedStep[]): void {
    const { n, weights, muEff, cm, cSigma, dSigma, cc, c1, cMu, chiN } = this.params;
    const ranked = steps
      .map((s, i) => ({ s, i }))
      .sort((a, b) => compareLoss(a.s.loss, b.s.loss) || a.i - b.i)
      .map((e) => e.s.y);

    // Weighted mean of the μ best steps.
    const yw = new Float64Array(n);
    ranked.forEach((y, r) => {
      const w = weights[r] as number;
      if (w <= 0) return;
      for (let i = 0; i < n; i++) yw[i] = (yw[i] as number) + w * (y[i] as number);
    });
    for (let i = 0; i < n; i++) {
      this.mean[i] = (this.mean[i] as number) + cm * this.sigma * (this.A[i] as number) * (yw[i] as number);
    }

    // Conjugate evolution path: p_σ ← (1 − c_σ) p_σ + √(c_σ(2 − c_σ) μ_eff) C^(−1/2) y_w.
    const invSqrtYw = this.invSqrtC(yw);
    const cs = Math.sqrt(cSigma * (2 - cSigma) * muEff);
    let normPs = 0;
    for (let i = 0; i < n; i++) {
      const p = (1 - cSigma) * (this.pSigma[i] as number) + cs * (invSqrtYw[i] as number);
      this.pSigma[i] = p;
      normPs += p * p;
    }
    normPs = Math.sqrt(normPs);

    // h_σ stalls the rank-one path while ‖p_σ‖ is large (the step size is about to grow).
    const g = this.generation + 1;
    const hSigma = normPs / Math.sqrt(1 - (1 - cSigma) ** (2 * g)) < (1.4 + 2 / (n + 1)) * chiN ? 1 : 0;
    const ccFactor = hSigma * Math.sqrt(cc * (2 - cc) * muEff);
    for (let i = 0; i < n; i++) this.pc[i] = (1 - cc) * (this.pc[i] as number) + ccFactor * (yw[i] as number);

    // Covariance: decay, rank-one and rank-μ (negative weights rescaled by n / ‖C^(−1/2) y‖²).
    const deltaH = (1 - hSigma) * cc * (2 - cc);
    let sumW = 0;
    for (const w of weights) sumW += w;
    const decay = 1 + c1 * deltaH - c1 - cMu * sumW;
    const C = this.C;
    for (let k = 0; k < n * n; k++) C[k] = decay * (C[k] as number);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++)
        C[i * n + j] = (C[i * n + j] as number) + c1 * (this.pc[i] as number) * (this.pc[j] as number);
    }
    ranked.forEach((y, r) => {
      let w = weights[r] as number;
      if (w === 0) return;
      if (w < 0) {
        const v = this.invSqrtC(y);
        let norm2 = 0;
        for (let i = 0; i < n; i++) norm2 += (v[i] as number) ** 2;
        w *= norm2 > 0 ? n / norm2 : 0;
      }
      const f = cMu * w;
      for (let i = 0; i < n; i++) {
        const fi = f * (y[i] as number);
        for (let j = 0; j < n; j++) C[i * n + j] = (C[i * n + j] as number) + fi * (y[j] as number);
      }
    });

    // Cumulative step-size adaptation.
    this.sigma *= Math.exp((cSigma / dSigma) * (normPs / chiN - 1));
    if (!Number.isFinite(this.sigma) || this.sigma > 1e32) this.sigma = 1e32;

    this.generation = g;
    this.decompose();
    this.updateMargin();
    this.recordLosses(steps);
  }

  /** Hansen's termination criteria that apply here; `undefined` while the run should go on. */
  stopReason(): StopReason | undefined {
    const n = this.n;
    const window = 10 + Math.ceil((30 * n) / this.lambda);
    if (this.funHistory.length >= 2 * window) {
      const recent = this.funHistory.slice(-2 * window);
      if (Math.max(...recent) - Math.min(...recent) < 1e-12) return 'tolfun';
    }
    let allSmall = true;
    for (let i = 0; i < n; i++) {
      const tol = this.tolX(i);
      if (!(
        this.sigma * Math.sqrt(this.C[i * n + i] as number) < tol &&
        this.sigma * Math.abs(this.pc[i] as number) < tol
      )) {
        allSmall = false;
        break;
      }
    }
    if (allSmall) return 'tolx';
    // No effect along a principal axis (one per generation, cycling) or of any coordinate.
    const axis = this.generation % n;
    let axisHasEffect = false;
    for (let i = 0; i < n; i++) {
      const m = this.mean[i] as number;
      if (m + 0.1 * this.sigma * (this.D[axis] as number) * (this.B[i * n + axis] as number) !== m) {
        axisHasEffect = true;
        break;
      }
    }
    if (!axisHasEffect) return 'noeffectaxis';
    for (let i = 0; i < n; i++) {
      const m = this.mean[i] as number;
      if (m + 0.2 * this.sigma * Math.sqrt(this.C[i * n + i] as number) === m) return 'noeffectcoord';
    }
    let dMax = 0;
    let dMin = Infinity;
    for (const d of this.D) {
      dMax = Math.max(dMax, d);
      dMin = Math.min(dMin, d);
    }
    if ((dMax / dMin) ** 2 > MAX_CONDITION) return 'conditioncov';
    return undefined;
  }

  /**
   * TolX per coordinate: Hansen's 10⁻¹² σ₀ for continuous ones; for integer-like ones a hundredth
   * of a cell, below which only the margin moves the search.
   */
  private tolX(i: number): number {
    const c = this.coordinates[i];
    if (c?.kind === 'cells') return 0.01 / (c.boundaries.length + 1);
    if (c?.kind === 'one-hot') return 0.01;
    return 1e-12 * this.sigma0;
  }

  private recordLosses(steps: readonly RankedStep[]): void {
    const finite = steps.map((s) => s.loss).filter((l) => Number.isFinite(l));
    if (finite.length === 0) return;
    this.funHistory.push(Math.min(...finite), Math.max(...finite));
    const keep = 2 * (10 + Math.ceil((30 * this.n) / this.lambda));
    if (this.funHistory.length > keep) this.funHistory.splice(0, this.funHistory.length - keep);
  }

  /** C^(−1/2) v = B D⁻¹ Bᵀ v. */
  private invSqrtC(v: Float64Array): Float64Array {
    const n = this.n;
    const t = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (this.B[i * n + k] as number) * (v[i] as number);
      t[k] = s / (this.D[k] as number);
    }
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (this.B[i * n + k] as number) * (t[k] as number);
      out[i] = s;
    }
    return out;
  }

  /** C = B D² Bᵀ, after symmetrising C; eigenvalues are floored to keep C positive definite. */
  private decompose(): void {
    const n = this.n;
    const C = this.C;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const s = ((C[i * n + j] as number) + (C[j * n + i] as number)) / 2;
        C[i * n + j] = s;
        C[j * n + i] = s;
      }
    }
    const rows = Array.from({ length: n }, (_, i) => Array.from(C.subarray(i * n, i * n + n)));
    const { EigenvalueDecomposition, Matrix } = mlMatrix();
    const evd = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
    const values = evd.realEigenvalues;
    const vectors = evd.eigenvectorMatrix;
    let maxValue = 0;
    for (const v of values) if (Number.isFinite(v)) maxValue = Math.max(maxValue, v);
    const floor = Math.max(maxValue, 1e-300) * 1e-20;
    const B = new Float64Array(n * n);
    const D = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const v = values[k] ?? floor;
      D[k] = Math.sqrt(Number.isFinite(v) && v > floor ? v : floor);
      for (let i = 0; i < n; i++) B[i * n + k] = vectors.get(i, k);
    }
    this.B = B;
    this.D = D;
    // Keep C consistent with the floored eigenvalues.
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++)
          s += (B[i * n + k] as number) * (D[k] as number) ** 2 * (B[j * n + k] as number);
        C[i * n + j] = s;
      }
    }
  }

  /**
   * The margin: for each integer-like coordinate, raise A_ii so that the probability of leaving
   * the mean's cell (crossing the nearest cell boundary) is at least α = 1/(nλ); for a one-hot
   * column that is not the block's leader, so that it overtakes the leader's mean with at least
   * that probability.
   */
  private updateMargin(): void {
    const n = this.n;
    const alpha = 1 / (n * this.lambda);
    const z = normalQuantile(1 - alpha);
    for (let i = 0; i < n; i++) {
      const c = this.coordinates[i];
      this.A[i] = 1;
      if (!c || c.kind === 'continuous') continue;
      const s = this.sigma * Math.sqrt(this.C[i * n + i] as number);
      if (!(s > 0)) continue;
      const m = Math.min(Math.max(this.mean[i] as number, 0), 1);
      let distance: number;
      if (c.kind === 'cells') {
        if (c.boundaries.length === 0) continue;
        distance = Math.abs(nearestInSorted(c.boundaries, m) - m);
      } else {
        let leader = m;
        for (const j of c.block) leader = Math.max(leader, Math.min(Math.max(this.mean[j] as number, 0), 1));
        distance = leader - m;
        if (distance <= 0) continue;
      }
      this.A[i] = Math.max(1, distance / (z * s));
    }
  }
}

/** Orders losses ascending with NaN treated as +∞ (equal losses compare 0). */
export function compareLoss(a: number, b: number): number {
  const x = Number.isNaN(a) ? Infinity : a;
  const y = Number.isNaN(b) ? Infinity : b;
  return x < y ? -1 : x > y ? 1 : 0;
}
