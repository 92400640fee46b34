/** Every example in examples/ validates, and the quick ones run to completion as they are. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, katib, tempProject } from './helpers.js';

const examples = readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.yaml'));

describe('examples', () => {
  it('has the experiments the README promises', () => {
    expect(examples).toEqual(
      expect.arrayContaining([
        'quadratic-random.yaml',
        'branin-grid.yaml',
        'mnist-tfjs.yaml',
        'quadratic-trainjob.yaml',
        'quadratic-pytorchjob.yaml',
      ]),
    );
  });

  it.each(examples)('%s is a valid Katib experiment', async (file) => {
    const r = await katib(['validate', path.join(ROOT, 'examples', file)], tempProject());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/is valid/);
  });

  const quick: [string, RegExp][] = [
    ['quadratic-random.yaml', /ExperimentMaxTrialsReached/],
    ['branin-grid.yaml', /ExperimentSuggestionEndReached/],
    ['branin-file-json.yaml', /Succeeded/],
    ['quadratic-trainjob.yaml', /Succeeded/],
    ['quadratic-pytorchjob.yaml', /Succeeded/],
    ['metadata-substitution.yaml', /Succeeded/],
    // One experiment per model-based and multi-fidelity algorithm, through the engine.
    ['branin-sobol.yaml', /ExperimentMaxTrialsReached/],
    ['branin-bayesianoptimization.yaml', /ExperimentMaxTrialsReached/],
    ['branin-tpe.yaml', /ExperimentMaxTrialsReached/],
    ['branin-multivariate-tpe.yaml', /ExperimentMaxTrialsReached/],
    ['branin-cmaes.yaml', /ExperimentMaxTrialsReached/],
    ['hyperband.yaml', /ExperimentSuggestionEndReached/],
    ['asha.yaml', /ExperimentMaxTrialsReached/],
    // The other metrics collectors: event files, pushes to the db-manager, a Prometheus endpoint.
    ['tfevent-quadratic.yaml', /ExperimentMaxTrialsReached/],
    ['push-quadratic.yaml', /ExperimentMaxTrialsReached/],
    ['prometheus-quadratic.yaml', /ExperimentMaxTrialsReached/],
    ['custom-collector.yaml', /ExperimentMaxTrialsReached/],
  ];
  it.each(quick)('%s runs to completion here', async (file, outcome) => {
    const dir = tempProject();
    const r = await katib(['run', path.join(ROOT, 'examples', file)], dir);
    expect(r.stderr).not.toMatch(/internal error|MetricsUnavailable/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(outcome);
    expect(r.stdout).toMatch(/Best trial: /);
    expect(r.stdout).not.toMatch(/ 0 succeeded/);
  });

  it('the metadata example passes the trial name through ${trialSpec.Name}', async () => {
    const dir = tempProject();
    const r = await katib(['run', path.join(ROOT, 'examples', 'metadata-substitution.yaml')], dir);
    expect(r.code).toBe(0);
    const trials = JSON.parse(
      (await katib(['get', 'trials', 'metadata-substitution', '-o', 'json'], dir)).stdout,
    );
    const name = trials.items[0].metadata.name as string;
    const logs = await katib(['logs', name], dir);
    expect(logs.stdout).toContain(name);
  });
});
