import { experimentSpec } from '../arbitraries/search-space.js';
import { describeDesignerConformance } from '../conformance/designer.conformance.js';

describeDesignerConformance('tpe', undefined, { numRuns: 20 });
describeDesignerConformance('multivariate-tpe', undefined, { numRuns: 20 });

// With one start-up trial the simulated experiments (a few short rounds) run mostly on the model,
// constant liar included.
for (const name of ['tpe', 'multivariate-tpe']) {
  describeDesignerConformance(
    name,
    (parameters, settings) =>
      experimentSpec(name, parameters, [...settings, { name: 'n_startup_trials', value: '1' }]),
    { numRuns: 30 },
  );
}
