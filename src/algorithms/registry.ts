/**
 * The algorithm registry: Katib algorithm names → definitions, and the one validation entry point
 * for an experiment's `spec.algorithm` (name, settings, and the algorithm's own space rules), all
 * errors at once with their field paths.
 */
import type { ExperimentSpec } from '../api/experiment.js';
import { FieldPath, type FieldError } from '../api/field-error.js';
import type { AlgorithmDefinition } from './algorithm-definition.js';
import { bayesOptAlgorithm } from './bayesopt/index.js';
import { cmaesAlgorithm } from './cmaes/index.js';
import { gridAlgorithm } from './grid/index.js';
import { ashaAlgorithm, hyperbandAlgorithm } from './hyperband/index.js';
import { pbtAlgorithm } from './pbt/index.js';
import { randomAlgorithm } from './random/index.js';
import { ALGORITHM_SETTINGS_PATH, parseSettings } from './settings.js';
import { sobolAlgorithm } from './sobol/index.js';
import { multivariateTpeAlgorithm, tpeAlgorithm } from './tpe/index.js';

/** A registered algorithm with its settings type erased (settings flow only from its own parser to its own factory). */
export type AnyAlgorithmDefinition = AlgorithmDefinition<object>;

/** The algorithm of a spec, with its parsed settings, or every error found on the way. */
export type ResolvedAlgorithm =
  | { readonly ok: true; readonly definition: AnyAlgorithmDefinition; readonly settings: object }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

const ALGORITHM_NAME_PATH = FieldPath.root('spec').child('algorithm').child('algorithmName');

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** A set of algorithms by Katib name. */
export class AlgorithmRegistry {
  private readonly byName: ReadonlyMap<string, AnyAlgorithmDefinition>;

  /** @throws Error when two definitions share a name (a programming error). */
  constructor(definitions: readonly AnyAlgorithmDefinition[]) {
    const m = new Map<string, AnyAlgorithmDefinition>();
    for (const d of definitions) {
      if (m.has(d.name)) throw new Error(`algorithm ${d.name} is registered twice`);
      m.set(d.name, d);
    }
    this.byName = m;
  }

  /** The definition registered under Katib name `name`. */
  get(name: string): AnyAlgorithmDefinition | undefined {
    return this.byName.get(name);
  }

  /** Registered names, sorted. */
  names(): readonly string[] {
    return [...this.byName.keys()].sort();
  }

  /**
   * Finds the spec's algorithm and parses its settings, or reports every problem: an unknown
   * name (listing the known ones) at `spec.algorithm.algorithmName`, bad settings at
   * `spec.algorithm.algorithmSettings[i].name|value`. Never throws.
   */
  resolve(spec: ExperimentSpec): ResolvedAlgorithm {
    const raw: unknown = spec;
    const algorithm = isRecord(raw) ? raw['algorithm'] : undefined;
    const name = isRecord(algorithm) ? algorithm['algorithmName'] : undefined;
    if (typeof name !== 'string' || name === '') {
      return {
        ok: false,
        errors: [
          ALGORITHM_NAME_PATH.error(`must be specified; known algorithms: ${this.names().join(', ')}`),
        ],
      };
    }
    const definition = this.byName.get(name);
    if (!definition) {
      return {
        ok: false,
        errors: [
          ALGORITHM_NAME_PATH.error(
            `unknown algorithm name ${name}; known algorithms: ${this.names().join(', ')}`,
            name,
          ),
        ],
      };
    }
    const settings = isRecord(algorithm) ? algorithm['algorithmSettings'] : undefined;
    const parsed = parseSettings<object>(
      definition.settings,
      name,
      settings as ExperimentSpec['algorithm']['algorithmSettings'],
      ALGORITHM_SETTINGS_PATH,
    );
    return parsed.ok
      ? { ok: true, definition, settings: parsed.settings }
      : { ok: false, errors: parsed.errors };
  }

  /**
   * Every problem with the spec's algorithm: name, settings, then (when those are fine) the
   * algorithm's own rules on the search space. Empty when valid. Never throws.
   */
  validate(spec: ExperimentSpec): FieldError[] {
    const r = this.resolve(spec);
    if (!r.ok) return [...r.errors];
    try {
      return [...r.definition.validate(spec, r.settings)];
    } catch (err) {
      // A definition's validate must not throw; if it does on strange input, report it, don't crash.
      const message = err instanceof Error ? err.message : String(err);
      return [
        FieldPath.root('spec').error(`could not be checked by algorithm ${r.definition.name}: ${message}`),
      ];
    }
  }
}

/** Every algorithm this build ships. */
export const builtinAlgorithms: AlgorithmRegistry = new AlgorithmRegistry([
  randomAlgorithm,
  gridAlgorithm,
  tpeAlgorithm,
  multivariateTpeAlgorithm,
  sobolAlgorithm,
  cmaesAlgorithm,
  bayesOptAlgorithm,
  hyperbandAlgorithm,
  ashaAlgorithm,
  pbtAlgorithm,
]);

/** The built-in definition for a Katib algorithm name. */
export function findAlgorithm(name: string): AnyAlgorithmDefinition | undefined {
  return builtinAlgorithms.get(name);
}

/** Names of the built-in algorithms, sorted. */
export function algorithmNames(): readonly string[] {
  return builtinAlgorithms.names();
}

/**
 * Every problem with `spec.algorithm` for the built-in algorithms: unknown name (the message lists
 * the known ones), invalid settings (Katib's messages), and the algorithm's own space rules, each
 * with its field path. Empty when valid. Never throws.
 */
export function validateAlgorithmSpec(spec: ExperimentSpec): FieldError[] {
  return builtinAlgorithms.validate(spec);
}
