/**
 * The one place where Katib's wire messages (proto/api.proto, as {@link loadKatibProto} decodes
 * them: snake_case plain objects, enums by name, defaults filled in) meet our domain types
 * (Experiment, TrialView, GetSuggestionsRequest/Reply). Servers convert what they receive with the
 * `…FromProto` functions, which read defensively (anything may arrive) and throw one SpecError
 * listing every problem with its proto field path, e.g.
 * `experiment.spec.parameter_specs.parameters[2].feasible_space.min`. Clients build messages with
 * the `…ToProto` functions.
 *
 * ```ts
 * const request = suggestionsRequestFromProto(call.request);        // SpecError with proto paths
 * const reply = await service.getSuggestions(request);
 * return suggestionsReplyToProto(reply, request.experiment.spec.algorithm.algorithmName);
 * ```
 *
 * Decisions the wire forces on us:
 * - **Goal.** `ObjectiveSpec.goal` is a proto3 `double` without presence: Katib's controller sends
 *   0 both for "no goal" and for a goal of 0. We read 0 as "no goal". Nothing on the algorithm side
 *   acts on the goal (the controller decides when it is reached), so the lost case is harmless;
 *   a non-finite goal is rejected.
 * - **Counts.** `max_trial_count` 0 means unbounded (Katib sends 0 when unset);
 *   `parallel_trial_count` 0 means Katib's default, 3. Negative counts are rejected.
 * - **Metrics.** A proto Trial carries one value per metric, already chosen by the metric's
 *   strategy on the sending side (Katib §4.3: min/max/latest, falling back to latest, else
 *   "unavailable"). On the way in that value becomes min, max and latest of the domain metric, so
 *   every strategy picks it again. Values stay strings: a value that is not a finite number (NaN,
 *   "inf", garbage) is kept and counts as "not reported" for algorithms (see objectiveValue); it
 *   never reaches a designer as a number.
 * - **Times.** Trial start/completion times go out as Katib writes them (`2006-01-02T15:04:05Z`)
 *   and come in as given (empty means unset).
 * - **Enums** may arrive by name or, from newer peers, as numbers; unknown values (and the zero
 *   values UNKNOWN_TYPE / UNKNOWN objective type) are errors. DISTRIBUTION_UNSPECIFIED is "no
 *   distribution" (uniform), as in Katib's services.
 * - **What the wire lacks.** metric strategies, trial template, metrics collector, namespace and
 *   uid do not travel; a converted Experiment gets the defaults (StdOut collector, resume policy
 *   Never) and the name only.
 */
import {
  InternalError,
  KATIB_API_VERSION,
  SpecError,
  formatFieldError,
  metricValueText,
  toSearchSpace,
  DEFAULT_PARALLEL_TRIAL_COUNT,
  type AlgorithmSetting,
  type ComparisonType,
  type Distribution,
  type EarlyStoppingRule,
  type EarlyStoppingSpec,
  type Experiment,
  type ExperimentSpec,
  type FieldError,
  type Metric,
  type NasConfig,
  type ObjectiveSpec,
  type ObjectiveType,
  type ParameterAssignment,
  type ParameterSpec,
  type ParameterType,
  type TrialPhase,
  type TrialView,
} from '../api/index.js';
import { validateSearchSpace } from '../api/validate-parameters.js';
import type { GetSuggestionsReply, GetSuggestionsRequest, SuggestedTrial } from './suggestion-service.js';

// ---------------------------------------------------------------------------------------------
// Wire shapes (what loadKatibProto's loader produces and accepts)
// ---------------------------------------------------------------------------------------------

/** `api.v1.beta1.ParameterType` by name. */
export type ProtoParameterType = 'UNKNOWN_TYPE' | 'DOUBLE' | 'INT' | 'DISCRETE' | 'CATEGORICAL';
/** `api.v1.beta1.Distribution` by name. */
export type ProtoDistribution =
  'DISTRIBUTION_UNSPECIFIED' | 'UNIFORM' | 'LOG_UNIFORM' | 'NORMAL' | 'LOG_NORMAL';
/** `api.v1.beta1.ObjectiveType` by name. */
export type ProtoObjectiveType = 'UNKNOWN' | 'MINIMIZE' | 'MAXIMIZE';
/** `api.v1.beta1.ComparisonType` by name. */
export type ProtoComparisonType = 'UNKNOWN_COMPARISON' | 'EQUAL' | 'LESS' | 'GREATER';
/** `api.v1.beta1.TrialStatus.TrialConditionType` by name. */
export type ProtoTrialCondition =
  | 'CREATED'
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'KILLED'
  | 'FAILED'
  | 'METRICSUNAVAILABLE'
  | 'EARLYSTOPPED'
  | 'UNKNOWN';

/** `FeasibleSpace`. */
export interface ProtoFeasibleSpace {
  max: string;
  min: string;
  list: string[];
  step: string;
  distribution: ProtoDistribution;
}

/** `ParameterSpec`. */
export interface ProtoParameterSpec {
  name: string;
  parameter_type: ProtoParameterType;
  feasible_space: ProtoFeasibleSpace;
}

/** `ObjectiveSpec`. */
export interface ProtoObjectiveSpec {
  type: ProtoObjectiveType;
  goal: number;
  objective_metric_name: string;
  additional_metric_names: string[];
}

/** `AlgorithmSetting` (and `EarlyStoppingSetting`, which has the same fields). */
export interface ProtoAlgorithmSetting {
  name: string;
  value: string;
}

/** `AlgorithmSpec`. */
export interface ProtoAlgorithmSpec {
  algorithm_name: string;
  algorithm_settings: ProtoAlgorithmSetting[];
}

/** `EarlyStoppingSpec`. */
export interface ProtoEarlyStoppingSpec {
  algorithm_name: string;
  algorithm_settings: ProtoAlgorithmSetting[];
}

/** `Operation`. */
export interface ProtoOperation {
  operation_type: string;
  parameter_specs: { parameters: ProtoParameterSpec[] };
}

/** `NasConfig`. */
export interface ProtoNasConfig {
  graph_config?: { num_layers: number; input_sizes: number[]; output_sizes: number[] };
  operations?: { operation: ProtoOperation[] };
}

/** `ExperimentSpec`. */
export interface ProtoExperimentSpec {
  parameter_specs: { parameters: ProtoParameterSpec[] };
  objective: ProtoObjectiveSpec;
  algorithm: ProtoAlgorithmSpec;
  early_stopping?: ProtoEarlyStoppingSpec;
  parallel_trial_count: number;
  max_trial_count: number;
  nas_config?: ProtoNasConfig;
}

/** `Experiment`. */
export interface ProtoExperiment {
  name: string;
  spec: ProtoExperimentSpec;
}

/** `ParameterAssignment`. */
export interface ProtoParameterAssignment {
  name: string;
  value: string;
}

