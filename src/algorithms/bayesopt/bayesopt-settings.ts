/**
 * Settings of `bayesianoptimization`, with scikit-optimize's names, defaults and Katib's messages
 * (katib-reference.md §5.7).
 */
import { enumSetting, intSetting, randomStateSetting, type SettingsSpec } from '../settings.js';

/** Katib's `base_estimator` values. Every one is served by the Gaussian process (see the docs). */
export const BASE_ESTIMATORS = ['GP', 'RF', 'ET', 'GBRT'] as const;
/** Katib's `acq_func` values. */
export const ACQUISITION_FUNCTIONS = ['gp_hedge', 'LCB', 'EI', 'PI', 'EIps', 'PIps'] as const;
/** Katib's `acq_optimizer` values. */
export const ACQUISITION_OPTIMIZERS = ['auto', 'sampling', 'lbfgs'] as const;

/** Typed settings of `bayesianoptimization`. */
export interface BayesOptSettings {
  /** Katib's `base_estimator`. @default 'GP' */
  readonly baseEstimator: (typeof BASE_ESTIMATORS)[number];
  /** Katib's `n_initial_points`: trials from the space-filling design before the model is used. @default 10 */
  readonly nInitialPoints: number;
  /** Katib's `acq_func`. @default 'gp_hedge' */
  readonly acqFunc: (typeof ACQUISITION_FUNCTIONS)[number];
  /** Katib's `acq_optimizer`. @default 'auto' */
  readonly acqOptimizer: (typeof ACQUISITION_OPTIMIZERS)[number];
  /** Katib's `random_state`. */
  readonly randomState: number | undefined;
}

/** Declared settings of `bayesianoptimization`. */
export const bayesOptSettings: SettingsSpec<BayesOptSettings> = {
  baseEstimator: enumSetting('base_estimator', {
    values: BASE_ESTIMATORS,
    default: 'GP',
    message: (v) => `base_estimator ${v} is not supported in Bayesian optimization`,
    description:
      "Surrogate model: GP (Katib's RF, ET and GBRT are accepted for compatibility and also use the Gaussian process).",
  }),
  nInitialPoints: intSetting('n_initial_points', {
    default: 10,
    min: 0,
    rangeMessage: 'n_initial_points should be great or equal than zero',
    description:
      'Trials taken from a Latin-hypercube design before the Gaussian process proposes (integer >= 0).',
  }),
  acqFunc: enumSetting('acq_func', {
    values: ACQUISITION_FUNCTIONS,
    default: 'gp_hedge',
    message: (v) => `acq_func ${v} is not supported in Bayesian optimization`,
    description:
      'Acquisition: gp_hedge (a portfolio of EI, PI and LCB), EI, PI, LCB; EIps and PIps act as EI and PI (no trial durations).',
  }),
  acqOptimizer: enumSetting('acq_optimizer', {
    values: ACQUISITION_OPTIMIZERS,
    default: 'auto',
    message: (v) => `acq_optimizer ${v} is not supported in Bayesian optimization`,
    description:
      'How the acquisition is maximised: sampling (scored candidates only), lbfgs or auto (candidates refined by L-BFGS).',
  }),
  randomState: randomStateSetting(),
};
