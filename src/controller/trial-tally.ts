/**
 * The per-pass trial summary of one experiment — trials by phase and the optimal trial — kept up
 * to date incrementally. The store hands out frozen trial snapshots that keep their identity while
 * unchanged, so a pass compares the new list with the last one by identity and re-examines only
 * the trials that changed: a pass at trial 2000 costs what changed, not 2000 trials' worth of work.
 * The result is always what `countTrials` and `findOptimalTrial` would compute from scratch.
 */
import {
  TRIAL_PHASES,
  isBetter,
  trialPhase,
  type ObjectiveSpec,
  type Trial,
  type TrialPhase,
  type TrialView,
} from '../api/index.js';
import { trialListChanges } from '../store/index.js';
import { findOptimalTrial, objectiveValueOf } from './optimal-trial.js';
import { isSuggestionView, toTrialView } from './trial-view.js';
import type { TrialCounts } from './trial-counts.js';

/** A trial as listed by the store (or anything holding one). */
export interface HasTrial {
  readonly trial: Trial;
}

/** What a pass needs to know about an experiment's trials. */
export interface TrialSummary {
  readonly counts: TrialCounts;
  /** The optimal trial and its objective value, by Katib's rules (see optimal-trial.ts). */
  readonly best: { readonly trial: Trial; readonly value: number } | undefined;
  /** Positions (in the list summarised) of the Pending and Running trials, ascending. */
  readonly active: readonly number[];
}

/** Index of the first element of ascending `xs` that is ≥ `x`. */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The summary of one experiment's trials, updated from each pass's list. */
export class TrialTally {
  /** The objective the optimal trial is chosen by; a different one needs a new tally. */
  readonly objective: ObjectiveSpec;
  #trials: readonly HasTrial[] = [];
  #phases: TrialPhase[] = [];
  /** Positions of the trials in each phase, ascending, and their names in the same order. */
  #positions = new Map<TrialPhase, number[]>();
  #names = new Map<TrialPhase, string[]>();
  #best: { index: number; trial: Trial; value: number } | undefined;
  /** Frozen copies of `#names` handed out by `summarize`, dropped when their phase changes. */
  #nameLists = new Map<TrialPhase, readonly string[]>();
  /** Names of the trials summarised last. */
  #allNames = new Set<string>();
  /** The algorithm's view of each trial, by position. */
  #views: TrialView[] = [];
  /**
   * The views Katib sends to an algorithm (see `suggestionViews`), in position order, kept up to
   * date as trials change; when a trial enters or leaves that list other than by being appended,
   * it is rebuilt on the next request instead.
   */
  #suggestion: TrialView[] = [];
  /** Index in `#suggestion` of the trial at each position, or −1 when it is not sent. */
  #suggestionAt: number[] = [];
  #suggestionValid = true;

  constructor(objective: ObjectiveSpec) {
    this.objective = objective;
    this.#reset();
  }

  /**
   * The trials of the list summarised last as Katib sends them to an algorithm (what
   * `trialsForSuggestion` gives), without converting the unchanged ones again.
   */
  suggestionViews(): TrialView[] {
    if (!this.#suggestionValid) {
      this.#suggestion = [];
      this.#suggestionAt = [];
      for (const v of this.#views) this.#noteSuggestionView(v);
      this.#suggestionValid = true;
    }
    return this.#suggestion.slice();
  }

  /** Appends the view of the next position to the suggestion list (when it is sent). */
  #noteSuggestionView(v: TrialView): void {
    if (isSuggestionView(v)) {
      this.#suggestionAt.push(this.#suggestion.length);
      this.#suggestion.push(v);
    } else this.#suggestionAt.push(-1);
  }

  /** Keeps the suggestion list in step with the view of position `i` just set. */
  #updateSuggestionView(i: number, v: TrialView): void {
    if (!this.#suggestionValid) return;
    if (i === this.#suggestionAt.length) {
      this.#noteSuggestionView(v);
      return;
    }
    const at = this.#suggestionAt[i];
    if (at === undefined) this.#suggestionValid = false;
    else if (at >= 0 && isSuggestionView(v)) this.#suggestion[at] = v;
    else if (at >= 0 || isSuggestionView(v)) this.#suggestionValid = false;
  }

  /** Whether `trials` is the very list summarised last. */
  isSummaryOf(trials: readonly HasTrial[]): boolean {
    return trials === this.#trials;
  }

