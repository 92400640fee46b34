/**
 * One mapping between our errors and gRPC statuses, both ways (the gRPC half of the error table in
 * api/errors.ts): a SpecError becomes INVALID_ARGUMENT with every field error in the message, and
 * INVALID_ARGUMENT from a peer becomes a SpecError again. Never a stack trace on the wire.
 */
import type * as grpc from '@grpc/grpc-js';
import { GrpcStatus } from './status.js';
import {
  InternalError,
  KatibError,
  NotFoundError,
  SpecError,
  UnavailableError,
  errorCodeToGrpcStatus,
  formatFieldError,
} from '../api/index.js';

/** A gRPC error object (what a handler passes to its callback). */
export interface GrpcError extends Partial<grpc.StatusObject> {
  readonly code: grpc.status;
  readonly details: string;
  readonly message: string;
}

/** Our error (or anything thrown) as a gRPC status for a reply. */
export function toGrpcError(err: unknown): GrpcError {
  if (err instanceof SpecError) {
    const details = err.errors.map(formatFieldError).join('; ');
    return { code: GrpcStatus.INVALID_ARGUMENT, details, message: details };
  }
  if (err instanceof KatibError) {
    return {
      code: errorCodeToGrpcStatus(err.code),
      details: err.message,
      message: err.message,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    code: GrpcStatus.INTERNAL,
    details: `internal error: ${message}`,
    message: `internal error: ${message}`,
  };
}

/** A gRPC status from a peer as our error, so callers decide by class (retry, fail, report). */
export function fromGrpcError(err: unknown, what: string): KatibError {
  // The code as a plain number: compared with GrpcStatus, which is not grpc-js's enum.
  const e = err as (Partial<Omit<grpc.ServiceError, 'code'>> & { code?: number }) | undefined;
  const details = e?.details ?? (err instanceof Error ? err.message : String(err));
  switch (e?.code) {
    case GrpcStatus.INVALID_ARGUMENT:
      return new SpecError(
        details
          .split('; ')
          .filter((s) => s.length > 0)
          .map((line) => {
            const i = line.indexOf(': ');
            return i > 0 && !line.slice(0, i).includes(' ')
              ? { path: line.slice(0, i), message: line.slice(i + 2) }
              : { path: 'spec.algorithm', message: line };
          }),
        `${what} rejected the request`,
      );
    case GrpcStatus.NOT_FOUND:
      return new NotFoundError(`${what}: ${details}`);
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.DEADLINE_EXCEEDED:
    case GrpcStatus.RESOURCE_EXHAUSTED:
    case GrpcStatus.CANCELLED:
      return new UnavailableError(`${what}: ${details}`, { cause: err });
    default:
      return new InternalError(`${what}: ${details}`, { cause: err });
  }
}
