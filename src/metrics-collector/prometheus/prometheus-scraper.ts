/**
 * Katib's `PrometheusMetric` collector for local trials (Katib declares the kind but ships no
 * collector): scrapes the trial's endpoint, `http://127.0.0.1:<port><path>` from
 * `source.httpGet` (Katib's defaults: port 8080, path `/metrics`), and turns samples of the
 * objective and additional metrics into metric logs.
 *
 * - A metric name selects samples by name, optionally with labels (`loss{phase="val"}`); when
 *   several samples match, the first one in the exposition is used.
 * - A value is reported when it is new: the first time, and then whenever the value or the
 *   sample's own timestamp changes — so a gauge scraped every second while training pauses is not
 *   reported over and over. Its step is the count of reports of that metric so far.
 * - Time is the sample's timestamp when it has one, otherwise the scrape's.
 * - A scrape that fails (trial not listening yet, timeout, non-200) reports nothing and is
 *   remembered in {@link lastProblem}; the next scrape tries again.
 */
import type { MetricLog } from '../../api/observation.js';
import { parseExposition, parseSelector, sampleMatches } from './exposition.js';
import { formatMetricValue } from './format.js';

/** Options of {@link PrometheusScraper}. */
export interface PrometheusScraperOptions {
  /** Full URL of the endpoint. */
  readonly url: string;
  /** Objective then additional metric names (selectors). */
  readonly metricNames: readonly string[];
  /** Per-scrape timeout. @default 5000 */
  readonly timeoutMs?: number;
  /** Wall clock. @default () => new Date() */
  readonly now?: () => Date;
  /** Largest body read, bytes. @default 16 MiB */
  readonly maxBodyBytes?: number;
}

/** Scrapes one trial's Prometheus endpoint. */
export class PrometheusScraper {
  private readonly selectors: { metricName: string; selector: ReturnType<typeof parseSelector> }[];
  private readonly last = new Map<string, string>();
  private readonly steps = new Map<string, number>();
  private problem: string | undefined;

  constructor(private readonly opts: PrometheusScraperOptions) {
    this.selectors = opts.metricNames.map((metricName) => ({
      metricName,
      selector: parseSelector(metricName),
    }));
  }

  /** Why the last scrape failed, if it did. */
  get lastProblem(): string | undefined {
    return this.problem;
  }

  /** Scrapes once; returns the logs of the metrics whose values are new. Never throws. */
  async scrape(): Promise<MetricLog[]> {
    const now = (this.opts.now ?? (() => new Date()))();
    let body: string;
    try {
      const res = await fetch(this.opts.url, { signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000) });
      if (res.status !== 200) {
        this.problem = `GET ${this.opts.url} answered ${res.status}`;
        await res.body?.cancel();
        return [];
      }
      const max = this.opts.maxBodyBytes ?? 16 * 1024 * 1024;
      const declared = Number(res.headers.get('content-length') ?? '0');
      if (declared > max) {
        this.problem = `GET ${this.opts.url}: body of ${declared} bytes is larger than ${max}`;
        await res.body?.cancel();
        return [];
      }
      body = await res.text();
      if (body.length > max) {
        this.problem = `GET ${this.opts.url}: body larger than ${max} bytes`;
        return [];
      }
    } catch (err) {
      this.problem = `GET ${this.opts.url}: ${err instanceof Error ? err.message : String(err)}`;
      return [];
    }
    this.problem = undefined;
    const { samples } = parseExposition(body);
    const logs: MetricLog[] = [];
    for (const { metricName, selector } of this.selectors) {
      if (!selector) continue;
      const sample = samples.find((s) => sampleMatches(s, selector));
      if (!sample) continue;
      const value = formatMetricValue(sample.value);
      const key = `${value}@${sample.timestampMs ?? ''}`;
      if (this.last.get(metricName) === key) continue;
      this.last.set(metricName, key);
      const step = (this.steps.get(metricName) ?? 0) + 1;
      this.steps.set(metricName, step);
      const time = sample.timestampMs !== undefined ? new Date(sample.timestampMs) : now;
      logs.push({ timeStamp: time.toISOString(), metricName, value, step });
    }
    return logs;
  }
}
