/**
 * The kernels of one numeric dimension of a Parzen estimator (see parzen-estimator.ts): centres,
 * bandwidths (Bergstra's neighbour rule or Scott's rule of thumb), truncation terms, and for
 * continuous values with neighbour bandwidths the {@link KernelWindow} that scores a point from the
 * kernels near it.
 *
 * A refit to the same observations plus a few inserted ones ({@link KernelRenumbering} — the
 * "above" group of a designer that gained a trial) is an update: the kernels keep their centres,
 * bandwidths and truncation terms, the inserted ones join the order by centre, and only the
 * bandwidths next to them are recomputed, by the same rule, so the result is the one a full fit
 * gives, bit for bit. The log weights change with every observation, so the heads and the window
 * are rebuilt either way.
 */
import { LOG_SQRT_2PI, logNormalMass } from './gaussian.js';
import { KernelWindow } from './kernel-window.js';
import type { TruncationCache } from './truncation-cache.js';
import type { NumericDimension } from './tpe-space.js';

/**
 * The minimum bandwidth factor Δ of the multivariate (Scott) bandwidth: σ ≥ Δ · (high − low), on
 * top of the magic clip's `(high − low)/min(100, K + 1)` (Watanabe, "Tree-Structured Parzen
 * Estimator: Understanding Its Algorithm Components and Their Roles for Better Empirical
 * Performance", arXiv:2304.11127, 2023: `min_bandwidth_factor`, with the magic clip's exponent 1).
 * Chosen on seeds 16–135 of bench/quality.js, not on the benchmark's seeds 1–15 (0.08 to 0.1
 * measured alike; 0.05 lets Levy-10 collapse, 0.12 and above smooth too much;
 * docs/algorithms/multivariate-tpe.md).
 */
export const MIN_BANDWIDTH_FACTOR = 0.08;

/**
 * Writes the values of ranks `ranks` (0-based, ascending) of a group's coordinate, together with
 * one more value, into `out` (see {@link ParzenSources.orderStatistics}).
 */
export type OrderStatistics = (ranks: ArrayLike<number>, out: Float64Array) => void;

/** Scratch of {@link scottBandwidth}: the ranks and values of the two quartiles' neighbours. */
const quartileRanks = [0, 0, 0, 0];
const quartileValues = new Float64Array(4);

/**
 * Scott's rule of thumb for one dimension of a group (Scott, "Multivariate Density Estimation",
 * 1992; the `scott` bandwidth of Watanabe 2023): `1.059 · min(s, IQR/1.34) · m^(−1/5)` over the
 * `n` values `mu[0…n)` and the interval's centre `centre` (the prior kernel's place, so m = n + 1),
 * with s their sample standard deviation (m − 1 in the denominator) and IQR their interquartile
 * range (quartiles interpolated linearly, as numpy's `percentile`); `s` alone when the IQR is 0.
 * Unclipped; 0 when every value is the same. The quartiles come from `statistics` (the order
 * statistics of the m values) when given, else from a sorted copy in `scratch` (room for n + 1
 * values); they are the same order statistics either way, so the result is the same.
 */
export function scottBandwidth(
  mu: Float64Array,
  n: number,
  centre: number,
  scratch: Float64Array,
  statistics?: OrderStatistics,
): number {
  const m = n + 1;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += mu[i]!;
  sum += centre;
  const mean = sum / m;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const e = mu[i]! - mean;
    squares += e * e;
  }
  squares += (centre - mean) * (centre - mean);
  const std = Math.sqrt(squares / (m - 1));
  // Quartile p lies between the values of ranks ⌊(m − 1)·p⌋ and the next one.
  const h25 = n * 0.25;
  const h75 = n * 0.75;
  const ranks = quartileRanks;
  ranks[0] = Math.floor(h25);
  ranks[1] = Math.min(ranks[0] + 1, n);
  ranks[2] = Math.floor(h75);
  ranks[3] = Math.min(ranks[2] + 1, n);
  const v = quartileValues;
  if (statistics !== undefined) statistics(ranks, v);
  else {
    scratch.set(mu.subarray(0, n));
    scratch[n] = centre;
    const sorted = scratch.subarray(0, m).sort();
    for (let q = 0; q < 4; q++) v[q] = sorted[ranks[q]!]!;
  }
  const q25 = v[0]! + (h25 - ranks[0]) * (v[1]! - v[0]!);
  const q75 = v[2]! + (h75 - ranks[2]) * (v[3]! - v[2]!);
  const iqr = q75 - q25;
  const spread = iqr > 0 ? Math.min(std, iqr / 1.34) : std;
  return 1.059 * spread * Math.pow(m, -0.2);
}

