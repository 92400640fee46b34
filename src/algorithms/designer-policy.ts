/**
 * The one generic wrapper around every designer (Vizier's `SerializableDesignerPolicy`):
 * restore the designer from the saved state, or create it → `update` with only the trials it has
 * not seen (the delta, tracked by trial name in the state) → `suggest(count)` → `dump`.
 *
 * A call at trial 2000 therefore costs what the designer needs for the new trials, not a rebuild
 * of the whole study (Katib's Python services rebuild, or lose everything on restart).
 *
 * An in-memory cache keeps the live designer of recent experiments, so the next call skips even
 * the restore, and the trial list it was last given: the engine hands out frozen trial views that
 * keep their identity while a trial is unchanged, so a cached call looks again only at list slots
 * holding a different object or a trial that was still active (O(n) pointer comparisons, not O(n)
 * phase checks and name lookups). A cached designer is used only when it provably matches the request:
 * - with saved state (embedded engine): the state's `token` is the one this cache entry wrote;
 * - without state (a stateless gRPC caller): the entry has seen only trials that are in the
 *   request, as completed, and the suggestion count matches.
 * Otherwise the designer is restored from the state, or created and fed the whole history. Either
 * way the suggestions are the same: that equivalence is part of the designer conformance suite.
 */
import type { ObjectiveSpec } from '../api/experiment.js';
import { objectiveValue } from '../api/objective-value.js';
import { fromParameterAssignments, type SearchSpace } from '../api/search-space.js';
import type { TrialView } from '../api/trial-view.js';
import { isTerminalPhase } from '../api/trial.js';
import type { AlgorithmDefinition, DesignerContext } from './algorithm-definition.js';
import {
  isStatefulDesigner,
  type ActiveTrial,
  type CompletedTrial,
  type Designer,
  type Suggestion,
} from './designer.js';

/** The policy's part of the algorithm state (stored as `AlgorithmState.designer`). JSON-safe. */
export interface PolicyState {
  /** Format marker and version of this record. */
  readonly format: 'designer-policy/v1';
  /** The algorithm that wrote it; a different algorithm ignores the record. */
  readonly algorithm: string;
  /** Identifies the call that wrote it, to match the in-memory cache. */
  readonly token: string;
  /** Assignments handed out including this call. */
  readonly suggestionCount: number;
  /**
   * Names of the completed trials the saved designer has learned from, in the order it learned
   * them (empty for designers rebuilt from the whole history, which have neither `dump` nor
   * `replayOrder`).
   */
  readonly seen: readonly string[];
  /** The designer's own `dump()`, when it has one. */
  readonly designer?: unknown;
}

/** One call of the policy. */
export interface PolicyRequest<S extends object> {
  readonly definition: AlgorithmDefinition<S>;
  readonly context: DesignerContext<S>;
  /** Identifies the experiment across calls (its uid, or namespace/name): the cache key. */
  readonly experimentKey: string;
  /** Every trial the service was given (all phases but MetricsUnavailable, as Katib sends them). */
  readonly trials: readonly TrialView[];
  /** How many assignments are wanted. */
  readonly count: number;
  /** Assignments handed out before this call (Katib's `suggestionCount`). */
  readonly suggestionCount: number;
  /** `AlgorithmState.designer` from the previous call, if the transport carries state. */
  readonly state?: unknown;
}

/** Where the designer of a call came from (for tests and metrics). */
export type DesignerSource = 'cache' | 'restored' | 'created';

/** What one call produced. */
export interface PolicyResult {
  readonly suggestions: readonly Suggestion[];
  /** The new policy state, to be saved with the trials created from `suggestions`. */
  readonly state: PolicyState;
  readonly source: DesignerSource;
  /**
   * Set when fewer suggestions than asked came back: `true` when the designer will never suggest
   * again, `false` when it waits for active trials (see `Designer.exhausted`).
   */
  readonly exhausted?: boolean;
}

/** Options of {@link DesignerPolicy}. */
export interface DesignerPolicyOptions {
  /**
   * How many experiments' live designers to keep (least recently used are dropped); 0 disables
   * the cache.
   * @default 64
   */
  readonly cacheSize?: number;
  /**
   * Distinguishes this process's tokens from another's writing the same store.
   * @default a value derived from the clock and a counter
   */
  readonly nonce?: string;
}

