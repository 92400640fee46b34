import { describeDesignerConformance } from '../conformance/designer.conformance.js';
import { experimentSpec } from '../arbitraries/search-space.js';

// Katib's defaults: ten initial (Latin-hypercube) points, so these histories barely reach the GP.
describeDesignerConformance('bayesianoptimization', undefined, { numRuns: 8 });

// Two initial points: almost every suggestion comes from the GP (fit, fantasies, acquisition).
describeDesignerConformance(
  'bayesianoptimization',
  (parameters, settings) =>
    experimentSpec('bayesianoptimization', parameters, [
      ...settings,
      { name: 'n_initial_points', value: '2' },
    ]),
  { numRuns: 8 },
);
