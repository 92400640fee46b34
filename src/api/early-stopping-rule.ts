/** Katib's comparison for early-stopping rules. */
export type ComparisonType = 'equal' | 'less' | 'greater';

/**
 * Katib's EarlyStoppingRule: stop the trial when `name`'s value compares to `value` by
 * `comparison`, checked from `startStep` on.
 */
export interface EarlyStoppingRule {
  readonly name: string;
  readonly value: string;
  readonly comparison: ComparisonType;
  readonly startStep: number;
}