/** A live designer and what it has seen; `scanned`/`activeSlots` are the trial list as last scanned. */
interface CacheEntry extends PreviousScan {
  readonly designer: Designer;
  readonly seen: Set<string>;
  readonly seenOrder: string[];
  readonly token: string;
  readonly suggestionCount: number;
  readonly contextKey: string;
}

/** A request's trials sorted for the designer: completed views and parsed active trials. */
interface TrialScan {
  /** Completed trials the designer has not learned from yet, parsed. */
  readonly fresh: CompletedTrial[];
  readonly active: ActiveTrial[];
  readonly activeSlots: number[];
}

let policyInstances = 0;

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** Reads a saved policy state; `undefined` when `x` is not one written for `algorithm`. */
export function readPolicyState(x: unknown, algorithm: string): PolicyState | undefined {
  if (!isRecord(x) || x['format'] !== 'designer-policy/v1' || x['algorithm'] !== algorithm) return undefined;
  const seen = x['seen'];
  if (typeof x['token'] !== 'string' || typeof x['suggestionCount'] !== 'number' || !Array.isArray(seen))
    return undefined;
  if (!seen.every((s) => typeof s === 'string')) return undefined;
  return x as unknown as PolicyState;
}

/** A completed trial as the designer sees it: assignment parsed, objective chosen by its strategy. */
export function toCompletedTrial(t: TrialView, space: SearchSpace, objective: ObjectiveSpec): CompletedTrial {
  const value = objectiveValue(t.observation, objective);
  return {
    name: t.name,
    assignment: fromParameterAssignments(space, t.parameterAssignments),
    labels: t.labels,
    phase: t.phase,
    ...(value !== undefined ? { objective: value } : {}),
    ...(t.observation !== undefined ? { observation: t.observation } : {}),
  };
}

/** An active trial as the designer sees it. */
export function toActiveTrial(t: TrialView, space: SearchSpace): ActiveTrial {
  return {
    name: t.name,
    assignment: fromParameterAssignments(space, t.parameterAssignments),
    labels: t.labels,
  };
}

/** Splits trials into completed (terminal phases) and active ones, parsing every assignment. */
export function toDesignerTrials(
  trials: readonly TrialView[],
  space: SearchSpace,
  objective: ObjectiveSpec,
): { readonly completed: CompletedTrial[]; readonly active: ActiveTrial[] } {
  const completed: CompletedTrial[] = [];
  const active: ActiveTrial[] = [];
  for (const t of trials) {
    if (isTerminalPhase(t.phase)) completed.push(toCompletedTrial(t, space, objective));
    else active.push(toActiveTrial(t, space));
  }
  return { completed, active };
}

/**
 * A fresh designer fed the completed trials named by `seen`, in that order (the order a saved
 * designer learned them; see `AlgorithmDefinition.replayOrder`), or undefined when one of them is
 * not a completed trial of the request: the caller then rebuilds from the whole trial list.
 */
function replayed<S extends object>(
  definition: AlgorithmDefinition<S>,
  context: DesignerContext<S>,
  seen: readonly string[],
  completedViews: readonly TrialView[],
  suggestionCount: number,
): Designer | undefined {
  const byName = new Map(completedViews.map((t) => [t.name, t]));
  const completed: CompletedTrial[] = [];
  for (const name of seen) {
    const view = byName.get(name);
    if (view === undefined) return undefined;
    completed.push(toCompletedTrial(view, context.space, context.objective));
  }
  const designer = definition.create(context);
  designer.update({ completed, active: [], suggestionCount });
  return designer;
}

/**
 * Runs designers for the suggestion service: restore or create → update(delta) → suggest → dump,
 * with a cache of live designers. One instance serves many experiments; calls for the same
 * experiment must not overlap (the controller serialises them).
 */
