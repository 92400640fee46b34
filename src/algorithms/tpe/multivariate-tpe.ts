/**
 * Katib's `multivariate-tpe`: TPE with one joint Parzen estimator over all parameters (product
 * kernels sharing one weight per observation, Scott's bandwidth), as in Falkner et al., "BOHB:
 * Robust and Efficient Hyperparameter Optimization at Scale", ICML 2018
 * (https://arxiv.org/abs/1807.01774), and Optuna's `TPESampler(multivariate=True,
 * constant_liar=True)`, which Katib runs (katib-reference.md §5.4), except for the bandwidth:
 * Scott's rule on each group's own spread with a minimum bandwidth factor (Watanabe,
 * "Tree-Structured Parzen Estimator: Understanding Its Algorithm Components and Their Roles for
 * Better Empirical Performance", 2023, https://arxiv.org/abs/2304.11127; numeric-kernels.ts).
 * See docs/algorithms/multivariate-tpe.md.
 */
import type { ExperimentSpec } from '../../api/experiment.js';
import { defineAlgorithm, type DesignerContext } from '../algorithm-definition.js';
import { logScaleErrors, requireParameters } from '../space-rules.js';
import { optunaGamma, TpeDesigner, type TpeOptions } from './tpe-designer.js';
import { multivariateTpeSettings, type MultivariateTpeSettings } from './tpe-settings.js';

/** The designer options of a `multivariate-tpe` experiment. */
export function multivariateTpeOptions(settings: MultivariateTpeSettings): TpeOptions {
  return {
    name: 'multivariate-tpe',
    multivariate: true,
    nStartupTrials: settings.nStartupTrials,
    nEiCandidates: settings.nEiCandidates,
    priorWeight: 1,
    gamma: optunaGamma,
  };
}

const create = (ctx: DesignerContext<MultivariateTpeSettings>): TpeDesigner =>
  new TpeDesigner(ctx.space, ctx.objective, ctx.seed, multivariateTpeOptions(ctx.settings));

/** Katib's `multivariate-tpe`. */
export const multivariateTpeAlgorithm = defineAlgorithm<MultivariateTpeSettings>({
  name: 'multivariate-tpe',
  description:
    'Multivariate TPE: one joint Parzen estimator over all parameters (BOHB / Optuna multivariate).',
  settings: multivariateTpeSettings,
  validate: (experiment: ExperimentSpec) => [
    ...requireParameters(experiment, 'multivariate-tpe'),
    ...logScaleErrors(experiment),
  ],
  create,
  replayOrder: true,
  seedOf: (s) => s.randomState,
});
