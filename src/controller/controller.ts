/**
 * The level-triggered experiment controller (DESIGN.md §2): `reconcile(name)` reads the whole
 * state of one experiment from the store, compares it with the spec and acts — asks the
 * suggestion service for trials, records them, starts them on the runner, rebuilds the status and
 * ends the experiment. It keeps no state the store lacks, so after a crash it simply reconciles
 * again: trials recorded as pending or running that this process did not start are (re)started
 * under the same names.
 *
 * Runner events (a trial started, printed a metric, exited) update the trial in the store and
 * enqueue its experiment; they never decide anything about the experiment themselves.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  ExperimentReason,
  KatibError,
  SpecError,
  SuggestionReason,
  TrialReason,
  emptyExperimentStatus,
  formatFieldError,
  hasCondition,
  setCondition,
  trialPhase,
  type AlgorithmSetting,
  type AlgorithmState,
  type Condition,
  type Experiment,
  type ExperimentStatus,
  type MetricLog,
  type SuggestionConditionType,
  type Trial,
  type TrialStatus,
  type TrialView,
} from '../api/index.js';
import { PBT_PARENT_LABEL } from '../algorithms/pbt/index.js';
import { DEFAULT_PROMETHEUS_PATH, DEFAULT_PROMETHEUS_PORT } from '../api/defaults.js';
import {
  collectedMetricNames,
  createMetricsCollector,
  isObservationAvailable,
  summarizeObservation,
  unavailableLog,
  type MetricsCollector,
} from '../metrics-collector/index.js';
import { PrometheusScraper } from '../metrics-collector/prometheus/index.js';
import { TfEventsCollector } from '../metrics-collector/tfevents/index.js';
import type { RunnerEvent, StopReason, TrialRunner } from '../runners/index.js';
import { inStoredOrder } from '../store/observation-time.js';
import type {
  ExperimentStore,
  StoredExperiment,
  StoredTrial,
  StoreTx,
  TrialRuntime,
} from '../store/index.js';
import type { SuggestionDeployment, SuggestionService } from '../suggestion/index.js';
import {
  completeExperiment,
  experimentStatusFrom,
  isExperimentCompleted,
  isRestartable,
  restartExperiment,
} from './experiment-status.js';
import { CustomCollectorProcess } from './custom-collector.js';
import { EarlyStoppingWatch } from './early-stopping-watch.js';
import { SOURCE_DIR_ANNOTATION, planLocalTrial } from './local-trial.js';
import { jsonEqual } from './json-equal.js';
import { buildTrial } from './trial-factory.js';
import { trialsToAdd } from './trial-counts.js';
import { TrialTally, type TrialSummary } from './trial-tally.js';
import { newTrialName } from './trial-name.js';
import { trialsForSuggestion } from './trial-view.js';
import { WorkQueue } from './work-queue.js';

/** How long a Custom collector may run on after its trial ended, in ms. */
const CUSTOM_COLLECTOR_GRACE_MS = 30_000;

/** Longest wait for ValidateAlgorithmSettings (Katib's timeout for it). */
const VALIDATE_DEADLINE_MS = 60_000;

/** Options of a Controller; all but the ports are optional. */
export interface ControllerOptions {
  readonly store: ExperimentStore;
  readonly suggestions: SuggestionService;
  readonly runner: TrialRunner;
  /** Root of the per-trial directories (local-process runner). @default `.katib/trials` */
  readonly trialsDir?: string;
  /** Clock. @default `() => new Date()` */
  readonly now?: () => Date;
  /** Sink for notices (one line each). @default none */
  readonly log?: (line: string) => void;
  /** Deadline of one GetSuggestions call in ms (Katib's is a fixed 60 s: #1058). @default 300000 */
  readonly suggestionDeadlineMs?: number;
  /** Consecutive transient suggestion failures before the experiment fails. @default 5 */
  readonly maxSuggestionFailures?: number;
  /** How often buffered metric logs are written, in ms. @default 250 */
  readonly flushIntervalMs?: number;
  /** Periodic re-reconcile of watched experiments, in ms (a safety net). @default 2000 */
  readonly resyncIntervalMs?: number;
  /**
   * Stops a workload left running by a previous engine process (kill -9); returns whether it
   * stopped one. Called before a recorded-as-running trial is re-run.
   */
  readonly killOrphan?: (trialName: string, pgid: number) => boolean;
  /**
   * Whether trial bookkeeping may skip waiting for the disk (the store's `{ durable: false }`):
   * a trial's creation, start, metrics and end, and status updates short of completion. Every
   * write is still a committed transaction, so a crash of this process loses nothing; a power cut
   * may lose the last few milliseconds of them, which the experiment then redoes (a lost creation
   * takes its suggestion with it, a lost end re-runs the trial under the same name). Workloads
   * outside this process must not start before their trial is on disk, so the default is true only
   * for the in-process runner, whose trials die with the process.
   * @default `runner.kind === 'in-process'`
   */
  readonly deferDurability?: boolean;
  /**
   * Least time between two writes of an experiment's status while it runs, in ms: a change within
   * it is written by a pass at its end. The status lists every trial by phase, so writing it on
   * every pass of a fast experiment costs O(trials) per trial. Completion is written at once.
   * @default 50 for the in-process runner, else 0
   */
  readonly statusIntervalMs?: number;
  /** Environment added to every local trial (e.g. `KATIB_DB_MANAGER_ADDRESS` for Push). @default {} */
  readonly trialEnv?: Readonly<Record<string, string>>;
  /**
   * How often metrics that are polled rather than streamed are read while a trial runs, in ms:
   * TensorFlow event files (TensorFlowEvent) and the trial's Prometheus endpoint (PrometheusMetric).
   * @default 1000
   */
  readonly metricsPollIntervalMs?: number;
}

/** A source of metric logs read by polling (an event-file directory, an HTTP endpoint). */
interface MetricsPoller {
  poll(): Promise<readonly MetricLog[]>;
}

/** Something the controller did, for progress displays. */
export type ControllerEvent =
  | { readonly type: 'experiment'; readonly experiment: Experiment }
  | { readonly type: 'trial'; readonly trial: Trial }
  | { readonly type: 'notice'; readonly message: string };

interface LiveTrial {
  readonly name: string;
  readonly experimentName: string;
  /** The experiment as it was when the trial was launched (for its early-stopping rules). */
  readonly experiment: Experiment;
  /** Why the early-stopping rules stopped the trial, once they did. */
  earlyStopReason: string | undefined;
  /** Polled metric sources, read every `metricsPollIntervalMs` and once more at the exit. */
  readonly pollers: readonly MetricsPoller[];
  /** The Custom collector's sidecar process, while it runs. */
  sidecar: CustomCollectorProcess | undefined;
  pollTimer: NodeJS.Timeout | undefined;
  readonly trial: Trial;
  readonly workDir: string;
  readonly collectors: Map<string, MetricsCollector>;
  /** Metric logs not written yet. */
  readonly buffer: MetricLog[];
  /**
   * Every metric log this controller has written for the trial, in write order, when nobody else
   * can write any (a new in-process trial: its logs arrive only as runner events), so that its
   * observation at the exit needs no read back; undefined otherwise, or past {@link OWN_LOGS_LIMIT}.
   */
  ownLogs: MetricLog[] | undefined;
  /** The start, when not written yet. */
  started: { readonly at: Date; readonly pgid: number | undefined } | undefined;
  /** The exit, when not written yet. */
  exit: ExitEvent | undefined;
  /** A write of the pending start, logs and exit is queued on `chain`. */
  writeQueued: boolean;
  /** Serialises this trial's store writes in event order. */
  chain: Promise<void>;
  flushTimer: NodeJS.Timeout | undefined;
}

