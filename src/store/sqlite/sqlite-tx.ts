/**
 * The SQLite store's reader and transaction objects. Both run synchronous better-sqlite3
 * statements and hand results back as promises (the port is async for the network-backed stores),
 * checking first that they may still be used: a reader until its store closes, a transaction only
 * while it is open, so a `tx` kept past its transaction can never write outside one.
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
} from '../../api/index.js';
import { ConflictError, NotFoundError, SpecError } from '../../api/errors.js';
import { EXPERIMENT_LABEL, trialPhase } from '../../api/trial.js';
import type {
  StoredExperiment,
  StoredTrial,
  StoreReader,
  StoreTx,
  TrialRuntime,
} from '../experiment-store.js';
import { fromSortableTime, toSortableTime } from '../observation-time.js';
import { deepFreeze } from '../snapshot.js';
import type {
  ExperimentRow,
  ObservationRow,
  ReadStatements,
  TrialRow,
  WriteStatements,
} from './sqlite-statements.js';

/** Throws when the reader or transaction may no longer be used. */
export type UsageGuard = () => void;

/** Runs `work` after `guard`, turning a throw into a rejected promise. */
function attempt<T>(guard: UsageGuard, work: () => T): Promise<T> {
  try {
    guard();
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function parse(json: string): unknown {
  return JSON.parse(json) as unknown;
}

function experimentSnapshot(row: ExperimentRow): StoredExperiment {
  const body = parse(row.body) as Omit<Experiment, 'status'>;
  const experiment: Experiment =
    row.status === null ? body : { ...body, status: parse(row.status) as ExperimentStatus };
  return deepFreeze({ experiment, version: row.version });
}

/**
 * Parsed trial snapshots by connection, keyed by `seq:version`. A trial's `seq` is never reused and
 * its version grows with every write, so a key names one immutable, frozen snapshot; re-reading an
 * unchanged trial (the controller lists every trial on each pass) skips JSON parsing and freezing.
 */
const trialCache = new WeakMap<object, Map<string, StoredTrial>>();
/** Entries kept per connection before the cache starts over. */
const TRIAL_CACHE_LIMIT = 100_000;

function cachedTrialSnapshot(owner: object | undefined, row: TrialRow): StoredTrial {
  if (owner === undefined) return trialSnapshot(row);
  let cache = trialCache.get(owner);
  if (cache === undefined) {
    cache = new Map();
    trialCache.set(owner, cache);
  }
  const key = `${row.seq}:${row.version}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  if (cache.size >= TRIAL_CACHE_LIMIT) cache.clear();
  const snapshot = trialSnapshot(row);
  cache.set(key, snapshot);
  return snapshot;
}

function trialSnapshot(row: TrialRow): StoredTrial {
  const body = parse(row.body) as Omit<Trial, 'status'>;
  const trial: Trial = { ...body, status: parse(row.status) as TrialStatus };
  const stored: StoredTrial = { trial, experimentName: row.experiment, version: row.version, seq: row.seq };
  return deepFreeze(
    row.runtime === null ? stored : { ...stored, runtime: parse(row.runtime) as TrialRuntime },
  );
}

function observationSnapshot(row: ObservationRow): MetricLog {
  const log: MetricLog = {
    timeStamp: fromSortableTime(row.time),
    metricName: row.metric_name,
    value: row.value,
  };
  return Object.freeze(row.step === null ? log : { ...log, step: row.step });
}

function queryTime(value: string | undefined, field: string): string | null {
  if (value === undefined) return null;
  const sortable = toSortableTime(value);
  if (sortable === undefined) {
    throw new SpecError(
      [{ path: field, message: 'must be an RFC 3339 time', value }],
      'invalid observation query',
    );
  }
  return sortable;
}

/** Snapshot reads over one connection's prepared statements. */
export class SqliteReader implements StoreReader {
  /** The statements to run. */
  protected readonly sql: ReadStatements;
  /** Checks the reader may still be used. */
  protected readonly guard: UsageGuard;

  constructor(sql: ReadStatements, guard: UsageGuard) {
    this.sql = sql;
    this.guard = guard;
  }

  /**
   * Where parsed trial snapshots are cached: the read connection only sees committed rows, so it
   * caches; a transaction does not (a rolled-back write could reuse a `seq:version` key).
   */
  protected snapshotCacheOwner(): object | undefined {
    return this.sql;
  }

  getExperiment(name: string): Promise<StoredExperiment | undefined> {
    return attempt(this.guard, () => {
      const row = this.sql.getExperiment.get(name);
      return row === undefined ? undefined : experimentSnapshot(row);
    });
  }

  listExperiments(): Promise<readonly StoredExperiment[]> {
    return attempt(this.guard, () => Object.freeze(this.sql.listExperiments.all().map(experimentSnapshot)));
  }

  getTrial(name: string): Promise<StoredTrial | undefined> {
    return attempt(this.guard, () => {
      const row = this.sql.getTrial.get(name);
      return row === undefined ? undefined : cachedTrialSnapshot(this.snapshotCacheOwner(), row);
    });
  }

  listTrials(
    experiment: string,
    filter?: { readonly phases?: readonly TrialPhase[] },
  ): Promise<readonly StoredTrial[]> {
    return attempt(this.guard, () => {
      const phases = filter?.phases;
      const owner = this.snapshotCacheOwner();
      if (phases === undefined && owner !== undefined)
        return Object.freeze(this.listTrialsCached(owner, experiment));
      const rows =
        phases === undefined
          ? this.sql.listTrials.all(experiment)
          : this.sql.listTrialsInPhases.all(experiment, JSON.stringify(phases));
      return Object.freeze(rows.map((row) => cachedTrialSnapshot(this.snapshotCacheOwner(), row)));
    });
  }

  /** All trials of an experiment, reading the bodies of only the trials not cached at their version. */
  private listTrialsCached(owner: object, experiment: string): StoredTrial[] {
    const cache = trialCache.get(owner);
    const out: StoredTrial[] = [];
    for (const key of this.sql.listTrialKeys.all(experiment)) {
      const hit = cache?.get(`${key.seq}:${key.version}`);
      if (hit !== undefined) {
        out.push(hit);
        continue;
      }
      const row = this.sql.getTrialBySeq.get(key.seq);
      if (row !== undefined) out.push(cachedTrialSnapshot(owner, row));
    }
    return out;
  }

  getObservationLog(trial: string, q?: ObservationQuery): Promise<readonly MetricLog[]> {
    return attempt(this.guard, () => {
      const rows = this.sql.getObservationLog.all({
        trial,
        metric: q?.metricName ?? null,
        start: queryTime(q?.startTime, 'startTime'),
        end: queryTime(q?.endTime, 'endTime'),
      });
      return Object.freeze(rows.map(observationSnapshot));
    });
  }

  getAlgorithmState(experiment: string): Promise<AlgorithmState | undefined> {
    return attempt(this.guard, () => {
      const row = this.sql.getAlgorithmState.get(experiment);
      return row === undefined ? undefined : deepFreeze(parse(row.state) as AlgorithmState);
    });
  }
}

/** Reads and writes inside one open SQLite transaction. */
export class SqliteTx extends SqliteReader implements StoreTx {
  readonly #write: WriteStatements;
  readonly #now: () => Date;

  /** Transactions never cache snapshots (see SqliteReader). */
  protected override snapshotCacheOwner(): object | undefined {
    return undefined;
  }

  constructor(sql: WriteStatements, guard: UsageGuard, now: () => Date = () => new Date()) {
    super(sql, guard);
    this.#write = sql;
    this.#now = now;
  }

  createExperiment(e: Experiment): Promise<number> {
    return attempt(this.guard, () => {
      const name = requireName(e.metadata?.name, 'metadata.name', 'invalid Experiment');
      if (this.#write.experimentVersion.get(name) !== undefined) {
        throw new ConflictError(`experiment "${name}" already exists`);
      }
      const { status, ...body } = e;
      const createdAt = e.metadata.creationTimestamp ?? this.#now().toISOString();
      this.#write.insertExperiment.run(
        name,
        JSON.stringify(body),
        status === undefined ? null : JSON.stringify(status),
        createdAt,
      );
      return 1;
    });
  }

  updateExperimentSpec(name: string, spec: ExperimentSpec, expectedVersion?: number): Promise<number> {
    return attempt(this.guard, () => {
      this.#checkVersion('experiment', name, this.#write.experimentVersion.get(name), expectedVersion);
      const row = this.#write.getExperiment.get(name);
      if (row === undefined) throw new NotFoundError(`experiment "${name}" not found`);
      const body = { ...(parse(row.body) as Omit<Experiment, 'status'>), spec };
      return this.#returnedVersion(this.#write.updateExperimentBody.get(JSON.stringify(body), name));
    });
  }

  updateExperimentStatus(name: string, status: ExperimentStatus, expectedVersion?: number): Promise<number> {
    return attempt(this.guard, () => {
      this.#checkVersion('experiment', name, this.#write.experimentVersion.get(name), expectedVersion);
      return this.#returnedVersion(this.#write.updateExperimentStatus.get(JSON.stringify(status), name));
    });
  }

  deleteExperiment(name: string): Promise<void> {
    return attempt(this.guard, () => {
      const { changes } = this.#write.deleteExperiment.run(name);
      if (changes === 0) throw new NotFoundError(`experiment "${name}" not found`);
    });
  }

  createTrial(t: Trial, runtime?: TrialRuntime): Promise<void> {
    return attempt(this.guard, () => {
      const name = requireName(t.metadata?.name, 'metadata.name', 'invalid Trial');
      const experiment = requireName(
        t.metadata.labels?.[EXPERIMENT_LABEL],
        `metadata.labels[${EXPERIMENT_LABEL}]`,
        'invalid Trial',
      );
      if (this.#write.experimentVersion.get(experiment) === undefined) {
        throw new NotFoundError(`experiment "${experiment}" of trial "${name}" not found`);
      }
      if (this.#write.trialVersion.get(name) !== undefined) {
        throw new ConflictError(`trial "${name}" already exists`);
      }
      const { status, ...body } = t;
      this.#write.insertTrial.run(
        name,
        experiment,
        JSON.stringify(body),
        JSON.stringify(status),
        trialPhase(status),
        runtime === undefined ? null : JSON.stringify(runtime),
      );
    });
  }

  updateTrialStatus(name: string, status: TrialStatus, expectedVersion?: number): Promise<number> {
    return attempt(this.guard, () => {
      this.#checkVersion('trial', name, this.#write.trialVersion.get(name), expectedVersion);
      return this.#returnedVersion(
        this.#write.updateTrialStatus.get(JSON.stringify(status), trialPhase(status), name),
      );
    });
  }

  updateTrialRuntime(name: string, runtime: TrialRuntime): Promise<void> {
    return attempt(this.guard, () => {
      const { changes } = this.#write.updateTrialRuntime.run(JSON.stringify(runtime), name);
      if (changes === 0) throw new NotFoundError(`trial "${name}" not found`);
    });
  }

  appendObservations(trial: string, logs: readonly MetricLog[]): Promise<void> {
    return attempt(this.guard, () => {
      if (this.#write.trialVersion.get(trial) === undefined)
        throw new NotFoundError(`trial "${trial}" not found`);
      // Check every entry before writing any, so a rejected batch leaves nothing behind even when
      // the caller catches the error and commits.
      const rows = logs.map((log, i) => {
        const time = toSortableTime(log.timeStamp);
        if (time === undefined) {
          throw new SpecError(
            [{ path: `logs[${i}].timeStamp`, message: 'must be an RFC 3339 time', value: log.timeStamp }],
            'invalid observation log',
          );
        }
        if (log.step !== undefined && !Number.isSafeInteger(log.step)) {
          throw new SpecError(
            [{ path: `logs[${i}].step`, message: 'must be an integer', value: log.step }],
            'invalid observation log',
          );
        }
        return [time, log.metricName, log.value, log.step ?? null] as const;
      });
      for (const [time, metric, value, step] of rows) {
        this.#write.insertObservation.run(trial, time, metric, value, step);
      }
    });
  }

  deleteObservations(trial: string): Promise<void> {
    return attempt(this.guard, () => {
      this.#write.deleteObservations.run(trial);
    });
  }

  putAlgorithmState(experiment: string, state: AlgorithmState): Promise<void> {
    return attempt(this.guard, () => {
      if (this.#write.experimentVersion.get(experiment) === undefined) {
        throw new NotFoundError(`experiment "${experiment}" not found`);
      }
      this.#write.putAlgorithmState.run(experiment, JSON.stringify(state));
    });
  }

  #checkVersion(
    kind: 'experiment' | 'trial',
    name: string,
    current: { readonly version: number } | undefined,
    expected: number | undefined,
  ): void {
    if (current === undefined) throw new NotFoundError(`${kind} "${name}" not found`);
    if (expected !== undefined && current.version !== expected) {
      throw new ConflictError(
        `${kind} "${name}" is at version ${current.version}, not ${expected}: it changed since it was read`,
      );
    }
  }

  #returnedVersion(row: { readonly version: number } | undefined): number {
    if (row === undefined) throw new Error('UPDATE … RETURNING version returned no row');
    return row.version;
  }
}

function requireName(value: unknown, path: string, headline: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new SpecError([{ path, message: 'required: a non-empty name', value }], headline);
  }
  return value;
}
