/**
 * The embedded store: one SQLite file (better-sqlite3) per project.
 *
 * Connections. A store holds two connections to the file. The *writer* runs every transaction;
 * the *reader* serves `store.read`. Because the file is in WAL mode, the reader sees the last
 * committed state even while a transaction of this store is open and awaiting something, which one
 * shared connection could not give (it would see the open transaction's uncommitted rows).
 * `':memory:'` gives a temporary database that lives until `close()`: two connections cannot share
 * a plain SQLite in-memory database (better-sqlite3 does not enable URI file names), so it is a
 * private file in the OS temp directory, removed on close, with `synchronous=OFF` since nothing
 * about it needs to survive. It behaves exactly like a file store otherwise.
 *
 * Transactions. Callers are serialised by an async mutex, then each transaction is
 * `BEGIN IMMEDIATE` (take the write lock up front, so it never fails half-way for a lock) →
 * `await fn(tx)` → `COMMIT`, or `ROLLBACK` and rethrow when `fn` throws. Another *process* holding
 * the write lock (`katib delete` while `katib run` runs) is waited for without blocking the event
 * loop: `BEGIN IMMEDIATE` is retried with a short back-off until `busyTimeoutMs`, then fails with
 * UnavailableError. Other processes' reads never wait: WAL readers and the writer do not block
 * each other.
 *
 * Durability. `synchronous=FULL` by default: SQLite fsyncs the WAL at every commit, so a
 * transaction that has returned survives a killed process *and* a power cut or OS crash. With
 * `NORMAL`, WAL commits reach the operating system but are synced only at checkpoints: a killed
 * process (kill -9, OOM, a crash of ours) still loses nothing committed, but a power cut can roll
 * back the last transactions — a trial reported as finished could be forgotten and run again. One
 * fsync per transaction costs little next to a trial's run time, so FULL is the default; NORMAL is
 * an option for throughput-bound uses such as benchmarks.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { UnavailableError } from '../../api/errors.js';
import type { ExperimentStore, StoreReader, StoreTx } from '../experiment-store.js';
import { AsyncMutex } from '../async-mutex.js';
import { migrate } from './migrations.js';
import { ReadStatements, WriteStatements } from './sqlite-statements.js';
import { SqliteReader, SqliteTx } from './sqlite-tx.js';

/** SQLite's sync level for commits (see the module comment for what each survives). */
export type SqliteSynchronous = 'FULL' | 'NORMAL';

/** Options of `SqliteStore.open`; all optional. */
export interface SqliteStoreOptions {
  /**
   * Commit durability: FULL survives process crashes and power loss; NORMAL only process crashes.
   * @default 'FULL'
   */
  readonly synchronous?: SqliteSynchronous;
  /**
   * How long to wait for another process's write lock before a transaction fails with
   * UnavailableError, in milliseconds.
   * @default 5000
   */
  readonly busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;
const MEMORY = ':memory:';

/** Bookkeeping for one open transaction. */
interface TxState {
  active: boolean;
}

function isBusy(error: unknown): boolean {
  return (
    error instanceof Database.SqliteError &&
    (error.code.startsWith('SQLITE_BUSY') || error.code.startsWith('SQLITE_LOCKED'))
  );
}

/**
 * `ExperimentStore` on a SQLite file: the embedded mode's store. Open with `SqliteStore.open`;
 * close with `close()`.
 *
 * ```ts
 * const store = await SqliteStore.open('.katib/katib.db');
 * await store.transaction(async (tx) => tx.createExperiment(experiment));
 * const stored = await store.read.getExperiment(experiment.metadata.name);
 * await store.close();
 * ```
 */
export class SqliteStore implements ExperimentStore {
  /** The absolute path of the database file, or `':memory:'`. */
  readonly path: string;
  /** Committed-state reads; see the module comment. */
  readonly read: StoreReader;

  readonly #writer: Database.Database;
  readonly #reader: Database.Database;
  readonly #writeSql: WriteStatements;
  readonly #busyTimeoutMs: number;
  readonly #mutex = new AsyncMutex();
  readonly #current = new AsyncLocalStorage<TxState>();
  /** The temporary directory of a `':memory:'` store, removed on close. */
  readonly #tempDir: string | undefined;
  #closing: Promise<void> | undefined;

