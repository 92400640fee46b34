/**
 * Katib's `kubeflow.org/v1beta1` Trial (katib-reference.md §2.4): one assignment of the search
 * space, the workload that evaluates it, and what it reported.
 */
import type { Condition } from './condition.js';
import type {
  EarlyStoppingRule,
  MetricsCollectorSpec,
  ObjectMeta,
  ObjectiveSpec,
  Observation,
  ParameterAssignment,
} from './index.js';

/** Trial condition types. */
export type TrialConditionType =
  'Created' | 'Running' | 'Succeeded' | 'Killed' | 'Failed' | 'MetricsUnavailable' | 'EarlyStopped';

/** Katib's reasons for trial conditions. */
export const TrialReason = {
  Created: 'TrialCreated',
  Running: 'TrialRunning',
  Succeeded: 'TrialSucceeded',
  MetricsUnavailable: 'MetricsUnavailable',
  Failed: 'TrialFailed',
  Killed: 'TrialKilled',
  EarlyStopped: 'TrialEarlyStopped',
} as const;

/**
 * The one-word state of a trial, derived from its conditions in Katib's order
 * (Killed → Failed → Succeeded → EarlyStopped → Running → MetricsUnavailable → Pending).
 */
export type TrialPhase =
  'Pending' | 'Running' | 'Succeeded' | 'Killed' | 'Failed' | 'MetricsUnavailable' | 'EarlyStopped';

/**
 * Every trial phase, in the order of Katib's `TrialCondition` enum in api.proto (CREATED = Pending,
 * RUNNING, SUCCEEDED, KILLED, FAILED, METRICSUNAVAILABLE, EARLYSTOPPED).
 */
export const TRIAL_PHASES: readonly TrialPhase[] = [
  'Pending',
  'Running',
  'Succeeded',
  'Killed',
  'Failed',
  'MetricsUnavailable',
  'EarlyStopped',
];

/** Katib's TrialSpec. */
export interface TrialSpec {
  readonly objective: ObjectiveSpec;
  readonly parameterAssignments: readonly ParameterAssignment[];
  readonly earlyStoppingRules?: readonly EarlyStoppingRule[];
  /** The workload manifest after substitution. */
  readonly runSpec?: Record<string, unknown>;
  readonly retainRun?: boolean;
  readonly metricsCollector: MetricsCollectorSpec;
  readonly primaryPodLabels?: Readonly<Record<string, string>>;
  readonly primaryContainerName?: string;
  readonly successCondition?: string;
  readonly failureCondition?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Katib's TrialStatus. */
export interface TrialStatus {
  readonly startTime?: string;
  readonly completionTime?: string;
  readonly lastReconcileTime?: string;
  readonly conditions: readonly Condition<TrialConditionType>[];
  readonly observation?: Observation;
}

/** A whole Trial object. */
export interface Trial {
  readonly apiVersion: 'kubeflow.org/v1beta1';
  readonly kind: 'Trial';
  readonly metadata: ObjectMeta;
  readonly spec: TrialSpec;
  readonly status: TrialStatus;
}

/** Label every trial carries: the name of its experiment. */
export const EXPERIMENT_LABEL = 'katib.kubeflow.org/experiment';
/** Label every trial's workload carries: the trial's name. */
export const TRIAL_LABEL = 'katib.kubeflow.org/trial';

/** True for phases a trial never leaves (Katib's `IsCompleted`). */
export function isTerminalPhase(phase: TrialPhase): boolean {
  return phase !== 'Pending' && phase !== 'Running';
}

/** The trial's phase from its conditions, in Katib's classification order (§4.2). */
export function trialPhase(status: TrialStatus): TrialPhase {
  // One pass over the conditions, then Katib's order of precedence.
  let on = 0;
  for (const c of status.conditions) if (c.status === 'True') on |= PHASE_BIT[c.type] ?? 0;
  if (on & BIT.Killed) return 'Killed';
  if (on & BIT.Failed) return 'Failed';
  if (on & BIT.Succeeded) return 'Succeeded';
  if (on & BIT.EarlyStopped) return 'EarlyStopped';
  if (on & BIT.Running) return 'Running';
  if (on & BIT.MetricsUnavailable) return 'MetricsUnavailable';
  return 'Pending';
}

const BIT = {
  Killed: 1,
  Failed: 2,
  Succeeded: 4,
  EarlyStopped: 8,
  Running: 16,
  MetricsUnavailable: 32,
} as const;
const PHASE_BIT: Readonly<Partial<Record<string, number>>> = BIT;
