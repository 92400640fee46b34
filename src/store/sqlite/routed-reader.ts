/**
 * `store.read` of the SQLite store: committed-state reads from whichever of its two connections
 * serves them correctly and faster.
 *
 * SQLite drops a connection's page cache whenever another connection has committed, so the read
 * connection re-reads every page it touches after each of the writer's commits: in a running
 * experiment, every read the controller makes. The writer's own cache stays warm. Outside a
 * transaction the writer sees exactly the committed state (it has nothing uncommitted), so a read
 * made while the writer has no open transaction runs on the writer; a read made while a
 * transaction is open (its `fn` awaiting something) runs on the read connection, which cannot see
 * the open transaction's rows. better-sqlite3 runs a statement synchronously, so no transaction
 * can begin in the middle of a read. The writer waits for no lock (`busy_timeout = 0`), so a read
 * that finds the file busy there (WAL recovery after a crash, a checkpoint resetting the log) is
 * retried on the read connection, which waits up to the store's busy timeout.
 *
 * Each connection keeps its own caches of parsed experiments and trial lists (sqlite-tx.ts), each
 * filled only from committed rows.
 */
import type Database from 'better-sqlite3';
import type { AlgorithmState, MetricLog, ObservationQuery, TrialPhase } from '../../api/index.js';
import type { StoredExperiment, StoredTrial, StoreReader } from '../experiment-store.js';
import type { SqliteReader } from './sqlite-tx.js';

/** Reads on the writer connection when it has no open transaction, else on the read connection. */
export class RoutedReader implements StoreReader {
  /**
   * @param writer the store's write connection
   * @param onWriter reads over the writer's statements
   * @param onReader reads over the read connection's statements
   * @param isBusy whether an error is SQLite's "database is busy / locked"
   */
  constructor(
    private readonly writer: Database.Database,
    private readonly onWriter: SqliteReader,
    private readonly onReader: SqliteReader,
    private readonly isBusy: (error: unknown) => boolean,
  ) {}

  getExperiment(name: string): Promise<StoredExperiment | undefined> {
    return this.route((r) => r.getExperiment(name));
  }

  listExperiments(): Promise<readonly StoredExperiment[]> {
    return this.route((r) => r.listExperiments());
  }

  getTrial(name: string): Promise<StoredTrial | undefined> {
    return this.route((r) => r.getTrial(name));
  }

  listTrials(
    experiment: string,
    filter?: { readonly phases?: readonly TrialPhase[] },
  ): Promise<readonly StoredTrial[]> {
    return this.route((r) => r.listTrials(experiment, filter));
  }

  getObservationLog(trial: string, q?: ObservationQuery): Promise<readonly MetricLog[]> {
    return this.route((r) => r.getObservationLog(trial, q));
  }

  getAlgorithmState(experiment: string): Promise<AlgorithmState | undefined> {
    return this.route((r) => r.getAlgorithmState(experiment));
  }

  /** Runs `read` on the writer when it has no open transaction (see the module comment). */
  private route<T>(read: (reader: SqliteReader) => Promise<T>): Promise<T> {
    if (!this.writer.open || this.writer.inTransaction) return read(this.onReader);
    return read(this.onWriter).catch((error: unknown) =>
      this.isBusy(error) ? read(this.onReader) : Promise.reject(error as Error),
    );
  }
}
