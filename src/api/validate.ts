/**
 * Katib's validating webhook (`/validate-experiment`, katib-reference.md §2.6) as a pure function,
 * plus the checks Katib forgets (numbers parse, ranges are ordered, names unique, …), and
 * `parseExperiment`, which defaults, validates and types an Experiment in one call.
 *
 * Every broken rule is reported at once, each as a FieldError with Katib's field path, except
 * where Katib itself stops (a broken objective, and the trial template's stop points).
 */
import { applyDefaults } from './defaults.js';
import { SpecError } from './errors.js';
import { KATIB_API_VERSION, type Experiment, type ExperimentSpec } from './experiment.js';
import { FieldPath, type FieldError } from './field-error.js';
import {
  checkKnownFields,
  checkOptionalString,
  checkStringMap,
  duplicate,
  OBJECT_META_FIELDS,
  required,
  SPEC,
  wrongType,
} from './field-rules.js';
import {
  deepEqual,
  isEmptyString,
  isNil,
  isPlainObject,
  isRecord,
  own,
  setOwn,
  show,
  typeName,
  type JsonRecord,
} from './plain-json.js';
import { validateMetricsCollector } from './validate-metrics-collector.js';
import { validateSearchSpace } from './validate-parameters.js';
import { validateTrialTemplate } from './validate-trial-template.js';

export { compileMetricsFormat } from './validate-metrics-collector.js';
export type { ValidationMode } from './validate-trial-template.js';

/** Options of `validateExperiment` and `parseExperiment`. */
export interface ValidationOptions {
  /**
   * 'embedded' adds the local-run checks: the primary container must exist in trialSpec and have
   * a non-empty `command` (embedded mode cannot run an image's entrypoint); configMap trial
   * templates are not supported in embedded mode (clear error at spec.trialTemplate.configMap).
   * @default 'embedded'
   */
  readonly mode?: 'embedded' | 'cluster';
  /**
   * Validates spec.algorithm (name known, settings valid) — supplied by the algorithm registry;
   * called only when the algorithm field is structurally present (an object with a non-empty
   * `algorithmName` and well-formed `algorithmSettings`). It is also called only when the
   * objective and the search space (`spec.parameters` / `spec.nasConfig`) have no errors, so it
   * may rely on `toSearchSpace(spec.parameters)`. An exception it throws is reported as an error
   * at `spec.algorithm`, never thrown.
   */
  readonly validateAlgorithm?: (spec: ExperimentSpec) => readonly FieldError[];
  /** Known early-stopping algorithm names; when given, others are rejected at spec.earlyStopping.algorithmName. */
  readonly earlyStoppingAlgorithms?: readonly string[];
  /**
   * For updates (Katib rule 3): the stored experiment; only parallelTrialCount, maxTrialCount,
   * maxFailedTrialCount may change, restart rules.
   */
  readonly oldExperiment?: Experiment;
}

/** Katib's name rule (rule 1), anchored at both ends (Katib's regex is not anchored at the end). */
const EXPERIMENT_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** Longest experiment name (rule 1): trial names add 9 characters and must stay ≤ 63 (DNS label). */
export const MAX_EXPERIMENT_NAME_LENGTH = 40;
/** Largest count Katib's int32 fields hold. */
const INT32_MAX = 2147483647;
/** Fields of Katib's ExperimentSpec (§2.2). */
const SPEC_FIELDS = [
  'parameters',
  'objective',
  'algorithm',
  'earlyStopping',
  'trialTemplate',
  'parallelTrialCount',
  'maxTrialCount',
  'maxFailedTrialCount',
  'metricsCollectorSpec',
  'nasConfig',
  'resumePolicy',
];
/** Spec fields an update may change (rule 3). */
const EDITABLE_FIELDS = ['parallelTrialCount', 'maxTrialCount', 'maxFailedTrialCount'];

/**
 * Checks an Experiment (a plain JSON object, as parsed from YAML or JSON) against every rule of
 * Katib's validating webhook (§2.6, rules 1–11; the namespace label of rule 0 and the
 * PersistentVolume check of rule 12 have no meaning here) and the rules Katib forgets. The
 * Experiment is checked as it will be after `applyDefaults` (applied here on a copy), so fields
 * with defaults may be absent.
 *
 * Returns every error at once (empty when valid), except that a broken objective (rule 4) stops
 * the checks as in Katib. Each error's path starts with `apiVersion`, `kind`, `metadata` or
 * `spec`. Never throws, whatever the input.
 */
export function validateExperiment(raw: unknown, opts: ValidationOptions = {}): FieldError[] {
  return validateDefaulted(applyDefaults(raw), opts);
}

