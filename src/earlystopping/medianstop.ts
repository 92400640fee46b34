/**
 * `medianstop`: Katib's early-stopping algorithm, the median stopping rule of Google Vizier.
 *
 * Golovin, Solnik, Moitra, Kochanski, Karro, Sculley. "Google Vizier: A Service for Black-Box
 * Optimization". KDD 2017, §3.2.2 (Automated Early Stopping), https://doi.org/10.1145/3097983.3098043:
 * a pending trial is stopped at step s when its best objective value by step s is strictly worse
 * than the median of the running averages, up to step s, of the completed trials' objective values.
 *
 * Katib's wire form is a fixed threshold per rule, so, as in Katib, s is one step: `start_step`.
 * For each completed (Succeeded) trial we average its first `start_step` objective reports (fewer
 * if it reported fewer; trials that reported no number are left out); once at least
 * `min_trials_required` trials have such an average, the answer is one rule
 * `{name: objective metric, value: median of the averages, comparison: less (maximize) or greater
 * (minimize), startStep: start_step}`, which {@link checkRules} applies to running trials.
 *
 * Settings (Katib's names, defaults and messages): `min_trials_required` (default 3, an integer
 * > 0) and `start_step` (default 4, an integer ≥ 1); any other name is refused with
 * `unknown setting <name> for algorithm medianstop`. A value that is not an integer is refused with
 * `failed to validate <name>(<value>): …`, as Katib's `int()` failure reads. A repeated setting: the
 * last one wins, as in Katib.
 *
 * Differences from Katib's service, on purpose:
 * - **A true median.** Katib's "median" is the arithmetic mean of the averages, so one trial that
 *   diverged (a huge loss) drags the threshold along with it; the median is what the paper and the
 *   name promise. With an even count it is the mean of the two middle values.
 * - **No state.** Katib caches each trial's average in memory (lost on restart, and never updated);
 *   we recompute from the logs on every call.
 * - **No bare failures.** Katib divides by zero for a completed trial with an empty log and fails
 *   on a value that is not a number; we skip such values and trials.
 */
import {
  FieldPath,
  SpecError,
  type EarlyStoppingRule,
  type EarlyStoppingSpec,
  type Experiment,
  type FieldError,
  type MetricLog,
  type TrialView,
} from '../api/index.js';
import { parseMetricNumber } from '../metrics-collector/index.js';
import type { EarlyStopper, ObservationLogReader } from './early-stopper.js';

/** Katib's name of the algorithm. */
export const MEDIANSTOP_NAME = 'medianstop';

/** medianstop's settings, parsed. */
export interface MedianStopSettings {
  /** Completed trials needed before any rule is given. @default 3 */
  readonly minTrialsRequired: number;
  /** Reports averaged per completed trial, and the report from which running trials are checked. @default 4 */
  readonly startStep: number;
}

/** Katib's defaults. */
export const MEDIANSTOP_DEFAULTS: MedianStopSettings = { minTrialsRequired: 3, startStep: 4 };

/** How many observation logs are read at once. */
const LOG_READ_CONCURRENCY = 8;

const SETTINGS_PATH = FieldPath.root('spec').child('earlyStopping').child('algorithmSettings');

/** Python's `int()` on a string: optional spaces and sign, decimal digits. */
const PY_INT = /^\s*[+-]?\d+\s*$/;

/**
 * Parses medianstop's settings with Katib's rules and messages (see the module comment), reporting
 * every problem with its path `spec.earlyStopping.algorithmSettings[i].name|value`. Never throws.
 */
