/**
 * gRPC plumbing shared by katib-ts's Katib-compatible services: the proto loaded at run time,
 * server helpers, the health service and the error mapping.
 *
 * ```ts
 * const server = createGrpcServer();
 * new HealthService().addTo(server);
 * const port = await listen(server, { port: 0 });
 * ```
 */
export * from './proto.js';
export * from './grpc-errors.js';
export * from './server.js';
export * from './health.js';
export * from './codec.js';
