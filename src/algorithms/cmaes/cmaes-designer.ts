/**
 * The CMA-ES designer: Hansen's ask/tell loop rebuilt from Katib's trial list.
 *
 * Generations are made of *slots*. Slot j of generation g of run r is a sample drawn from the
 * distribution of that generation with the random stream (seed, r, g, j), so the whole sequence
 * of slots is a function of the seed and of the losses told so far; decoded through the codec,
 * each slot names an assignment. Which trials belong to which slot needs no bookkeeping: a slot
 * is *filled* by any trial with its assignment.
 * - `suggest` hands out, in slot order, the assignments of slots that no trial (completed or
 *   active) and no earlier suggestion of the batch fills. The first λ slots are the generation's
 *   members; while some of them are still running, further suggestions come from slots λ, λ+1, …
 *   of the same distribution (extras; see below for how they join the update).
 * - When every one of the λ member slots is filled by a completed trial, the generation is told:
 *   ranked by loss (the minimised objective; Failed, Killed, MetricsUnavailable and EarlyStopped
 *   trials without a value rank last), the mean, the paths, C and σ are updated, and the next
 *   generation begins. A member slot may be filled by an older trial (an integer space revisits
 *   points): its known loss is reused, no evaluation is repeated.
 * - Extra slots are not wasted when the space has a continuous coordinate: those handed out
 *   while a generation waited (the filled slots right after its members) become the first members
 *   of the next generation, injected with their steps shortened as Hansen's "Injecting External
 *   Solutions Into CMA-ES" (2011) prescribes. With trials running in parallel a generation then
 *   costs λ trials, as sequentially, instead of λ plus the stragglers' overlap.
 * - Elitism by injection (the same paper's use of injection): when the run's best point so far
 *   is not a member and beats the generation's worst member, it takes that member's place in the
 *   update, so that with budgets of a few hundred trials the mean never drifts away from the best
 *   region found.
 * - When the run meets a termination criterion the restart schedule starts the next run.
 *
 * Since filling only grows as trials are added, the state after any history is the same whether
 * the trials arrived one at a time (the cached designer tells each generation as soon as it is
 * complete) or all at once (a fresh designer replays every generation): the statelessness Katib's
 * protocol needs, at O(new trials) per call when cached.
 *
 * Suggestions are labelled `cmaes.katib-ts/run` (0 for the first run, then one more per restart)
 * and `cmaes.katib-ts/generation` (the generation within the run) for people; the designer itself
 * never reads labels.
 *
 * A generation whose members all land on points earlier generations of the run already told is
 * "stale"; after {@link STALE_LIMIT} stale generations in a row the run restarts, whatever the
 * strategy (with `none` at the same population size), since it can only revisit known points.
 */
import type { Assignment } from '../../api/search-space.js';
import type { DesignerContext } from '../algorithm-definition.js';
import { pickUnusedPoint, productSpace, type ProductSpace } from '../codec/product-space.js';
import { createSpaceCodec, type SpaceCodec } from '../codec/space-codec.js';
import {
  isObserved,
  lossOf,
  type CompletedTrial,
  type Designer,
  type Suggestion,
  type TrialDelta,
} from '../designer.js';
import { assignmentKey } from '../random/index.js';
import { Rng } from '../rng.js';

import { CmaDistribution, compareLoss, type CoordinateKind, type RankedStep } from './cma-distribution.js';
import { coordinateKinds } from './coordinates.js';
import { RestartSchedule, type RestartStrategy, type RunPlan } from './restart-schedule.js';
import { defaultPopulationSize } from './strategy-parameters.js';

/** The settings the designer needs. */
export interface CmaesDesignerSettings {
  /** Initial σ in unit-cube coordinates. */
  readonly sigma: number;
  readonly restartStrategy: RestartStrategy;
}

/** Stale generations in a row before a run restarts. */
export const STALE_LIMIT = 3;

/** Slots already filled, scanned past in one suggestion before it falls back to an unused point. */
const SCAN_LIMIT = 256;

/** Generations told in one update at most (a guard; a sane history never comes close). */
const MAX_GENERATIONS_PER_UPDATE = 10_000;

/** Draws of a random unused point in a space too large to enumerate. */
const FALLBACK_DRAWS = 64;

/**
 * Whether extra slots may join the next generation: only when some coordinate is a continuous
 * double with a range, so that every sample decodes to an assignment of its own and a slot is
 * filled only by the trial made from it (in integer and list spaces a later trial may coincide with
 * a slot that was never handed out, and replaying the history could then count it as an extra).
 */
function canInject(codec: SpaceCodec): boolean {
  return codec.encodings.some((e) => {
    const [low, high] = codec.bounds[e.offset] ?? [0, 0];
    return e.kind === 'continuous' && high - low > 1e-9 * Math.max(1, Math.abs(low), Math.abs(high));
  });
}

