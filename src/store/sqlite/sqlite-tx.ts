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
import { randomInt } from 'node:crypto';
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
import { deepFreeze, recordListDerivation } from '../snapshot.js';
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

/** An experiment row parsed: its body (all but the status) and status, each deeply frozen. */
interface ParsedExperiment {
  readonly body: Omit<Experiment, 'status'>;
  readonly status: ExperimentStatus | undefined;
}

function parseExperiment(row: ExperimentRow, cachedBody?: Omit<Experiment, 'status'>): ParsedExperiment {
  return {
    body: cachedBody ?? (deepFreeze(parse(row.body)) as Omit<Experiment, 'status'>),
    status: row.status === null ? undefined : (deepFreeze(parse(row.status)) as ExperimentStatus),
  };
}

/** A new snapshot object over frozen parsed parts (which several snapshots may share). */
function experimentSnapshot(parsed: ParsedExperiment, version: number): StoredExperiment {
  const experiment: Experiment =
    parsed.status === undefined ? { ...parsed.body } : { ...parsed.body, status: parsed.status };
  return Object.freeze({ experiment: Object.freeze(experiment), version });
}

/** A parsed experiment and the stored text it was parsed from. */
interface CachedExperiment {
  readonly row: ExperimentRow;
  readonly parsed: ParsedExperiment;
}

/**
 * Parsed experiments by snapshot scope (one per store) and name. A hit needs the very same stored
 * text (compared as strings, far cheaper than parsing a status that lists every trial), so it is
 * right whoever wrote the row and whichever connection reads it; when only the status changed,
 * the parsed body is reused, so `experiment.spec` keeps its identity across status writes. Each
 * read still gets its own snapshot object around the shared, frozen parts.
 */
const experimentCache = new WeakMap<object, Map<string, CachedExperiment>>();
/** Experiments kept per store before the cache starts over. */
const EXPERIMENT_CACHE_LIMIT = 1000;

/** Parsed committed experiment states by read connection and name (see `getExperimentCached`). */
const committedExperiments = new WeakMap<
  object,
  Map<string, { readonly version: number; readonly incarnation: number; readonly parsed: ParsedExperiment }>
>();

function cachedExperimentSnapshot(
  owner: object | undefined,
  name: string,
  row: ExperimentRow,
): StoredExperiment {
  if (owner === undefined) return experimentSnapshot(parseExperiment(row), row.version);
  let cache = experimentCache.get(owner);
  if (cache === undefined) {
    cache = new Map();
    experimentCache.set(owner, cache);
  }
  const hit = cache.get(name);
  let parsed: ParsedExperiment;
  if (hit !== undefined && hit.row.status === row.status && hit.row.body === row.body) {
    parsed = hit.parsed;
  } else {
    parsed = parseExperiment(
      row,
      hit !== undefined && hit.row.body === row.body ? hit.parsed.body : undefined,
    );
    if (cache.size >= EXPERIMENT_CACHE_LIMIT) cache.clear();
    cache.set(name, { row, parsed });
  }
  return experimentSnapshot(parsed, row.version);
}

/**
 * Parsed algorithm states by snapshot scope (one per store) and experiment, with the stored text
 * they were parsed from. The controller reads an experiment's state several times per trial and
 * it changes once; a designer's dump can make it large (a TPE history), so a read of the same text
 * returns the same frozen object instead of parsing it again. Keyed by the text itself, so it is
 * right for either connection and whoever wrote the row.
 */
const algorithmStateCache = new WeakMap<
  object,
  Map<string, { readonly text: string; readonly state: AlgorithmState }>
>();
/** Experiments whose algorithm state is kept per store before the cache starts over. */
const ALGORITHM_STATE_CACHE_LIMIT = 1000;

function cachedAlgorithmState(owner: object, experiment: string, text: string): AlgorithmState {
  let cache = algorithmStateCache.get(owner);
  if (cache === undefined) {
    cache = new Map();
    algorithmStateCache.set(owner, cache);
  }
  const hit = cache.get(experiment);
  if (hit !== undefined && hit.text === text) return hit.state;
  const state = deepFreeze(parse(text) as AlgorithmState);
  if (cache.size >= ALGORITHM_STATE_CACHE_LIMIT) cache.clear();
  cache.set(experiment, { text, state });
  return state;
}

