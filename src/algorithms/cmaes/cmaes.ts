/**
 * Katib's `cmaes` algorithm: the Covariance Matrix Adaptation Evolution Strategy (N. Hansen, "The
 * CMA Evolution Strategy: A Tutorial", arXiv:1604.00772, 2016) with IPOP/BIPOP restarts and a
 * margin for integer coordinates, run over Katib's stateless trial list (see {@link CmaesDesigner}).
 *
 * Katib serves `cmaes` with goptuna (katib-reference.md §5.5). We keep its setting names and
 * messages: `random_state`, `sigma`, `restart_strategy` (`none`, `ipop`, `bipop`; `None` too, as
 * Katib's Optuna service takes it) and its rule that the space has at least two `int`/`double`
 * parameters. Differences, all deliberate:
 * - The search runs in the unit cube of the shared codec (log scale for log distributions), so
 *   `sigma` is a fraction of every parameter's range: default 1/6, Optuna's `min range / 6` for a
 *   normalised space. Every run of the first starts at the cube's centre.
 * - `discrete` lists are ordinal coordinates (by list index) and `categorical` ones one-hot
 *   coordinates decoded by argmax, all inside CMA-ES with the margin keeping them moving; goptuna
 *   and Optuna sample those independently at random.
 * - Failed, Killed, MetricsUnavailable and value-less EarlyStopped trials rank last in their
 *   generation instead of failing the request (goptuna fails the whole GetSuggestions on Killed).
 * - A finite space whose every point has a trial gets no further suggestions (the experiment ends,
 *   as with grid), rather than repeats.
 * - Unknown settings are rejected (goptuna ignores them).
 */
import type { ExperimentSpec } from '../../api/experiment.js';
import { FieldPath, type FieldError } from '../../api/field-error.js';
import { defineAlgorithm } from '../algorithm-definition.js';
import { enumSetting, floatSetting, randomStateSetting, type SettingsSpec } from '../settings.js';
import { logScaleErrors, requireParameters, specParameters } from '../space-rules.js';
import { CmaesDesigner } from './cmaes-designer.js';
import type { RestartStrategy } from './restart-schedule.js';

/** Typed settings of `cmaes`. */
export interface CmaesSettings {
  /** Katib's `random_state`. */
  readonly randomState: number | undefined;
  /** Katib's `sigma`: the initial step size as a fraction of each parameter's (scaled) range. */
  readonly sigma: number;
  /** Katib's `restart_strategy` (`None` is read as `none`). */
  readonly restartStrategy: RestartStrategy | 'None';
}

/** Default initial step size in unit-cube coordinates: a sixth of every range, as Optuna's `sigma0`. */
export const DEFAULT_SIGMA = 1 / 6;

/** Declared settings of `cmaes`. */
export const cmaesSettings: SettingsSpec<CmaesSettings> = {
  randomState: randomStateSetting(),
  sigma: floatSetting('sigma', {
    default: DEFAULT_SIGMA,
    min: 0,
    minExclusive: true,
    rangeMessage: 'sigma should be greater than zero',
    description:
      "Initial step size as a fraction of each parameter's range (log range for log distributions); default 1/6.",
  }),
  restartStrategy: enumSetting<RestartStrategy | 'None'>('restart_strategy', {
    values: ['none', 'None', 'ipop', 'bipop'],
    default: 'none',
    message: (v) => `invalid restart_strategy: '${v}'`,
    description:
      'none: one run; ipop: restart with the population doubled when a run stops; bipop: alternate large and small populations.',
  }),
};

/** Katib's rule: at least two `int`/`double` parameters. */
function dimensionErrors(experiment: ExperimentSpec): FieldError[] {
  const ps = specParameters(experiment);
  if (!ps || ps.length === 0) return [];
  const continuous = ps.filter((p) => p.parameterType === 'int' || p.parameterType === 'double').length;
  return continuous >= 2
    ? []
    : [
        FieldPath.root('spec')
          .child('parameters')
          .error('CMA-ES only supports two or more dimensional continuous search space.'),
      ];
}

/** Katib's `cmaes` (see the module comment). */
export const cmaesAlgorithm = defineAlgorithm<CmaesSettings>({
  name: 'cmaes',
  description:
    'CMA-ES (Hansen) with IPOP/BIPOP restarts and an integer margin, rebuilt generation by generation from the trial history.',
  settings: cmaesSettings,
  validate: (experiment: ExperimentSpec) => [
    ...requireParameters(experiment, 'cmaes'),
    ...dimensionErrors(experiment),
    ...logScaleErrors(experiment),
  ],
  create: (ctx) =>
    new CmaesDesigner({
      ...ctx,
      settings: {
        sigma: ctx.settings.sigma,
        restartStrategy: ctx.settings.restartStrategy === 'None' ? 'none' : ctx.settings.restartStrategy,
      },
    }),
  seedOf: (s) => s.randomState,
});
