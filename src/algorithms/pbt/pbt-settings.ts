/**
 * Settings of Katib's `pbt` (katib-reference.md §5.9), with Katib's names and messages. Fixed
 * here: `resample_probability` is validated as a number (Katib's service compares it to the raw
 * string and so refuses it whenever it is given).
 */
import {
  floatSetting,
  intSetting,
  randomStateSetting,
  type SettingDecl,
  type SettingsSpec,
} from '../settings.js';

/** Typed settings of `pbt`. */
export interface PbtSettings {
  /** Where a trial finds its checkpoint directory inside its container (required). */
  readonly suggestionTrialDir: string | undefined;
  /** Members per generation (required, ≥ 5). */
  readonly nPopulation: number | undefined;
  /** Fraction at the bottom that exploits a member of the same-sized top (required, in [0, 1]). */
  readonly truncationThreshold: number | undefined;
  /** Unset: explore by ×0.8/×1.2; set: resample each parameter with this probability. */
  readonly resampleProbability: number | undefined;
  readonly randomState: number | undefined;
}

/** A required free-form string. */
function requiredString(name: string, description: string): SettingDecl<string | undefined> {
  return {
    name,
    type: 'string',
    default: undefined,
    description,
    parse: (text) => ({ ok: true, value: text }),
  };
}

/** Declared settings of `pbt`. */
export const pbtSettings: SettingsSpec<PbtSettings> = {
  suggestionTrialDir: requiredString(
    'suggestion_trial_dir',
    "Checkpoint directory as the trial sees it (e.g. /var/log/katib/checkpoints/). Locally it is mapped to the trial's own checkpoint directory wherever it appears in the trial's command, args and env, and given as $KATIB_TRIAL_CHECKPOINT_DIR.",
  ),
  nPopulation: intSetting('n_population', {
    min: 5,
    rangeMessage: 'Param(n_population) should be >= 5',
    description: 'Members of each generation (integer >= 5).',
  }),
  truncationThreshold: floatSetting('truncation_threshold', {
    min: 0,
    max: 1,
    rangeMessage: 'Param(truncation_threshold) should be between 0 and 1, inclusive',
    description:
      'Fraction of each generation at the bottom that is replaced by an explored copy of a top member (in [0, 1]; at most half the population).',
  }),
  resampleProbability: floatSetting('resample_probability', {
    min: 0,
    max: 1,
    rangeMessage:
      'Param(resample_probability) should be null to perturb at 0.8 or 1.2, or be between 0 and 1, inclusive, to resample',
    description:
      "Unset: an exploiting member's parameters are perturbed by x0.8 or x1.2 (lists move one place). Set: each parameter is redrawn from its distribution with this probability, else perturbed.",
  }),
  randomState: randomStateSetting(),
};

/** Katib's required pbt settings, by name. */
export const REQUIRED_PBT_SETTINGS: readonly (keyof PbtSettings)[] = [
  'suggestionTrialDir',
  'nPopulation',
  'truncationThreshold',
];
