/** Human summaries of experiments and trials shared by `run`, `get` and `describe`. */
import { metricValueText, trialPhase, type Experiment, type Trial } from '../api/index.js';
import { lastCondition } from '../controller/index.js';

/** The experiment's one-word state: the type of its last condition (Katib's printer column). */
export function experimentState(e: Experiment): string {
  const c = lastCondition(e.status);
  if (!c) return 'Created';
  return c.status === 'True' ? c.type : `${c.type}=${c.status}`;
}

/** "accuracy=0.9312" for a trial's objective, or "" when it has none. */
export function objectiveText(t: Trial): string {
  const name = t.spec.objective.objectiveMetricName;
  const v = metricValueText(t.status.observation, t.spec.objective, name);
  return v === undefined ? '' : `${name}=${v}`;
}

/** "lr=0.01, units=64" */
export function assignmentsText(t: {
  readonly parameterAssignments: readonly { name: string; value: string }[];
}): string {
  return t.parameterAssignments.map((a) => `${a.name}=${a.value}`).join(', ');
}

/** The optimal trial of an experiment as lines for people. */
export function optimalTrialLines(e: Experiment): string[] {
  const best = e.status?.currentOptimalTrial;
  if (!best || !best.bestTrialName) return ['No trial has reported the objective metric yet.'];
  const lines = [`Best trial: ${best.bestTrialName}`];
  lines.push('  Parameters:');
  for (const a of best.parameterAssignments) lines.push(`    ${a.name} = ${a.value}`);
  lines.push('  Metrics:');
  for (const m of best.observation.metrics)
    lines.push(`    ${m.name}: latest=${m.latest} min=${m.min} max=${m.max}`);
  return lines;
}

/** The trial's phase, with the reason when it failed. */
export function trialState(t: Trial): string {
  return trialPhase(t.status);
}
