/**
 * What counts as a metric value and as a step, shared by the text and JSON collectors and by the
 * observation summary.
 */

// A plain decimal with an optional exponent: `1`, `-0.5`, `.5`, `5.`, `+1e-3`, `-7.53e-05`.
const DECIMAL_PATTERN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const STEP_PATTERN = /^\d+$/;

/**
 * The number a metric value denotes: a finite decimal, optionally signed and with an exponent.
 * Surrounding spaces, hexadecimal, `NaN`, `Inf` and values that overflow a double are rejected
 * (Go's `strconv.ParseFloat` would accept `NaN` and `Inf`; we do not, so `min`/`max` stay finite).
 *
 * @returns the number, or `undefined` when `text` is not a metric value.
 */
export function parseMetricNumber(text: string): number | undefined {
  if (!DECIMAL_PATTERN.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * A training step: a non-negative integer, written with digits only (`"12"`) or as a JSON number.
 *
 * @returns the step, or `undefined` when `raw` is not one.
 */
export function parseStep(raw: unknown): number | undefined {
  let n: number;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string' && STEP_PATTERN.test(raw.trim())) n = Number(raw.trim());
  else return undefined;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Name of the key or pair that gives a line's step (unless it is itself a requested metric). */
export const STEP_KEY = 'step';

/** Counts reports per metric, to number the steps of values that carry no explicit step. */
export class StepCounter {
  private readonly counts = new Map<string, number>();

  /** Records one more report of `metricName`; returns how many there have been (1-based). */
  next(metricName: string): number {
    const n = (this.counts.get(metricName) ?? 0) + 1;
    this.counts.set(metricName, n);
    return n;
  }

  /** How many values of `metricName` have been reported so far. */
  count(metricName: string): number {
    return this.counts.get(metricName) ?? 0;
  }
}
