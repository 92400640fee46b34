/**
 * Early stopping in the embedded engine: what Katib's metrics-collector sidecar does with the
 * `-stop-rule` arguments, done by the controller. After a running trial's new metric logs are
 * written, its log is checked against the rules of the experiment's early-stopping algorithm
 * (`spec.earlyStopping`, e.g. medianstop); when every rule holds, the trial should be stopped and
 * end `EarlyStopped`, its observation kept.
 *
 * Rules depend only on finished trials, so they are computed once per experiment and recomputed
 * when a trial finishes ({@link EarlyStoppingWatch.invalidate}), not on every report.
 */
import type { EarlyStoppingRule, Experiment } from '../api/index.js';
import { checkRules, earlyStoppingAlgorithm, type EarlyStopDecision } from '../earlystopping/index.js';
import type { ExperimentStore } from '../store/index.js';
import { toTrialView } from './trial-view.js';

/** Decides, per report, whether a running trial of an experiment with `spec.earlyStopping` stops. */
export class EarlyStoppingWatch {
  private readonly rules = new Map<string, Promise<readonly EarlyStoppingRule[]>>();

  constructor(private readonly store: ExperimentStore) {}

  /** Forgets the experiment's rules (a trial finished: the median may have moved). */
  invalidate(experimentName: string): void {
    this.rules.delete(experimentName);
  }

  /**
   * The decision for trial `trialName` of `experiment` on its log as stored now; `undefined` when
   * it goes on (no early stopping configured, too few finished trials, or it is good enough).
   */
  async check(experiment: Experiment, trialName: string): Promise<EarlyStopDecision | undefined> {
    const spec = experiment.spec.earlyStopping;
    if (!spec) return undefined;
    const rules = await this.rulesOf(experiment);
    if (rules.length === 0) return undefined;
    const log = await this.store.read.getObservationLog(trialName);
    return checkRules(rules, log, experiment.spec.objective);
  }

  private rulesOf(experiment: Experiment): Promise<readonly EarlyStoppingRule[]> {
    const name = experiment.metadata.name;
    let p = this.rules.get(name);
    if (!p) {
      p = this.compute(experiment);
      this.rules.set(name, p);
      // A failed computation is not cached: the next report tries again.
      p.catch(() => this.rules.delete(name));
    }
    return p;
  }

  private async compute(experiment: Experiment): Promise<readonly EarlyStoppingRule[]> {
    const algorithm = experiment.spec.earlyStopping
      ? earlyStoppingAlgorithm(experiment.spec.earlyStopping.algorithmName)
      : undefined;
    if (!algorithm) return [];
    const trials = await this.store.read.listTrials(experiment.metadata.name);
    return algorithm.rules(
      experiment,
      trials.map((t) => toTrialView(t.trial)),
      (trial) => this.store.read.getObservationLog(trial),
    );
  }
}