/**
 * An experiment's trial list as one connection last read it: the snapshots in seq order, and the
 * highest change counter seen (see migration 2), so the next read fetches only what changed.
 */
interface TrialListCache {
  readonly list: StoredTrial[];
  /** Position in `list` by seq. */
  readonly index: Map<number, number>;
  since: number;
  /** What `listTrials` hands out: a frozen copy, replaced when something changed. */
  frozen: readonly StoredTrial[];
}

const trialListCache = new WeakMap<object, Map<string, TrialListCache>>();
/** Experiments whose trial lists are kept per connection before the cache starts over. */
const TRIAL_LIST_CACHE_LIMIT = 1000;

/**
 * Parsed trial snapshots by snapshot scope (one per store) and `seq`, with the stored text they
 * were parsed from. A hit needs the very same text and version, so it is right whoever wrote the
 * row and whether or not a transaction that wrote it committed: transactions use it too. Re-reading an unchanged
 * trial (the controller lists every trial on each pass) skips JSON parsing and freezing, and a
 * trial whose status changed reuses its parsed body (a trial's body never changes).
 */
const trialCache = new WeakMap<object, Map<number, { row: TrialRow; snapshot: StoredTrial }>>();
/** Entries kept per store before the cache starts over. */
const TRIAL_CACHE_LIMIT = 100_000;

function cachedTrialSnapshot(owner: object, row: TrialRow): StoredTrial {
  let cache = trialCache.get(owner);
  if (cache === undefined) {
    cache = new Map();
    trialCache.set(owner, cache);
  }
  const hit = cache.get(row.seq);
  if (hit !== undefined) {
    const was = hit.row;
    if (
      was.version === row.version &&
      was.status === row.status &&
      was.runtime === row.runtime &&
      was.body === row.body &&
      was.experiment === row.experiment
    )
      return hit.snapshot;
  }
  const body = hit !== undefined && hit.row.body === row.body ? bodyOfTrial(hit.snapshot) : undefined;
  const snapshot = trialSnapshot(row, body);
  if (cache.size >= TRIAL_CACHE_LIMIT) cache.clear();
  cache.set(row.seq, { row, snapshot });
  return snapshot;
}

/** The parsed body (all but the status) of a trial snapshot; frozen like the snapshot. */
function bodyOfTrial(s: StoredTrial): Omit<Trial, 'status'> {
  const { status: _status, ...body } = s.trial;
  return body;
}

