import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { GrpcStatus, grpcStatusName } from '../../src/grpc/status.js';

describe('GrpcStatus', () => {
  it('has every code of grpc-js, with the same numbers and names', () => {
    const theirs = Object.entries(grpc.status).filter(([, v]) => typeof v === 'number');
    expect(theirs.length).toBe(17);
    expect(Object.fromEntries(theirs)).toEqual(GrpcStatus);
    for (const [name, code] of theirs) expect(grpcStatusName(code as number)).toBe(name);
  });

  it('names no code that gRPC does not define', () => {
    expect(grpcStatusName(17)).toBeUndefined();
    expect(grpcStatusName(-1)).toBeUndefined();
  });
});
