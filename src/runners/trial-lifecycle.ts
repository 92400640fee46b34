/**
 * The trial bookkeeping both embedded runners share: the trials a runner started, its listeners,
 * and its lifecycle (`running` → `draining` → `closed`), i.e. everything of {@link TrialRunner}
 * but how a trial starts and stops. Internal to src/runners.
 */
import { RunnerEventHub, type NoticeSink } from './runner-events.js';
import type { RunnerEvent, RunnerState, StopReason, TrialRun, TrialRunner } from './trial-runner.js';

/** What a runner keeps of every trial it started; each runner adds its own fields. */
export interface TrackedTrial {
  /** The trial's name. */
  readonly name: string;
  /** Settles once `exited` was emitted. */
  readonly exited: Promise<void>;
  /** Settles `exited`; called once the `exited` event was emitted. */
  readonly markExited: () => void;
  /** Set once `exited` was emitted. */
  finished: boolean;
  /** Why the trial is being stopped, once `stop` was called. */
  stopReason: StopReason | undefined;
  /** The stop in progress, shared by repeated `stop` calls. */
  stopping: Promise<void> | undefined;
}

/** A {@link TrackedTrial} for a trial that was just started: not finished, not stopping. */
export function newTrackedTrial(name: string): TrackedTrial {
  let markExited!: () => void;
  const exited = new Promise<void>((resolve) => {
    markExited = resolve;
  });
  return { name, exited, markExited, finished: false, stopReason: undefined, stopping: undefined };
}

/** How a trial's workload ended, as the `exited` event tells it. */
export interface TrialExit {
  /** Exit code, or null when killed by a signal or never started. */
  readonly exitCode: number | null;
  /** The signal that ended the workload, if any. */
  readonly signal: string | null;
  /** Set when the workload could not start or failed (in-process: threw). */
  readonly error?: string;
}

/**
 * A trial runner that keeps track of its trials: `stop`, `onEvent`, `active`, `close` and
 * `getState` of {@link TrialRunner} for any runner, which supplies `start` and how one trial is
 * stopped ({@link TrialLifecycleRunner.stopTrial}).
 *
 * A runner registers each trial it starts with `track`, emits its events with `emit`, and ends
 * it with `finishTrial`, which emits the trial's one `exited` event.
 */
export abstract class TrialLifecycleRunner<T extends TrackedTrial> implements TrialRunner {
  /** Which runner this is. */
  abstract readonly kind: TrialRunner['kind'];
  readonly #events: RunnerEventHub;
  readonly #trials = new Map<string, T>();
  /** Names of the trials not finished yet, so `active` does not walk every trial ever started. */
  readonly #unfinished = new Set<string>();
  #state: RunnerState = 'running';
  #closing: Promise<void> | undefined;

  /** `log` receives a notice when an event listener throws. */
  protected constructor(log: NoticeSink) {
    this.#events = new RunnerEventHub(log);
  }

  /** {@inheritDoc TrialRunner.start} */
  abstract start(run: TrialRun): Promise<void>;

  /** {@inheritDoc TrialRunner.stop} */
  stop(trialName: string, reason: StopReason): Promise<void> {
    const trial = this.#trials.get(trialName);
    if (trial === undefined || trial.finished) return Promise.resolve();
    if (trial.stopping === undefined) {
      trial.stopReason = reason;
      trial.stopping = this.stopTrial(trial, reason);
    }
    return trial.stopping;
  }

  /** {@inheritDoc TrialRunner.onEvent} */
  onEvent(listener: (e: RunnerEvent) => void): () => void {
    return this.#events.on(listener);
  }

  /** {@inheritDoc TrialRunner.active} */
  active(): readonly string[] {
    return [...this.#unfinished];
  }

  /**
   * {@inheritDoc TrialRunner.close}
   * A later call with `force` while draining still stops the running trials ('Interrupted').
   */
  close(opts: { readonly force?: boolean } = {}): Promise<void> {
    if (opts.force === true) {
      for (const name of this.active()) void this.stop(name, 'Interrupted');
    }
    if (this.#closing === undefined) {
      this.#state = 'draining';
      const waits = [...this.#trials.values()].map((t) => t.exited);
      this.#closing = Promise.all(waits).then(() => {
        this.#state = 'closed';
      });
    }
    return this.#closing;
  }

  /** {@inheritDoc TrialRunner.getState} */
  getState(): RunnerState {
    return this.#state;
  }

  /**
   * Stops one running trial, whose `stopReason` is already set; called once per trial, by the
   * first `stop`. Resolves once the trial has exited.
   */
  protected abstract stopTrial(trial: T, reason: StopReason): Promise<void>;

  /** The trial named `name`, if this runner started it. */
  protected trackedTrial(name: string): T | undefined {
    return this.#trials.get(name);
  }

  /** Registers a trial this runner is starting. */
  protected track(trial: T): void {
    this.#trials.set(trial.name, trial);
    if (!trial.finished) this.#unfinished.add(trial.name);
  }

  /** Delivers `e` to every listener. */
  protected emit(e: RunnerEvent): void {
    this.#events.emit(e);
  }

  /** Emits the one `exited` event of `trial` and settles its `exited` (later calls do nothing). */
  protected finishTrial(trial: T, result: TrialExit): void {
    if (trial.finished) return;
    trial.finished = true;
    this.#unfinished.delete(trial.name);
    this.#events.emit({
      type: 'exited',
      trialName: trial.name,
      at: new Date(),
      exitCode: result.exitCode,
      signal: result.signal,
      ...(result.error !== undefined && { error: result.error }),
      ...(trial.stopReason !== undefined && { stopReason: trial.stopReason }),
    });
    trial.markExited();
  }
}
