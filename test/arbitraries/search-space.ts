/**
 * fast-check generators for search spaces as users write them (Katib ParameterSpecs with string
 * numbers), for feasible assignments of a parsed space, and small builders for experiments and
 * trials. Numbers are "decimal-looking" (k / 10^d), as in real YAML, plus the odd awkward one.
 */
import fc from 'fast-check';
import type {
  AlgorithmSetting,
  Distribution,
  Experiment,
  ExperimentSpec,
  ParameterSpec,
  ParameterType,
} from '../../src/api/experiment.js';
import type { Assignment, ParameterSpace, SearchSpace } from '../../src/api/search-space.js';
import type { TrialView } from '../../src/api/trial-view.js';
import type { TrialPhase } from '../../src/api/trial.js';
import { stepGrid } from '../../src/algorithms/codec/step-grid.js';

/** Knobs for {@link arbParameters}. */
export interface SpaceArbitraryOptions {
  readonly minParameters?: number;
  readonly maxParameters?: number;
  readonly types?: readonly ParameterType[];
  /** Whether doubles carry a step. @default 'sometimes' */
  readonly doubleStep?: 'never' | 'sometimes' | 'always';
  /** Include logUniform/normal/logNormal distributions. @default true */
  readonly distributions?: boolean;
}

/** A decimal k / 10^d with |k| ≤ maxK. */
const decimal = (minK: number, maxK: number, maxDecimals = 3): fc.Arbitrary<number> =>
  fc
    .tuple(fc.integer({ min: minK, max: maxK }), fc.integer({ min: 0, max: maxDecimals }))
    .map(([k, d]) => k / 10 ** d);

const ALL_TYPES: readonly ParameterType[] = ['double', 'int', 'discrete', 'categorical'];

function arbDistribution(enabled: boolean, positive: boolean): fc.Arbitrary<Distribution> {
  if (!enabled) return fc.constant('uniform');
  return positive
    ? fc.constantFrom<Distribution>('uniform', 'logUniform', 'normal', 'logNormal')
    : fc.constantFrom<Distribution>('uniform', 'normal');
}

/** One ParameterSpec named `name`. */
export function arbParameterSpec(
  name: string,
  opts: SpaceArbitraryOptions = {},
): fc.Arbitrary<ParameterSpec> {
  const types = opts.types ?? ALL_TYPES;
  const withDistributions = opts.distributions ?? true;
  const doubleStep = opts.doubleStep ?? 'sometimes';
  return fc.constantFrom(...types).chain((type): fc.Arbitrary<ParameterSpec> => {
    switch (type) {
      case 'double':
        return fc
          .record({
            positive: fc.boolean(),
            lowK: fc.integer({ min: 1, max: 5000 }),
            widthK: fc.integer({ min: 0, max: 5000 }),
            d: fc.integer({ min: 0, max: 4 }),
            negative: fc.boolean(),
            stepCount: fc.integer({ min: 1, max: 40 }),
            hasStep:
              doubleStep === 'always'
                ? fc.constant(true)
                : doubleStep === 'never'
                  ? fc.constant(false)
                  : fc.boolean(),
          })
          .chain((r) => {
            const scale = 10 ** r.d;
            const min = (r.positive || !r.negative ? r.lowK : -r.lowK) / scale;
            const max = (r.positive || !r.negative ? r.lowK + r.widthK : -r.lowK + r.widthK) / scale;
            const positive = min > 0;
            // A step that divides the range into `stepCount` parts, written with few decimals.
            const step = r.widthK > 0 ? Number(((max - min) / r.stepCount).toPrecision(3)) : 1 / scale;
            return arbDistribution(withDistributions, positive).map((distribution): ParameterSpec => ({
              name,
              parameterType: 'double',
              feasibleSpace: {
                min: String(min),
                max: String(max),
                ...(r.hasStep && step > 0 ? { step: String(step) } : {}),
                distribution,
              },
            }));
          });
      case 'int':
        return fc
          .record({
            min: fc.integer({ min: -100, max: 100 }),
            width: fc.integer({ min: 0, max: 300 }),
            step: fc.option(fc.integer({ min: 1, max: 7 }), { nil: undefined }),
          })
          .chain((r) =>
            arbDistribution(withDistributions, r.min > 0).map((distribution): ParameterSpec => ({
              name,
              parameterType: 'int',
              feasibleSpace: {
                min: String(r.min),
                max: String(r.min + r.width),
                ...(r.step !== undefined ? { step: String(r.step) } : {}),
                distribution,
              },
            })),
          );
      case 'discrete':
        return fc
          .uniqueArray(decimal(-1000, 1000, 2), { minLength: 1, maxLength: 6 })
          .map((values): ParameterSpec => ({
            name,
            parameterType: 'discrete',
            feasibleSpace: { list: values.map(String) },
          }));
      case 'categorical':
        return fc
          .uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 })
          .map((values): ParameterSpec => ({
            name,
            parameterType: 'categorical',
            feasibleSpace: { list: values },
          }));
    }
  });
}

