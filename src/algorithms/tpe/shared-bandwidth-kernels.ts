/**
 * A fast estimate of a multivariate Parzen estimator's log density, with a bound on its distance
 * to the exact value ({@link ParzenEstimator.jointLogPdf}), for estimators whose observation
 * kernels share one bandwidth per dimension: Scott's rule (multivariate TPE's, on the group's own
 * spread; numeric-kernels.ts) gives every observation of a group the same σ_q in dimension q, at
 * least 0.08 of the box's width. With the bound the designer takes the best candidate from
 * estimates whenever they decide it (candidate-choice.ts), and computes exact scores only when two
 * candidates are too close to call, so a suggestion is the one the exact scores give.
 *
 * Where the exact computation spends its time, and what the estimate does instead:
 * - Truncation: a kernel's log mass on the box, log(1 − Φ(a) − Φ(−b)) per dimension, costs two
 *   log-space tails, and Scott's σ changes with every observation, so nothing carries over from
 *   one suggestion to the next. Here the tails come from a table (normal-tail-table.ts), the
 *   dimensions' masses are multiplied before one logarithm, and a kernel's masses are computed
 *   only once its term may count at a point: until then an upper bound of its head (every mass
 *   at its smallest, 0.34) shows whether the term falls below the cut.
 * - Scores: a division (x − μ)/σ per kernel and dimension. Here the centres are stored scaled by
 *   1/(σ_q·√2) and centred on the box, dimension by dimension (struct of arrays), so a term is a
 *   subtraction and a square, three dimensions per pass.
 * - Sum: terms more than ln k + 23 below the largest (k kernels) are left out, together below
 *   10⁻¹⁰ of the sum; the others are exponentiated from a table (table-exp.ts).
 *
 * The error bound ({@link SharedBandwidthKernels.tolerance}) adds up the tables' errors (per
 * dimension 2·{@link TAIL_TABLE_ERROR} on a mass of at least Φ(1) − Φ(0) > 0.34, since σ_q is at
 * most the box's width and the centre lies inside it), the terms left out and the rounding of both
 * computations, and doubles the sum. A kernel centred on or outside the box's edge takes the exact
 * masses; a group whose σ is not shared, or whose numbers are not finite, gets no estimate.
 */
import { logNormalMass, LOG_SQRT_2PI } from './gaussian.js';
import { NEGLIGIBLE } from './log-sum-exp.js';
import { TAIL_TABLE_ERROR, tabulatedLowerTail } from './normal-tail-table.js';
import { TABLE_EXP_ERROR, tableExp } from './table-exp.js';

/** Error of the terms left out of the sum, relative to the sum (unless the cut reaches {@link NEGLIGIBLE}). */
const CUT_ERROR = 1e-10;
/**
 * Error of one dimension's log mass: two tails' table errors, and the rounding of the
 * standardised bounds (below 10⁻¹³ each: they are below 100 in size, the magic clip's limit), on a
 * mass of at least 0.34.
 */
const LOG_MASS_ERROR = (2 * TAIL_TABLE_ERROR + 2e-13) / 0.34;
/** −log of the smallest mass of a kernel centred in the box with σ at most its width: Φ(1) − Φ(0) > 0.34. */
const LOG_INVERSE_MIN_MASS = 1.08;
/** Margin on the summed error bound. */
const SAFETY = 2;

/** What {@link SharedBandwidthKernels.fit} reads of one dimension's kernels (see numeric-kernels.ts). */
export interface SharedBandwidthDimension {
  readonly low: number;
  readonly high: number;
  /** Centres, observations first, the prior's last (index n). */
  readonly mu: Float64Array;
  /** Bandwidths, observations first, the prior's last (index n). */
  readonly sigma: Float64Array;
  /** The σ of every observation kernel; NaN when they do not share one. */
  readonly sharedSigma: number;
}

