/**
 * Katib's `DBManager` gRPC service (katib-db-manager) over our `ExperimentStore`, so trial code and
 * collectors that push metrics Katib's way (`kubeflow.katib.report_metrics`, a Custom collector)
 * write straight into the same store the controller reads.
 *
 * What it answers, and where it differs from Katib's MySQL/PostgreSQL db-manager on purpose:
 *
 * - `ReportObservationLog`: `trial_name` is required and must name a trial in the store (our logs
 *   hang off trials; the table has a foreign key), else NOT_FOUND. Every `MetricLog` needs an RFC
 *   3339 `time_stamp` as Go parses it (Katib's zero time `0001-01-01T00:00:00Z` included), a metric
 *   name, and a value that is a finite decimal number or `"unavailable"`. Katib stores any string as
 *   the value (a later float parse fails far from the cause) and silently drops logs with an empty
 *   stamp; we answer INVALID_ARGUMENT naming the field, e.g.
 *   `observation_log.metric_logs[3].time_stamp`. The request is written in one transaction: all of
 *   it or none. At most `maxLogsPerRequest` logs per request (RESOURCE_EXHAUSTED above that);
 *   requests larger than `maxMessageBytes` are refused by gRPC itself (RESOURCE_EXHAUSTED). A
 *   request with no logs for an existing trial writes nothing and succeeds (Katib fails on it with
 *   an SQL syntax error).
 * - Steps: the wire has none, so each value gets the step our collectors give a value without an
 *   explicit step: the number of reports of that metric for the trial so far, this one included
 *   (never below the largest step already stored for it), so early stopping can compare trials at
 *   a step.
 * - `GetObservationLog`: filters by `metric_name` and by `start_time`/`end_time` (inclusive,
 *   compared as instants, empty = unbounded), ordered by time then arrival. Stamps come back in UTC
 *   in Go's RFC3339Nano form (no trailing fraction zeros), so a stamp reported as
 *   `2024-05-01T10:00:00Z` reads back unchanged. An unknown trial has an empty log, as in Katib.
 * - `DeleteObservationLog`: deletes the trial's log; idempotent, no error for an unknown trial.
 * - An empty `trial_name` is INVALID_ARGUMENT in every rpc (Katib would run the query).
 * - Health (`grpc.health.v1.Health/Check`): services `""`, `"grpc.health.v1.Health"` (Katib's two)
 *   and `"api.v1.beta1.DBManager"` are SERVING when a trivial store read succeeds and NOT_SERVING
 *   when it fails. Katib answers a failed probe and an unknown name with a bare error (code
 *   UNKNOWN); we answer NOT_SERVING as a status, and NOT_FOUND for unknown names as the gRPC health
 *   protocol says.
 * - Binds to 127.0.0.1 unless told otherwise (Katib: 0.0.0.0), and accepts messages up to 64 MiB by
 *   default (Katib: 2 GiB).
 *
 * ```ts
 * const server = await DBManagerServer.start({ store, port: 6789 });
 * // … trial code calls ReportObservationLog on 127.0.0.1:6789 …
 * await server.close();
 * ```
 */
import type * as grpc from '@grpc/grpc-js';
import { GrpcStatus } from '../grpc/status.js';
import {
  FieldPath,
  NotFoundError,
  SpecError,
  UNAVAILABLE_METRIC_VALUE,
  type FieldError,
  type MetricLog,
} from '../api/index.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  createGrpcServer,
  listen,
  loadKatibProto,
  shutdownServer,
  toGrpcError,
  type GrpcError,
} from '../grpc/index.js';
import { normalizeTimeStamp, parseMetricNumber } from '../metrics-collector/index.js';
import type { ExperimentStore } from '../store/index.js';
import { reportObservations } from './report-observations.js';

/** Katib's db-manager port. */
export const DEFAULT_DB_MANAGER_PORT = 6789;

/** Default cap on the metric logs of one ReportObservationLog request. */
export const DEFAULT_MAX_LOGS_PER_REQUEST = 100_000;

/** Health service names the db-manager answers for (besides these, NOT_FOUND). */
export const DB_MANAGER_HEALTH_SERVICES: readonly string[] = [
  '',
  'grpc.health.v1.Health',
  'api.v1.beta1.DBManager',
];

/** Options of {@link DBManagerServer.start}. */
export interface DBManagerServerOptions {
  /** Where logs are read and written. The server never closes it. */
  readonly store: ExperimentStore;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @default 6789 */
  readonly port?: number;
  /** Largest message accepted or sent, in bytes. @default 64 MiB */
  readonly maxMessageBytes?: number;
  /** Most metric logs in one ReportObservationLog request. @default 100000 */
  readonly maxLogsPerRequest?: number;
}