/**
 * Applies defaults (`applyDefaults`), validates (`validateExperiment`) and returns the typed
 * Experiment, without `status`. `null` values in the spec are dropped (Kubernetes decodes `null`
 * as "unset").
 *
 * @throws SpecError listing every broken rule when the Experiment is invalid.
 */
export function parseExperiment(raw: unknown, opts: ValidationOptions = {}): Experiment {
  const doc = applyDefaults(raw);
  const errors = validateDefaulted(doc, opts);
  if (errors.length > 0) {
    const name = own(own(doc, 'metadata'), 'name');
    throw new SpecError(
      errors,
      typeof name === 'string' && name !== '' ? `invalid Experiment "${name}"` : 'invalid Experiment',
    );
  }
  const out: JsonRecord = {};
  for (const [k, v] of Object.entries(doc as JsonRecord)) {
    if (k !== 'status') setOwn(out, k, dropNulls(v));
  }
  return out as unknown as Experiment;
}

/**
 * Removes entries whose value is `null` from plain objects, deeply (lists keep their `null`s).
 * Only plain objects and lists are touched (they are the copies `applyDefaults` made); cycles are
 * visited once.
 */
function dropNulls(v: unknown, seen = new Set<object>()): unknown {
  if (typeof v !== 'object' || v === null || seen.has(v)) return v;
  seen.add(v);
  if (Array.isArray(v)) {
    for (const x of v) dropNulls(x, seen);
  } else if (isPlainObject(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else dropNulls(v[k], seen);
    }
  }
  return v;
}

/** Validation of an already defaulted document. */
function validateDefaulted(doc: unknown, opts: ValidationOptions): FieldError[] {
  if (!isRecord(doc)) {
    return [
      FieldPath.root('kind').error(
        `must be an Experiment object (apiVersion: ${KATIB_API_VERSION}, kind: Experiment), got ${typeName(doc)}`,
      ),
    ];
  }
  const errs: FieldError[] = [];
  const apiVersion = own(doc, 'apiVersion');
  if (isEmptyString(apiVersion))
    errs.push(required(FieldPath.root('apiVersion'), `must be ${KATIB_API_VERSION}`));
  else if (apiVersion !== KATIB_API_VERSION)
    errs.push(
      FieldPath.root('apiVersion').error(`must be ${KATIB_API_VERSION}, got ${show(apiVersion)}`, apiVersion),
    );
  const kind = own(doc, 'kind');
  if (isEmptyString(kind)) errs.push(required(FieldPath.root('kind'), 'must be Experiment'));
  else if (kind !== 'Experiment')
    errs.push(FieldPath.root('kind').error(`must be Experiment, got ${show(kind)}`, kind));

  errs.push(...validateMetadata(own(doc, 'metadata')));

  const spec = own(doc, 'spec');
  if (isNil(spec)) {
    // Unknown top-level fields cannot be reported at their own path (it must start with spec,
    // metadata, apiVersion or kind); name them here, where a misspelt `spec` shows.
    const unknown = Object.keys(doc).filter(
      (k) => !['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(k),
    );
    return [
      ...errs,
      required(
        SPEC,
        unknown.length > 0 ? `found unknown top-level fields ${unknown.map(show).join(', ')}` : undefined,
      ),
    ];
  }
  if (!isRecord(spec)) return [...errs, wrongType(SPEC, 'an object', spec)];

  errs.push(...checkKnownFields(spec, SPEC_FIELDS, SPEC));
  errs.push(...validateCounts(spec));
  if (opts.oldExperiment) errs.push(...validateUpdate(spec, opts.oldExperiment));
  const objective = validateObjective(spec);
  errs.push(...objective.errors);
  if (objective.stop) return errs;

  const searchSpace = validateSearchSpace(spec);
  errs.push(...validateAlgorithm(spec, opts, searchSpace.length === 0));
  errs.push(...validateEarlyStopping(spec, opts));
  errs.push(...validateResumePolicy(spec));
  errs.push(...validateTrialTemplate(spec, opts.mode ?? 'embedded'));
  errs.push(...searchSpace);
  errs.push(...validateMetricsCollector(spec));
  return errs;
}

/** Rule 1 (name, anchored, ≤ 40) and the types of namespace, labels and annotations. */
function validateMetadata(metadata: unknown): FieldError[] {
  const path = FieldPath.root('metadata');
  if (isNil(metadata)) return [required(path, 'metadata.name must be specified')];
  if (!isRecord(metadata)) return [wrongType(path, 'an object', metadata)];
  const errs: FieldError[] = checkKnownFields(metadata, OBJECT_META_FIELDS, path);
  const namePath = path.child('name');
  const name = own(metadata, 'name');
  if (isEmptyString(name)) {
    errs.push(required(namePath));
  } else if (typeof name !== 'string') {
    errs.push(wrongType(namePath, 'a string', name));
  } else {
    if (!EXPERIMENT_NAME.test(name)) {
      errs.push(
        namePath.error(
          "name must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name' or 'abc-123', regex used for validation is '^[a-z]([-a-z0-9]*[a-z0-9])?$')",
          name,
        ),
      );
    }
    if (name.length > MAX_EXPERIMENT_NAME_LENGTH) {
      errs.push(namePath.error(`name must be no more than ${MAX_EXPERIMENT_NAME_LENGTH} characters`, name));
    }
  }
  errs.push(...checkOptionalString(own(metadata, 'namespace'), path.child('namespace')));
  errs.push(...checkStringMap(own(metadata, 'labels'), path.child('labels')));
  errs.push(...checkStringMap(own(metadata, 'annotations'), path.child('annotations')));
  return errs;
}

/** A count field: absent, or an integer that fits Katib's int32. Returns the number when valid. */
function countField(spec: JsonRecord, key: string, errs: FieldError[]): number | undefined {
  const v = own(spec, key);
  if (isNil(v)) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    errs.push(SPEC.child(key).error(`must be an integer, got ${show(v)}`, v));
    return undefined;
  }
  if (Math.abs(v) > INT32_MAX) {
    errs.push(SPEC.child(key).error(`must be at most ${INT32_MAX}`, v));
    return undefined;
  }
  return v;
}

