/**
 * The trial runner behind `tune()`: each trial is a call of a JavaScript function in this process.
 *
 * The function gets the trial's parameters and a context with `report` (metrics, reported as
 * `observations` events), an `AbortSignal` (aborted by `stop`) and the trial's name. What it
 * returns is reported too: a number is the objective metric's value, an object maps metric names
 * to values. A throw fails the trial (`exitCode` 1, `error` set). How many trials run at once is
 * the controller's business, not this runner's.
 *
 * A function that ignores its signal cannot be interrupted (JavaScript has no way to kill a call):
 * after `graceMs` the trial is reported as exited anyway and whatever it does later is dropped.
 */
import type { MetricLog } from '../api/observation.js';
import type { Trial } from '../api/trial.js';
import { describeError, stderrNotice, type NoticeSink } from './runner-events.js';
import {
  TrialLifecycleRunner,
  newTrackedTrial,
  type TrackedTrial,
  type TrialExit,
} from './trial-lifecycle.js';
import { RunnerClosedError, type StopReason, type TrialRun } from './trial-runner.js';

/** A trial's parameters by name: numbers where the assigned value is numeric, strings otherwise. */
export type TrialParams = Record<string, number | string>;

/** What an objective function gets besides its parameters. */
export interface InProcessContext {
  /**
   * Reports metric values, e.g. `report({ loss: 0.3, accuracy: 0.9 }, 5)` or
   * `report({ loss: 0.3, step: 5 })`. `step` (epoch, iteration) may be the second argument or a
   * `step` key of the object (the argument wins; the key is never a metric). Without a step, a
   * value's step is the number of values of that metric reported so far (1-based). Values that
   * are not finite numbers are skipped with a notice. Reports after the trial exited are dropped.
   * Safe to destructure (`{ report }`).
   */
  readonly report: (metrics: Readonly<Record<string, number>>, step?: number) => void;
  /** Aborted when the trial is stopped (early stopping, deletion, shutdown). */
  readonly signal: AbortSignal;
  /** The trial's name. */
  readonly trialName: string;
}

/**
 * The function evaluated by each trial. It may return (or resolve to) a number (the objective
 * metric's value), an object of metric values, or nothing (when it only reports).
 */
export type Objective = (params: TrialParams, ctx: InProcessContext) => unknown;

/** Options of {@link InProcessRunner}; all optional. */
export interface InProcessRunnerOptions {
  /**
   * The metric a plain number returned by the objective is reported as.
   * @default the trial's `spec.objective.objectiveMetricName`
   */
  readonly objectiveMetricName?: string;
  /**
   * Turns a trial into the objective's parameters.
   * @default {@link paramsFromAssignments}
   */
  readonly toParams?: (trial: Trial) => TrialParams;
  /**
   * Milliseconds `stop` waits for the function to settle after aborting its signal.
   * @default 5000
   */
  readonly graceMs?: number;
  /**
   * Receives one-line notices (skipped values, abandoned functions, a listener threw).
   * @default one line on stderr
   */
  readonly log?: NoticeSink;
}

/** {@link InProcessRunnerOptions} with every default applied. */
export interface CompiledInProcessRunnerOptions {
  readonly objectiveMetricName: string | undefined;
  readonly toParams: (trial: Trial) => TrialParams;
  readonly graceMs: number;
  readonly log: NoticeSink;
}

/**
 * Applies the defaults of {@link InProcessRunnerOptions}.
 * @throws RangeError when `graceMs` is negative or not finite
 */
export function compileInProcessRunnerOptions(
  options: InProcessRunnerOptions = {},
): CompiledInProcessRunnerOptions {
  const graceMs = options.graceMs ?? 5000;
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new RangeError(`graceMs must be ≥ 0, got ${graceMs}`);
  return {
    objectiveMetricName: options.objectiveMetricName,
    toParams: options.toParams ?? paramsFromAssignments,
    graceMs,
    log: options.log ?? stderrNotice,
  };
}

/**
 * The trial's `spec.parameterAssignments` as an object; values that read as finite numbers
 * (`"0.01"`, `"32"`, `"1e-3"`) become numbers, everything else stays a string.
 */
export function paramsFromAssignments(trial: Trial): TrialParams {
  const params: TrialParams = {};
  for (const { name, value } of trial.spec.parameterAssignments) {
    const n = value.trim() === '' ? Number.NaN : Number(value);
    params[name] = Number.isFinite(n) ? n : value;
  }
  return params;
}

/** Marks an objective that was stopped before it was called. */
const NOT_CALLED = Symbol('not called');

/** One trial's call and its bookkeeping. */
interface InProcessTrial extends TrackedTrial {
  readonly objectiveMetricName: string;
  readonly abort: AbortController;
  /** Reports so far per metric, for steps of values reported without one. */
  readonly counts: Map<string, number>;
  lateReportNoticeGiven: boolean;
}

/**
 * Runs trials as calls of an objective function in this process (the `tune()` API).
 *
 * ```ts
 * const runner = new InProcessRunner(async ({ lr }, { report, signal }) => {
 *   let loss = 1;
 *   for (let epoch = 1; epoch <= 10 && !signal.aborted; epoch++) {
 *     loss *= 1 - Number(lr);
 *     report({ loss }, epoch);
 *   }
 *   return loss; // reported as the objective metric
 * });
 * ```
 */
export class InProcessRunner extends TrialLifecycleRunner<InProcessTrial> {
  /** Always `'in-process'`. */
  readonly kind = 'in-process' as const;
  readonly #objective: Objective;
  readonly #options: CompiledInProcessRunnerOptions;

