/**
 * The Parzen estimator of TPE: a weighted mixture with one kernel per observation plus a prior
 * kernel, after Bergstra et al., "Algorithms for Hyper-Parameter Optimization", NeurIPS 2011
 * (https://papers.nips.cc/paper/4443), with the choices Optuna 3.x made for its `TPESampler`
 * (optuna/samplers/_tpe/parzen_estimator.py):
 *
 * - Numeric dimensions get a normal kernel truncated to the dimension's interval `[low, high]`.
 *   Univariate bandwidth (Bergstra's rule): the distance to the farther of the two neighbouring
 *   observations (the prior's centre counts as an observation), except that the smallest and the
 *   largest use their one inner neighbour (`consider_endpoints = false`). Multivariate bandwidth
 *   (Falkner et al., "BOHB", ICML 2018): Scott's rule `0.2 · n^(−1/(d+4)) · (high − low)`. Either way
 *   the "magic clip" bounds it to `[(high − low)/min(100, 1 + K), high − low]` (K kernels), and the
 *   prior kernel sits at the centre with σ = high − low (for Katib's `normal`/`logNormal`: its own
 *   centre and σ).
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
 */
import type { Rng } from '../rng.js';
import { LOG_SQRT_2PI, logNormalMass, normalCdf, normalQuantile } from './gaussian.js';
import type { TpeDimension } from './tpe-space.js';

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

/** Kernel parameters of one numeric dimension. */
interface NumericKernels {
  readonly mu: Float64Array;
  readonly sigma: Float64Array;
  /** log of the truncation mass Z of each kernel on `[low, high]`. */
  readonly logZ: Float64Array;
  /** log-score offset of each kernel: −log Z, and −log σ − log √(2π) for `density` scoring. */
  readonly logNorm: Float64Array;
  /** With neighbour bandwidths: what lets {@link ParzenEstimator.logPdfOf} visit only nearby kernels. */
  readonly window?: KernelWindow;
}

/**
 * Kernels of one dimension sorted by centre, split into "narrow" ones, which matter only within
 * `reach` of their centre, and "wide" ones, which are always evaluated. A kernel is negligible at x
 * when its log score there is more than {@link NEGLIGIBLE} below a lower bound of the mixture's
 * largest score (the prior kernel's score at the far end of the interval).
 */
interface KernelWindow {
  /** Narrow kernels' indices, by centre. */
  readonly narrow: Uint32Array;
  /** Their centres, ascending. */
  readonly centres: Float64Array;
  /** Largest reach of a narrow kernel. */
  readonly reach: number;
  /** Indices of the wide kernels. */
  readonly wide: Uint32Array;
}

/** Kernel parameters of one categorical dimension. */
interface CategoricalKernels {
  /** Observed choice per kernel; −1 for the prior kernel. */
  readonly observed: Int32Array;
  readonly logHit: number;
  readonly logMiss: number;
  readonly logUniform: number;
  /** Row sum before normalisation: 1 + choices · prior_weight/(n+1). */
  readonly rowSum: number;
}

/**
 * Terms this far below the largest add less than e^−40 ≈ 4·10⁻¹⁸ of it each, below double
 * precision even summed over 10⁴ kernels, so they are skipped.
 */
const NEGLIGIBLE = 40;

/**
 * Orders observation indices `0…n−1` by their coordinate `j` (ascending). Supplied by the caller
 * when it keeps the observations sorted (much faster than sorting at every suggestion).
 */
export type ObservationOrder = (j: number) => Uint32Array;

/** Sorts `0…n−1` by `mu` (ties by index). */
function sortIndices(mu: Float64Array, n: number): Uint32Array {
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => mu[a]! - mu[b]! || a - b);
  return Uint32Array.from(idx);
}

/**
 * A Parzen estimator over the TPE space, from `n` observations (rows of `points`, oldest first).
 * Built once per suggestion for the "below" (good) and "above" (bad) groups.
 */