type ExitEvent = Extract<RunnerEvent, { type: 'exited' }>;

/** What launching a trial needs of it: a stored trial, or one this process has just created. */
type Launchable = Pick<StoredTrial, 'trial' | 'runtime'>;

/** What one `createTrials` call did; `failed` ends the experiment with that message. */
interface CreationOutcome {
  readonly created: number;
  readonly exhausted: boolean;
  readonly failed?: string;
  /** The trials created, as written. */
  readonly trials: readonly Launchable[];
}

/** A `createTrials` call that created nothing (and, with `failed`, failed the experiment). */
function nothingCreated(failed?: string): CreationOutcome {
  return { created: 0, exhausted: false, trials: [], ...(failed !== undefined ? { failed } : {}) };
}

/** Logs a live trial keeps in memory for its exit (`LiveTrial.ownLogs`); longer logs are read back. */
const OWN_LOGS_LIMIT = 1000;

type CompiledOptions = Required<Omit<ControllerOptions, 'killOrphan'>> &
  Pick<ControllerOptions, 'killOrphan'>;

/** The experiment controller: one reconciler for every entry point and runner. */
export class Controller {
  private readonly opts: CompiledOptions;
  private readonly queue: WorkQueue;
  /** Trials this process has started (it never starts one twice). */
  private readonly owned = new Set<string>();
  /**
   * Trials this process created and has not launched yet: their first run's runtime was recorded
   * with them, so their launch needs no transaction of its own.
   */
  private readonly fresh = new Set<string>();
  private readonly live = new Map<string, LiveTrial>();
  private readonly listeners = new Set<(e: ControllerEvent) => void>();
  private readonly watched = new Map<
    string,
    { resolve: (e: StoredExperiment) => void; reject: (err: unknown) => void }[]
  >();
  private readonly suggestionFailures = new Map<string, number>();
  /** After a transient suggestion failure: no new call before this time (ms since epoch), whatever wakes the experiment. */
  private readonly suggestionRetryAt = new Map<string, number>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Per experiment: the incremental trial summary. */
  private readonly tallies = new Map<string, TrialTally>();
  /** Per experiment: when its status was last written (ms since epoch), for `statusIntervalMs`. */
  private readonly statusWrittenAt = new Map<string, number>();
  /** Experiments with a pass scheduled to write a status held back by `statusIntervalMs`. */
  private readonly statusPassScheduled = new Set<string>();
  private readonly unsubscribe: () => void;
  private readonly earlyStopping: EarlyStoppingWatch;
  private resyncTimer: NodeJS.Timeout | undefined;
  private state: 'running' | 'stopping' | 'stopped' = 'running';

  private constructor(opts: ControllerOptions) {
    this.opts = {
      trialsDir: path.resolve('.katib', 'trials'),
      now: () => new Date(),
      log: () => undefined,
      suggestionDeadlineMs: 300_000,
      maxSuggestionFailures: 5,
      flushIntervalMs: 250,
      resyncIntervalMs: 2000,
      deferDurability: opts.runner.kind === 'in-process',
      statusIntervalMs: opts.runner.kind === 'in-process' ? 50 : 0,
      trialEnv: {},
      metricsPollIntervalMs: 1000,
      ...opts,
    };
    this.queue = new WorkQueue(
      (name) => this.reconcile(name),
      (name, err) => this.failWatchers(name, err),
    );
    this.unsubscribe = this.opts.runner.onEvent((e) => this.onRunnerEvent(e));
    this.earlyStopping = new EarlyStoppingWatch(this.opts.store);
  }

  /** A controller over the given store, suggestion service and runner. */
  static create(opts: ControllerOptions): Controller {
    return new Controller(opts);
  }

