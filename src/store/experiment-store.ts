/**
 * The durable state of experiments, trials, observation logs and algorithm state.
 *
 * Contract (every backend; checked by test/conformance/store.conformance.ts):
 * - Every change happens inside `transaction`; a transaction is all-or-nothing, and transactions
 *   of one store are serialised (no interleaving of two callers' writes).
 * - Durability: a transaction resolves once it is durable (it survives a process crash and, on a
 *   store that syncs, a power cut), unless it was run with `{ durable: false }`: it then resolves
 *   once committed (visible to every reader, kept by a process crash) and becomes durable shortly
 *   after, at the latest with the next durable transaction or `sync()` — commits become durable in
 *   commit order, so a durable transaction makes every earlier one durable.
 * - Objects returned are snapshots: later writes never mutate them.
 * - `version` is an optimistic-concurrency counter like Kubernetes' resourceVersion: it grows with
 *   every write of the object; a write given a stale `expectedVersion` fails with ConflictError.
 * - A trial is recorded (createTrial) before its workload starts; creating a trial whose name
 *   exists fails with ConflictError, so one assignment never becomes two trials.
 * - Trials list in creation order (`seq`).
 * - Deleting an experiment deletes its trials, their observation logs and its algorithm state.
 */
import type {
  AlgorithmState,
  Experiment,
  ExperimentSpec,
  ExperimentStatus,
  MetricLog,
  ObservationQuery,
  Trial,
  TrialPhase,
  TrialStatus,
} from '../api/index.js';

/** An experiment as stored, with its write version. */
export interface StoredExperiment {
  readonly experiment: Experiment;
  readonly version: number;
}

/**
 * Where and how a trial's workload runs locally (embedded mode only): lets a restarted engine find
 * and stop an orphaned process group before re-running the trial.
 */
export interface TrialRuntime {
  /** How many times the workload was started (1 on the first run). */
  readonly attempt: number;
  /** Process group id of the running workload, if any. */
  readonly pgid?: number;
  /** The trial's working directory. */
  readonly workDir?: string;
}

/** A trial as stored. */
export interface StoredTrial {
  readonly trial: Trial;
  readonly experimentName: string;
  readonly version: number;
  /** Creation order within the store, strictly increasing. */
  readonly seq: number;
  readonly runtime?: TrialRuntime;
}

/** Reads; every result is a snapshot. A missing name gives undefined or an empty list, never an error. */
export interface StoreReader {
  /** One experiment, with its status (when one was written) and version. */
  getExperiment(name: string): Promise<StoredExperiment | undefined>;
  /** Every experiment, in creation order. */
  listExperiments(): Promise<readonly StoredExperiment[]>;
  /** One trial, with its experiment's name, version, seq and runtime. */
  getTrial(name: string): Promise<StoredTrial | undefined>;
  /**
   * Trials of one experiment in creation order, optionally only those whose phase (trialPhase of
   * the stored status) is in `phases`; an empty `phases` list matches no trial.
   */
  listTrials(
    experiment: string,
    filter?: { readonly phases?: readonly TrialPhase[] },
  ): Promise<readonly StoredTrial[]>;
  /**
   * Observation log of one trial ordered by time, then insertion. Times are compared as instants
   * (any RFC 3339 offset or precision), `startTime`/`endTime` inclusive, and returned in UTC.
   * @throws SpecError when `startTime` or `endTime` is not RFC 3339.
   */
  getObservationLog(trial: string, q?: ObservationQuery): Promise<readonly MetricLog[]>;
  /** The experiment's algorithm state, if one was put. */
  getAlgorithmState(experiment: string): Promise<AlgorithmState | undefined>;
}

/** Reads and writes inside one transaction. */
export interface StoreTx extends StoreReader {
  /**
   * Creates an experiment and returns its version, 1. ConflictError if the name exists; SpecError
   * without `metadata.name`.
   */
  createExperiment(e: Experiment): Promise<number>;
  /**
   * Replaces the spec (metadata stays as created); returns the new version. NotFoundError if
   * absent, ConflictError if `expectedVersion` is given and stale.
   */
  updateExperimentSpec(name: string, spec: ExperimentSpec, expectedVersion?: number): Promise<number>;
  /** Replaces the status; returns the new version. NotFoundError / ConflictError as for the spec. */
  updateExperimentStatus(name: string, status: ExperimentStatus, expectedVersion?: number): Promise<number>;
  /** Deletes an experiment with its trials, logs and algorithm state; NotFoundError if absent. */
  deleteExperiment(name: string): Promise<void>;
  /**
   * Records a trial at version 1 under the experiment named by its `katib.kubeflow.org/experiment`
   * label (SpecError if the label or `metadata.name` is missing); ConflictError if the name exists
   * (in any experiment), NotFoundError if the experiment does not.
   */
  createTrial(t: Trial, runtime?: TrialRuntime): Promise<void>;
  /** Replaces a trial's status; returns the new version. NotFoundError if absent, ConflictError if stale. */
  updateTrialStatus(name: string, status: TrialStatus, expectedVersion?: number): Promise<number>;
  /** Records where a trial's workload runs; bumps the trial's version. NotFoundError if absent. */
  updateTrialRuntime(name: string, runtime: TrialRuntime): Promise<void>;
  /**
   * Appends to a trial's observation log, all or none. NotFoundError if the trial is absent;
   * SpecError if a `timeStamp` is not RFC 3339 or a `step` not an integer.
   */
  appendObservations(trial: string, logs: readonly MetricLog[]): Promise<void>;
  /** Deletes a trial's observation log (before a re-run, or Katib's DeleteObservationLog); idempotent. */
  deleteObservations(trial: string): Promise<void>;
  /** Replaces the experiment's algorithm state. NotFoundError if the experiment is absent. */
  putAlgorithmState(experiment: string, state: AlgorithmState): Promise<void>;
}

/** Options of one transaction. */
export interface TransactionOptions {
  /**
   * `false` resolves the transaction once it is committed, without waiting for the disk (as
   * PostgreSQL's `synchronous_commit = off`): a process crash keeps it, a power cut may lose it
   * (whole, never in part) until the next durable transaction or `sync()` has resolved. For
   * bookkeeping that nothing outside the process acts on before a later durable transaction.
   * @default true
   */
  readonly durable?: boolean;
}

/** A store: transactions, snapshot reads, close. */
export interface ExperimentStore {
  /**
   * Runs `fn` in one serialised, all-or-nothing transaction; rolls back if it throws. Resolves
   * once the transaction is durable, or only committed with `{ durable: false }`.
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Resolves once every transaction committed so far is durable. */
  sync?(): Promise<void>;
  /** Snapshot reads outside a transaction. */
  readonly read: StoreReader;
  /** Closes the store; idempotent. */
  close(): Promise<void>;
}
