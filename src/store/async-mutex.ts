/**
 * A first-in, first-out async mutex: callers of `runExclusive` run one at a time, in call order,
 * even when their work spans many event-loop turns (an `await` inside a transaction).
 */
export class AsyncMutex {
  #tail: Promise<void> = Promise.resolve();
  #pending = 0;

  /** Callers of `runExclusive` that have not finished yet: the one holding the lock and those queued. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Runs `fn` once every earlier caller has finished, and holds the lock until `fn` settles.
   * The result (or rejection) of `fn` is passed through.
   */
  async runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.#pending++;
    const previous = this.#tail;
    let release!: () => void;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await fn();
    } finally {
      this.#pending--;
      release();
    }
  }

  /** Resolves once every caller queued so far has finished. */
  async idle(): Promise<void> {
    await this.#tail;
  }
}
