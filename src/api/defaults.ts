/**
 * Katib's defaulting webhook (`/mutate-experiment`, katib-reference.md §2.5) on a plain JSON
 * Experiment, plus one friendly normalisation: numbers written as YAML numbers where Katib wants
 * strings become strings.
 */
import { isEmptyString, isList, isNil, isRecord, own, deepCopy, type JsonRecord } from './plain-json.js';

/** Default `spec.parallelTrialCount` (Katib §2.5 step 1). */
export const DEFAULT_PARALLEL_TRIAL_COUNT = 3;
/** Default metrics file of the File collector (Katib's `DefaultFilePath`). */
export const DEFAULT_METRICS_FILE_PATH = '/var/log/katib/metrics.log';
/** Default event directory of the TensorFlowEvent collector (Katib's `DefaultTensorflowEventDirPath`). */
export const DEFAULT_TFEVENT_DIR_PATH = '/var/log/katib/tfevent/';
/** Default scrape path of the PrometheusMetric collector. */
export const DEFAULT_PROMETHEUS_PATH = '/metrics';
/** Default scrape port of the PrometheusMetric collector. */
export const DEFAULT_PROMETHEUS_PORT = 8080;

/** GJSON success condition Katib defaults for `batch/v1` Jobs and Trainer TrainJobs. */
export const JOB_SUCCESS_CONDITION = 'status.conditions.#(type=="Complete")#|#(status=="True")#';
/** GJSON success condition Katib defaults for Kubeflow training-operator jobs (TFJob, PyTorchJob, …). */
export const KUBEFLOW_JOB_SUCCESS_CONDITION = 'status.conditions.#(type=="Succeeded")#|#(status=="True")#';
/** GJSON failure condition Katib defaults for every kind it knows. */
export const JOB_FAILURE_CONDITION = 'status.conditions.#(type=="Failed")#|#(status=="True")#';

/** Training-operator kinds that get Katib's Kubeflow defaults (§2.5 step 4). */
export const KUBEFLOW_JOB_KINDS: readonly string[] = ['TFJob', 'PyTorchJob', 'XGBoostJob', 'MPIJob'];

/** primaryPodLabels Katib defaults for training-operator jobs: only the master pod is the primary. */
export const KUBEFLOW_JOB_PRIMARY_POD_LABELS: Readonly<Record<string, string>> = {
  'training.kubeflow.org/job-role': 'master',
};

/** primaryPodLabels Katib defaults for TrainJobs: only the rank-0 pod of the `node` job is the primary. */
export const TRAINJOB_PRIMARY_POD_LABELS: Readonly<Record<string, string>> = {
  'jobset.sigs.k8s.io/replicatedjob-name': 'node',
  'batch.kubernetes.io/job-completion-index': '0',
};

/**
 * Applies Katib's defaulting webhook (§2.5) to a plain JSON Experiment and returns a deep copy;
 * the input is never changed. Where a part has the wrong shape (not an object, not a list) it is
 * left as it is, for validation to report; this function never throws.
 *
 * Defaults, in Katib's order:
 * 1. `spec.parallelTrialCount` → 3.
 * 2. `spec.resumePolicy` → `Never`.
 * 3. `spec.objective.metricStrategies`: the objective metric gets `min` (minimize), `max`
 *    (maximize) or `latest` (no valid type); every additional metric without an entry gets the
 *    same strategy (Katib's quirk, kept: see `defaultMetricStrategies`).
 * 4. Trial template by `trialSpec.kind`: success/failure conditions for `Job`, training-operator
 *    jobs and `TrainJob`, and primaryPodLabels for the latter two.
 * 5. Metrics collector: `StdOut` when unset; File, TensorFlowEvent and PrometheusMetric sources.
 * 6. `distribution` → `uniform` for every parameter (also replacing `unknown`, which Katib treats
 *    as uniform anyway).
 *
 * And one normalisation Katib does not need because its JSON decoding rejects the input instead:
 * numbers (and booleans) written unquoted where Katib's schema has strings, i.e. `feasibleSpace`
 * `min`/`max`/`step`, `feasibleSpace.list` entries and `algorithmSettings` values, become
 * `String(n)` (`min: 0.01` → `"0.01"`). `objective.goal` stays a number.
 */
