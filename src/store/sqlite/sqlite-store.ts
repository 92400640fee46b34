/**
 * The embedded store: one SQLite file (better-sqlite3) per project.
 *
 * Connections. A store holds two connections to the file. The *writer* runs every transaction;
 * `store.read` runs on the writer while it has no open transaction (its page cache stays warm)
 * and on the *reader* while one is open (routed-reader.ts). Because the file is in WAL mode, the
 * reader sees the last committed state even while a transaction of this store is open and
 * awaiting something, which the writer could not give (it would see the open transaction's
 * uncommitted rows).
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
 * Durability. With `synchronous: 'FULL'` (the default) a transaction resolves only once its commit
 * is on disk, so it survives a killed process *and* a power cut or OS crash. The sync is a group
 * commit (`group-sync.ts`): the connection runs SQLite's `synchronous=NORMAL`, and after COMMIT the
 * store `fdatasync`s the WAL itself, off the event loop, one sync covering every transaction
 * committed before it began — SQLite's own FULL is exactly NORMAL plus a WAL sync per commit, so
 * the guarantee is the same while concurrent transactions share a sync and the event loop never
 * blocks on the disk. The write lock is released at COMMIT, so the next transaction runs while the
 * previous one's sync is in flight. The one difference from SQLite's FULL: another connection (the
 * store's own `read`, another process) can see a commit up to one sync before it is durable; a
 * power cut in that window loses only commits whose `transaction` had not yet resolved, and
 * everything this engine does outside the store (starting a trial's workload) waits for the
 * resolution of the transaction that recorded it, which makes every earlier commit durable too
 * (the WAL is replayed as a prefix).
 *
 * With `NORMAL`, commits reach the operating system but are synced only at checkpoints: a killed
 * process (kill -9, OOM, a crash of ours) still loses nothing committed, but a power cut can roll
 * back the last transactions — a trial reported as finished could be forgotten and run again.
 * `SQLITE-FULL` is SQLite's own `synchronous=FULL` (an fsync inside every COMMIT, on the event
 * loop), kept for comparison and for file systems where syncing the WAL from another descriptor
 * is not trusted.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { UnavailableError } from '../../api/errors.js';
import type { ExperimentStore, StoreReader, StoreTx, TransactionOptions } from '../experiment-store.js';
import { AsyncMutex } from '../async-mutex.js';
import { TransactionScope } from '../transaction-scope.js';
import { createRequire } from 'node:module';
import { Checkpointer } from './checkpointer.js';
import { GroupSync } from './group-sync.js';
import { migrate } from './migrations.js';
import { RoutedReader } from './routed-reader.js';
import { ReadStatements, WriteStatements } from './sqlite-statements.js';
import { SqliteReader, SqliteTx } from './sqlite-tx.js';

/**
 * How commits reach the disk (see the module comment): `FULL` — durable when the transaction
 * resolves, by group commit; `SQLITE-FULL` — durable when it resolves, one fsync per commit inside
 * SQLite; `NORMAL` — survives process crashes, not power loss.
 */
export type SqliteSynchronous = 'FULL' | 'SQLITE-FULL' | 'NORMAL';

/** Options of `SqliteStore.open`; all optional. */
export interface SqliteStoreOptions {
  /**
   * Commit durability: FULL and SQLITE-FULL survive process crashes and power loss; NORMAL only
   * process crashes.
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
/**
 * Commits between two checkpoints: a commit adds a few pages to the log, so the log stays within
 * a few thousand pages (SQLite's automatic checkpoint runs at 1000).
 */
const CHECKPOINT_EVERY_COMMITS = 500;
/**
 * Longest wait before a commit made with `{ durable: false }` is synced in the background: what a
 * power cut (not a crash of the process, which loses nothing committed) can take back of them.
 */
const BACKGROUND_SYNC_MS = 10;
const MEMORY = ':memory:';

/** Bookkeeping for one open transaction. */
interface TxState {
  active: boolean;
}

/** Where better-sqlite3 is, for the checkpoint worker to load the same driver. */
const DRIVER = createRequire(import.meta.url).resolve('better-sqlite3');

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
  /** `BEGIN IMMEDIATE` and `COMMIT`, prepared once (exec would parse the text on every transaction). */
  readonly #beginStatement: Database.Statement;
  readonly #commitStatement: Database.Statement;
  readonly #reader: Database.Database;
  readonly #writeSql: WriteStatements;
  readonly #busyTimeoutMs: number;
  readonly #mutex = new AsyncMutex();
  /** Recognises a transaction started from inside one of this store's transactions. */
  readonly #scope = new TransactionScope();
  /** The temporary directory of a `':memory:'` store, removed on close. */
  readonly #tempDir: string | undefined;
  /** The group commit of `synchronous: 'FULL'`; undefined when SQLite syncs (or nothing does). */
  readonly #groupSync: GroupSync | undefined;
  /** Checkpoints in a worker thread (file stores); see checkpointer.ts. */
  readonly #checkpointer: Checkpointer | undefined;
  #closing: Promise<void> | undefined;

