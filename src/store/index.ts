/**
 * The store component: durable experiments, trials, observation logs and algorithm state behind
 * the `ExperimentStore` port, with SQLite as the embedded backend.
 *
 * ```ts
 * import { openStore } from './store/index.js';
 *
 * const store = await openStore('sqlite:.katib/katib.db');
 * try {
 *   await store.transaction(async (tx) => {
 *     await tx.createExperiment(experiment);
 *     await tx.createTrial(trial); // recorded before its workload starts
 *   });
 *   const trials = await store.read.listTrials(experiment.metadata.name, { phases: ['Running'] });
 * } finally {
 *   await store.close();
 * }
 * ```
 */
export type {
  ExperimentStore,
  StoreReader,
  StoreTx,
  StoredExperiment,
  StoredTrial,
  TrialRuntime,
  TransactionOptions,
} from './experiment-store.js';
export { SqliteStore, type SqliteStoreOptions, type SqliteSynchronous } from './sqlite/sqlite-store.js';
export { SchemaTooNewError, SCHEMA_VERSION } from './sqlite/migrations.js';
export { openStore } from './open-store.js';
export { trialListChanges } from './snapshot.js';
