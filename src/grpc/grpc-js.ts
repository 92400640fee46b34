/**
 * `@grpc/grpc-js` and `@grpc/proto-loader`, loaded when a gRPC server, client or codec is first
 * built rather than with the package (see lazy-require.ts): `tune()` and most `katib` commands
 * never use them. Types come from `import type` at each use.
 */
import type * as GrpcJs from '@grpc/grpc-js';
import type * as ProtoLoader from '@grpc/proto-loader';
import { lazyRequire } from '../lazy-require.js';

/** The `@grpc/grpc-js` module, loaded on first call. */
export const grpcJs: () => typeof GrpcJs = lazyRequire<typeof GrpcJs>('@grpc/grpc-js');

/** The `@grpc/proto-loader` module, loaded on first call. */
export const protoLoaderJs: () => typeof ProtoLoader = lazyRequire<typeof ProtoLoader>('@grpc/proto-loader');
