/**
 * Search-space helpers shaped like Katib's Python SDK (`katib.search.double/int/categorical`),
 * producing Katib ParameterSpecs for `tune()`.
 */
import type { Distribution, FeasibleSpace, ParameterType } from '../api/index.js';

/** One parameter's definition for `tune()`: a Katib parameter type and feasible space. */
export interface ParameterDefinition {
  readonly parameterType: ParameterType;
  readonly feasibleSpace: FeasibleSpace;
}

/** Options of numeric parameters. */
export interface NumericOptions {
  /** Grid step; values are min + k·step. */
  readonly step?: number;
  /** @default 'uniform' */
  readonly distribution?: Distribution;
}

const numeric = (
  parameterType: 'double' | 'int',
  min: number,
  max: number,
  opts: NumericOptions,
): ParameterDefinition => ({
  parameterType,
  feasibleSpace: {
    min: String(min),
    max: String(max),
    ...(opts.step !== undefined ? { step: String(opts.step) } : {}),
    ...(opts.distribution !== undefined ? { distribution: opts.distribution } : {}),
  },
});

/** Katib-SDK-style constructors of parameter definitions. */
export const search = {
  /** A real number in [min, max]. */
  double: (min: number, max: number, opts: NumericOptions = {}): ParameterDefinition =>
    numeric('double', min, max, opts),
  /** A real number in [min, max] sampled on a log scale (min > 0). */
  logUniform: (min: number, max: number): ParameterDefinition =>
    numeric('double', min, max, { distribution: 'logUniform' }),
  /** An integer in [min, max]. */
  int: (min: number, max: number, opts: NumericOptions = {}): ParameterDefinition =>
    numeric('int', min, max, opts),
  /** One of a list of strings. */
  categorical: (values: readonly (string | number | boolean)[]): ParameterDefinition => ({
    parameterType: 'categorical',
    feasibleSpace: { list: values.map(String) },
  }),
  /** One of a list of numbers. */
  discrete: (values: readonly number[]): ParameterDefinition => ({
    parameterType: 'discrete',
    feasibleSpace: { list: values.map(String) },
  }),
};