/** The best point of a run: its unit-cube point, assignment key and loss. */
interface Elite {
  readonly x: Float64Array;
  readonly key: string;
  readonly loss: number;
}

/** One sample of a generation, decoded. */
interface Slot {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly assignment: Assignment;
  readonly key: string;
}

/** The CMA-ES designer (see the module comment). */
export class CmaesDesigner implements Designer {
  private readonly codec: SpaceCodec;
  private readonly kinds: readonly CoordinateKind[];
  private readonly product: ProductSpace;
  private readonly schedule: RestartSchedule;
  /** Loss of every completed assignment (the best, if several trials share one); ∞ when failed. */
  private readonly losses = new Map<string, number>();
  private readonly completedIndices = new Set<number>();
  private activeKeys = new Set<string>();
  private activeIndices = new Set<number>();
  private suggestionCount = 0;

  private plan: RunPlan;
  private distribution: CmaDistribution;
  /** Slots of the current generation drawn so far. */
  private slots: Slot[] = [];
  /** Members of the current generation carried over from the previous one (its extra slots). */
  private injected: Slot[] = [];
  /** Whether extra slots are carried into the next generation (see {@link canInject}). */
  private readonly inject: boolean;
  /** Assignments told in earlier generations of the current run. */
  private told = new Set<string>();
  private staleGenerations = 0;
  /** The best member told so far in the current run. */
  private elite: Elite | undefined;

  constructor(private readonly ctx: DesignerContext<CmaesDesignerSettings>) {
    this.codec = createSpaceCodec(ctx.space, { discrete: 'index' });
    this.kinds = coordinateKinds(this.codec);
    this.product = productSpace(ctx.space, { distinct: true });
    const n = this.codec.dimensions;
    this.schedule = new RestartSchedule(
      ctx.settings.restartStrategy,
      n,
      defaultPopulationSize(n),
      ctx.settings.sigma,
      ctx.seed,
    );
    this.inject = canInject(this.codec);
    this.plan = this.schedule.first();
    this.distribution = this.startRun(this.plan);
  }

  update(delta: TrialDelta): void {
    for (const t of delta.completed) this.record(t);
    this.activeKeys = new Set();
    this.activeIndices = new Set();
    for (const t of delta.active) {
      this.activeKeys.add(this.key(t.assignment));
      const i = this.indexOf(t.assignment);
      if (i !== undefined) this.activeIndices.add(i);
    }
    this.suggestionCount = delta.suggestionCount;
    this.advance();
  }

  suggest(count: number): readonly Suggestion[] {
    const batch = new Set<string>();
    const taken = (k: string): boolean => this.losses.has(k) || this.activeKeys.has(k) || batch.has(k);
    // Product indices taken by the batch and by active trials not yet completed (finite spaces).
    const extraUsed = new Set<number>();
    if (this.product.enumerable) {
      for (const i of this.activeIndices) if (!this.completedIndices.has(i)) extraUsed.add(i);
    }
    const usedCount = (): number => this.completedIndices.size + extraUsed.size;
    const out: Suggestion[] = [];
    const labels = {
      'cmaes.katib-ts/run': String(this.plan.restart),
      'cmaes.katib-ts/generation': String(this.distribution.generation),
    };
    let j = 0;
    for (let i = 0; i < count; i++) {
      // A finite space with every point taken: nothing new to try, for good.
      if (this.product.enumerable && usedCount() >= this.product.size) break;
      let chosen: Assignment | undefined;
      for (let scanned = 0; scanned < SCAN_LIMIT; scanned++, j++) {
        const slot = this.slot(j);
        if (!taken(slot.key)) {
          chosen = slot.assignment;
          j++;
          break;
        }
      }
      chosen ??= this.unusedPoint(taken, extraUsed, i);
      batch.add(this.key(chosen));
      const index = this.indexOf(chosen);
      if (index !== undefined && !this.completedIndices.has(index)) extraUsed.add(index);
      out.push({ assignment: chosen, labels });
    }
    return out;
  }

  /** Records one completed trial's loss under its assignment. */
  private record(t: CompletedTrial): void {
    const k = this.key(t.assignment);
    const loss =
      isObserved(t) && Number.isFinite(t.objective) ? lossOf(t.objective, this.ctx.objective.type) : Infinity;
    const previous = this.losses.get(k);
    this.losses.set(k, previous === undefined ? loss : Math.min(previous, loss));
    const i = this.indexOf(t.assignment);
    if (i !== undefined) this.completedIndices.add(i);
  }