/**
 * Orders observation indices `0…n−1` by their coordinate `j` (ascending; ties by index). Supplied
 * by the caller when it keeps the observations sorted (much faster than sorting at every
 * suggestion). The result is read before the next call.
 */
export type ObservationOrder = (j: number) => Uint32Array;

/** What the caller knows about an estimator's observations besides their coordinates. */
export interface ParzenSources {
  /** The observations sorted per dimension (neighbour bandwidths only); sorted here when absent. */
  readonly order?: ObservationOrder | undefined;
  /**
   * The history rows of the first observations (observation `i` is row `rows[i]`), whose
   * truncation terms are looked up in (and added to) `truncation`; the other observations' terms
   * are computed.
   */
  readonly rows?: Uint32Array | undefined;
  readonly truncation?: TruncationCache | undefined;
  /**
   * For Scott's bandwidth: writes the values of ranks `ranks` (0-based, ascending) of the n
   * observations' coordinate `j` together with the value `extra` into `out`, faster than sorting
   * them (a large group known as history rows); sorted here when absent.
   */
  readonly orderStatistics?:
    ((j: number, extra: number, ranks: ArrayLike<number>, out: Float64Array) => void) | undefined;
}

/**
 * How the observations of a refit relate to the previous fit's: the previous ones in the same order
 * with others inserted among them. `oldToNew[i]` is the new index of previous observation `i`;
 * `inserted` lists the new indices of the others, ascending.
 */
export interface KernelRenumbering {
  readonly previous: number;
  readonly oldToNew: Int32Array;
  readonly inserted: readonly number[];
}

/** How the kernels of a dimension are fitted (the estimator's options). */
export interface NumericKernelOptions {
  readonly bandwidth: 'neighbours' | 'scott';
  readonly density: boolean;
  /**
   * Leave the truncation terms and heads to {@link NumericKernels.ensureTerms} (Scott's bandwidth
   * only): the estimator's fast estimate (shared-bandwidth-kernels.ts) seldom needs them.
   */
  readonly deferTerms?: boolean;
}

/**
 * Kernel parameters of one numeric dimension, indexed by kernel (observations oldest first, then the
 * prior), in buffers kept from fit to fit.
 */
export class NumericKernels {
  mu: Float64Array = new Float64Array(0);
  sigma: Float64Array = new Float64Array(0);
  /** log of the truncation mass Z of each kernel on `[low, high]`. */
  logZ: Float64Array = new Float64Array(0);
  /** log-score offset of each kernel: −log Z, and −log σ − log √(2π) for `density` scoring. */
  logNorm: Float64Array = new Float64Array(0);
  /**
   * log weight plus log-score offset of each kernel: the part of its log score that does not depend
   * on the point (the first sum of the score, so precomputing it changes no bit).
   */
  head: Float64Array = new Float64Array(0);
  /** The σ of every observation kernel when they share one (Scott's bandwidth); NaN otherwise. */
  sharedSigma = NaN;
  /** With neighbour bandwidths and continuous values: see {@link KernelWindow}. */
  readonly window: KernelWindow | undefined;
  /** Truncation terms and heads wait for {@link ensureTerms} (see {@link NumericKernelOptions.deferTerms}). */
  private readonly deferred: boolean;
  /** True while a deferred fit's truncation terms and heads are not computed. */
  private termsPending = false;
  /** Every kernel by centre (neighbour bandwidths), the prior at the first centre ≥ the interval's centre. */
  private sorted: Uint32Array = new Uint32Array(0);
  /** The centres of {@link sorted}, in that order (the prior's: the interval's centre). */
  private sortedMu: Float64Array = new Float64Array(0);
  /** Position of the prior in {@link sorted}. */
  private priorAt = 0;
  /** The order by centre of the previous fit, for an update (swapped with the current one). */
  private spareSorted: Uint32Array = new Uint32Array(0);
  private spareSortedMu: Float64Array = new Float64Array(0);
  /** Scratch of an update: the inserted observations by centre, and their positions. */
  private added = new Uint32Array(0);
  private at = new Uint32Array(0);
  /** Scratch: the observations by centre when the caller gives no order. */
  private byCentre: Uint32Array = new Uint32Array(0);