/** `Metric`. */
export interface ProtoMetric {
  name: string;
  value: string;
}

/** `Trial`. */
export interface ProtoTrial {
  name: string;
  spec: {
    objective: ProtoObjectiveSpec;
    parameter_assignments: { assignments: ProtoParameterAssignment[] };
    labels: Record<string, string>;
  };
  status: {
    start_time: string;
    completion_time: string;
    condition: ProtoTrialCondition;
    observation: { metrics: ProtoMetric[] };
  };
}

/** `EarlyStoppingRule`. */
export interface ProtoEarlyStoppingRule {
  name: string;
  value: string;
  comparison: ProtoComparisonType;
  start_step: number;
}

/** `GetSuggestionsRequest`. */
export interface ProtoGetSuggestionsRequest {
  experiment: ProtoExperiment;
  trials: ProtoTrial[];
  current_request_number: number;
  total_request_number: number;
}

/** `GetSuggestionsReply.ParameterAssignments`: one new trial. */
export interface ProtoSuggestedAssignments {
  assignments: ProtoParameterAssignment[];
  trial_name: string;
  labels: Record<string, string>;
}

/** `GetSuggestionsReply`. */
export interface ProtoGetSuggestionsReply {
  parameter_assignments: ProtoSuggestedAssignments[];
  algorithm?: ProtoAlgorithmSpec;
  early_stopping_rules: ProtoEarlyStoppingRule[];
}

/** `ValidateAlgorithmSettingsRequest`. */
export interface ProtoValidateAlgorithmSettingsRequest {
  experiment: ProtoExperiment;
}

// ---------------------------------------------------------------------------------------------
// Enum tables (index = wire number)
// ---------------------------------------------------------------------------------------------

const PARAMETER_TYPES: readonly ProtoParameterType[] = [
  'UNKNOWN_TYPE',
  'DOUBLE',
  'INT',
  'DISCRETE',
  'CATEGORICAL',
];
const DISTRIBUTIONS: readonly ProtoDistribution[] = [
  'DISTRIBUTION_UNSPECIFIED',
  'UNIFORM',
  'LOG_UNIFORM',
  'NORMAL',
  'LOG_NORMAL',
];
const OBJECTIVE_TYPES: readonly ProtoObjectiveType[] = ['UNKNOWN', 'MINIMIZE', 'MAXIMIZE'];
const COMPARISON_TYPES: readonly ProtoComparisonType[] = ['UNKNOWN_COMPARISON', 'EQUAL', 'LESS', 'GREATER'];
const TRIAL_CONDITIONS: readonly ProtoTrialCondition[] = [
  'CREATED',
  'RUNNING',
  'SUCCEEDED',
  'KILLED',
  'FAILED',
  'METRICSUNAVAILABLE',
  'EARLYSTOPPED',
  'UNKNOWN',
];

const PARAMETER_TYPE_TO_DOMAIN: Readonly<Partial<Record<ProtoParameterType, ParameterType>>> = {
  DOUBLE: 'double',
  INT: 'int',
  DISCRETE: 'discrete',
  CATEGORICAL: 'categorical',
};
const PARAMETER_TYPE_TO_PROTO: Readonly<Record<ParameterType, ProtoParameterType>> = {
  double: 'DOUBLE',
  int: 'INT',
  discrete: 'DISCRETE',
  categorical: 'CATEGORICAL',
};
const DISTRIBUTION_TO_DOMAIN: Readonly<Partial<Record<ProtoDistribution, Distribution>>> = {
  UNIFORM: 'uniform',
  LOG_UNIFORM: 'logUniform',
  NORMAL: 'normal',
  LOG_NORMAL: 'logNormal',
};
const DISTRIBUTION_TO_PROTO: Readonly<Record<Distribution, ProtoDistribution>> = {
  uniform: 'UNIFORM',
  logUniform: 'LOG_UNIFORM',
  normal: 'NORMAL',
  logNormal: 'LOG_NORMAL',
};
const CONDITION_TO_PHASE: Readonly<Record<ProtoTrialCondition, TrialPhase>> = {
  CREATED: 'Pending',
  RUNNING: 'Running',
  SUCCEEDED: 'Succeeded',
  KILLED: 'Killed',
  FAILED: 'Failed',
  METRICSUNAVAILABLE: 'MetricsUnavailable',
  EARLYSTOPPED: 'EarlyStopped',
  // State not known to the sender: the trial's point is taken, its outcome is not.
  UNKNOWN: 'Pending',
};
const PHASE_TO_CONDITION: Readonly<Record<TrialPhase, ProtoTrialCondition>> = {
  Pending: 'CREATED',
  Running: 'RUNNING',
  Succeeded: 'SUCCEEDED',
  Killed: 'KILLED',
  Failed: 'FAILED',
  MetricsUnavailable: 'METRICSUNAVAILABLE',
  EarlyStopped: 'EARLYSTOPPED',
};
const COMPARISON_TO_DOMAIN: Readonly<Partial<Record<ProtoComparisonType, ComparisonType>>> = {
  EQUAL: 'equal',
  LESS: 'less',
  GREATER: 'greater',
};
const COMPARISON_TO_PROTO: Readonly<Record<ComparisonType, ProtoComparisonType>> = {
  equal: 'EQUAL',
  less: 'LESS',
  greater: 'GREATER',
};

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

/** Limits on one GetSuggestions request, so a huge or hostile request is refused cheaply. */
export interface SuggestionRequestLimits {
  /** Largest `current_request_number`. @default 10000 */
  readonly maxRequestNumber: number;
  /** Most trials in one request. @default 100000 */
  readonly maxTrials: number;
  /** Most parameters in the search space. @default 1000 */
  readonly maxParameters: number;
}

/** The limits servers apply unless told otherwise. */
export const DEFAULT_SUGGESTION_LIMITS: SuggestionRequestLimits = {
  maxRequestNumber: 10_000,
  maxTrials: 100_000,
  maxParameters: 1_000,
};

/** Most field errors one SpecError lists; the rest are counted in a last line. */
const MAX_REPORTED_ERRORS = 50;

// ---------------------------------------------------------------------------------------------
// Reading untrusted messages
// ---------------------------------------------------------------------------------------------

type Rec = Record<string, unknown>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNil = (v: unknown): v is null | undefined => v === null || v === undefined;

/**
 * Field `key` of a decoded message. Keys are the proto's own field names, never user text, so a
 * plain property read is safe (user-named keys, map keys, are read with Object.keys).
 */
function own(obj: Rec, key: string): unknown {
  return obj[key];
}

/**
 * A field path built lazily: the text (`trials[3].spec.labels[app]`) is made only when an error
 * needs it, so reading a thousand valid trials costs no string building.
 */
