/**
 * The Parzen estimator of TPE: a weighted mixture with one kernel per observation plus a prior
 * kernel, after Bergstra et al., "Algorithms for Hyper-Parameter Optimization", NeurIPS 2011
 * (https://papers.nips.cc/paper/4443), with the choices Optuna 3.x made for its `TPESampler`
 * (optuna/samplers/_tpe/parzen_estimator.py):
 *
 * - Numeric dimensions get a normal kernel truncated to the dimension's interval `[low, high]`.
 *   Univariate bandwidth (Bergstra's rule): the distance to the farther of the two neighbouring
 *   observations (the prior's centre counts as an observation), except that the smallest and the
 *   largest use their one inner neighbour (`consider_endpoints = false`). Multivariate bandwidth,
 *   one σ per dimension shared by the group's kernels: Scott's rule of thumb on the group's own
 *   spread, `1.059 · min(s, IQR/1.34) · m^(−1/5)` (the observations and the prior's centre, m of
 *   them; Watanabe, arXiv:2304.11127, 2023, its `scott` bandwidth), not Optuna's
 *   `0.2 · n^(−1/(d+4)) · (high − low)`, which ignores where the observations lie, floored at
 *   `MIN_BANDWIDTH_FACTOR · (high − low)` (0.08; Watanabe's minimum bandwidth factor,
 *   numeric-kernels.ts). Either way the "magic clip" bounds it to
 *   `[(high − low)/min(100, 1 + K), high − low]` (K kernels), and the prior kernel sits at the
 *   centre with σ = high − low (for Katib's `normal`/`logNormal`: its own centre and σ).
 * - Categorical dimensions get, per observation, `prior_weight/(n+1)` on every choice plus 1 on the
 *   observed one, normalised; the prior kernel is uniform.
 * - Kernel weights: 1 for each of the 25 newest observations, a linear ramp from 1/n up for older
 *   ones (Optuna's `default_weights`), `prior_weight` for the prior; normalised.
 *
 * Stepped dimensions (int and doubles with a step) are scored by the mass of the candidate's cell
 * (± half a step), as Optuna does for `q`; continuous ones by the kernel's shape or density (see
 * {@link ParzenOptions.kernelScore}); lists are categorical.
 *
 * One estimator serves both TPE flavours: univariate TPE draws a kernel per dimension and scores
 * each dimension on its own ({@link ParzenEstimator.logPdfOf}); multivariate TPE draws one kernel
 * for all dimensions and scores the product kernel ({@link ParzenEstimator.jointLogPdf}).
 *
 * An estimator keeps its buffers: the designer refits the same two estimators at every suggestion
 * ({@link ParzenEstimator.fit}), which allocates nothing once they are large enough.
 *
 * With Scott's bandwidth and only continuous dimensions, an estimator also offers a fast estimate
 * of its joint log density with an error bound ({@link ParzenEstimator.jointEstimate},
 * shared-bandwidth-kernels.ts); its exact truncation terms are then computed only when an exact
 * density is asked for.
 */
import type { Rng } from '../rng.js';
import { logNormalMass, normalCdf, normalQuantile } from './gaussian.js';
import { logSumExp, logSumExpBelow } from './log-sum-exp.js';
import { NumericKernels, type KernelRenumbering, type ParzenSources } from './numeric-kernels.js';
import { SharedBandwidthKernels } from './shared-bandwidth-kernels.js';
import type { CategoricalDimension, NumericDimension, TpeDimension } from './tpe-space.js';

export { neighbourBandwidths, type ObservationOrder, type ParzenSources } from './numeric-kernels.js';

/** Bandwidth rule of the numeric kernels. */
export type BandwidthRule = 'neighbours' | 'scott';

/** How an estimator is built. */
export interface ParzenOptions {
  /** Weight of the prior kernel (Katib's and hyperopt's `prior_weight`). @default 1 */
  readonly priorWeight: number;
  readonly bandwidth: BandwidthRule;
  /**
   * How a continuous kernel is scored: `density` is the truncated normal density; `shape` leaves out
   * its 1/σ factor (every kernel peaks at the same height), which is what Optuna 3.1's TPE computes
   * (its `_truncnorm.logpdf` drops the scale term) and measured better on every benchmark here
   * (docs/algorithms/tpe.md). Sampling is the same either way. @default 'shape'
   */
  readonly kernelScore?: KernelScore;
}

