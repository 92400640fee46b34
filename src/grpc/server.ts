/**
 * Building blocks of our gRPC servers: safe unary handlers (a throw never takes a server down),
 * message-size limits, and binding to 127.0.0.1 unless told otherwise.
 */
import type * as grpc from '@grpc/grpc-js';
import { grpcJs } from './grpc-js.js';
import { toGrpcError } from './grpc-errors.js';

/** Default largest message a server accepts or sends: 64 MiB (Katib's db-manager allows 2 GiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Where and how a server listens. */
export interface ListenOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
}

/** A new grpc-js server with message-size limits. */
export function createGrpcServer(opts: { readonly maxMessageBytes?: number } = {}): grpc.Server {
  const max = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  return new (grpcJs().Server)({
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': max,
  });
}

/** Binds and starts `server`; resolves to the bound port. */
export function listen(server: grpc.Server, opts: ListenOptions): Promise<number> {
  const host = opts.host ?? '127.0.0.1';
  const address =
    host.includes(':') && !host.startsWith('[') ? `[${host}]:${opts.port}` : `${host}:${opts.port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpcJs().ServerCredentials.createInsecure(), (err, port) => {
      if (err) reject(new Error(`cannot listen on ${address}: ${err.message}`));
      else resolve(port);
    });
  });
}

/** Stops a server: graceful for `graceMs`, then forced. */
export function shutdownServer(server: grpc.Server, graceMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Wraps an async handler as a grpc-js unary handler: its result is the reply, anything it throws
 * becomes a gRPC status (toGrpcError), so garbage input never crashes the server.
 */
export function unary<Req, Res>(
  handler: (request: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res> | Res,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    let result: Promise<Res>;
    try {
      result = Promise.resolve(handler(call.request, call));
    } catch (err) {
      callback(toGrpcError(err));
      return;
    }
    result.then(
      (reply) => callback(null, reply),
      (err: unknown) => callback(toGrpcError(err)),
    );
  };
}
