/**
 * Trial templates (katib-reference.md §3): finding the primary container in a workload manifest,
 * and turning the template plus one assignment into the trial's run spec.
 *
 * Unlike Katib, which replaces `${trialParameters.x}` in the template's JSON text (so a value with
 * a quote or backslash breaks the JSON), substitution here walks the object and replaces inside
 * strings only: a value can never change the manifest's structure.
 */
import { SpecError } from './errors.js';
import type { ParameterAssignment, TrialParameterSpec } from './experiment.js';
import { FieldPath, type FieldError } from './field-error.js';
import { isPlainObject, isRecord, own, setOwn, show, type JsonRecord } from './plain-json.js';

/** The parts of a Kubernetes container a local run needs (a subset of `corev1.Container`). */
export interface ContainerSpec {
  name: string;
  command?: string[];
  args?: string[];
  /** Only literal values; entries with `valueFrom` keep their name and no value. */
  env?: { name: string; value?: string }[];
  workingDir?: string;
  image?: string;
}

/** Katib's placeholder: `${trialParameters.<name>}` (its leftover regex is `\$\{trialParameters\..+?\}`). */
const PLACEHOLDER = /\$\{trialParameters\.(.+?)\}/g;

/** The keys a trial parameter may reference from the trial's metadata (Katib's `TrialTemplateMetaKeys`). */
export type TrialMetadataKey = 'Name' | 'Namespace' | 'Kind' | 'APIVersion' | 'Labels' | 'Annotations';

/** A parsed `${trialSpec.<key>}` reference. `mapKey` is set for `Labels[k]` and `Annotations[k]`. */
export interface TrialMetadataReference {
  readonly key: TrialMetadataKey;
  readonly mapKey?: string;
}

/**
 * Parses a trial parameter's `reference` as a trial metadata reference:
 * `${trialSpec.Name}`, `${trialSpec.Namespace}`, `${trialSpec.Kind}`, `${trialSpec.APIVersion}`,
 * `${trialSpec.Labels[<key>]}` or `${trialSpec.Annotations[<key>]}`.
 * Returns `undefined` when the reference is not of the `${trialSpec.…}` form at all (so it names a
 * parameter), and `'invalid'` when it is of that form but names no known key.
 */
export function parseTrialMetadataReference(
  reference: string,
): TrialMetadataReference | 'invalid' | undefined {
  const m = /^\$\{trialSpec\.(.+)\}$/.exec(reference);
  if (!m) return undefined;
  const body = m[1] ?? '';
  if (body === 'Name' || body === 'Namespace' || body === 'Kind' || body === 'APIVersion')
    return { key: body };
  const indexed = /^(Labels|Annotations)\[(.+)\]$/.exec(body);
  if (indexed) return { key: indexed[1] as 'Labels' | 'Annotations', mapKey: indexed[2] ?? '' };
  return 'invalid';
}

/**
 * Every trial parameter name used as `${trialParameters.<name>}` in the template (in string values
 * and object keys), unique, in order of first appearance. Never throws; cycles are visited once.
 */
export function trialTemplatePlaceholders(template: unknown): string[] {
  const found = new Set<string>();
  const scan = (s: string): void => {
    for (const m of s.matchAll(PLACEHOLDER)) found.add(m[1] ?? '');
  };
  walkStrings(template, scan);
  return [...found];
}

/** Placeholders of templates that cannot change (frozen, as every stored experiment's is). */
const frozenTemplatePlaceholders = new WeakMap<object, readonly string[]>();

/** {@link trialTemplatePlaceholders}, kept with a frozen template: trials of one experiment share it. */
function placeholdersOf(template: unknown): readonly string[] {
  if (typeof template !== 'object' || template === null || !Object.isFrozen(template))
    return trialTemplatePlaceholders(template);
  let found = frozenTemplatePlaceholders.get(template);
  if (found === undefined) {
    found = trialTemplatePlaceholders(template);
    frozenTemplatePlaceholders.set(template, found);
  }
  return found;
}

