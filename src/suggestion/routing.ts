/**
 * The suggestion service `katib run` uses: algorithms named in the config's `runtime.suggestions`
 * go to their Katib-compatible service over gRPC (an endpoint already running, or a command the
 * engine starts, health-checks, restarts and stops); every other algorithm is served in-process.
 *
 * ```ts
 * const config = await resolveSuggestionConfig('katib-config.yaml');
 * const suggestions = new RoutingSuggestionService({ config, logDir: '.katib/suggestions' });
 * try {
 *   const controller = Controller.create({ store, suggestions, runner,
 *     suggestionDeadlineMs: suggestions.deadlineMsFor(experiment.spec.algorithm.algorithmName) });
 *   …
 * } finally {
 *   await suggestions.close();                      // stops the services it started
 * }
 * ```
 *
 * Errors of an external service keep their class (SpecError, UnavailableError, InternalError) and
 * name the service: `suggestion service at 127.0.0.1:6789 (GetSuggestions): …`, or the config
 * entry and command of a started one.
 */
import path from 'node:path';
import {
  InternalError,
  KatibError,
  NotFoundError,
  SpecError,
  UnavailableError,
  type Experiment,
} from '../api/index.js';
import { GrpcSuggestionService } from './grpc-client.js';
import { InProcessSuggestionService } from './in-process.js';
import type { SuggestionConfig, SuggestionServiceEntry } from './suggestion-config.js';
import {
  SuggestionProcess,
  type ConnectSuggestionService,
  type ExternalSuggestionClient,
} from './suggestion-process.js';
import type {
  CallOptions,
  GetSuggestionsReply,
  GetSuggestionsRequest,
  SuggestionDeployment,
  SuggestionService,
} from './suggestion-service.js';

/** Options of {@link RoutingSuggestionService}. */
export interface RoutingSuggestionServiceOptions {
  /** Which algorithms are served elsewhere. @default none: everything in-process */
  readonly config?: SuggestionConfig;
  /** The service for every algorithm the config does not name. @default a new InProcessSuggestionService */
  readonly inProcess?: SuggestionService;
  /** Where started services write `<algorithm>.log`. @default `.katib/suggestions` of the working directory */
  readonly logDir?: string;
  /** Makes the gRPC client of an external service. @default a GrpcSuggestionService */
  readonly connect?: ConnectSuggestionService;
  /** Sink for notices (a started service exited, is started again). @default none */
  readonly log?: (line: string) => void;
}

/** Where one algorithm is served. */
export type SuggestionRoute =
  | { readonly kind: 'in-process' }
  | { readonly kind: 'endpoint'; readonly entry: SuggestionServiceEntry & { readonly kind: 'endpoint' } }
  | { readonly kind: 'command'; readonly entry: SuggestionServiceEntry & { readonly kind: 'command' } };

const defaultConnect: ConnectSuggestionService = (o) => new GrpcSuggestionService(o);

/** Routes each algorithm to its configured service (see the module comment). */
export class RoutingSuggestionService implements SuggestionService {
  private readonly entries: ReadonlyMap<string, SuggestionServiceEntry>;
  private readonly inProcess: SuggestionService;
  private readonly logDir: string;
  private readonly connect: ConnectSuggestionService;
  private readonly log: ((line: string) => void) | undefined;
  private readonly clients = new Map<string, ExternalSuggestionClient>();
  private readonly processes = new Map<string, SuggestionProcess>();
  private closed = false;

  constructor(opts: RoutingSuggestionServiceOptions = {}) {
    this.entries = new Map((opts.config?.suggestions ?? []).map((e) => [e.algorithmName, e]));
    this.inProcess = opts.inProcess ?? new InProcessSuggestionService();
    this.logDir = opts.logDir ?? path.resolve('.katib', 'suggestions');
    this.connect = opts.connect ?? defaultConnect;
    this.log = opts.log;
  }

  /** True when the config sends `algorithmName` to an external service. */
  isExternal(algorithmName: string): boolean {
    return this.entries.has(algorithmName);
  }

  /** Where `algorithmName` is served. */
  routeOf(algorithmName: string): SuggestionRoute {
    const entry = this.entries.get(algorithmName);
    if (!entry) return { kind: 'in-process' };
    return entry.kind === 'endpoint' ? { kind: 'endpoint', entry } : { kind: 'command', entry };
  }

  /** The GetSuggestions deadline the config sets for `algorithmName` (`deadlineSeconds`), in ms. */
  deadlineMsFor(algorithmName: string): number | undefined {
    return this.entries.get(algorithmName)?.deadlineMs;
  }

  /** Log file of the service started for `algorithmName`, if the config has it start one. */
  logFileOf(algorithmName: string): string | undefined {
    const entry = this.entries.get(algorithmName);
    return entry?.kind === 'command' ? this.process(entry).logFile : undefined;
  }

