/**
 * Katib's `Suggestion` gRPC service over our algorithms: what `katib suggestion-server` runs, and
 * what a Katib cluster can use in place of its per-algorithm images (port 6789, health service
 * name `manager.v1beta1.Suggestion`).
 *
 * ```ts
 * const server = await SuggestionServer.start({ port: 6789 });          // every algorithm
 * const grid = await SuggestionServer.start({ algorithm: 'grid', port: 0 });
 * console.log(grid.address);                                           // 127.0.0.1:40123
 * await grid.close();
 * ```
 *
 * The service is stateless per call, as Katib's API requires: a request carries the experiment
 * and its trials but no algorithm state. Each call goes through {@link InProcessSuggestionService}
 * without state, so
 * - the random stream is derived from `random_state` and the number of assignments handed out
 *   before (`total_request_number − current_request_number`), and the same request with the same
 *   `random_state` always gets the same answer (without `random_state` the seed comes from
 *   `seedSource`, by default the clock, as Katib's unseeded services);
 * - designers are rebuilt from the trials in the request (or taken from a cache that provably
 *   matches them), so a restarted server loses nothing;
 * - settings an algorithm must keep between calls go back in the reply's
 *   `algorithm.algorithm_settings`, which Katib's controller merges into the Suggestion and sends
 *   back with the next request (no built-in algorithm needs this yet).
 *
 * Bad input never takes the server down: every problem is answered with INVALID_ARGUMENT and a
 * message naming the field (`experiment.spec.parameter_specs.parameters[0].feasible_space.min: …`),
 * requests are capped ({@link DEFAULT_SUGGESTION_LIMITS}, message size), and metric values that are
 * not numbers (NaN, garbage) count as "not reported".
 */
import type * as grpc from '@grpc/grpc-js';
import type { AlgorithmRegistry } from '../algorithms/index.js';
import { builtinAlgorithms } from '../algorithms/index.js';
import { SpecError, type Experiment } from '../api/index.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  HealthService,
  createGrpcServer,
  listen,
  shutdownServer,
  unary,
} from '../grpc/index.js';
import { InProcessSuggestionService } from './in-process.js';
import {
  DEFAULT_SUGGESTION_LIMITS,
  experimentFromProto,
  specErrorToProtoPaths,
  suggestionsReplyToProto,
  type ProtoGetSuggestionsReply,
  type SuggestionRequestLimits,
} from './proto-convert.js';
import { suggestionWireService, suggestionsRequestFromWire } from './wire.js';

/** The health-service name Katib's probes and controller ask about. */
export const SUGGESTION_HEALTH_SERVICE = 'manager.v1beta1.Suggestion';

/** The port Katib's suggestion services listen on. */
export const DEFAULT_SUGGESTION_PORT = 6789;

/** Options of {@link SuggestionServer.start}. */
export interface SuggestionServerOptions {
  /**
   * Serve only this algorithm (as one of Katib's per-algorithm images); requests naming another
   * get INVALID_ARGUMENT. Must be a registered name.
   * @default every algorithm of the registry
   */
  readonly algorithm?: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @default 6789 */
  readonly port?: number;
  /** Largest message received or sent. @default 64 MiB */
  readonly maxMessageBytes?: number;
  /** Sink for one line per call and per error. @default none */
  readonly log?: (line: string) => void;
  /** The algorithms to serve. @default builtinAlgorithms */
  readonly registry?: AlgorithmRegistry;
  /**
   * Seed of a call whose experiment sets no `random_state` (the wire carries no state to keep one
   * in). Pass a fixed function for reproducible runs.
   * @default a hash of the clock and a counter
   */
  readonly seedSource?: () => number;
  /** Request limits. @default DEFAULT_SUGGESTION_LIMITS */
  readonly limits?: Partial<SuggestionRequestLimits>;
}

