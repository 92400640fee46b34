/**
 * `katib earlystopping-server [--port 6788] [--host 127.0.0.1]`: serves Katib's `EarlyStopping`
 * gRPC service (medianstop rules, SetTrialStatus, health) on the project's store until SIGINT or
 * SIGTERM. `SetTrialStatus` marks the trial EarlyStopped in `.katib/katib.db` (or `--db`), and a
 * `katib run` working on that store stops the trial's process within a couple of seconds.
 */
import { parsePortOption, untilStopped } from '../serve.js';
import { UnavailableError } from '../../api/index.js';
import { DEFAULT_EARLYSTOPPING_PORT, EarlyStoppingServer } from '../../earlystopping/index.js';
import { openContextStore, resolveContext, type GlobalOptions } from '../context.js';
import { UsageError } from '../output.js';

/** Options of `katib earlystopping-server`, as the command line gives them (strings). */
export interface EarlyStoppingServerCommandOptions extends GlobalOptions {
  /** Port to listen on; `0` picks a free one. @default '6788' */
  readonly port?: string;
  /** Address to bind. @default '127.0.0.1' */
  readonly host?: string;
}

/** Where the command prints, and what else stops it (for tests and embedding). */
export interface EarlyStoppingServerIo {
  /** @default process.stdout */
  readonly out?: NodeJS.WritableStream;
  /** Stops the server like SIGINT does when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `katib earlystopping-server`: opens the store, serves EarlyStopping and Health, prints
 * `earlystopping server listening on host:port (store <path>)`, and on SIGINT/SIGTERM (or
 * `io.signal`) stops serving and closes the store.
 * @returns the exit code, 0.
 * @throws UsageError for a bad `--port` or `--host`; UnavailableError when the address cannot be bound.
 */
export async function earlyStoppingServerCommand(
  opts: EarlyStoppingServerCommandOptions,
  io: EarlyStoppingServerIo = {},
): Promise<number> {
  const port = parsePortOption(opts.port, DEFAULT_EARLYSTOPPING_PORT);
  const host = opts.host ?? '127.0.0.1';
  if (host.trim() === '') throw new UsageError('--host: must not be empty (e.g. 127.0.0.1 or 0.0.0.0)');
  const ctx = resolveContext(opts);
  const store = await openContextStore(ctx);
  let server: EarlyStoppingServer;
  try {
    server = await EarlyStoppingServer.start({ store, host: host.trim(), port });
  } catch (err) {
    await store.close();
    // Port in use, unknown host: the environment, not a bug of ours.
    throw new UnavailableError(err instanceof Error ? err.message : String(err), { cause: err });
  }
  const out = io.out ?? process.stdout;
  out.write(`earlystopping server listening on ${server.address} (store ${ctx.dbPath})\n`);
  try {
    await untilStopped(io.signal);
  } finally {
    await server.close();
    await store.close();
  }
  return 0;
}
