/**
 * The prepared SQL of the SQLite store, one set per connection: reads for every connection, writes
 * only for the connection that holds transactions. Rows come back as the table stores them; turning
 * them into snapshots is `sqlite-tx.ts`'s job.
 */
import type Database from 'better-sqlite3';

/** An `experiments` row as read. */
export interface ExperimentRow {
  readonly body: string;
  readonly status: string | null;
  readonly version: number;
}

/** What names one committed state of an experiment (see migration 2). */
export interface ExperimentKey {
  readonly version: number;
  readonly incarnation: number;
}

/** A `trials` row as read. */
export interface TrialRow {
  readonly seq: number;
  readonly experiment: string;
  readonly body: string;
  readonly status: string;
  readonly version: number;
  readonly runtime: string | null;
}

/** A `trials` row with its change counter. */
export interface TrialChangeRow extends TrialRow {
  readonly changed: number;
}

/** An `observation_logs` row as read. */
export interface ObservationRow {
  readonly time: string;
  readonly metric_name: string;
  readonly value: string;
  readonly step: number | null;
}

/** Named parameters of the observation-log query; null means "no filter". */
export interface ObservationFilter {
  readonly trial: string;
  readonly metric: string | null;
  readonly start: string | null;
  readonly end: string | null;
}

const TRIAL_COLUMNS = 'seq, experiment, body, status, version, runtime';
/** The SET clause that moves an updated trial to its experiment's next change counter. */
const BUMP_CHANGED =
  'changed = (SELECT max(c.changed) + 1 FROM trials AS c WHERE c.experiment = trials.experiment)';

/** Prepared reads. */
export class ReadStatements {
  /**
   * What parsed snapshots are cached under (see sqlite-tx.ts): one object shared by a store's
   * connections, as those caches are keyed by the stored text and so right for any connection.
   */
  readonly snapshotScope: object;
  /** Experiment by name. */
  readonly getExperiment: Database.Statement<[string], ExperimentRow & ExperimentKey>;
  /** Version and incarnation of an experiment, without its (large) body and status. */
  readonly experimentKey: Database.Statement<[string], ExperimentKey>;
  /** All experiments in creation order. */
  readonly listExperiments: Database.Statement<[], ExperimentRow>;
  /** Current version of an experiment. */
  readonly experimentVersion: Database.Statement<[string], { readonly version: number }>;
  /** Trial by name. */
  readonly getTrial: Database.Statement<[string], TrialRow>;
  /** Current version of a trial. */
  readonly trialVersion: Database.Statement<[string], { readonly version: number }>;
  /** Trials of an experiment by seq. */
  readonly listTrials: Database.Statement<[string], TrialRow>;
  /** Trials of an experiment whose phase is in a JSON array of phases, by seq. */
  readonly listTrialsInPhases: Database.Statement<[string, string], TrialRow>;
  /** Trials of an experiment changed after a change counter, by seq: experiment, counter. */
  readonly listTrialChanges: Database.Statement<[string, number], TrialChangeRow>;
  /** Whether the trial with a seq belongs to the experiment: seq, experiment. */
  readonly trialInExperiment: Database.Statement<[number, string], { readonly present: number }>;
  /** A trial's observation log, filtered, by time then insertion. */
  readonly getObservationLog: Database.Statement<[ObservationFilter], ObservationRow>;
  /** An experiment's algorithm state. */
  readonly getAlgorithmState: Database.Statement<[string], { readonly state: string }>;

