/**
 * Small helpers for reading untrusted, JSON-like values (parsed YAML, REST bodies) without ever
 * throwing: own-property reads, cycle-safe copies and comparisons, and value printing for
 * messages. Used by `src/api` and the config readers (not re-exported by the folder's index).
 */

/** A JSON object as read from YAML or JSON: string keys, unknown values. */
export type JsonRecord = Record<string, unknown>;

/** True for non-null, non-array objects (the shape a JSON object decodes to). */
export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True for arrays (JSON lists). */
export function isList(v: unknown): v is readonly unknown[] {
  return Array.isArray(v);
}

/**
 * The object's own property `key`, or `undefined`. Never reads the prototype chain, so keys such
 * as `constructor` or `toString` in user maps are seen only when the user wrote them.
 */
export function own(obj: unknown, key: string): unknown {
  if (!isRecord(obj) || !Object.prototype.hasOwnProperty.call(obj, key)) return undefined;
  return obj[key];
}

/** True when the value is absent in the Go sense: `undefined` or `null`. */
export function isNil(v: unknown): v is undefined | null {
  return v === undefined || v === null;
}

/** True when the value is absent or the empty string (Go's zero value for a string field). */
export function isEmptyString(v: unknown): boolean {
  return isNil(v) || v === '';
}

/** True for a string with at least one character. */
export function isNonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v !== '';
}

/** Sets an own, enumerable data property, even for the key `__proto__`. */
export function setOwn(obj: JsonRecord, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** True for objects made by a JSON/YAML parser or an object literal (prototype Object or null). */
export function isPlainObject(v: unknown): v is JsonRecord {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * A deep copy of the JSON-like parts of `v`: arrays and plain objects are copied (cycles and
 * shared references are preserved), every other value is kept as is. Never throws.
 */
export function deepCopy<T>(v: T): T {
  const memo = new Map<object, unknown>();
  const copy = (x: unknown): unknown => {
    if (typeof x !== 'object' || x === null) return x;
    const seen = memo.get(x);
    if (seen !== undefined) return seen;
    if (Array.isArray(x)) {
      const out: unknown[] = [];
      memo.set(x, out);
      for (let i = 0; i < x.length; i++) out.push(copy(x[i]));
      return out;
    }
    if (!isPlainObject(x)) return x;
    const out: JsonRecord = {};
    memo.set(x, out);
    for (const k of Object.keys(x)) setOwn(out, k, copy(x[k]));
    return out;
  };
  return copy(v) as T;
}

/**
 * Structural equality of JSON-like values (arrays by position, objects by own keys), where an
 * object entry that is `null` or `undefined` equals an absent one (as Kubernetes decodes JSON).
 * Cycle-safe.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  const pairs = new Map<object, Set<object>>();
  const eq = (x: unknown, y: unknown): boolean => {
    if (Object.is(x, y) || (isNil(x) && isNil(y))) return true;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    let seen = pairs.get(x);
    if (seen?.has(y)) return true;
    if (!seen) pairs.set(x, (seen = new Set()));
    seen.add(y);
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    if (Array.isArray(x) && Array.isArray(y)) {
      return x.length === y.length && x.every((v, i) => eq(v, y[i]));
    }
    const kx = Object.keys(x).filter((k) => !isNil((x as JsonRecord)[k]));
    const ky = Object.keys(y).filter((k) => !isNil((y as JsonRecord)[k]));
    if (kx.length !== ky.length) return false;
    return kx.every((k) => Object.prototype.hasOwnProperty.call(y, k) && eq(own(x, k), own(y, k)));
  };
  return eq(a, b);
}

/**
 * A short, printable rendering of any value for an error message: JSON where possible
 * (`"abc"`, `1.5`, `{"a":1}`), truncated to 80 characters. Never throws.
 */
export function show(v: unknown): string {
  let text: string | undefined;
  try {
    text =
      typeof v === 'bigint'
        ? `${v.toString()}n`
        : typeof v === 'number' && !Number.isFinite(v)
          ? String(v)
          : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x.toString()}n` : x));
  } catch {
    text = undefined;
  }
  if (text === undefined) {
    try {
      text = String(v);
    } catch {
      text = `<${typeof v}>`;
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The JSON type name of a value for messages: `string`, `number`, `list`, `object`, `null`, … */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'object';
  return typeof v;
}