export class DesignerPolicy {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly cacheSize: number;
  private readonly nonce: string;
  private counter = 0;
  /** See `contextKeyOf`. */
  private readonly contextKeys = new WeakMap<
    object,
    {
      readonly algorithm: string;
      readonly settings: object;
      readonly seed: number;
      readonly maxTrialCount: number | null;
      readonly key: string;
    }
  >();

  constructor(options: DesignerPolicyOptions = {}) {
    this.cacheSize = Math.max(0, options.cacheSize ?? 64);
    this.nonce = options.nonce ?? `${Date.now().toString(36)}-${(policyInstances++).toString(36)}`;
  }

  /**
   * What a cached designer must have been created for: the algorithm, seed, settings, space and
   * trial budget, as text. The text is kept with the space object, and reused while the call passes
   * the very same settings object and values (the suggestion service hands out one space and one
   * settings object per stored spec), so the controller's call for each trial does not re-serialise it.
   */
  private contextKeyOf(algorithm: string, context: DesignerContext<object>): string {
    const hit = this.contextKeys.get(context.space);
    const maxTrialCount = context.maxTrialCount ?? null;
    if (
      hit !== undefined &&
      hit.algorithm === algorithm &&
      hit.settings === context.settings &&
      hit.seed === context.seed &&
      hit.maxTrialCount === maxTrialCount
    )
      return hit.key;
    const key = JSON.stringify([algorithm, context.seed, context.settings, context.space, maxTrialCount]);
    if (Object.isFrozen(context.space) && Object.isFrozen(context.settings))
      this.contextKeys.set(context.space, {
        algorithm,
        settings: context.settings,
        seed: context.seed,
        maxTrialCount,
        key,
      });
    return key;
  }

  /** Suggests `count` assignments for one experiment. Errors from the designer propagate unchanged. */
  suggest<S extends object>(req: PolicyRequest<S>): PolicyResult {
    const { definition, context } = req;
    const contextKey = this.contextKeyOf(definition.name, context);
    const saved = readPolicyState(req.state, definition.name);

    // Take the entry out while we work: if anything throws, no half-updated designer stays cached.
    const cached = this.cache.get(req.experimentKey);
    this.cache.delete(req.experimentKey);

    let designer: Designer;
    let seen: Set<string>;
    let seenOrder: string[];
    let source: DesignerSource;
    let scan: TrialScan;
    if (cached && cached.contextKey === contextKey && this.matchesState(cached, saved, req)) {
      designer = cached.designer;
      seen = cached.seen;
      seenOrder = cached.seenOrder;
      source = 'cache';
      scan = scanTrials(req.trials, seen, context.space, context.objective, cached);
    } else {
      const completedViews = req.trials.filter((t) => isTerminalPhase(t.phase));
      if (cached && cached.contextKey === contextKey && this.matchesStateless(cached, req, completedViews)) {
        designer = cached.designer;
        seen = cached.seen;
        seenOrder = cached.seenOrder;
        source = 'cache';
      } else {
        const restored =
          saved === undefined
            ? undefined
            : definition.replayOrder === true
              ? replayed(definition, context, saved.seen, completedViews, req.suggestionCount)
              : saved.designer !== undefined && definition.restore
                ? definition.restore(context, saved.designer)
                : undefined;
        if (restored && saved) {
          designer = restored;
          seenOrder = [...saved.seen];
          seen = new Set(seenOrder);
          source = 'restored';
        } else {
          designer = definition.create(context);
          seenOrder = [];
          seen = new Set();
          source = 'created';
        }
      }
      scan = scanTrials(req.trials, seen, context.space, context.objective);
    }

    const { fresh, active } = scan;
    designer.update({ completed: fresh, active, suggestionCount: req.suggestionCount });
    for (const t of fresh) {
      seen.add(t.name);
      seenOrder.push(t.name);
    }
    const suggestions = req.count > 0 ? designer.suggest(req.count) : [];

    const token = `${this.nonce}.${(this.counter++).toString(36)}`;
    const suggestionCount = req.suggestionCount + suggestions.length;
    // Only a designer that can be restored (from its dump, or by replaying what it saw in order) has
    // state worth saving; any other is rebuilt from the whole history on a cache miss, so it must
    // not claim to have seen anything.
    const replay = definition.replayOrder === true;
    const durable =
      !replay && isStatefulDesigner(designer) && definition.restore !== undefined ? designer : undefined;
    const state: PolicyState = {
      format: 'designer-policy/v1',
      algorithm: definition.name,
      token,
      suggestionCount,
      seen: durable || replay ? seenOrder.slice() : [],
      ...(durable ? { designer: durable.dump() } : {}),
    };
    if (this.cacheSize > 0) {
      this.cache.set(req.experimentKey, {
        designer,
        seen,
        seenOrder,
        token,
        suggestionCount,
        contextKey,
        scanned: req.trials.slice(),
        activeSlots: scan.activeSlots,
      });
      while (this.cache.size > this.cacheSize) {
        const oldest = this.cache.keys().next().value;
        if (oldest === undefined) break;
        this.cache.delete(oldest);
      }
    }
    const short = suggestions.length < req.count;
    return {
      suggestions,
      state,
      source,
      ...(short ? { exhausted: designer.exhausted ? designer.exhausted() : true } : {}),
    };
  }

