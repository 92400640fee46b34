/**
 * Trial counting: the status counters and lists (Katib's status_util), and how many new trials to
 * ask for (Katib's ReconcileTrials arithmetic).
 */
import { trialPhase, type ExperimentSpec, type Trial, type TrialPhase } from '../api/index.js';

/** How many trials are in each phase, with their names in creation order. */
export interface TrialCounts {
  readonly total: number;
  readonly byPhase: Readonly<Record<TrialPhase, readonly string[]>>;
}

/** Classifies trials by phase (Katib's order of conditions). */
export function countTrials(trials: readonly Trial[]): TrialCounts {
  const byPhase: Record<TrialPhase, string[]> = {
    Pending: [],
    Running: [],
    Succeeded: [],
    Killed: [],
    Failed: [],
    MetricsUnavailable: [],
    EarlyStopped: [],
  };
  for (const t of trials) byPhase[trialPhase(t.status)].push(t.metadata.name);
  return { total: trials.length, byPhase };
}

/** Trials that are pending or running. */
export function activeCount(c: TrialCounts): number {
  return c.byPhase.Pending.length + c.byPhase.Running.length;
}

/**
 * Trials that are finished, in any way. Katib leaves MetricsUnavailable out of this sum when
 * deciding how many trials to add, which lets it create more trials than `maxTrialCount`; we count
 * it (a documented difference).
 */
export function finishedCount(c: TrialCounts): number {
  return (
    c.byPhase.Succeeded.length +
    c.byPhase.Failed.length +
    c.byPhase.Killed.length +
    c.byPhase.EarlyStopped.length +
    c.byPhase.MetricsUnavailable.length
  );
}

/** Failed trials as `maxFailedTrialCount` counts them (Failed + MetricsUnavailable, as in Katib). */
export function failedCount(c: TrialCounts): number {
  return c.byPhase.Failed.length + c.byPhase.MetricsUnavailable.length;
}

/**
 * How many new trials to create now: fill up to `parallelTrialCount` without exceeding
 * `maxTrialCount` (katib-reference.md §4.1 step 4). Negative never.
 */
export function trialsToAdd(spec: ExperimentSpec, c: TrialCounts): number {
  const active = activeCount(c);
  const parallel = spec.parallelTrialCount;
  if (active >= parallel) return 0;
  const required =
    spec.maxTrialCount === undefined ? parallel : Math.min(spec.maxTrialCount - finishedCount(c), parallel);
  return Math.max(required - active, 0);
}