/** The fast log density estimate of a product-kernel mixture (see the module comment). */
export class SharedBandwidthKernels {
  /** Observation kernels (the prior kernel is kept apart). */
  private n = 0;
  /** Coordinates of a point read by the estimate: dimension q is column `columns[q]` of a row. */
  private columns: Uint32Array = new Uint32Array(0);
  /** Per dimension: centre of the box, 1/(σ·√2) of the observation kernels, half the box's width in σ. */
  private readonly mid: Float64Array;
  private readonly scale: Float64Array;
  private readonly halfWidth: Float64Array;
  /** Per dimension: the prior kernel's centre and 1/(σ·√2). */
  private readonly priorMu: Float64Array;
  private readonly priorScale: Float64Array;
  /** Scratch: a point's scaled coordinates (as the centres). */
  private readonly point: Float64Array;
  /** The prior kernel's log weight plus log-score offsets. */
  private priorHead = 0;
  /** Scaled centres (μ − mid)·scale, dimension by dimension: kernel i of dimension q at q·n + i. */
  private centres = new Float64Array(0);
  /** The observation kernels' log weights, and the density constants summed over the dimensions. */
  private logWeights = new Float64Array(0);
  private constant = 0;
  /**
   * Per observation kernel: log weight plus log-score offsets (the point-independent part of its
   * term), computed on first use ({@link head}); NaN until then.
   */
  private heads = new Float64Array(0);
  /** Per observation kernel: an upper bound of its head, known without its truncation masses. */
  private headBounds = new Float64Array(0);
  /** Scratch: the terms of one point. */
  private terms = new Float64Array(0);
  /** Scratch of a fit: the kernels centred on or outside the box's edge (repeats possible). */
  private readonly atEdge: number[] = [];
  /** Terms this far below the largest are left out. */
  private cut = NEGLIGIBLE;
  /**
   * Bound on |estimate − exact| of {@link logPdf} (and on how far {@link logPdfFloor} may exceed
   * the exact value); +∞ when the estimate is unavailable.
   */
  tolerance = Infinity;

  /** @param dimensions number of dimensions of every fit */
  constructor(dimensions: number) {
    this.mid = new Float64Array(dimensions);
    this.scale = new Float64Array(dimensions);
    this.halfWidth = new Float64Array(dimensions);
    this.priorMu = new Float64Array(dimensions);
    this.priorScale = new Float64Array(dimensions);
    this.point = new Float64Array(dimensions);
  }

  /**
   * Fits the estimate to `n` observation kernels and the prior (index n) of the dimensions
   * `dimensions`, read from columns `columns` of a point, with log weights `logWeights`; `density`:
   * continuous kernels are scored with their 1/(σ√(2π)) factor (see ParzenOptions.kernelScore).
   * The loops over kernels are functions of their own, which a rare branch here (a buffer that
   * grows) does not send back to the interpreter.
   */
  fit(
    dimensions: readonly SharedBandwidthDimension[],
    columns: Uint32Array,
    n: number,
    logWeights: Float64Array,
    density: boolean,
  ): void {
    const a = dimensions.length;
    this.tolerance = Infinity;
    if (a !== this.mid.length) return;
    if (this.heads.length < n || this.centres.length < a * n) this.reserve(a, n);
    this.n = n;
    this.columns = columns;
    const { mid, scale, halfWidth, priorMu, priorScale, centres } = this;
    let priorHead = logWeights[n]!;
    let priorSpread = 0;
    let constant = 0;
    const atEdge = this.atEdge;
    atEdge.length = 0;
    for (let q = 0; q < a; q++) {
      const { low, high, mu, sigma } = dimensions[q]!;
      const s = n > 0 ? dimensions[q]!.sharedSigma : high - low;
      if (!((high - low) / s >= 1)) return; // not shared, or wider than the box (Scott's σ never is)
      mid[q] = 0.5 * (low + high);
      scale[q] = 1 / (s * Math.SQRT2);
      halfWidth[q] = (0.5 * (high - low)) / s;
      priorMu[q] = mu[n]!;
      priorScale[q] = 1 / (sigma[n]! * Math.SQRT2);
      const priorLogZ = logNormalMass((low - mu[n]!) / sigma[n]!, (high - mu[n]!) / sigma[n]!);
      priorHead += (density ? -Math.log(sigma[n]!) - LOG_SQRT_2PI : 0) - priorLogZ;
      if (density) constant += -Math.log(s) - LOG_SQRT_2PI;
      const reach = Math.max(priorMu[q]! - low, high - priorMu[q]!) * priorScale[q]!;
      priorSpread += reach * reach;
      scaleCentres(mu, n, low, high, mid[q]!, scale[q]!, centres, q * n, atEdge);
    }
    if (!Number.isFinite(priorHead)) return;
    this.priorHead = priorHead;
    this.constant = constant;
    // Heads wait for their first use; their bounds take every mass at its smallest.
    const slack = a * LOG_INVERSE_MIN_MASS;
    const largestWeight = boundHeads(
      logWeights,
      n,
      constant + slack,
      this.logWeights,
      this.heads,
      this.headBounds,
    );
    let largestHead = Math.max(Math.abs(priorHead), largestWeight + Math.abs(constant) + slack);
    if (atEdge.length > 0) {
      const edge = this.edgeHeads(dimensions);
      if (!Number.isFinite(edge)) return;
      largestHead = Math.max(largestHead, edge);
    }
    const k = n + 1;
    this.cut = Math.min(NEGLIGIBLE, Math.log(k) - Math.log(CUT_ERROR));
    // Rounding: every term is a sum of about 4a + 4 rounded operations on numbers below `size`,
    // in either computation; the sum of k exponentials and its logarithm add (k + 4) roundings.
    const size = 2 * (largestHead + priorSpread) + this.cut + 1;
    const rounding = (2 * (4 * a + 4) * size + k + 4 + size) * Number.EPSILON + TABLE_EXP_ERROR;
    const left = k * Math.exp(-this.cut); // at most k terms left out, each below e^(−cut) of the sum
    this.tolerance = SAFETY * (left + a * LOG_MASS_ERROR + rounding);
  }