/** Rule 2: trial counts, in Katib's order, after our integer check. */
function validateCounts(spec: JsonRecord): FieldError[] {
  const errs: FieldError[] = [];
  const maxFailed = countField(spec, 'maxFailedTrialCount', errs);
  const maxTrials = countField(spec, 'maxTrialCount', errs);
  const parallel = countField(spec, 'parallelTrialCount', errs);
  if (maxFailed !== undefined && maxFailed < 0) {
    errs.push(SPEC.child('maxFailedTrialCount').error('should not be less than 0', maxFailed));
  }
  if (maxTrials !== undefined && maxTrials <= 0) {
    errs.push(SPEC.child('maxTrialCount').error('must be greater than 0', maxTrials));
  }
  if (parallel !== undefined && parallel <= 0) {
    errs.push(SPEC.child('parallelTrialCount').error('must be greater than 0', parallel));
  }
  if (maxTrials !== undefined && maxFailed !== undefined && maxFailed > maxTrials) {
    errs.push(
      SPEC.child('maxFailedTrialCount').error(
        'should be less than or equal to spec.maxTrialCount',
        maxFailed,
      ),
    );
  }
  if (maxTrials !== undefined && parallel !== undefined && parallel > maxTrials) {
    errs.push(
      SPEC.child('parallelTrialCount').error('should be less than or equal to spec.maxTrialCount', parallel),
    );
  }
  return errs;
}

/** True when the stored experiment has condition `type` with status True (and `reason`, if given). */
function hasTrueCondition(old: Experiment, type: string, reason?: string): boolean {
  const conditions: unknown = own(own(old, 'status'), 'conditions');
  if (!Array.isArray(conditions)) return false;
  return conditions.some(
    (c: unknown) =>
      own(c, 'type') === type &&
      own(c, 'status') === 'True' &&
      (reason === undefined || own(c, 'reason') === reason),
  );
}

/**
 * Rule 3, when the spec changed: a completed experiment may only be changed when restartable
 * (succeeded by reaching maxTrialCount, with resumePolicy LongRunning or FromVolume);
 * maxTrialCount must exceed the trials already created; only the three counts are editable.
 */
