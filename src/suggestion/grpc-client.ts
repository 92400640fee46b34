/**
 * The gRPC transport of the {@link SuggestionService} port: a client of any Katib-compatible
 * `Suggestion` service (ours, `katib suggestion-server`, or one of Katib's algorithm images),
 * speaking the wire as Katib's controller does.
 *
 * ```ts
 * const suggestions = new GrpcSuggestionService({ address: '127.0.0.1:6789', deadlineMs: 120_000 });
 * await suggestions.checkHealth();                      // 'SERVING'
 * await suggestions.validateAlgorithmSettings(experiment);
 * const { assignments, algorithmSettings } = await suggestions.getSuggestions({
 *   experiment, trials, currentRequestNumber: 2, totalRequestNumber: 2,
 * });
 * suggestions.close();
 * ```
 *
 * Errors come back as our classes, so the controller decides by class: INVALID_ARGUMENT →
 * SpecError (paths mapped back to `spec.…`), UNAVAILABLE / DEADLINE_EXCEEDED / CANCELLED /
 * RESOURCE_EXHAUSTED → UnavailableError (retry), anything else → InternalError. A reply with
 * more assignments than asked for is an InternalError ("The response contains unexpected
 * trials", Katib's words); fewer are accepted (the search space is exhausted).
 */
import type * as grpc from '@grpc/grpc-js';
import { GrpcStatus } from '../grpc/status.js';
import { grpcJs } from '../grpc/grpc-js.js';
import { InternalError, SpecError, type Experiment } from '../api/index.js';
import { fromGrpcError, loadKatibProto, type ServingStatus } from '../grpc/index.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../grpc/server.js';
import { SUGGESTION_HEALTH_SERVICE } from './grpc-server.js';
import {
  experimentToProto,
  fieldErrorsFromStatusDetails,
  suggestionsReplyFromProto,
} from './proto-convert.js';
import type {
  CallOptions,
  GetSuggestionsReply,
  GetSuggestionsRequest,
  SuggestionService,
} from './suggestion-service.js';
import { EncodedSuggestionsRequest, suggestionWireService } from './wire.js';

/** Default deadline of one call: 5 minutes (Katib's fixed 60 s is too short for big models: #1058). */
export const DEFAULT_SUGGESTION_DEADLINE_MS = 300_000;

/** Options of {@link GrpcSuggestionService}. */
export interface GrpcSuggestionServiceOptions {
  /** `host:port` of the service. */
  readonly address: string;
  /** Deadline of a call when its CallOptions set none. @default 300000 */
  readonly deadlineMs?: number;
  /** Largest message sent or received. @default 64 MiB */
  readonly maxMessageBytes?: number;
}

type Callback = (err: grpc.ServiceError | null, reply?: unknown) => void;
type UnaryMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: Callback,
) => grpc.ClientUnaryCall;

/** Katib's Suggestion service over gRPC. One channel per instance; `close()` when done. */
export class GrpcSuggestionService implements SuggestionService {
  /** `host:port` of the service. */
  readonly address: string;
  private readonly deadlineMs: number;
  private readonly client: grpc.Client;
  private readonly health: grpc.Client;

