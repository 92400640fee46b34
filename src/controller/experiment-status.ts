/**
 * Katib's experiment status computation (katib-reference.md §4.2): counters and lists rebuilt from
 * the trials, the optimal trial, and the conditions that end an experiment.
 */
import {
  ExperimentReason,
  emptyExperimentStatus,
  hasCondition,
  setCondition,
  type Condition,
  type Experiment,
  type ExperimentConditionType,
  type ExperimentStatus,
  type Trial,
} from '../api/index.js';
import { findOptimalTrial, goalReached, toOptimalTrial } from './optimal-trial.js';
import { activeCount, countTrials, failedCount, finishedCount, type TrialCounts } from './trial-counts.js';

/** Katib's `IsCompleted()`: Succeeded or Failed is True. */
export function isExperimentCompleted(status: ExperimentStatus | undefined): boolean {
  return (
    status !== undefined &&
    (hasCondition(status.conditions, 'Succeeded') || hasCondition(status.conditions, 'Failed'))
  );
}

/** The most recently changed condition (the last element), if any. */
export function lastCondition(
  status: ExperimentStatus | undefined,
): Condition<ExperimentConditionType> | undefined {
  return status?.conditions[status.conditions.length - 1];
}

/**
 * Whether a completed experiment may continue when `maxTrialCount` is raised: it succeeded by
 * reaching max trials and its resume policy is LongRunning or FromVolume (Katib §4.5).
 */
export function isRestartable(e: Experiment): boolean {
  const succeeded = e.status?.conditions.find((c) => c.type === 'Succeeded' && c.status === 'True');
  return (
    succeeded?.reason === ExperimentReason.MaxTrialsReached &&
    (e.spec.resumePolicy === 'LongRunning' || e.spec.resumePolicy === 'FromVolume')
  );
}

/** Inputs the trials alone do not tell. */
export interface StatusContext {
  /** The algorithm has said the search space is exhausted. */
  readonly exhausted: boolean;
  readonly now: Date;
}

/**
 * The experiment's new status: counters, lists and optimal trial from `trials` (creation order),
 * and, unless it is already completed, the condition that follows (goal reached → max failed →
 * max trials → search space exhausted → running), with completionTime on completion.
 */
export function computeExperimentStatus(
  e: Experiment,
  trials: readonly Trial[],
  ctx: StatusContext,
): ExperimentStatus {
  return experimentStatusFrom(
    e,
    { counts: countTrials(trials), best: findOptimalTrial(e.spec.objective, trials) },
    ctx,
  );
}

/**
 * `computeExperimentStatus` from trials already counted (`countTrials`) and the optimal trial
 * already found (`findOptimalTrial`), e.g. by an incremental `TrialTally`.
 */
export function experimentStatusFrom(
  e: Experiment,
  summary: {
    readonly counts: TrialCounts;
    readonly best: { readonly trial: Trial; readonly value: number } | undefined;
  },
  ctx: StatusContext,
): ExperimentStatus {
  const prev = e.status ?? emptyExperimentStatus();
  const c = summary.counts;
  const best = summary.best;
  const listed = (names: readonly string[]): readonly string[] | undefined =>
    names.length ? names : undefined;
  let status: ExperimentStatus = {
    ...emptyExperimentStatus(),
    ...(prev.startTime !== undefined ? { startTime: prev.startTime } : {}),
    ...(prev.completionTime !== undefined ? { completionTime: prev.completionTime } : {}),
    ...(prev.lastReconcileTime !== undefined ? { lastReconcileTime: prev.lastReconcileTime } : {}),
    conditions: prev.conditions,
    ...(best ? { currentOptimalTrial: toOptimalTrial(best.trial) } : {}),
    ...optional('runningTrialList', listed(c.byPhase.Running)),
    ...optional('pendingTrialList', listed(c.byPhase.Pending)),
    ...optional('failedTrialList', listed(c.byPhase.Failed)),
    ...optional('succeededTrialList', listed(c.byPhase.Succeeded)),
    ...optional('killedTrialList', listed(c.byPhase.Killed)),
    ...optional('earlyStoppedTrialList', listed(c.byPhase.EarlyStopped)),
    ...optional('metricsUnavailableTrialList', listed(c.byPhase.MetricsUnavailable)),
    trials: c.total,
    trialsSucceeded: c.byPhase.Succeeded.length,
    trialsFailed: c.byPhase.Failed.length,
    trialsKilled: c.byPhase.Killed.length,
    trialsPending: c.byPhase.Pending.length,
    trialsRunning: c.byPhase.Running.length,
    trialsEarlyStopped: c.byPhase.EarlyStopped.length,
    trialMetricsUnavailable: c.byPhase.MetricsUnavailable.length,
  };
  if (isExperimentCompleted(status)) return status;

  const spec = e.spec;
  let outcome: { type: 'Succeeded' | 'Failed'; reason: string; message: string } | undefined;
  if (best && goalReached(spec.objective, best.value)) {
    outcome = {
      type: 'Succeeded',
      reason: ExperimentReason.GoalReached,
      message: 'Experiment has succeeded because Objective goal has reached',
    };
  } else if (
    spec.maxFailedTrialCount !== undefined &&
    failedCount(c) > 0 &&
    failedCount(c) >= spec.maxFailedTrialCount
  ) {
    outcome = {
      type: 'Failed',
      reason: ExperimentReason.Failed,
      message: 'Experiment has failed because max failed count has reached',
    };
  } else if (spec.maxTrialCount !== undefined && finishedCount(c) >= spec.maxTrialCount) {
    outcome = {
      type: 'Succeeded',
      reason: ExperimentReason.MaxTrialsReached,
      message: 'Experiment has succeeded because max trial count has reached',
    };
  } else if (ctx.exhausted && activeCount(c) === 0) {
    outcome = {
      type: 'Succeeded',
      reason: ExperimentReason.SuggestionEndReached,
      message:
        'Experiment has succeeded because the search space is exhausted: the algorithm has no more suggestions',
    };
  }
  if (outcome) status = completeExperiment(status, outcome.type, outcome.reason, outcome.message, ctx.now);
  else {
    let conditions = status.conditions;
    if (hasCondition(conditions, 'Restarting'))
      conditions = setCondition(
        conditions,
        'Restarting',
        'False',
        ExperimentReason.Running,
        'Experiment has restarted',
        ctx.now,
      );
    conditions = setCondition(
      conditions,
      'Running',
      'True',
      ExperimentReason.Running,
      'Experiment is running',
      ctx.now,
    );
    status = { ...status, conditions };
  }
  return status;
}

/** Marks an experiment Succeeded or Failed, flips Running to False and sets completionTime. */
export function completeExperiment(
  status: ExperimentStatus,
  type: 'Succeeded' | 'Failed',
  reason: string,
  message: string,
  now: Date,
): ExperimentStatus {
  let conditions = status.conditions;
  if (hasCondition(conditions, 'Running'))
    conditions = setCondition(conditions, 'Running', 'False', reason, message, now);
  conditions = setCondition(conditions, type, 'True', reason, message, now);
  return { ...status, conditions, completionTime: now.toISOString() };
}

/** Katib's restart: Restarting condition set, Succeeded/Failed removed, completionTime cleared. */
export function restartExperiment(status: ExperimentStatus, now: Date): ExperimentStatus {
  const conditions = setCondition(
    status.conditions.filter((c) => c.type !== 'Succeeded' && c.type !== 'Failed'),
    'Restarting',
    'True',
    ExperimentReason.Restarting,
    'Experiment is restarting',
    now,
  );
  const { completionTime: _dropped, ...rest } = status;
  return { ...rest, conditions };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