  /** Subscribes to controller events; returns the unsubscribe function. */
  on(listener: (e: ControllerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Schedules a reconcile of `experimentName`. */
  enqueue(experimentName: string): void {
    this.queue.add(experimentName);
  }

  /**
   * Reconciles `experimentName` until it is completed and none of its trials runs any more.
   * Resolves with the final stored experiment; rejects on a controller bug or store failure.
   */
  runUntilComplete(experimentName: string): Promise<StoredExperiment> {
    const done = new Promise<StoredExperiment>((resolve, reject) => {
      const list = this.watched.get(experimentName) ?? [];
      list.push({ resolve, reject });
      this.watched.set(experimentName, list);
    });
    this.resyncTimer ??= setInterval(() => {
      for (const name of this.watched.keys()) this.queue.add(name);
    }, this.opts.resyncIntervalMs);
    this.queue.add(experimentName);
    return done;
  }

  /**
   * Stops the controller. With `interrupt` (Ctrl-C) running trials are stopped and left to be
   * re-run when the experiment resumes; otherwise they are left alone (the runner drains them).
   */
  async shutdown(opts: { readonly interrupt?: boolean } = {}): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    await this.queue.close();
    await this.opts.runner.close({ force: opts.interrupt ?? true });
    await this.quiesce();
    this.unsubscribe();
    this.state = 'stopped';
  }

  // ---------------------------------------------------------------------------------------------
  // reconcile

  /** One level-triggered pass over one experiment. */
  async reconcile(name: string): Promise<void> {
    if (this.state !== 'running') return;
    const stored = await this.opts.store.read.getExperiment(name);
    if (!stored) {
      this.tallies.delete(name);
      this.checkDone(name); // fails whoever waits for it
      return;
    }
    const e = stored.experiment;
    const now = this.opts.now();
    let algo = await this.opts.store.read.getAlgorithmState(name);
    let trials = await this.opts.store.read.listTrials(name);
    let status: ExperimentStatus = e.status ?? emptyExperimentStatus();
    if (!hasCondition(status.conditions, 'Created')) {
      status = {
        ...status,
        startTime: now.toISOString(),
        conditions: setCondition(
          status.conditions,
          'Created',
          'True',
          ExperimentReason.Created,
          'Experiment is created',
          now,
        ),
      };
    }
    if (
      isExperimentCompleted(status) &&
      isRestartable({ ...e, status }) &&
      e.spec.maxTrialCount !== undefined &&
      e.spec.maxTrialCount > trials.length
    ) {
      status = restartExperiment(status, now);
      await this.updateSuggestionConditions(name, (c) =>
        c.length === 0
          ? c
          : setSuggestionCondition(
              c.filter((x) => x.type !== 'Succeeded'),
              'Running',
              'False',
              SuggestionReason.Restarting,
              'Suggestion is restarting',
              now,
            ),
      );
      this.emit({
        type: 'notice',
        message: `experiment ${name} restarts: maxTrialCount raised to ${e.spec.maxTrialCount}`,
      });
      algo = await this.opts.store.read.getAlgorithmState(name);
    }
    // (Before the completion check: the last trial of an experiment may be the one stopped.)
    // A trial marked finished from outside (EarlyStopping's SetTrialStatus, a user) while its
    // workload still runs here: stop the workload; its exit keeps the observation.
    const running = new Set(this.opts.runner.active());
    if (running.size > 0) {
      for (const t of trials) {
        const trialName = t.trial.metadata.name;
        if (!running.has(trialName)) continue;
        const phase = trialPhase(t.trial.status);
        if (phase === 'EarlyStopped' || phase === 'Killed')
          this.track(this.opts.runner.stop(trialName, phase === 'EarlyStopped' ? 'EarlyStopped' : 'Killed'));
      }
    }

    let summary = this.summarize(e, trials);
    status = experimentStatusFrom({ ...e, status }, summary, { exhausted: algo?.exhausted ?? false, now });
    if (isExperimentCompleted(status)) {
      await this.writeStatus(name, status);
      await this.completeSuggestion(e);
      await this.stopActive(trials, 'ExperimentCompleted');
      this.checkDone(name);
      return;
    }

    // Parallelism was lowered (on resume): stop the newest active trials beyond it.
    if (summary.active.length > e.spec.parallelTrialCount) {
      const active = summary.active.map((i) => trials[i]!);
      const extra = active.slice(e.spec.parallelTrialCount).reverse();
      await this.stopActive(extra, 'Killed', 'parallelTrialCount was lowered');
      trials = await this.opts.store.read.listTrials(name);
      summary = this.summarize(e, trials);
    }

    const add = algo?.exhausted ? 0 : trialsToAdd(e.spec, summary.counts);
    let statusWait = this.statusWait(name);
    let active: readonly Launchable[] = summary.active.map((i) => trials[i]!);
    if (add > 0) {
      const outcome = await this.createTrials(stored.experiment, trials, algo, add);
      if (outcome.failed) {
        status = completeExperiment(status, 'Failed', ExperimentReason.Failed, outcome.failed, now);
        await this.writeStatus(name, status);
        await this.completeSuggestion(e);
        await this.stopActive(trials, 'ExperimentCompleted');
        this.checkDone(name);
        return;
      }
      if (outcome.created > 0 || outcome.exhausted) {
        // New trials alone cannot complete the experiment, so a status that would be held back
        // is not worth recomputing; the pass that writes it will. Nor are the new trials worth
        // reading back just to launch them: they are launched as written, and the next pass
        // lists them with everything else that changed.
        statusWait = this.statusWait(name);
        if (outcome.exhausted || statusWait === 0) {
          trials = await this.opts.store.read.listTrials(name);
          summary = this.summarize(e, trials);
          active = summary.active.map((i) => trials[i]!);
          // The state just written says exhausted exactly when this reply or an earlier one did.
          status = experimentStatusFrom({ ...e, status }, summary, {
            exhausted: outcome.exhausted || (algo?.exhausted ?? false),
            now,
          });
        } else {
          active = [...active, ...outcome.trials];
        }
      }
    }
    await this.writeStatus(name, status, statusWait);
    if (isExperimentCompleted(status)) {
      await this.completeSuggestion(e);
      await this.stopActive(trials, 'ExperimentCompleted');
      this.checkDone(name);
      return;
    }
    for (const t of active) {
      if (!this.owned.has(t.trial.metadata.name)) await this.launch(stored.experiment, t);
    }
    // Not completed (a completed stored status stays completed in `status`): nothing for watchers.
  }

  /** The trials to send to the algorithm: from the tally when it has just summarised `trials`. */
  private suggestionViews(name: string, trials: readonly StoredTrial[]): TrialView[] {
    const tally = this.tallies.get(name);
    return tally !== undefined && tally.isSummaryOf(trials)
      ? tally.suggestionViews()
      : trialsForSuggestion(trials);
  }

  /** The pass's trial summary, from the experiment's incremental tally (see trial-tally.ts). */
  private summarize(e: Experiment, trials: readonly StoredTrial[]): TrialSummary {
    const name = e.metadata.name;
    let tally = this.tallies.get(name);
    if (tally === undefined || !jsonEqual(tally.objective, e.spec.objective)) {
      tally = new TrialTally(e.spec.objective);
      this.tallies.set(name, tally);
    }
    return tally.summarize(trials);
  }

  private async createTrials(
    e: Experiment,
    trials: readonly StoredTrial[],
    algo: AlgorithmState | undefined,
    count: number,
  ): Promise<CreationOutcome> {
    const name = e.metadata.name;
    const algorithmName = e.spec.algorithm.algorithmName;
    const experiment = withAlgorithmSettings(e, algo?.algorithmSettings);
    const deadlineMs = this.opts.suggestionDeadlineMs;
    const retryAt = this.suggestionRetryAt.get(name);
    if (retryAt !== undefined && Date.now() < retryAt - 5) return nothingCreated();
    this.suggestionRetryAt.delete(name);
    let stage: 'ValidateAlgorithmSettings' | 'GetSuggestions' = 'GetSuggestions';
    let reply;
    try {
      // Katib validates the settings with the service before the Suggestion is Running (§4.3).
      if (!hasCondition(algo?.conditions ?? [], 'Running')) {
        stage = 'ValidateAlgorithmSettings';
        await this.validateSettings(experiment);
        stage = 'GetSuggestions';
      }
      const request = {
        experiment,
        trials: this.suggestionViews(name, trials),
        currentRequestNumber: count,
        totalRequestNumber: (algo?.suggestionCount ?? 0) + count,
        ...(algo ? { state: algo } : {}),
      };
      // A service computing on this thread answers before any timer could fire: no deadline to arm.
      reply =
        this.opts.suggestions.computesOnCallerThread?.(algorithmName) === true
          ? await this.opts.suggestions.getSuggestions(request, { deadlineMs })
          : await withDeadline(
              (signal) => this.opts.suggestions.getSuggestions(request, { signal, deadlineMs }),
              deadlineMs,
              `GetSuggestions for ${name} exceeded its deadline of ${deadlineMs} ms`,
            );
    } catch (err) {
      const deployment = this.opts.suggestions.deploymentStatus?.(algorithmName);
      if (err instanceof SpecError) {
        const detail = err.errors.map(formatFieldError).join('; ');
        const message =
          stage === 'ValidateAlgorithmSettings'
            ? `Validation failed: ValidateAlgorithmSettings Error: ${detail}`
            : detail;
        await this.markSuggestionFailed(name, message, deployment);
        return nothingCreated(`Suggestion has failed: ${message}`);
      }
      const failures = (this.suggestionFailures.get(name) ?? 0) + 1;
      this.suggestionFailures.set(name, failures);
      const message = err instanceof Error ? err.message : String(err);
      const max = this.opts.maxSuggestionFailures;
      if (failures >= max || !isTransient(err)) {
        const attempts = failures > 1 ? ` (gave up after ${failures} attempts)` : '';
        await this.markSuggestionFailed(name, `${stage} failed${attempts}: ${message}`, deployment);
        return nothingCreated(`Suggestion has failed: ${message}${attempts}`);
      }
      const delayMs = Math.min(500 * 2 ** failures, 30_000);
      const retry = `${stage} failed (attempt ${failures} of ${max}), retrying in ${delayMs / 1000} s: ${message}`;
      const now = this.opts.now();
      await this.updateSuggestionConditions(name, (c) =>
        setSuggestionCondition(
          withDeployment(createdCondition(c, now), deployment, now),
          'Running',
          'False',
          SuggestionReason.Retrying,
          retry,
          now,
        ),
      );
      this.emit({ type: 'notice', message: `suggestion failed (attempt ${failures}), retrying: ${message}` });
      this.suggestionRetryAt.set(name, Date.now() + delayMs);
      this.queue.addAfter(name, delayMs);
      return nothingCreated();
    }
    this.suggestionFailures.delete(name);
    const now = this.opts.now();
    // A short reply ends the search when the algorithm says so; over gRPC (no such field) when
    // nothing is running that it could be waiting for (a hyperband rung, a pbt generation).
    const exhausted =
      reply.assignments.length < count && (reply.exhausted ?? !trials.some((t) => isActive(t.trial)));
    const local = this.opts.runner.kind === 'local-process';
    const created: Launchable[] = [];
    try {
      await this.opts.store.transaction(
        async (tx) => {
          // Names of this experiment's trials; createTrial refuses any other collision (ConflictError).
          // (The tally has just summarised `trials`, so it knows their names.)
          const tally = this.tallies.get(name);
          const fresh = new Set<string>();
          const taken = {
            has: (n: string): boolean =>
              fresh.has(n) ||
              (tally !== undefined ? tally.has(n) : trials.some((t) => t.trial.metadata.name === n)),
          };
          for (const s of reply.assignments) {
            const trialName = s.trialName ?? newTrialName(name, taken);
            fresh.add(trialName);
            // The first run's runtime is recorded with the trial (what `launch` would write), so the
            // launch right after needs no transaction of its own.
            const runtime: TrialRuntime = {
              attempt: 1,
              ...(local ? { workDir: path.join(this.opts.trialsDir, trialName) } : {}),
            };
            const trial = buildTrial(e, s, trialName, now);
            await tx.createTrial(trial, runtime);
            created.push({ trial, runtime });
          }
          const base: AlgorithmState = reply.state ?? algo ?? { suggestionCount: 0 };
          const current = (await tx.getAlgorithmState(name))?.conditions ?? algo?.conditions ?? [];
          await tx.putAlgorithmState(name, {
            ...base,
            suggestionCount: (algo?.suggestionCount ?? 0) + reply.assignments.length,
            ...mergedSettings(algo?.algorithmSettings, reply.algorithmSettings),
            ...(exhausted || algo?.exhausted ? { exhausted: true } : {}),
            conditions: runningConditions(
              current,
              this.opts.suggestions.deploymentStatus?.(algorithmName),
              now,
            ),
          });
        },
        { durable: !this.opts.deferDurability },
      );
      for (const c of created) this.fresh.add(c.trial.metadata.name);
    } catch (err) {
      if (err instanceof KatibError && (err.code === 'INVALID_SPEC' || err.code === 'INTERNAL')) {
        return nothingCreated(`Trial creation failed: ${err.message}`);
      }
      throw err;
    }
    if (exhausted)
      this.emit({
        type: 'notice',
        message: `algorithm ${e.spec.algorithm.algorithmName} returned ${reply.assignments.length} of ${count} requested assignments: search space exhausted`,
      });
    return { created: reply.assignments.length, exhausted, trials: created };
  }

  /**
   * ValidateAlgorithmSettings (at most 60 s, or the suggestion deadline when shorter) as Katib's
   * suggestion controller treats it: INVALID_ARGUMENT
   * (SpecError) is terminal, UNAVAILABLE and timeouts are retried, anything else (UNIMPLEMENTED,
   * INTERNAL) counts as valid.
   */
  private async validateSettings(experiment: Experiment): Promise<void> {
    const deadlineMs = Math.min(this.opts.suggestionDeadlineMs, VALIDATE_DEADLINE_MS);
    try {
      await withDeadline(
        (signal) => this.opts.suggestions.validateAlgorithmSettings(experiment, { signal, deadlineMs }),
        deadlineMs,
        `ValidateAlgorithmSettings for ${experiment.metadata.name} exceeded its deadline of ${deadlineMs} ms`,
      );
    } catch (err) {
      if (err instanceof SpecError || isTransient(err)) throw err;
      this.emit({
        type: 'notice',
        message: `ValidateAlgorithmSettings for ${experiment.metadata.name} failed; the settings count as valid (as in Katib): ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }

  /** Rewrites the Suggestion's conditions in the algorithm state (created when missing) if they change. */
  private async updateSuggestionConditions(
    name: string,
    update: (
      c: readonly Condition<SuggestionConditionType>[],
    ) => readonly Condition<SuggestionConditionType>[],
  ): Promise<void> {
    await this.opts.store.transaction(async (tx) => {
      if (!(await tx.getExperiment(name))) return;
      const cur = await tx.getAlgorithmState(name);
      const before = cur?.conditions ?? [];
      const after = update(before);
      if (JSON.stringify(before) === JSON.stringify(after)) return;
      await tx.putAlgorithmState(name, { ...(cur ?? { suggestionCount: 0 }), conditions: after });
    });
  }

  /** Suggestion Failed (terminal), Running=False, with the message. */
  private async markSuggestionFailed(
    name: string,
    message: string,
    deployment: SuggestionDeployment | undefined,
  ): Promise<void> {
    const now = this.opts.now();
    await this.updateSuggestionConditions(name, (c) => {
      let next = withDeployment(createdCondition(c, now), deployment, now);
      next = setSuggestionCondition(next, 'Running', 'False', SuggestionReason.Failed, message, now);
      return setSuggestionCondition(next, 'Failed', 'True', SuggestionReason.Failed, message, now);
    });
  }

  /**
   * The experiment completed: its Suggestion is Succeeded (Katib's reason "Experiment is
   * succeeded"), unless it failed, was never created, or the resume policy is LongRunning (Katib
   * keeps that one running for a restart).
   */
  private async completeSuggestion(e: Experiment): Promise<void> {
    const name = e.metadata.name;
    const algo = await this.opts.store.read.getAlgorithmState(name);
    const c = algo?.conditions ?? [];
    if (c.length === 0 || e.spec.resumePolicy === 'LongRunning') return;
    if (hasCondition(c, 'Failed') || hasCondition(c, 'Succeeded')) return;
    const now = this.opts.now();
    await this.updateSuggestionConditions(name, (cur) => {
      if (hasCondition(cur, 'Failed') || hasCondition(cur, 'Succeeded')) return cur;
      const next = setSuggestionCondition(
        cur,
        'Running',
        'False',
        SuggestionReason.Succeeded,
        'Suggestion is not running',
        now,
      );
      return setSuggestionCondition(
        next,
        'Succeeded',
        'True',
        SuggestionReason.Succeeded,
        'Suggestion is succeeded',
        now,
      );
    });
  }

  /**
   * How long a status short of completion must wait before it may be written (`statusIntervalMs`
   * since the last write); 0 when it may be written now.
   */
  private statusWait(name: string): number {
    const interval = this.opts.statusIntervalMs;
    const last = this.statusWrittenAt.get(name);
    return interval > 0 && last !== undefined ? Math.max(0, last + interval - Date.now()) : 0;
  }

  /**
   * Writes the experiment's status if it changed. A status short of completion is held back while
   * `wait` (see `statusWait`) is positive: a pass at the end of the interval writes whatever the
   * status is then.
   */
  private async writeStatus(
    name: string,
    status: ExperimentStatus,
    wait: number = this.statusWait(name),
  ): Promise<void> {
    const completed = isExperimentCompleted(status);
    if (!completed && wait > 0) {
      if (!this.statusPassScheduled.has(name)) {
        this.statusPassScheduled.add(name);
        this.queue.addAfter(name, wait);
      }
      return;
    }
    this.statusPassScheduled.delete(name);
    // Most passes change nothing: check against committed state first, without a transaction.
    const seen = await this.opts.store.read.getExperiment(name);
    if (!seen || jsonEqual(seen.experiment.status ?? null, status)) return;
    // Status short of completion is recomputed by every pass, so it need not wait for the disk.
    const durable = !this.opts.deferDurability || completed;
    const written = await this.opts.store.transaction(
      async (tx) => {
        const cur = await tx.getExperiment(name);
        if (!cur) return undefined;
        if (jsonEqual(cur.experiment.status ?? null, status)) return undefined;
        const next = { ...status, lastReconcileTime: this.opts.now().toISOString() };
        await tx.updateExperimentStatus(name, next);
        return { ...cur.experiment, status: next };
      },
      { durable },
    );
    if (written) {
      this.statusWrittenAt.set(name, Date.now());
      this.emit({ type: 'experiment', experiment: written });
    }
  }

  /** Stops active trials: running ones through the runner, never-started ones directly. */
  private async stopActive(
    trials: readonly StoredTrial[],
    reason: StopReason,
    message?: string,
  ): Promise<void> {
    const running = new Set(this.opts.runner.active());
    const stops: Promise<void>[] = [];
    for (const t of trials) {
      if (!isActive(t.trial)) continue;
      const name = t.trial.metadata.name;
      if (running.has(name)) {
        stops.push(this.opts.runner.stop(name, reason));
      } else if (!this.live.has(name)) {
        this.owned.add(name);
        this.fresh.delete(name);
        await this.writeTrialStatus(name, (s) =>
          killedStatus(s, this.opts.now(), message ?? stopMessage(reason)),
        );
      }
    }
    await Promise.all(stops);
  }

  // ---------------------------------------------------------------------------------------------
  // trial lifecycle

  private async launch(e: Experiment, st: Launchable): Promise<void> {
    const trial = st.trial;
    const name = trial.metadata.name;
    this.owned.add(name);
    // A trial created by this process has its first run's runtime recorded already.
    const fresh = this.fresh.delete(name);
    const attempt = fresh ? 1 : (st.runtime?.attempt ?? 0) + 1;
    const local = this.opts.runner.kind === 'local-process';
    const trialDir = path.join(this.opts.trialsDir, name);
    if (st.runtime?.pgid !== undefined && this.opts.killOrphan?.(name, st.runtime.pgid)) {
      this.emit({
        type: 'notice',
        message: `stopped the orphaned workload of trial ${name} (pgid ${st.runtime.pgid})`,
      });
    }
    // A Custom collector left running by a previous engine process: its group id is in its pid file.
    const sidecarPgid = local && !fresh ? await CustomCollectorProcess.recordedPgid(trialDir) : undefined;
    if (sidecarPgid !== undefined && this.opts.killOrphan?.(name, sidecarPgid)) {
      this.emit({
        type: 'notice',
        message: `stopped the orphaned metrics collector of trial ${name} (pgid ${sidecarPgid})`,
      });
    }
    if (attempt > 1) {
      this.emit({
        type: 'notice',
        message: `re-running trial ${name} (attempt ${attempt}) under the same name`,
      });
      if (local) await fs.rename(trialDir, `${trialDir}.attempt-${attempt - 1}`).catch(() => undefined);
    }
    const sourceDir = e.metadata.annotations?.[SOURCE_DIR_ANNOTATION];
    const checkpointPath = checkpointPathOf(e);
    const plan = planLocalTrial(trial, trialDir, sourceDir, {
      ...(checkpointPath !== undefined ? { checkpointPath } : {}),
      env: this.opts.trialEnv,
    });
    if (local) for (const dir of plan.directories) await fs.mkdir(dir, { recursive: true });
    if (local && plan.checkpointDir)
      await this.seedCheckpoint(plan.checkpointDir, trial.metadata.labels?.[PBT_PARENT_LABEL]);
    const collectors = new Map<string, MetricsCollector>();
    const spec = trial.spec.metricsCollector;
    const kind = spec.collector?.kind ?? 'StdOut';
    let collectorError: string | undefined;
    try {
      if (kind === 'StdOut') {
        collectors.set('stdout', createMetricsCollector(spec, trial.spec.objective, { now: this.opts.now }));
        collectors.set('stderr', createMetricsCollector(spec, trial.spec.objective, { now: this.opts.now }));
      } else if (kind === 'File' && plan.metricsFile) {
        collectors.set(
          `file:${plan.metricsFile}`,
          createMetricsCollector(spec, trial.spec.objective, { now: this.opts.now }),
        );
      }
    } catch (err) {
      collectorError = err instanceof Error ? err.message : String(err);
    }
    const pollers: MetricsPoller[] = [];
    const metricNames = collectedMetricNames(trial.spec.objective);
    if (kind === 'TensorFlowEvent' && plan.metricsDir) {
      const events = new TfEventsCollector(plan.metricsDir, metricNames);
      pollers.push({ poll: () => events.poll() });
    } else if (kind === 'PrometheusMetric') {
      const httpGet = spec.source?.httpGet;
      const url = `http://127.0.0.1:${String(httpGet?.port ?? DEFAULT_PROMETHEUS_PORT)}${httpGet?.path ?? DEFAULT_PROMETHEUS_PATH}`;
      const scraper = new PrometheusScraper({ url, metricNames, now: this.opts.now });
      pollers.push({ poll: () => scraper.scrape() });
    }
    const live: LiveTrial = {
      name,
      experimentName: e.metadata.name,
      experiment: e,
      earlyStopReason: undefined,
      pollers,
      pollTimer: undefined,
      sidecar: undefined,
      trial,
      workDir: trialDir,
      collectors,
      buffer: [],
      ownLogs: fresh && this.opts.runner.kind === 'in-process' ? [] : undefined,
      started: undefined,
      exit: undefined,
      writeQueued: false,
      chain: Promise.resolve(),
      flushTimer: undefined,
    };
    this.live.set(name, live);
    if (!fresh)
      await this.opts.store.transaction(async (tx) => {
        if (attempt > 1) await tx.deleteObservations(name);
        await tx.updateTrialRuntime(name, { attempt, ...(local ? { workDir: trialDir } : {}) });
        const cur = await tx.getTrial(name);
        if (cur && hasCondition(cur.trial.status.conditions, 'Running')) {
          await tx.updateTrialStatus(name, {
            ...cur.trial.status,
            conditions: setCondition(
              cur.trial.status.conditions,
              'Running',
              'False',
              'TrialRestarting',
              `Trial is re-run (attempt ${attempt}) after the engine stopped`,
              this.opts.now(),
            ),
          });
        }
      });
    if (collectorError !== undefined) {
      this.onRunnerEvent({
        type: 'exited',
        trialName: name,
        at: this.opts.now(),
        exitCode: null,
        signal: null,
        error: collectorError,
      });
      return;
    }
    await this.opts.runner.start(plan.run);
    if (local && plan.customCollector && this.live.get(name) === live) {
      live.sidecar = CustomCollectorProcess.start({
        container: plan.customCollector,
        trialName: name,
        trialDir,
        baseDir: sourceDir ?? process.cwd(),
        env: { ...this.opts.trialEnv, ...plan.run.env },
        ...(plan.markerDir ? { markerDir: plan.markerDir } : {}),
      });
    }
    if (pollers.length > 0 && this.live.get(name) === live) {
      live.pollTimer = setInterval(
        () => this.chain(live, () => this.poll(live)),
        this.opts.metricsPollIntervalMs,
      );
      live.pollTimer.unref();
    }
  }

  /** Reads the trial's polled metric sources once; new logs are written like streamed ones. */
  private async poll(live: LiveTrial): Promise<void> {
    for (const p of live.pollers) {
      const logs = await p.poll();
      if (logs.length === 0) continue;
      live.buffer.push(...logs);
      this.scheduleFlush(live);
    }
  }

  /**
   * Prepares a pbt trial's checkpoint directory: a fresh copy of its parent's (the trial named by
   * the `parent` label), or an empty directory for a trial without one.
   */
  private async seedCheckpoint(dir: string, parent: string | undefined): Promise<void> {
    await fs.rm(dir, { recursive: true, force: true });
    const from = parent ? path.join(this.opts.trialsDir, parent, 'checkpoint') : undefined;
    if (from && (await fs.stat(from).catch(() => undefined))?.isDirectory()) {
      await fs.cp(from, dir, { recursive: true });
      this.emit({ type: 'notice', message: `checkpoint of ${parent ?? ''} copied for its child` });
    } else {
      await fs.mkdir(dir, { recursive: true });
    }
  }

  private onRunnerEvent(e: RunnerEvent): void {
    const live = this.live.get(e.trialName);
    if (!live) return;
    switch (e.type) {
      case 'started':
        live.started = { at: e.at, pgid: e.pgid };
        // Written on the next turn of the event loop, so that a trial that ends at once (an
        // in-process function) records its start, metrics and end in one transaction.
        this.scheduleWrite(live, 'next-turn');
        return;
      case 'output':
        this.collect(live, e.stream, e.chunk);
        return;
      case 'file':
        this.collect(live, `file:${e.path}`, e.chunk);
        return;
      case 'observations':
        live.buffer.push(...e.logs);
        this.scheduleFlush(live);
        return;
      case 'exited':
        if (live.flushTimer) {
          clearTimeout(live.flushTimer);
          live.flushTimer = undefined;
        }
        if (live.pollTimer) {
          clearInterval(live.pollTimer);
          live.pollTimer = undefined;
        }
        for (const c of live.collectors.values()) live.buffer.push(...c.end());
        if (live.pollers.length === 0 && live.sidecar === undefined) {
          live.exit = e;
          this.scheduleWrite(live, 'now');
          return;
        }
        // Whatever the trial wrote last (event files) and what a Custom collector pushes after it
        // is read before its end is recorded.
        this.chain(live, async () => {
          const sidecar = live.sidecar;
          live.sidecar = undefined;
          if (sidecar) await sidecar.finish(e.exitCode === 0 ? CUSTOM_COLLECTOR_GRACE_MS : 5000);
          await this.poll(live);
          live.exit = e;
          this.scheduleWrite(live, 'now');
        });
        return;
    }
  }

  private collect(live: LiveTrial, key: string, chunk: string): void {
    const c = live.collectors.get(key);
    if (!c) return;
    const logs = c.push(chunk);
    if (logs.length === 0) return;
    live.buffer.push(...logs);
    this.scheduleFlush(live);
  }

  private scheduleFlush(live: LiveTrial): void {
    // A write already queued takes the buffer as it is when it runs (it clears `writeQueued` first,
    // so logs after that schedule their own flush).
    if (live.flushTimer || live.writeQueued) return;
    live.flushTimer = setTimeout(() => {
      live.flushTimer = undefined;
      this.scheduleWrite(live, 'now');
    }, this.opts.flushIntervalMs);
  }

  /** Queues one write of whatever the trial's events have left pending (see `writeTrial`). */
  private scheduleWrite(live: LiveTrial, when: 'now' | 'next-turn'): void {
    if (live.writeQueued) return;
    live.writeQueued = true;
    this.chain(live, async () => {
      if (when === 'next-turn') await new Promise<void>((resolve) => setImmediate(resolve));
      await this.writeTrial(live);
    });
  }

  private chain(live: LiveTrial, step: () => Promise<void>): void {
    const p = live.chain.then(step).catch((err: unknown) => {
      this.emit({
        type: 'notice',
        message: `trial ${live.name}: ${err instanceof Error ? err.message : String(err)}`,
      });
    });
    live.chain = p;
    this.track(p);
  }

  /**
   * Writes everything the trial's runner events have left pending — its start, buffered metric
   * logs, its exit — in one transaction: state changes that arrive together are recorded together
   * (a quick trial's start and end in one commit), in event order. After the exit the experiment
   * is reconciled again.
   */
  private async writeTrial(live: LiveTrial): Promise<void> {
    live.writeQueued = false;
    if (live.started === undefined && live.buffer.length === 0 && live.exit === undefined) return;
    const local = this.opts.runner.kind === 'local-process';
    // A local workload's failure message quotes its stderr, read before the transaction.
    const exitSeen = live.exit;
    const stderrTail =
      exitSeen !== undefined && local ? await tailLines(path.join(live.workDir, 'stderr.log'), 3) : '';
    let ended: ExitEvent | undefined;
    let reported = false;
    let written: MetricLog[] | undefined;
    await this.opts.store.transaction(
      async (tx) => {
        const started = live.started;
        live.started = undefined;
        const logs = live.buffer.splice(0, live.buffer.length);
        const exit = live.exit !== undefined && (!local || live.exit === exitSeen) ? live.exit : undefined;
        if (exit) live.exit = undefined;
        ended = exit;
        const cur = await tx.getTrial(live.name);
        if (!cur) return;
        let status = cur.trial.status;
        let runtime = cur.runtime;
        if (started) {
          if (started.pgid !== undefined) runtime = { ...(runtime ?? { attempt: 1 }), pgid: started.pgid };
          status = {
            ...status,
            startTime: status.startTime ?? started.at.toISOString(),
            conditions: setCondition(
              status.conditions,
              'Running',
              'True',
              TrialReason.Running,
              'Trial is running',
              started.at,
            ),
          };
          this.emit({ type: 'trial', trial: { ...cur.trial, status } });
        }
        // The trial's whole log once this commits, when kept in memory (taken over after the commit).
        written =
          live.ownLogs === undefined || live.ownLogs.length + logs.length > OWN_LOGS_LIMIT
            ? undefined
            : logs.length > 0
              ? [...live.ownLogs, ...logs]
              : live.ownLogs;
        if (logs.length > 0) {
          await tx.appendObservations(live.name, logs);
          reported = true;
        }
        if (exit) {
          status = await this.exitStatus(tx, live, exit, status, stderrTail, written);
          if (exit.stopReason !== 'Interrupted') {
            runtime = {
              attempt: runtime?.attempt ?? 1,
              ...(runtime?.workDir ? { workDir: runtime.workDir } : {}),
            };
          }
          this.emit({ type: 'trial', trial: { ...cur.trial, status } });
        }
        if (status !== cur.trial.status) await tx.updateTrialStatus(live.name, status);
        if (runtime !== undefined && !sameRuntime(runtime, cur.runtime))
          await tx.updateTrialRuntime(live.name, runtime);
      },
      { durable: !this.opts.deferDurability },
    );
    live.ownLogs = written;
    if (ended) {
      this.earlyStopping.invalidate(live.experimentName);
      this.live.delete(live.name);
      // An interrupted trial is re-run when the experiment resumes, not now.
      if (ended.stopReason !== 'Interrupted') this.queue.add(live.experimentName);
    } else if (reported && live.earlyStopReason === undefined && live.experiment.spec.earlyStopping) {
      await this.applyEarlyStopping(live);
    }
  }

  /**
   * Checks a running trial's log against the experiment's early-stopping rules and stops it when
   * they all hold; it then ends EarlyStopped with its observation (see `exitStatus`).
   */
  private async applyEarlyStopping(live: LiveTrial): Promise<void> {
    const decision = await this.earlyStopping.check(live.experiment, live.name);
    if (!decision || !this.live.has(live.name) || live.earlyStopReason !== undefined) return;
    live.earlyStopReason = decision.reason;
    this.emit({ type: 'notice', message: `early stopping trial ${live.name}: ${decision.reason}` });
    this.track(this.opts.runner.stop(live.name, 'EarlyStopped'));
  }

  /** The trial's status after its workload exited (its observation logs are written already). */
  private async exitStatus(
    tx: StoreTx,
    live: LiveTrial,
    e: ExitEvent,
    current: TrialStatus,
    stderrTail: string,
    written: readonly MetricLog[] | undefined,
  ): Promise<TrialStatus> {
    const now = this.opts.now();
    if (e.stopReason === 'Interrupted') {
      return {
        ...current,
        conditions: setCondition(
          current.conditions,
          'Running',
          'False',
          'TrialInterrupted',
          'Trial was interrupted; it is re-run when the experiment resumes',
          now,
        ),
      };
    }
    const objective = live.trial.spec.objective;
    // The stored log in its stored order (time, then insertion): `written` when the controller
    // holds the trial's whole log in memory, else read back.
    let logs: readonly MetricLog[] =
      written !== undefined ? inStoredOrder(written) : await tx.getObservationLog(live.name);
    let observation = summarizeObservation(logs, objective);
    let conditions = current.conditions;
    const stopped = e.stopReason !== undefined;
    if (e.stopReason === 'EarlyStopped') {
      conditions = setCondition(
        conditions,
        'EarlyStopped',
        'True',
        TrialReason.EarlyStopped,
        live.earlyStopReason !== undefined
          ? `Trial is early stopped: ${live.earlyStopReason}`
          : 'Trial is early stopped',
        now,
      );
    } else if (stopped) {
      conditions = setCondition(
        conditions,
        'Killed',
        'True',
        TrialReason.Killed,
        stopMessage(e.stopReason),
        now,
      );
    } else if (e.exitCode === 0 && e.error === undefined) {
      if (isObservationAvailable(observation, objective)) {
        conditions = setCondition(
          conditions,
          'Succeeded',
          'True',
          TrialReason.Succeeded,
          'Trial has succeeded',
          now,
        );
      } else {
        const marker = unavailableLog(objective.objectiveMetricName);
        await tx.appendObservations(live.name, [marker]);
        logs = [...logs, marker];
        observation = summarizeObservation(logs, objective);
        conditions = setCondition(
          conditions,
          'MetricsUnavailable',
          'True',
          TrialReason.MetricsUnavailable,
          `Metrics are not available: the objective metric "${objective.objectiveMetricName}" was never reported ` +
            `(the ${live.trial.spec.metricsCollector.collector?.kind ?? 'StdOut'} collector looks for lines like ` +
            `"${objective.objectiveMetricName}=0.123")`,
          now,
        );
      }
    } else {
      const why =
        e.error ??
        (e.signal ? `killed by signal ${e.signal}` : `exited with code ${String(e.exitCode)}`) +
          (stderrTail ? `; stderr: ${stderrTail}` : '');
      conditions = setCondition(
        conditions,
        'Failed',
        'True',
        TrialReason.Failed,
        `Trial has failed: ${why}`,
        now,
      );
    }
    if (hasCondition(conditions, 'Running'))
      conditions = setCondition(
        conditions,
        'Running',
        'False',
        TrialReason.Running,
        'Trial has finished',
        now,
      );
    return {
      ...current,
      conditions,
      completionTime: now.toISOString(),
      ...(observation.metrics.length > 0 ? { observation } : {}),
    };
  }

  private async writeTrialStatus(name: string, update: (s: TrialStatus) => TrialStatus): Promise<void> {
    await this.opts.store.transaction(async (tx) => {
      const cur = await tx.getTrial(name);
      if (!cur) return;
      const status = update(cur.trial.status);
      await tx.updateTrialStatus(name, status);
      this.emit({ type: 'trial', trial: { ...cur.trial, status } });
    });
  }

  // ---------------------------------------------------------------------------------------------
  // bookkeeping

  private checkDone(name: string): void {
    const waiters = this.watched.get(name);
    if (!waiters || waiters.length === 0) return;
    const p = (async () => {
      const stored = await this.opts.store.read.getExperiment(name);
      if (!stored) {
        this.failWatchers(name, new Error(`experiment ${name} was deleted`));
        return;
      }
      if (!isExperimentCompleted(stored.experiment.status)) return;
      for (const t of this.live.values()) if (t.experimentName === name) return;
      const st = stored.experiment.status;
      if ((st?.trialsRunning ?? 0) + (st?.trialsPending ?? 0) > 0) return;
      this.watched.delete(name);
      if (this.watched.size === 0 && this.resyncTimer) {
        clearInterval(this.resyncTimer);
        this.resyncTimer = undefined;
      }
      for (const w of waiters) w.resolve(stored);
    })();
    this.track(p.catch((err: unknown) => this.failWatchers(name, err)));
  }

  private failWatchers(name: string, err: unknown): void {
    const waiters = this.watched.get(name);
    if (!waiters) {
      this.emit({
        type: 'notice',
        message: `reconcile ${name}: ${err instanceof Error ? err.message : String(err)}`,
      });
      return;
    }
    this.watched.delete(name);
    for (const w of waiters) w.reject(err);
  }

  private track<T>(p: Promise<T>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async quiesce(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private emit(e: ControllerEvent): void {
    if (e.type === 'notice') this.opts.log(e.message);
    for (const l of this.listeners) l(e);
  }
}

/** Whether two runtimes record the same thing. */
function sameRuntime(a: TrialRuntime, b: TrialRuntime | undefined): boolean {
  return b !== undefined && a.attempt === b.attempt && a.pgid === b.pgid && a.workDir === b.workDir;
}

function isActive(t: Trial): boolean {
  const p = trialPhase(t.status);
  return p === 'Pending' || p === 'Running';
}

/** Timeouts and unavailable services are retried; our own bugs and bad specs are not. */
function isTransient(err: unknown): boolean {
  return err instanceof KatibError ? err.code === 'UNAVAILABLE' : true;
}

function stopMessage(reason: StopReason | undefined): string {
  switch (reason) {
    case 'ExperimentCompleted':
      return 'Trial was stopped because the experiment completed';
    case 'Deleted':
      return 'Trial was stopped because it was deleted';
    case 'Killed':
      return 'Trial was killed';
    case 'Interrupted':
      return 'Trial was interrupted';
    case 'EarlyStopped':
      return 'Trial is early stopped';
    case undefined:
      return 'Trial was stopped';
  }
}

function killedStatus(s: TrialStatus, now: Date, message: string): TrialStatus {
  let conditions = setCondition(s.conditions, 'Killed', 'True', TrialReason.Killed, message, now);
  if (hasCondition(conditions, 'Running'))
    conditions = setCondition(conditions, 'Running', 'False', TrialReason.Killed, message, now);
  return { ...s, conditions, completionTime: now.toISOString() };
}

/**
 * Sets a Suggestion condition; unlike `setCondition`, a new message with the same status and
 * reason replaces the old one (a retry message counts its attempts).
 */
function setSuggestionCondition(
  conditions: readonly Condition<SuggestionConditionType>[],
  type: SuggestionConditionType,
  status: Condition['status'],
  reason: string,
  message: string,
  now: Date,
): Condition<SuggestionConditionType>[] {
  const cur = conditions.find((c) => c.type === type);
  if (cur && cur.status === status && cur.reason === reason) {
    if (cur.message === message) return [...conditions];
    const at = now.toISOString();
    return conditions.map((c) => (c === cur ? { ...c, message, lastUpdateTime: at } : c));
  }
  return setCondition(conditions, type, status, reason, message, now);
}

function createdCondition(
  c: readonly Condition<SuggestionConditionType>[],
  now: Date,
): Condition<SuggestionConditionType>[] {
  return setSuggestionCondition(c, 'Created', 'True', SuggestionReason.Created, 'Suggestion is created', now);
}

/** DeploymentReady from a started service process, when there is one. */
function withDeployment(
  c: readonly Condition<SuggestionConditionType>[],
  deployment: SuggestionDeployment | undefined,
  now: Date,
): Condition<SuggestionConditionType>[] {
  if (!deployment) return [...c];
  return deployment.ready
    ? setSuggestionCondition(
        c,
        'DeploymentReady',
        'True',
        SuggestionReason.DeploymentReady,
        deployment.message,
        now,
      )
    : setSuggestionCondition(
        c,
        'DeploymentReady',
        'False',
        SuggestionReason.DeploymentNotReady,
        deployment.message,
        now,
      );
}

/** Created, DeploymentReady (for a started service) and Running after a successful call. */
function runningConditions(
  c: readonly Condition<SuggestionConditionType>[],
  deployment: SuggestionDeployment | undefined,
  now: Date,
): Condition<SuggestionConditionType>[] {
  const next = withDeployment(
    createdCondition(
      c.filter((x) => x.type !== 'Succeeded'),
      now,
    ),
    deployment,
    now,
  );
  return setSuggestionCondition(
    next,
    'Running',
    'True',
    SuggestionReason.Running,
    'Suggestion is running',
    now,
  );
}

function withAlgorithmSettings(e: Experiment, overlay: readonly AlgorithmSetting[] | undefined): Experiment {
  if (!overlay || overlay.length === 0) return e;
  const settings = [...(e.spec.algorithm.algorithmSettings ?? [])];
  for (const s of overlay) {
    const i = settings.findIndex((x) => x.name === s.name);
    if (i >= 0) settings[i] = s;
    else settings.push(s);
  }
  return { ...e, spec: { ...e.spec, algorithm: { ...e.spec.algorithm, algorithmSettings: settings } } };
}

function mergedSettings(
  prev: readonly AlgorithmSetting[] | undefined,
  next: readonly AlgorithmSetting[] | undefined,
): { algorithmSettings?: readonly AlgorithmSetting[] } {
  if (!next || next.length === 0) return prev ? { algorithmSettings: prev } : {};
  const out = [...(prev ?? [])];
  for (const s of next) {
    const i = out.findIndex((x) => x.name === s.name);
    if (i >= 0) out[i] = s;
    else out.push(s);
  }
  return { algorithmSettings: out };
}

async function withDeadline<T>(
  call: (signal: AbortSignal) => Promise<T>,
  ms: number,
  message: string,
): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(new Error(message));
    }, ms);
  });
  try {
    return await Promise.race([call(ac.signal), timeout]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

async function tailLines(file: string, n: number): Promise<string> {
  try {
    const text = await fs.readFile(file, 'utf8');
    return text.trimEnd().split('\n').slice(-n).join(' | ').slice(-500);
  } catch {
    return '';
  }
}

/** pbt's `suggestion_trial_dir` setting: the container path of a trial's checkpoint directory. */
function checkpointPathOf(e: Experiment): string | undefined {
  if (e.spec.algorithm.algorithmName !== 'pbt') return undefined;
  const v = e.spec.algorithm.algorithmSettings?.find((s) => s.name === 'suggestion_trial_dir')?.value;
  return v !== undefined && v.trim() !== '' ? v : undefined;
}