class Path {
  private constructor(
    private readonly parent: Path | undefined,
    private readonly segment: string | number,
    private readonly isKey = false,
  ) {}

  static root(name: string): Path {
    return new Path(undefined, name);
  }

  child(name: string): Path {
    return new Path(this, name);
  }

  index(i: number): Path {
    return new Path(this, i);
  }

  key(k: string): Path {
    return new Path(this, k, true);
  }

  error(message: string): FieldError {
    return { path: this.toString(), message };
  }

  toString(): string {
    const head = this.parent?.toString() ?? '';
    if (typeof this.segment === 'number' || this.isKey) return `${head}[${this.segment}]`;
    return head === '' ? this.segment : `${head}.${this.segment}`;
  }
}

/** A short rendering of a value for messages. */
function show(v: unknown): string {
  let text: string;
  try {
    text = typeof v === 'string' ? JSON.stringify(v) : typeof v === 'number' ? String(v) : typeof v;
  } catch {
    text = typeof v;
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Collects field errors while reading; caps how many are kept. */
class Problems {
  readonly list: FieldError[] = [];
  private dropped = 0;

  add(path: Path, message: string): void {
    if (this.list.length < MAX_REPORTED_ERRORS) this.list.push(path.error(message));
    else this.dropped++;
  }

  addAll(errors: readonly FieldError[]): void {
    for (const e of errors) {
      if (this.list.length < MAX_REPORTED_ERRORS) this.list.push(e);
      else this.dropped++;
    }
  }

  get count(): number {
    return this.list.length + this.dropped;
  }

  /** Throws one SpecError with every problem when there is any. */
  throwIfAny(headline: string): void {
    if (this.count === 0) return;
    const errors = [...this.list];
    if (this.dropped > 0) errors.push({ path: 'request', message: `${this.dropped} more errors not shown` });
    throw new SpecError(errors, headline);
  }

  /** A nested message: `undefined` when absent, an error when not a message. */
  msg(obj: Rec, key: string, path: Path): Rec | undefined {
    const v = own(obj, key);
    if (isNil(v)) return undefined;
    if (!isRec(v)) {
      this.add(path.child(key), `must be a message, got ${show(v)}`);
      return undefined;
    }
    return v;
  }

  /** A string field ("" when absent). */
  str(obj: Rec, key: string, path: Path): string {
    const v = own(obj, key);
    if (isNil(v)) return '';
    if (typeof v !== 'string') {
      this.add(path.child(key), `must be a string, got ${show(v)}`);
      return '';
    }
    return v;
  }

  /** A string field that must not be empty. */
  name(obj: Rec, key: string, path: Path): string {
    const v = own(obj, key);
    const s = this.str(obj, key, path);
    if (isNil(v) || v === '') this.add(path.child(key), 'must not be empty');
    return s;
  }

  /** A repeated field ([] when absent). */
  repeated(obj: Rec, key: string, path: Path): readonly unknown[] {
    const v = own(obj, key);
    if (isNil(v)) return [];
    if (!Array.isArray(v)) {
      this.add(path.child(key), `must be a list, got ${show(v)}`);
      return [];
    }
    return v as readonly unknown[];
  }

  /** A repeated string field. */
  strings(obj: Rec, key: string, path: Path): string[] {
    const out: string[] = [];
    this.repeated(obj, key, path).forEach((v, i) => {
      if (typeof v === 'string') out.push(v);
      else this.add(path.child(key).index(i), `must be a string, got ${show(v)}`);
    });
    return out;
  }

  /** An int32 field (0 when absent). */
  int(obj: Rec, key: string, path: Path, min: number): number {
    const v = own(obj, key);
    if (isNil(v)) return 0;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
      this.add(path.child(key), `must be an integer, got ${show(v)}`);
      return 0;
    }
    if (v < min) {
      this.add(path.child(key), `must be at least ${min}, got ${v}`);
      return 0;
    }
    return v;
  }

  /** An enum field by name or number; `undefined` (with an error) when unknown. */
  enumOf<T extends string>(
    obj: Rec,
    key: string,
    path: Path,
    names: readonly T[],
    what: string,
    allowed: readonly T[],
  ): T | undefined {
    const v = own(obj, key);
    const name: T | undefined = isNil(v)
      ? names[0]
      : typeof v === 'string'
        ? names.find((n) => n === v)
        : typeof v === 'number' && Number.isInteger(v)
          ? names[v]
          : undefined;
    if (name === undefined || !allowed.includes(name)) {
      const got = name ?? (typeof v === 'number' ? `value ${v}` : show(v));
      this.add(path.child(key), `${got} is not a valid ${what}; use ${allowed.join(', ')}`);
      return undefined;
    }
    return name;
  }

  /** A `map<string, string>` field ({} when absent). */
  stringMap(obj: Rec, key: string, path: Path): Record<string, string> {
    const v = own(obj, key);
    if (isNil(v)) return {};
    if (!isRec(v)) {
      this.add(path.child(key), `must be a map of strings, got ${show(v)}`);
      return {};
    }
    const out: Record<string, string> = {};
    for (const k in v) {
      if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
      const x = v[k];
      if (typeof x !== 'string') this.add(path.child(key).key(k), `must be a string, got ${show(x)}`);
      // A key "__proto__" must stay a plain key, not set the prototype.
      else if (k === '__proto__')
        Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
      else out[k] = x;
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Field paths: domain (`spec.parameters[2].feasibleSpace.min`) ⇄ proto
// (`experiment.spec.parameter_specs.parameters[2].feasible_space.min`)
// ---------------------------------------------------------------------------------------------

/** Splits a path into name tokens and `[…]` index tokens. */
function pathTokens(path: string): string[] {
  return path.match(/\[[^\]]*\]|[^.[\]]+/g) ?? [];
}

function joinTokens(tokens: readonly string[]): string {
  let out = '';
  for (const t of tokens) out += t.startsWith('[') || out === '' ? t : `.${t}`;
  return out;
}

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/**
 * A domain field path (as our validators write it, rooted at `spec` or `metadata`) as the path of
 * the same field in a proto Experiment rooted at `root`. Other paths are returned unchanged.
 *
 * `spec.parameters[2].feasibleSpace.min` → `experiment.spec.parameter_specs.parameters[2].feasible_space.min`;
 * `metadata.name` → `experiment.name`.
 */
export function toProtoPath(domainPath: string, root = 'experiment'): string {
  const tokens = pathTokens(domainPath);
  if (tokens[0] === 'metadata' && tokens[1] === 'name') return joinTokens([root, 'name', ...tokens.slice(2)]);
  if (tokens[0] !== 'spec') return domainPath;
  const out: string[] = [root];
  for (const t of tokens) {
    if (t.startsWith('[')) out.push(t);
    else if (t === 'parameters') out.push('parameter_specs', 'parameters');
    else if (t === 'operations') out.push('operations', 'operation');
    else out.push(snake(t));
  }
  return joinTokens(out);
}

/**
 * A proto field path rooted at `experiment` (or `root`) as the domain path of the same field;
 * the inverse of {@link toProtoPath}. Other paths (`trials[3].name`, `current_request_number`)
 * are returned unchanged.
 */
export function fromProtoPath(protoPath: string, root = 'experiment'): string {
  const tokens = pathTokens(protoPath);
  if (tokens[0] !== root) return protoPath;
  if (tokens[1] === 'name') return joinTokens(['metadata', 'name', ...tokens.slice(2)]);
  if (tokens[1] !== 'spec') return protoPath;
  const out: string[] = [];
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i] ?? '';
    const next = tokens[i + 1];
    if (t.startsWith('[')) out.push(t);
    else if (t === 'parameter_specs' && next === 'parameters') continue;
    else if (t === 'operation' && tokens[i - 1] === 'operations') continue;
    else out.push(camel(t));
  }
  return joinTokens(out);
}

/** A SpecError whose domain paths are rewritten as proto paths (for a reply on the wire). */
export function specErrorToProtoPaths(err: SpecError, root = 'experiment'): SpecError {
  return new SpecError(
    err.errors.map((e) => ({ ...e, path: toProtoPath(e.path, root) })),
    err.message.split('\n', 1)[0]?.replace(/:$/, '') ?? 'invalid request',
  );
}

/**
 * Field errors from the details of an INVALID_ARGUMENT status written by {@link toGrpcError}
 * (`path: message; path: message`), with proto paths mapped back to domain paths. A `; ` inside a
 * message (Katib's grid messages have one) does not split it: only `; ` followed by something
 * that looks like a path and `: ` starts a new error. Text that does not start with a path (a
 * foreign service's plain message) becomes one error at `fallbackPath`.
 */
export function fieldErrorsFromStatusDetails(details: string, fallbackPath = 'spec.algorithm'): FieldError[] {
  const text = details.trim();
  if (text === '') return [{ path: fallbackPath, message: 'rejected without a message' }];
  const parts = text.split(/; (?=[A-Za-z_][\w.[\]-]*: )/);
  return parts.map((part) => {
    const m = /^([A-Za-z_][\w.[\]-]*): ([\s\S]*)$/.exec(part);
    return m?.[1] !== undefined && m[2] !== undefined
      ? { path: fromProtoPath(m[1]), message: m[2] }
      : { path: fallbackPath, message: part };
  });
}

// ---------------------------------------------------------------------------------------------
// Experiment
// ---------------------------------------------------------------------------------------------

/** Options of {@link experimentFromProto}. */
export interface ExperimentFromProtoOptions {
  /** Path of the message in the request, for error paths. @default 'experiment' */
  readonly path?: string;
  /**
   * Whether the experiment must have a search space (parameters or nasConfig). Suggestion
   * services need one; an early-stopping service may not care.
   * @default true
   */
  readonly requireSearchSpace?: boolean;
  /** Limits on the search space (`maxParameters`). @default DEFAULT_SUGGESTION_LIMITS */
  readonly limits?: SuggestionRequestLimits;
}

function readSettings(p: Problems, obj: Rec, key: string, path: Path): AlgorithmSetting[] {
  const out: AlgorithmSetting[] = [];
  p.repeated(obj, key, path).forEach((s, i) => {
    const at = path.child(key).index(i);
    if (!isRec(s)) {
      p.add(at, `must be a message, got ${show(s)}`);
      return;
    }
    out.push({ name: p.str(s, 'name', at), value: p.str(s, 'value', at) });
  });
  return out;
}

function readParameter(p: Problems, raw: unknown, at: Path): ParameterSpec | undefined {
  if (!isRec(raw)) {
    p.add(at, `must be a message, got ${show(raw)}`);
    return undefined;
  }
  const name = p.name(raw, 'name', at);
  const wireType = p.enumOf(raw, 'parameter_type', at, PARAMETER_TYPES, 'parameter type', [
    'DOUBLE',
    'INT',
    'DISCRETE',
    'CATEGORICAL',
  ]);
  const fs = p.msg(raw, 'feasible_space', at) ?? {};
  const fsAt = at.child('feasible_space');
  const wireDistribution = p.enumOf(fs, 'distribution', fsAt, DISTRIBUTIONS, 'distribution', DISTRIBUTIONS);
  const min = p.str(fs, 'min', fsAt);
  const max = p.str(fs, 'max', fsAt);
  const step = p.str(fs, 'step', fsAt);
  const list = p.strings(fs, 'list', fsAt);
  const parameterType = wireType ? PARAMETER_TYPE_TO_DOMAIN[wireType] : undefined;
  if (!parameterType) return undefined;
  const distribution = wireDistribution ? DISTRIBUTION_TO_DOMAIN[wireDistribution] : undefined;
  const isList = parameterType === 'categorical' || parameterType === 'discrete';
  return {
    name,
    parameterType,
    feasibleSpace: {
      ...(min !== '' ? { min } : {}),
      ...(max !== '' ? { max } : {}),
      ...(step !== '' ? { step } : {}),
      // Lists are the space of categorical/discrete parameters (an empty one is reported by the
      // validator); on double/int a non-empty list is kept so the validator can refuse it.
      ...(isList || list.length > 0 ? { list } : {}),
      ...(distribution ? { distribution } : {}),
    },
  };
}

function readParameterList(
  p: Problems,
  holder: Rec | undefined,
  at: Path,
  limits: SuggestionRequestLimits,
): ParameterSpec[] | undefined {
  if (!holder) return [];
  const raw = p.repeated(holder, 'parameters', at);
  if (raw.length > limits.maxParameters) {
    p.add(
      at.child('parameters'),
      `has ${raw.length} parameters; at most ${limits.maxParameters} are allowed`,
    );
    return undefined;
  }
  const out: ParameterSpec[] = [];
  let ok = true;
  raw.forEach((x, i) => {
    const spec = readParameter(p, x, at.child('parameters').index(i));
    if (spec) out.push(spec);
    else ok = false;
  });
  return ok ? out : undefined;
}

function readObjective(p: Problems, raw: Rec | undefined, at: Path): ObjectiveSpec | undefined {
  if (!raw) {
    p.add(at, 'must be specified');
    return undefined;
  }
  const wireType = p.enumOf(raw, 'type', at, OBJECTIVE_TYPES, 'objective type', ['MINIMIZE', 'MAXIMIZE']);
  const metric = p.name(raw, 'objective_metric_name', at);
  const additional = p.strings(raw, 'additional_metric_names', at);
  const goalRaw = own(raw, 'goal');
  let goal: number | undefined;
  if (!isNil(goalRaw)) {
    if (typeof goalRaw !== 'number' || !Number.isFinite(goalRaw)) {
      p.add(at.child('goal'), `must be a finite number, got ${show(goalRaw)}`);
    } else if (goalRaw !== 0) {
      goal = goalRaw;
    }
  }
  if (!wireType) return undefined;
  const type: ObjectiveType = wireType === 'MAXIMIZE' ? 'maximize' : 'minimize';
  return {
    type,
    objectiveMetricName: metric,
    ...(goal !== undefined ? { goal } : {}),
    ...(additional.length > 0 ? { additionalMetricNames: additional } : {}),
  };
}

function readNasConfig(
  p: Problems,
  raw: Rec,
  at: Path,
  limits: SuggestionRequestLimits,
): NasConfig | undefined {
  const graph = p.msg(raw, 'graph_config', at);
  const gAt = at.child('graph_config');
  const ints = (key: string): number[] => {
    const out: number[] = [];
    if (!graph) return out;
    p.repeated(graph, key, gAt).forEach((v, i) => {
      if (typeof v === 'number' && Number.isSafeInteger(v)) out.push(v);
      else p.add(gAt.child(key).index(i), `must be an integer, got ${show(v)}`);
    });
    return out;
  };
  const inputSizes = ints('input_sizes');
  const outputSizes = ints('output_sizes');
  const numLayers = graph ? p.int(graph, 'num_layers', gAt, 0) : 0;
  const opsHolder = p.msg(raw, 'operations', at);
  const opsAt = at.child('operations');
  const operations: { operationType: string; parameters?: readonly ParameterSpec[] }[] = [];
  let ok = true;
  if (opsHolder) {
    p.repeated(opsHolder, 'operation', opsAt).forEach((op, i) => {
      const opAt = opsAt.child('operation').index(i);
      if (!isRec(op)) {
        p.add(opAt, `must be a message, got ${show(op)}`);
        ok = false;
        return;
      }
      const operationType = p.str(op, 'operation_type', opAt);
      const params = readParameterList(
        p,
        p.msg(op, 'parameter_specs', opAt),
        opAt.child('parameter_specs'),
        limits,
      );
      if (!params) ok = false;
      operations.push({ operationType, ...(params && params.length > 0 ? { parameters: params } : {}) });
    });
  }
  if (!ok) return undefined;
  return {
    ...(graph
      ? {
          graphConfig: {
            ...(numLayers !== 0 ? { numLayers } : {}),
            ...(inputSizes.length > 0 ? { inputSizes } : {}),
            ...(outputSizes.length > 0 ? { outputSizes } : {}),
          },
        }
      : {}),
    ...(operations.length > 0 ? { operations } : {}),
  };
}

/** Reads an Experiment, adding problems to `p`; `undefined` when it could not be built. */
function readExperiment(
  p: Problems,
  raw: unknown,
  at: Path,
  opts: ExperimentFromProtoOptions,
  limits: SuggestionRequestLimits,
): Experiment | undefined {
  if (isNil(raw)) {
    p.add(at, 'must be specified');
    return undefined;
  }
  if (!isRec(raw)) {
    p.add(at, `must be a message, got ${show(raw)}`);
    return undefined;
  }
  const before = p.count;
  const name = p.name(raw, 'name', at);
  const specRaw = p.msg(raw, 'spec', at);
  const specAt = at.child('spec');
  if (!specRaw) {
    p.add(specAt, 'must be specified');
    return undefined;
  }
  const parameters = readParameterList(
    p,
    p.msg(specRaw, 'parameter_specs', specAt),
    specAt.child('parameter_specs'),
    limits,
  );
  const objective = readObjective(p, p.msg(specRaw, 'objective', specAt), specAt.child('objective'));
  const algoRaw = p.msg(specRaw, 'algorithm', specAt);
  const algoAt = specAt.child('algorithm');
  let algorithm: ExperimentSpec['algorithm'] | undefined;
  if (!algoRaw) p.add(algoAt, 'must be specified');
  else {
    const algorithmName = p.name(algoRaw, 'algorithm_name', algoAt);
    const algorithmSettings = readSettings(p, algoRaw, 'algorithm_settings', algoAt);
    algorithm = { algorithmName, algorithmSettings };
  }
  const esRaw = p.msg(specRaw, 'early_stopping', specAt);
  let earlyStopping: EarlyStoppingSpec | undefined;
  if (esRaw) {
    const esAt = specAt.child('early_stopping');
    const algorithmName = p.str(esRaw, 'algorithm_name', esAt);
    const algorithmSettings = readSettings(p, esRaw, 'algorithm_settings', esAt);
    if (algorithmName !== '') earlyStopping = { algorithmName, algorithmSettings };
  }
  const parallel = p.int(specRaw, 'parallel_trial_count', specAt, 0);
  const maxTrials = p.int(specRaw, 'max_trial_count', specAt, 0);
  const nasRaw = p.msg(specRaw, 'nas_config', specAt);
  const nasConfig = nasRaw ? readNasConfig(p, nasRaw, specAt.child('nas_config'), limits) : undefined;
  if (p.count > before || !parameters || !objective || !algorithm || (nasRaw && !nasConfig)) return undefined;

  const hasNas = (nasConfig?.operations?.length ?? 0) > 0;
  const hasSpace = parameters.length > 0 || hasNas;
  const spec: ExperimentSpec = {
    ...(parameters.length > 0 ? { parameters } : {}),
    objective,
    algorithm,
    ...(earlyStopping ? { earlyStopping } : {}),
    parallelTrialCount: parallel > 0 ? parallel : DEFAULT_PARALLEL_TRIAL_COUNT,
    ...(maxTrials > 0 ? { maxTrialCount: maxTrials } : {}),
    metricsCollectorSpec: { collector: { kind: 'StdOut' } },
    ...(nasConfig && hasNas ? { nasConfig } : {}),
    resumePolicy: 'Never',
  };
  // The search-space rules of our API validator (numbers parse, min < max, lists unique, …),
  // with their paths rewritten for the wire.
  if (opts.requireSearchSpace !== false || hasSpace) {
    const errors = validateSearchSpace(spec as unknown as Record<string, unknown>);
    p.addAll(errors.map((e) => ({ ...e, path: toProtoPath(e.path, at.toString()) })));
    if (errors.length > 0) return undefined;
  }
  return { apiVersion: KATIB_API_VERSION, kind: 'Experiment', metadata: { name }, spec };
}

/**
 * A proto `Experiment` (as decoded by loadKatibProto) as our Experiment, checked on the way: the
 * name, objective and algorithm name must be set, enums known, counts non-negative, and the search
 * space must pass our API validator's parameter rules. Defaults fill what the wire lacks (see the
 * module comment).
 *
 * @throws SpecError listing every problem, with proto paths rooted at `opts.path` (`experiment`).
 */
export function experimentFromProto(msg: unknown, opts: ExperimentFromProtoOptions = {}): Experiment {
  const p = new Problems();
  const e = readExperiment(
    p,
    msg,
    Path.root(opts.path ?? 'experiment'),
    opts,
    opts.limits ?? DEFAULT_SUGGESTION_LIMITS,
  );
  p.throwIfAny('invalid experiment');
  if (!e)
    throw new SpecError([{ path: opts.path ?? 'experiment', message: 'is not valid' }], 'invalid experiment');
  return e;
}

/** A domain ObjectiveSpec as a proto `ObjectiveSpec` (goal 0 when unset; strategies do not travel). */
export function objectiveToProto(o: ObjectiveSpec): ProtoObjectiveSpec {
  return {
    type: o.type === 'maximize' ? 'MAXIMIZE' : 'MINIMIZE',
    goal: o.goal ?? 0,
    objective_metric_name: o.objectiveMetricName,
    additional_metric_names: [...(o.additionalMetricNames ?? [])],
  };
}

/** Domain algorithm settings as proto `AlgorithmSetting`s. */
export function algorithmSettingsToProto(
  settings: readonly AlgorithmSetting[] | undefined,
): ProtoAlgorithmSetting[] {
  return (settings ?? []).map((s) => ({ name: s.name, value: s.value }));
}

/**
 * Proto `AlgorithmSetting`s as domain settings (non-string names or values become "").
 * `undefined` when there are none, as our reply types expect.
 */
export function algorithmSettingsFromProto(settings: unknown): AlgorithmSetting[] | undefined {
  if (!Array.isArray(settings) || settings.length === 0) return undefined;
  return (settings as unknown[]).filter(isRec).map((s) => ({
    name: typeof s['name'] === 'string' ? s['name'] : '',
    value: typeof s['value'] === 'string' ? s['value'] : '',
  }));
}

function parameterToProto(p: ParameterSpec): ProtoParameterSpec {
  const fs = p.feasibleSpace;
  return {
    name: p.name,
    parameter_type: PARAMETER_TYPE_TO_PROTO[p.parameterType],
    feasible_space: {
      min: fs.min ?? '',
      max: fs.max ?? '',
      step: fs.step ?? '',
      list: [...(fs.list ?? [])],
      distribution: fs.distribution ? DISTRIBUTION_TO_PROTO[fs.distribution] : 'DISTRIBUTION_UNSPECIFIED',
    },
  };
}

/**
 * Our Experiment as a proto `Experiment`, as Katib's controller sends it: parameters, objective
 * (goal 0 when unset), algorithm with settings, early stopping, counts (max 0 when unbounded),
 * nasConfig. Metric strategies, the trial template and metadata other than the name stay behind.
 */
export function experimentToProto(e: Experiment): ProtoExperiment {
  const s = e.spec;
  const nas = s.nasConfig;
  return {
    name: e.metadata.name,
    spec: {
      parameter_specs: { parameters: (s.parameters ?? []).map(parameterToProto) },
      objective: objectiveToProto(s.objective),
      algorithm: {
        algorithm_name: s.algorithm.algorithmName,
        algorithm_settings: algorithmSettingsToProto(s.algorithm.algorithmSettings),
      },
      ...(s.earlyStopping
        ? {
            early_stopping: {
              algorithm_name: s.earlyStopping.algorithmName,
              algorithm_settings: algorithmSettingsToProto(s.earlyStopping.algorithmSettings),
            },
          }
        : {}),
      parallel_trial_count: s.parallelTrialCount,
      max_trial_count: s.maxTrialCount ?? 0,
      ...(nas
        ? {
            nas_config: {
              ...(nas.graphConfig
                ? {
                    graph_config: {
                      num_layers: nas.graphConfig.numLayers ?? 0,
                      input_sizes: [...(nas.graphConfig.inputSizes ?? [])],
                      output_sizes: [...(nas.graphConfig.outputSizes ?? [])],
                    },
                  }
                : {}),
              operations: {
                operation: (nas.operations ?? []).map((op) => ({
                  operation_type: op.operationType,
                  parameter_specs: { parameters: (op.parameters ?? []).map(parameterToProto) },
                })),
              },
            },
          }
        : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Trial
// ---------------------------------------------------------------------------------------------

function readTrial(p: Problems, raw: unknown, at: Path): TrialView | undefined {
  if (!isRec(raw)) {
    p.add(at, `must be a message, got ${show(raw)}`);
    return undefined;
  }
  const before = p.count;
  const name = p.name(raw, 'name', at);
  const spec = p.msg(raw, 'spec', at) ?? {};
  const specAt = at.child('spec');
  const assignments: ParameterAssignment[] = [];
  const holder = p.msg(spec, 'parameter_assignments', specAt);
  if (holder) {
    const hAt = specAt.child('parameter_assignments');
    const list = p.repeated(holder, 'assignments', hAt);
    for (let i = 0; i < list.length; i++) {
      const a = list[i];
      // Fast path for a well-formed assignment; paths are built only to report a problem.
      if (isRec(a) && typeof a['name'] === 'string' && a['name'] !== '' && typeof a['value'] === 'string') {
        assignments.push({ name: a['name'], value: a['value'] });
        continue;
      }
      const aAt = hAt.child('assignments').index(i);
      if (!isRec(a)) p.add(aAt, `must be a message, got ${show(a)}`);
      else assignments.push({ name: p.name(a, 'name', aAt), value: p.str(a, 'value', aAt) });
    }
  }
  const labels = p.stringMap(spec, 'labels', specAt);
  const status = p.msg(raw, 'status', at) ?? {};
  const stAt = at.child('status');
  const condition = p.enumOf(
    status,
    'condition',
    stAt,
    TRIAL_CONDITIONS,
    'trial condition',
    TRIAL_CONDITIONS,
  );
  const startTime = p.str(status, 'start_time', stAt);
  const completionTime = p.str(status, 'completion_time', stAt);
  const metrics: Metric[] = [];
  const obs = p.msg(status, 'observation', stAt);
  if (obs) {
    const oAt = stAt.child('observation');
    const list = p.repeated(obs, 'metrics', oAt);
    for (let i = 0; i < list.length; i++) {
      const m = list[i];
      if (isRec(m) && typeof m['name'] === 'string' && m['name'] !== '' && typeof m['value'] === 'string') {
        const value = m['value'];
        metrics.push({ name: m['name'], min: value, max: value, latest: value });
        continue;
      }
      const mAt = oAt.child('metrics').index(i);
      if (!isRec(m)) {
        p.add(mAt, `must be a message, got ${show(m)}`);
        continue;
      }
      const metricName = p.name(m, 'name', mAt);
      const value = p.str(m, 'value', mAt);
      metrics.push({ name: metricName, min: value, max: value, latest: value });
    }
  }
  if (p.count > before || !condition) return undefined;
  const view: Mutable<TrialView> = {
    name,
    parameterAssignments: assignments,
    labels,
    phase: CONDITION_TO_PHASE[condition],
  };
  if (metrics.length > 0) view.observation = { metrics };
  if (startTime !== '') view.startTime = startTime;
  if (completionTime !== '') view.completionTime = completionTime;
  return view;
}

/**
 * A proto `Trial` as the TrialView algorithms and early stopping see: assignments and labels as
 * given, phase from the condition (CREATED and UNKNOWN → Pending), each metric's one value as its
 * min, max and latest (so any strategy picks it), times when set. An empty observation becomes
 * "no observation".
 *
 * @throws SpecError with proto paths rooted at `path` when the trial is malformed (empty name,
 *   unknown condition, wrong field types).
 */
export function trialViewFromProto(msg: unknown, path = 'trial'): TrialView {
  const p = new Problems();
  const t = readTrial(p, msg, Path.root(path));
  p.throwIfAny('invalid trial');
  if (!t) throw new SpecError([{ path, message: 'is not valid' }], 'invalid trial');
  return t;
}

/** True for a time exactly as Katib formats it, `dddd-dd-ddTdd:dd:ddZ` (no regular expression: it runs for every trial). */
function isKatibTime(t: string): boolean {
  if (
    t.length !== 20 ||
    t.charCodeAt(4) !== 45 || // -
    t.charCodeAt(7) !== 45 ||
    t.charCodeAt(10) !== 84 || // T
    t.charCodeAt(13) !== 58 || // :
    t.charCodeAt(16) !== 58 ||
    t.charCodeAt(19) !== 90 // Z
  )
    return false;
  for (const i of KATIB_TIME_DIGITS) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const KATIB_TIME_DIGITS: readonly number[] = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

/** An RFC 3339 time as Katib's controller formats it (`2006-01-02T15:04:05Z`); "" when unset. */
export function katibTime(t: string | undefined): string {
  if (t === undefined || t === '') return '';
  if (isKatibTime(t)) return t;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z') : t;
}

/**
 * A TrialView as Katib's controller sends a Trial to an algorithm (§4.3): the experiment's
 * `objective`, assignments, labels, condition from the phase, start/completion times in Katib's
 * format, and for every metric of the observation the value its strategy picks (falling back to
 * latest, else "unavailable").
 */
export function trialViewToProto(view: TrialView, objective: ObjectiveSpec): ProtoTrial {
  return trialToProto(view, objective, objectiveToProto(objective));
}

/** trialViewToProto with the objective's proto form made once per request (shared by its trials). */
function trialToProto(
  view: TrialView,
  objective: ObjectiveSpec,
  objectiveProto: ProtoObjectiveSpec,
): ProtoTrial {
  return {
    name: view.name,
    spec: {
      objective: objectiveProto,
      parameter_assignments: {
        assignments: view.parameterAssignments.map((a) => ({ name: a.name, value: a.value })),
      },
      labels: { ...view.labels },
    },
    status: {
      start_time: katibTime(view.startTime),
      completion_time: katibTime(view.completionTime),
      condition: PHASE_TO_CONDITION[view.phase],
      observation: {
        metrics: (view.observation?.metrics ?? []).map((m) => ({
          name: m.name,
          value: metricValueText({ metrics: [m] }, objective, m.name) ?? 'unavailable',
        })),
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// GetSuggestions
// ---------------------------------------------------------------------------------------------

/**
 * Checks the trials' assignments against the search space: every parameter has a value, and a
 * numeric parameter's value is a finite number (names outside the space are allowed).
 */
function checkAssignments(p: Problems, e: Experiment, trials: readonly TrialView[]): void {
  const params = e.spec.parameters ?? [];
  if (params.length === 0) return;
  const space = toSearchSpace(params);
  const at = (i: number): Path => Path.root('trials').index(i).child('spec').child('parameter_assignments');
  for (let i = 0; i < trials.length; i++) {
    const list = (trials[i] as TrialView).parameterAssignments;
    for (const ps of space) {
      let j = 0;
      while (j < list.length && (list[j] as ParameterAssignment).name !== ps.name) j++;
      const a = list[j];
      if (!a) p.add(at(i).child('assignments'), `has no value for parameter ${ps.name}`);
      else if (ps.type !== 'categorical' && !isFiniteNumberText(a.value))
        p.add(
          at(i).child('assignments').index(j).child('value'),
          `must be a finite number for ${ps.type} parameter ${ps.name}, got ${show(a.value)}`,
        );
    }
  }
}

/**
 * True for the common shape of a number's text, `[+-]digits[.digits]` with at least one digit and
 * no exponent, up to 300 characters (so it is finite): decided without parsing.
 */
function isPlainDecimal(text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 300) return false;
  let i = 0;
  const first = text.charCodeAt(0);
  if (first === 45 || first === 43) i = 1; // - +
  let digits = 0;
  let dot = false;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else return false;
  }
  return digits > 0;
}

/** True when `text` parses as a finite number (what parseParameterValue accepts), without a trim in the common case. */
export function isFiniteNumberText(text: string): boolean {
  if (isPlainDecimal(text)) return true;
  const n = Number(text);
  if (!Number.isFinite(n)) return false;
  const c = text.charCodeAt(0);
  // Number('') and Number('  ') are 0: only text starting with a blank can be blank.
  return text.length > 0 && (c > 32 || text.trim() !== '');
}

/**
 * A proto `GetSuggestionsRequest` as ours, checked: the experiment (see
 * {@link experimentFromProto}), every trial (see {@link trialViewFromProto}; names unique,
 * assignments numeric where the space is), `1 ≤ current_request_number ≤ limits.maxRequestNumber`,
 * at most `limits.maxTrials` trials. A `total_request_number` smaller than
 * `current_request_number` (0 from a client that does not set it) is taken as "the trials in the
 * request were all suggested before": `trials.length + current_request_number`.
 *
 * @throws SpecError listing every problem with its proto path (at most 50, then a count).
 */
export function suggestionsRequestFromProto(
  msg: unknown,
  limits: SuggestionRequestLimits = DEFAULT_SUGGESTION_LIMITS,
): GetSuggestionsRequest {
  const p = new Problems();
  if (!isRec(msg)) {
    p.add(Path.root('request'), 'must be a GetSuggestionsRequest message');
    p.throwIfAny('invalid GetSuggestionsRequest');
  }
  const req = msg as Rec;
  const root = Path.root('');
  const current = p.int(req, 'current_request_number', root, Number.MIN_SAFE_INTEGER);
  const total = p.int(req, 'total_request_number', root, 0);
  if (current < 1) p.add(root.child('current_request_number'), `must be at least 1, got ${current}`);
  else if (current > limits.maxRequestNumber)
    p.add(
      root.child('current_request_number'),
      `${current} is too many assignments for one request; at most ${limits.maxRequestNumber} are allowed`,
    );
  const rawTrials = p.repeated(req, 'trials', root);
  if (rawTrials.length > limits.maxTrials) {
    p.add(root.child('trials'), `has ${rawTrials.length} trials; at most ${limits.maxTrials} are allowed`);
    p.throwIfAny('request too large');
  }
  const experiment = readExperiment(p, own(req, 'experiment'), Path.root('experiment'), {}, limits);
  const trials: TrialView[] = [];
  const names = new Set<string>();
  rawTrials.forEach((raw, i) => {
    const at = Path.root('trials').index(i);
    const t = readTrial(p, raw, at);
    if (!t) return;
    if (t.name !== '' && names.has(t.name)) p.add(at.child('name'), `duplicate trial name ${show(t.name)}`);
    names.add(t.name);
    trials.push(t);
  });
  if (experiment && trials.length === rawTrials.length) checkAssignments(p, experiment, trials);
  p.throwIfAny('invalid GetSuggestionsRequest');
  if (!experiment) throw new SpecError([{ path: 'experiment', message: 'is not valid' }]);
  return {
    experiment,
    trials,
    currentRequestNumber: current,
    totalRequestNumber: total >= current ? total : trials.length + current,
  };
}

/**
 * Our GetSuggestionsRequest as Katib's controller sends it: the experiment, every trial with the
 * experiment's objective (one shared ObjectiveSpec object), the two counts. `state` does not travel (the gRPC transport carries
 * algorithm settings instead).
 */
export function suggestionsRequestToProto(req: GetSuggestionsRequest): ProtoGetSuggestionsRequest {
  const objective = req.experiment.spec.objective;
  const objectiveProto = objectiveToProto(objective);
  return {
    experiment: experimentToProto(req.experiment),
    trials: req.trials.map((t) => trialToProto(t, objective, objectiveProto)),
    current_request_number: req.currentRequestNumber,
    total_request_number: req.totalRequestNumber,
  };
}

/**
 * Our GetSuggestionsReply as a proto reply: one entry per assignment (trial name "" and labels {}
 * when the algorithm chose none), and `algorithm` = the experiment's algorithm name with the
 * settings the algorithm returned (to be merged into the Suggestion's settings and sent back on
 * the next call, Katib's way of keeping algorithm state). No early-stopping rules: Katib's
 * controller takes those from GetEarlyStoppingRules.
 */
export function suggestionsReplyToProto(
  reply: GetSuggestionsReply,
  algorithmName: string,
): ProtoGetSuggestionsReply {
  return {
    parameter_assignments: reply.assignments.map((a) => ({
      assignments: a.parameterAssignments.map((x) => ({ name: x.name, value: x.value })),
      trial_name: a.trialName ?? '',
      labels: { ...(a.labels ?? {}) },
    })),
    algorithm: {
      algorithm_name: algorithmName,
      algorithm_settings: algorithmSettingsToProto(reply.algorithmSettings),
    },
    early_stopping_rules: [],
  };
}

/**
 * A proto GetSuggestionsReply from an algorithm service as ours: assignments (empty trial name →
 * none, empty labels → none) and the reply's `algorithm.algorithm_settings` as `algorithmSettings`
 * (absent when empty). The count is not checked here (the client compares it with its request).
 *
 * @throws InternalError when the reply is malformed (the service's bug, not the user's spec).
 */
export function suggestionsReplyFromProto(msg: unknown): GetSuggestionsReply {
  const p = new Problems();
  const root = Path.root('');
  const rec: Rec = isRec(msg) ? msg : {};
  const assignments: SuggestedTrial[] = [];
  p.repeated(rec, 'parameter_assignments', root).forEach((raw, i) => {
    const at = Path.root('parameter_assignments').index(i);
    if (!isRec(raw)) {
      p.add(at, `must be a message, got ${show(raw)}`);
      return;
    }
    const parameterAssignments: ParameterAssignment[] = [];
    p.repeated(raw, 'assignments', at).forEach((a, j) => {
      const aAt = at.child('assignments').index(j);
      if (!isRec(a)) p.add(aAt, `must be a message, got ${show(a)}`);
      else parameterAssignments.push({ name: p.name(a, 'name', aAt), value: p.str(a, 'value', aAt) });
    });
    const trialName = p.str(raw, 'trial_name', at);
    const labels = p.stringMap(raw, 'labels', at);
    assignments.push({
      parameterAssignments,
      ...(trialName !== '' ? { trialName } : {}),
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
    });
  });
  const algorithm = p.msg(rec, 'algorithm', root);
  const algorithmSettings = algorithm
    ? algorithmSettingsFromProto(readSettings(p, algorithm, 'algorithm_settings', Path.root('algorithm')))
    : undefined;
  if (p.count > 0) {
    throw new InternalError(`malformed GetSuggestionsReply: ${p.list.map(formatFieldError).join('; ')}`);
  }
  return { assignments, ...(algorithmSettings ? { algorithmSettings } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Early-stopping rules (for the EarlyStopping service and its clients)
// ---------------------------------------------------------------------------------------------

/** Our EarlyStoppingRule as a proto `EarlyStoppingRule`. */
export function earlyStoppingRuleToProto(r: EarlyStoppingRule): ProtoEarlyStoppingRule {
  return {
    name: r.name,
    value: r.value,
    comparison: COMPARISON_TO_PROTO[r.comparison],
    start_step: r.startStep,
  };
}

/**
 * A proto `EarlyStoppingRule` as ours.
 * @throws SpecError (paths rooted at `path`) for an empty name, an unknown or UNKNOWN_COMPARISON
 *   comparison, or a negative start step.
 */
export function earlyStoppingRuleFromProto(msg: unknown, path = 'rule'): EarlyStoppingRule {
  const p = new Problems();
  const at = Path.root(path);
  const rec: Rec = isRec(msg) ? msg : {};
  if (!isRec(msg)) p.add(at, 'must be an EarlyStoppingRule message');
  const name = p.name(rec, 'name', at);
  const value = p.str(rec, 'value', at);
  const comparison = p.enumOf(rec, 'comparison', at, COMPARISON_TYPES, 'comparison', [
    'EQUAL',
    'LESS',
    'GREATER',
  ]);
  const startStep = p.int(rec, 'start_step', at, 0);
  p.throwIfAny('invalid early-stopping rule');
  const domain = comparison ? COMPARISON_TO_DOMAIN[comparison] : undefined;
  if (!domain) throw new SpecError([{ path: `${path}.comparison`, message: 'is not valid' }]);
  return { name, value, comparison: domain, startStep };
}