export function applyDefaults(raw: unknown): unknown {
  const copy = deepCopy(raw);
  if (!isRecord(copy)) return copy;
  const spec = own(copy, 'spec');
  if (!isRecord(spec)) return copy;

  // §2.5 steps 1 and 2.
  if (isNil(own(spec, 'parallelTrialCount'))) spec['parallelTrialCount'] = DEFAULT_PARALLEL_TRIAL_COUNT;
  if (isEmptyString(own(spec, 'resumePolicy'))) spec['resumePolicy'] = 'Never';

  defaultMetricStrategies(spec);
  defaultTrialTemplate(spec);
  defaultMetricsCollector(spec);
  defaultParameters(spec);
  normaliseSettings(own(spec, 'algorithm'));
  normaliseSettings(own(spec, 'earlyStopping'));
  return copy;
}

/**
 * §2.5 step 3. Katib adds a strategy for the objective metric (`min` for minimize, `max` for
 * maximize, `latest` otherwise) and then, for every additional metric without one, the SAME
 * strategy. Katib's source comment says additional metrics should default to `latest`, but its
 * code uses the objective's direction; we keep the code's behaviour so that trials report the same
 * additional-metric values as on a cluster (documented in the README's differences section as
 * "kept on purpose").
 */
function defaultMetricStrategies(spec: JsonRecord): void {
  const objective = own(spec, 'objective');
  if (!isRecord(objective)) return;
  const objectiveName = own(objective, 'objectiveMetricName');
  if (typeof objectiveName !== 'string' || objectiveName === '') return;
  const existing = own(objective, 'metricStrategies');
  if (!isNil(existing) && !isList(existing)) return;
  const additional = own(objective, 'additionalMetricNames');
  if (!isNil(additional) && !isList(additional)) return;

  const type = own(objective, 'type');
  const strategy = type === 'minimize' ? 'min' : type === 'maximize' ? 'max' : 'latest';
  const strategies: unknown[] = [...(existing ?? [])];
  const named = new Set<string>();
  for (const s of strategies) {
    const n = own(s, 'name');
    if (typeof n === 'string') named.add(n);
  }
  for (const name of [objectiveName, ...(additional ?? [])]) {
    if (typeof name !== 'string' || name === '' || named.has(name)) continue;
    named.add(name);
    strategies.push({ name, value: strategy });
  }
  objective['metricStrategies'] = strategies;
}

/** §2.5 step 4: conditions and primary pod labels by the inline template's kind. */
function defaultTrialTemplate(spec: JsonRecord): void {
  const template = own(spec, 'trialTemplate');
  if (!isRecord(template)) return;
  const trialSpec = own(template, 'trialSpec');
  if (!isRecord(trialSpec)) return; // configMap templates are not defaulted, as in Katib
  const kind = own(trialSpec, 'kind');
  let success: string;
  let labels: Readonly<Record<string, string>> | undefined;
  if (kind === 'Job') {
    success = JOB_SUCCESS_CONDITION;
  } else if (typeof kind === 'string' && KUBEFLOW_JOB_KINDS.includes(kind)) {
    success = KUBEFLOW_JOB_SUCCESS_CONDITION;
    labels = KUBEFLOW_JOB_PRIMARY_POD_LABELS;
  } else if (kind === 'TrainJob') {
    success = JOB_SUCCESS_CONDITION;
    labels = TRAINJOB_PRIMARY_POD_LABELS;
  } else {
    return;
  }
  if (isEmptyString(own(template, 'successCondition'))) template['successCondition'] = success;
  if (isEmptyString(own(template, 'failureCondition'))) template['failureCondition'] = JOB_FAILURE_CONDITION;
  const podLabels = own(template, 'primaryPodLabels');
  if (labels && (isNil(podLabels) || (isRecord(podLabels) && Object.keys(podLabels).length === 0))) {
    template['primaryPodLabels'] = { ...labels };
  }
}

