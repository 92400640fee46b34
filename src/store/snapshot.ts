/**
 * Snapshots: what a store hands out is parsed fresh from its stored JSON and deeply frozen, so no
 * caller can change another caller's view, and no later write changes an object already returned.
 */

/** Freezes `value` and everything reachable from it; returns it for chaining. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) {
      deepFreeze((value as Record<string, unknown>)[key]);
    }
  }
  return value;
}

/** Parses stored JSON text into a fresh, deeply frozen value of the stated type. */
export function parseSnapshot<T>(json: string): T {
  return deepFreeze(JSON.parse(json) as unknown) as T;
}

/** How a list snapshot was made from an earlier one: the positions that differ or were appended. */
interface ListDerivation {
  readonly base: readonly unknown[];
  readonly changed: readonly number[];
}

const derivations = new WeakMap<readonly unknown[], ListDerivation>();
/** Derivation steps followed back before giving up. */
const MAX_HOPS = 16;

/**
 * Records that the list snapshot `next` equals `base` except at the positions `changed`
 * (ascending; positions ≥ `base.length` are appended). Stores call it when they build a new list
 * snapshot from the previous one.
 */
export function recordListDerivation(
  next: readonly unknown[],
  base: readonly unknown[],
  changed: readonly number[],
): void {
  derivations.set(next, { base, changed });
}

/**
 * The positions at which the trial list snapshot `next` may differ from the earlier snapshot
 * `prev` (ascending; every other element is the identical object), when the store that made them
 * knows; `undefined` when it does not (compare element by element instead).
 */
export function trialListChanges(
  prev: readonly unknown[],
  next: readonly unknown[],
): readonly number[] | undefined {
  if (prev === next) return [];
  let current = next;
  let changed: number[] = [];
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const step = derivations.get(current);
    if (step === undefined) return undefined;
    changed = hop === 0 ? [...step.changed] : [...new Set([...changed, ...step.changed])];
    if (step.base === prev) return hop === 0 ? changed : changed.sort((a, b) => a - b);
    current = step.base;
  }
  return undefined;
}