  private constructor(
    path: string,
    writer: Database.Database,
    reader: Database.Database,
    busyTimeoutMs: number,
    tempDir: string | undefined,
    groupSync: GroupSync | undefined,
  ) {
    this.path = path;
    this.#tempDir = tempDir;
    this.#groupSync = groupSync;
    this.#checkpointer =
      tempDir === undefined
        ? new Checkpointer(writer.name, DRIVER, CHECKPOINT_EVERY_COMMITS, () => {
            if (writer.open) writer.pragma('wal_autocheckpoint = 1000');
          })
        : undefined;
    this.#writer = writer;
    this.#beginStatement = writer.prepare('BEGIN IMMEDIATE');
    this.#commitStatement = writer.prepare('COMMIT');
    this.#reader = reader;
    this.#busyTimeoutMs = busyTimeoutMs;
    const snapshotScope = {};
    this.#writeSql = new WriteStatements(writer, snapshotScope);
    const guard = (): void => this.#assertOpen();
    this.read = new RoutedReader(
      writer,
      new SqliteReader(this.#writeSql, guard),
      new SqliteReader(new ReadStatements(reader, snapshotScope), guard),
      isBusy,
    );
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
    if (!['FULL', 'SQLITE-FULL', 'NORMAL'].includes(synchronous)) {
      throw new RangeError(`synchronous must be FULL, SQLITE-FULL or NORMAL, got ${String(synchronous)}`);
    }
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
      const level = memory ? 'OFF' : synchronous === 'SQLITE-FULL' ? 'FULL' : 'NORMAL';
      writer.pragma(`synchronous = ${level}`);
      writer.pragma('foreign_keys = ON');
      migrate(writer, shownPath);
      // From here on the writer never waits inside SQLite: `#begin` waits for other processes'
      // write locks without blocking the event loop (and holding the lock, nothing else waits).
      writer.pragma('busy_timeout = 0');
      // Checkpoints run in a worker thread instead (checkpointer.ts), except for `:memory:`.
      if (!memory) writer.pragma('wal_autocheckpoint = 0');

      const reader = new Database(file, { timeout: busyTimeoutMs });
      opened.push(reader);
      reader.pragma('query_only = ON');
      const groupSync = !memory && synchronous === 'FULL' ? new GroupSync(file) : undefined;
      return new SqliteStore(shownPath, writer, reader, busyTimeoutMs, tempDir, groupSync);
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
   * It resolves once the commit is durable (see the module comment), or, with
   * `{ durable: false }`, once it is committed: the group commit then syncs it in the background
   * (with `synchronous: 'FULL'`) without the caller waiting.
   *
   * @throws Error when called from inside another transaction of this store, i.e. from code that
   *   transaction's `fn` awaits (it would deadlock; see transaction-scope.ts for how it is told).
   * @throws UnavailableError when another process keeps the write lock longer than `busyTimeoutMs`.
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (this.#closing !== undefined) return Promise.reject(this.#closedError());
    // Only a running transaction's body could be calling: ask only when one holds the lock.
    if (this.#mutex.pending > 0 && this.#scope.contains()) {
      return Promise.reject(
        new Error(
          'SqliteStore.transaction called inside a transaction of the same store: use the outer `tx` ' +
            '(the outer transaction holds the lock, so the inner one would wait forever)',
        ),
      );
    }
    const committed = this.#mutex.runExclusive(async () => {
      await this.#begin();
      const state: TxState = { active: true };
      const tx = new SqliteTx(this.#writeSql, () => {
        if (!state.active) throw new Error('this transaction has ended; its tx can no longer be used');
      });
      try {
        const result = await this.#scope.run(fn, tx);
        this.#commitStatement.run();
        this.#checkpointer?.noteCommit();
        // Asked for under the lock, so `close` (which waits for the lock) also waits for the sync.
        // A caller that does not wait shares a background sync started within BACKGROUND_SYNC_MS;
        // a failed one surfaces in the next durable transaction's own sync (the WAL stays unsynced
        // until one succeeds).
        if (options?.durable === false) {
          this.#groupSync?.later(BACKGROUND_SYNC_MS);
          return { result, synced: undefined };
        }
        return { result, synced: this.#groupSync?.durable() };
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
    // The write lock is free again; resolve once the commit is on disk.
    return committed.then(async ({ result, synced }) => {
      if (synced !== undefined) await synced;
      return result;
    });
  }

  /**
   * Resolves once every transaction committed so far is on disk (with `synchronous: 'FULL'`; the
   * other modes sync inside COMMIT or not at all, so it resolves at once).
   */
  async sync(): Promise<void> {
    await this.#groupSync?.durable();
  }

  /** Waits for queued transactions to finish, then closes both connections. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#mutex.idle();
      await this.#groupSync?.close();
      await this.#checkpointer?.close();
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
      try {
        this.#beginStatement.run();
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