  /**
   * Routes GetSuggestions; see {@link SuggestionService.getSuggestions}. An external service gets
   * no `state` (it travels only in-process); its reply's settings come back as `algorithmSettings`.
   * @throws SpecError, UnavailableError or InternalError from the service, naming it.
   */
  async getSuggestions(req: GetSuggestionsRequest, opts?: CallOptions): Promise<GetSuggestionsReply> {
    const entry = this.entries.get(req.experiment.spec.algorithm.algorithmName);
    if (!entry) return this.inProcess.getSuggestions(req, opts);
    return this.external(entry, opts, (client) => client.getSuggestions(req, opts));
  }

  /**
   * Routes ValidateAlgorithmSettings (starting a configured command first when needed).
   * @throws SpecError with the service's objections; UnavailableError / InternalError when it
   *   cannot answer.
   */
  async validateAlgorithmSettings(experiment: Experiment, opts?: CallOptions): Promise<void> {
    const entry = this.entries.get(experiment.spec.algorithm.algorithmName);
    if (!entry) return this.inProcess.validateAlgorithmSettings(experiment, opts);
    return this.external(entry, opts, (client) => client.validateAlgorithmSettings(experiment, opts));
  }

  /** True for algorithms served in-process by a service that computes on the caller's thread. */
  computesOnCallerThread(algorithmName: string): boolean {
    return (
      !this.entries.has(algorithmName) && this.inProcess.computesOnCallerThread?.(algorithmName) === true
    );
  }

  /** DeploymentReady of the service started for `algorithmName`; undefined for the other routes. */
  deploymentStatus(algorithmName: string): SuggestionDeployment | undefined {
    return this.processes.get(algorithmName)?.deployment();
  }

  /**
   * Starts (if configured with a command) and health-checks the service of `algorithmName` now,
   * rather than at its first call. No-op for in-process and endpoint routes.
   * @throws UnavailableError / InternalError when it does not become healthy.
   */
  async start(algorithmName: string, signal?: AbortSignal): Promise<void> {
    const entry = this.entries.get(algorithmName);
    if (entry?.kind === 'command') await this.process(entry).ready(signal);
  }

  /** Stops every service this instance started and closes every connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    await Promise.all([...this.processes.values()].map((p) => p.close()));
  }

  private async external<T>(
    entry: SuggestionServiceEntry,
    opts: CallOptions | undefined,
    call: (client: ExternalSuggestionClient) => Promise<T>,
  ): Promise<T> {
    if (this.closed)
      throw new UnavailableError(`suggestion service of algorithm ${entry.algorithmName} is closed`);
    let client: ExternalSuggestionClient;
    let where: string;
    if (entry.kind === 'endpoint') {
      client = this.endpointClient(entry);
      where = entry.endpoint;
    } else {
      const ready = await this.process(entry).ready(opts?.signal);
      client = ready.client;
      where = ready.address;
    }
    try {
      return await call(client);
    } catch (err) {
      throw naming(err, where, entry);
    }
  }

  private endpointClient(
    entry: SuggestionServiceEntry & { readonly kind: 'endpoint' },
  ): ExternalSuggestionClient {
    let c = this.clients.get(entry.algorithmName);
    if (!c) {
      c = this.connect({
        address: entry.endpoint,
        ...(entry.deadlineMs !== undefined ? { deadlineMs: entry.deadlineMs } : {}),
      });
      this.clients.set(entry.algorithmName, c);
    }
    return c;
  }

  private process(entry: SuggestionServiceEntry & { readonly kind: 'command' }): SuggestionProcess {
    let p = this.processes.get(entry.algorithmName);
    if (!p) {
      p = new SuggestionProcess({
        entry,
        logDir: this.logDir,
        connect: this.connect,
        ...(this.log ? { log: this.log } : {}),
      });
      this.processes.set(entry.algorithmName, p);
    }
    return p;
  }
}

/** The error, its message naming the service's address and config entry (class kept). */
function naming(err: unknown, where: string, entry: SuggestionServiceEntry): unknown {
  if (err instanceof SpecError || !(err instanceof Error)) return err;
  if (err.message.includes(where)) return err;
  const message = `suggestion service of algorithm ${entry.algorithmName} at ${where} (${entry.path}): ${err.message}`;
  if (!(err instanceof KatibError)) return new Error(message, { cause: err });
  switch (err.code) {
    case 'UNAVAILABLE':
      return new UnavailableError(message, { cause: err });
    case 'NOT_FOUND':
      return new NotFoundError(message, { cause: err });
    case 'INVALID_SPEC':
    case 'CONFLICT':
    case 'INTERNAL':
      return new InternalError(message, { cause: err });
  }
}