/** A running Suggestion gRPC server. Create with {@link SuggestionServer.start}; stop with `close()`. */
export class SuggestionServer {
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly server: grpc.Server,
    private readonly health: HealthService,
    /** The host it is bound to. */
    readonly host: string,
    /** The bound port (the real one when 0 was asked for). */
    readonly port: number,
    /** The algorithms it serves, sorted. */
    readonly algorithms: readonly string[],
  ) {}

  /** `host:port` for clients (IPv6 hosts in brackets). */
  get address(): string {
    return this.host.includes(':') && !this.host.startsWith('[')
      ? `[${this.host}]:${this.port}`
      : `${this.host}:${this.port}`;
  }

  /**
   * Starts serving Suggestion and Health on `host:port`.
   * @throws SpecError when `opts.algorithm` is not a registered algorithm (the message lists the known ones).
   * @throws Error when the address cannot be bound.
   */
  static async start(opts: SuggestionServerOptions = {}): Promise<SuggestionServer> {
    const registry = opts.registry ?? builtinAlgorithms;
    if (opts.algorithm !== undefined && !registry.get(opts.algorithm)) {
      throw new SpecError(
        [
          {
            path: 'algorithm',
            message: `unknown algorithm ${opts.algorithm}; known algorithms: ${registry.names().join(', ')}`,
          },
        ],
        'cannot start the suggestion server',
      );
    }
    const algorithms = opts.algorithm !== undefined ? [opts.algorithm] : registry.names();
    const limits: SuggestionRequestLimits = { ...DEFAULT_SUGGESTION_LIMITS, ...opts.limits };
    const service = new InProcessSuggestionService({
      registry,
      ...(opts.seedSource ? { seedSource: opts.seedSource } : {}),
    });
    const log = opts.log;
    const served = (e: Experiment): void => {
      const name = e.spec.algorithm.algorithmName;
      if (opts.algorithm !== undefined && name !== opts.algorithm) {
        throw new SpecError(
          [
            {
              path: 'experiment.spec.algorithm.algorithm_name',
              message: `this suggestion server serves only algorithm ${opts.algorithm}, not ${name}`,
            },
          ],
          'algorithm not served here',
        );
      }
    };
    /** Our errors with domain paths are sent with proto paths. */
    const onWire = (err: unknown): Error =>
      err instanceof SpecError
        ? specErrorToProtoPaths(err)
        : err instanceof Error
          ? err
          : new Error(String(err));

    const server = createGrpcServer({ maxMessageBytes: opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES });
    // Katib's wire format through our codec (proto-loader's costs milliseconds per 1000 trials);
    // GetSuggestions requests are read from the bytes straight into trials (see wire.ts).
    server.addService(suggestionWireService().definition, {
      GetSuggestions: unary(async (req: unknown, call): Promise<ProtoGetSuggestionsReply> => {
        const started = performance.now();
        try {
          const request = suggestionsRequestFromWire(req, limits);
          served(request.experiment);
          const reply = await service.getSuggestions(request, { signal: cancelSignal(call) });
          log?.(
            `GetSuggestions ${request.experiment.metadata.name} (${request.experiment.spec.algorithm.algorithmName}): ` +
              `${request.trials.length} trials, ${reply.assignments.length}/${request.currentRequestNumber} assignments ` +
              `in ${(performance.now() - started).toFixed(1)} ms`,
          );
          return suggestionsReplyToProto(reply, request.experiment.spec.algorithm.algorithmName);
        } catch (err) {
          const wire = onWire(err);
          log?.(`GetSuggestions failed: ${oneLine(wire)}`);
          throw wire;
        }
      }),
      ValidateAlgorithmSettings: unary(async (req: unknown, call): Promise<Record<string, never>> => {
        try {
          const experiment = experimentFromProto(isObject(req) ? req['experiment'] : undefined);
          served(experiment);
          await service.validateAlgorithmSettings(experiment, { signal: cancelSignal(call) });
          log?.(`ValidateAlgorithmSettings ${experiment.metadata.name}: valid`);
          return {};
        } catch (err) {
          const wire = onWire(err);
          log?.(`ValidateAlgorithmSettings rejected: ${oneLine(wire)}`);
          throw wire;
        }
      }),
    });
    const health = new HealthService();
    health.setStatus(SUGGESTION_HEALTH_SERVICE, 'SERVING');
    health.addTo(server);

    const host = opts.host ?? '127.0.0.1';
    let port: number;
    try {
      port = await listen(server, { host, port: opts.port ?? DEFAULT_SUGGESTION_PORT });
    } catch (err) {
      server.forceShutdown();
      throw err;
    }
    return new SuggestionServer(server, health, host, port, algorithms);
  }

  /** Reports NOT_SERVING, finishes calls in flight (up to `graceMs`), then stops. Idempotent. */
  close(graceMs = 2000): Promise<void> {
    if (!this.closed) {
      this.health.setStatus(SUGGESTION_HEALTH_SERVICE, 'NOT_SERVING');
      this.closed = shutdownServer(this.server, graceMs);
    }
    return this.closed;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A signal that aborts when the client cancels the call (or its deadline passes). */
function cancelSignal(call: {
  readonly cancelled: boolean;
  once(event: 'cancelled', listener: () => void): unknown;
}): AbortSignal {
  const ac = new AbortController();
  if (call.cancelled) ac.abort(new Error('cancelled by the client'));
  else call.once('cancelled', () => ac.abort(new Error('cancelled by the client')));
  return ac.signal;
}

/** An error as one short log line. */
function oneLine(err: unknown): string {
  const text =
    err instanceof SpecError ? err.errors.map((e) => `${e.path}: ${e.message}`).join('; ') : String(err);
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
