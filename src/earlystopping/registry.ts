/**
 * The early-stopping registry: Katib algorithm names → {@link EarlyStopper}s, and the one
 * validation entry point for an experiment's `spec.earlyStopping` (name and settings, every error
 * with its path and Katib's message).
 */
import { FieldPath, type EarlyStoppingSpec, type FieldError } from '../api/index.js';
import type { EarlyStopper } from './early-stopper.js';
import { medianStop } from './medianstop.js';

const BUILTIN: ReadonlyMap<string, EarlyStopper> = new Map([[medianStop.name, medianStop]]);

const NAME_PATH = FieldPath.root('spec').child('earlyStopping').child('algorithmName');

/** The early-stopping algorithm registered under Katib name `name` (`medianstop`). */
export function earlyStoppingAlgorithm(name: string): EarlyStopper | undefined {
  return BUILTIN.get(name);
}

/** Names of the early-stopping algorithms we serve, sorted. */
export function earlyStoppingAlgorithmNames(): string[] {
  return [...BUILTIN.keys()].sort();
}

/**
 * Every problem with an early-stopping spec: a missing or unknown algorithm name at
 * `spec.earlyStopping.algorithmName` (Katib's `unknown algorithm name <n>`, followed by the known
 * names), else the algorithm's own settings errors. Never throws.
 */
export function validateEarlyStoppingSpec(spec: EarlyStoppingSpec): FieldError[] {
  const raw: unknown = spec;
  const name =
    typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['algorithmName'] : undefined;
  const stopper = typeof name === 'string' ? BUILTIN.get(name) : undefined;
  if (!stopper) {
    const known = `known early-stopping algorithms: ${earlyStoppingAlgorithmNames().join(', ')}`;
    if (typeof name !== 'string' || name === '') return [NAME_PATH.error(`must be specified; ${known}`)];
    return [NAME_PATH.error(`unknown algorithm name ${name}; ${known}`, name)];
  }
  return stopper.validate(spec);
}