export class ParzenEstimator {
  /** Number of kernels: observations plus the prior. */
  readonly size: number;
  readonly logWeights: Float64Array;
  private readonly cumulative: Float64Array;
  private readonly kernels: (NumericKernels | CategoricalKernels | undefined)[];

  /**
   * @param points row-major observations, `n × dimensions.length`, oldest first
   * @param n number of observations
   * @param order the observations sorted per dimension (neighbour bandwidths only); computed when absent
   */
  constructor(
    private readonly dimensions: readonly TpeDimension[],
    points: Float64Array,
    n: number,
    options: ParzenOptions,
    order?: ObservationOrder,
  ) {
    const d = dimensions.length;
    const k = n + 1;
    this.size = k;
    const w = observationWeights(n, new Float64Array(k));
    w[n] = options.priorWeight;
    let total = 0;
    for (let i = 0; i < k; i++) total += w[i]!;
    this.logWeights = new Float64Array(k);
    this.cumulative = new Float64Array(k);
    let acc = 0;
    for (let i = 0; i < k; i++) {
      const wi = w[i]! / total;
      this.logWeights[i] = Math.log(wi);
      acc += wi;
      this.cumulative[i] = acc;
    }
    const scott = 0.2 * Math.pow(Math.max(n, 1), -1 / (d + 4));
    const neighbours = options.bandwidth === 'neighbours';
    const density = options.kernelScore === 'density';
    this.kernels = dimensions.map((dim, j) => {
      if (dim.kind === 'categorical') {
        const observed = new Int32Array(k);
        for (let i = 0; i < n; i++) observed[i] = points[i * d + j]!;
        observed[n] = -1;
        const a = options.priorWeight / (n + 1);
        const rowSum = 1 + dim.choices * a;
        return {
          observed,
          logHit: Math.log((1 + a) / rowSum),
          logMiss: Math.log(a / rowSum),
          logUniform: -Math.log(dim.choices),
          rowSum,
        };
      }
      const range = dim.high - dim.low;
      if (!(range > 0)) return undefined; // a single value: the dimension carries no information
      const mu = new Float64Array(k);
      for (let i = 0; i < n; i++) mu[i] = points[i * d + j]!;
      const centre = 0.5 * (dim.low + dim.high);
      mu[n] = centre;
      const sigma = new Float64Array(k);
      let sortedAll: Uint32Array | undefined;
      if (neighbours) {
        sortedAll = withPrior(order ? order(j) : sortIndices(mu, n), mu, n, centre);
        neighbourBandwidths(mu, sortedAll, sigma);
      } else sigma.fill(scott * range);
      const minSigma = range / Math.min(100, 1 + k);
      for (let i = 0; i < n; i++) {
        const s = sigma[i]!;
        sigma[i] = s < minSigma ? minSigma : s > range ? range : s;
      }
      mu[n] = dim.priorMu;
      sigma[n] = dim.priorSigma;
      const logZ = new Float64Array(k);
      const logNorm = new Float64Array(k);
      for (let i = 0; i < k; i++) {
        const s = sigma[i]!;
        const z = logNormalMass((dim.low - mu[i]!) / s, (dim.high - mu[i]!) / s);
        logZ[i] = z;
        logNorm[i] = (density ? -Math.log(s) - LOG_SQRT_2PI : 0) - z;
      }
      const kernels = { mu, sigma, logZ, logNorm };
      if (!sortedAll || dim.cell !== 'density') return kernels;
      return { ...kernels, window: this.kernelWindow(dim.low, dim.high, n, sortedAll, kernels) };
    });
  }