  constructor(db: Database.Database, snapshotScope?: object) {
    this.snapshotScope = snapshotScope ?? this;
    this.getExperiment = db.prepare(
      'SELECT body, status, version, incarnation FROM experiments WHERE name = ?',
    );
    // The covering index (migration 2) spares walking the row's overflow pages; SQLite would
    // otherwise pick the unique index on name.
    this.experimentKey = db.prepare(
      'SELECT version, incarnation FROM experiments INDEXED BY experiments_key WHERE name = ?',
    );
    this.listExperiments = db.prepare('SELECT body, status, version FROM experiments ORDER BY rowid');
    this.experimentVersion = db.prepare('SELECT version FROM experiments WHERE name = ?');
    this.getTrial = db.prepare(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE name = ?`);
    this.trialVersion = db.prepare('SELECT version FROM trials WHERE name = ?');
    this.listTrials = db.prepare(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE experiment = ? ORDER BY seq`);
    this.listTrialChanges = db.prepare(
      `SELECT ${TRIAL_COLUMNS}, changed FROM trials WHERE experiment = ? AND changed > ? ORDER BY seq`,
    );
    this.trialInExperiment = db.prepare('SELECT 1 AS present FROM trials WHERE seq = ? AND experiment = ?');
    this.listTrialsInPhases = db.prepare(
      `SELECT ${TRIAL_COLUMNS} FROM trials
       WHERE experiment = ? AND phase IN (SELECT value FROM json_each(?)) ORDER BY seq`,
    );
    this.getObservationLog = db.prepare(
      `SELECT time, metric_name, value, step FROM observation_logs
       WHERE trial_name = @trial
         AND (@metric IS NULL OR metric_name = @metric)
         AND (@start IS NULL OR time >= @start)
         AND (@end IS NULL OR time <= @end)
       ORDER BY time, id`,
    );
    this.getAlgorithmState = db.prepare('SELECT state FROM algorithm_state WHERE experiment = ?');
  }
}

/** Prepared reads and writes, for the connection that runs transactions. */
export class WriteStatements extends ReadStatements {
  /** New experiment at version 1: name, body, status, created_at, incarnation. */
  readonly insertExperiment: Database.Statement<[string, string, string | null, string, number]>;
  /** Replace body and bump version: body, name. */
  readonly updateExperimentBody: Database.Statement<[string, string], { readonly version: number }>;
  /** Replace status and bump version: status, name. */
  readonly updateExperimentStatus: Database.Statement<[string, string], { readonly version: number }>;
  /** Delete an experiment (cascades). */
  readonly deleteExperiment: Database.Statement<[string]>;
  /** New trial at version 1: name, experiment, body, status, phase, runtime, experiment again. */
  readonly insertTrial: Database.Statement<[string, string, string, string, string, string | null, string]>;
  /** Replace status and phase, bump version: status, phase, name. */
  readonly updateTrialStatus: Database.Statement<[string, string, string], { readonly version: number }>;
  /** Replace runtime, bump version: runtime, name. */
  readonly updateTrialRuntime: Database.Statement<[string, string]>;
  /** One observation: trial, time, metric, value, step. */
  readonly insertObservation: Database.Statement<[string, string, string, string, number | null]>;
  /** Delete a trial's observation log. */
  readonly deleteObservations: Database.Statement<[string]>;
  /** Insert or replace algorithm state: experiment, state. */
  readonly putAlgorithmState: Database.Statement<[string, string]>;

  constructor(db: Database.Database, snapshotScope?: object) {
    super(db, snapshotScope);
    this.insertExperiment = db.prepare(
      `INSERT INTO experiments (name, body, status, version, created_at, incarnation)
       VALUES (?, ?, ?, 1, ?, ?)`,
    );
    this.updateExperimentBody = db.prepare(
      'UPDATE experiments SET body = ?, version = version + 1 WHERE name = ? RETURNING version',
    );
    this.updateExperimentStatus = db.prepare(
      'UPDATE experiments SET status = ?, version = version + 1 WHERE name = ? RETURNING version',
    );
    this.deleteExperiment = db.prepare('DELETE FROM experiments WHERE name = ?');
    this.insertTrial = db.prepare(
      `INSERT INTO trials (name, experiment, body, status, phase, version, runtime, changed)
       VALUES (?, ?, ?, ?, ?, 1, ?, (SELECT coalesce(max(changed), 0) + 1 FROM trials WHERE experiment = ?))`,
    );
    this.updateTrialStatus = db.prepare(
      `UPDATE trials SET status = ?, phase = ?, version = version + 1, ${BUMP_CHANGED}
       WHERE name = ? RETURNING version`,
    );
    this.updateTrialRuntime = db.prepare(
      `UPDATE trials SET runtime = ?, version = version + 1, ${BUMP_CHANGED} WHERE name = ?`,
    );
    this.insertObservation = db.prepare(
      'INSERT INTO observation_logs (trial_name, time, metric_name, value, step) VALUES (?, ?, ?, ?, ?)',
    );
    this.deleteObservations = db.prepare('DELETE FROM observation_logs WHERE trial_name = ?');
    this.putAlgorithmState = db.prepare(
      `INSERT INTO algorithm_state (experiment, state) VALUES (?, ?)
       ON CONFLICT (experiment) DO UPDATE SET state = excluded.state`,
    );
  }
}