  /** The dimension's interval, prior kernel and cell (copied: the kernels' own fields stay monomorphic). */
  readonly low: number;
  readonly high: number;
  readonly priorMu: number;
  readonly priorSigma: number;
  /** Continuous values (`density` cells); otherwise stepped, scored by cells of ± `halfCell`. */
  readonly continuous: boolean;
  readonly halfCell: number;
  /** See {@link NumericDimension.snap}. */
  readonly snap: (x: number) => number;

  constructor(
    dim: NumericDimension,
    private readonly options: NumericKernelOptions,
  ) {
    this.low = dim.low;
    this.high = dim.high;
    this.priorMu = dim.priorMu;
    this.priorSigma = dim.priorSigma;
    this.continuous = dim.cell === 'density';
    this.halfCell = dim.halfCell;
    this.snap = (x) => dim.snap(x);
    this.window = options.bandwidth === 'neighbours' && this.continuous ? new KernelWindow() : undefined;
    this.deferred = options.deferTerms === true && options.bandwidth === 'scott';
  }

  /**
   * Fits the kernels to `n` observations (coordinate `j` of the rows of `points`, `d` wide) with log
   * weights `lw` (the prior's last). `renumbering`, when given, relates them to the previous fit's
   * (neighbour bandwidths only), which is then updated.
   */
  fit(
    j: number,
    points: Float64Array,
    d: number,
    n: number,
    lw: Float64Array,
    sources: ParzenSources,
    renumbering?: KernelRenumbering,
  ): void {
    const k = n + 1;
    this.reserve(k);
    if (renumbering && this.options.bandwidth === 'neighbours')
      this.update(j, points, d, n, sources, renumbering);
    else this.fitAll(j, points, d, n, sources);
    this.termsPending = this.deferred;
    if (this.deferred) return;
    const { head, logNorm } = this;
    for (let i = 0; i < k; i++) head[i] = lw[i]! + logNorm[i]!;
    this.window?.fit(this.low, this.high, n, this.priorMu, this.sorted, this.sortedMu, k, this.sigma, head);
  }

  /**
   * Computes the truncation terms and heads of the `k` kernels of a deferred fit (see
   * {@link NumericKernelOptions.deferTerms}), with the fit's log weights `lw`; nothing otherwise.
   */
  ensureTerms(k: number, lw: Float64Array): void {
    if (!this.termsPending) return;
    this.termsPending = false;
    const { head, logNorm } = this;
    truncationTerms(this.low, this.high, this.options.density, this.mu, this.sigma, this.logZ, logNorm, k);
    for (let i = 0; i < k; i++) head[i] = lw[i]! + logNorm[i]!;
  }

