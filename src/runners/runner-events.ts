/**
 * What both embedded runners share: the listener set behind `onEvent`, and where notices go.
 * Internal to src/runners.
 */
import type { RunnerEvent } from './trial-runner.js';

/** Receives one-line human notices from a runner (images ignored, values skipped, …). */
export type NoticeSink = (message: string) => void;

/** The default notice sink: one line on stderr, prefixed `katib:`. */
export const stderrNotice: NoticeSink = (message) => {
  process.stderr.write(`katib: ${message}\n`);
};

/**
 * The listeners of one runner. A listener that throws is reported through the notice sink and
 * does not stop the others from hearing the event.
 */
export class RunnerEventHub {
  readonly #listeners = new Set<(e: RunnerEvent) => void>();
  readonly #log: NoticeSink;

  /** `log` receives a notice when a listener throws. */
  constructor(log: NoticeSink) {
    this.#log = log;
  }

  /** Adds a listener; the returned function removes it. */
  on(listener: (e: RunnerEvent) => void): () => void {
    // Wrap so that one function subscribed twice gets two independent subscriptions.
    const wrapped = (e: RunnerEvent): void => listener(e);
    this.#listeners.add(wrapped);
    return () => {
      this.#listeners.delete(wrapped);
    };
  }

  /** Delivers `e` to every current listener, synchronously, in subscription order. */
  emit(e: RunnerEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(e);
      } catch (err) {
        this.#log(`a runner event listener threw on '${e.type}' of ${e.trialName}: ${describeError(err)}`);
      }
    }
  }
}

/** A short message for anything thrown. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

/** The errno code of a Node system error, if it is one. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    return typeof err.code === 'string' ? err.code : undefined;
  }
  return undefined;
}
