import { formatFieldError, type FieldError } from './field-error.js';

/**
 * What the caller should do about an error; each code maps to one HTTP status and one gRPC status
 * (see `errorCodeToHttpStatus`, `errorCodeToGrpcStatus`).
 */
export type ErrorCode = 'INVALID_SPEC' | 'NOT_FOUND' | 'CONFLICT' | 'UNAVAILABLE' | 'INTERNAL';

/** Root of katib-ts errors. `code` says what the caller should do. */
export abstract class KatibError extends Error {
  /** What the caller should do about it. */
  abstract readonly code: ErrorCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A user mistake in an Experiment, settings or request: every broken rule, with its field path. */
export class SpecError extends KatibError {
  readonly code = 'INVALID_SPEC' as const;
  /** All the broken rules, never empty. */
  readonly errors: readonly FieldError[];
  constructor(errors: readonly FieldError[], headline = 'invalid Experiment') {
    super(`${headline}:\n${errors.map((e) => `  ${formatFieldError(e)}`).join('\n')}`);
    this.errors = errors;
  }
}

/** The named object does not exist. */
export class NotFoundError extends KatibError {
  readonly code = 'NOT_FOUND' as const;
}

/** The write lost a race (stale version) or the name is taken: re-read and retry, or pick a new name. */
export class ConflictError extends KatibError {
  readonly code = 'CONFLICT' as const;
}

/** A dependency (an algorithm service, a database) is unreachable: retry with backoff. */
export class UnavailableError extends KatibError {
  readonly code = 'UNAVAILABLE' as const;
}

/** The algorithm failed for a reason that may pass: retry with backoff (Vizier's TemporaryPythiaError). */
export class TemporaryAlgorithmError extends KatibError {
  readonly code = 'UNAVAILABLE' as const;
}

/** A bug or broken invariant on our side. */
export class InternalError extends KatibError {
  readonly code = 'INTERNAL' as const;
}

/** HTTP status for an error code (the REST API's one table). */
export function errorCodeToHttpStatus(code: ErrorCode): number {
  switch (code) {
    case 'INVALID_SPEC':
      return 422;
    case 'NOT_FOUND':
      return 404;
    case 'CONFLICT':
      return 409;
    case 'UNAVAILABLE':
      return 503;
    case 'INTERNAL':
      return 500;
  }
}

/** gRPC status code number for an error code (the gRPC services' one table). */
export function errorCodeToGrpcStatus(code: ErrorCode): number {
  switch (code) {
    case 'INVALID_SPEC':
      return 3; // INVALID_ARGUMENT
    case 'NOT_FOUND':
      return 5; // NOT_FOUND
    case 'CONFLICT':
      return 10; // ABORTED
    case 'UNAVAILABLE':
      return 14; // UNAVAILABLE
    case 'INTERNAL':
      return 13; // INTERNAL
  }
}
