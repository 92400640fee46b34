/**
 * Tells whether code is running inside one of a store's transaction bodies, so that a transaction
 * started from inside another (which would wait for the lock its caller holds, forever) fails at
 * once instead.
 *
 * AsyncLocalStorage would carry that context, but on Node 20 it does so with async hooks that,
 * once enabled, run on every promise the process creates — a cost imposed on every user of a
 * process that imports the store (tune() ran 13–16% more trials per second without them, in
 * alternating runs of the two builds on one machine). Instead, each scope runs its bodies inside a function with a name of its
 * own, and `contains()` looks for that name among the current call sites. V8 records, beyond the
 * synchronous frames, the chain of async functions and promise reactions awaiting the current one
 * (its zero-cost async stack traces), so the body's frame is found whenever the caller is something
 * the body awaits, directly or through other awaits, `then` callbacks or `Promise.all` — exactly the
 * calls that would deadlock. A task the body started and did not await is not inside it (and
 * would not deadlock: the body finishes and releases the lock). Not recognised: a call from a
 * plain callback (a timer, an event) whose promise the body awaits only through a
 * `new Promise(resolve => …)` wrapper; that call waits for the lock like any other.
 *
 * Capturing the call sites costs a few microseconds, so callers ask only when a transaction holds
 * the lock or waits for it (otherwise no body is running and the answer is no).
 */

/** Stack frames kept when looking for the body's name (async frames count too). */
const STACK_DEPTH = 200;

let nextScope = 0;

/** One store's transaction bodies. */
export class TransactionScope {
  readonly #name: string;
  /** Runs `body(arg)` so that calls it awaits see this scope in their stack. */
  readonly run: <A, T>(body: (arg: A) => Promise<T>, arg: A) => Promise<T>;

  constructor() {
    const name = `katibTransactionBody${nextScope++}`;
    this.#name = name;
    // A computed key names the function (SetFunctionName), and V8's stack frames use that name.
    const named = {
      [name]: async <A, T>(body: (arg: A) => Promise<T>, arg: A): Promise<T> => await body(arg),
    };
    this.run = named[name] as <A, T>(body: (arg: A) => Promise<T>, arg: A) => Promise<T>;
  }

  /** Whether the current call is inside a body run by this scope (see the module comment). */
  contains(): boolean {
    const limit = Error.stackTraceLimit;
    // Saved to be put back, never called here.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const prepare = Error.prepareStackTrace;
    Error.stackTraceLimit = STACK_DEPTH;
    // V8's structured call sites, not the formatted text: no formatting cost, and whatever
    // formatter the process installed (source maps, say) cannot hide the name.
    Error.prepareStackTrace = (_error, sites) => sites;
    try {
      const sites = new Error().stack as unknown as readonly NodeJS.CallSite[];
      return sites.some((site) => site.getFunctionName() === this.#name);
    } finally {
      Error.stackTraceLimit = limit;
      Error.prepareStackTrace = prepare;
    }
  }
}
