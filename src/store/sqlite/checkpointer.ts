/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT that
 * crosses the threshold, on the caller's thread: it copies the log into the database and syncs
 * both files, which stalls the event loop for milliseconds every few hundred commits. The store
 * turns it off (`wal_autocheckpoint = 0`) and asks this class instead: every `everyCommits`
 * commits a worker thread, with its own connection, runs `PRAGMA wal_checkpoint(PASSIVE)` — the
 * same checkpoint, which never blocks the writer and leaves whatever it cannot copy yet for the
 * next one. The writer restarts the log once a checkpoint has copied all of it.
 *
 * Durability is SQLite's own: a checkpoint syncs the log before copying and the database after.
 * If the worker cannot start or fails, the store falls back to SQLite's automatic checkpoint.
 */
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 0 });
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.close(); return; }
  try { db.pragma('wal_checkpoint(PASSIVE)'); parentPort.postMessage({ ok: true }); }
  catch (e) { parentPort.postMessage({ ok: false, error: String(e && e.message || e) }); }
});
`;

/** Runs the checkpoints of one database file in a worker thread. */
export class Checkpointer {
  readonly #file: string;
  readonly #driver: string;
  readonly #everyCommits: number;
  readonly #fallback: () => void;
  #commits = 0;
  #worker: Worker | undefined;
  #busy: Promise<void> | undefined;
  #failed = false;

  /**
   * `file` is the database; `driver` the resolved path of better-sqlite3; `fallback` turns
   * SQLite's automatic checkpoint back on (called once, if the worker fails).
   */
  constructor(file: string, driver: string, everyCommits: number, fallback: () => void) {
    this.#file = file;
    this.#driver = driver;
    this.#everyCommits = everyCommits;
    this.#fallback = fallback;
  }

  /** Counts one commit; starts a checkpoint when enough have accumulated and none is running. */
  noteCommit(): void {
    if (this.#failed) return;
    this.#commits += 1;
    if (this.#commits < this.#everyCommits || this.#busy !== undefined) return;
    this.#commits = 0;
    this.#busy = this.#checkpoint().finally(() => {
      this.#busy = undefined;
    });
  }

  /** Waits for a running checkpoint and stops the worker. Idempotent. */
  async close(): Promise<void> {
    // Keep the process alive until the worker has finished (it is unref'd while the store is open).
    this.#worker?.ref();
    await this.#busy;
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker === undefined) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    await exited;
  }

  async #checkpoint(): Promise<void> {
    try {
      const worker = this.#start();
      const reply = await new Promise<{ ok: boolean; error?: string }>((resolve, reject) => {
        const onError = (e: Error): void => reject(e);
        worker.once('error', onError);
        worker.once('message', (m: { ok: boolean; error?: string }) => {
          worker.off('error', onError);
          resolve(m);
        });
        worker.postMessage('checkpoint');
      });
      // A busy database (another process checkpointing) is fine: the next one catches up.
      if (!reply.ok && !/busy|locked/i.test(reply.error ?? '')) throw new Error(reply.error);
    } catch {
      this.#failed = true;
      this.#fallback();
      const worker = this.#worker;
      this.#worker = undefined;
      await worker?.terminate();
    }
  }

  #start(): Worker {
    if (this.#worker === undefined) {
      this.#worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { file: this.#file, driver: this.#driver },
      });
      // A store that is never closed must not keep the process alive for its checkpoints.
      this.#worker.unref();
    }
    return this.#worker;
  }
}