  /** The full fit: centres, bandwidths and truncation terms of every kernel. */
  private fitAll(j: number, points: Float64Array, d: number, n: number, sources: ParzenSources): void {
    const range = this.high - this.low;
    const k = n + 1;
    const { mu, sigma, sorted, sortedMu } = this;
    for (let i = 0; i < n; i++) mu[i] = points[i * d + j]!;
    const minSigma = range / Math.min(100, 1 + k);
    this.sharedSigma = NaN;
    if (this.options.bandwidth === 'scott') {
      // Scott's rule on the group's own spread, floored by the minimum bandwidth factor.
      const floor = Math.max(minSigma, MIN_BANDWIDTH_FACTOR * range);
      // (sortedMu, unused with this rule, is the scratch.)
      const centre = 0.5 * (this.low + this.high);
      const statistics = sources.orderStatistics;
      const s =
        n > 0
          ? scottBandwidth(
              mu,
              n,
              centre,
              this.sortedMu,
              statistics && ((ranks, out) => statistics(j, centre, ranks, out)),
            )
          : range;
      this.sharedSigma = s < floor ? floor : s > range ? range : s;
      sigma.fill(this.sharedSigma, 0, n);
    } else {
      // Neighbour bandwidths, the prior's centre counting as an observation.
      const centre = 0.5 * (this.low + this.high);
      mu[n] = centre;
      const order = sources.order ? sources.order(j) : sortIndices(mu, n, this.byCentre);
      this.priorAt = withPrior(order, mu, n, centre, sorted, sortedMu);
      neighbourBandwidths(sortedMu, sorted, sigma, k);
      sortedMu[this.priorAt] = this.priorMu;
      for (let i = 0; i < n; i++) {
        const s = sigma[i]!;
        sigma[i] = s < minSigma ? minSigma : s > range ? range : s;
      }
    }
    mu[n] = this.priorMu;
    sigma[n] = this.priorSigma;
    if (this.deferred) return; // see ensureTerms
    const column = sources.rows ? sources.truncation?.column(j) : undefined;
    if (column === undefined) {
      // Nothing remembered (Scott's σ changes with every observation): a plain loop.
      truncationTerms(this.low, this.high, this.options.density, mu, sigma, this.logZ, this.logNorm, k);
      return;
    }
    const cached = Math.min(sources.rows!.length, n);
    for (let i = 0; i < k; i++) this.truncate(i, i < cached ? sources.rows![i]! : -1, sources, j);
  }

  /**
   * The update of a refit to the previous observations plus `renumbering.inserted` (see the module
   * comment); the magic clip's floor must be the same (at least 98 observations both times).
   */
  private update(
    j: number,
    points: Float64Array,
    d: number,
    n: number,
    sources: ParzenSources,
    renumbering: KernelRenumbering,
  ): void {
    const range = this.high - this.low;
    const k = n + 1;
    const { oldToNew, inserted, previous } = renumbering;
    // The kernels move to their new indices, block by block from the end (the prior first).
    const { mu, sigma, logZ, logNorm } = this;
    const count = inserted.length;
    for (const a of [mu, sigma, logZ, logNorm]) {
      a[n] = a[previous]!;
      for (let t = count - 1; t >= 0; t--) {
        const end = t === count - 1 ? n : inserted[t + 1]!;
        a.copyWithin(inserted[t]! + 1, inserted[t]! - t, end - t - 1);
      }
    }
    // The order by centre is rebuilt next to the previous one.
    const old = { sorted: this.sorted, sortedMu: this.sortedMu };
    [this.sorted, this.spareSorted] = [this.spareSorted, this.sorted];
    [this.sortedMu, this.spareSortedMu] = [this.spareSortedMu, this.sortedMu];
    const { sorted, sortedMu } = this;
    // The inserted observations by centre (ties by index), merged into the previous order; `at`
    // receives their positions.
    const centre = 0.5 * (this.low + this.high);
    if (this.added.length < count) {
      this.added = new Uint32Array(2 * count);
      this.at = new Uint32Array(2 * count);
    }
    const { added, at } = this;
    for (let t = 0; t < count; t++) {
      const i = inserted[t]!;
      const v = (mu[i] = points[i * d + j]!);
      let u = t;
      for (; u > 0 && mu[added[u - 1]!]! > v; u--) added[u] = added[u - 1]!;
      added[u] = i;
    }
    let q = 0;
    let p = 0;
    // The previous kernels by centre, then an end that every inserted observation precedes.
    for (let r = 0; r <= previous + 1; r++) {
      const o = r <= previous ? old.sorted[r]! : -1;
      const isPrior = o === previous;
      const i = o < 0 ? -1 : isPrior ? n : oldToNew[o]!;
      const v = o < 0 ? Infinity : isPrior ? centre : old.sortedMu[r]!;
      // An inserted observation goes first when it is smaller (than the prior: than the centre).
      for (; q < count; q++) {
        const a = added[q]!;
        const w = mu[a]!;
        if (!(o < 0 || (isPrior ? w < centre : w < v || (w === v && a < i)))) break;
        at[q] = p;
        sorted[p] = a;
        sortedMu[p++] = w;
      }
      if (o < 0) break;
      if (isPrior) this.priorAt = p;
      sorted[p] = i;
      sortedMu[p++] = v;
    }
    // Bandwidths change only in the groups of equal centres next to an inserted observation.
    const minSigma = range / Math.min(100, 1 + k);
    const column = sources.rows ? sources.truncation?.column(j) : undefined;
    const cached = column ? Math.min(sources.rows!.length, n) : 0;
    for (let t = 0; t < count; t++) {
      const position = at[t]!;
      let start = groupStart(sortedMu, position);
      if (start > 0) start = groupStart(sortedMu, start - 1);
      let end = groupEnd(sortedMu, position, k);
      if (end < k) end = groupEnd(sortedMu, end, k);
      while (start < end) {
        const groupEndsAt = groupEnd(sortedMu, start, k);
        const s = groupBandwidth(sortedMu, start, groupEndsAt, k);
        const clipped = s < minSigma ? minSigma : s > range ? range : s;
        for (let r = start; r < groupEndsAt; r++) {
          const i = sorted[r]!;
          if (i === n || (sigma[i] === clipped && !inserted.includes(i))) continue;
          sigma[i] = clipped;
          this.truncate(i, i < cached ? sources.rows![i]! : -1, sources, j);
        }
        start = groupEndsAt;
      }
    }
    sortedMu[this.priorAt] = this.priorMu;
  }