  /** @throws Error when `address` is empty or a limit is not a positive number. */
  constructor(opts: GrpcSuggestionServiceOptions) {
    if (typeof opts.address !== 'string' || opts.address.trim() === '') {
      throw new Error('GrpcSuggestionService: address must be host:port');
    }
    const deadlineMs = opts.deadlineMs ?? DEFAULT_SUGGESTION_DEADLINE_MS;
    if (!(deadlineMs > 0))
      throw new Error(`GrpcSuggestionService: deadlineMs must be positive, got ${deadlineMs}`);
    const max = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!(max > 0)) throw new Error(`GrpcSuggestionService: maxMessageBytes must be positive, got ${max}`);
    this.address = opts.address;
    this.deadlineMs = deadlineMs;
    const channelOptions: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': max,
      'grpc.max_send_message_length': max,
    };
    const { Health } = loadKatibProto();
    const credentials = grpcJs().credentials.createInsecure();
    // GetSuggestions requests are written straight from our trials into bytes (see wire.ts).
    this.client = new (suggestionWireService().Client)(opts.address, credentials, channelOptions);
    this.health = new Health(opts.address, credentials, channelOptions);
  }

  /**
   * Asks the service for `currentRequestNumber` assignments (nothing is sent for 0). `req.state`
   * does not travel; the reply's `algorithm.algorithm_settings` come back as `algorithmSettings`.
   * @throws SpecError when the service rejects the request (INVALID_ARGUMENT).
   * @throws UnavailableError when it cannot be reached or misses the deadline.
   * @throws InternalError on any other failure, or when the reply has more assignments than asked for.
   * @throws the signal's reason when `opts.signal` aborts.
   */
  async getSuggestions(req: GetSuggestionsRequest, opts?: CallOptions): Promise<GetSuggestionsReply> {
    opts?.signal?.throwIfAborted();
    if (req.currentRequestNumber <= 0) return { assignments: [] };
    let raw: unknown;
    try {
      raw = await this.invoke(this.client, 'GetSuggestions', new EncodedSuggestionsRequest(req), opts);
    } catch (err) {
      throw this.mapError(err, 'GetSuggestions');
    }
    const reply = suggestionsReplyFromProto(raw);
    if (reply.assignments.length > req.currentRequestNumber) {
      throw new InternalError(
        `The response contains unexpected trials: suggestion service at ${this.address} returned ` +
          `${reply.assignments.length} assignments for a request of ${req.currentRequestNumber}`,
      );
    }
    return reply;
  }

  /**
   * Resolves when the service accepts the experiment's algorithm settings. As in Katib's
   * controller, UNIMPLEMENTED counts as valid (a service without validation) and UNKNOWN as
   * invalid (an exception in a Python service's validator).
   * @throws SpecError with the service's messages when it rejects them.
   * @throws UnavailableError / InternalError as for getSuggestions.
   */
  async validateAlgorithmSettings(experiment: Experiment, opts?: CallOptions): Promise<void> {
    opts?.signal?.throwIfAborted();
    try {
      await this.invoke(
        this.client,
        'ValidateAlgorithmSettings',
        { experiment: experimentToProto(experiment) },
        opts,
      );
    } catch (err) {
      if (isServiceError(err) && (err.code as number) === GrpcStatus.UNIMPLEMENTED) return;
      if (isServiceError(err) && (err.code as number) === GrpcStatus.UNKNOWN)
        throw this.specError(err.details);
      throw this.mapError(err, 'ValidateAlgorithmSettings');
    }
  }

  /**
   * The serving status the service's health service reports for `service` (Katib's suggestion
   * services report SERVING for `manager.v1beta1.Suggestion`).
   * @throws NotFoundError when the service does not know the name.
   * @throws UnavailableError when it cannot be reached within `deadlineMs` (default 5 s).
   */
  async checkHealth(service: string = SUGGESTION_HEALTH_SERVICE, deadlineMs = 5000): Promise<ServingStatus> {
    let reply: unknown;
    try {
      reply = await this.invoke(this.health, 'Check', { service }, { deadlineMs });
    } catch (err) {
      throw this.mapError(err, 'Health.Check');
    }
    const status = (reply as { status?: unknown } | undefined)?.status;
    return status === 'SERVING' || status === 'NOT_SERVING' ? status : 'UNKNOWN';
  }

  /** Closes the channels; calls in flight fail with UNAVAILABLE/CANCELLED. */
  close(): void {
    this.client.close();
    this.health.close();
  }

  private specError(details: string): SpecError {
    return new SpecError(
      fieldErrorsFromStatusDetails(details),
      `suggestion service at ${this.address} rejected the request`,
    );
  }

  /** Our error for a failed call: INVALID_ARGUMENT → SpecError, the rest by fromGrpcError. */
  private mapError(err: unknown, method: string): unknown {
    if (!isServiceError(err)) return err;
    if ((err.code as number) === GrpcStatus.INVALID_ARGUMENT) return this.specError(err.details);
    return fromGrpcError(err, `suggestion service at ${this.address} (${method})`);
  }

  /** One unary call with deadline and cancellation: the decoded reply, or the raw gRPC error. */
  private invoke(
    client: grpc.Client,
    method: string,
    request: unknown,
    opts: CallOptions | undefined,
  ): Promise<unknown> {
    const fn = (client as unknown as Record<string, UnaryMethod | undefined>)[method];
    if (typeof fn !== 'function') return Promise.reject(new InternalError(`the proto has no rpc ${method}`));
    const signal = opts?.signal;
    const deadline = new Date(Date.now() + (opts?.deadlineMs ?? this.deadlineMs));
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const onAbort = (): void => call.cancel();
      const call = fn.call(client, request, new (grpcJs().Metadata)(), { deadline }, (err, reply) => {
        signal?.removeEventListener('abort', onAbort);
        if (signal?.aborted) reject(abortReason(signal));
        else if (err) reject(err);
        else resolve(reply);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function isServiceError(err: unknown): err is grpc.ServiceError {
  return err instanceof Error && typeof (err as Partial<grpc.ServiceError>).code === 'number';
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(`aborted: ${String(reason)}`);
}
