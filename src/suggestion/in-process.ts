/**
 * The Suggestion service in-process: the embedded engine's default transport (Vizier's servicer
 * uses its in-process Pythia the same way). It looks the algorithm up in the registry, runs it
 * through the generic {@link DesignerPolicy} and returns Katib-form assignments with the new
 * durable state. Nothing leaves unchecked: every value is tested against the feasible space, and
 * an algorithm that breaks the space is a bug reported as InternalError, never an infeasible trial.
 */
import {
  builtinAlgorithms,
  DesignerPolicy,
  hash32,
  type AlgorithmRegistry,
  type PolicyResult,
  type ResolvedAlgorithm,
} from '../algorithms/index.js';
import type { AlgorithmState } from '../api/algorithm-state.js';
import { InternalError, KatibError, SpecError } from '../api/errors.js';
import type { Experiment, ExperimentSpec } from '../api/experiment.js';
import type { FieldError } from '../api/field-error.js';
import { deepFreeze } from '../store/snapshot.js';
import {
  infeasibilities,
  toParameterAssignments,
  toSearchSpace,
  type SearchSpace,
} from '../api/search-space.js';
import type {
  CallOptions,
  GetSuggestionsReply,
  GetSuggestionsRequest,
  SuggestedTrial,
  SuggestionService,
} from './suggestion-service.js';

/** Options of {@link InProcessSuggestionService}. */
export interface InProcessSuggestionServiceOptions {
  /**
   * The algorithms to serve.
   * @default builtinAlgorithms
   */
  readonly registry?: AlgorithmRegistry;
  /**
   * Where a seed comes from when the spec sets no `random_state`. Called once per experiment, at
   * its first suggestion; the seed is then kept in `AlgorithmState.seed`, so later calls and
   * restarts continue the same streams. Pass a fixed function for reproducible runs.
   * @default a hash of the clock and a counter (not cryptographic)
   */
  readonly seedSource?: () => number;
  /**
   * The policy (and its cache of live designers) to use; share one between services to share the cache.
   * @default a new DesignerPolicy
   */
  readonly policy?: DesignerPolicy;
}

/** What {@link InProcessSuggestionService} derives from a spec before asking its algorithm. */
interface CheckedSpec {
  readonly resolved: ResolvedAlgorithm;
  readonly ruleErrors: readonly FieldError[];
  readonly space: SearchSpace;
}

let seedCounter = 0;

/** The default seed source: the clock mixed with a process-wide counter, as an unsigned 32-bit integer. */
function clockSeed(): number {
  return hash32(Date.now(), seedCounter++);
}

/** A seed as a non-negative safe integer (whatever a seed source returns). */
function normaliseSeed(x: number): number {
  if (!Number.isFinite(x)) return 0;
  const n = Math.abs(Math.trunc(x));
  return Number.isSafeInteger(n) ? n : n % 2 ** 32;
}

/** The cache key of an experiment: its uid, else namespace/name. */
function experimentKey(e: Experiment): string {
  return e.metadata.uid ?? `${e.metadata.namespace ?? ''}/${e.metadata.name}`;
}

/**
 * Katib's Suggestion service, served in this process by the algorithm registry.
 *
 * ```ts
 * const service = new InProcessSuggestionService({ seedSource: () => 42 });
 * await service.validateAlgorithmSettings(experiment);            // rejects with SpecError
 * const reply = await service.getSuggestions({
 *   experiment, trials, currentRequestNumber: 3, totalRequestNumber: 3,
 * });
 * // reply.assignments: 3 × [{ name, value }] (fewer only when grid is exhausted); save reply.state
 * ```
 */
export class InProcessSuggestionService implements SuggestionService {
  private readonly registry: AlgorithmRegistry;
  private readonly seedSource: () => number;
  private readonly policy: DesignerPolicy;
  private readonly checkedSpecs = new WeakMap<ExperimentSpec, CheckedSpec>();

  constructor(options: InProcessSuggestionServiceOptions = {}) {
    this.registry = options.registry ?? builtinAlgorithms;
    this.seedSource = options.seedSource ?? clockSeed;
    this.policy = options.policy ?? new DesignerPolicy();
  }

  /**
   * New assignments for the experiment, with the state to save alongside the trials made from them.
   * The seed is `random_state` when set, else `req.state.seed`, else a new one from the seed source.
   * The number handed out before is `req.state.suggestionCount`, else `totalRequestNumber −
   * currentRequestNumber` (what a stateless Katib caller implies).
   * @throws SpecError when the algorithm name, its settings or its space rules are invalid.
   * @throws InternalError when the algorithm fails or suggests a value outside the feasible space.
   * @throws the signal's reason when `opts.signal` is already aborted.
   */
  getSuggestions(req: GetSuggestionsRequest, opts?: CallOptions): Promise<GetSuggestionsReply> {
    return settle(() => this.suggestNow(req, opts));
  }

