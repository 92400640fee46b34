/**
 * `katib earlystopping-server [--port 6788] [--host 127.0.0.1]`: serves Katib's `EarlyStopping`
 * gRPC service (medianstop rules, SetTrialStatus, health) on the project's store until SIGINT or
 * SIGTERM. `SetTrialStatus` marks the trial EarlyStopped in `.katib/katib.db` (or `--db`), and a
 * `katib run` working on that store stops the trial's process within a couple of seconds.
 */
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
  const port = parsePort(opts.port);
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

/** `--port` as a number in 0..65535. */
function parsePort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_EARLYSTOPPING_PORT;
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new UsageError(`--port: "${text}" is not a port number (0-65535; 0 picks a free port)`);
  }
  return port;
}

/** Resolves at the first SIGINT or SIGTERM, or when `signal` aborts; removes its listeners. */
function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop);
  });
}
