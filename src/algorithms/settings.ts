/**
 * Algorithm settings, declared once and checked by one engine. Each algorithm lists its Katib
 * setting names with type, default, range and Katib's own message; {@link parseSettings} turns
 * `spec.algorithm.algorithmSettings` (name/value strings) into a typed object or every problem as
 * a FieldError with its path. This replaces the per-service if/elif chains of Katib's Python
 * services (`_validate_tpe_setting` and friends) with data.
 *
 * ```ts
 * const spec = {
 *   randomState: intSetting('random_state', {
 *     min: 0,
 *     rangeMessage: 'random_state should be great or equal than zero',
 *     description: 'Seed of the random stream.',
 *   }),
 * } satisfies SettingsSpec<{ randomState: number | undefined }>;
 * const r = parseSettings(spec, 'random', [{ name: 'random_state', value: '7' }]);
 * // r.ok && r.settings.randomState === 7
 * ```
 */
import type { AlgorithmSetting } from '../api/experiment.js';
import { FieldPath, type FieldError } from '../api/field-error.js';

/** The value types a setting can have. */
export type SettingType = 'int' | 'float' | 'string' | 'enum' | 'bool';

/** Result of parsing one setting's text. */
export type SettingParse<V> =
  { readonly ok: true; readonly value: V } | { readonly ok: false; readonly message: string };

/**
 * One declared setting. `T` is its value type in the typed settings object: `number | undefined`
 * for a setting without default, `number` with one.
 */
export interface SettingDecl<T> {
  /** Katib's setting name, e.g. `random_state`. */
  readonly name: string;
  readonly type: SettingType;
  /** The value when the user does not set it (`undefined`: no default). */
  readonly default: T;
  /** For people: what the setting does, its range and unit. */
  readonly description: string;
  /** Allowed values of an `enum` setting. */
  readonly values?: readonly string[];
  /** Parses and range-checks the Katib string; the failure message is Katib's, word for word where Katib has one. */
  parse(text: string): SettingParse<Exclude<T, undefined>>;
}

/** The declarations of an algorithm's settings, one per field of its typed settings object `S`. */
export type SettingsSpec<S> = { readonly [K in keyof S]-?: SettingDecl<S[K]> };

/** Range and messages of a numeric setting. */
export interface NumericSettingOptions {
  /** Lower bound (inclusive unless `minExclusive`). */
  readonly min?: number;
  readonly minExclusive?: boolean;
  /** Upper bound (inclusive unless `maxExclusive`). */
  readonly max?: number;
  readonly maxExclusive?: boolean;
  /** Message when the value parses but is out of range, e.g. Katib's `random_state should be great or equal than zero`. */
  readonly rangeMessage: string;
  /** For people: what the setting does. */
  readonly description: string;
}

/** Katib's generic template for a value that does not parse: `failed to validate <name>(<value>): <reason>`. */
function parseFailure(name: string, text: string, reason: string): string {
  return `failed to validate ${name}(${text}): ${reason}`;
}

function inRange(v: number, o: NumericSettingOptions): boolean {
  if (o.min !== undefined && (o.minExclusive ? !(v > o.min) : !(v >= o.min))) return false;
  if (o.max !== undefined && (o.maxExclusive ? !(v < o.max) : !(v <= o.max))) return false;
  return true;
}

const INT_TEXT = /^\s*[+-]?\d+\s*$/;

/** Declares an integer setting (Python `int()` syntax: optional sign, digits, surrounding blanks). */
export function intSetting(
  name: string,
  options: NumericSettingOptions & { readonly default: number },
): SettingDecl<number>;
/** Declares an integer setting without default. */
export function intSetting(
  name: string,
  options: NumericSettingOptions & { readonly default?: undefined },
): SettingDecl<number | undefined>;
export function intSetting(
  name: string,
  options: NumericSettingOptions & { readonly default?: number | undefined },
): SettingDecl<number | undefined> {
  return {
    name,
    type: 'int',
    default: options.default,
    description: options.description,
    parse(text) {
      const v = INT_TEXT.test(text) ? Number(text.trim()) : NaN;
      if (!Number.isSafeInteger(v)) {
        return {
          ok: false,
          message: parseFailure(name, text, `invalid literal for int() with base 10: '${text}'`),
        };
      }
      return inRange(v, options) ? { ok: true, value: v } : { ok: false, message: options.rangeMessage };
    },
  };
}

/** Declares a floating-point setting (finite decimal or exponent notation). */
export function floatSetting(
  name: string,
  options: NumericSettingOptions & { readonly default: number },
): SettingDecl<number>;
/** Declares a floating-point setting without default. */
export function floatSetting(
  name: string,
  options: NumericSettingOptions & { readonly default?: undefined },
): SettingDecl<number | undefined>;
export function floatSetting(
  name: string,
  options: NumericSettingOptions & { readonly default?: number | undefined },
): SettingDecl<number | undefined> {
  return {
    name,
    type: 'float',
    default: options.default,
    description: options.description,
    parse(text) {
      const v = text.trim() === '' ? NaN : Number(text);
      if (!Number.isFinite(v)) {
        return {
          ok: false,
          message: parseFailure(name, text, `could not convert string to float: '${text}'`),
        };
      }
      return inRange(v, options) ? { ok: true, value: v } : { ok: false, message: options.rangeMessage };
    },
  };
}

