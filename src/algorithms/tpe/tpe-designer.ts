/**
 * The TPE designer behind `tpe` and `multivariate-tpe`: Bergstra et al., "Algorithms for
 * Hyper-Parameter Optimization", NeurIPS 2011 (https://papers.nips.cc/paper/4443), and, for the
 * joint variant, Falkner et al., "BOHB: Robust and Efficient Hyperparameter Optimization at Scale",
 * ICML 2018 (https://arxiv.org/abs/1807.01774), with Optuna 3.x's `TPESampler` defaults.
 *
 * Per suggestion, after `n_startup_trials` observed trials:
 * 1. split the n observed trials by loss: the best `γ(n)` form the "below" group, the rest (and
 *    every running trial and every earlier suggestion of the batch, as a constant liar) the
 *    "above" group — Optuna's `constant_liar=True`, which gives running trials the worst loss;
 * 2. fit a Parzen estimator l(x) to "below" and g(x) to "above" ({@link ParzenEstimator});
 * 3. draw `n_ei_candidates` points from l and keep the one maximising log l(x) − log g(x), which
 *    maximises expected improvement (Bergstra 2011, eq. 4) — per parameter for `tpe`
 *    (independent sampling), for the whole point for `multivariate-tpe`.
 *
 * Observed trials are those Katib's services learn from: Succeeded or EarlyStopped with a value.
 * Failed and killed trials teach nothing but their points are never suggested again. The random
 * stream of the i-th suggestion of a call is `Rng.derive(seed, name, suggestionCount + i)`, and the
 * designer keeps only exact data (coordinates and losses, in the order the trials arrived), so a
 * cached designer and one rebuilt by replaying the same trials in the same order give identical
 * suggestions. It saves no dump of its own: the policy keeps the order of arrival and replays the
 * trials from the request (`replayOrder` in tpe.ts), so the algorithm state does not repeat the
 * whole history after every trial.
 */
import type { Assignment, SearchSpace } from '../../api/search-space.js';
import type { ObjectiveSpec } from '../../api/experiment.js';
import { productSpace, type ProductSpace } from '../codec/product-space.js';
import { isObserved, lossOf, type Designer, type Suggestion, type TrialDelta } from '../designer.js';
import { assignmentKey } from '../random/index.js';
import { Rng } from '../rng.js';
import { drawDistinct, isTaken, type TakenPoints } from './distinct-draw.js';
import { ObservationHistory } from './observation-history.js';
import {
  ParzenEstimator,
  type BandwidthRule,
  type KernelScore,
  type ParzenOptions,
  type ObservationOrder,
  type ParzenSources,
} from './parzen-estimator.js';
import { bestBounded, bestByScore, certainBest, ChoiceScratch, rankByScore } from './candidate-choice.js';
import { createTpeSpace, type TpeSpace } from './tpe-space.js';
import { TruncationCache } from './truncation-cache.js';

/** Optuna's default split: `min(⌈0.1·n⌉, 25)` observations form the "below" group. */
export function optunaGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** hyperopt's split for a given `gamma`: `min(⌈γ·√n⌉, 25)` (hyperopt's `linear_forgetting` cap). */
export function hyperoptGamma(gamma: number): (n: number) => number {
  return (n) => Math.min(Math.ceil(gamma * Math.sqrt(n)), 25);
}

/** Everything that shapes a TPE designer. */
export interface TpeOptions {
  /** Algorithm name: names the random streams (`tpe`, `multivariate-tpe`). */
  readonly name: string;
  /** Joint (product-kernel) density and candidates, with Scott's bandwidth. */
  readonly multivariate: boolean;
  readonly nStartupTrials: number;
  /** Candidates per suggestion; 0 means a single draw from l(x). */
  readonly nEiCandidates: number;
  readonly priorWeight: number;
  /** Size of the "below" group for n observations. */
  readonly gamma: (n: number) => number;
  /** How continuous kernels are scored (see {@link ParzenOptions.kernelScore}). @default 'shape' */
  readonly kernelScore?: KernelScore;
}

