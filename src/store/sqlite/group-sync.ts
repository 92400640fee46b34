/**
 * Group commit for the SQLite store: the write-ahead log is synced to disk off the event loop, and
 * one sync covers every transaction committed before it started.
 *
 * SQLite's documentation defines `synchronous=FULL` in WAL mode as `NORMAL` plus "an additional
 * sync operation of the WAL file after each transaction commit". This class is that additional
 * sync, done by us: the connection runs with `synchronous=NORMAL` (SQLite still syncs the WAL
 * before each checkpoint, the database after it, and the WAL header when the log is reused), and
 * after a commit the caller awaits {@link GroupSync.durable}, which resolves once an `fdatasync`
 * of the WAL file that *started after* the commit has finished. Commits that arrive while a sync
 * runs share the next one. A WAL is an append-only log replayed as a prefix (each frame's checksum
 * chains on the previous ones), so a synced commit also makes every earlier commit durable.
 *
 * What differs from SQLite's own FULL: SQLite makes a commit visible to other connections only
 * after its sync; here other connections may read a commit up to one sync (~0.1–1 ms) before it is
 * on disk. A power cut in that window loses only commits that no caller was yet told are durable.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Syncs one database's WAL file on demand, batching concurrent requests. */
export class GroupSync {
  readonly #walPath: string;
  #file: FileHandle | undefined;
  #dirSynced = false;
  /** Waiters whose commit happened before the sync in flight started: they need the next one. */
  #waiting: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  #running: Promise<void> | undefined;
  #completed = 0;
  /** A sync requested by `later`, not started yet. */
  #timer: NodeJS.Timeout | undefined;
  /**
   * The first failed sync. Linux reports a write-back error to one fsync only, so a later sync
   * that "succeeds" proves nothing about pages lost before it; every later request fails too.
   */
  #failure: Error | undefined;

  /** `databasePath` is the main database file; its WAL is `<databasePath>-wal`. */
  constructor(databasePath: string) {
    this.#walPath = `${databasePath}-wal`;
  }

  /**
   * Resolves once everything committed before this call is on disk; rejects when the sync fails
   * (the commit may then be lost on power failure, though other connections may already see it).
   */
  durable(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#running ??= this.#drain();
    });
  }

  /** How many syncs have finished successfully (for tests and metrics). */
  get completedSyncs(): number {
    return this.#completed;
  }

  /**
   * Asks for a sync within `delayMs` without anyone waiting for it: commits whose callers do not
   * wait for the disk share one background sync per interval instead of starting one each. No-op
   * while a sync is already requested or running (its successor is then requested by whoever waits).
   */
  later(delayMs: number): void {
    if (this.#timer !== undefined || this.#running !== undefined || this.#failure !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.durable().catch(() => undefined);
    }, delayMs);
    this.#timer.unref();
  }

  /** Waits for requested syncs (running a deferred one now), then closes the WAL file handle. Idempotent. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      await this.durable().catch(() => undefined);
    }
    while (this.#running) await this.#running;
    const file = this.#file;
    this.#file = undefined;
    await file?.close();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting;
        this.#waiting = [];
        try {
          if (this.#failure !== undefined) throw this.#failure;
          await this.#sync();
          this.#completed++;
          for (const w of batch) w.resolve();
        } catch (error) {
          this.#failure ??= new Error(
            `${this.#walPath}: syncing the write-ahead log failed, so recent commits may not be on disk; ` +
              `reopen the store to continue: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          );
          for (const w of batch) w.reject(this.#failure);
        }
      }
    } finally {
      this.#running = undefined;
    }
  }

  async #sync(): Promise<void> {
    this.#file ??= await open(this.#walPath, 'r');
    await this.#file.datasync();
    if (!this.#dirSynced) {
      // A new WAL file's directory entry must reach the disk too (SQLite syncs the directory on
      // a new journal's first sync; with synchronous=NORMAL that first sync may come late).
      const dir = await open(dirname(this.#walPath), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
      this.#dirSynced = true;
    }
  }
}
