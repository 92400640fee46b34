/**
 * Loading Katib's wire contract (proto/api.proto, proto/health.proto) at run time with
 * @grpc/proto-loader. Messages are plain objects with the proto's own snake_case field names, enums
 * as their names, 64-bit integers as numbers, and defaults filled in (proto3 semantics).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';
import { grpcJs, protoLoaderJs } from './grpc-js.js';
import type * as protoLoader from '@grpc/proto-loader';

/** The folder holding api.proto and health.proto (the package's `proto/`). */
export const PROTO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'proto');

/** proto-loader options shared by our servers, clients and tests. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
};

/** Service constructors of Katib's packages. */
export interface KatibProto {
  readonly Suggestion: grpc.ServiceClientConstructor;
  readonly EarlyStopping: grpc.ServiceClientConstructor;
  readonly DBManager: grpc.ServiceClientConstructor;
  readonly Health: grpc.ServiceClientConstructor;
}

let cached: KatibProto | undefined;

/** Loads both protos once; returns the service constructors (each has `.service` for servers). */
export function loadKatibProto(): KatibProto {
  if (cached) return cached;
  const def = protoLoaderJs().loadSync(
    [path.join(PROTO_DIR, 'api.proto'), path.join(PROTO_DIR, 'health.proto')],
    PROTO_LOADER_OPTIONS,
  );
  const root = grpcJs().loadPackageDefinition(def) as unknown as {
    api: { v1: { beta1: Record<string, grpc.ServiceClientConstructor> } };
    grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
  };
  const api = root.api.v1.beta1;
  const need = (name: string): grpc.ServiceClientConstructor => {
    const c = api[name];
    if (!c) throw new Error(`proto/api.proto has no service ${name}`);
    return c;
  };
  cached = {
    Suggestion: need('Suggestion'),
    EarlyStopping: need('EarlyStopping'),
    DBManager: need('DBManager'),
    Health: root.grpc.health.v1.Health,
  };
  return cached;
}