/** Rounds of fresh candidates before a suggestion falls back to a distinct random draw. */
const CANDIDATE_ROUNDS = 4;

/** Groups of at most this many history rows are sorted by the estimator (cheaper than a pass over the history). */
const SORT_BELOW = 32;

/**
 * Shares of a kernel window's reach whose kernels bound log g from below, loosely then tightly
 * (see candidate-choice.ts); a third of the reach covers the kernels within about 3σ of a
 * candidate, which hold the largest terms. Measured fastest at 1000 trials.
 */
const BOUND_SHARES = [0.2, 0.35] as const;

/** The TPE designer (see the module comment). */
export class TpeDesigner implements Designer {
  private readonly tpe: TpeSpace;
  private readonly product: ProductSpace;
  private readonly history: ObservationHistory;
  /**
   * The observations' truncation terms, kept across suggestions (they change no result); only with
   * neighbour bandwidths, since Scott's σ changes with every observation.
   */
  private readonly truncation: TruncationCache | undefined;
  private readonly completedKeys = new Set<string>();
  private activeKeys = new Set<string>();
  private activeRows = new Float64Array(0);
  private activeCount = 0;
  private suggestionCount = 0;
  private readonly bandwidth: BandwidthRule;
  private readonly work: Workspace = {
    lower: undefined,
    upper: undefined,
    belowPoints: new Float64Array(0),
    abovePoints: new Float64Array(0),
    kernelOfRow: new Int32Array(0),
    order: new Uint32Array(0),
    removedValues: new Float64Array(0),
    addedValues: new Float64Array(0),
    scratch: new Float64Array(0),
    choice: new ChoiceScratch(),
  };

  constructor(
    private readonly space: SearchSpace,
    private readonly objective: ObjectiveSpec,
    private readonly seed: number,
    private readonly options: TpeOptions,
  ) {
    this.tpe = createTpeSpace(space);
    this.product = productSpace(space, { distinct: true });
    this.history = new ObservationHistory(this.tpe.dimensions.length);
    this.truncation = options.multivariate ? undefined : new TruncationCache(this.tpe.dimensions.length);
    this.bandwidth = options.multivariate ? 'scott' : 'neighbours';
  }

  update(delta: TrialDelta): void {
    for (const t of delta.completed) {
      this.completedKeys.add(assignmentKey(this.space, t.assignment));
      if (!isObserved(t)) continue;
      const loss = lossOf(t.objective, this.objective.type);
      if (Number.isNaN(loss)) continue;
      this.history.add(this.tpe.encode(t.assignment), loss);
    }
    const dims = this.tpe.dimensions.length;
    this.activeKeys = new Set(delta.active.map((t) => assignmentKey(this.space, t.assignment)));
    this.activeCount = delta.active.length;
    this.activeRows = new Float64Array(this.activeCount * dims);
    delta.active.forEach((t, i) => this.tpe.encode(t.assignment, this.activeRows, i * dims));
    this.suggestionCount = delta.suggestionCount;
  }

  suggest(count: number): readonly Suggestion[] {
    const dims = this.tpe.dimensions.length;
    const batch = new Set<string>();
    const batchRows = new Float64Array(Math.max(0, count) * dims);
    const out: Suggestion[] = [];
    const taken: TakenPoints = { batch, active: this.activeKeys, completed: this.completedKeys };
    for (let i = 0; i < count; i++) {
      // A batch larger than a finite space covers it round after round.
      if (this.product.enumerable && batch.size >= this.product.size) batch.clear();
      const rng = Rng.derive(this.seed, this.options.name, this.suggestionCount + i);
      const assignment =
        this.history.size < this.options.nStartupTrials
          ? drawDistinct(this.space, this.tpe.codec, this.product, rng, taken)
          : this.modelDraw(rng, taken, batchRows, i);
      batch.add(assignmentKey(this.space, assignment));
      this.tpe.encode(assignment, batchRows, i * dims);
      out.push({ assignment });
    }
    return out;
  }

