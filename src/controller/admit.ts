/**
 * Admission: what Katib's webhooks do before an Experiment exists — defaulting, validation with the
 * algorithm registry's rules — and then creating it, or resuming/updating the stored one.
 */
import {
  SpecError,
  formatFieldError,
  parseExperiment,
  type Experiment,
  type ExperimentSpec,
  type FieldError,
} from '../api/index.js';
import { validateAlgorithmSpec } from '../algorithms/index.js';
import { earlyStoppingAlgorithmNames, validateEarlyStoppingSpec } from '../earlystopping/index.js';
import type { ExperimentStore } from '../store/index.js';
import type { SuggestionService } from '../suggestion/index.js';
import { isExperimentCompleted, isRestartable } from './experiment-status.js';

/** Early-stopping algorithms this build can run. */
export const EARLY_STOPPING_ALGORITHMS: readonly string[] = earlyStoppingAlgorithmNames();

/** Options of {@link admitExperiment}. */
export interface AdmitOptions {
  /** @default 'embedded' */
  readonly mode?: 'embedded' | 'cluster';
  /**
   * Whether an algorithm is served outside this process (a config's `runtime.suggestions`): for
   * those, the built-in registry's checks (known name, settings) are skipped — the external
   * service validates them ({@link admitExperimentWith}).
   * @default every algorithm is built in
   */
  readonly isExternal?: (algorithmName: string) => boolean;
}

/**
 * Defaults and validates a raw Experiment object (parsed YAML/JSON) with every rule, including the
 * algorithm's own settings rules (skipped for algorithms `opts.isExternal` names).
 * @throws SpecError listing every broken rule.
 */
export function admitExperiment(raw: unknown, opts: AdmitOptions = {}): Experiment {
  const isExternal = opts.isExternal;
  return parseExperiment(raw, {
    mode: opts.mode ?? 'embedded',
    validateAlgorithm: (spec: ExperimentSpec) => [
      ...(isExternal?.(spec.algorithm.algorithmName) ? [] : validateAlgorithmSpec(spec)),
      ...(spec.earlyStopping ? validateEarlyStoppingSpec(spec.earlyStopping) : []),
    ],
    earlyStoppingAlgorithms: EARLY_STOPPING_ALGORITHMS,
  });
}

/** Options of {@link admitExperimentWith}. */
export interface AdmitWithOptions extends AdmitOptions {
  /** The service that will tune the experiment; it validates the settings of external algorithms. */
  readonly suggestions: SuggestionService;
  /** Deadline of the ValidateAlgorithmSettings call, in ms. @default 60000 (Katib's) */
  readonly deadlineMs?: number;
  /**
   * Told when an external service could not check the settings (unreachable, UNIMPLEMENTED…):
   * the experiment is admitted anyway, as Katib treats those answers, and the controller's own
   * validation and suggestion calls report the problem.
   */
  readonly onUnverified?: (message: string) => void;
}

/**
 * {@link admitExperiment}, then, for an algorithm `opts.isExternal` names, its service's
 * ValidateAlgorithmSettings: INVALID_ARGUMENT becomes a SpecError at `spec.algorithm…`; any other
 * failure admits the experiment (reported through `opts.onUnverified`).
 * @throws SpecError listing every broken rule, or the service's objections.
 */
export async function admitExperimentWith(raw: unknown, opts: AdmitWithOptions): Promise<Experiment> {
  const experiment = admitExperiment(raw, opts);
  const algorithmName = experiment.spec.algorithm.algorithmName;
  if (!opts.isExternal?.(algorithmName)) return experiment;
  const deadlineMs = opts.deadlineMs ?? 60_000;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), deadlineMs);
  try {
    await opts.suggestions.validateAlgorithmSettings(experiment, { signal: ac.signal, deadlineMs });
  } catch (err) {
    if (err instanceof SpecError) {
      throw new SpecError(
        err.errors.map((e) =>
          /^spec(\.|\[|$)/.test(e.path) ? e : { ...e, path: 'spec.algorithm', message: formatFieldError(e) },
        ),
        `the service of algorithm ${algorithmName} rejected experiment ${experiment.metadata.name}`,
      );
    }
    const message = err instanceof Error ? err.message : String(err);
    opts.onUnverified?.(
      `the settings of algorithm ${algorithmName} could not be validated by its service (${message}); continuing`,
    );
  } finally {
    clearTimeout(timer);
  }
  return experiment;
}

/** What `submitExperiment` did. */
export type SubmitAction = 'created' | 'resumed' | 'updated' | 'completed';

const EDITABLE: readonly (keyof ExperimentSpec)[] = [
  'parallelTrialCount',
  'maxTrialCount',
  'maxFailedTrialCount',
];

/**
 * Creates the experiment, or continues the stored one of the same name (Katib's update rules,
 * §2.6 rule 3): only `parallelTrialCount`, `maxTrialCount` and `maxFailedTrialCount` may change; a
 * completed experiment continues only if it is restartable (LongRunning/FromVolume after
 * reaching maxTrialCount) and `maxTrialCount` grows past its trial count.
 * @throws SpecError when the stored experiment cannot take the new spec.
 */
export async function submitExperiment(
  store: ExperimentStore,
  experiment: Experiment,
): Promise<{ readonly action: SubmitAction; readonly experiment: Experiment }> {
  const name = experiment.metadata.name;
  return store.transaction(async (tx) => {
    const existing = await tx.getExperiment(name);
    if (!existing) {
      const { status: _ignored, ...fresh } = experiment;
      await tx.createExperiment(fresh);
      return { action: 'created' as const, experiment: fresh };
    }
    const old = existing.experiment;
    const errors: FieldError[] = [];
    const changed = (Object.keys({ ...old.spec, ...experiment.spec }) as (keyof ExperimentSpec)[]).filter(
      (k) => JSON.stringify(old.spec[k]) !== JSON.stringify(experiment.spec[k]),
    );
    const forbidden = changed.filter((k) => !EDITABLE.includes(k));
    if (forbidden.length > 0) {
      errors.push(
        ...forbidden.map((k) => ({
          path: `spec.${k}`,
          message:
            `experiment "${name}" already exists with a different spec.${k}; only spec.parallelTrialCount, ` +
            `spec.maxTrialCount and spec.maxFailedTrialCount are editable (delete it with ` +
            `\`katib delete experiment ${name}\` or choose another metadata.name)`,
        })),
      );
    }
    const trials = old.status?.trials ?? 0;
    const completed = isExperimentCompleted(old.status);
    if (changed.length > 0 && completed && !isRestartable(old)) {
      errors.push({
        path: 'spec.resumePolicy',
        message:
          'Experiment can be restarted if it is in succeeded state by reaching max trials and ' +
          'spec.resumePolicy = LongRunning or spec.resumePolicy = FromVolume, when experiment is completed',
      });
    }
    if (
      changed.includes('maxTrialCount') &&
      experiment.spec.maxTrialCount !== undefined &&
      experiment.spec.maxTrialCount <= trials
    ) {
      errors.push({
        path: 'spec.maxTrialCount',
        message: `must be greater than status.trials count (${trials})`,
        value: experiment.spec.maxTrialCount,
      });
    }
    if (errors.length > 0) throw new SpecError(errors, `cannot continue experiment "${name}"`);
    if (changed.length > 0) {
      await tx.updateExperimentSpec(name, experiment.spec);
      return { action: 'updated' as const, experiment: { ...old, spec: experiment.spec } };
    }
    return { action: completed ? ('completed' as const) : ('resumed' as const), experiment: old };
  });
}
