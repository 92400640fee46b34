/**
 * Katib's `EarlyStopping` gRPC service over our early-stopping algorithms: what
 * `katib earlystopping-server` runs, and what a Katib cluster can use in place of its
 * `earlystopping-medianstop` image (port 6788, health service name `manager.v1beta1.EarlyStopping`).
 *
 * ```ts
 * const server = await EarlyStoppingServer.start({ store, port: 0 });
 * console.log(server.address);                 // 127.0.0.1:40123
 * await server.close();
 * ```
 *
 * The rpcs:
 * - `ValidateEarlyStoppingSettings`: OK for a known algorithm with valid settings; otherwise
 *   INVALID_ARGUMENT whose details hold Katib's message behind the field path, e.g.
 *   `early_stopping.algorithm_settings[0].value: min_trials_required must be greater than zero (>0)`
 *   or `early_stopping.algorithm_name: unknown algorithm name foo; …`.
 * - `GetEarlyStoppingRules`: the experiment and trials come from the request (read defensively:
 *   INVALID_ARGUMENT naming the field for anything malformed); observation logs are read from the
 *   DBManager at `db_manager_address` when the request gives one (as Katib's medianstop does), else
 *   from this server's store. Without either the answer is FAILED_PRECONDITION; an unreachable
 *   DBManager is UNAVAILABLE. No state is kept between calls. The experiment's `algorithm` does not
 *   matter here and may be left out.
 * - `SetTrialStatus`: marks the trial EarlyStopped in the store (condition EarlyStopped = True,
 *   reason `TrialEarlyStopped`, message "Trial is early stopped") and keeps its observation,
 *   summarised from its log (Katib loses it: kubeflow/katib#1377). The trial's workload is stopped
 *   by the controller that runs it, which watches the store. A trial already finished is left as it
 *   is (OK); an unknown trial is NOT_FOUND; a server without a store answers FAILED_PRECONDITION.
 * - `grpc.health.v1.Health/Check`: `manager.v1beta1.EarlyStopping` and `""` are SERVING.
 *
 * Bad input never takes the server down: every handler turns what it throws into a status, and
 * messages are capped in size (`maxMessageBytes`) and trials in number (`maxTrials`).
 */
import type * as grpc from '@grpc/grpc-js';
import { GrpcStatus, grpcStatusName } from '../grpc/status.js';
import {
  NotFoundError,
  SpecError,
  TrialReason,
  isTerminalPhase,
  setCondition,
  trialPhase,
  type FieldError,
  type MetricLog,
  type TrialView,
} from '../api/index.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  HealthService,
  createGrpcServer,
  listen,
  loadKatibProto,
  shutdownServer,
  toGrpcError,
  type GrpcError,
} from '../grpc/index.js';
import { summarizeObservation } from '../metrics-collector/index.js';
import type { ExperimentStore } from '../store/index.js';
import {
  earlyStoppingRuleToProto,
  experimentFromProto,
  toProtoPath,
  trialViewFromProto,
  type ProtoEarlyStoppingRule,
} from '../suggestion/proto-convert.js';
import { DBManagerClient, DEFAULT_DB_MANAGER_DEADLINE_MS } from './db-manager-client.js';
import type { ObservationLogReader } from './early-stopper.js';
import {
  earlyStoppingAlgorithm,
  earlyStoppingAlgorithmNames,
  validateEarlyStoppingSpec,
} from './registry.js';

/** The health-service name Katib's probes ask about. */
export const EARLYSTOPPING_HEALTH_SERVICE = 'manager.v1beta1.EarlyStopping';

/** The port Katib's early-stopping services listen on. */
export const DEFAULT_EARLYSTOPPING_PORT = 6788;

/** Default cap on the trials of one GetEarlyStoppingRules request. */
export const DEFAULT_MAX_EARLYSTOPPING_TRIALS = 100_000;

/** Katib's message on a trial marked early stopped. */
export const EARLY_STOPPED_MESSAGE = 'Trial is early stopped';

