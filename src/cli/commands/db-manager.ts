/**
 * `katib db-manager [--port 6789] [--host 127.0.0.1]`: serves Katib's DBManager gRPC service on the
 * project's store until SIGINT or SIGTERM, so trial code that pushes metrics Katib's way
 * (`report_metrics`) reports into the same database `katib run` reads.
 */
import { parsePortOption, untilStopped } from '../serve.js';
import { UnavailableError } from '../../api/index.js';
import { DBManagerServer, DEFAULT_DB_MANAGER_PORT } from '../../server/index.js';
import { openContextStore, resolveContext, type GlobalOptions } from '../context.js';
import { UsageError } from '../output.js';

/** Options of `katib db-manager` (as the command line gives them: strings). */
export interface DbManagerOptions extends GlobalOptions {
  /** Port to listen on; `0` picks a free one. @default '6789' */
  readonly port?: string;
  /** Address to bind. @default '127.0.0.1' */
  readonly host?: string;
}

/** Where `katib db-manager` prints, and what else stops it (for tests and embedding). */
export interface DbManagerIo {
  /** @default process.stdout */
  readonly out?: NodeJS.WritableStream;
  /** Stops the server like SIGINT does when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `katib db-manager`: opens the store, serves DBManager and Health, prints
 * `db-manager listening on host:port (store <path>)`, and on SIGINT/SIGTERM (or `io.signal`) stops
 * serving and closes the store. Resolves to the exit code, 0.
 * @throws UsageError for a bad `--port` or `--host`; UnavailableError when the address cannot be bound.
 */
export async function dbManagerCommand(opts: DbManagerOptions, io: DbManagerIo = {}): Promise<number> {
  const port = parsePortOption(opts.port, DEFAULT_DB_MANAGER_PORT);
  const host = opts.host ?? '127.0.0.1';
  if (host.trim() === '') throw new UsageError('--host: must not be empty (e.g. 127.0.0.1 or 0.0.0.0)');
  const ctx = resolveContext(opts);
  const store = await openContextStore(ctx);
  let server: DBManagerServer;
  try {
    server = await DBManagerServer.start({ store, host, port });
  } catch (err) {
    await store.close();
    // Port in use, unknown host: the environment, not a bug of ours.
    throw new UnavailableError(err instanceof Error ? err.message : String(err), { cause: err });
  }
  const out = io.out ?? process.stdout;
  out.write(`db-manager listening on ${server.address} (store ${ctx.dbPath})\n`);
  try {
    await untilStopped(io.signal);
  } finally {
    await server.close();
    await store.close();
  }
  return 0;
}
