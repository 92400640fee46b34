/** Conversions from stored trials to what algorithms see. */
import { trialPhase, type Trial, type TrialView } from '../api/index.js';

/** The algorithm's view of a trial. */
export function toTrialView(t: Trial): TrialView {
  return {
    name: t.metadata.name,
    parameterAssignments: t.spec.parameterAssignments,
    labels: t.spec.labels ?? t.metadata.labels ?? {},
    phase: trialPhase(t.status),
    ...(t.status.observation ? { observation: t.status.observation } : {}),
    ...(t.metadata.creationTimestamp ? { creationTime: t.metadata.creationTimestamp } : {}),
    ...(t.status.startTime ? { startTime: t.status.startTime } : {}),
    ...(t.status.completionTime ? { completionTime: t.status.completionTime } : {}),
  };
}

/**
 * The trials Katib sends to an algorithm: all of them except MetricsUnavailable ones and
 * EarlyStopped ones without an observation (katib-reference.md §1.3).
 */
export function trialsForSuggestion(trials: readonly Trial[]): TrialView[] {
  return trials
    .map(toTrialView)
    .filter((v) => v.phase !== 'MetricsUnavailable' && !(v.phase === 'EarlyStopped' && !v.observation));
}