/** Options of {@link EarlyStoppingServer.start}. */
export interface EarlyStoppingServerOptions {
  /**
   * Where `SetTrialStatus` marks trials, and where logs are read when a request names no DBManager.
   * The server never closes it.
   * @default none (SetTrialStatus answers FAILED_PRECONDITION)
   */
  readonly store?: ExperimentStore;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @default 6788 */
  readonly port?: number;
  /** Largest message received or sent, in bytes. @default 64 MiB */
  readonly maxMessageBytes?: number;
  /** Most trials in one GetEarlyStoppingRules request. @default 100000 */
  readonly maxTrials?: number;
  /** Deadline of each GetObservationLog call to a DBManager, in ms. @default 10000 */
  readonly dbManagerDeadlineMs?: number;
  /** Sink for one line per call and per error. @default none */
  readonly log?: (line: string) => void;
  /** The clock for condition times. @default () => new Date() */
  readonly now?: () => Date;
}

/** A failure with a gRPC status of its own (one our error table has no code for). */
class StatusError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
    this.name = 'StatusError';
  }
}

/** Most DBManager connections kept open at once (one per distinct `db_manager_address`). */
const MAX_DB_MANAGER_CLIENTS = 16;

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A running EarlyStopping gRPC server. Create with {@link EarlyStoppingServer.start}; stop with `close()`. */
export class EarlyStoppingServer {
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly server: grpc.Server,
    private readonly health: HealthService,
    private readonly service: EarlyStoppingService,
    /** The host it is bound to. */
    readonly host: string,
    /** The bound port (the real one when 0 was asked for). */
    readonly port: number,
  ) {}

  /** `host:port` for clients (IPv6 hosts in brackets). */
  get address(): string {
    return this.host.includes(':') && !this.host.startsWith('[')
      ? `[${this.host}]:${this.port}`
      : `${this.host}:${this.port}`;
  }

  /**
   * Starts serving EarlyStopping and Health on `host:port`.
   * @throws Error when an option is out of range or the address cannot be bound.
   */
  static async start(opts: EarlyStoppingServerOptions = {}): Promise<EarlyStoppingServer> {
    const host = opts.host ?? '127.0.0.1';
    const port = opts.port ?? DEFAULT_EARLYSTOPPING_PORT;
    const maxTrials = opts.maxTrials ?? DEFAULT_MAX_EARLYSTOPPING_TRIALS;
    if (!Number.isSafeInteger(port) || port < 0 || port > 65535) {
      throw new Error(`earlystopping server port must be an integer in 0..65535, got ${port}`);
    }
    if (!Number.isSafeInteger(maxTrials) || maxTrials < 1) {
      throw new Error(`maxTrials must be a positive integer, got ${maxTrials}`);
    }
    const service = new EarlyStoppingService(opts, maxTrials);
    const log = opts.log;
    const server = createGrpcServer({ maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES });
    const { EarlyStopping } = loadKatibProto();
    server.addService(EarlyStopping.service, {
      ValidateEarlyStoppingSettings: handle('ValidateEarlyStoppingSettings', log, (req) =>
        service.validate(req),
      ),
      GetEarlyStoppingRules: handle('GetEarlyStoppingRules', log, (req) => service.rules(req)),
      SetTrialStatus: handle('SetTrialStatus', log, (req) => service.setTrialStatus(req)),
    });
    const health = new HealthService();
    health.setStatus(EARLYSTOPPING_HEALTH_SERVICE, 'SERVING');
    health.addTo(server);
    let bound: number;
    try {
      bound = await listen(server, { host, port });
    } catch (err) {
      server.forceShutdown();
      service.close();
      throw err;
    }
    return new EarlyStoppingServer(server, health, service, host, bound);
  }

  /**
   * Reports NOT_SERVING, lets calls in flight finish (up to `graceMs`), then stops and closes its
   * DBManager connections. Idempotent; leaves the store open.
   */
  close(graceMs = 2000): Promise<void> {
    if (!this.closed) {
      this.health.setStatus(EARLYSTOPPING_HEALTH_SERVICE, 'NOT_SERVING');
      this.closed = shutdownServer(this.server, graceMs).then(() => this.service.close());
    }
    return this.closed;
  }
}

/** The rpc logic, free of gRPC plumbing. */
class EarlyStoppingService {
  private readonly dbClients = new Map<string, DBManagerClient>();
  private readonly store: ExperimentStore | undefined;
  private readonly now: () => Date;
  private readonly deadlineMs: number;

  constructor(
    opts: EarlyStoppingServerOptions,
    private readonly maxTrials: number,
  ) {
    this.store = opts.store;
    this.now = opts.now ?? (() => new Date());
    this.deadlineMs = opts.dbManagerDeadlineMs ?? DEFAULT_DB_MANAGER_DEADLINE_MS;
  }