function validateUpdate(spec: JsonRecord, old: Experiment): FieldError[] {
  const oldSpec: unknown = own(old, 'spec');
  if (deepEqual(spec, oldSpec)) return [];
  const errs: FieldError[] = [];
  const completed = hasTrueCondition(old, 'Succeeded') || hasTrueCondition(old, 'Failed');
  const policy = own(oldSpec, 'resumePolicy');
  const restartable =
    hasTrueCondition(old, 'Succeeded', 'ExperimentMaxTrialsReached') &&
    (policy === 'LongRunning' || policy === 'FromVolume');
  if (completed && !restartable) {
    errs.push(
      SPEC.child('resumePolicy').error(
        'Experiment can be restarted if it is in succeeded state by reaching max trials and spec.resumePolicy = LongRunning or spec.resumePolicy = FromVolume, when experiment is completed',
      ),
    );
  }
  const maxTrials = own(spec, 'maxTrialCount');
  const trialsRaw = own(own(old, 'status'), 'trials');
  const trials = typeof trialsRaw === 'number' ? trialsRaw : 0;
  if (typeof maxTrials === 'number' && maxTrials <= trials) {
    errs.push(
      SPEC.child('maxTrialCount').error(`must be greater than status.trials count (${trials})`, maxTrials),
    );
  }
  const keys = new Set([...Object.keys(spec), ...(isRecord(oldSpec) ? Object.keys(oldSpec) : [])]);
  const changed = [...keys].filter(
    (k) => !EDITABLE_FIELDS.includes(k) && !deepEqual(own(spec, k), own(oldSpec, k)),
  );
  if (changed.length > 0) {
    errs.push(
      SPEC.error(
        `Forbidden: only spec.parallelTrialCount, spec.maxTrialCount and spec.maxFailedTrialCount are editable (changed: ${changed.map((k) => `spec.${k}`).join(', ')})`,
      ),
    );
  }
  return errs;
}

/**
 * Rule 4 (Katib's checks stop validation when they fail) and our objective checks (goal finite,
 * additional metrics unique, metricStrategies well-formed; these do not stop).
 */
function validateObjective(spec: JsonRecord): { errors: FieldError[]; stop: boolean } {
  const path = SPEC.child('objective');
  const objective = own(spec, 'objective');
  if (isNil(objective)) return { errors: [required(path)], stop: true };
  if (!isRecord(objective)) return { errors: [wrongType(path, 'an object', objective)], stop: true };
  const katib: FieldError[] = [];
  const extra: FieldError[] = checkKnownFields(
    objective,
    ['type', 'goal', 'objectiveMetricName', 'additionalMetricNames', 'metricStrategies'],
    path,
  );
  const type = own(objective, 'type');
  if (type !== 'minimize' && type !== 'maximize')
    katib.push(path.child('type').error('must be minimize or maximize', type));
  const name = own(objective, 'objectiveMetricName');
  if (isEmptyString(name)) katib.push(required(path.child('objectiveMetricName')));
  else if (typeof name !== 'string')
    katib.push(wrongType(path.child('objectiveMetricName'), 'a string', name));
  const additional = own(objective, 'additionalMetricNames');
  const addPath = path.child('additionalMetricNames');
  if (Array.isArray(additional) && typeof name === 'string' && additional.includes(name)) {
    katib.push(addPath.error('additionalMetricNames should not contain objective metric name', name));
  }

  const goal = own(objective, 'goal');
  if (!isNil(goal) && (typeof goal !== 'number' || !Number.isFinite(goal))) {
    extra.push(path.child('goal').error(`must be a finite number, got ${show(goal)}`, goal));
  }
  const metricNames = new Set<string>(typeof name === 'string' ? [name] : []);
  if (!isNil(additional)) {
    if (!Array.isArray(additional)) {
      extra.push(wrongType(addPath, 'a list of metric names', additional));
    } else {
      const seen = new Set<string>();
      additional.forEach((m: unknown, i) => {
        if (isEmptyString(m)) extra.push(required(addPath.index(i)));
        else if (typeof m !== 'string') extra.push(wrongType(addPath.index(i), 'a string', m));
        else {
          if (seen.has(m)) extra.push(duplicate(addPath.index(i), m));
          seen.add(m);
          metricNames.add(m);
        }
      });
    }
  }
  const strategies = own(objective, 'metricStrategies');
  const msPath = path.child('metricStrategies');
  if (!isNil(strategies)) {
    if (!Array.isArray(strategies)) {
      extra.push(wrongType(msPath, 'a list', strategies));
    } else {
      const seen = new Set<string>();
      strategies.forEach((s: unknown, i) => {
        const at = msPath.index(i);
        if (!isRecord(s)) {
          extra.push(wrongType(at, 'an object with name and value', s));
          return;
        }
        extra.push(...checkKnownFields(s, ['name', 'value'], at));
        const n = own(s, 'name');
        if (isEmptyString(n)) extra.push(required(at.child('name')));
        else if (typeof n !== 'string') extra.push(wrongType(at.child('name'), 'a string', n));
        else if (seen.has(n)) extra.push(duplicate(at.child('name'), n));
        else if (!metricNames.has(n)) {
          extra.push(
            at
              .child('name')
              .error(
                `must be spec.objective.objectiveMetricName or one of spec.objective.additionalMetricNames, got ${show(n)}`,
                n,
              ),
          );
        }
        if (typeof n === 'string') seen.add(n);
        const v = own(s, 'value');
        if (v !== 'min' && v !== 'max' && v !== 'latest')
          extra.push(at.child('value').error('must be min, max or latest', v));
      });
    }
  }
  return { errors: [...katib, ...extra], stop: katib.length > 0 };
}

