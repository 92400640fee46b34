/**
 * The search space after defaulting and validation: Katib's ParameterSpecs with their numbers
 * parsed once, here (Katib re-parses the strings in every algorithm service).
 */
import type { Distribution, ParameterAssignment, ParameterSpec } from './experiment.js';

/** One parameter's feasible space, parsed. */
export type ParameterSpace =
  | {
      readonly type: 'double';
      readonly name: string;
      readonly min: number;
      readonly max: number;
      /** Values are `min + k·step` when set. */
      readonly step?: number;
      readonly distribution: Distribution;
    }
  | {
      readonly type: 'int';
      readonly name: string;
      readonly min: number;
      readonly max: number;
      /** Default 1. */
      readonly step: number;
      readonly distribution: Distribution;
    }
  | {
      readonly type: 'discrete';
      readonly name: string;
      /** Numeric values in the order listed. */
      readonly values: readonly number[];
      /** The list entries as written, index-aligned with `values` (used to format assignments). */
      readonly labels: readonly string[];
    }
  | { readonly type: 'categorical'; readonly name: string; readonly values: readonly string[] };

/** The whole search space, in `spec.parameters` order. */
export type SearchSpace = readonly ParameterSpace[];

/** One point of the space: numbers for double/int/discrete, strings for categorical. */
export type Assignment = Readonly<Record<string, number | string>>;

/**
 * Parses validated ParameterSpecs into a SearchSpace. Call only after `validateExperiment` found
 * no errors: it assumes numbers parse and lists are non-empty.
 */
export function toSearchSpace(parameters: readonly ParameterSpec[]): SearchSpace {
  return parameters.map((p): ParameterSpace => {
    const fs = p.feasibleSpace;
    const distribution: Distribution = fs.distribution ?? 'uniform';
    switch (p.parameterType) {
      case 'double': {
        const step = fs.step !== undefined && fs.step !== '' ? Number(fs.step) : undefined;
        return step === undefined
          ? { type: 'double', name: p.name, min: Number(fs.min), max: Number(fs.max), distribution }
          : { type: 'double', name: p.name, min: Number(fs.min), max: Number(fs.max), step, distribution };
      }
      case 'int':
        return {
          type: 'int',
          name: p.name,
          min: Number(fs.min),
          max: Number(fs.max),
          step: fs.step !== undefined && fs.step !== '' ? Number(fs.step) : 1,
          distribution,
        };
      case 'discrete': {
        const labels = [...(fs.list ?? [])];
        return { type: 'discrete', name: p.name, values: labels.map(Number), labels };
      }
      case 'categorical':
        return { type: 'categorical', name: p.name, values: [...(fs.list ?? [])] };
    }
  });
}

/** Tolerance for "on the step grid" checks, relative to the step. */
const STEP_TOLERANCE = 1e-9;

/** True when `value` lies in the parameter's feasible space (range, step grid, or list). */
export function isFeasibleValue(p: ParameterSpace, value: number | string): boolean {
  switch (p.type) {
    case 'categorical':
      return typeof value === 'string' && p.values.includes(value);
    case 'discrete':
      return typeof value === 'number' && p.values.includes(value);
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < p.min || value > p.max)
        return false;
      return (value - p.min) % p.step === 0;
    case 'double': {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < p.min || value > p.max)
        return false;
      if (p.step === undefined) return true;
      const k = (value - p.min) / p.step;
      return Math.abs(k - Math.round(k)) <= STEP_TOLERANCE * Math.max(1, Math.abs(k));
    }
  }
}

/** Formats one value the way Katib's assignments carry it (a string). */
export function formatParameterValue(p: ParameterSpace, value: number | string): string {
  switch (p.type) {
    case 'categorical':
      return String(value);
    case 'discrete': {
      const i = p.values.indexOf(Number(value));
      return i >= 0 ? (p.labels[i] ?? String(value)) : String(value);
    }
    case 'int':
      return String(Math.round(Number(value)));
    case 'double':
      return String(value);
  }
}

/** Parses one assignment value from its string form; `undefined` when it does not parse. */
export function parseParameterValue(p: ParameterSpace, text: string): number | string | undefined {
  if (p.type === 'categorical') return text;
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Converts an assignment to Katib's `[{name, value}]` list, in search-space order. */
export function toParameterAssignments(space: SearchSpace, a: Assignment): ParameterAssignment[] {
  const out: ParameterAssignment[] = [];
  for (const p of space) {
    const v = a[p.name];
    if (v !== undefined) out.push({ name: p.name, value: formatParameterValue(p, v) });
  }
  return out;
}

/**
 * Converts Katib's `[{name, value}]` list to an Assignment. Names not in the space are kept as
 * strings (NAS or resource parameters some algorithms add).
 */
export function fromParameterAssignments(
  space: SearchSpace,
  list: readonly ParameterAssignment[],
): Assignment {
  const out: Record<string, number | string> = {};
  for (const { name, value } of list) {
    const p = space.find((q) => q.name === name);
    const parsed = p ? parseParameterValue(p, value) : value;
    out[name] = parsed ?? value;
  }
  return out;
}

/**
 * Every way `a` leaves the space: missing parameters, values outside the range, off the step
 * grid or not in the list. Empty when the assignment is feasible.
 */
export function infeasibilities(space: SearchSpace, a: Assignment): string[] {
  const problems: string[] = [];
  for (const p of space) {
    const v = a[p.name];
    if (v === undefined) problems.push(`${p.name}: missing`);
    else if (!isFeasibleValue(p, v))
      problems.push(`${p.name}: ${JSON.stringify(v)} is outside the feasible space`);
  }
  return problems;
}