  private constructor(
    path: string,
    writer: Database.Database,
    reader: Database.Database,
    busyTimeoutMs: number,
    tempDir: string | undefined,
  ) {
    this.path = path;
    this.#tempDir = tempDir;
    this.#writer = writer;
    this.#reader = reader;
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#writeSql = new WriteStatements(writer);
    this.read = new SqliteReader(new ReadStatements(reader), () => this.#assertOpen());
  }

  /**
   * Opens (creating if needed) the database at `path`, creating its parent directory, and
   * applies pending schema migrations. `':memory:'` gives a private, temporary database that is
   * deleted on close.
   *
   * @throws SchemaTooNewError when the file was written by a newer katib-ts.
   * @throws Error when the file cannot be opened or put in WAL mode (e.g. some network file systems).
   */
  static async open(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    const synchronous = options.synchronous ?? 'FULL';
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    if (!Number.isFinite(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new RangeError(
        `busyTimeoutMs must be a non-negative number of milliseconds, got ${busyTimeoutMs}`,
      );
    }
    const memory = path === MEMORY;
    const shownPath = memory ? MEMORY : resolve(path);
    const tempDir = memory ? await mkdtemp(join(tmpdir(), 'katib-memory-store-')) : undefined;
    const file = tempDir === undefined ? shownPath : join(tempDir, 'katib.db');
    if (!memory) await mkdir(dirname(shownPath), { recursive: true });

    const opened: Database.Database[] = [];
    try {
      const writer = new Database(file, { timeout: busyTimeoutMs });
      opened.push(writer);
      const mode = writer.pragma('journal_mode = WAL', { simple: true }) as string;
      if (mode.toLowerCase() !== 'wal') {
        throw new Error(`${shownPath}: SQLite could not switch the file to WAL mode (it stays "${mode}")`);
      }
      writer.pragma(`synchronous = ${memory ? 'OFF' : synchronous}`);
      writer.pragma('foreign_keys = ON');
      migrate(writer, shownPath);

      const reader = new Database(file, { timeout: busyTimeoutMs });
      opened.push(reader);
      reader.pragma('query_only = ON');
      return new SqliteStore(shownPath, writer, reader, busyTimeoutMs, tempDir);
    } catch (error) {
      for (const db of opened.reverse()) db.close();
      if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Runs `fn` in one serialised, all-or-nothing transaction and returns its result. If `fn`
   * throws (or rejects), everything it wrote is rolled back and the error is rethrown unchanged.
   * `tx` is usable only until `fn` settles. `store.read` inside `fn` still reads committed state,
   * not `fn`'s own writes; use `tx` for those.
   *
   * @throws Error when called from inside another transaction of this store (it would deadlock).
   * @throws UnavailableError when another process keeps the write lock longer than `busyTimeoutMs`.
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) return Promise.reject(this.#closedError());
    if (this.#current.getStore()?.active === true) {
      return Promise.reject(
        new Error(
          'SqliteStore.transaction called inside a transaction of the same store: use the outer `tx` ' +
            '(the outer transaction holds the lock, so the inner one would wait forever)',
        ),
      );
    }
    return this.#mutex.runExclusive(async () => {
      await this.#begin();
      const state: TxState = { active: true };
      const tx = new SqliteTx(this.#writeSql, () => {
        if (!state.active) throw new Error('this transaction has ended; its tx can no longer be used');
      });
      try {
        const result = await this.#current.run(state, () => fn(tx));
        this.#writer.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.#writer.inTransaction) {
          try {
            this.#writer.exec('ROLLBACK');
          } catch {
            // SQLite has already rolled back after some errors; the caller's error matters more.
          }
        }
        throw error;
      } finally {
        state.active = false;
      }
    });
  }

  /** Waits for queued transactions to finish, then closes both connections. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#mutex.idle();
      this.#reader.close();
      this.#writer.close();
      if (this.#tempDir !== undefined) await rm(this.#tempDir, { recursive: true, force: true });
    })();
    return this.#closing;
  }

  /** `BEGIN IMMEDIATE`, retried without blocking the event loop while another process writes. */
  async #begin(): Promise<void> {
    const deadline = Date.now() + this.#busyTimeoutMs;
    let pause = 1;
    for (;;) {
      this.#writer.pragma('busy_timeout = 0');
      try {
        this.#writer.exec('BEGIN IMMEDIATE');
        return;
      } catch (error) {
        if (!isBusy(error)) throw error;
        if (Date.now() >= deadline) {
          throw new UnavailableError(
            `${this.path}: another process has held the database's write lock for over ` +
              `${this.#busyTimeoutMs} ms; try again when it finishes`,
            { cause: error },
          );
        }
      } finally {
        this.#writer.pragma(`busy_timeout = ${this.#busyTimeoutMs}`);
      }
      await sleep(pause);
      pause = Math.min(pause * 2, 25);
    }
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw this.#closedError();
  }

  #closedError(): Error {
    return new Error(`${this.path}: the store is closed`);
  }
}
