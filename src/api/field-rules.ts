/**
 * Field-error builders shared by the validators, phrased as Kubernetes' `field.ErrorList` prints
 * them (`Required value`, `Duplicate value: "lr"`), and small typed checks. Internal to `src/api`.
 */
import { FieldPath, type FieldError } from './field-error.js';
import { isNil, isRecord, own, show, typeName } from './plain-json.js';

/** The root of every spec path (`spec`); FieldPaths are immutable, so one instance is shared. */
export const SPEC: FieldPath = FieldPath.root('spec');

/** `Required value` (with an optional explanation), as Kubernetes' `field.Required` prints it. */
export function required(path: FieldPath, detail?: string): FieldError {
  return path.error(detail === undefined ? 'Required value' : `Required value: ${detail}`);
}

/** `Duplicate value: "x"`, as Kubernetes' `field.Duplicate` prints it. */
export function duplicate(path: FieldPath, value: unknown): FieldError {
  return path.error(`Duplicate value: ${show(value)}`, value);
}

/** `must be <what>, got <type>` for a value of the wrong JSON type. */
export function wrongType(path: FieldPath, what: string, value: unknown): FieldError {
  return path.error(`must be ${what}, got ${typeName(value)}`, value);
}

/**
 * Checks an optional string-to-string map (labels, annotations): absent is fine; otherwise an
 * object whose values are all strings.
 */
export function checkStringMap(value: unknown, path: FieldPath): FieldError[] {
  if (isNil(value)) return [];
  if (!isRecord(value)) return [wrongType(path, 'a map of strings', value)];
  const errs: FieldError[] = [];
  for (const k of Object.keys(value)) {
    const v = own(value, k);
    if (typeof v !== 'string') errs.push(wrongType(path.key(k), 'a string', v));
  }
  return errs;
}

/** Checks an optional string field: absent is fine, otherwise it must be a string. */
export function checkOptionalString(value: unknown, path: FieldPath): FieldError[] {
  return isNil(value) || typeof value === 'string' ? [] : [wrongType(path, 'a string', value)];
}

/** Levenshtein distance, for "did you mean" hints on unknown field names. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The known name closest to `name` (same up to case, a prefix of it, or at most 2 edits away), if any. */
function closest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === lower);
  if (exact) return exact;
  const prefixed = known.find((k) => lower.length >= 4 && k.toLowerCase().startsWith(lower));
  if (prefixed) return prefixed;
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * `unknown field "x"` for every key of an object that its Katib type does not have, with a
 * "did you mean" hint. Katib's CRDs preserve unknown fields, so a misspelt `maxTrialCounts` is
 * silently ignored there; we report it. Not an object: no errors (the caller reports the type).
 */
export function checkKnownFields(obj: unknown, known: readonly string[], path: FieldPath): FieldError[] {
  if (!isRecord(obj)) return [];
  const errs: FieldError[] = [];
  for (const k of Object.keys(obj)) {
    if (known.includes(k)) continue;
    const hint = closest(k, known);
    errs.push(
      path
        .child(k)
        .error(`unknown field ${show(k)}${hint === undefined ? '' : `; did you mean ${show(hint)}?`}`),
    );
  }
  return errs;
}

/** Fields of Kubernetes' ObjectMeta. */
export const OBJECT_META_FIELDS: readonly string[] = [
  'name',
  'generateName',
  'namespace',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
];
