/**
 * What an algorithm sees of a trial: its assignment, labels, phase and observation. The same view
 * is built from the store (embedded) or from Katib's proto `Trial` (gRPC), so algorithms cannot
 * tell where they run.
 */
import type { Observation, ParameterAssignment } from './experiment.js';
import type { TrialPhase } from './trial.js';

/** A read-only view of one trial for algorithms and early stopping. */
export interface TrialView {
  readonly name: string;
  readonly parameterAssignments: readonly ParameterAssignment[];
  readonly labels: Readonly<Record<string, string>>;
  readonly phase: TrialPhase;
  /** Present once the trial has reported (min/max/latest per metric). */
  readonly observation?: Observation;
  /** RFC 3339. */
  readonly creationTime?: string;
  readonly startTime?: string;
  readonly completionTime?: string;
}
