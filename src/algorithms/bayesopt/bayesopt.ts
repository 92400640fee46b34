/**
 * Katib's `bayesianoptimization` (katib-reference.md §5.7; Katib runs scikit-optimize's
 * `Optimizer`): Gaussian-process Bayesian optimisation with Katib's settings. See
 * `bayesopt-designer.ts` for the method and docs/algorithms/bayesianoptimization.md for what
 * differs from Katib and why.
 */
import type { ExperimentSpec } from '../../api/experiment.js';
import { defineAlgorithm } from '../algorithm-definition.js';
import { logScaleErrors, requireParameters } from '../space-rules.js';
import { BayesOptDesigner } from './bayesopt-designer.js';
import { bayesOptSettings, type BayesOptSettings } from './bayesopt-settings.js';

/** Katib's `bayesianoptimization`. */
export const bayesOptAlgorithm = defineAlgorithm<BayesOptSettings>({
  name: 'bayesianoptimization',
  description:
    'Gaussian-process Bayesian optimisation: Matérn-5/2 ARD kernel, MAP hyperparameters, gp_hedge/EI/PI/LCB acquisitions, kriging-believer batches.',
  settings: bayesOptSettings,
  validate: (experiment: ExperimentSpec) => [
    ...requireParameters(experiment, 'bayesianoptimization'),
    ...logScaleErrors(experiment),
  ],
  create: (ctx) => new BayesOptDesigner(ctx),
  seedOf: (s) => s.randomState,
});