  /**
   * Sets kernel `i`'s truncation terms: those of history row `row` (−1: none) when they were
   * computed for the kernel's σ, else computed (and remembered).
   */
  private truncate(i: number, row: number, sources: ParzenSources, j: number): void {
    const s = this.sigma[i]!;
    const column = row >= 0 ? sources.truncation?.column(j) : undefined;
    if (column && column.sigma[row] === s) {
      this.logZ[i] = column.logZ[row]!;
      this.logNorm[i] = column.logNorm[row]!;
      return;
    }
    const { low, high } = this;
    const z = logNormalMass((low - this.mu[i]!) / s, (high - this.mu[i]!) / s);
    this.logZ[i] = z;
    this.logNorm[i] = (this.options.density ? -Math.log(s) - LOG_SQRT_2PI : 0) - z;
    if (column && row < column.sigma.length) {
      column.sigma[row] = s;
      column.logZ[row] = z;
      column.logNorm[row] = this.logNorm[i]!;
    }
  }

  /** Makes room for `k` kernels, keeping the previous fit. */
  private reserve(k: number): void {
    if (this.mu.length >= k) return;
    const capacity = Math.max(k, 2 * this.mu.length);
    const floats = (a: Float64Array): Float64Array => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    const ints = (a: Uint32Array): Uint32Array => {
      const b = new Uint32Array(capacity);
      b.set(a);
      return b;
    };
    this.mu = floats(this.mu);
    this.sigma = floats(this.sigma);
    this.logZ = floats(this.logZ);
    this.logNorm = floats(this.logNorm);
    this.head = floats(this.head);
    this.sorted = ints(this.sorted);
    this.sortedMu = floats(this.sortedMu);
    this.spareSorted = new Uint32Array(capacity);
    this.spareSortedMu = new Float64Array(capacity);
    this.byCentre = new Uint32Array(capacity);
  }
}