/** Returns `obj[key]` as an object, creating it when absent; `undefined` when it has another shape. */
function ensureRecord(obj: JsonRecord, key: string): JsonRecord | undefined {
  const v = own(obj, key);
  if (isNil(v)) {
    const created: JsonRecord = {};
    obj[key] = created;
    return created;
  }
  return isRecord(v) ? v : undefined;
}

/** §2.5 step 5: the metrics collector and its source. */
function defaultMetricsCollector(spec: JsonRecord): void {
  const mc = ensureRecord(spec, 'metricsCollectorSpec');
  if (!mc) return;
  if (isNil(own(mc, 'collector'))) mc['collector'] = { kind: 'StdOut' };
  const kind = own(own(mc, 'collector'), 'kind');
  if (kind !== 'PrometheusMetric' && kind !== 'File' && kind !== 'TensorFlowEvent') return;
  const source = ensureRecord(mc, 'source');
  if (!source) return;
  if (kind === 'PrometheusMetric') {
    const httpGet = ensureRecord(source, 'httpGet');
    if (!httpGet) return;
    if (isEmptyString(own(httpGet, 'path'))) httpGet['path'] = DEFAULT_PROMETHEUS_PATH;
    const port = own(httpGet, 'port');
    if (isNil(port) || port === 0 || port === '0' || port === '') httpGet['port'] = DEFAULT_PROMETHEUS_PORT;
    return;
  }
  const fsp = ensureRecord(source, 'fileSystemPath');
  if (!fsp) return;
  if (kind === 'File') {
    if (isEmptyString(own(fsp, 'kind'))) fsp['kind'] = 'File';
    if (isEmptyString(own(fsp, 'path'))) fsp['path'] = DEFAULT_METRICS_FILE_PATH;
    if (isEmptyString(own(fsp, 'format'))) fsp['format'] = 'TEXT';
  } else {
    if (isEmptyString(own(fsp, 'kind'))) fsp['kind'] = 'Directory';
    if (isEmptyString(own(fsp, 'path'))) fsp['path'] = DEFAULT_TFEVENT_DIR_PATH;
  }
}

/** A scalar Katib keeps as a string, written unquoted in YAML: `0.01` → `"0.01"`, `true` → `"true"`. */
function asKatibString(v: unknown): unknown {
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
}

/** Normalises one feasibleSpace's numbers to strings; returns it (or `undefined` if not an object). */
function normaliseFeasibleSpace(fs: unknown): JsonRecord | undefined {
  if (!isRecord(fs)) return undefined;
  for (const key of ['min', 'max', 'step']) {
    if (Object.prototype.hasOwnProperty.call(fs, key)) fs[key] = asKatibString(fs[key]);
  }
  const list = own(fs, 'list');
  if (Array.isArray(list)) {
    for (let i = 0; i < list.length; i++) list[i] = asKatibString(list[i]);
  }
  return fs;
}

/** §2.5 step 6 plus number normalisation, for `spec.parameters` and NAS operation parameters. */
function defaultParameters(spec: JsonRecord): void {
  const parameters = own(spec, 'parameters');
  if (Array.isArray(parameters)) {
    for (const p of parameters) {
      const fs = normaliseFeasibleSpace(own(p, 'feasibleSpace'));
      if (!fs) continue;
      const d = own(fs, 'distribution');
      if (isEmptyString(d) || d === 'unknown') fs['distribution'] = 'uniform';
    }
  }
  const operations = own(own(spec, 'nasConfig'), 'operations');
  if (Array.isArray(operations)) {
    for (const op of operations) {
      const ps = own(op, 'parameters');
      if (Array.isArray(ps)) for (const p of ps) normaliseFeasibleSpace(own(p, 'feasibleSpace'));
    }
  }
}

/** `algorithmSettings[].value` written as a YAML number or boolean becomes a string. */
function normaliseSettings(algorithm: unknown): void {
  const settings = own(algorithm, 'algorithmSettings');
  if (!Array.isArray(settings)) return;
  for (const s of settings) {
    if (isRecord(s) && Object.prototype.hasOwnProperty.call(s, 'value'))
      s['value'] = asKatibString(s['value']);
  }
}