  /**
   * The estimator of a group (`lower`: "below", `upper`: "above") fitted to `count` points: the
   * group's history rows `group` then, for `upper`, the liars (rows of `points` past the group's).
   * `others`: every other history row (the "below" group, for `upper`), which lets Scott's rule
   * find a large group's quartiles from the history's sorted rows.
   */
  private fitEstimator(
    role: 'lower' | 'upper',
    points: Float64Array,
    group: Uint32Array,
    count: number,
    others?: Uint32Array,
  ): ParzenEstimator {
    const work = this.work;
    let order: ObservationOrder | undefined;
    let orderStatistics: ParzenSources['orderStatistics'];
    if (group.length > SORT_BELOW && this.bandwidth === 'neighbours') {
      // Large groups are ordered from the history's sorted rows rather than sorted.
      work.kernelOfRow = atLeast(work.kernelOfRow, this.history.size, (size) => new Int32Array(size));
      work.order = atLeast(work.order, count, (size) => new Uint32Array(size));
      const kernelOfRow = this.history.kernelIndices(group, work.kernelOfRow);
      order = (j) => this.history.groupOrder(j, kernelOfRow, points, group.length, count, work.order);
    }
    if (group.length > SORT_BELOW && others !== undefined && this.bandwidth === 'scott') {
      // Scott's quartiles of a large group: the history's sorted rows less the other group's, plus
      // the extra points (liars) and the centre.
      const extras = count - group.length;
      const d = this.tpe.dimensions.length;
      work.removedValues = atLeast(work.removedValues, others.length, (size) => new Float64Array(size));
      work.addedValues = atLeast(work.addedValues, extras + 1, (size) => new Float64Array(size));
      orderStatistics = (j, extra, ranks, out) => {
        const added = work.addedValues;
        for (let t = 0; t < extras; t++) added[t] = points[(group.length + t) * d + j]!;
        added[extras] = extra;
        this.history.orderStatistics(j, others, work.removedValues, added, extras + 1, ranks, out);
      };
    }
    const sources: ParzenSources = { order, rows: group, truncation: this.truncation, orderStatistics };
    const fitted = work[role];
    if (fitted) {
      fitted.fit(points, count, sources);
      return fitted;
    }
    const options: ParzenOptions = {
      priorWeight: this.options.priorWeight,
      bandwidth: this.bandwidth,
      kernelScore: this.options.kernelScore ?? 'shape',
    };
    return (work[role] = new ParzenEstimator(this.tpe.dimensions, points, count, options, sources));
  }

