/**
 * The best trial so far, by Katib's rules (katib-reference.md §4.2): each trial's objective value
 * is chosen by the objective metric's strategy; trials without a numeric value are skipped; the
 * first trial with a value starts the race, a strictly better one replaces it, ties keep the earlier.
 *
 * Difference from Katib: a non-numeric objective value never makes a trial "best" (Katib's string
 * metric quirk); such trials are skipped.
 */
import {
  isBetter,
  objectiveValue,
  type ObjectiveSpec,
  type Observation,
  type OptimalTrial,
  type Trial,
} from '../api/index.js';

/** Objective values already computed, by observation object and the objective they were computed for. */
const values = new WeakMap<
  Observation,
  { readonly objective: ObjectiveSpec; readonly value: number | undefined }
>();

/** A trial's objective value, remembered per (frozen, identity-stable) observation of a stored trial. */
export function objectiveValueOf(trial: Trial, objective: ObjectiveSpec): number | undefined {
  return valueOf(trial.status.observation, objective);
}

/** `objectiveValue`, remembered per (frozen, identity-stable) observation of a stored trial. */
function valueOf(observation: Observation | undefined, objective: ObjectiveSpec): number | undefined {
  if (observation === undefined) return undefined;
  const known = values.get(observation);
  if (known !== undefined && known.objective === objective) return known.value;
  const value = objectiveValue(observation, objective);
  if (Object.isFrozen(observation)) values.set(observation, { objective, value });
  return value;
}

/** The best trial among `trials` (in creation order) and its objective value, or undefined. */
export function findOptimalTrial(
  objective: ObjectiveSpec,
  trials: readonly Trial[],
): { readonly trial: Trial; readonly value: number } | undefined {
  let best: { trial: Trial; value: number } | undefined;
  for (const trial of trials) {
    const value = valueOf(trial.status.observation, objective);
    if (value === undefined) continue;
    if (best === undefined || isBetter(objective, value, best.value)) best = { trial, value };
  }
  return best;
}

/** Katib's `currentOptimalTrial` for the best trial. */
export function toOptimalTrial(trial: Trial): OptimalTrial {
  return {
    bestTrialName: trial.metadata.name,
    parameterAssignments: trial.spec.parameterAssignments,
    observation: trial.status.observation ?? { metrics: [] },
  };
}

/** True when `value` reaches the objective's goal (≤ goal to minimise, ≥ goal to maximise). */
export function goalReached(objective: ObjectiveSpec, value: number): boolean {
  if (objective.goal === undefined) return false;
  return objective.type === 'minimize' ? value <= objective.goal : value >= objective.goal;
}
