/**
 * Search-space rules that several algorithms share, checked on the raw spec (strings, as the user
 * wrote them) so each error carries its field path. Defensive: the spec may hold anything.
 */
import type { ExperimentSpec, ParameterSpec } from '../api/experiment.js';
import { FieldPath, type FieldError } from '../api/field-error.js';

const PARAMETERS_PATH = FieldPath.root('spec').child('parameters');

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** `spec.parameters` when it is a list of objects; `undefined` otherwise. */
export function specParameters(spec: unknown): readonly ParameterSpec[] | undefined {
  if (!isRecord(spec)) return undefined;
  const ps = spec['parameters'];
  if (!Array.isArray(ps) || !ps.every(isRecord)) return undefined;
  return ps as unknown as readonly ParameterSpec[];
}

/** The path of parameter `i`'s feasible-space field, e.g. `spec.parameters[2].feasibleSpace.step`. */
export function feasibleSpacePath(i: number, field: string): FieldPath {
  return PARAMETERS_PATH.index(i).child('feasibleSpace').child(field);
}

/** Error when the algorithm needs `spec.parameters` (every algorithm but the NAS ones). */
export function requireParameters(spec: ExperimentSpec, algorithm: string): FieldError[] {
  const ps = specParameters(spec);
  return ps && ps.length > 0
    ? []
    : [PARAMETERS_PATH.error(`algorithm ${algorithm} needs at least one parameter in spec.parameters`)];
}

/**
 * Log-scale distributions (`logUniform`, `logNormal`) on `double`/`int` need `min > 0`: Katib's
 * hyperopt service takes `log(min)` and fails at the first suggestion otherwise; we say so when
 * the experiment is submitted.
 */
export function logScaleErrors(spec: ExperimentSpec): FieldError[] {
  const errors: FieldError[] = [];
  (specParameters(spec) ?? []).forEach((p, i) => {
    const fs: unknown = p.feasibleSpace;
    if (!isRecord(fs) || (p.parameterType !== 'double' && p.parameterType !== 'int')) return;
    const distribution = fs['distribution'];
    if (distribution !== 'logUniform' && distribution !== 'logNormal') return;
    const min = typeof fs['min'] === 'string' ? Number(fs['min']) : NaN;
    if (Number.isFinite(min) && min <= 0) {
      errors.push(
        feasibleSpacePath(i, 'min').error(
          `must be greater than 0 for distribution ${distribution}`,
          fs['min'],
        ),
      );
    }
  });
  return errors;
}
