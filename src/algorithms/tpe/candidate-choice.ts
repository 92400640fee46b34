/**
 * Choosing the candidate that maximises log l(x) − log g(x), which maximises expected improvement
 * (Bergstra et al. 2011, eq. 4), without computing log g at candidates that cannot win.
 *
 * log g is the costly part of a suggestion (one exponential per kernel near the candidate, for the
 * "above" group of almost every trial). Cheap lower bounds of log g — partial sums of the same
 * mixture over the kernels that hold the largest terms — give upper bounds of the candidates'
 * scores. The candidate with the highest bound is taken one step further (a tighter bound, then its
 * exact score) until the best exact score beats every remaining bound: the remaining candidates
 * cannot win and are left.
 *
 * The choice is the one {@link rankByScore} makes from every candidate's exact score, bit for bit:
 * the candidates that are scored are scored by the very same computation, and a candidate is left
 * only when its bound is below the best score, the bound being raised by a slack, so ties are
 * always scored and go to the lowest index. The slack ({@link SLACK}) covers what separates the
 * bound of the computed numbers from the bound of exact arithmetic: a sum of positive terms, a
 * logarithm and a subtraction, each rounded with a relative error of about 2⁻⁵³ per term or
 * operation (below 10⁻¹⁰ in all for up to a million kernels); and the partial sum may include terms
 * that the full sum drops as negligible (below e⁻⁴⁰ of the largest; `logSumExp` in log-sum-exp.ts), which
 * changes it by less still.
 */
/** Relative slack of a bound (see the module comment). */
const SLACK = 1e-9;

/** log l − log g of a candidate; NaN (both densities infinite or zero) ranks last. */
export function scoreOf(lower: number, upper: number): number {
  const s = lower - upper;
  return Number.isNaN(s) ? -Infinity : s;
}

/** Candidate indices by log l − log g, best first (ties: lower index first). */
export function rankByScore(lower: Float64Array, upper: Float64Array, m: number): number[] {
  const score = new Float64Array(m);
  for (let c = 0; c < m; c++) score[c] = scoreOf(lower[c]!, upper[c]!);
  const order = Array.from({ length: m }, (_, c) => c);
  order.sort((x, y) => score[y]! - score[x]! || x - y);
  return order;
}

/** The first candidate of {@link rankByScore}'s order: the best score, the lowest index on ties. */
export function bestByScore(lower: Float64Array, upper: Float64Array, m: number): number {
  let best = 0;
  let bestScore = scoreOf(lower[0]!, upper[0]!);
  for (let c = 1; c < m; c++) {
    const s = scoreOf(lower[c]!, upper[c]!);
    if (s > bestScore) {
      best = c;
      bestScore = s;
    }
  }
  return best;
}

/** Scratch of {@link bestBounded} and {@link certainBest}, reused between calls. */
export class ChoiceScratch {
  bounds = new Float64Array(0);
  levels = new Int32Array(0);
  lower = new Float64Array(0);

  /** Makes room for `count` candidates. */
  reserve(count: number): void {
    if (this.bounds.length >= count) return;
    this.bounds = new Float64Array(count);
    this.levels = new Int32Array(count);
    this.lower = new Float64Array(count);
  }
}

/** Estimates of log l and log g at the candidates, for {@link certainBest}. */
export interface ScoreEstimates {
  /** Estimate of log l at candidate c. */
  readonly lower: (c: number) => number;
  /** A lower bound of log g at candidate c, cheaper than `upper`. */
  readonly upperFloor: (c: number) => number;
  /** Estimate of log g at candidate c. */
  readonly upper: (c: number) => number;
  /** Bound on the error of `lower` plus that of `upper`: each estimated score is this close to the exact one. */
  readonly tolerance: number;
}

/** Index of the highest entry of `bounds[0…count)` that is not NaN (ties: the lowest index); −1 if none. */
function highestOpen(bounds: Float64Array, count: number): number {
  let next = -1;
  let top = -Infinity;
  for (let c = 0; c < count; c++) {
    const b = bounds[c]!;
    if (!Number.isNaN(b) && (next < 0 || b > top)) {
      next = c;
      top = b;
    }
  }
  return next;
}