/** See {@link ParzenOptions.kernelScore}. */
export type KernelScore = 'density' | 'shape';

/** Optuna's `default_weights(n)`: ones for n < 25, else a ramp from 1/n to 1 then 25 ones (oldest first). */
export function observationWeights(n: number, out: Float64Array = new Float64Array(n)): Float64Array {
  if (n < 25) {
    out.fill(1, 0, n);
    return out;
  }
  const ramp = n - 25;
  for (let i = 0; i < ramp; i++) out[i] = ramp === 1 ? 1 / n : 1 / n + (i * (1 - 1 / n)) / (ramp - 1);
  out.fill(1, ramp, n);
  return out;
}

/** Kernel parameters of one categorical dimension. */
class CategoricalKernels {
  /** Observed choice per kernel; −1 for the prior kernel. */
  observed = new Int32Array(0);
  logHit = 0;
  logMiss = 0;
  readonly logUniform: number;
  /** Row sum before normalisation: 1 + choices · prior_weight/(n+1). */
  rowSum = 1;

  constructor(readonly dim: CategoricalDimension) {
    this.logUniform = -Math.log(dim.choices);
  }
}

/**
 * Every kernel's parameters for the product-kernel score, row by row: for each dimension `q` of
 * `dims`, the centre, the bandwidth and the log-score offset at `3q`, `3q + 1`, `3q + 2` (for the
 * first dimension the head, log weight included). Used when every informative dimension is
 * continuous.
 */
interface JointTable {
  /** The informative dimensions. */
  readonly dims: Uint32Array;
  readonly stride: number;
  table: Float64Array;
  /** False until the table holds the current fit. */
  filled: boolean;
}

/**
 * A Parzen estimator over the TPE space, from `n` observations (rows of `points`, oldest first).
 * Fitted once per suggestion for the "below" (good) and "above" (bad) groups.
 */
export class ParzenEstimator {
  private n = 0;
  private weights = new Float64Array(0);
  private logWeights = new Float64Array(0);
  private cumulative = new Float64Array(0);
  private readonly kernels: (NumericKernels | CategoricalKernels | undefined)[];
  private readonly joint: JointTable | undefined;
  /** Scott's bandwidth and product-kernel scores: truncation terms on demand (see {@link ensureTerms}). */
  private readonly deferTerms: boolean;
  /** The history rows of the previous fit (see {@link renumbering}). */
  private previousRows: Uint32Array | undefined;
  private rowsBuffer = new Uint32Array(0);
  private oldToNew = new Int32Array(0);
  /** Scratch of {@link jointLogPdf}: coordinates by dimension, running and largest scores. */
  private jointScratch = new Float64Array(0);
  /**
   * With Scott's bandwidth and a {@link JointTable}: the fast estimate of {@link jointLogPdf}
   * (shared-bandwidth-kernels.ts), fitted on first use; the exact truncation terms then wait for
   * {@link ensureTerms}.
   */
  private readonly estimate: SharedBandwidthKernels | undefined;
  private estimateFilled = false;
  /** True while the numeric kernels' truncation terms wait for {@link ensureTerms}. */
  private termsPending = false;

  /**
   * @param points row-major observations, `n × dimensions.length`, oldest first
   * @param n number of observations
   * @param sources sorted orders and cached truncation terms of the observations (see {@link ParzenSources})
   */
  constructor(
    private readonly dimensions: readonly TpeDimension[],
    points: Float64Array,
    n: number,
    private readonly options: ParzenOptions,
    sources: ParzenSources = {},
  ) {
    // Every informative dimension continuous: product kernels scored from a table (JointTable).
    const jointScores = dimensions.every(
      (dim) => dim.kind === 'numeric' && (dim.cell === 'density' || !(dim.high - dim.low > 0)),
    );
    const deferTerms = options.bandwidth === 'scott' && jointScores;
    const numeric = { bandwidth: options.bandwidth, density: options.kernelScore === 'density', deferTerms };
    this.kernels = dimensions.map((dim) => {
      if (dim.kind === 'categorical') return new CategoricalKernels(dim);
      // A single value: the dimension carries no information.
      return dim.high - dim.low > 0 ? new NumericKernels(dim, numeric) : undefined;
    });
    const dims: number[] = [];
    let continuous = true;
    this.kernels.forEach((kern, j) => {
      if (kern === undefined) return; // adds nothing to a score
      if (kern instanceof CategoricalKernels || !kern.continuous) continuous = false;
      dims.push(j);
    });
    this.joint =
      continuous && dims.length > 0
        ? { dims: Uint32Array.from(dims), stride: 3 * dims.length, table: new Float64Array(0), filled: false }
        : undefined;
    this.deferTerms = deferTerms;
    this.estimate = deferTerms && this.joint ? new SharedBandwidthKernels(this.joint.dims.length) : undefined;
    this.fit(points, n, sources);
  }

