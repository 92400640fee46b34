/**
 * The kernels of one continuous dimension of a Parzen estimator with neighbour bandwidths, laid out
 * so that the log density at a point visits only the kernels that can count there. Sorted by
 * centre, they are split into "narrow" ones, which matter only within `reach` of their centre, and
 * "wide" ones, which are always evaluated. A kernel is negligible at x when its log score there is
 * more than {@link NEGLIGIBLE} below a lower bound of the mixture's largest score (the prior
 * kernel's score at the far end of the interval), so {@link logSumExp} would leave it out anyway.
 * Each group's centres, bandwidths and heads are copied in order, so a point's score reads them in
 * sequence. The buffers are kept and refilled by {@link KernelWindow.fit}.
 */
import { logSumExpBelow, NEGLIGIBLE } from './log-sum-exp.js';

/** Narrow and wide kernels of one dimension (see the module comment). */
export class KernelWindow {
  private centres = new Float64Array(0);
  private narrowSigma = new Float64Array(0);
  private narrowHead = new Float64Array(0);
  private wideMu = new Float64Array(0);
  private wideSigma = new Float64Array(0);
  private wideHead = new Float64Array(0);
  private narrow = 0;
  private wide = 0;
  /** Largest reach of a narrow kernel. */
  private reach = 0;
  /** The largest score written by {@link scoresNear}. */
  private largest = -Infinity;

  /**
   * Refills the window from `k` kernels on `[low, high]`, `sorted[0…k−1]` the kernels by centre
   * with their centres `sortedMu` in that order, `sigma` and `head` (log weight plus log-score
   * offset) by kernel, and `prior` the prior kernel's index, centred at `priorMu`.
   */
  fit(
    low: number,
    high: number,
    prior: number,
    priorMu: number,
    sorted: Uint32Array,
    sortedMu: Float64Array,
    k: number,
    sigma: Float64Array,
    head: Float64Array,
  ): void {
    if (this.centres.length < k) this.grow(k);
    const { centres, narrowSigma, narrowHead, wideMu, wideSigma, wideHead } = this;
    // The prior's score at the far end of the interval bounds the mixture's largest score from below.
    const zp = Math.max(priorMu - low, high - priorMu) / sigma[prior]!;
    const floor = head[prior]! - 0.5 * zp * zp - NEGLIGIBLE;
    // Kernels reaching farther than a tenth of the interval are always evaluated.
    const cut = 0.1 * (high - low);
    let a = 0;
    let b = 0;
    let reach = 0;
    for (let p = 0; p < k; p++) {
      const i = sorted[p]!;
      const h = head[i]! - floor;
      const r = h > 0 ? sigma[i]! * Math.sqrt(2 * h) : 0;
      if (r <= cut) {
        centres[a] = sortedMu[p]!;
        narrowSigma[a] = sigma[i]!;
        narrowHead[a++] = head[i]!;
        if (r > reach) reach = r;
      } else {
        wideMu[b] = sortedMu[p]!;
        wideSigma[b] = sigma[i]!;
        wideHead[b++] = head[i]!;
      }
    }
    this.narrow = a;
    this.wide = b;
    this.reach = reach;
  }

  /**
   * log of the dimension's mixture density at `x`: {@link logSumExp} of the scores of the narrow
   * kernels within reach, then of the wide ones, each group by centre. `acc` is scratch of at least
   * as many entries as kernels.
   */
  logPdf(x: number, acc: Float64Array): number {
    return this.logSumExpNear(x, this.reach, acc);
  }

  /**
   * A lower bound of {@link KernelWindow.logPdf} at `x` for a fraction of its cost: the same sum
   * over the wide kernels and only the narrow ones within `share` of the reach, which hold the
   * largest terms (a partial sum; see candidate-choice.ts for the rounding).
   */
  logPdfLowerBound(x: number, share: number, acc: Float64Array): number {
    return this.logSumExpNear(x, share * this.reach, acc);
  }

  /** {@link logSumExp} of the scores at `x` of the narrow kernels within `radius` and of the wide ones. */
  private logSumExpNear(x: number, radius: number, acc: Float64Array): number {
    const m = this.scoresNear(x, radius, acc);
    return logSumExpBelow(acc, 0, m, this.largest);
  }

  /**
   * Writes the scores at `x` of the narrow kernels within `radius`, then of the wide ones (each
   * group by centre), to `acc`; returns their number and leaves the largest (of those not NaN) in
   * {@link largest}.
   */
  private scoresNear(x: number, radius: number, acc: Float64Array): number {
    const { centres, narrowSigma, narrowHead, wideMu, wideSigma, wideHead } = this;
    const narrow = this.narrow;
    // First narrow kernel with centre >= x − radius.
    let lo = 0;
    let hi = narrow;
    const from = x - radius;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (centres[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    const to = x + radius;
    let m = 0;
    let max = -Infinity;
    for (let p = lo; p < narrow && centres[p]! <= to; p++) {
      const z = (x - centres[p]!) / narrowSigma[p]!;
      const t = narrowHead[p]! - 0.5 * z * z;
      acc[m++] = t;
      if (t > max) max = t;
    }
    for (let q = 0; q < this.wide; q++) {
      const z = (x - wideMu[q]!) / wideSigma[q]!;
      const t = wideHead[q]! - 0.5 * z * z;
      acc[m++] = t;
      if (t > max) max = t;
    }
    this.largest = max;
    return m;
  }

  private grow(k: number): void {
    const capacity = Math.max(k, 2 * this.centres.length);
    this.centres = new Float64Array(capacity);
    this.narrowSigma = new Float64Array(capacity);
    this.narrowHead = new Float64Array(capacity);
    this.wideMu = new Float64Array(capacity);
    this.wideSigma = new Float64Array(capacity);
    this.wideHead = new Float64Array(capacity);
  }
}
