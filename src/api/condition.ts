/**
 * A Kubernetes-style status condition, as Katib's Experiment, Trial and Suggestion carry them.
 * A type appears at most once; a changed condition moves to the end of the list, so the last
 * element is the most recently changed one.
 */
export interface Condition<T extends string = string> {
  readonly type: T;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  /** RFC 3339. */
  readonly lastUpdateTime: string;
  /** RFC 3339. */
  readonly lastTransitionTime: string;
}

/**
 * Sets a condition with Katib's semantics: same type with same status and reason is a no-op;
 * otherwise the old entry is removed and the new one appended. Returns a new list.
 */
export function setCondition<T extends string>(
  conditions: readonly Condition<T>[],
  type: T,
  status: Condition['status'],
  reason: string,
  message: string,
  now: Date,
): Condition<T>[] {
  const existing = conditions.find((c) => c.type === type);
  if (existing && existing.status === status && existing.reason === reason) return [...conditions];
  const at = now.toISOString();
  const next: Condition<T> = {
    type,
    status,
    reason,
    message,
    lastUpdateTime: at,
    lastTransitionTime: existing && existing.status === status ? existing.lastTransitionTime : at,
  };
  return [...conditions.filter((c) => c.type !== type), next];
}

/** Removes a condition type. Returns a new list. */
export function removeCondition<T extends string>(
  conditions: readonly Condition<T>[],
  type: T,
): Condition<T>[] {
  return conditions.filter((c) => c.type !== type);
}

/** True when the list has `type` with status "True". */
export function hasCondition<T extends string>(conditions: readonly Condition<T>[], type: T): boolean {
  return conditions.some((c) => c.type === type && c.status === 'True');
}

/** The condition of `type`, if present. */
export function getCondition<T extends string>(
  conditions: readonly Condition<T>[],
  type: T,
): Condition<T> | undefined {
  return conditions.find((c) => c.type === type);
}
