/**
 * A small client of Katib's `DBManager` gRPC service, for reading observation logs where Katib's
 * medianstop reads them: from the db-manager at the request's `db_manager_address`.
 *
 * ```ts
 * const db = DBManagerClient.connect('katib-db-manager.kubeflow:6789');
 * const logs = await db.getObservationLog('trial-1', { metricName: 'loss' });
 * db.close();
 * ```
 */
import type * as grpc from '@grpc/grpc-js';
import { GrpcStatus, grpcStatusName } from '../grpc/status.js';
import { grpcJs } from '../grpc/grpc-js.js';
import {
  InternalError,
  SpecError,
  UnavailableError,
  type KatibError,
  type MetricLog,
  type ObservationQuery,
} from '../api/index.js';
import { DEFAULT_MAX_MESSAGE_BYTES, loadKatibProto } from '../grpc/index.js';

/** Default deadline of one GetObservationLog call, in ms. */
export const DEFAULT_DB_MANAGER_DEADLINE_MS = 10_000;

/** Options of {@link DBManagerClient.connect}. */
export interface DBManagerClientOptions {
  /** Deadline of each call, in ms. @default 10000 */
  readonly deadlineMs?: number;
  /** Largest reply accepted, in bytes. @default 64 MiB */
  readonly maxMessageBytes?: number;
}

interface WireMetricLog {
  readonly time_stamp?: string;
  readonly metric?: { readonly name?: string; readonly value?: string } | null;
}
interface WireGetReply {
  readonly observation_log?: { readonly metric_logs?: readonly (WireMetricLog | null)[] } | null;
}

type Rpc = (
  request: unknown,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, reply?: unknown) => void,
) => grpc.ClientUnaryCall;

/** What a call failure from the db-manager means for our caller. */
function dbManagerError(err: unknown, address: string, trial: string): KatibError {
  // The code as a plain number: compared with GrpcStatus, which is not grpc-js's enum.
  const e = err as (Partial<Omit<grpc.ServiceError, 'code'>> & { code?: number }) | undefined;
  const details = e?.details ?? (err instanceof Error ? err.message : String(err));
  const what = `cannot read the observation log of trial "${trial}" from the DBManager at ${address}`;
  switch (e?.code) {
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.DEADLINE_EXCEEDED:
    case GrpcStatus.CANCELLED:
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return new UnavailableError(`${what}: ${details}`, { cause: err });
    default:
      return new InternalError(
        `${what}: ${e?.code !== undefined ? `${grpcStatusName(e.code) ?? e.code}: ` : ''}${details}`,
        { cause: err },
      );
  }
}

/** A connection to one DBManager service. Create with {@link DBManagerClient.connect}; `close()` when done. */
export class DBManagerClient {
  private constructor(
    private readonly client: grpc.Client,
    /** The `host:port` it talks to. */
    readonly address: string,
    private readonly deadlineMs: number,
  ) {}

  /**
   * A client of the DBManager at `address` (`host:port`, as Katib's `db_manager_address`). The
   * connection is made lazily, on the first call.
   * @throws SpecError when `address` is empty or not a usable gRPC target.
   */
  static connect(address: string, opts: DBManagerClientOptions = {}): DBManagerClient {
    const target = address.trim();
    if (target === '' || /\s/.test(target)) {
      throw new SpecError(
        [{ path: 'db_manager_address', message: `must be host:port, got ${JSON.stringify(address)}` }],
        'invalid DBManager address',
      );
    }
    const { DBManager } = loadKatibProto();
    const max = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    let client: grpc.Client;
    try {
      client = new DBManager(target, grpcJs().credentials.createInsecure(), {
        'grpc.max_receive_message_length': max,
        'grpc.max_send_message_length': max,
      });
    } catch (err) {
      throw new SpecError(
        [
          {
            path: 'db_manager_address',
            message: `is not a usable gRPC target ${JSON.stringify(address)}: ${err instanceof Error ? err.message : String(err)}`,
          },
        ],
        'invalid DBManager address',
      );
    }
    return new DBManagerClient(client, target, opts.deadlineMs ?? DEFAULT_DB_MANAGER_DEADLINE_MS);
  }

  /**
   * The trial's observation log as the DBManager returns it (ordered by time), optionally only one
   * metric and a time range. Steps are not on the wire: each value gets the count of reports of
   * its metric so far (1-based), as our collectors number values without an explicit step.
   * Entries without a metric name are skipped.
   * @throws UnavailableError when the DBManager cannot be reached or times out;
   *   InternalError when it answers with another error.
   */
  getObservationLog(trial: string, q: ObservationQuery = {}): Promise<MetricLog[]> {
    const rpc = (this.client as unknown as Record<string, Rpc | undefined>)['GetObservationLog'];
    if (!rpc) return Promise.reject(new InternalError('proto/api.proto has no DBManager.GetObservationLog'));
    const request = {
      trial_name: trial,
      metric_name: q.metricName ?? '',
      start_time: q.startTime ?? '',
      end_time: q.endTime ?? '',
    };
    return new Promise((resolve, reject) => {
      rpc.call(this.client, request, { deadline: Date.now() + this.deadlineMs }, (err, reply) => {
        if (err) {
          reject(dbManagerError(err, this.address, trial));
          return;
        }
        try {
          resolve(toMetricLogs(reply as WireGetReply | undefined));
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
  }

  /** Closes the channel; idempotent. */
  close(): void {
    this.client.close();
  }
}

/** A GetObservationLogReply as metric logs, numbering steps per metric. */
function toMetricLogs(reply: WireGetReply | undefined): MetricLog[] {
  const counts = new Map<string, number>();
  const out: MetricLog[] = [];
  for (const log of reply?.observation_log?.metric_logs ?? []) {
    const metricName = log?.metric?.name;
    if (typeof metricName !== 'string' || metricName === '') continue;
    const step = (counts.get(metricName) ?? 0) + 1;
    counts.set(metricName, step);
    out.push({
      timeStamp: typeof log?.time_stamp === 'string' ? log.time_stamp : '',
      metricName,
      value: typeof log?.metric?.value === 'string' ? log.metric.value : '',
      step,
    });
  }
  return out;
}
