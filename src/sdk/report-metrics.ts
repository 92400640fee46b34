/**
 * Push-style metrics for trial code, the way Katib's Python SDK does it
 * (`kubeflow.katib.report_metrics`): one `DBManager.ReportObservationLog` call carrying every metric,
 * all stamped with the current second in UTC, for the trial named by `KATIB_TRIAL_NAME` (katib sets
 * it for every trial it runs). Use with `metricsCollectorSpec.collector.kind: Push` and a running
 * `katib db-manager`.
 *
 * ```ts
 * import { reportMetrics } from 'katib-ts';
 * await reportMetrics({ loss: 0.21, accuracy: 0.93 });
 * ```
 */
import type * as grpc from '@grpc/grpc-js';
import { SpecError, type FieldError } from '../api/index.js';
import { grpcJs } from '../grpc/grpc-js.js';

/** Where `reportMetrics` finds the db-manager when not told: `$KATIB_DB_MANAGER_ADDRESS`. */
export const DB_MANAGER_ADDRESS_ENV = 'KATIB_DB_MANAGER_ADDRESS';

/** The db-manager address used when neither the option nor the environment gives one. */
export const DEFAULT_DB_MANAGER_ADDRESS = '127.0.0.1:6789';

/** Options of {@link reportMetrics}. */
export interface ReportMetricsOptions {
  /** `host:port` of the db-manager. @default $KATIB_DB_MANAGER_ADDRESS, else '127.0.0.1:6789' */
  readonly address?: string;
  /** The trial the metrics belong to. @default $KATIB_TRIAL_NAME */
  readonly trialName?: string;
  /** Deadline of the call in milliseconds (Katib's SDK: 120 s). @default 120000 */
  readonly timeoutMs?: number;
}

type ReportCall = (
  request: unknown,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null) => void,
) => grpc.ClientUnaryCall;

/**
 * Reports `metrics` (name → finite number) for the current trial to the db-manager, all stamped
 * now (`YYYY-MM-DDTHH:MM:SSZ`, UTC) like Katib's `report_metrics`.
 * @throws SpecError when there is no trial name, no metric, or a value is not a finite number;
 *   a KatibError from the server's answer otherwise (NotFoundError for an unknown trial,
 *   UnavailableError when the db-manager cannot be reached in time).
 */
export async function reportMetrics(
  metrics: Readonly<Record<string, number>>,
  opts: ReportMetricsOptions = {},
): Promise<void> {
  const trialName = opts.trialName ?? process.env['KATIB_TRIAL_NAME'] ?? '';
  const address = opts.address ?? process.env[DB_MANAGER_ADDRESS_ENV] ?? DEFAULT_DB_MANAGER_ADDRESS;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const errors: FieldError[] = [];
  if (trialName === '') {
    errors.push({
      path: 'trialName',
      message:
        'no trial name: KATIB_TRIAL_NAME is not set (katib sets it for every trial it runs); ' +
        'pass opts.trialName when reporting from elsewhere',
    });
  }
  if (address.trim() === '') errors.push({ path: 'address', message: 'must be host:port of the db-manager' });
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    errors.push({
      path: 'timeoutMs',
      message: 'must be a positive number of milliseconds',
      value: timeoutMs,
    });
  }
  const entries = Object.entries(metrics);
  if (entries.length === 0)
    errors.push({ path: 'metrics', message: 'nothing to report: give at least one metric' });
  for (const [name, value] of entries) {
    if (name === '') errors.push({ path: 'metrics', message: 'a metric name is empty' });
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      errors.push({
        path: `metrics.${name}`,
        message: `must be a finite number, got ${String(value)}`,
        value,
      });
    }
  }
  if (errors.length > 0) throw new SpecError(errors, 'cannot report metrics');

  const timeStamp = `${new Date().toISOString().slice(0, 19)}Z`;
  const request = {
    trial_name: trialName,
    observation_log: {
      metric_logs: entries.map(([name, value]) => ({
        time_stamp: timeStamp,
        metric: { name, value: String(value) },
      })),
    },
  };
  // gRPC and Katib's protobuf definitions load on the first report, not with the package.
  const { fromGrpcError, loadKatibProto } = await import('../grpc/index.js');
  const { DBManager } = loadKatibProto();
  const client = new DBManager(address, grpcJs().credentials.createInsecure());
  try {
    const call = (client as unknown as { ReportObservationLog: ReportCall }).ReportObservationLog.bind(
      client,
    );
    await new Promise<void>((resolve, reject) => {
      call(request, { deadline: Date.now() + timeoutMs }, (err) => (err ? reject(err) : resolve()));
    });
  } catch (err) {
    throw fromGrpcError(err, `db-manager at ${address}`);
  } finally {
    client.close();
  }
}