  /** Tells every generation whose members are all completed, restarting runs as they stop. */
  private advance(): void {
    // With every point of a finite space evaluated there is nothing left to learn.
    if (this.product.enumerable && this.completedIndices.size >= this.product.size) return;
    for (let told = 0; told < MAX_GENERATIONS_PER_UPDATE; told++) {
      const lambda = this.distribution.lambda;
      const own = lambda - this.injected.length;
      const members: Slot[] = [...this.injected];
      for (let j = 0; j < own; j++) members.push(this.slot(j));
      if (!members.every((s) => this.losses.has(s.key))) return;
      const steps = members.map((s, i) => ({
        y: i < this.injected.length ? this.distribution.injectedStep(s.x) : s.y,
        loss: this.losses.get(s.key) as number,
      }));
      this.injectElite(members, steps);
      // The extra slots handed out while the members ran: those contiguous after the members
      // that a trial fills (drawn before the update changes the distribution).
      const extras: Slot[] = [];
      if (this.inject) {
        for (let j = own; extras.length < lambda; j++) {
          const slot = this.slot(j);
          if (!this.losses.has(slot.key) && !this.activeKeys.has(slot.key)) break;
          extras.push(slot);
        }
      }
      const stale = members.every((s) => this.told.has(s.key));
      this.distribution.tell(steps);
      this.schedule.spend(this.plan, lambda);
      for (const s of members) this.told.add(s.key);
      this.staleGenerations = stale ? this.staleGenerations + 1 : 0;
      this.slots = [];
      this.injected = extras;
      const stop = this.distribution.stopReason();
      const restart =
        this.staleGenerations >= STALE_LIMIT ||
        (stop !== undefined && this.ctx.settings.restartStrategy !== 'none');
      if (restart) {
        this.plan = this.schedule.next(this.plan);
        this.distribution = this.startRun(this.plan);
      }
    }
  }

  /**
   * Elitism by injection: the run's best member so far replaces this generation's worst member
   * when it is better (and not a member already), so the update never forgets the best point.
   * Then the elite is updated from the members.
   */
  private injectElite(members: readonly Slot[], steps: RankedStep[]): void {
    const elite = this.elite;
    if (elite && !members.some((m) => m.key === elite.key)) {
      let worst = 0;
      steps.forEach((st, i) => {
        if (compareLoss(st.loss, (steps[worst] as RankedStep).loss) >= 0) worst = i;
      });
      if (compareLoss(elite.loss, (steps[worst] as RankedStep).loss) < 0) {
        steps[worst] = { y: this.distribution.injectedStep(elite.x), loss: elite.loss };
      }
    }
    for (const m of members) {
      const loss = this.losses.get(m.key) as number;
      if (!this.elite || compareLoss(loss, this.elite.loss) < 0) this.elite = { x: m.x, key: m.key, loss };
    }
  }

  private startRun(plan: RunPlan): CmaDistribution {
    this.elite = undefined;
    this.slots = [];
    this.injected = [];
    this.told = new Set();
    this.staleGenerations = 0;
    return new CmaDistribution({
      mean: plan.mean,
      sigma: plan.sigma,
      lambda: plan.lambda,
      coordinates: this.kinds,
    });
  }

  /** Slot j of the current generation (drawn on first use). */
  private slot(j: number): Slot {
    for (let k = this.slots.length; k <= j; k++) {
      const rng = Rng.derive(this.ctx.seed, 'cmaes', this.plan.restart, this.distribution.generation, k);
      const { x, y } = this.distribution.sample(rng);
      const assignment = this.codec.decode(this.codec.fromUnit(x));
      this.slots.push({ x, y, assignment, key: this.key(assignment) });
    }
    return this.slots[j] as Slot;
  }

  /**
   * A point no trial holds, when the slots keep landing on taken ones: a random unused
   * combination of a finite space, or random draws; a taken slot point only if both fail.
   */
  private unusedPoint(taken: (k: string) => boolean, extraUsed: ReadonlySet<number>, i: number): Assignment {
    const rng = Rng.derive(this.ctx.seed, 'cmaes', 'fallback', this.suggestionCount, i);
    const picked = this.product.enumerable
      ? pickUnusedPoint(this.product, new Set([...this.completedIndices, ...extraUsed]), rng)
      : undefined;
    if (picked) return picked;
    let a: Assignment = this.slot(0).assignment;
    for (let d = 0; d < FALLBACK_DRAWS; d++) {
      const u = Float64Array.from({ length: this.codec.dimensions }, () => rng.next());
      a = this.codec.decode(this.codec.fromUnit(u));
      if (!taken(this.key(a))) return a;
    }
    return a;
  }

  private key(a: Assignment): string {
    return assignmentKey(this.ctx.space, a);
  }

  private indexOf(a: Assignment): number | undefined {
    return this.product.enumerable ? this.product.indexOf(a) : undefined;
  }
}
