/**
 * The Bayesian-optimisation designer: a Latin-hypercube start, then a Gaussian process (Matérn-5/2
 * ARD on the unit cube, Yeo–Johnson-warped standardised losses, MAP hyperparameters) and an
 * acquisition maximised per suggestion; batches and running trials are handled with kriging-
 * believer fantasies (Ginsbourger, Le Riche & Carraro, "Kriging is well-suited to parallelize
 * optimization", 2010): each pending point is added to the model with its posterior mean as its
 * value, which collapses the variance there, so the next pick goes elsewhere.
 *
 * From {@link HIGH_DIMENSION} unit-cube dimensions on, the acquisition is maximised over
 * coordinate perturbations of the incumbent only — the perturbation mask of DYCORS (Regis &
 * Shoemaker, Engineering Optimization 2013) as TuRBO uses it (Eriksson et al., "Scalable Global
 * Optimization via Local Bayesian Optimization", NeurIPS 2019), with three fixed reaches (the whole
 * range, ±0.2, ±0.05) in place of TuRBO's adapted trust-region size — and without the L-BFGS
 * refinement. Like TuRBO's trust region, this keeps the search near the best point where a
 * global acquisition in ≥ 8-D keeps sampling the high-variance corners; unlike it, there is no
 * success/failure state to replay (the candidates depend on the incumbent only), and a single
 * coordinate can still jump to another basin.
 *
 * ## Same answers, cached or rebuilt
 * Everything a suggestion depends on is a deterministic function of the seed, the number of
 * assignments handed out before (`suggestionCount`), the *set* of completed trials and the active
 * trials: observations are put in a canonical order (by trial name), the hyperparameter fit starts
 * from fixed points (never from an earlier call's result), and the random stream is derived from
 * the seed and `suggestionCount`. Caching therefore only memoises, never changes a result:
 * - the fitted hyperparameters, keyed by the exact names and losses of the observations they were
 *   fitted on. The fit has two stages (see `hyperparameter-fit.ts`): a multi-start coarse fit on
 *   at most {@link COARSE_POINTS} observations chosen by name hash, refined on the fit set (all
 *   observations up to {@link fitPoints}; beyond, the best quarter and a hash-chosen rest). Hash
 *   choice means a new trial changes a set only when it enters it, so at large histories most
 *   calls skip the fit, and the refinement starts from a memoised coarse fit;
 * - the last posterior's Cholesky factor, whose leading rows are reused when the hyperparameters
 *   and the leading points agree bit for bit (see `GpPosterior`), which is exactly what a fresh
 *   factorisation would compute. Within a call every fantasy is appended this way in O(n²).
 * The designer has no `dump()`: what it would save is the history itself, which every call brings,
 * plus memos that are cheap to recompute. After a restart (a cache miss) the policy builds a fresh
 * designer from the whole history, which by the above gives the same suggestions.
 */
import type { Assignment } from '../../api/search-space.js';
import type { DesignerContext } from '../algorithm-definition.js';
import { productSpace, type ProductSpace } from '../codec/product-space.js';
import { createSpaceCodec, type SpaceCodec } from '../codec/space-codec.js';
import {
  isObserved,
  lossOf,
  type ActiveTrial,
  type Designer,
  type Suggestion,
  type TrialDelta,
} from '../designer.js';
import { assignmentKey } from '../random/index.js';
import { Rng, hash32 } from '../rng.js';
import type { AcquisitionKind } from './acquisition.js';
import { acquisitionScore } from './acquisition.js';
import {
  candidatePoints,
  coordinateCandidates,
  predictAll,
  refineAcquisition,
  topIndices,
  type ScoredPoint,
} from './acquisition-optimizer.js';
import type { BayesOptSettings } from './bayesopt-settings.js';
import { GpPosterior } from './gaussian-process.js';
import { COARSE_POINTS, coarseFit, refineFit } from './hyperparameter-fit.js';
import type { HyperVector } from './hyperparameters.js';
import { latinHypercube } from './latin-hypercube.js';
import { transformOutputs } from './output-transform.js';

