/**
 * The settings `hyperband` and `asha` share — Katib's `r_l` (maximum resource), `resource_name`
 * (the parameter that carries the resource, e.g. epochs) and `eta` (halving rate) — with Katib's
 * hyperband messages (katib-reference.md §5.8), and the rules both apply to the experiment.
 */
import type { ExperimentSpec } from '../../api/experiment.js';
import { FieldPath, type FieldError } from '../../api/field-error.js';
import type { SettingDecl } from '../settings.js';
import { ALGORITHM_SETTINGS_PATH } from '../settings.js';
import { logScaleErrors, requireParameters, specParameters } from '../space-rules.js';

/** The default halving rate (the paper's and Katib's). */
export const DEFAULT_ETA = 3;

/** The resource settings as both algorithms type them. */
export interface ResourceSettings {
  /** Katib's `r_l`: the maximum resource `R` one configuration gets. */
  readonly maxResource: number | undefined;
  /** Katib's `resource_name`: the parameter set to the resource of each trial. */
  readonly resourceName: string | undefined;
  /** Katib's `eta`. */
  readonly eta: number;
}

/** Katib's `r_l`: a positive float (Katib's one message covers unparsable and out-of-range values). */
export function maxResourceSetting(): SettingDecl<number | undefined> {
  return {
    name: 'r_l',
    type: 'float',
    default: undefined,
    description:
      'Maximum resource R given to one configuration, in units of the resource parameter (e.g. 81 epochs). Required.',
    parse(text) {
      const v = text.trim() === '' ? NaN : Number(text);
      return Number.isFinite(v) && v > 0
        ? { ok: true, value: v }
        : { ok: false, message: 'r_l must be a positive float number.' };
    },
  };
}

/** Katib's `resource_name`: the name of the parameter that receives the resource. */
export function resourceNameSetting(): SettingDecl<string | undefined> {
  return {
    name: 'resource_name',
    type: 'string',
    default: undefined,
    description:
      'Name of the int or double parameter that carries the resource (e.g. epochs); the algorithm sets it, never samples it. Required.',
    parse: (text) => ({ ok: true, value: text }),
  };
}

/**
 * Katib's `eta`: read as `int(float(text))`, and a value `<= 0` means the default 3, as in Katib.
 * Katib divides by `log(eta)`, so 1 fails there with a Python exception; we say why instead.
 */
export function etaSetting(): SettingDecl<number> {
  return {
    name: 'eta',
    type: 'int',
    default: DEFAULT_ETA,
    description:
      'Halving rate: each rung keeps the best 1/eta of its configurations and gives them eta times the resource (integer >= 2; <= 0 means 3).',
    parse(text) {
      const v = text.trim() === '' ? NaN : Number(text);
      if (!Number.isFinite(v))
        return {
          ok: false,
          message: `failed to validate eta(${text}): could not convert string to float: '${text}'`,
        };
      const eta = Math.trunc(v);
      if (eta <= 0) return { ok: true, value: DEFAULT_ETA };
      return eta >= 2
        ? { ok: true, value: eta }
        : { ok: false, message: `failed to validate eta(${text}): eta must be at least 2` };
    },
  };
}

/** Index of setting `name` in `spec.algorithm.algorithmSettings` (the last one: Katib keeps the last). */
function settingIndex(spec: ExperimentSpec, name: string): number {
  const list: unknown = spec.algorithm?.algorithmSettings;
  if (!Array.isArray(list)) return -1;
  let found = -1;
  list.forEach((s: unknown, i) => {
    if (typeof s === 'object' && s !== null && (s as { name?: unknown }).name === name) found = i;
  });
  return found;
}

/**
 * The rules on the experiment both algorithms share: parameters exist, `r_l` and `resource_name`
 * are set (Katib's `r_l and resource_name must be set.`), the resource names a parameter (Katib's
 * `value of resource_name setting must be in parameters.`) of type int or double, and log scales
 * have `min > 0`.
 */
export function resourceErrors(
  spec: ExperimentSpec,
  settings: ResourceSettings,
  algorithm: string,
): FieldError[] {
  const missing = requireParameters(spec, algorithm);
  if (missing.length > 0) return missing;
  if (settings.maxResource === undefined || settings.resourceName === undefined)
    return [ALGORITHM_SETTINGS_PATH.error('r_l and resource_name must be set.')];
  const ps = specParameters(spec) ?? [];
  const at = ps.findIndex((p) => p.name === settings.resourceName);
  if (at < 0) {
    const i = settingIndex(spec, 'resource_name');
    const path = i >= 0 ? ALGORITHM_SETTINGS_PATH.index(i).child('value') : ALGORITHM_SETTINGS_PATH;
    return [path.error('value of resource_name setting must be in parameters.', settings.resourceName)];
  }
  const type = ps[at]?.parameterType;
  if (type !== 'int' && type !== 'double') {
    return [
      FieldPath.root('spec')
        .child('parameters')
        .index(at)
        .child('parameterType')
        .error(
          `the resource parameter ${settings.resourceName} of algorithm ${algorithm} must be int or double`,
          type,
        ),
    ];
  }
  return logScaleErrors(spec);
}