  /**
   * The heads of the kernels centred on or outside the box's edge ({@link atEdge}), from the exact
   * masses, now (the bound of the others does not hold there); returns the largest size of those
   * heads, NaN when one is not finite.
   */
  private edgeHeads(dimensions: readonly SharedBandwidthDimension[]): number {
    const { heads, headBounds } = this;
    let largest = 0;
    for (const i of this.atEdge) {
      if (!Number.isNaN(heads[i]!)) continue; // listed twice
      let head = this.logWeights[i]! + this.constant;
      for (const { low, high, mu, sigma } of dimensions)
        head -= logNormalMass((low - mu[i]!) / sigma[i]!, (high - mu[i]!) / sigma[i]!);
      if (!Number.isFinite(head)) return NaN;
      heads[i] = headBounds[i] = head;
      largest = Math.max(largest, Math.abs(head));
    }
    return largest;
  }

  /** The estimate of the log density at the point in row `xs[offset…]` (within {@link tolerance} of the exact one). */
  logPdf(xs: Float64Array, offset: number): number {
    const { n, columns, mid, scale, headBounds, terms, point } = this;
    const a = columns.length;
    const prior = this.priorTerm(xs, offset);
    if (n === 0) return prior;
    for (let q = 0; q < a; q++) point[q] = (xs[offset + columns[q]!]! - mid[q]!) * scale[q]!;
    negatedSquaredDistances(this.centres, n, point, a, terms);
    // Terms: a kernel whose bound is already below the cut under the largest term so far (at least
    // the prior's) would be left out of the sum anyway, and its head is not needed.
    // The others' terms are kept in `terms[0…m−1]`.
    let max = prior;
    let floor = max - this.cut;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const distance = terms[i]!;
      if (headBounds[i]! + distance <= floor) continue;
      const t = this.head(i) + distance;
      if (t <= floor) continue;
      terms[m++] = t;
      if (t > max) {
        max = t;
        floor = max - this.cut;
      }
    }
    let sum = prior > floor ? tableExp(prior - max) : 0;
    for (let p = 0; p < m; p++) {
      const t = terms[p]!;
      if (t > floor) sum += tableExp(t - max);
    }
    return max + Math.log(sum);
  }

  /**
   * A cheap lower bound of the exact log density at the point in row `xs[offset…]`: the prior
   * kernel's term alone, less {@link tolerance} (the exact sum holds that term, its largest is at
   * least as large).
   */
  logPdfFloor(xs: Float64Array, offset: number): number {
    return this.priorTerm(xs, offset) - this.tolerance;
  }

  /** The prior kernel's log term at the point in row `xs[offset…]`. */
  private priorTerm(xs: Float64Array, offset: number): number {
    const { columns, priorMu, priorScale } = this;
    let t = this.priorHead;
    for (let q = 0; q < columns.length; q++) {
      const d = (xs[offset + columns[q]!]! - priorMu[q]!) * priorScale[q]!;
      t -= d * d;
    }
    return t;
  }

  /**
   * Observation kernel i's head: log weight and density constants less the log of its masses,
   * 1 − Φ(a) − Φ(−b) per dimension from the table, with a = (low − μ)/σ and b = (high − μ)/σ
   * recovered from the scaled centre.
   */
  private head(i: number): number {
    const known = this.heads[i]!;
    if (!Number.isNaN(known)) return known;
    const { n, centres, halfWidth } = this;
    const a = this.columns.length;
    let product = 1;
    for (let q = 0, o = i; q < a; q++, o += n) {
      const c = centres[o]! * Math.SQRT2; // (μ − mid)/σ
      const h = halfWidth[q]!;
      product *= 1 - (tabulatedLowerTail(-h - c) + tabulatedLowerTail(c - h));
    }
    const head = this.logWeights[i]! + this.constant - Math.log(product);
    this.heads[i] = head;
    return head;
  }

  /** Makes room for `n` observation kernels of `a` dimensions. */
  private reserve(a: number, n: number): void {
    const capacity = Math.max(n, 2 * this.heads.length);
    this.heads = new Float64Array(capacity);
    this.headBounds = new Float64Array(capacity);
    this.logWeights = new Float64Array(capacity);
    this.terms = new Float64Array(capacity);
    this.centres = new Float64Array(a * capacity);
  }
}