  /** @throws RangeError for invalid options (see {@link compileInProcessRunnerOptions}) */
  constructor(objective: Objective, options: InProcessRunnerOptions = {}) {
    const compiled = compileInProcessRunnerOptions(options);
    super(compiled.log);
    this.#objective = objective;
    this.#options = compiled;
  }

  /**
   * {@inheritDoc TrialRunner.start}
   * Resolves as soon as `started` was emitted; the function runs on.
   * @throws RunnerClosedError once `close` was called
   */
  override start(run: TrialRun): Promise<void> {
    const name = run.trial.metadata.name;
    if (this.trackedTrial(name) !== undefined) return Promise.resolve();
    if (this.getState() !== 'running') return Promise.reject(new RunnerClosedError(this.kind, name));
    const trial: InProcessTrial = {
      ...newTrackedTrial(name),
      objectiveMetricName: this.#options.objectiveMetricName ?? run.trial.spec.objective.objectiveMetricName,
      abort: new AbortController(),
      counts: new Map(),
      lateReportNoticeGiven: false,
    };
    this.track(trial);

    let params: TrialParams;
    try {
      params = this.#options.toParams(run.trial);
    } catch (err) {
      this.#finish(trial, { exitCode: null, error: `cannot build the parameters: ${describeError(err)}` });
      return Promise.resolve();
    }
    this.emit({ type: 'started', trialName: name, at: new Date() });
    const ctx: InProcessContext = {
      report: (metrics, step) => this.#report(trial, metrics, step),
      signal: trial.abort.signal,
      trialName: name,
    };
    // Called on a later tick so that a synchronous function cannot run inside `start`.
    // A trial stopped before that tick is not called at all.
    const settled = Promise.resolve().then(() =>
      trial.stopReason === undefined ? this.#objective(params, ctx) : NOT_CALLED,
    );
    void settled.then(
      (value) => {
        if (trial.finished) return;
        if (value === NOT_CALLED) {
          this.#finish(trial, { exitCode: null });
          return;
        }
        this.#reportReturn(trial, value);
        this.#finish(trial, { exitCode: 0 });
      },
      (err: unknown) => {
        if (trial.finished) return;
        if (trial.stopReason !== undefined) this.#finish(trial, { exitCode: null });
        else this.#finish(trial, { exitCode: 1, error: describeError(err) });
      },
    );
    return Promise.resolve();
  }

  /** Aborts the trial's signal and resolves when the function settles, or after `graceMs`. */
  protected override async stopTrial(trial: InProcessTrial, reason: StopReason): Promise<void> {
    const abortReason = new Error(`trial ${trial.name} stopped: ${reason}`);
    abortReason.name = 'AbortError';
    trial.abort.abort(abortReason);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace-over'>((resolve) => {
      timer = setTimeout(() => resolve('grace-over'), this.#options.graceMs);
    });
    const outcome = await Promise.race([trial.exited, graceOver]);
    clearTimeout(timer);
    if (outcome === 'grace-over' && !trial.finished) {
      this.#options.log(
        `trial ${trial.name}: the function did not return within ${this.#options.graceMs} ms of being ` +
          'stopped; reported as exited, anything it does later is ignored',
      );
      this.#finish(trial, { exitCode: null });
    }
  }

  #report(trial: InProcessTrial, metrics: unknown, stepArg: unknown): void {
    if (trial.finished) {
      if (!trial.lateReportNoticeGiven) {
        trial.lateReportNoticeGiven = true;
        this.#options.log(`trial ${trial.name}: report() after the trial exited is ignored`);
      }
      return;
    }
    if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
      this.#options.log(`trial ${trial.name}: report() takes an object of metric values; ignored`);
      return;
    }
    const record = metrics as Record<string, unknown>;
    let step = stepArg ?? record['step'];
    if (step !== undefined && (typeof step !== 'number' || !Number.isFinite(step))) {
      this.#options.log(`trial ${trial.name}: step ${describeValue(step)} is not a finite number; ignored`);
      step = undefined;
    }
    const timeStamp = new Date().toISOString();
    const logs: MetricLog[] = [];
    for (const [metricName, value] of Object.entries(record)) {
      if (metricName === 'step') continue;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        this.#options.log(
          `trial ${trial.name}: metric ${metricName} = ${describeValue(value)} is not a finite number; skipped`,
        );
        continue;
      }
      const count = (trial.counts.get(metricName) ?? 0) + 1;
      trial.counts.set(metricName, count);
      logs.push({
        timeStamp,
        metricName,
        value: String(value),
        step: typeof step === 'number' ? step : count,
      });
    }
    if (logs.length > 0) this.emit({ type: 'observations', trialName: trial.name, logs });
  }

  #reportReturn(trial: InProcessTrial, value: unknown): void {
    if (value === undefined || value === null) return;
    if (typeof value === 'number') {
      this.#report(trial, { [trial.objectiveMetricName]: value }, undefined);
    } else if (typeof value === 'object' && !Array.isArray(value)) {
      this.#report(trial, value, undefined);
    } else {
      this.#options.log(
        `trial ${trial.name}: the function returned a ${Array.isArray(value) ? 'list' : typeof value}; ` +
          'only a number or an object of metric values is reported',
      );
    }
  }

  /** Emits the one `exited` event of `trial` (later calls do nothing); a call has no signal. */
  #finish(trial: InProcessTrial, result: Omit<TrialExit, 'signal'>): void {
    this.finishTrial(trial, { ...result, signal: null });
  }
}

/** A value as a notice shows it. */
function describeValue(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === undefined)
    return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  return typeof v;
}