/** Calls `visit` on every string leaf and object key under `v`, each object once. */
function walkStrings(v: unknown, visit: (s: string) => void): void {
  const seen = new Set<object>();
  const walk = (x: unknown): void => {
    if (typeof x === 'string') {
      visit(x);
      return;
    }
    if (typeof x !== 'object' || x === null || seen.has(x)) return;
    seen.add(x);
    if (Array.isArray(x)) {
      for (const e of x) walk(e);
      return;
    }
    for (const k of Object.keys(x)) {
      visit(k);
      walk((x as JsonRecord)[k]);
    }
  };
  walk(v);
}

/** Where a container sits in a manifest: path segments below the manifest root. */
export interface LocatedContainer {
  /** The raw container object (for TrainJob: `spec.trainer`, or `{}` when absent). */
  readonly raw: JsonRecord;
  readonly name: string;
  /** Path segments from the manifest root, e.g. `['spec','template','spec','containers',0]`. */
  readonly path: readonly (string | number)[];
}

/** Replica types whose containers are looked at first (the pod Katib's primaryPodLabels select). */
const PRIMARY_REPLICAS = ['Master', 'Chief', 'Launcher'];

/** True for a Kubeflow Trainer TrainJob manifest (`trainer.kubeflow.org/*`, kind TrainJob). */
function isTrainJob(runSpec: JsonRecord): boolean {
  const apiVersion = own(runSpec, 'apiVersion');
  return (
    own(runSpec, 'kind') === 'TrainJob' &&
    typeof apiVersion === 'string' &&
    apiVersion.startsWith('trainer.kubeflow.org/')
  );
}

/**
 * Every container of a workload manifest, in the order a primary container is searched:
 * - Trainer `TrainJob`: the single container `node`, whose fields are `spec.trainer`
 *   (`image`, `command`, `args`, `env`), as Trainer applies them to the runtime's `node` container;
 * - everything else: every `containers` list found by a depth-first walk (batch/v1 Job
 *   `spec.template.spec.containers`, PyTorchJob/TFJob/XGBoostJob/MPIJob `spec.*ReplicaSpecs.<type>
 *   .template.spec.containers` with Master, Chief and Launcher replicas first, JobSets, …).
 * Only entries that are objects with a string `name` are returned. Never throws.
 */
export function listContainers(runSpec: unknown): LocatedContainer[] {
  if (!isRecord(runSpec)) return [];
  if (isTrainJob(runSpec)) {
    const trainer = own(own(runSpec, 'spec'), 'trainer');
    return [{ raw: isRecord(trainer) ? trainer : {}, name: 'node', path: ['spec', 'trainer'] }];
  }
  const out: LocatedContainer[] = [];
  const seen = new Set<object>();
  const walk = (x: unknown, path: (string | number)[], parentKey: string | undefined): void => {
    if (typeof x !== 'object' || x === null || seen.has(x)) return;
    seen.add(x);
    if (Array.isArray(x)) {
      x.forEach((e, i) => {
        if (parentKey === 'containers' && isRecord(e) && typeof own(e, 'name') === 'string') {
          out.push({ raw: e, name: own(e, 'name') as string, path: [...path, i] });
        } else {
          walk(e, [...path, i], undefined);
        }
      });
      return;
    }
    let keys = Object.keys(x);
    if (parentKey?.endsWith('ReplicaSpecs')) {
      const first = PRIMARY_REPLICAS.filter((k) => keys.includes(k));
      keys = [...first, ...keys.filter((k) => !PRIMARY_REPLICAS.includes(k))];
    }
    for (const k of keys) walk((x as JsonRecord)[k], [...path, k], k);
  };
  walk(runSpec, [], undefined);
  return out;
}