/**
 * Sets `out[i]` to −Σ_q (point[q] − centres[q·n + i])² for the n kernels (centres dimension by
 * dimension), three dimensions per pass over `out` (measured almost twice as fast as one).
 */
function negatedSquaredDistances(
  centres: Float64Array,
  n: number,
  point: Float64Array,
  a: number,
  out: Float64Array,
): void {
  out.fill(0, 0, n);
  let q = 0;
  for (; q + 3 <= a; q += 3) {
    const y0 = point[q]!;
    const y1 = point[q + 1]!;
    const y2 = point[q + 2]!;
    for (let i = 0, o = q * n; i < n; i++, o++) {
      const d0 = y0 - centres[o]!;
      const d1 = y1 - centres[o + n]!;
      const d2 = y2 - centres[o + 2 * n]!;
      out[i] = out[i]! - (d0 * d0 + d1 * d1 + d2 * d2);
    }
  }
  for (; q < a; q++) {
    const y = point[q]!;
    for (let i = 0, o = q * n; i < n; i++, o++) {
      const d = y - centres[o]!;
      out[i] = out[i]! - d * d;
    }
  }
}

/**
 * Writes the scaled centres (mu[i] − centre)·factor of `n` kernels to `out[offset…]`, and adds
 * those on or outside the box's edge [low, high] to `atEdge`.
 */
function scaleCentres(
  mu: Float64Array,
  n: number,
  low: number,
  high: number,
  centre: number,
  factor: number,
  out: Float64Array,
  offset: number,
  atEdge: number[],
): void {
  for (let i = 0; i < n; i++) {
    const m = mu[i]!;
    out[offset + i] = (m - centre) * factor;
    if (!(m > low && m < high)) atEdge.push(i);
  }
}

/**
 * Copies the `n` log weights to `copy`, marks every head unknown (NaN) and bounds it by its log
 * weight plus `slack`; returns the largest size of a log weight.
 */
function boundHeads(
  logWeights: Float64Array,
  n: number,
  slack: number,
  copy: Float64Array,
  heads: Float64Array,
  bounds: Float64Array,
): number {
  let largest = 0;
  for (let i = 0; i < n; i++) {
    const w = logWeights[i]!;
    copy[i] = w;
    heads[i] = NaN;
    bounds[i] = w + slack;
    if (Math.abs(w) > largest) largest = Math.abs(w);
  }
  return largest;
}