export function parseMedianStopSettings(
  spec: EarlyStoppingSpec | undefined,
):
  | { readonly ok: true; readonly settings: MedianStopSettings }
  | { readonly ok: false; readonly errors: FieldError[] } {
  let { minTrialsRequired, startStep } = MEDIANSTOP_DEFAULTS;
  const errors: FieldError[] = [];
  const raw: unknown = spec?.algorithmSettings;
  const list: readonly unknown[] = Array.isArray(raw) ? (raw as unknown[]) : [];
  list.forEach((entry, i) => {
    const at = SETTINGS_PATH.index(i);
    const rec = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {};
    const name = typeof rec['name'] === 'string' ? rec['name'] : '';
    const value = typeof rec['value'] === 'string' ? rec['value'] : '';
    if (name !== 'min_trials_required' && name !== 'start_step') {
      errors.push(at.child('name').error(`unknown setting ${name} for algorithm ${MEDIANSTOP_NAME}`, name));
      return;
    }
    const n = PY_INT.test(value) ? Number(value.trim()) : Number.NaN;
    if (!Number.isSafeInteger(n)) {
      const why = PY_INT.test(value) ? 'the integer is too large' : 'not an integer';
      errors.push(at.child('value').error(`failed to validate ${name}(${value}): ${why}`, value));
    } else if (name === 'min_trials_required') {
      if (n > 0) minTrialsRequired = n;
      else errors.push(at.child('value').error('min_trials_required must be greater than zero (>0)', value));
    } else if (n >= 1) startStep = n;
    else errors.push(at.child('value').error('start_step must be greater or equal than one (>=1)', value));
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, settings: { minTrialsRequired, startStep } };
}

/**
 * The mean of the first `count` numeric reports of `metric` in `log` (in log order; fewer when
 * there are fewer). Values that are not finite decimal numbers are skipped.
 * @returns the mean, or `undefined` when the log has no numeric report of `metric`.
 */
export function firstReportsAverage(
  log: readonly MetricLog[],
  metric: string,
  count: number,
): number | undefined {
  let sum = 0;
  let n = 0;
  for (const entry of log) {
    if (n >= count) break;
    if (entry.metricName !== metric) continue;
    const v = parseMetricNumber(entry.value);
    if (v === undefined) continue;
    sum += v;
    n++;
  }
  return n > 0 ? sum / n : undefined;
}

/**
 * The median of `values`: the middle one, or the mean of the two middle ones for an even count.
 * @returns `undefined` for an empty list.
 */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const hi = sorted[mid] as number;
  if (sorted.length % 2 === 1) return hi;
  const lo = sorted[mid - 1] as number;
  const mean = (lo + hi) / 2;
  // Two huge values overflow the sum; halving first is safe there (and only there: it loses
  // subnormal values).
  return Number.isFinite(mean) ? mean : lo / 2 + hi / 2;
}

/** `fn` over `items` with at most `limit` calls in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The medianstop algorithm (see the module comment). */
export const medianStop: EarlyStopper = {
  name: MEDIANSTOP_NAME,

  validate(spec: EarlyStoppingSpec): FieldError[] {
    const parsed = parseMedianStopSettings(spec);
    return parsed.ok ? [] : parsed.errors;
  },

  async rules(
    experiment: Experiment,
    trials: readonly TrialView[],
    logs: ObservationLogReader,
  ): Promise<EarlyStoppingRule[]> {
    const parsed = parseMedianStopSettings(experiment.spec.earlyStopping);
    if (!parsed.ok) throw new SpecError(parsed.errors, 'invalid early-stopping settings');
    const { minTrialsRequired, startStep } = parsed.settings;
    const objective = experiment.spec.objective;
    const seen = new Set<string>();
    const completed = trials.filter((t) => {
      if (t.phase !== 'Succeeded' || seen.has(t.name)) return false;
      seen.add(t.name);
      return true;
    });
    if (completed.length < minTrialsRequired) return [];
    const averages = await mapLimit(completed, LOG_READ_CONCURRENCY, async (t) =>
      firstReportsAverage(await logs(t.name), objective.objectiveMetricName, startStep),
    );
    const known = averages.filter((a): a is number => a !== undefined);
    const threshold = known.length >= minTrialsRequired ? median(known) : undefined;
    if (threshold === undefined || !Number.isFinite(threshold)) return [];
    return [
      {
        name: objective.objectiveMetricName,
        value: String(threshold),
        comparison: objective.type === 'maximize' ? 'less' : 'greater',
        startStep,
      },
    ];
  },
};