/** Options of an enumerated setting. */
export interface EnumSettingOptions<V extends string> {
  readonly values: readonly V[];
  /** Katib's message for a value not in the list. */
  readonly message: (value: string) => string;
  readonly description: string;
}

/** Declares a setting whose value is one of a fixed list of strings. */
export function enumSetting<V extends string>(
  name: string,
  options: EnumSettingOptions<V> & { readonly default: V },
): SettingDecl<V>;
/** Declares an enumerated setting without default. */
export function enumSetting<V extends string>(
  name: string,
  options: EnumSettingOptions<V> & { readonly default?: undefined },
): SettingDecl<V | undefined>;
export function enumSetting<V extends string>(
  name: string,
  options: EnumSettingOptions<V> & { readonly default?: V | undefined },
): SettingDecl<V | undefined> {
  return {
    name,
    type: 'enum',
    default: options.default,
    description: options.description,
    values: options.values,
    parse(text) {
      const v = options.values.find((x) => x === text);
      return v !== undefined ? { ok: true, value: v } : { ok: false, message: options.message(text) };
    },
  };
}

/** Declares a boolean setting (`true`/`false`, case-insensitive). */
export function boolSetting(
  name: string,
  options: { readonly default: boolean; readonly description: string },
): SettingDecl<boolean> {
  return {
    name,
    type: 'bool',
    default: options.default,
    description: options.description,
    parse(text) {
      const t = text.trim().toLowerCase();
      if (t === 'true') return { ok: true, value: true };
      if (t === 'false') return { ok: true, value: false };
      return { ok: false, message: parseFailure(name, text, 'must be true or false') };
    },
  };
}

/** Declares a free-form string setting. */
export function stringSetting(
  name: string,
  options: { readonly default: string; readonly description: string },
): SettingDecl<string> {
  return {
    name,
    type: 'string',
    default: options.default,
    description: options.description,
    parse: (text) => ({ ok: true, value: text }),
  };
}

/** Outcome of {@link parseSettings}: the typed settings, or every problem with its path. */
export type SettingsResult<S> =
  | { readonly ok: true; readonly settings: S }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

/** Where Katib's experiment keeps algorithm settings. */
export const ALGORITHM_SETTINGS_PATH = FieldPath.root('spec').child('algorithm').child('algorithmSettings');

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Validates name/value settings against their declarations. Unknown names give Katib's
 * `unknown setting <n> for algorithm <a>` at `…algorithmSettings[i].name`; bad values give the
 * declaration's message at `…algorithmSettings[i].value`. A name given twice keeps the last value,
 * as Katib's services do (they build a dict). Never throws, whatever `settings` holds.
 */
export function parseSettings<S>(
  spec: SettingsSpec<S>,
  algorithmName: string,
  settings: readonly AlgorithmSetting[] | undefined,
  path: FieldPath = ALGORITHM_SETTINGS_PATH,
): SettingsResult<S> {
  const errors: FieldError[] = [];
  const out: Record<string, unknown> = {};
  const decls = Object.entries<SettingDecl<unknown>>(spec as Record<string, SettingDecl<unknown>>);
  for (const [key, decl] of decls) out[key] = decl.default;
  const list: readonly unknown[] = settings === undefined ? [] : Array.isArray(settings) ? settings : [];
  if (settings !== undefined && !Array.isArray(settings))
    errors.push(path.error('must be a list of {name, value}'));
  list.forEach((item, i) => {
    const at = path.index(i);
    if (!isRecord(item) || typeof item['name'] !== 'string') {
      errors.push(at.child('name').error('must be a string'));
      return;
    }
    const name = item['name'];
    const found = decls.find(([, d]) => d.name === name);
    if (!found) {
      errors.push(at.child('name').error(`unknown setting ${name} for algorithm ${algorithmName}`, name));
      return;
    }
    const value = item['value'];
    if (typeof value !== 'string') {
      errors.push(at.child('value').error('must be a string'));
      return;
    }
    const parsed = found[1].parse(value);
    if (parsed.ok) out[found[0]] = parsed.value;
    else errors.push(at.child('value').error(parsed.message, value));
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, settings: out as S };
}

/**
 * Katib's `random_state` (an integer ≥ 0, no default), the seed setting most algorithms take.
 * When unset, the service picks a seed at the first call and keeps it in the algorithm state.
 */
export function randomStateSetting(): SettingDecl<number | undefined> {
  return intSetting('random_state', {
    min: 0,
    rangeMessage: 'random_state should be great or equal than zero',
    description:
      "Seed of the algorithm's random stream (integer >= 0). Unset: a seed is chosen at the first call and kept, so reruns of the experiment repeat.",
  });
}
