/**
 * What an algorithm author implements: a Designer, Vizier's split of the search algorithm from
 * the service around it (vizier/_src/algorithms/core/abstractions.py). The designer sees trials
 * as plain values, never the store or the transport; one generic `DesignerPolicy` restores it,
 * feeds it the trials it has not seen, asks for suggestions and saves it.
 *
 * Call sequence, for one experiment:
 * ```text
 * d = create(ctx)                    // or restore(ctx, dump) after a restart
 * d.update({ completed: [t1, t2], active: [t3], suggestionCount: 3 })
 * d.suggest(2)                       // → 2 assignments, none near t3
 * // t3 completes, the two suggestions become t4 (done) and t5 (running)
 * d.update({ completed: [t3, t4], active: [t5], suggestionCount: 5 })   // completed is a delta
 * d.suggest(1)
 * ```
 */
import type { Observation } from '../api/experiment.js';
import type { Assignment } from '../api/search-space.js';
import type { TrialPhase } from '../api/trial.js';

/** A trial that has finished (any terminal phase), as the designer sees it. */
export interface CompletedTrial {
  readonly name: string;
  /** The trial's parameters, parsed (numbers for double/int/discrete, strings for categorical). */
  readonly assignment: Assignment;
  readonly labels: Readonly<Record<string, string>>;
  /** Succeeded, EarlyStopped, Failed, Killed or MetricsUnavailable. */
  readonly phase: TrialPhase;
  /**
   * The objective metric's value chosen by its metric strategy; `undefined` when the trial did not
   * report it. Katib's services learn only from Succeeded and EarlyStopped trials with a value
   * (see {@link isObserved}).
   */
  readonly objective?: number;
  readonly observation?: Observation;
}

/** A trial that is pending or running: its point is taken, its value unknown. */
export interface ActiveTrial {
  readonly name: string;
  readonly assignment: Assignment;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * What the designer learns between calls. `completed` is a delta: only trials finished since the
 * previous update. `active` is the full set of pending and running trials, replacing the last one.
 */
export interface TrialDelta {
  readonly completed: readonly CompletedTrial[];
  readonly active: readonly ActiveTrial[];
  /**
   * Assignments handed out over the experiment's life before the coming `suggest` (Katib's
   * Suggestion `status.suggestionCount`). Designers derive per-call random streams from it, so a
   * stateless service and the embedded engine draw the same numbers.
   */
  readonly suggestionCount: number;
}

/** One suggested trial. */
export interface Suggestion {
  /** Feasible values for every parameter of the space. */
  readonly assignment: Assignment;
  /** Labels for the new trial (pbt generation, hyperband bracket, …). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Katib's optional trial-name override. */
  readonly trialName?: string;
}

/**
 * A search algorithm, pure for a given seed and history (Vizier's `Designer`). Implementations
 * must use the seeded `Rng` (never `Math.random`) and no I/O.
 */
export interface Designer {
  /** Learns from newly completed trials and the current active set. Called before every `suggest`. */
  update(delta: TrialDelta): void;
  /**
   * Up to `count` assignments inside the space, distinct from each other and from the active
   * trials when the space allows. Fewer than `count` when the space is exhausted (grid), or —
   * for designers that implement {@link Designer.exhausted} — while the designer waits for active
   * trials to finish (a hyperband rung, a pbt generation).
   */
  suggest(count: number): readonly Suggestion[];
  /**
   * After a `suggest` that returned fewer than asked: `true` when the designer will never
   * suggest again (the experiment ends with ExperimentSuggestionEndReached once its trials
   * finish), `false` when it only waits for active trials and will suggest more once they
   * complete. Designers without this method are exhausted whenever they answer short.
   */
  exhausted?(): boolean;
}

/**
 * A designer whose knowledge survives restarts: `dump()` after `suggest`, the algorithm
 * definition's `restore` before the next call. The dump must be JSON-safe and should carry a
 * version of its own format.
 */
export interface StatefulDesigner extends Designer {
  dump(): unknown;
}

/** True when the designer is a {@link StatefulDesigner}. */
export function isStatefulDesigner(d: Designer): d is StatefulDesigner {
  return typeof (d as Partial<StatefulDesigner>).dump === 'function';
}

/**
 * True when Katib's services would learn from the trial: it Succeeded or was EarlyStopped and
 * reported the objective metric (katib-reference.md §5 intro).
 */
export function isObserved(t: CompletedTrial): t is CompletedTrial & { readonly objective: number } {
  return (t.phase === 'Succeeded' || t.phase === 'EarlyStopped') && t.objective !== undefined;
}

/** The value to minimise: the objective, negated for `maximize` (hyperopt's and skopt's convention). */
export function lossOf(objective: number, type: 'minimize' | 'maximize'): number {
  return type === 'maximize' ? -objective : objective;
}
