/**
 * The SQLite schema, as numbered migrations applied at open. `PRAGMA user_version` records the
 * last one applied; every pending migration runs in one `BEGIN IMMEDIATE` transaction, so a crash
 * mid-upgrade leaves the old schema intact and two processes opening an old file at once upgrade
 * it once. A file written by a newer katib-ts (a higher `user_version`) is refused, never guessed at.
 *
 * Append new migrations; never edit one that has shipped.
 */
import type Database from 'better-sqlite3';

/** One schema step. */
export interface Migration {
  /** The `user_version` the file has after this step; 1, 2, 3, … in order. */
  readonly version: number;
  /** What the step does, for logs and errors. */
  readonly description: string;
  /** The DDL/DML, run with `exec`. */
  readonly sql: string;
}

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'experiments, trials, observation logs, algorithm state',
    sql: `
      CREATE TABLE experiments (
        name       TEXT    NOT NULL PRIMARY KEY,
        body       TEXT    NOT NULL,            -- JSON: apiVersion, kind, metadata, spec
        status     TEXT,                        -- JSON ExperimentStatus, NULL until first written
        version    INTEGER NOT NULL,
        created_at TEXT    NOT NULL             -- RFC 3339, UTC
      );

      -- seq is the creation order: AUTOINCREMENT never reuses a value, even after deletes.
      CREATE TABLE trials (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        name       TEXT    NOT NULL UNIQUE,
        experiment TEXT    NOT NULL REFERENCES experiments (name) ON DELETE CASCADE,
        body       TEXT    NOT NULL,            -- JSON: apiVersion, kind, metadata, spec
        status     TEXT    NOT NULL,            -- JSON TrialStatus
        phase      TEXT    NOT NULL,            -- trialPhase(status), for filtering
        version    INTEGER NOT NULL,
        runtime    TEXT                         -- JSON TrialRuntime, NULL when unknown
      );
      CREATE INDEX trials_by_experiment ON trials (experiment, seq);

      CREATE TABLE observation_logs (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        trial_name  TEXT    NOT NULL REFERENCES trials (name) ON DELETE CASCADE,
        time        TEXT    NOT NULL,           -- UTC, nine fractional digits: sorts as text
        metric_name TEXT    NOT NULL,
        value       TEXT    NOT NULL,
        step        INTEGER
      );
      CREATE INDEX observation_logs_by_trial ON observation_logs (trial_name, metric_name, time);

      CREATE TABLE algorithm_state (
        experiment TEXT NOT NULL PRIMARY KEY REFERENCES experiments (name) ON DELETE CASCADE,
        state      TEXT NOT NULL                -- JSON AlgorithmState
      );
    `,
  },
  {
    version: 2,
    description:
      'trials.changed, experiments.incarnation: so readers fetch only changed trials and experiments',
    sql: `
      -- Every insert or update of a trial sets changed to 1 + the experiment's highest, so a reader
      -- that has seen everything up to N reads only the trials with changed > N.
      ALTER TABLE trials ADD COLUMN changed INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX trials_changes ON trials (experiment, changed);
      -- A random number per created experiment: with the version, it names one committed state of
      -- an experiment even across a delete and re-create under the same name.
      ALTER TABLE experiments ADD COLUMN incarnation INTEGER NOT NULL DEFAULT 0;
      -- Covers that lookup: the row itself keeps the status, which lists every trial, in overflow
      -- pages that SQLite would walk to reach the columns after it.
      CREATE INDEX experiments_key ON experiments (name, version, incarnation);
    `,
  },
];

/** The schema version this build writes: the last migration's. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** Thrown at open when the file's schema is newer than this build knows. */
export class SchemaTooNewError extends Error {
  /** The file's `user_version`. */
  readonly fileVersion: number;
  /** The highest version this build knows. */
  readonly knownVersion: number;
  constructor(path: string, fileVersion: number, knownVersion: number) {
    super(
      `${path}: the database schema is version ${fileVersion}, but this katib-ts knows only up to ` +
        `version ${knownVersion}; it was written by a newer katib-ts. Upgrade katib-ts to open it.`,
    );
    this.name = 'SchemaTooNewError';
    this.fileVersion = fileVersion;
    this.knownVersion = knownVersion;
  }
}

/** Reads the file's schema version (`PRAGMA user_version`). */
export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database to `SCHEMA_VERSION` in one transaction and returns the versions before and
 * after. Uses the connection's busy timeout to wait for another process's write lock.
 *
 * @throws SchemaTooNewError when the file is newer than this build.
 */
export function migrate(
  db: Database.Database,
  path: string,
  migrations: readonly Migration[] = MIGRATIONS,
): { readonly from: number; readonly to: number } {
  const known = migrations[migrations.length - 1]?.version ?? 0;
  const seen = schemaVersion(db);
  if (seen > known) throw new SchemaTooNewError(path, seen, known);
  if (seen === known) return { from: seen, to: seen };
  db.exec('BEGIN IMMEDIATE');
  try {
    // Re-read under the write lock: another process may have upgraded the file meanwhile.
    const from = schemaVersion(db);
    if (from > known) throw new SchemaTooNewError(path, from, known);
    for (const m of migrations) {
      if (m.version > from) db.exec(m.sql);
    }
    db.pragma(`user_version = ${known}`);
    db.exec('COMMIT');
    return { from, to: known };
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
