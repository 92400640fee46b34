/**
 * The early-stopping port: what an early-stopping algorithm implements ({@link EarlyStopper}), and
 * the one pure decision that applies its rules to a running trial's log ({@link checkRules}).
 *
 * Katib's wire form is rules: an algorithm looks at the experiment's trials and answers a few
 * `{metric, value, comparison, startStep}` thresholds; whoever watches a running trial (Katib's
 * metrics-collector sidecar, our controller) compares what the trial reports against them. The
 * algorithm keeps no state between calls and reads observation logs only through the function it
 * is handed, so it runs the same in-process and behind the gRPC EarlyStopping service.
 */
import type {
  EarlyStoppingRule,
  EarlyStoppingSpec,
  Experiment,
  FieldError,
  MetricLog,
  ObjectiveSpec,
  TrialView,
} from '../api/index.js';
import { parseMetricNumber } from '../metrics-collector/index.js';

/** Reads the observation log of one trial (any order the store gives: by time, then arrival). */
export type ObservationLogReader = (trial: string) => Promise<readonly MetricLog[]>;

/**
 * An early-stopping algorithm (Katib's `earlyStopping.algorithmName`).
 *
 * Contract:
 * - `validate` never throws; it returns every problem of the settings with its field path
 *   (`spec.earlyStopping.algorithmSettings[i].name|value`) and Katib's message.
 * - `rules` is a function of its inputs only (the experiment, the trials and what `logs` returns):
 *   no state is kept between calls, so a restarted service answers the same. It may call `logs`
 *   for any of the trials, concurrently, and rejects with whatever `logs` rejects with.
 * - An empty rule list means "stop nothing yet" (e.g. too few completed trials).
 */
export interface EarlyStopper {
  /** Katib's algorithm name, e.g. `medianstop`. */
  readonly name: string;
  /** Every problem with `spec.algorithmSettings`; empty when they are valid. Never throws. */
  validate(spec: EarlyStoppingSpec): FieldError[];
  /**
   * The rules running trials of `experiment` are held to now, given its `trials` (any phases; the
   * algorithm picks the ones it learns from) and a reader of their observation logs.
   * @throws SpecError when the experiment's early-stopping settings are invalid.
   */
  rules(
    experiment: Experiment,
    trials: readonly TrialView[],
    logs: ObservationLogReader,
  ): Promise<EarlyStoppingRule[]>;
}

/** Why a trial should stop: the deciding rule and a sentence for people. */
export interface EarlyStopDecision {
  readonly rule: EarlyStoppingRule;
  readonly reason: string;
}

/** Where one rule stands against a log. */
interface RuleCheck {
  readonly holds: boolean;
  readonly text: string;
}

const COMPARISON_WORDS = { less: 'less than', greater: 'greater than', equal: 'equal to' } as const;

/**
 * Applies early-stopping rules to a running trial's observation log. Pure.
 *
 * A rule `{name, value, comparison, startStep}` is checked once the trial has reported `name`
 * at least `startStep` times; before that it does not hold. Only values that are finite decimal
 * numbers count as reports (NaN, "unavailable" and garbage are skipped), in log order. The value
 * compared is, for the objective metric, the best value reported so far (the smallest when
 * minimizing, the largest when maximizing), and for any other metric the latest one; it holds
 * when `value comparison rule.value` is true (`less`: strictly below, `greater`: strictly above,
 * `equal`: equal). A rule whose value is not a finite number never holds.
 *
 * A trial is stopped when **every** rule holds, as Katib's metrics collector does (medianstop
 * sends a single rule). The decision names the first rule and a reason covering all of them.
 *
 * Differences from Katib's collector, on purpose: steps are counted as reports (Katib counts them
 * too) rather than read from `MetricLog.step`, whose numbering depends on the trial's code; and a
 * rule is judged on the log as it is now, not on any moment in the past, so a trial that recovered
 * above the threshold before this check is not stopped.
 *
 * @returns the decision when the trial should stop; `undefined` otherwise (also for no rules).
 */
export function checkRules(
  rules: readonly EarlyStoppingRule[],
  log: readonly MetricLog[],
  objective: ObjectiveSpec,
): EarlyStopDecision | undefined {
  const first = rules[0];
  if (first === undefined) return undefined;
  const checks: RuleCheck[] = [];
  for (const rule of rules) {
    const check = checkRule(rule, log, objective);
    if (!check.holds) return undefined;
    checks.push(check);
  }
  return { rule: first, reason: checks.map((c) => c.text).join('; and ') };
}

/** Whether one rule holds for the log, with the words to say why. */
function checkRule(rule: EarlyStoppingRule, log: readonly MetricLog[], objective: ObjectiveSpec): RuleCheck {
  const threshold = parseMetricNumber(rule.value.trim());
  if (threshold === undefined) return { holds: false, text: '' };
  const isObjective = rule.name === objective.objectiveMetricName;
  const maximize = objective.type === 'maximize';
  let reports = 0;
  let current = Number.NaN;
  for (const entry of log) {
    if (entry.metricName !== rule.name) continue;
    const v = parseMetricNumber(entry.value);
    if (v === undefined) continue;
    reports++;
    if (!isObjective || reports === 1) current = v;
    else current = maximize ? Math.max(current, v) : Math.min(current, v);
  }
  const startStep = Math.max(rule.startStep, 1);
  if (reports < startStep) return { holds: false, text: '' };
  const holds =
    rule.comparison === 'less'
      ? current < threshold
      : rule.comparison === 'greater'
        ? current > threshold
        : current === threshold;
  const what = isObjective ? `best ${rule.name} so far` : `latest ${rule.name}`;
  return {
    holds,
    text:
      `${what} (${current} after ${reports} reports) is ${COMPARISON_WORDS[rule.comparison]} ` +
      `the early-stopping threshold ${rule.value} (checked from report ${startStep})`,
  };
}