  validate(req: unknown): Promise<Record<string, never>> {
    const raw = isRec(req) ? req['early_stopping'] : undefined;
    const spec = readEarlyStoppingSpec(raw, 'early_stopping');
    const errors = validateEarlyStoppingSpec(spec).map((e) => ({
      ...e,
      path: toProtoPath(e.path, 'experiment').replace(/^experiment\.spec\./, ''),
    }));
    if (errors.length > 0) throw new SpecError(errors, 'invalid early-stopping settings');
    return Promise.resolve({});
  }

  async rules(req: unknown): Promise<{ early_stopping_rules: ProtoEarlyStoppingRule[] }> {
    const rec: Rec = isRec(req) ? req : {};
    const experiment = experimentFromProto(withAlgorithmPlaceholder(rec['experiment']), {
      requireSearchSpace: false,
    });
    const spec = experiment.spec.earlyStopping;
    if (!spec) {
      throw new SpecError(
        [
          {
            path: 'experiment.spec.early_stopping.algorithm_name',
            message: `must be specified; known early-stopping algorithms: ${earlyStoppingAlgorithmNames().join(', ')}`,
          },
        ],
        'invalid GetEarlyStoppingRules request',
      );
    }
    const specErrors = validateEarlyStoppingSpec(spec).map((e) => ({
      ...e,
      path: toProtoPath(e.path, 'experiment'),
    }));
    if (specErrors.length > 0) throw new SpecError(specErrors, 'invalid early-stopping settings');
    const stopper = earlyStoppingAlgorithm(spec.algorithmName);
    if (!stopper) throw new Error(`early-stopping algorithm ${spec.algorithmName} vanished`);
    const trials = this.readTrials(rec['trials']);
    const reader = this.logReader(rec['db_manager_address'], experiment.spec.objective.objectiveMetricName);
    const rules = await stopper.rules(experiment, trials, reader);
    return { early_stopping_rules: rules.map(earlyStoppingRuleToProto) };
  }

  async setTrialStatus(req: unknown): Promise<Record<string, never>> {
    const name = isRec(req) ? req['trial_name'] : undefined;
    if (typeof name !== 'string' || name === '') {
      throw new SpecError(
        [{ path: 'trial_name', message: 'must be specified' }],
        'invalid SetTrialStatus request',
      );
    }
    const store = this.store;
    if (!store) {
      throw new StatusError(
        GrpcStatus.FAILED_PRECONDITION,
        `cannot set the status of trial "${name}": this earlystopping server has no store ` +
          '(start it with `katib earlystopping-server` in the project, or pass a store)',
      );
    }
    await store.transaction(async (tx) => {
      const cur = await tx.getTrial(name);
      if (!cur) throw new NotFoundError(`trial "${name}" not found`);
      const status = cur.trial.status;
      if (isTerminalPhase(trialPhase(status))) return;
      const logs = await tx.getObservationLog(name);
      const observation =
        logs.length > 0 ? summarizeObservation(logs, cur.trial.spec.objective) : status.observation;
      const conditions = setCondition(
        status.conditions,
        'EarlyStopped',
        'True',
        TrialReason.EarlyStopped,
        EARLY_STOPPED_MESSAGE,
        this.now(),
      );
      await tx.updateTrialStatus(
        name,
        { ...status, conditions, ...(observation ? { observation } : {}) },
        cur.version,
      );
    });
    return {};
  }

  /** Closes the DBManager connections. */
  close(): void {
    for (const c of this.dbClients.values()) c.close();
    this.dbClients.clear();
  }

