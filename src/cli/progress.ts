/**
 * The live progress line of `katib run`: trials done / running / failed and the best value so far.
 * On a terminal one line is redrawn in place; elsewhere (CI logs, pipes) a line is printed only when
 * a trial finishes, so the output never becomes a wall of logs.
 */
import type { Experiment } from '../api/index.js';
import { duration } from './output.js';

/** Options of the progress display. */
export interface ProgressOptions {
  readonly stream: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Redraw in place (a TTY). */
  readonly interactive: boolean;
  readonly startedAt: number;
}

/** Renders experiment status changes as a progress line. */
export class ProgressLine {
  private last = '';
  private lastDone = -1;
  private drawn = false;
  private timer: NodeJS.Timeout | undefined;
  private current: Experiment | undefined;

  constructor(private readonly opts: ProgressOptions) {
    if (opts.interactive) this.timer = setInterval(() => this.redraw(), 1000);
  }

  /** Takes a new experiment snapshot. */
  update(e: Experiment): void {
    this.current = e;
    const done = finishedTrials(e);
    if (this.opts.interactive) this.redraw();
    else if (done !== this.lastDone) {
      this.lastDone = done;
      this.opts.stream.write(`${this.text(e)}\n`);
    }
  }

  /** Prints a message above the progress line. */
  notice(message: string): void {
    this.clear();
    this.opts.stream.write(`${message}\n`);
    this.redraw();
  }

  /** Removes the line and stops redrawing. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  /** The progress text for a snapshot. */
  text(e: Experiment): string {
    const s = e.status;
    const max = e.spec.maxTrialCount;
    const done = finishedTrials(e);
    const parts = [`${done}${max !== undefined ? `/${max}` : ''} trials done`];
    const details: string[] = [];
    if (s?.trialsSucceeded) details.push(`${s.trialsSucceeded} succeeded`);
    if (s?.trialsFailed) details.push(`${s.trialsFailed} failed`);
    if (s?.trialMetricsUnavailable) details.push(`${s.trialMetricsUnavailable} without metrics`);
    if (s?.trialsKilled) details.push(`${s.trialsKilled} killed`);
    if (details.length) parts[0] += ` (${details.join(', ')})`;
    parts.push(`${(s?.trialsRunning ?? 0) + (s?.trialsPending ?? 0)} running`);
    const best = s?.currentOptimalTrial;
    const metric = e.spec.objective.objectiveMetricName;
    const m = best?.observation.metrics.find((x) => x.name === metric);
    if (best && m) {
      const strategy = e.spec.objective.metricStrategies?.find((x) => x.name === metric)?.value;
      const v =
        strategy === 'min' ? m.min : strategy === 'max' ? m.max : strategy === 'latest' ? m.latest : m.latest;
      parts.push(`best ${metric}=${v} (${best.bestTrialName})`);
    }
    parts.push(duration(Date.now() - this.opts.startedAt));
    return `[${e.metadata.name}] ${parts.join(' · ')}`;
  }

  private redraw(): void {
    if (!this.opts.interactive || !this.current) return;
    const line = this.text(this.current);
    const cols = 'columns' in this.opts.stream && this.opts.stream.columns ? this.opts.stream.columns : 120;
    const shown = line.length > cols - 1 ? `${line.slice(0, cols - 2)}…` : line;
    if (shown === this.last && this.drawn) return;
    this.last = shown;
    this.opts.stream.write(`\r\x1b[2K${shown}`);
    this.drawn = true;
  }

  private clear(): void {
    if (this.opts.interactive && this.drawn) {
      this.opts.stream.write('\r\x1b[2K');
      this.drawn = false;
      this.last = '';
    }
  }
}

/** Trials that finished in any way, from the experiment's status counters. */
function finishedTrials(e: Experiment): number {
  const s = e.status;
  return (
    (s?.trialsSucceeded ?? 0) +
    (s?.trialsFailed ?? 0) +
    (s?.trialsKilled ?? 0) +
    (s?.trialsEarlyStopped ?? 0) +
    (s?.trialMetricsUnavailable ?? 0)
  );
}