/** A list of ParameterSpecs with distinct names. */
export function arbParameters(opts: SpaceArbitraryOptions = {}): fc.Arbitrary<ParameterSpec[]> {
  const min = opts.minParameters ?? 1;
  const max = opts.maxParameters ?? 4;
  return fc
    .integer({ min, max })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => arbParameterSpec(`p${i}`, opts))));
}

/** A feasible value of one parameter, as algorithms produce them (canonical grid values). */
export function arbFeasibleValue(p: ParameterSpace): fc.Arbitrary<number | string> {
  switch (p.type) {
    case 'categorical':
      return fc.constantFrom(...p.values);
    case 'discrete':
      return fc.constantFrom(...p.values);
    case 'int':
    case 'double': {
      if (p.type === 'double' && p.step === undefined) {
        return fc.oneof(
          fc.constantFrom(p.min, p.max),
          fc
            .double({ min: p.min, max: p.max, noNaN: true, noDefaultInfinity: true })
            .map((v) => (Object.is(v, -0) ? 0 : v)),
        );
      }
      const grid = stepGrid(p.min, p.max, p.step ?? 1);
      return fc.integer({ min: 0, max: grid.count - 1 }).map((k) => grid.value(k));
    }
  }
}

/** A feasible assignment of a parsed space. */
export function arbFeasibleAssignment(space: SearchSpace): fc.Arbitrary<Assignment> {
  return fc.tuple(...space.map(arbFeasibleValue)).map((values) => {
    const out: Record<string, number | string> = {};
    space.forEach((p, i) => (out[p.name] = values[i] as number | string));
    return out;
  });
}

/** Any coordinate: inside or far outside the bounds, infinities and NaN included. */
export const arbCoordinate: fc.Arbitrary<number> = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.double(),
  fc.constantFrom(0, 0.5, 1, -0.5, Number.NaN, Infinity, -Infinity),
);

/** An ExperimentSpec around `parameters` for algorithm `algorithmName`. */
export function experimentSpec(
  algorithmName: string,
  parameters: readonly ParameterSpec[],
  settings: readonly AlgorithmSetting[] = [],
  extra: Partial<ExperimentSpec> = {},
): ExperimentSpec {
  return {
    parameters,
    objective: { type: 'minimize', objectiveMetricName: 'loss' },
    algorithm: { algorithmName, algorithmSettings: settings },
    parallelTrialCount: 3,
    metricsCollectorSpec: { collector: { kind: 'StdOut' } },
    resumePolicy: 'Never',
    ...extra,
  };
}

/** A whole Experiment object around a spec. */
export function experimentOf(spec: ExperimentSpec, name = 'exp'): Experiment {
  return {
    apiVersion: 'kubeflow.org/v1beta1',
    kind: 'Experiment',
    metadata: { name, namespace: 'default' },
    spec,
  };
}

/** A trial view with string assignments, a phase and (when given) an objective value `loss`. */
export function trialView(
  name: string,
  parameterAssignments: readonly { readonly name: string; readonly value: string }[],
  phase: TrialPhase,
  loss?: number,
  labels: Readonly<Record<string, string>> = {},
): TrialView {
  return {
    name,
    parameterAssignments,
    labels,
    phase,
    ...(loss !== undefined
      ? {
          observation: {
            metrics: [{ name: 'loss', min: String(loss), max: String(loss), latest: String(loss) }],
          },
        }
      : {}),
  };
}