/**
 * The truncation terms of kernels `0…k−1` (centres `mu`, bandwidths `sigma`) on the dimension's
 * interval into `logZ` and `logNorm` (see {@link NumericKernels}). A function of its own, small
 * enough for the compiler to inline the Gaussian mass into its loop.
 */
function truncationTerms(
  low: number,
  high: number,
  density: boolean,
  mu: Float64Array,
  sigma: Float64Array,
  logZ: Float64Array,
  logNorm: Float64Array,
  k: number,
): void {
  for (let i = 0; i < k; i++) {
    const s = sigma[i]!;
    const z = logNormalMass((low - mu[i]!) / s, (high - mu[i]!) / s);
    logZ[i] = z;
    logNorm[i] = (density ? -Math.log(s) - LOG_SQRT_2PI : 0) - z;
  }
}

/** First position of the group of equal centres that holds position `p`. */
function groupStart(centres: Float64Array, p: number): number {
  while (p > 0 && centres[p - 1] === centres[p]) p--;
  return p;
}

/** One past the last position of the group of equal centres that holds position `p` (of `k`). */
function groupEnd(centres: Float64Array, p: number, k: number): number {
  let end = p + 1;
  while (end < k && centres[end] === centres[p]) end++;
  return end;
}

/** Bergstra's bandwidth of the group of equal centres `start…end−1` (see {@link neighbourBandwidths}). */
function groupBandwidth(centres: Float64Array, start: number, end: number, k: number): number {
  const v = centres[start]!;
  const hasLeft = start > 0;
  const hasRight = end < k;
  const left = hasLeft ? v - centres[start - 1]! : 0;
  const right = hasRight ? centres[end]! - v : 0;
  return hasLeft && hasRight ? Math.max(left, right) : hasLeft ? left : right;
}

/**
 * Bergstra's neighbour bandwidths of the first `k` kernels listed in `order` (ascending centre;
 * `centres` their centres in that order): the distance to the farther distinct neighbour; the
 * smallest and the largest take their inner neighbour only (`consider_endpoints = false`). Equal
 * centres count as one point, so the result does not depend on the order of the observations.
 * Writes `sigma[i]` for every listed `i`.
 */
export function neighbourBandwidths(
  centres: Float64Array,
  order: Uint32Array,
  sigma: Float64Array,
  k: number = order.length,
): void {
  let start = 0;
  while (start < k) {
    const end = groupEnd(centres, start, k);
    const s = groupBandwidth(centres, start, end, k);
    for (let p = start; p < end; p++) sigma[order[p]!] = s;
    start = end;
  }
}

/** Sorts `0…n−1` by `mu` (ties by index) into `out`. */
function sortIndices(mu: Float64Array, n: number, out: Uint32Array): Uint32Array {
  if (n > 32) {
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => mu[a]! - mu[b]! || a - b);
    for (let p = 0; p < n; p++) out[p] = idx[p]!;
    return out;
  }
  // Few observations (the "below" group): insertion sort, which keeps equal centres by index.
  for (let i = 0; i < n; i++) {
    const v = mu[i]!;
    let p = i;
    while (p > 0 && mu[out[p - 1]!]! > v) {
      out[p] = out[p - 1]!;
      p--;
    }
    out[p] = i;
  }
  return out;
}

/**
 * `order` (indices 0…n−1 by centre) with the prior kernel `n`, centred at `centre`, merged in before
 * the first centre ≥ `centre`, into `out`, and the centres in that order into `values`; returns
 * the prior's position.
 */
function withPrior(
  order: Uint32Array,
  mu: Float64Array,
  n: number,
  centre: number,
  out: Uint32Array,
  values: Float64Array,
): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (mu[order[m]!]! < centre) lo = m + 1;
    else hi = m;
  }
  for (let p = 0; p < lo; p++) {
    const i = order[p]!;
    out[p] = i;
    values[p] = mu[i]!;
  }
  out[lo] = n;
  values[lo] = centre;
  for (let p = lo; p < n; p++) {
    const i = order[p]!;
    out[p + 1] = i;
    values[p + 1] = mu[i]!;
  }
  return lo;
}