  /** Number of kernels: observations plus the prior. */
  get size(): number {
    return this.n + 1;
  }

  /** Refits the estimator to `n` other observations (the arguments of the constructor). */
  fit(points: Float64Array, n: number, sources: ParzenSources = {}): void {
    const k = n + 1;
    this.n = n;
    if (this.weights.length < k) {
      const capacity = Math.max(k, 2 * this.weights.length);
      this.weights = new Float64Array(capacity);
      this.logWeights = new Float64Array(capacity);
      this.cumulative = new Float64Array(capacity);
    }
    const w = observationWeights(n, this.weights);
    w[n] = this.options.priorWeight;
    let total = 0;
    for (let i = 0; i < k; i++) total += w[i]!;
    let acc = 0;
    for (let i = 0; i < k; i++) {
      const wi = w[i]! / total;
      this.logWeights[i] = Math.log(wi);
      acc += wi;
      this.cumulative[i] = acc;
    }
    const d = this.dimensions.length;
    const renumbering = this.renumbering(n, sources);
    this.kernels.forEach((kern, j) => {
      if (kern instanceof NumericKernels) kern.fit(j, points, d, n, this.logWeights, sources, renumbering);
      else if (kern !== undefined) {
        if (kern.observed.length < k) kern.observed = new Int32Array(Math.max(k, 2 * kern.observed.length));
        for (let i = 0; i < n; i++) kern.observed[i] = points[i * d + j]!;
        kern.observed[n] = -1;
        const a = this.options.priorWeight / (n + 1);
        kern.rowSum = 1 + kern.dim.choices * a;
        kern.logHit = Math.log((1 + a) / kern.rowSum);
        kern.logMiss = Math.log(a / kern.rowSum);
      }
    });
    if (this.joint) this.joint.filled = false;
    this.estimateFilled = false;
    this.termsPending = this.deferTerms;
  }

  /**
   * The fast estimate of {@link jointLogPdf} with its error bound (see shared-bandwidth-kernels.ts);
   * `undefined` when this estimator has none (univariate bandwidths, a categorical or stepped
   * dimension, a bandwidth that is not shared).
   */
  jointEstimate(): SharedBandwidthKernels | undefined {
    const estimate = this.estimate;
    if (estimate === undefined || this.joint === undefined) return undefined;
    if (!this.estimateFilled) {
      const dims = this.joint.dims;
      const kernels = Array.from(dims, (j) => this.kernels[j] as NumericKernels);
      estimate.fit(kernels, dims, this.n, this.logWeights, this.options.kernelScore === 'density');
      this.estimateFilled = true;
    }
    return Number.isFinite(estimate.tolerance) ? estimate : undefined;
  }

  /** Completes a deferred fit: the numeric kernels' truncation terms (see NumericKernelOptions.deferTerms). */
  private ensureTerms(): void {
    if (!this.termsPending) return;
    this.termsPending = false;
    for (const kern of this.kernels)
      if (kern instanceof NumericKernels) kern.ensureTerms(this.size, this.logWeights);
  }

  /**
   * How this fit's observations relate to the previous fit's, when the numeric kernels can be
   * updated rather than refitted (see numeric-kernels.ts): both are history rows only (no extra
   * points), the previous ones in the same order with others inserted, and the magic clip's floor is
   * the same (at least 98 observations both times). Remembers this fit's rows for the next.
   */
  private renumbering(n: number, sources: ParzenSources): KernelRenumbering | undefined {
    const rows = sources.rows;
    const previous = this.previousRows;
    this.previousRows = undefined;
    if (rows === undefined || rows.length !== n) return undefined;
    this.previousRows =
      this.rowsBuffer.length >= n
        ? this.rowsBuffer.subarray(0, n)
        : (this.rowsBuffer = new Uint32Array(2 * n)).subarray(0, n);
    let result: KernelRenumbering | undefined;
    if (previous !== undefined && this.options.bandwidth === 'neighbours' && previous.length >= 98) {
      if (this.oldToNew.length < previous.length) this.oldToNew = new Int32Array(2 * previous.length);
      const oldToNew = this.oldToNew;
      const inserted: number[] = [];
      let q = 0;
      for (let i = 0; i < n; i++) {
        if (q < previous.length && rows[i] === previous[q]) oldToNew[q++] = i;
        else inserted.push(i);
      }
      if (q === previous.length) result = { previous: previous.length, oldToNew, inserted };
    }
    this.previousRows.set(rows);
    return result;
  }