/** Converts a raw container object to a ContainerSpec, keeping only well-typed fields. */
function toContainerSpec(name: string, raw: JsonRecord): ContainerSpec {
  const c: ContainerSpec = { name };
  const strings = (v: unknown): string[] | undefined =>
    Array.isArray(v) && v.every((s: unknown): s is string => typeof s === 'string') ? [...v] : undefined;
  const command = strings(own(raw, 'command'));
  if (command) c.command = command;
  const args = strings(own(raw, 'args'));
  if (args) c.args = args;
  const env = own(raw, 'env');
  if (Array.isArray(env)) {
    c.env = [];
    for (const e of env) {
      const n = own(e, 'name');
      if (typeof n !== 'string') continue;
      const value = own(e, 'value');
      c.env.push(typeof value === 'string' ? { name: n, value } : { name: n });
    }
  }
  const workingDir = own(raw, 'workingDir');
  if (typeof workingDir === 'string') c.workingDir = workingDir;
  const image = own(raw, 'image');
  if (typeof image === 'string') c.image = image;
  return c;
}

/** The located primary container (see `listContainers` for the search order), or `undefined`. */
export function locatePrimaryContainer(
  runSpec: unknown,
  primaryContainerName: string,
): LocatedContainer | undefined {
  return listContainers(runSpec).find((c) => c.name === primaryContainerName);
}

/**
 * The primary container of a workload manifest (a trial template or a trial's run spec), by
 * name: batch/v1 Job, Trainer TrainJob (the `node` container is `spec.trainer`), PyTorchJob,
 * TFJob, XGBoostJob, MPIJob (any replica, Master/Chief/Launcher first) or any manifest with a
 * `containers` list somewhere. `undefined` when no container has that name. Never throws.
 */
export function findPrimaryContainer(
  runSpec: Record<string, unknown>,
  primaryContainerName: string,
): ContainerSpec | undefined {
  const located = locatePrimaryContainer(runSpec, primaryContainerName);
  return located ? toContainerSpec(located.name, located.raw) : undefined;
}

/** What `substituteTrialTemplate` needs to build one trial's run spec. */
export interface TrialTemplateInput {
  /** The experiment's `spec.trialTemplate.trialSpec` (not changed). */
  readonly template: Record<string, unknown>;
  readonly trialParameters: readonly TrialParameterSpec[];
  /** The trial's assignment (Katib's `parameterAssignments`). */
  readonly assignments: readonly ParameterAssignment[];
  readonly trialName: string;
  readonly namespace: string;
}

const TRIAL_PARAMETERS_PATH = FieldPath.root('spec').child('trialTemplate').child('trialParameters');

/** The value a metadata reference stands for, or an error message when the template lacks it. */
function resolveMetadata(
  ref: TrialMetadataReference,
  input: TrialTemplateInput,
): { value: string } | { error: string } {
  const t = input.template;
  switch (ref.key) {
    case 'Name':
      return { value: input.trialName };
    case 'Namespace':
      return { value: input.namespace };
    case 'Kind':
    case 'APIVersion': {
      const v = own(t, ref.key === 'Kind' ? 'kind' : 'apiVersion');
      return typeof v === 'string'
        ? { value: v }
        : {
            error: `illegal reference of trial metadata: the template has no ${ref.key === 'Kind' ? 'kind' : 'apiVersion'}`,
          };
    }
    case 'Labels':
    case 'Annotations': {
      const field = ref.key === 'Labels' ? 'labels' : 'annotations';
      const v = own(own(own(t, 'metadata'), field), ref.mapKey ?? '');
      return typeof v === 'string'
        ? { value: v }
        : {
            error: `illegal reference of trial metadata: the template has no metadata.${field}[${ref.mapKey ?? ''}]`,
          };
    }
  }
}