  /** One suggestion from the Parzen estimators, with `liars` earlier suggestions of the batch. */
  private modelDraw(rng: Rng, taken: TakenPoints, batchRows: Float64Array, liars: number): Assignment {
    const dims = this.tpe.dimensions.length;
    const n = this.history.size;
    const { below, above } = this.history.split(Math.min(this.options.gamma(n), n));
    this.truncation?.reserve(n);
    const work = this.work;
    work.belowPoints = atLeast(work.belowPoints, below.length * dims, (size) => new Float64Array(size));
    const belowPoints = this.history.gather(below, 0, work.belowPoints);
    const lower = this.fitEstimator('lower', belowPoints, below, below.length);
    // Constant liar: running trials and this batch's earlier suggestions join the bad group, newest.
    const nAbove = above.length + this.activeCount + liars;
    work.abovePoints = atLeast(work.abovePoints, nAbove * dims, (size) => new Float64Array(size));
    const abovePoints = this.history.gather(above, this.activeCount + liars, work.abovePoints);
    abovePoints.set(this.activeRows, above.length * dims);
    abovePoints.set(batchRows.subarray(0, liars * dims), (above.length + this.activeCount) * dims);
    const upper = this.fitEstimator('upper', abovePoints, above, nAbove, below);

    const m = Math.max(1, this.options.nEiCandidates);
    const candidates = new Float64Array(m * dims);
    const scoreLower = new Float64Array(m);
    const scoreUpper = new Float64Array(m);
    work.scratch = atLeast(
      work.scratch,
      m * Math.max(lower.size, upper.size),
      (size) => new Float64Array(size),
    );
    const acc = work.scratch;
    const chosen = new Float64Array(dims);
    for (let round = 0; round < CANDIDATE_ROUNDS; round++) {
      lower.sample(rng, m, this.options.multivariate, candidates);
      if (this.options.multivariate) {
        // The best candidate from the fast estimates when they decide it (certainBest), else from
        // every candidate's exact scores; the full ranking only when the best is taken.
        const certain = this.certainJointBest(lower, upper, candidates, m);
        if (certain >= 0) {
          const a = this.tpe.decode(candidates, certain * dims);
          if (!isTaken(taken, assignmentKey(this.space, a))) return a;
        }
        lower.jointLogPdf(candidates, m, scoreLower, acc);
        upper.jointLogPdf(candidates, m, scoreUpper, acc);
        const first = this.tpe.decode(candidates, bestByScore(scoreLower, scoreUpper, m) * dims);
        if (!isTaken(taken, assignmentKey(this.space, first))) return first;
        for (const c of rankByScore(scoreLower, scoreUpper, m).slice(1)) {
          const a = this.tpe.decode(candidates, c * dims);
          if (!isTaken(taken, assignmentKey(this.space, a))) return a;
        }
      } else {
        for (let j = 0; j < dims; j++) {
          lower.logPdfOf(j, candidates, dims, m, scoreLower, acc);
          const x = (c: number): number => candidates[c * dims + j]!;
          const best = bestBounded(
            scoreLower,
            m,
            [
              (c) => upper.logPdfLowerBoundAt(j, x(c), BOUND_SHARES[0], acc),
              (c) => upper.logPdfLowerBoundAt(j, x(c), BOUND_SHARES[1], acc),
              (c) => upper.logPdfAt(j, x(c), acc),
            ],
            work.choice,
          );
          chosen[j] = x(best);
        }
        const a = this.tpe.decode(chosen);
        if (!isTaken(taken, assignmentKey(this.space, a))) return a;
      }
    }
    return drawDistinct(this.space, this.tpe.codec, this.product, rng, taken);
  }

  /**
   * The candidate with the best joint score when the estimators' fast estimates decide it
   * ({@link certainBest}: the very candidate the exact scores choose); −1 when they cannot.
   */
  private certainJointBest(
    lower: ParzenEstimator,
    upper: ParzenEstimator,
    candidates: Float64Array,
    m: number,
  ): number {
    const l = lower.jointEstimate();
    const g = upper.jointEstimate();
    if (l === undefined || g === undefined) return -1;
    const dims = this.tpe.dimensions.length;
    return certainBest(
      m,
      {
        lower: (c) => l.logPdf(candidates, c * dims),
        upperFloor: (c) => g.logPdfFloor(candidates, c * dims),
        upper: (c) => g.logPdf(candidates, c * dims),
        tolerance: l.tolerance + g.tolerance,
      },
      this.work.choice,
    );
  }
}

/**
 * What {@link TpeDesigner} reuses from one suggestion to the next so as not to allocate: the two
 * estimators (refitted) and buffers. Nothing in them carries over into a result.
 */
interface Workspace {
  lower: ParzenEstimator | undefined;
  upper: ParzenEstimator | undefined;
  belowPoints: Float64Array;
  abovePoints: Float64Array;
  kernelOfRow: Int32Array;
  order: Uint32Array;
  /** Scratch of Scott's quartiles: the other group's values, the extra points' and the centre. */
  removedValues: Float64Array;
  addedValues: Float64Array;
  /** The estimators' log scores. */
  scratch: Float64Array;
  choice: ChoiceScratch;
}

/** `buffer` when it has `size` entries, else a new one of at least `size` (twice as large). */
function atLeast<T extends { readonly length: number }>(
  buffer: T,
  size: number,
  make: (size: number) => T,
): T {
  return buffer.length >= size ? buffer : make(Math.max(size, 2 * buffer.length));
}