/**
 * The first candidate of {@link rankByScore}'s order of the exact scores, decided from estimates
 * that are within `tolerance` of them; −1 when the estimates cannot decide (another candidate
 * within twice the tolerance of the best, or a number that is not finite), and the caller computes
 * the exact scores. The estimate of log g, the costly one, is computed in order of the candidates'
 * score bounds (log l less the floor of log g), until the best estimated score, less the
 * tolerance, beats every bound left. A candidate returned beats every other one by more than the
 * exact scores' possible error, so it is the exact choice, with no tie to break.
 */
export function certainBest(count: number, estimates: ScoreEstimates, scratch: ChoiceScratch): number {
  const { tolerance } = estimates;
  if (!Number.isFinite(tolerance)) return -1;
  scratch.reserve(count);
  const { bounds, lower } = scratch;
  for (let c = 0; c < count; c++) {
    lower[c] = estimates.lower(c);
    bounds[c] = lower[c]! - estimates.upperFloor(c) + tolerance;
    if (!Number.isFinite(bounds[c]!)) return -1;
  }
  let best = -1;
  let bestScore = -Infinity;
  let runnerUp = -Infinity;
  for (;;) {
    // The candidate with the highest bound left (NaN marks an estimated one).
    const next = highestOpen(bounds, count);
    const top = next < 0 ? -Infinity : bounds[next]!;
    if (next < 0 || (best >= 0 && top < bestScore - tolerance)) break; // every bound left loses
    bounds[next] = NaN;
    const s = lower[next]! - estimates.upper(next);
    if (!Number.isFinite(s)) return -1;
    if (best < 0 || s > bestScore) {
      runnerUp = bestScore;
      best = next;
      bestScore = s;
    } else if (s > runnerUp) runnerUp = s;
  }
  return runnerUp < bestScore - 2 * tolerance ? best : -1;
}

/**
 * The first candidate of {@link rankByScore}'s order of `count` candidates, from log l of each
 * (`lower`) and log g computed on demand by `upper`: `upper[0](c)`, `upper[1](c)`, … are ever
 * tighter lower bounds of log g at candidate c (−∞: none), the last one log g itself. Each
 * candidate is taken as far as needed: the one with the highest bound of its score next.
 */
export function bestBounded(
  lower: Float64Array,
  count: number,
  upper: readonly ((c: number) => number)[],
  scratch: ChoiceScratch,
): number {
  scratch.reserve(count);
  const { bounds, levels } = scratch;
  const exact = upper.length - 1;
  for (let c = 0; c < count; c++) {
    levels[c] = 0;
    bounds[c] = exact > 0 ? boundOf(lower[c]!, upper[0]!(c)) : Infinity;
  }
  let best = -1;
  let bestScore = -Infinity;
  for (;;) {
    // The candidate with the highest bound left (NaN marks a scored one).
    const next = highestOpen(bounds, count);
    const top = next < 0 ? -Infinity : bounds[next]!;
    if (next < 0 || (best >= 0 && top < bestScore)) return best; // every bound left loses
    const level = ++levels[next]!;
    if (level < exact) {
      bounds[next] = boundOf(lower[next]!, upper[level]!(next));
      continue;
    }
    bounds[next] = NaN;
    const s = scoreOf(lower[next]!, upper[exact]!(next));
    if (best < 0 || s > bestScore || (s === bestScore && next < best)) {
      best = next;
      bestScore = s;
    }
  }
}

/** An upper bound of the score log l − log g from log l and a lower bound of log g; +∞ when either is not finite. */
function boundOf(l: number, g: number): number {
  return Number.isFinite(l) && Number.isFinite(g)
    ? l - g + SLACK * (1 + Math.abs(l) + Math.abs(g))
    : Infinity;
}