  /** Always true: every algorithm here runs synchronously inside `getSuggestions`. */
  computesOnCallerThread(): boolean {
    return true;
  }

  /**
   * Resolves when the experiment's algorithm, its settings and its space rules are valid.
   * @throws SpecError listing every problem with its field path (gRPC INVALID_ARGUMENT).
   */
  validateAlgorithmSettings(experiment: Experiment, opts?: CallOptions): Promise<void> {
    return settle(() => {
      opts?.signal?.throwIfAborted();
      const errors = this.registry.validate(experiment.spec);
      if (errors.length > 0) {
        throw new SpecError(errors, `invalid algorithm settings for experiment ${experiment.metadata.name}`);
      }
    });
  }

  /**
   * The spec's algorithm resolved, its rule errors and its search space. A frozen spec (every
   * snapshot the store hands out is deeply frozen) cannot change, so its result is kept with it and
   * the controller's call for each new trial skips the checks; an unfrozen one is checked each time.
   */
  private checked(spec: ExperimentSpec): CheckedSpec {
    const hit = this.checkedSpecs.get(spec);
    if (hit !== undefined) return hit;
    const resolved = this.registry.resolve(spec);
    const result: CheckedSpec = {
      resolved,
      ruleErrors: resolved.ok ? this.registry.validate(spec) : [],
      space: toSearchSpace(spec.parameters ?? []),
    };
    if (Object.isFrozen(spec)) {
      // Shared by every later call for this spec (and keying the policy's designer cache): frozen.
      deepFreeze(result.space);
      if (resolved.ok) deepFreeze(resolved.settings);
      this.checkedSpecs.set(spec, result);
    }
    return result;
  }

  private suggestNow(req: GetSuggestionsRequest, opts: CallOptions | undefined): GetSuggestionsReply {
    opts?.signal?.throwIfAborted();
    const { experiment } = req;
    const spec = experiment.spec;
    const { resolved, ruleErrors, space } = this.checked(spec);
    if (!resolved.ok)
      throw new SpecError(resolved.errors, `invalid algorithm for experiment ${experiment.metadata.name}`);
    const { definition, settings } = resolved;
    if (ruleErrors.length > 0) {
      throw new SpecError(ruleErrors, `invalid search space for algorithm ${definition.name}`);
    }

    const seed = normaliseSeed(definition.seedOf?.(settings) ?? req.state?.seed ?? this.seedSource());
    const previous =
      req.state?.suggestionCount ?? Math.max(0, req.totalRequestNumber - req.currentRequestNumber);
    const count = Math.max(0, Math.floor(req.currentRequestNumber));

    let result: PolicyResult;
    try {
      result = this.policy.suggest({
        definition,
        context: {
          space,
          objective: spec.objective,
          settings,
          seed,
          experiment: spec,
          maxTrialCount: spec.maxTrialCount,
        },
        experimentKey: experimentKey(experiment),
        trials: req.trials,
        count,
        suggestionCount: previous,
        ...(req.state?.designer !== undefined ? { state: req.state.designer } : {}),
      });
    } catch (err) {
      if (err instanceof KatibError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new InternalError(`algorithm ${definition.name} failed: ${message}`, { cause: err });
    }
    opts?.signal?.throwIfAborted();

    if (result.suggestions.length > count) {
      throw new InternalError(
        `algorithm ${definition.name} returned ${result.suggestions.length} assignments for a request of ${count}`,
      );
    }
    const assignments: SuggestedTrial[] = result.suggestions.map((s, i) => {
      const problems = infeasibilities(space, s.assignment);
      if (problems.length > 0) {
        throw new InternalError(
          `algorithm ${definition.name} suggested an assignment outside the search space (suggestion ${i}): ${problems.join('; ')}`,
        );
      }
      return {
        parameterAssignments: toParameterAssignments(space, s.assignment),
        ...(s.trialName !== undefined ? { trialName: s.trialName } : {}),
        ...(s.labels !== undefined ? { labels: s.labels } : {}),
      };
    });

    const state: AlgorithmState = {
      ...req.state,
      suggestionCount: previous + assignments.length,
      seed,
      designer: result.state,
    };
    return {
      assignments,
      state,
      ...(result.exhausted !== undefined ? { exhausted: result.exhausted } : {}),
    };
  }
}

/** Runs `fn` now and turns its result or exception into a settled promise. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