/**
 * Builds one trial's run spec from the template, with Katib's semantics (§3):
 * 1. each trial parameter's value is its reference's value: a metadata reference
 *    (`${trialSpec.Name}` = `trialName`, `${trialSpec.Namespace}` = `namespace`, `Kind`,
 *    `APIVersion`, `Labels[k]`, `Annotations[k]` from the template object), otherwise the
 *    assignment whose name equals the reference;
 * 2. every `${trialParameters.<name>}` in the template's strings (values and keys) becomes that
 *    value; inserted values are not scanned again;
 * 3. `metadata.name` = `trialName`, `metadata.namespace` = `namespace`.
 * Returns a new object; the template is not changed.
 *
 * @throws SpecError when a reference has no assignment or names missing metadata (path
 *   `spec.trialTemplate.trialParameters[i].reference`), when an assignment is referenced by no
 *   trial parameter (Katib's "unable to find parameter from ParameterAssignment in
 *   TrialParameters"), or when the template uses an undeclared `${trialParameters.x}`.
 */
export function substituteTrialTemplate(input: TrialTemplateInput): Record<string, unknown> {
  const errors: FieldError[] = [];
  const values = new Map<string, string>();
  const referenced = new Set<string>();
  input.trialParameters.forEach((tp, i) => {
    const meta = parseTrialMetadataReference(tp.reference);
    const at = TRIAL_PARAMETERS_PATH.index(i).child('reference');
    if (meta === 'invalid') {
      errors.push(at.error(`unknown trial metadata reference ${show(tp.reference)}`, tp.reference));
    } else if (meta) {
      const r = resolveMetadata(meta, input);
      if ('error' in r) errors.push(at.error(r.error, tp.reference));
      else values.set(tp.name, r.value);
    } else {
      referenced.add(tp.reference);
      const a = input.assignments.find((x) => x.name === tp.reference);
      if (a) values.set(tp.name, a.value);
      else
        errors.push(
          at.error(
            `unable to find non-meta parameter from TrialParameters in ParameterAssignment: no assignment for ${show(tp.reference)}`,
            tp.reference,
          ),
        );
    }
  });
  for (const a of input.assignments) {
    if (!referenced.has(a.name)) {
      errors.push(
        TRIAL_PARAMETERS_PATH.error(
          `unable to find parameter from ParameterAssignment in TrialParameters: assignment ${show(a.name)} is referenced by no trial parameter`,
        ),
      );
    }
  }
  const unknown = placeholdersOf(input.template).filter((n) => !values.has(n));
  if (unknown.length > 0 && errors.length === 0) {
    errors.push(
      FieldPath.root('spec')
        .child('trialTemplate')
        .error(
          `parameters: [${unknown.map((n) => `\${trialParameters.${n}}`).join(' ')}] in spec.trialTemplate not found in spec.trialParameters`,
        ),
    );
  }
  if (errors.length > 0)
    throw new SpecError(errors, `cannot build the run spec of trial ${show(input.trialName)}`);

  const replace = (s: string): string =>
    s.includes('${trialParameters.')
      ? s.replace(PLACEHOLDER, (whole, name: string) => values.get(name) ?? whole)
      : s;
  const memo = new Map<object, unknown>();
  const sub = (x: unknown): unknown => {
    if (typeof x === 'string') return replace(x);
    if (typeof x !== 'object' || x === null) return x;
    const done = memo.get(x);
    if (done !== undefined) return done;
    if (Array.isArray(x)) {
      const out: unknown[] = [];
      memo.set(x, out);
      for (const e of x) out.push(sub(e));
      return out;
    }
    if (!isPlainObject(x)) return x;
    const out: JsonRecord = {};
    memo.set(x, out);
    for (const k of Object.keys(x)) setOwn(out, replace(k), sub(x[k]));
    return out;
  };
  const result = sub(input.template) as JsonRecord;
  const metadata = own(result, 'metadata');
  const meta: JsonRecord = isRecord(metadata) ? metadata : {};
  meta['name'] = input.trialName;
  meta['namespace'] = input.namespace;
  result['metadata'] = meta;
  return result;
}