  /** Whether a trial of this name was in the list summarised last. */
  has(name: string): boolean {
    return this.#allNames.has(name);
  }

  /** Summarises `trials` (creation order), re-examining only entries that changed since last time. */
  summarize(trials: readonly HasTrial[]): TrialSummary {
    const prev = this.#trials;
    let bestStale = false;
    // The store may know which positions changed since the list summarised last.
    const changed = trials === prev ? [] : trialListChanges(prev, trials);
    if (trials.length < prev.length) {
      this.#rebuild(trials);
    } else {
      const n = changed === undefined ? trials.length : changed.length;
      for (let k = 0; k < n; k++) {
        const i = changed === undefined ? k : changed[k]!;
        const item = trials[i]!;
        const was = prev[i];
        if (item === was || item.trial === was?.trial) continue;
        const t = item.trial;
        if (was !== undefined && was.trial.metadata.name !== t.metadata.name) {
          // Not the same experiment history any more (deleted and recreated): start over.
          this.#rebuild(trials);
          bestStale = false;
          break;
        }
        this.#place(i, t, was === undefined);
        if (this.#best?.index === i) bestStale = true;
        else this.#offer(i, t);
      }
    }
    this.#trials = trials;
    if (bestStale) this.#recomputeBest();
    const byPhase = {} as Record<TrialPhase, readonly string[]>;
    for (const p of TRIAL_PHASES) {
      let names = this.#nameLists.get(p);
      if (names === undefined) {
        names = Object.freeze(this.#names.get(p)!.slice());
        this.#nameLists.set(p, names);
      }
      byPhase[p] = names;
    }
    const pending = this.#positions.get('Pending')!;
    const running = this.#positions.get('Running')!;
    const active = running.length === 0 ? pending.slice() : [...pending, ...running].sort((a, b) => a - b);
    const best = this.#best;
    return {
      counts: { total: trials.length, byPhase },
      best: best === undefined ? undefined : { trial: best.trial, value: best.value },
      active,
    };
  }

  #reset(): void {
    this.#trials = [];
    this.#phases = [];
    this.#best = undefined;
    this.#allNames = new Set();
    this.#views = [];
    this.#suggestion = [];
    this.#suggestionAt = [];
    this.#suggestionValid = true;
    this.#nameLists = new Map();
    for (const p of TRIAL_PHASES) {
      this.#positions.set(p, []);
      this.#names.set(p, []);
    }
  }

  #rebuild(trials: readonly HasTrial[]): void {
    this.#reset();
    for (let i = 0; i < trials.length; i++) {
      const t = trials[i]!.trial;
      this.#place(i, t, true);
      this.#offer(i, t);
    }
  }

  /** Records trial `i`'s phase; `added` when position `i` is new. */
  #place(i: number, t: Trial, added: boolean): void {
    const phase = trialPhase(t.status);
    const view = toTrialView(t);
    this.#views[i] = view;
    this.#updateSuggestionView(i, view);
    if (added) this.#allNames.add(t.metadata.name);
    else {
      const was = this.#phases[i]!;
      if (was === phase) return;
      this.#nameLists.delete(was);
      const positions = this.#positions.get(was)!;
      const at = lowerBound(positions, i);
      positions.splice(at, 1);
      this.#names.get(was)!.splice(at, 1);
    }
    this.#phases[i] = phase;
    this.#nameLists.delete(phase);
    const positions = this.#positions.get(phase)!;
    const names = this.#names.get(phase)!;
    if (positions.length === 0 || positions[positions.length - 1]! < i) {
      positions.push(i);
      names.push(t.metadata.name);
    } else {
      const at = lowerBound(positions, i);
      positions.splice(at, 0, i);
      names.splice(at, 0, t.metadata.name);
    }
  }

  /** Makes trial `i` the optimal one if it beats the current one (ties keep the earlier trial). */
  #offer(i: number, t: Trial): void {
    const value = objectiveValueOf(t, this.objective);
    if (value === undefined) return;
    const best = this.#best;
    if (
      best === undefined ||
      isBetter(this.objective, value, best.value) ||
      (value === best.value && i < best.index)
    )
      this.#best = { index: i, trial: t, value };
  }

  #recomputeBest(): void {
    const trials = this.#trials.map((x) => x.trial);
    const found = findOptimalTrial(this.objective, trials);
    this.#best =
      found === undefined
        ? undefined
        : { index: trials.indexOf(found.trial), trial: found.trial, value: found.value };
  }
}