  /** A kernel index drawn with the kernel weights. */
  private drawKernel(rng: Rng): number {
    const u = rng.next();
    const c = this.cumulative;
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** A draw of dimension `j` from kernel `i` (snapped to a feasible coordinate). */
  private drawFrom(j: number, i: number, rng: Rng): number {
    const kern = this.kernels[j];
    if (kern === undefined) return (this.dimensions[j] as NumericDimension).low; // its single value
    if (kern instanceof CategoricalKernels) {
      const obs = kern.observed[i]!;
      if (obs >= 0 && rng.next() * kern.rowSum < 1) return obs;
      return rng.int(0, kern.dim.choices - 1);
    }
    const { low, high } = kern;
    const m = kern.mu[i]!;
    const s = kern.sigma[i]!;
    const pa = normalCdf((low - m) / s);
    const pb = normalCdf((high - m) / s);
    const x = m + s * normalQuantile(pa + rng.next() * (pb - pa));
    return kern.snap(x < low ? low : x > high ? high : x);
  }

  /**
   * Draws `count` points into `out` (row-major, `count × dimensions`). `joint`: one kernel per point
   * for all dimensions (multivariate); otherwise one kernel per point and dimension.
   */
  sample(rng: Rng, count: number, joint: boolean, out: Float64Array): void {
    const d = this.dimensions.length;
    for (let c = 0; c < count; c++) {
      const shared = joint ? this.drawKernel(rng) : 0;
      for (let j = 0; j < d; j++)
        out[c * d + j] = this.drawFrom(j, joint ? shared : this.drawKernel(rng), rng);
    }
  }

  /** Sets `acc[from…]` to the kernels' log weights, the start of their log scores ({@link addTerms}). */
  private startTerms(acc: Float64Array, from: number): void {
    const k = this.size;
    for (let i = 0; i < k; i++) acc[from + i] = this.logWeights[i]!;
  }

  /** Adds each kernel's log-likelihood of coordinate `x` in dimension `j` to `acc[from…]`. */
  private addTerms(j: number, x: number, acc: Float64Array, from: number): void {
    const kern = this.kernels[j];
    const k = this.size;
    if (kern === undefined) return;
    if (kern instanceof CategoricalKernels) {
      const obs = kern.observed;
      for (let i = 0; i < k; i++) {
        const o = obs[i]!;
        acc[from + i] = acc[from + i]! + (o === x ? kern.logHit : o < 0 ? kern.logUniform : kern.logMiss);
      }
      return;
    }
    const { mu, sigma, logNorm, logZ } = kern;
    if (kern.continuous) {
      for (let i = 0; i < k; i++) {
        const z = (x - mu[i]!) / sigma[i]!;
        acc[from + i] = acc[from + i]! + logNorm[i]! - 0.5 * z * z;
      }
      return;
    }
    const lo = Math.max(kern.low, x - kern.halfCell);
    const hi = Math.min(kern.high, x + kern.halfCell);
    for (let i = 0; i < k; i++) {
      const m = mu[i]!;
      const s = sigma[i]!;
      acc[from + i] = acc[from + i]! + logNormalMass((lo - m) / s, (hi - m) / s) - logZ[i]!;
    }
  }

  /**
   * log of the mixture's density (mass, for stepped dimensions) of dimension `j` alone, at each of
   * `count` points (coordinate `j` of rows of `xs` with `stride`), into `out`. `acc` is scratch of
   * at least {@link ParzenEstimator.size}.
   */
  logPdfOf(
    j: number,
    xs: Float64Array,
    stride: number,
    count: number,
    out: Float64Array,
    acc: Float64Array,
  ): void {
    for (let c = 0; c < count; c++) out[c] = this.logPdfAt(j, xs[c * stride + j]!, acc);
  }

  /** {@link logPdfOf} at one coordinate `x`. */
  logPdfAt(j: number, x: number, acc: Float64Array): number {
    this.ensureTerms();
    const kern = this.kernels[j];
    if (kern instanceof NumericKernels && kern.window) return kern.window.logPdf(x, acc);
    this.startTerms(acc, 0);
    this.addTerms(j, x, acc, 0);
    return logSumExp(acc, this.size);
  }

  /**
   * A lower bound of {@link logPdfAt}'s value, cheaper to compute: the partial sum of
   * {@link KernelWindow.logPdfLowerBound} with `share`; −∞ (none) for dimensions without a window.
   */
  logPdfLowerBoundAt(j: number, x: number, share: number, acc: Float64Array): number {
    this.ensureTerms();
    const kern = this.kernels[j];
    return kern instanceof NumericKernels && kern.window
      ? kern.window.logPdfLowerBound(x, share, acc)
      : -Infinity;
  }

  /** log of the product-kernel mixture's density at each of `count` points (row-major in `xs`). */
  jointLogPdf(xs: Float64Array, count: number, out: Float64Array, acc: Float64Array): void {
    this.ensureTerms();
    const d = this.dimensions.length;
    const k = this.size;
    const joint = this.joint;
    if (joint === undefined) {
      for (let c = 0; c < count; c++) {
        this.startTerms(acc, 0);
        for (let j = 0; j < d; j++) this.addTerms(j, xs[c * d + j]!, acc, 0);
        out[c] = logSumExp(acc, k);
      }
      return;
    }
    // The sums of the loop above, term for term, kernel by kernel for all points at once (the
    // divisions of different points overlap): point c's scores at terms[c·k…], their largest at
    // x[t + c].
    if (!joint.filled) this.fillJointTable(joint);
    const { dims, stride, table } = joint;
    const a = dims.length;
    const terms = acc.length >= count * k ? acc : new Float64Array(count * k);
    if (this.jointScratch.length < (a + 2) * count) this.jointScratch = new Float64Array((a + 2) * count);
    const x = this.jointScratch; // coordinate q of point c at q·count + c
    const t = a * count; // running score of point c at x[t + c]
    const max = t + count; // largest score of point c at x[max + c]
    for (let c = 0; c < count; c++) {
      for (let q = 0; q < a; q++) x[q * count + c] = xs[c * d + dims[q]!]!;
      x[max + c] = -Infinity;
    }
    for (let i = 0, o = 0; i < k; i++, o += stride) {
      const mu0 = table[o]!;
      const sigma0 = table[o + 1]!;
      const head0 = table[o + 2]!;
      for (let c = 0; c < count; c++) {
        const z = (x[c]! - mu0) / sigma0;
        x[t + c] = head0 - 0.5 * z * z;
      }
      for (let q = 1, p = o + 3; q < a; q++, p += 3) {
        const mu = table[p]!;
        const sigma = table[p + 1]!;
        const offset = table[p + 2]!;
        for (let c = 0, b = q * count; c < count; c++, b++) {
          const z = (x[b]! - mu) / sigma;
          x[t + c] = x[t + c]! + offset - 0.5 * z * z;
        }
      }
      for (let c = 0; c < count; c++) {
        const v = x[t + c]!;
        terms[c * k + i] = v;
        if (v > x[max + c]!) x[max + c] = v;
      }
    }
    for (let c = 0; c < count; c++) out[c] = logSumExpBelow(terms, c * k, k, x[max + c]!);
  }

  /** Copies the current fit into the {@link JointTable}. */
  private fillJointTable(joint: JointTable): void {
    const k = this.size;
    const { dims, stride } = joint;
    if (joint.table.length < k * stride)
      joint.table = new Float64Array(Math.max(k * stride, 2 * joint.table.length));
    const table = joint.table;
    for (let q = 0; q < dims.length; q++) {
      const { mu, sigma, logNorm, head } = this.kernels[dims[q]!] as NumericKernels;
      const offsets = q === 0 ? head : logNorm;
      for (let i = 0, o = 3 * q; i < k; i++, o += stride) {
        table[o] = mu[i]!;
        table[o + 1] = sigma[i]!;
        table[o + 2] = offsets[i]!;
      }
    }
    joint.filled = true;
  }
}
