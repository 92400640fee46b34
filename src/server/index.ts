/**
 * Servers that expose our store to the outside: for now Katib's `DBManager` gRPC service, so trial
 * code pushing metrics Katib's way (`report_metrics`) writes into the same store the engine reads.
 *
 * ```ts
 * import { DBManagerServer } from './server/index.js';
 * const server = await DBManagerServer.start({ store, port: 6789 });
 * await server.close();
 * ```
 */
export {
  DB_MANAGER_HEALTH_SERVICES,
  DBManagerServer,
  DEFAULT_DB_MANAGER_PORT,
  DEFAULT_MAX_LOGS_PER_REQUEST,
  toGoRfc3339Nano,
  type DBManagerServerOptions,
} from './db-manager.js';
export {
  API_URL_ENV,
  MetricsHttpServer,
  parseReport,
  type MetricsHttpServerOptions,
} from './metrics-http.js';
export { reportObservations } from './report-observations.js';
