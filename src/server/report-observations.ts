/**
 * Writing pushed metrics into the store, the one way both push endpoints (the DBManager gRPC
 * service and the HTTP endpoint) do it: in one transaction, for a trial that exists, each value
 * numbered with its step.
 */
import { NotFoundError, type MetricLog } from '../api/index.js';
import type { ExperimentStore, StoreTx } from '../store/index.js';

/**
 * Appends `logs` to trial `trial`'s observation log in one transaction: all of them or none.
 * Logs without a step get one (see {@link withSteps}).
 * @throws NotFoundError when the store has no such trial.
 */
export async function reportObservations(
  store: ExperimentStore,
  trial: string,
  logs: readonly MetricLog[],
): Promise<void> {
  await store.transaction(async (tx) => {
    if ((await tx.getTrial(trial)) === undefined) {
      throw new NotFoundError(
        `trial "${trial}" not found: metrics can only be reported for a trial in the store`,
      );
    }
    if (logs.length > 0) await tx.appendObservations(trial, await withSteps(tx, trial, logs));
  });
}

/**
 * Numbers each log without a step: per metric, one more than the reports stored so far (or than
 * the largest stored step, if larger), counting up through the request in order. A log with its
 * own step keeps it (and later ones count on from it).
 */
export async function withSteps(
  tx: StoreTx,
  trial: string,
  logs: readonly MetricLog[],
): Promise<MetricLog[]> {
  const last = new Map<string, number>();
  for (const name of new Set(logs.map((l) => l.metricName))) {
    const stored = await tx.getObservationLog(trial, { metricName: name });
    let top = stored.length;
    for (const log of stored) if (log.step !== undefined && log.step > top) top = log.step;
    last.set(name, top);
  }
  return logs.map((log) => {
    const step = log.step ?? (last.get(log.metricName) ?? 0) + 1;
    last.set(log.metricName, Math.max(step, last.get(log.metricName) ?? 0));
    return { ...log, step };
  });
}
