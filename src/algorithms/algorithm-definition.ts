/**
 * One entry of the algorithm registry: Katib's algorithm name, its declared settings, its own
 * rules on the experiment, and how to make (or restore) its designer. Settings are declared once
 * and checked by the settings engine; the entry mirrors Optuna's keyword-only sampler constructors
 * with defaults and Vizier's designer factories.
 */
import type { ExperimentSpec, ObjectiveSpec } from '../api/experiment.js';
import type { FieldError } from '../api/field-error.js';
import type { SearchSpace } from '../api/search-space.js';
import type { Designer, StatefulDesigner } from './designer.js';
import type { SettingsSpec } from './settings.js';

/** Everything a designer is built from. Fixed for the experiment's life. */
export interface DesignerContext<S> {
  /** The parsed search space (`spec.parameters`). */
  readonly space: SearchSpace;
  readonly objective: ObjectiveSpec;
  /** The validated, typed settings (defaults applied). */
  readonly settings: S;
  /**
   * The experiment's seed: Katib's `random_state` when set, otherwise one chosen at the first call
   * and kept in the algorithm state, so a rerun repeats.
   */
  readonly seed: number;
  /** The whole spec, for algorithms that read more (nasConfig, trial parameters, …). */
  readonly experiment: ExperimentSpec;
  /** `spec.maxTrialCount`; `undefined` means unbounded. */
  readonly maxTrialCount: number | undefined;
}

/** An algorithm, registered under its Katib name. */
export interface AlgorithmDefinition<S extends object> {
  /** Katib's algorithm name: `random`, `grid`, `tpe`, … */
  readonly name: string;
  /** One line for people (`katib algorithms`, error messages). */
  readonly description: string;
  /** The algorithm's settings, by Katib name, with types, defaults, ranges and messages. */
  readonly settings: SettingsSpec<S>;
  /**
   * The algorithm's own rules on the experiment (what its search space must look like), with
   * paths. Called only with settings that passed the settings engine. Never throws: the spec may be
   * anything the API layer let through.
   */
  validate(experiment: ExperimentSpec, settings: S): readonly FieldError[];
  /** A fresh designer. */
  create(ctx: DesignerContext<S>): Designer;
  /**
   * A designer restored from its own `dump()`; `undefined` when the dump is not one this version
   * understands (the policy then creates a fresh designer and replays the whole history).
   */
  restore?(ctx: DesignerContext<S>, dump: unknown): StatefulDesigner | undefined;
  /**
   * The designer's state is a function of the completed trials in the order it learned them and
   * nothing else (TPE: its weights favour the newest observations). The policy then saves only that
   * order and, on a cache miss, feeds those trials — taken from the request, which carries every
   * trial — to a fresh designer in that order, instead of saving a dump that repeats the history.
   */
  readonly replayOrder?: boolean;
  /** The user's fixed seed (Katib's `random_state`) when the settings carry one. */
  seedOf?(settings: S): number | undefined;
}

/**
 * Identity helper that keeps `S` inferred at the definition site and returns the entry in the
 * form the registry stores.
 */
export function defineAlgorithm<S extends object>(
  definition: AlgorithmDefinition<S>,
): AlgorithmDefinition<S> {
  return definition;
}
