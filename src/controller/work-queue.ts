/**
 * A coalescing work queue keyed by experiment name, like client-go's workqueue: a key enqueued
 * while it waits is processed once; a key enqueued while it is being processed is processed again
 * afterwards; keys are processed one at a time.
 */
export class WorkQueue {
  private readonly waiting = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private processing: string | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  /** `handle` reconciles one key; its errors go to `onError`. */
  constructor(
    private readonly handle: (key: string) => Promise<void>,
    private readonly onError: (key: string, err: unknown) => void,
  ) {}

  /** Schedules `key` for processing. */
  add(key: string): void {
    if (this.closed) return;
    this.waiting.add(key);
    this.running ??= this.drain();
  }

  /** Schedules `key` after `delayMs` milliseconds. */
  addAfter(key: string, delayMs: number): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.add(key);
    }, delayMs);
    this.timers.add(t);
  }

  /** True when nothing waits and nothing is being processed. */
  idle(): boolean {
    return this.waiting.size === 0 && this.processing === undefined;
  }

  /** Resolves when the queue has drained what it holds now. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops accepting keys and cancels delayed ones; waits for the current key. */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting.clear();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.settled();
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const next = this.waiting.values().next();
        if (next.done) return;
        const key = next.value;
        this.waiting.delete(key);
        this.processing = key;
        try {
          await this.handle(key);
        } catch (err) {
          this.onError(key, err);
        } finally {
          this.processing = undefined;
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
