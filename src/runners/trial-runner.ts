/**
 * Runs trial workloads: local processes, in-process functions, Kubernetes workloads.
 *
 * Contract (checked by test/conformance/runner.conformance.ts):
 * - `start` is idempotent by trial name while the runner lives: a second start of a running or
 *   finished trial is a no-op, never a second run.
 * - Every started trial eventually yields exactly one `exited` event (also when it fails to start,
 *   with `error` set, or when it is stopped).
 * - `stop` is idempotent and stops the whole workload (the process group locally).
 * - Events of one trial arrive in order: started, output/file/observations…, exited.
 */
import { KatibError } from '../api/errors.js';
import type { MetricLog } from '../api/observation.js';
import type { Trial } from '../api/trial.js';

/** Lifecycle of a runner (Temporal's Worker states, simplified). */
export type RunnerState = 'running' | 'draining' | 'closed';

/** Why a trial is being stopped. */
export type StopReason = 'EarlyStopped' | 'Killed' | 'ExperimentCompleted' | 'Interrupted' | 'Deleted';

/** One trial to run. */
export interface TrialRun {
  /** The trial, with `spec.runSpec` already substituted and `spec.parameterAssignments` checked. */
  readonly trial: Trial;
  /** A directory owned by this trial (created by the caller); cwd unless the container sets workingDir. */
  readonly workDir: string;
  /** Files to tail and report as `file` events (e.g. the File collector's metrics file). */
  readonly watchFiles?: readonly string[];
  /** Extra environment for the workload (KATIB_TRIAL_NAME is always set). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Something that happened to a trial's workload. */
export type RunnerEvent =
  | { readonly type: 'started'; readonly trialName: string; readonly at: Date; readonly pgid?: number }
  | {
      readonly type: 'output';
      readonly trialName: string;
      readonly stream: 'stdout' | 'stderr';
      readonly chunk: string;
    }
  | { readonly type: 'file'; readonly trialName: string; readonly path: string; readonly chunk: string }
  /** Metrics reported directly (in-process `report()`), already parsed. */
  | { readonly type: 'observations'; readonly trialName: string; readonly logs: readonly MetricLog[] }
  | {
      readonly type: 'exited';
      readonly trialName: string;
      readonly at: Date;
      /** Exit code, or null when killed by a signal or never started. */
      readonly exitCode: number | null;
      readonly signal: string | null;
      /** Set when the workload could not start or threw (in-process). */
      readonly error?: string;
      /** Set when the exit followed a `stop` call. */
      readonly stopReason?: StopReason;
    };

/** A place where trial workloads run. */
export interface TrialRunner {
  readonly kind: 'local-process' | 'in-process' | 'kubernetes';
  /** Starts the workload; idempotent by trial name. Resolves once started (or failed to start). */
  start(run: TrialRun): Promise<void>;
  /** Stops the workload; idempotent. Resolves once it has exited. */
  stop(trialName: string, reason: StopReason): Promise<void>;
  /** Subscribes to events; each call gets every event emitted after it. */
  onEvent(listener: (e: RunnerEvent) => void): () => void;
  /** Names of trials this runner is currently running. */
  active(): readonly string[];
  /** Stops accepting starts; `force` stops running trials. Memoised: repeated calls share one promise. */
  close(opts?: { readonly force?: boolean }): Promise<void>;
  getState(): RunnerState;
}

/**
 * `start` was called after `close`: the runner no longer takes trials. The trial was not started
 * and gets no events; start it on another runner (or after a restart).
 */
export class RunnerClosedError extends KatibError {
  readonly code = 'UNAVAILABLE' as const;
  /** The trial that was not started. */
  readonly trialName: string;
  constructor(runnerKind: TrialRunner['kind'], trialName: string) {
    super(`the ${runnerKind} runner is closing or closed; trial ${trialName} was not started`);
    this.trialName = trialName;
  }
}
