/**
 * Katib's settings of `tpe` and `multivariate-tpe` (katib-reference.md §5.2, §5.4), with Katib's
 * messages word for word (including its spellings). `tpe` takes hyperopt's names (`gamma`,
 * `prior_weight`, `n_EI_candidates`) and, like Katib's Optuna-based alternative, `n_startup_trials`
 * and `n_ei_candidates`; `multivariate-tpe` takes the Optuna service's three.
 */
import {
  floatSetting,
  intSetting,
  randomStateSetting,
  type SettingDecl,
  type SettingsSpec,
} from '../settings.js';

/** Optuna's default number of start-up trials drawn at random before the model is used. */
export const DEFAULT_STARTUP_TRIALS = 10;
/** Optuna's and hyperopt's default number of candidates scored by expected improvement. */
export const DEFAULT_EI_CANDIDATES = 24;

/** Typed settings of `tpe`. */
export interface TpeSettings {
  /** hyperopt's `gamma` (0 < γ < 1); unset: Optuna's split `min(⌈0.1·n⌉, 25)`. */
  readonly gamma: number | undefined;
  /** `prior_weight` (> 0). @default 1 */
  readonly priorWeight: number;
  /** hyperopt's `n_EI_candidates` (> 0). */
  readonly nEICandidates: number | undefined;
  /** Optuna's `n_ei_candidates` (≥ 0); `n_EI_candidates` wins when both are set. */
  readonly nEiCandidates: number | undefined;
  /** `n_startup_trials` (≥ 0). @default 10 */
  readonly nStartupTrials: number;
  /** `random_state`. */
  readonly randomState: number | undefined;
}

/** Typed settings of `multivariate-tpe`. */
export interface MultivariateTpeSettings {
  /** `n_startup_trials` (≥ 0). @default 10 */
  readonly nStartupTrials: number;
  /** `n_ei_candidates` (≥ 0). @default 24 */
  readonly nEiCandidates: number;
  /** `random_state` (≥ 0). */
  readonly randomState: number | undefined;
}

const startupTrials = (): SettingDecl<number> =>
  intSetting('n_startup_trials', {
    default: DEFAULT_STARTUP_TRIALS,
    min: 0,
    rangeMessage: 'n_startup_trials should be greate or equal than zero',
    description: 'Trials drawn at random before the Parzen estimators are used (integer >= 0).',
  });

/** Declared settings of `tpe`. */
export const tpeSettings: SettingsSpec<TpeSettings> = {
  gamma: floatSetting('gamma', {
    min: 0,
    minExclusive: true,
    max: 1,
    maxExclusive: true,
    rangeMessage: 'gamma should be in the range of (0, 1)',
    description:
      "hyperopt's split: the best min(ceil(gamma * sqrt(n)), 25) of n trials form the good group (0 < gamma < 1). Unset: Optuna's min(ceil(0.1 * n), 25).",
  }),
  priorWeight: floatSetting('prior_weight', {
    default: 1,
    min: 0,
    minExclusive: true,
    rangeMessage: 'prior_weight should be great than zero',
    description: 'Weight of the prior (uniform) component of both Parzen estimators (> 0).',
  }),
  nEICandidates: intSetting('n_EI_candidates', {
    min: 0,
    minExclusive: true,
    rangeMessage: 'n_EI_candidates should be great than zero',
    description:
      'Candidates drawn from the good density and scored by expected improvement (integer > 0). Default 24.',
  }),
  nEiCandidates: intSetting('n_ei_candidates', {
    min: 0,
    rangeMessage: 'n_ei_candidates should be greate or equal than zero',
    description: "Optuna's name for n_EI_candidates (integer >= 0; 0 means a single draw). Default 24.",
  }),
  nStartupTrials: startupTrials(),
  randomState: randomStateSetting(),
};

/** Declared settings of `multivariate-tpe`. */
export const multivariateTpeSettings: SettingsSpec<MultivariateTpeSettings> = {
  nStartupTrials: startupTrials(),
  nEiCandidates: intSetting('n_ei_candidates', {
    default: DEFAULT_EI_CANDIDATES,
    min: 0,
    rangeMessage: 'n_ei_candidates should be greate or equal than zero',
    description:
      'Candidates drawn jointly from the good density and scored (integer >= 0; 0 means a single draw).',
  }),
  randomState: intSetting('random_state', {
    min: 0,
    rangeMessage: 'random_state should be greate or equal than zero',
    description:
      "Seed of the algorithm's random stream (integer >= 0). Unset: a seed is chosen at the first call and kept.",
  }),
};
