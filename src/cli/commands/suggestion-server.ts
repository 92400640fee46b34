/**
 * `katib suggestion-server [--algorithm NAME] [--port 6789] [--host 127.0.0.1]`: serves our
 * algorithms as Katib's `Suggestion` gRPC service (with `grpc.health.v1.Health`) until SIGINT or
 * SIGTERM. Without `--algorithm` one process serves every algorithm; with it, only that one, as
 * one of Katib's per-algorithm images would.
 */
import { parsePortOption } from '../serve.js';
import { algorithmNames } from '../../algorithms/index.js';
import { DEFAULT_SUGGESTION_PORT, SuggestionServer } from '../../suggestion/index.js';
import { UsageError } from '../output.js';

/** Options of `katib suggestion-server`, as commander hands them over (strings). */
export interface SuggestionServerCommandOptions {
  readonly algorithm?: string;
  readonly port?: string;
  readonly host?: string;
  /** Print one line per call (to stderr). */
  readonly verbose?: boolean;
}

/** Parses `--port`: an integer 0–65535 (0 picks a free port). */
export function parsePort(text: string | undefined): number {
  return parsePortOption(text, DEFAULT_SUGGESTION_PORT);
}

/**
 * Runs `katib suggestion-server`: validates the options, starts the server, prints
 * `suggestion server for <all algorithms|NAME> listening on HOST:PORT`, serves until SIGINT or
 * SIGTERM, then shuts down.
 * @returns the exit code (0 after a clean shutdown).
 * @throws UsageError for an unknown algorithm (listing the known ones) or a bad port.
 */
export async function suggestionServerCommand(
  opts: SuggestionServerCommandOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const known = algorithmNames();
  if (opts.algorithm !== undefined && !known.includes(opts.algorithm)) {
    throw new UsageError(
      `--algorithm: unknown algorithm "${opts.algorithm}"; known algorithms: ${known.join(', ')}`,
    );
  }
  const port = parsePort(opts.port);
  const host = opts.host?.trim() || '127.0.0.1';
  const server = await SuggestionServer.start({
    host,
    port,
    ...(opts.algorithm !== undefined ? { algorithm: opts.algorithm } : {}),
    ...(opts.verbose ? { log: (line: string) => void process.stderr.write(`${line}\n`) } : {}),
  });
  out.write(`suggestion server for ${opts.algorithm ?? 'all algorithms'} listening on ${server.address}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