  /** Splits one dimension's kernels into narrow (windowed) and wide ones; see {@link KernelWindow}. */
  private kernelWindow(
    low: number,
    high: number,
    prior: number,
    sorted: Uint32Array,
    kern: { readonly mu: Float64Array; readonly sigma: Float64Array; readonly logNorm: Float64Array },
  ): KernelWindow {
    const { mu, sigma, logNorm } = kern;
    const lw = this.logWeights;
    const k = this.size;
    // The prior's score at the far end of the interval bounds the mixture's largest score from below.
    const zp = Math.max(mu[prior]! - low, high - mu[prior]!) / sigma[prior]!;
    const floor = lw[prior]! + logNorm[prior]! - 0.5 * zp * zp - NEGLIGIBLE;
    const reachOf = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      const head = lw[i]! + logNorm[i]! - floor;
      reachOf[i] = head > 0 ? sigma[i]! * Math.sqrt(2 * head) : 0;
    }
    // Kernels reaching farther than a tenth of the interval are always evaluated.
    const cut = 0.1 * (high - low);
    let nNarrow = 0;
    for (let i = 0; i < k; i++) if (reachOf[i]! <= cut) nNarrow++;
    const narrow = new Uint32Array(nNarrow);
    const centres = new Float64Array(nNarrow);
    const wide = new Uint32Array(k - nNarrow);
    let a = 0;
    let b = 0;
    let reach = 0;
    for (let p = 0; p < k; p++) {
      const i = sorted[p]!;
      if (reachOf[i]! <= cut) {
        narrow[a] = i;
        centres[a++] = mu[i]!;
        if (reachOf[i]! > reach) reach = reachOf[i]!;
      } else wide[b++] = i;
    }
    return { narrow, centres, reach, wide };
  }

  /** A kernel index drawn with the kernel weights. */
  private drawKernel(rng: Rng): number {
    const u = rng.next();
    const c = this.cumulative;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** A draw of dimension `j` from kernel `i` (snapped to a feasible coordinate). */
  private drawFrom(j: number, i: number, rng: Rng): number {
    const dim = this.dimensions[j]!;
    const kern = this.kernels[j];
    if (dim.kind === 'categorical') {
      const c = kern as CategoricalKernels;
      const obs = c.observed[i]!;
      if (obs >= 0 && rng.next() * c.rowSum < 1) return obs;
      return rng.int(0, dim.choices - 1);
    }
    if (kern === undefined) return dim.low;
    const { mu, sigma } = kern as NumericKernels;
    const m = mu[i]!;
    const s = sigma[i]!;
    const pa = normalCdf((dim.low - m) / s);
    const pb = normalCdf((dim.high - m) / s);
    const x = m + s * normalQuantile(pa + rng.next() * (pb - pa));
    return dim.snap(x < dim.low ? dim.low : x > dim.high ? dim.high : x);
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

  /** Adds each kernel's log-likelihood of coordinate `x` in dimension `j` to `acc`. */
  private addTerms(j: number, x: number, acc: Float64Array): void {
    const dim = this.dimensions[j]!;
    const kern = this.kernels[j];
    const k = this.size;
    if (dim.kind === 'categorical') {
      const c = kern as CategoricalKernels;
      const obs = c.observed;
      for (let i = 0; i < k; i++) {
        const o = obs[i]!;
        acc[i] = acc[i]! + (o === x ? c.logHit : o < 0 ? c.logUniform : c.logMiss);
      }
      return;
    }
    if (kern === undefined) return;
    const { mu, sigma, logNorm, logZ } = kern as NumericKernels;
    if (dim.cell === 'density') {
      for (let i = 0; i < k; i++) {
        const z = (x - mu[i]!) / sigma[i]!;
        acc[i] = acc[i]! + logNorm[i]! - 0.5 * z * z;
      }
      return;
    }
    const lo = Math.max(dim.low, x - dim.halfCell);
    const hi = Math.min(dim.high, x + dim.halfCell);
    for (let i = 0; i < k; i++) {
      const m = mu[i]!;
      const s = sigma[i]!;
      acc[i] = acc[i]! + logNormalMass((lo - m) / s, (hi - m) / s) - logZ[i]!;
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
    const kern = this.kernels[j];
    const window = kern !== undefined && 'window' in kern ? kern.window : undefined;
    for (let c = 0; c < count; c++) {
      const x = xs[c * stride + j]!;
      if (window) {
        out[c] = this.windowedLogPdf(kern as NumericKernels, window, x, acc);
      } else {
        acc.set(this.logWeights);
        this.addTerms(j, x, acc);
        out[c] = logSumExp(acc, this.size);
      }
    }
  }

  /** One dimension's log density at `x` from the wide kernels and the narrow ones within reach. */
  private windowedLogPdf(kern: NumericKernels, window: KernelWindow, x: number, acc: Float64Array): number {
    const { mu, sigma, logNorm } = kern;
    const lw = this.logWeights;
    const { narrow, centres, reach, wide } = window;
    // First narrow kernel with centre >= x − reach.
    let lo = 0;
    let hi = centres.length;
    const from = x - reach;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (centres[m]! < from) lo = m + 1;
      else hi = m;
    }
    const to = x + reach;
    let m = 0;
    for (let p = lo; p < centres.length && centres[p]! <= to; p++) {
      const i = narrow[p]!;
      const z = (x - mu[i]!) / sigma[i]!;
      acc[m++] = lw[i]! + logNorm[i]! - 0.5 * z * z;
    }
    for (let q = 0; q < wide.length; q++) {
      const i = wide[q]!;
      const z = (x - mu[i]!) / sigma[i]!;
      acc[m++] = lw[i]! + logNorm[i]! - 0.5 * z * z;
    }
    return logSumExp(acc, m);
  }

  /** log of the product-kernel mixture's density at each of `count` points (row-major in `xs`). */
  jointLogPdf(xs: Float64Array, count: number, out: Float64Array, acc: Float64Array): void {
    const d = this.dimensions.length;
    for (let c = 0; c < count; c++) {
      acc.set(this.logWeights);
      for (let j = 0; j < d; j++) this.addTerms(j, xs[c * d + j]!, acc);
      out[c] = logSumExp(acc, this.size);
    }
  }
}

/**
 * log Σ exp(v[i]) over the first `n` entries, stable. Terms more than {@link NEGLIGIBLE} below
 * the largest are left out (most kernels of a fitted estimator are far from any one point).
 */
export function logSumExp(v: Float64Array, n: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (v[i]! > max) max = v[i]!;
  if (max === -Infinity || max === Infinity) return max;
  const floor = max - NEGLIGIBLE;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    if (x > floor) s += Math.exp(x - max);
  }
  return max + Math.log(s);
}