/** Algorithm name, also the random stream's key. */
const NAME = 'bayesianoptimization';
/**
 * Most observations the hyperparameters are fitted on below {@link HIGH_DIMENSION} unit-cube
 * dimensions. The refit runs on every call whose fit set changed (in a converging run, nearly every
 * call: each new best point joins the best quarter), and one likelihood evaluation costs
 * O(points³): timing the parts of warm calls at 300 observations in 6-D (the latency benchmark's
 * history), the fit took 35 of 89 ms at 128 points and 17 ms at 100. Up to 100 observations (every ≤ 6-D problem of the quality benchmark) the fit
 * sees every observation.
 */
export const FIT_POINTS = 100;
/**
 * Most observations the hyperparameters are fitted on from {@link HIGH_DIMENSION} dimensions on,
 * where there are d + 2 of them to fit: on Levy-10D (300 trials, 15 seeds, sequential) 100 points
 * left the GP significantly behind Optuna's CMA-ES (median regret 1.98, better on 3 of 15 seeds,
 * p = 0.009), 128 did not (1.77, 6 of 15, p = 0.11).
 */
export const HIGH_DIMENSION_FIT_POINTS = 128;
/** Most observations the posterior is conditioned on (a subset chosen like the fit's beyond it). */
export const POSTERIOR_POINTS = 1000;
/** Budget of kernel work for scoring candidates: candidates ≈ this / (n² + n·d). */
const CANDIDATE_BUDGET = 2e7;
const MIN_CANDIDATES = 128;
const MAX_CANDIDATES = 2000;
/**
 * Candidates refined by L-BFGS per acquisition: three up to 150 observations, then as many as keep
 * the refinement's kernel work (∝ n² per step) at most about that at 150 (two up to 212, then one).
 */
const refinedCount = (n: number): number => Math.max(1, Math.min(3, Math.round(3 * (150 / n) ** 2)));
/** L-BFGS iterations of one refinement. */
const REFINE_ITERATIONS = 20;
/** Best-scored candidates also projected and rescored. */
const RESCORED = 16;
/** Incumbents whose neighbourhoods seed half of the candidates. */
const INCUMBENTS = 5;
/** Exclusion radius around pending points: this share of the shortest length-scale… */
const PENDING_RADIUS_SHARE = 0.1;
/** …but at most this (unit-cube distance). */
const PENDING_RADIUS_MAX = 0.05;
/**
 * From this many unit-cube dimensions on, candidates are coordinate perturbations of the incumbent
 * (see `coordinateCandidates`) and are not refined by L-BFGS: in 10-D, uniform candidates and
 * gradient steps that move every coordinate at once end in the high-variance corners of the cube
 * (Levy-10D, 300 trials, seeds 1–12, sequential: median regret 4.9 before, 1.3 with them).
 */
export const HIGH_DIMENSION = 8;
/** Most observations the hyperparameters of a model with `d` unit-cube dimensions are fitted on. */
export function fitPoints(d: number): number {
  return d >= HIGH_DIMENSION ? HIGH_DIMENSION_FIT_POINTS : FIT_POINTS;
}
/** Expected number of coordinates a high-dimensional candidate changes. */
const PERTURBED_COORDINATES = 2;
/** Hoffman et al.'s softmax temperature (skopt's `eta`). */
const HEDGE_ETA = 1;

/** A completed trial as the designer keeps it. */
export interface KnownTrial {
  readonly name: string;
  readonly assignment: Assignment;
  /** Loss (objective, negated for maximize); undefined when the trial taught nothing. */
  readonly loss: number | undefined;
}