/** Settings lists of algorithm and early stopping: objects with a non-empty name and a string value. */
function validateSettings(settings: unknown, path: FieldPath): FieldError[] {
  if (isNil(settings)) return [];
  if (!Array.isArray(settings)) return [wrongType(path, 'a list of {name, value}', settings)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  settings.forEach((s: unknown, i) => {
    const at = path.index(i);
    if (!isRecord(s)) {
      errs.push(wrongType(at, 'an object with name and value', s));
      return;
    }
    errs.push(...checkKnownFields(s, ['name', 'value'], at));
    const name = own(s, 'name');
    if (isEmptyString(name)) errs.push(required(at.child('name')));
    else if (typeof name !== 'string') errs.push(wrongType(at.child('name'), 'a string', name));
    else {
      if (seen.has(name)) errs.push(duplicate(at.child('name'), name));
      seen.add(name);
    }
    errs.push(...checkOptionalString(own(s, 'value'), at.child('value')));
  });
  return errs;
}

/** Rule 5: algorithm name set, settings well-formed, then the registry's own check. */
function validateAlgorithm(spec: JsonRecord, opts: ValidationOptions, searchSpaceOk: boolean): FieldError[] {
  const path = SPEC.child('algorithm');
  const algorithm = own(spec, 'algorithm');
  if (isNil(algorithm)) return [required(path)];
  if (!isRecord(algorithm)) return [wrongType(path, 'an object', algorithm)];
  const errs: FieldError[] = checkKnownFields(algorithm, ['algorithmName', 'algorithmSettings'], path);
  const name = own(algorithm, 'algorithmName');
  if (isEmptyString(name)) errs.push(required(path.child('algorithmName')));
  else errs.push(...checkOptionalString(name, path.child('algorithmName')));
  errs.push(...validateSettings(own(algorithm, 'algorithmSettings'), path.child('algorithmSettings')));
  if (errs.length > 0 || !searchSpaceOk || !opts.validateAlgorithm) return errs;
  let reported: unknown;
  try {
    reported = opts.validateAlgorithm(spec as unknown as ExperimentSpec);
  } catch (e) {
    return [path.error(`algorithm validation failed: ${e instanceof Error ? e.message : show(e)}`)];
  }
  if (!Array.isArray(reported)) return [];
  return reported.map((e: unknown): FieldError => {
    const p = own(e, 'path');
    const m = own(e, 'message');
    const at = typeof p === 'string' && /^(spec|metadata|apiVersion|kind)\b/.test(p) ? p : path.toString();
    const message = typeof m === 'string' && m !== '' ? m : show(e);
    const value = own(e, 'value');
    return value === undefined ? { path: at, message } : { path: at, message, value };
  });
}

/** Rule 6: when early stopping is set, its algorithm name is set and known. */
function validateEarlyStopping(spec: JsonRecord, opts: ValidationOptions): FieldError[] {
  const path = SPEC.child('earlyStopping');
  const es = own(spec, 'earlyStopping');
  if (isNil(es)) return [];
  if (!isRecord(es)) return [wrongType(path, 'an object', es)];
  const errs: FieldError[] = checkKnownFields(es, ['algorithmName', 'algorithmSettings'], path);
  const name = own(es, 'algorithmName');
  const namePath = path.child('algorithmName');
  if (isEmptyString(name)) errs.push(required(namePath));
  else if (typeof name !== 'string') errs.push(wrongType(namePath, 'a string', name));
  else if (opts.earlyStoppingAlgorithms && !opts.earlyStoppingAlgorithms.includes(name)) {
    errs.push(
      namePath.error(
        `unknown early stopping algorithm ${show(name)}; known: ${opts.earlyStoppingAlgorithms.join(', ') || '(none)'}`,
        name,
      ),
    );
  }
  errs.push(...validateSettings(own(es, 'algorithmSettings'), path.child('algorithmSettings')));
  return errs;
}

/** Rule 7: resumePolicy is Never, LongRunning or FromVolume (empty is defaulted to Never). */
function validateResumePolicy(spec: JsonRecord): FieldError[] {
  const v = own(spec, 'resumePolicy');
  if (isEmptyString(v) || v === 'Never' || v === 'LongRunning' || v === 'FromVolume') return [];
  return [
    SPEC.child('resumePolicy').error('invalid ResumePolicyType: must be Never, LongRunning or FromVolume', v),
  ];
}