  /** Drops the cached designer of one experiment (e.g. when it is deleted). */
  forget(experimentKey: string): void {
    this.cache.delete(experimentKey);
  }

  /** A caller that carries state: the cache entry is the one that wrote it. */
  private matchesState<S extends object>(
    entry: CacheEntry,
    saved: PolicyState | undefined,
    req: PolicyRequest<S>,
  ): boolean {
    return (
      req.state !== undefined &&
      entry.suggestionCount === req.suggestionCount &&
      saved !== undefined &&
      saved.token === entry.token
    );
  }

  /** A stateless caller: the cached designer must not know a trial the request lacks as completed. */
  private matchesStateless<S extends object>(
    entry: CacheEntry,
    req: PolicyRequest<S>,
    completed: readonly TrialView[],
  ): boolean {
    if (req.state !== undefined || entry.suggestionCount !== req.suggestionCount) return false;
    if (entry.seen.size > completed.length) return false;
    const names = new Set(completed.map((t) => t.name));
    for (const n of entry.seen) if (!names.has(n)) return false;
    return true;
  }
}

/** What a cached designer scanned last time. */
interface PreviousScan {
  /** The request's trial list (a copy of the slots, not the caller's array). */
  readonly scanned: readonly TrialView[];
  /** Slots of `scanned` that held active trials, ascending (read again: a view may change phase in place). */
  readonly activeSlots: readonly number[];
}

/**
 * Sorts the trial list for the designer: completed trials not in `seen` are fresh (parsed), the
 * other terminal ones are skipped, active ones are parsed. With `previous` (the cached designer's
 * last scan), a slot holding the same view object as then that held a terminal trial is skipped
 * unread: a terminal phase is final, and the designer learned from it or skipped it by name.
 */
function scanTrials(
  trials: readonly TrialView[],
  seen: ReadonlySet<string>,
  space: SearchSpace,
  objective: ObjectiveSpec,
  previous: PreviousScan = { scanned: [], activeSlots: [] },
): TrialScan {
  const fresh: CompletedTrial[] = [];
  const active: ActiveTrial[] = [];
  const activeSlots: number[] = [];
  const { scanned, activeSlots: wasActive } = previous;
  const common = Math.min(scanned.length, trials.length);
  // The unchanged prefix before the first slot that was active: one comparison a slot.
  const prefix = Math.min(common, wasActive[0] ?? common);
  let start = 0;
  while (start < prefix && scanned[start] === trials[start]) start++;
  let next = 0; // the first slot of wasActive not yet passed
  for (let i = start; i < trials.length; i++) {
    const t = trials[i] as TrialView;
    const slotWasActive = next < wasActive.length && wasActive[next] === i;
    if (slotWasActive) next++;
    if (i < common && scanned[i] === t && !slotWasActive) continue;
    if (!isTerminalPhase(t.phase)) {
      active.push(toActiveTrial(t, space));
      activeSlots.push(i);
    } else if (!seen.has(t.name)) {
      fresh.push(toCompletedTrial(t, space, objective));
    }
  }
  return { fresh, active, activeSlots };
}
