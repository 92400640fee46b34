/**
 * Katib's `tpe`: Tree-structured Parzen Estimator with independent (per-parameter) densities,
 * Bergstra et al., "Algorithms for Hyper-Parameter Optimization", NeurIPS 2011
 * (https://papers.nips.cc/paper/4443). Katib runs hyperopt's `tpe.suggest` (katib-reference.md
 * §5.2); we keep its setting names and messages and use Optuna 3.x's `TPESampler` defaults, which
 * measure better (docs/algorithms/tpe.md has the details and the differences).
 */
import type { ExperimentSpec } from '../../api/experiment.js';
import { defineAlgorithm, type DesignerContext } from '../algorithm-definition.js';
import { logScaleErrors, requireParameters } from '../space-rules.js';
import { hyperoptGamma, optunaGamma, TpeDesigner, type TpeOptions } from './tpe-designer.js';
import { DEFAULT_EI_CANDIDATES, tpeSettings, type TpeSettings } from './tpe-settings.js';

/** The designer options of a `tpe` experiment. */
export function tpeOptions(settings: TpeSettings): TpeOptions {
  return {
    name: 'tpe',
    multivariate: false,
    nStartupTrials: settings.nStartupTrials,
    nEiCandidates: settings.nEICandidates ?? settings.nEiCandidates ?? DEFAULT_EI_CANDIDATES,
    priorWeight: settings.priorWeight,
    gamma: settings.gamma !== undefined ? hyperoptGamma(settings.gamma) : optunaGamma,
  };
}

const create = (ctx: DesignerContext<TpeSettings>): TpeDesigner =>
  new TpeDesigner(ctx.space, ctx.objective, ctx.seed, tpeOptions(ctx.settings));

/** Katib's `tpe`. */
export const tpeAlgorithm = defineAlgorithm<TpeSettings>({
  name: 'tpe',
  description:
    'Tree-structured Parzen Estimator (independent per parameter, Optuna defaults, constant liar).',
  settings: tpeSettings,
  validate: (experiment: ExperimentSpec) => [
    ...requireParameters(experiment, 'tpe'),
    ...logScaleErrors(experiment),
  ],
  create,
  replayOrder: true,
  seedOf: (s) => s.randomState,
});
