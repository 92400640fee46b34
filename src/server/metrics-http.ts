/**
 * The REST push endpoint: trial code that cannot (or would rather not) speak gRPC reports metrics
 * with one HTTP request, into the same store and with the same rules as `ReportObservationLog`.
 *
 * ```http
 * POST /api/v1beta1/trials/<trial>/observations
 * Content-Type: application/json
 *
 * {"metrics": {"loss": 0.21, "accuracy": 0.93}, "step": 3, "timestamp": "2026-01-01T00:00:00Z"}
 * ```
 *
 * - `metrics`: name → finite number (or a decimal string, or `"unavailable"`); at least one.
 * - `step` (optional, integer ≥ 0): the training step of every value; without it each value gets
 *   the next step of its metric, as pushes over gRPC do.
 * - `timestamp` (optional): RFC 3339, or epoch seconds; default now.
 *
 * Answers `204` when stored; `400` with `{"error", "details": [{"path", "message"}]}` for a bad
 * request, `404` for an unknown trial or path, `405` for another method, `413` for a body over
 * `maxBodyBytes`, `401` without the bearer token when one is set. It binds to 127.0.0.1 unless told
 * otherwise; beyond a single user, set `token`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  FieldPath,
  KatibError,
  UNAVAILABLE_METRIC_VALUE,
  type FieldError,
  type MetricLog,
} from '../api/index.js';
import { normalizeTimeStamp, parseMetricNumber } from '../metrics-collector/index.js';
import type { ExperimentStore } from '../store/index.js';
import { reportObservations } from './report-observations.js';

/** Environment variable that gives trials the endpoint's base URL (`http://127.0.0.1:<port>`). */
export const API_URL_ENV = 'KATIB_API_URL';

/** Options of {@link MetricsHttpServer.start}. */
export interface MetricsHttpServerOptions {
  readonly store: ExperimentStore;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Largest request body. @default 1 MiB */
  readonly maxBodyBytes?: number;
  /** Clock for values without a timestamp. @default () => new Date() */
  readonly now?: () => Date;
}

const ROUTE = /^\/api\/v1beta1\/trials\/([^/]+)\/observations\/?$/;

/** A request problem answered with an HTTP status. */
class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: readonly FieldError[] = [],
  ) {
    super(message);
  }
}

/** The HTTP push endpoint over a store. */
export class MetricsHttpServer {
  private constructor(
    private readonly server: http.Server,
    /** `http://host:port`, the base URL. */
    readonly url: string,
  ) {}

  /** Starts listening; resolves once bound. */
  static async start(opts: MetricsHttpServerOptions): Promise<MetricsHttpServer> {
    const host = opts.host ?? '127.0.0.1';
    const server = http.createServer((req, res) => {
      void handle(opts, req).then(
        () => {
          res.writeHead(204).end();
        },
        (err: unknown) => {
          const p =
            err instanceof HttpProblem
              ? err
              : err instanceof KatibError && err.code === 'NOT_FOUND'
                ? new HttpProblem(404, err.message)
                : new HttpProblem(500, 'internal error storing the metrics');
          res.writeHead(p.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: p.message, details: p.details }));
        },
      );
    });
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const a = server.address() as AddressInfo;
    const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return new MetricsHttpServer(server, `http://${shown}:${a.port}`);
  }

  /** The URL a trial posts its metrics to. */
  observationsUrl(trial: string): string {
    return `${this.url}/api/v1beta1/trials/${encodeURIComponent(trial)}/observations`;
  }

  /** Stops accepting requests and waits for open ones. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function handle(opts: MetricsHttpServerOptions, req: http.IncomingMessage): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const m = ROUTE.exec(url.pathname);
  if (!m)
    throw new HttpProblem(
      404,
      `no such endpoint ${url.pathname}; POST /api/v1beta1/trials/<trial>/observations`,
    );
  if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) {
    throw new HttpProblem(401, 'missing or wrong bearer token');
  }
  if (req.method !== 'POST') throw new HttpProblem(405, `${req.method ?? ''} not allowed; use POST`);
  let trial: string;
  try {
    trial = decodeURIComponent(m[1] ?? '');
  } catch {
    throw new HttpProblem(400, 'the trial name in the path is not valid percent-encoding');
  }
  const body = await readBody(req, opts.maxBodyBytes ?? 1 << 20);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw new HttpProblem(400, `the body is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const logs = parseReport(parsed, (opts.now ?? (() => new Date()))());
  await reportObservations(opts.store, trial, logs);
}

function readBody(req: http.IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        // Answer at once; the rest of the body is read and dropped so the client sees the answer.
        if (chunks.length > 0) chunks.length = 0;
        reject(new HttpProblem(413, `the body is larger than ${max} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** The body's metric logs, or an HttpProblem (400) listing every problem with its path. */
export function parseReport(body: unknown, now: Date): MetricLog[] {
  const errors: FieldError[] = [];
  const root = FieldPath.root('body');
  if (!isRecord(body)) throw new HttpProblem(400, 'invalid report', [root.error('must be a JSON object')]);
  for (const key of Object.keys(body)) {
    if (!['metrics', 'step', 'timestamp'].includes(key))
      errors.push(root.child(key).error('unknown field; the fields are metrics, step and timestamp'));
  }
  let timeStamp = now.toISOString();
  const ts = body['timestamp'];
  if (typeof ts === 'number' && Number.isFinite(ts)) timeStamp = new Date(ts * 1000).toISOString();
  else if (typeof ts === 'string') {
    const n = normalizeTimeStamp(ts);
    if (n === undefined)
      errors.push(root.child('timestamp').error('must be an RFC 3339 time or epoch seconds', ts));
    else timeStamp = n;
  } else if (ts !== undefined)
    errors.push(root.child('timestamp').error('must be an RFC 3339 time or epoch seconds'));
  const stepRaw = body['step'];
  let step: number | undefined;
  if (stepRaw !== undefined) {
    if (typeof stepRaw === 'number' && Number.isSafeInteger(stepRaw) && stepRaw >= 0) step = stepRaw;
    else errors.push(root.child('step').error('must be an integer >= 0'));
  }
  const metrics = body['metrics'];
  const logs: MetricLog[] = [];
  if (!isRecord(metrics) || Object.keys(metrics).length === 0) {
    errors.push(root.child('metrics').error('must be an object with at least one metric: {"loss": 0.1}'));
  } else {
    for (const [name, v] of Object.entries(metrics)) {
      const at = root.child('metrics').child(name);
      const text =
        typeof v === 'number'
          ? Number.isFinite(v)
            ? String(v)
            : undefined
          : typeof v === 'string'
            ? v
            : undefined;
      if (name === '') errors.push(at.error('metric names must not be empty'));
      else if (
        text === undefined ||
        (text !== UNAVAILABLE_METRIC_VALUE && parseMetricNumber(text) === undefined)
      )
        errors.push(at.error(`must be a finite number (or "${UNAVAILABLE_METRIC_VALUE}")`));
      else logs.push({ timeStamp, metricName: name, value: text, ...(step !== undefined ? { step } : {}) });
    }
  }
  if (errors.length > 0) throw new HttpProblem(400, 'invalid report', errors);
  return logs;
}