  /** The request's trials as views; one SpecError listing every malformed trial. */
  private readTrials(raw: unknown): TrialView[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) {
      throw new SpecError(
        [{ path: 'trials', message: 'must be a list of Trial messages' }],
        'invalid request',
      );
    }
    const list = raw as unknown[];
    if (list.length > this.maxTrials) {
      throw new SpecError(
        [{ path: 'trials', message: `has ${list.length} trials; at most ${this.maxTrials} are allowed` }],
        'request too large',
      );
    }
    const errors: FieldError[] = [];
    const names = new Set<string>();
    const out: TrialView[] = [];
    list.forEach((t, i) => {
      if (errors.length >= 50) return;
      try {
        const view = trialViewFromProto(t, `trials[${i}]`);
        if (names.has(view.name)) {
          errors.push({
            path: `trials[${i}].name`,
            message: `duplicate trial name ${JSON.stringify(view.name)}`,
          });
        }
        names.add(view.name);
        out.push(view);
      } catch (err) {
        if (err instanceof SpecError) errors.push(...err.errors);
        else throw err;
      }
    });
    if (errors.length > 0) throw new SpecError(errors.slice(0, 50), 'invalid trials');
    return out;
  }

  /** Where this request's observation logs come from: its DBManager, else our store. */
  private logReader(rawAddress: unknown, metricName: string): ObservationLogReader {
    const address = typeof rawAddress === 'string' ? rawAddress.trim() : '';
    if (address !== '') {
      const client = this.dbClient(address);
      return (trial) => client.getObservationLog(trial, { metricName });
    }
    const store = this.store;
    if (store)
      return (trial): Promise<readonly MetricLog[]> => store.read.getObservationLog(trial, { metricName });
    throw new StatusError(
      GrpcStatus.FAILED_PRECONDITION,
      'no source of observation logs: the request has no db_manager_address and this earlystopping ' +
        'server has no store (send the DBManager address, as Katib does, or run the server with a store)',
    );
  }

  /** The (cached) client of the DBManager at `address`. */
  private dbClient(address: string): DBManagerClient {
    const cached = this.dbClients.get(address);
    if (cached) return cached;
    const client = DBManagerClient.connect(address, { deadlineMs: this.deadlineMs });
    if (this.dbClients.size >= MAX_DB_MANAGER_CLIENTS) {
      const [oldest, c] = this.dbClients.entries().next().value ?? [];
      if (oldest !== undefined) this.dbClients.delete(oldest);
      c?.close();
    }
    this.dbClients.set(address, client);
    return client;
  }
}

/**
 * The experiment message with a placeholder algorithm when it has none: an early-stopping service
 * does not look at the search algorithm, so a client may leave it out.
 */
function withAlgorithmPlaceholder(raw: unknown): unknown {
  if (!isRec(raw) || !isRec(raw['spec'])) return raw;
  const spec = raw['spec'];
  const algorithm = spec['algorithm'];
  const named =
    isRec(algorithm) && typeof algorithm['algorithm_name'] === 'string' && algorithm['algorithm_name'] !== '';
  if (named) return raw;
  return {
    ...raw,
    spec: { ...spec, algorithm: { algorithm_name: '(none)', algorithm_settings: [] } },
  };
}

/** A proto EarlyStoppingSpec as ours, leniently (validation reports what is wrong). */
function readEarlyStoppingSpec(
  raw: unknown,
  path: string,
): { algorithmName: string; algorithmSettings: { name: string; value: string }[] } {
  if (raw !== undefined && raw !== null && !isRec(raw)) {
    throw new SpecError([{ path, message: 'must be an EarlyStoppingSpec message' }], 'invalid request');
  }
  const rec: Rec = isRec(raw) ? raw : {};
  const name = rec['algorithm_name'];
  const settings = rec['algorithm_settings'];
  return {
    algorithmName: typeof name === 'string' ? name : '',
    algorithmSettings: (Array.isArray(settings) ? (settings as unknown[]) : []).map((s) => {
      const r: Rec = isRec(s) ? s : {};
      return {
        name: typeof r['name'] === 'string' ? r['name'] : '',
        value: typeof r['value'] === 'string' ? r['value'] : '',
      };
    }),
  };
}

/**
 * Wraps an rpc as a grpc-js unary handler: whatever it throws becomes a gRPC status (StatusError
 * with its own code, the rest through toGrpcError), never a crash; one log line per call.
 */
function handle<Res>(
  rpc: string,
  log: ((line: string) => void) | undefined,
  fn: (request: unknown) => Promise<Res>,
): grpc.handleUnaryCall<unknown, Res> {
  return (call, callback) => {
    const started = performance.now();
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (reply) => {
          log?.(`${rpc}: OK in ${(performance.now() - started).toFixed(1)} ms`);
          callback(null, reply);
        },
        (err: unknown) => {
          const status = toStatus(err);
          log?.(`${rpc}: ${grpcStatusName(status.code) ?? status.code}: ${oneLine(status.details)}`);
          callback(status);
        },
      );
  };
}

function toStatus(err: unknown): GrpcError {
  if (err instanceof StatusError) return { code: err.code, details: err.message, message: err.message };
  return toGrpcError(err);
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 500 ? `${flat.slice(0, 497)}...` : flat;
}
