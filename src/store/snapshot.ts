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
