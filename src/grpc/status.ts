/**
 * gRPC status codes (the numbers fixed by gRPC's status-code specification, the same as
 * `@grpc/grpc-js`'s `status` enum), so that code which only inspects or sets a code does not load
 * the gRPC library (see lazy-require.ts).
 */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(GrpcStatus).map(([name, code]) => [code, name]),
);

/** The name of a status code (`14` → `'UNAVAILABLE'`), or undefined for a number gRPC does not define. */
export function grpcStatusName(code: number): string | undefined {
  return NAMES.get(code);
}