/** `order` (indices 0…n−1 by centre) with the prior kernel `n`, centred at `centre`, merged in. */
function withPrior(order: Uint32Array, mu: Float64Array, n: number, centre: number): Uint32Array {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (mu[order[m]!]! < centre) lo = m + 1;
    else hi = m;
  }
  const out = new Uint32Array(n + 1);
  out.set(order.subarray(0, lo), 0);
  out[lo] = n;
  out.set(order.subarray(lo, n), lo + 1);
  return out;
}

/**
 * Bergstra's neighbour bandwidths of the kernels listed in `order` (ascending centre): the
 * distance to the farther distinct neighbour; the smallest and the largest take their inner
 * neighbour only (`consider_endpoints = false`). Equal centres count as one point, so the result
 * does not depend on the order of the observations. Writes `sigma[i]` for every listed `i`.
 */
export function neighbourBandwidths(mu: Float64Array, order: Uint32Array, sigma: Float64Array): void {
  const k = order.length;
  let start = 0;
  while (start < k) {
    const v = mu[order[start]!]!;
    let end = start + 1;
    while (end < k && mu[order[end]!]! === v) end++;
    const hasLeft = start > 0;
    const hasRight = end < k;
    const left = hasLeft ? v - mu[order[start - 1]!]! : 0;
    const right = hasRight ? mu[order[end]!]! - v : 0;
    const s = hasLeft && hasRight ? Math.max(left, right) : hasLeft ? left : right;
    for (let p = start; p < end; p++) sigma[order[p]!] = s;
    start = end;
  }
}
