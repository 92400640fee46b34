/**
 * What an experiment's algorithm keeps between suggestion calls. Persisted by the store in the
 * same transaction as the trials it produced, so a restart loses nothing.
 */
import type { Condition } from './condition.js';
import type { AlgorithmSetting } from './experiment.js';

/** Katib's `SuggestionConditionType`. */
export type SuggestionConditionType = 'Created' | 'DeploymentReady' | 'Running' | 'Succeeded' | 'Failed';

/** Reasons of Suggestion conditions: Katib's, plus `SuggestionRetrying` for a failure that is retried. */
export const SuggestionReason = {
  Created: 'SuggestionCreated',
  DeploymentReady: 'DeploymentReady',
  DeploymentNotReady: 'DeploymentNotReady',
  Running: 'SuggestionRunning',
  /** Running=False while a failed call waits to be retried (not a Katib reason). */
  Retrying: 'SuggestionRetrying',
  Failed: 'SuggestionFailed',
  /** Katib's reason for Succeeded (and Running=False) when its experiment completes. */
  Succeeded: 'Experiment is succeeded',
  /** Katib's reason for Running=False while its experiment restarts. */
  Restarting: 'Experiment is restarting',
} as const;

/** Durable, JSON-safe algorithm state for one experiment. */
export interface AlgorithmState {
  /**
   * Settings the algorithm returned (Katib's Suggestion `status.algorithmSettings`); they override
   * the spec's settings of the same name on the next call, as in Katib.
   */
  readonly algorithmSettings?: readonly AlgorithmSetting[];
  /** The designer's own dump (versioned by the designer); absent for stateless algorithms. */
  readonly designer?: unknown;
  /** How many assignments were handed out so far (Katib's `suggestionCount`). */
  readonly suggestionCount: number;
  /** Seed chosen at the first call when the spec sets no `random_state`, so reruns repeat. */
  readonly seed?: number;
  /**
   * Set by the controller when the algorithm returned fewer assignments than requested: the search
   * space is exhausted, no more suggestions are asked for, and the experiment ends with
   * ExperimentSuggestionEndReached once no trial is active.
   */
  readonly exhausted?: boolean;
  /**
   * The Suggestion's conditions as Katib shows them (Created, DeploymentReady, Running,
   * Succeeded, Failed), set by the controller around its calls to the suggestion service.
   */
  readonly conditions?: readonly Condition<SuggestionConditionType>[];
}