/** Total order on trial names: shorter first, then by UTF-16 code units (so `t9` < `t10`). */
export function compareNames(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function nameHash(name: string): number {
  const codes: number[] = [];
  for (let i = 0; i < name.length; i++) codes.push(name.charCodeAt(i));
  return hash32(0x5bd1e995, ...codes);
}

/**
 * A deterministic subset of at most `limit` of the (canonically ordered) observations: the best
 * quarter by loss, and the rest by smallest name hash — so a new trial changes it only when it
 * enters one of the two groups. Returned in canonical order.
 */
export function observationSubset(
  observations: readonly KnownTrial[],
  limit: number,
  bestShare = 0.25,
): KnownTrial[] {
  if (observations.length <= limit) return [...observations];
  const byLoss = observations
    .map((r, i) => i)
    .sort((a, b) => (observations[a]!.loss as number) - (observations[b]!.loss as number) || a - b);
  const chosen = new Set(byLoss.slice(0, Math.floor(limit * bestShare)));
  const rest = observations
    .map((r, i) => ({ i, h: nameHash(r.name) }))
    .filter((e) => !chosen.has(e.i))
    .sort((a, b) => a.h - b.h || a.i - b.i);
  for (const e of rest.slice(0, limit - chosen.size)) chosen.add(e.i);
  return [...chosen].sort((a, b) => a - b).map((i) => observations[i]!);
}

/** The model of one `suggest` call: real observations plus fantasies. */
interface Model {
  posterior: GpPosterior;
  /** Best (smallest) transformed loss among the observations and fantasies. */
  best: number;
  readonly incumbents: readonly Float64Array[];
  /** Points with a fantasised value (running trials, this batch's picks). */
  readonly pending: Float64Array[];
  /** Exclusion radius around pending points, in the unit cube. */
  readonly radius: number;
}

/** Katib's `bayesianoptimization` designer. */
export class BayesOptDesigner implements Designer {
  private readonly codec: SpaceCodec;
  private readonly product: ProductSpace;
  private readonly settings: BayesOptSettings;
  private readonly records = new Map<string, KnownTrial>();
  private active: readonly ActiveTrial[] = [];
  private suggestionCount = 0;
  private fitMemo: { key: string; theta: HyperVector } | undefined;
  private coarseMemo: { key: string; theta: HyperVector } | undefined;
  private lastPosterior: GpPosterior | undefined;
  private design: Float64Array[] | undefined;

  constructor(private readonly ctx: DesignerContext<BayesOptSettings>) {
    this.codec = createSpaceCodec(ctx.space, { discrete: 'value' });
    this.product = productSpace(ctx.space, { distinct: true });
    this.settings = ctx.settings;
  }

  update(delta: TrialDelta): void {
    for (const t of delta.completed) {
      const loss = isObserved(t) ? lossOf(t.objective, this.ctx.objective.type) : undefined;
      this.records.set(t.name, {
        name: t.name,
        assignment: t.assignment,
        loss: loss !== undefined && Number.isFinite(loss) ? loss : undefined,
      });
    }
    this.active = delta.active;
    this.suggestionCount = delta.suggestionCount;
  }

  suggest(count: number): readonly Suggestion[] {
    const rng = Rng.derive(this.ctx.seed, NAME, this.suggestionCount);
    const space = this.ctx.space;
    const taken = new Set<string>();
    for (const r of this.records.values()) taken.add(assignmentKey(space, r.assignment));
    const activeSorted = [...this.active].sort((a, b) => compareNames(a.name, b.name));
    for (const a of activeSorted) taken.add(assignmentKey(space, a.assignment));
    const observations = [...this.records.values()]
      .filter((r) => r.loss !== undefined)
      .sort((a, b) => compareNames(a.name, b.name));

    // Points waiting for a value: running trials, then this batch's picks (fantasies once a model exists).
    const pending: Float64Array[] = activeSorted.map((a) => this.unitOf(a.assignment));
    let model: Model | undefined;
    let fantasised = 0;
    const out: Suggestion[] = [];
    const batch = new Set<string>();
    for (let i = 0; i < count; i++) {
      const ordinal = this.suggestionCount + i;
      let assignment: Assignment | undefined;
      if (ordinal < this.settings.nInitialPoints) {
        const a = this.decodeUnit(this.initialDesign()[ordinal] as Float64Array);
        if (!taken.has(assignmentKey(space, a))) assignment = a;
      } else if (observations.length >= 2) {
        model ??= this.buildModel(observations);
        for (; fantasised < pending.length; fantasised++)
          this.fantasise(model, pending[fantasised] as Float64Array);
        assignment = this.proposeFromModel(model, rng, taken);
      }
      assignment ??= this.randomUnused(rng, taken, batch);
      const key = assignmentKey(space, assignment);
      taken.add(key);
      batch.add(key);
      pending.push(this.unitOf(assignment));
      out.push({ assignment });
    }
    return out;
  }

  /** The point of an assignment in the unit cube. */
  private unitOf(a: Assignment): Float64Array {
    return this.codec.toUnit(this.codec.encode(a));
  }

  private decodeUnit(u: ArrayLike<number>): Assignment {
    return this.codec.decode(this.codec.fromUnit(u));
  }

  private initialDesign(): Float64Array[] {
    this.design ??= latinHypercubeFor(this.codec, this.settings.nInitialPoints, this.ctx.seed);
    return this.design;
  }

  private buildModel(all: readonly KnownTrial[]): Model {
    const d = this.codec.dimensions;
    const used = observationSubset(all, POSTERIOR_POINTS);
    const n = used.length;
    const points = new Float64Array(n * d);
    used.forEach((r, i) => points.set(this.unitOf(r.assignment), i * d));
    const y = transformOutputs(Float64Array.from(used, (r) => r.loss as number));
    const theta = this.hyperparameters(all);
    const posterior = GpPosterior.condition(points, n, d, y, theta, this.lastPosterior);
    this.lastPosterior = posterior;
    let best = Infinity;
    for (let i = 0; i < n; i++) best = Math.min(best, y[i] as number);
    const incumbents = topIndices(
      Float64Array.from(y, (v) => -v),
      Math.min(INCUMBENTS, n),
    ).map((i) => points.slice(i * d, i * d + d));
    // Keep a batch apart: a tenth of the shortest length-scale (the model's unit of "near"), at most 0.05.
    let shortest = Infinity;
    for (let k = 0; k < d; k++) shortest = Math.min(shortest, Math.exp(theta[k] as number));
    const radius = Math.min(PENDING_RADIUS_MAX, PENDING_RADIUS_SHARE * shortest);
    return { posterior, best, incumbents, pending: [], radius };
  }

  /**
   * MAP hyperparameters: a multi-start coarse fit on at most {@link COARSE_POINTS} observations
   * chosen by name hash (so it changes only when a new trial enters that set), refined on the fit
   * subset. Both memoised by their sets' exact names and losses.
   */
  private hyperparameters(all: readonly KnownTrial[]): HyperVector {
    const subset = observationSubset(all, fitPoints(this.codec.dimensions));
    const key = JSON.stringify(subset.map((r) => [r.name, r.loss]));
    if (this.fitMemo?.key === key) return this.fitMemo.theta;
    const coarse = observationSubset(all, COARSE_POINTS, 0);
    const coarseKey = JSON.stringify(coarse.map((r) => [r.name, r.loss]));
    let start = this.coarseMemo?.key === coarseKey ? this.coarseMemo.theta : undefined;
    if (!start) {
      const { points, y } = this.trainingData(coarse);
      start = coarseFit(points, coarse.length, this.codec.dimensions, y);
      this.coarseMemo = { key: coarseKey, theta: start };
    }
    let theta = start;
    if (subset.length > coarse.length) {
      const { points, y } = this.trainingData(subset);
      theta = refineFit(points, subset.length, this.codec.dimensions, y, start);
    }
    this.fitMemo = { key, theta };
    return theta;
  }

  /** Unit-cube points and transformed losses of some observations, in their order. */
  private trainingData(records: readonly KnownTrial[]): { points: Float64Array; y: Float64Array } {
    const d = this.codec.dimensions;
    const points = new Float64Array(records.length * d);
    records.forEach((r, i) => points.set(this.unitOf(r.assignment), i * d));
    return { points, y: transformOutputs(Float64Array.from(records, (r) => r.loss as number)) };
  }

  /** Kriging believer: observe `x` at its current posterior mean. */
  private fantasise(model: Model, x: Float64Array): void {
    const mean = model.posterior.predict(x).mean;
    model.posterior = model.posterior.append(x, mean);
    model.best = Math.min(model.best, mean);
    model.pending.push(x);
  }

  private acquisitionKinds(): readonly AcquisitionKind[] {
    switch (this.settings.acqFunc) {
      case 'gp_hedge':
        return ['EI', 'PI', 'LCB'];
      case 'EI':
      case 'EIps':
        return ['EI'];
      case 'PI':
      case 'PIps':
        return ['PI'];
      case 'LCB':
        return ['LCB'];
    }
  }

  /** The next assignment from the model (not in `taken`), or undefined when every candidate is taken. */
  private proposeFromModel(model: Model, rng: Rng, taken: ReadonlySet<string>): Assignment | undefined {
    const { posterior, best } = model;
    const d = this.codec.dimensions;
    const n = posterior.n;
    const budget = Math.floor(CANDIDATE_BUDGET / (n * n + n * d + 1));
    const count = Math.max(MIN_CANDIDATES, Math.min(MAX_CANDIDATES, budget));
    const far = (x: Float64Array): boolean => isFarFrom(x, model.pending, model.radius);
    const high = d >= HIGH_DIMENSION && model.incumbents.length > 0;
    const candidates = (
      high
        ? coordinateCandidates(count, model.incumbents[0] as Float64Array, PERTURBED_COORDINATES, rng)
        : candidatePoints(count, d, model.incumbents, rng)
    ).filter(far);
    const predictions = predictAll(posterior, candidates);
    const refine = this.settings.acqOptimizer !== 'sampling' && !high;
    const nominees: { assignment: Assignment; x: Float64Array }[] = [];
    for (const kind of this.acquisitionKinds()) {
      const scores = Float64Array.from(predictions, (p) => acquisitionScore(kind, p.mean, p.variance, best));
      const order = topIndices(scores, RESCORED);
      const pool: ScoredPoint[] = order.map((i) => ({
        x: candidates[i] as Float64Array,
        score: scores[i] as number,
      }));
      if (refine) {
        for (const i of order.slice(0, refinedCount(n)))
          pool.push(
            refineAcquisition(kind, posterior, best, candidates[i] as Float64Array, REFINE_ITERATIONS),
          );
      }
      // Score the feasible points that would actually run; prefer those away from pending points.
      const ranked = pool
        .map((p) => {
          const assignment = this.decodeUnit(p.x);
          const x = this.unitOf(assignment);
          const pred = posterior.predict(x);
          return {
            assignment,
            x,
            far: far(x),
            score: acquisitionScore(kind, pred.mean, pred.variance, best),
          };
        })
        .sort((a, b) => Number(b.far) - Number(a.far) || b.score - a.score);
      const pick = ranked.find((r) => !taken.has(assignmentKey(this.ctx.space, r.assignment)));
      if (pick) nominees.push(pick);
    }
    if (nominees.length === 0) return undefined;
    if (nominees.length === 1) return nominees[0]!.assignment;
    // GP-Hedge (Hoffman, Brochu & de Freitas, UAI 2011): choose a nominee with probability
    // ∝ exp(η·gain), the gain being −μ at the nominee (see the docs for why the gains are not
    // accumulated across calls).
    const gains = nominees.map((c) => -posterior.predict(c.x).mean);
    const top = Math.max(...gains);
    const weights = gains.map((g) => Math.exp(HEDGE_ETA * (g - top)));
    const total = weights.reduce((s, w) => s + w, 0);
    let u = rng.next() * total;
    for (let i = 0; i < nominees.length; i++) {
      u -= weights[i] as number;
      if (u < 0) return nominees[i]!.assignment;
    }
    return nominees[nominees.length - 1]!.assignment;
  }

  /**
   * A random assignment outside `taken` when the space has one; otherwise one outside this batch,
   * and only when the whole space is in the batch, any.
   */
  private randomUnused(rng: Rng, taken: ReadonlySet<string>, batch: ReadonlySet<string>): Assignment {
    const space = this.ctx.space;
    const draw = (): Assignment => {
      const u = new Float64Array(this.codec.dimensions);
      for (let j = 0; j < u.length; j++) u[j] = rng.next();
      return this.decodeUnit(u);
    };
    for (const avoid of [taken, batch]) {
      for (let attempt = 0; attempt < 32; attempt++) {
        const a = draw();
        if (!avoid.has(assignmentKey(space, a))) return a;
      }
      if (this.product.enumerable && this.product.size <= 1e5) {
        const free: number[] = [];
        for (let i = 0; i < this.product.size; i++) {
          if (!avoid.has(assignmentKey(space, this.product.at(i)))) free.push(i);
        }
        if (free.length > 0) return this.product.at(free[rng.int(0, free.length - 1)] as number);
      }
    }
    return draw();
  }
}

/** True when `x` is at least `radius` away from every point of `others`. */
function isFarFrom(x: Float64Array, others: readonly Float64Array[], radius: number): boolean {
  const r2 = radius * radius;
  for (const o of others) {
    let s = 0;
    for (let k = 0; k < x.length; k++) s += ((x[k] as number) - (o[k] as number)) ** 2;
    if (s < r2) return false;
  }
  return true;
}

/** The initial design for a seed: a maximin Latin hypercube of `count` points. */
function latinHypercubeFor(codec: SpaceCodec, count: number, seed: number): Float64Array[] {
  return count > 0 ? latinHypercube(codec, count, Rng.derive(seed, NAME, 'initial-design')) : [];
}