function trialSnapshot(row: TrialRow, parsedBody?: Omit<Trial, 'status'>): StoredTrial {
  const body = parsedBody ?? (parse(row.body) as Omit<Trial, 'status'>);
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
   * Where trial lists are cached (`listTrialsCached`): on the read connection, which sees only
   * committed rows; not in a transaction (a rolled-back write could reuse a change counter).
   */
  protected listCacheOwner(): object | undefined {
    return this.sql;
  }

  getExperiment(name: string): Promise<StoredExperiment | undefined> {
    return attempt(this.guard, () => {
      const owner = this.listCacheOwner();
      if (owner !== undefined) return this.getExperimentCached(owner, name);
      const row = this.sql.getExperiment.get(name);
      // The experiment cache is keyed by the stored text itself, so a transaction may use it too.
      return row === undefined ? undefined : cachedExperimentSnapshot(this.sql.snapshotScope, name, row);
    });
  }

  /**
   * An experiment read on the read connection: when its version and incarnation are those of the
   * state parsed last, that state is used without fetching the body and status (which lists every
   * trial). The read connection sees only committed states, and a committed (incarnation, version)
   * pair names one state: every write bumps the version, every creation draws a new incarnation.
   */
  private getExperimentCached(owner: object, name: string): StoredExperiment | undefined {
    let cache = committedExperiments.get(owner);
    if (cache === undefined) {
      cache = new Map();
      committedExperiments.set(owner, cache);
    }
    const key = this.sql.experimentKey.get(name);
    if (key === undefined) return undefined;
    const hit = cache.get(name);
    if (hit !== undefined && hit.version === key.version && hit.incarnation === key.incarnation)
      return experimentSnapshot(hit.parsed, hit.version);
    const row = this.sql.getExperiment.get(name);
    if (row === undefined) return undefined;
    const snapshot = cachedExperimentSnapshot(this.sql.snapshotScope, name, row);
    if (cache.size >= EXPERIMENT_CACHE_LIMIT) cache.clear();
    // The parts of the snapshot just made (shared with the text-keyed cache).
    const { status, ...body } = snapshot.experiment;
    cache.set(name, {
      version: row.version,
      incarnation: row.incarnation,
      parsed: { body, status },
    });
    return snapshot;
  }

  listExperiments(): Promise<readonly StoredExperiment[]> {
    return attempt(this.guard, () =>
      Object.freeze(
        this.sql.listExperiments.all().map((row) => experimentSnapshot(parseExperiment(row), row.version)),
      ),
    );
  }

  getTrial(name: string): Promise<StoredTrial | undefined> {
    return attempt(this.guard, () => {
      const row = this.sql.getTrial.get(name);
      return row === undefined ? undefined : cachedTrialSnapshot(this.sql.snapshotScope, row);
    });
  }

  listTrials(
    experiment: string,
    filter?: { readonly phases?: readonly TrialPhase[] },
  ): Promise<readonly StoredTrial[]> {
    return attempt(this.guard, () => {
      const phases = filter?.phases;
      const owner = this.listCacheOwner();
      if (phases === undefined && owner !== undefined) return this.listTrialsCached(owner, experiment);
      const rows =
        phases === undefined
          ? this.sql.listTrials.all(experiment)
          : this.sql.listTrialsInPhases.all(experiment, JSON.stringify(phases));
      return Object.freeze(rows.map((row) => cachedTrialSnapshot(this.sql.snapshotScope, row)));
    });
  }

  /**
   * All trials of an experiment, reading only the rows changed since this connection's last read.
   * Trials are removed only with their experiment, and `seq` is never reused, so the cached list
   * is stale exactly when its first trial is gone from the experiment. That is checked *after*
   * reading the changes: if the first trial is still there, the experiment was not deleted before
   * the check, so not before the read either, and the changes read belong to the cached list.
   */
  private listTrialsCached(owner: object, experiment: string): readonly StoredTrial[] {
    let lists = trialListCache.get(owner);
    if (lists === undefined) {
      lists = new Map();
      trialListCache.set(owner, lists);
    }
    let cache = lists.get(experiment);
    let rows = this.sql.listTrialChanges.all(experiment, cache?.since ?? -1);
    const first = cache?.list[0];
    if (first !== undefined && this.sql.trialInExperiment.get(first.seq, experiment) === undefined) {
      cache = undefined;
      rows = this.sql.listTrialChanges.all(experiment, -1);
    }
    if (cache === undefined) {
      if (lists.size >= TRIAL_LIST_CACHE_LIMIT) lists.clear();
      cache = { list: [], index: new Map(), since: -1, frozen: Object.freeze([]) };
      lists.set(experiment, cache);
    }
    if (rows.length === 0) return cache.frozen;
    const changed: number[] = [];
    for (const row of rows) {
      const snapshot = cachedTrialSnapshot(this.sql.snapshotScope, row);
      const at = cache.index.get(row.seq);
      if (at === undefined) {
        // A new trial's seq exceeds every existing one (AUTOINCREMENT), so appending keeps order.
        changed.push(cache.list.length);
        cache.index.set(row.seq, cache.list.length);
        cache.list.push(snapshot);
      } else {
        changed.push(at);
        cache.list[at] = snapshot;
      }
      if (row.changed > cache.since) cache.since = row.changed;
    }
    const base = cache.frozen;
    cache.frozen = Object.freeze(cache.list.slice());
    // Tell list consumers (the controller's tally) which positions changed, in ascending order.
    if (base.length > 0)
      recordListDerivation(
        cache.frozen,
        base,
        changed.sort((a, b) => a - b),
      );
    return cache.frozen;
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
      return row === undefined
        ? undefined
        : cachedAlgorithmState(this.sql.snapshotScope, experiment, row.state);
    });
  }
}

/** Reads and writes inside one open SQLite transaction. */
export class SqliteTx extends SqliteReader implements StoreTx {
  readonly #write: WriteStatements;
  readonly #now: () => Date;

  /** Transactions never cache trial lists (see SqliteReader). */
  protected override listCacheOwner(): object | undefined {
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
        randomInt(1, 2 ** 47),
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
        experiment,
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