// Wire shapes as @grpc/proto-loader hands them over (snake_case, absent messages as null).
interface WireMetric {
  readonly name?: string;
  readonly value?: string;
}
interface WireMetricLog {
  readonly time_stamp?: string;
  readonly metric?: WireMetric | null;
}
interface WireObservationLog {
  readonly metric_logs?: readonly (WireMetricLog | null)[];
}
interface ReportRequest {
  readonly trial_name?: string;
  readonly observation_log?: WireObservationLog | null;
}
interface GetRequest {
  readonly trial_name?: string;
  readonly metric_name?: string;
  readonly start_time?: string;
  readonly end_time?: string;
}
interface DeleteRequest {
  readonly trial_name?: string;
}
interface GetReply {
  readonly observation_log: { readonly metric_logs: WireMetricLog[] };
}
type Empty = Record<string, never>;

/** How many field errors one INVALID_ARGUMENT lists before summarising the rest. */
const MAX_LISTED_ERRORS = 10;

/** A request over a size limit: answered RESOURCE_EXHAUSTED. */
class RequestTooLargeError extends Error {
  override readonly name = 'RequestTooLargeError';
}

/**
 * Katib's `DBManager` service (with gRPC health) on an `ExperimentStore`. Start with
 * {@link DBManagerServer.start}; stop with {@link DBManagerServer.close}.
 */
export class DBManagerServer {
  /** The port the server listens on (the one picked when started with port 0). */
  readonly port: number;
  /** The host the server is bound to. */
  readonly host: string;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: grpc.Server,
    host: string,
    port: number,
  ) {
    this.host = host;
    this.port = port;
  }

  /**
   * Starts serving DBManager and Health on `host:port`.
   * @throws Error when the address cannot be bound, or an option is out of range.
   */
  static async start(opts: DBManagerServerOptions): Promise<DBManagerServer> {
    const host = opts.host ?? '127.0.0.1';
    const port = opts.port ?? DEFAULT_DB_MANAGER_PORT;
    const maxLogs = opts.maxLogsPerRequest ?? DEFAULT_MAX_LOGS_PER_REQUEST;
    if (!Number.isSafeInteger(port) || port < 0 || port > 65535) {
      throw new Error(`db-manager port must be an integer in 0..65535, got ${port}`);
    }
    if (!Number.isSafeInteger(maxLogs) || maxLogs < 1) {
      throw new Error(`maxLogsPerRequest must be a positive integer, got ${maxLogs}`);
    }
    const service = new DBManagerService(opts.store, maxLogs);
    const server = createGrpcServer({ maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES });
    const { DBManager, Health } = loadKatibProto();
    server.addService(DBManager.service, {
      ReportObservationLog: handle((req: ReportRequest) => service.report(req)),
      GetObservationLog: handle((req: GetRequest) => service.get(req)),
      DeleteObservationLog: handle((req: DeleteRequest) => service.delete(req)),
    });
    server.addService(Health.service, {
      Check: handle((req: { service?: string }) => service.check(req.service ?? '')),
    });
    try {
      const bound = await listen(server, { host, port });
      return new DBManagerServer(server, host, bound);
    } catch (err) {
      server.forceShutdown();
      throw err;
    }
  }

  /** `host:port` as a gRPC client dials it (IPv6 hosts in brackets). */
  get address(): string {
    const host = this.host.includes(':') && !this.host.startsWith('[') ? `[${this.host}]` : this.host;
    return `${host}:${this.port}`;
  }

  /** Stops serving: in-flight calls get a moment to finish. Idempotent; leaves the store open. */
  close(): Promise<void> {
    this.closing ??= shutdownServer(this.server);
    return this.closing;
  }
}

/** The rpc logic, free of gRPC plumbing. */
class DBManagerService {
  constructor(
    private readonly store: ExperimentStore,
    private readonly maxLogs: number,
  ) {}

  async report(req: ReportRequest): Promise<Empty> {
    const trial = requireTrialName(req.trial_name);
    const wireLogs = req.observation_log?.metric_logs ?? [];
    if (wireLogs.length > this.maxLogs) {
      throw new RequestTooLargeError(
        `observation_log.metric_logs: ${wireLogs.length} logs in one request, more than the limit of ` +
          `${this.maxLogs}; send them in several requests`,
      );
    }
    await reportObservations(this.store, trial, parseMetricLogs(wireLogs));
    return {};
  }

  async get(req: GetRequest): Promise<GetReply> {
    const trial = requireTrialName(req.trial_name);
    const errors: FieldError[] = [];
    const startTime = optionalTime(req.start_time, 'start_time', errors);
    const endTime = optionalTime(req.end_time, 'end_time', errors);
    if (errors.length > 0) throw new SpecError(errors, 'invalid GetObservationLog request');
    const logs = await this.store.read.getObservationLog(trial, {
      ...(req.metric_name ? { metricName: req.metric_name } : {}),
      ...(startTime !== undefined ? { startTime } : {}),
      ...(endTime !== undefined ? { endTime } : {}),
    });
    return {
      observation_log: {
        metric_logs: logs.map((log) => ({
          time_stamp: toGoRfc3339Nano(log.timeStamp),
          metric: { name: log.metricName, value: log.value },
        })),
      },
    };
  }

