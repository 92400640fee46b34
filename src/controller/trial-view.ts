/** Conversions from stored trials to what algorithms see. */
import { trialPhase, type Trial, type TrialView } from '../api/index.js';

/**
 * Views already made, by trial object. Store snapshots are frozen and keep their identity while
 * the trial is unchanged, so each pass of the controller converts only the trials that changed.
 * Trials that are not frozen are converted afresh every time.
 */
const views = new WeakMap<Trial, TrialView>();

/** The algorithm's view of a trial (frozen; the same object for the same trial object). */
export function toTrialView(t: Trial): TrialView {
  const known = views.get(t);
  if (known !== undefined) return known;
  const view: TrialView = Object.freeze({
    name: t.metadata.name,
    parameterAssignments: t.spec.parameterAssignments,
    labels: t.spec.labels ?? t.metadata.labels ?? {},
    phase: trialPhase(t.status),
    ...(t.status.observation ? { observation: t.status.observation } : {}),
    ...(t.metadata.creationTimestamp ? { creationTime: t.metadata.creationTimestamp } : {}),
    ...(t.status.startTime ? { startTime: t.status.startTime } : {}),
    ...(t.status.completionTime ? { completionTime: t.status.completionTime } : {}),
  });
  // Only a frozen trial cannot change under its memo (store snapshots are deeply frozen).
  if (Object.isFrozen(t) && Object.isFrozen(t.status)) views.set(t, view);
  return view;
}

/**
 * The trials Katib sends to an algorithm: all of them except MetricsUnavailable ones and
 * EarlyStopped ones without an observation (katib-reference.md §1.3). Takes trials or stored trials.
 */
export function trialsForSuggestion(trials: readonly (Trial | { readonly trial: Trial })[]): TrialView[] {
  const out: TrialView[] = [];
  for (const x of trials) {
    const v = toTrialView('trial' in x ? x.trial : x);
    if (isSuggestionView(v)) out.push(v);
  }
  return out;
}

/** Whether Katib sends this trial to the algorithm (see `trialsForSuggestion`). */
export function isSuggestionView(v: TrialView): boolean {
  return v.phase !== 'MetricsUnavailable' && !(v.phase === 'EarlyStopped' && !v.observation);
}
