/** What the CLI's long-running gRPC servers share: `--port` parsing and waiting for a stop. */
import { UsageError } from './output.js';

/** `--port` as a number in 0..65535 (0 picks a free port); `fallback` when not given. */
export function parsePortOption(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new UsageError(`--port: "${text}" is not a port number (0-65535); 0 picks a free port`);
  }
  return port;
}

/** Resolves at the first SIGINT or SIGTERM, or when `signal` aborts; removes its listeners. */
export function untilStopped(signal?: AbortSignal): Promise<void> {
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