  async delete(req: DeleteRequest): Promise<Empty> {
    const trial = requireTrialName(req.trial_name);
    await this.store.transaction((tx) => tx.deleteObservations(trial));
    return {};
  }

  async check(service: string): Promise<{ status: 'SERVING' | 'NOT_SERVING' }> {
    if (!DB_MANAGER_HEALTH_SERVICES.includes(service)) {
      throw new NotFoundError(
        `unknown service "${service}": the db-manager answers for "", "grpc.health.v1.Health" and ` +
          `"api.v1.beta1.DBManager"`,
      );
    }
    try {
      // The `SELECT 1` of Katib's probe: one indexed read that touches the database file.
      await this.store.read.getExperiment('');
      return { status: 'SERVING' };
    } catch {
      return { status: 'NOT_SERVING' };
    }
  }
}

/** Wraps an rpc as a grpc-js unary handler: whatever it throws becomes a gRPC status, never a crash. */
function handle<Req, Res>(fn: (request: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (reply) => callback(null, reply),
        (err: unknown) => callback(toStatus(err)),
      );
  };
}

function toStatus(err: unknown): GrpcError {
  if (err instanceof RequestTooLargeError) {
    return { code: GrpcStatus.RESOURCE_EXHAUSTED, details: err.message, message: err.message };
  }
  return toGrpcError(err);
}

function requireTrialName(name: string | undefined): string {
  if (!name) {
    throw new SpecError([{ path: 'trial_name', message: 'required' }], 'invalid request');
  }
  return name;
}

/** A value as it may appear in an error message: quoted, cut short. */
function quote(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(shown);
}

/** Checks every log of a report; throws one SpecError listing the problems (the first few). */
function parseMetricLogs(wire: readonly (WireMetricLog | null)[]): MetricLog[] {
  const errors: FieldError[] = [];
  let more = 0;
  const add = (e: FieldError): void => {
    if (errors.length < MAX_LISTED_ERRORS) errors.push(e);
    else more++;
  };
  const logs: MetricLog[] = [];
  const root = FieldPath.root('observation_log').child('metric_logs');
  wire.forEach((entry, i) => {
    const at = root.index(i);
    const timeStamp = entry?.time_stamp ?? '';
    const name = entry?.metric?.name ?? '';
    const value = entry?.metric?.value ?? '';
    let ok = true;
    if (timeStamp === '') {
      add(at.child('time_stamp').error('required (an RFC 3339 time such as 2024-05-01T10:00:00Z)'));
      ok = false;
    } else if (normalizeTimeStamp(timeStamp) === undefined) {
      add(
        at
          .child('time_stamp')
          .error(`must be an RFC 3339 time such as 2024-05-01T10:00:00Z, got ${quote(timeStamp)}`),
      );
      ok = false;
    }
    if (entry?.metric == null) {
      add(at.child('metric').error('required'));
      ok = false;
    } else {
      if (name === '') {
        add(at.child('metric').child('name').error('required'));
        ok = false;
      }
      if (value !== UNAVAILABLE_METRIC_VALUE && parseMetricNumber(value) === undefined) {
        add(
          at
            .child('metric')
            .child('value')
            .error(`must be a finite decimal number or "${UNAVAILABLE_METRIC_VALUE}", got ${quote(value)}`),
        );
        ok = false;
      }
    }
    if (ok) logs.push({ timeStamp, metricName: name, value });
  });
  if (more > 0)
    errors.push({ path: 'observation_log.metric_logs', message: `${more} more problems not listed` });
  if (errors.length > 0) throw new SpecError(errors, 'invalid ReportObservationLog request');
  return logs;
}

function optionalTime(value: string | undefined, field: string, errors: FieldError[]): string | undefined {
  if (!value) return undefined;
  if (normalizeTimeStamp(value) === undefined) {
    errors.push({
      path: field,
      message: `must be an RFC 3339 time such as 2024-05-01T10:00:00Z, got ${quote(value)}`,
    });
    return undefined;
  }
  return value;
}

/**
 * A UTC RFC 3339 stamp in Go's RFC3339Nano form, as Katib's db-manager prints times: trailing zeros
 * of the fraction dropped, and the dot too when nothing is left (`…:00.500Z` → `…:00.5Z`,
 * `…:00.000Z` → `…:00Z`).
 */
export function toGoRfc3339Nano(utc: string): string {
  const m = /^(.*T\d{2}:\d{2}:\d{2})\.(\d+)Z$/.exec(utc);
  if (m === null) return utc;
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  return fraction === '' ? `${m[1]}Z` : `${m[1]}.${fraction}Z`;
}
