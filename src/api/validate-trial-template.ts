/**
 * Validation of `spec.trialTemplate`: Katib's webhook rule 8 (katib-reference.md §2.6, §3), the
 * batch/v1 Job strict-decoding check Katib does by round-tripping the Job, and the checks embedded
 * mode needs (the primary container exists and has a command).
 */
import { CONTAINER_FIELDS } from './container-fields.js';
import type { FieldError, FieldPath } from './field-error.js';
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
import { isEmptyString, isNil, isRecord, own, show, typeName, type JsonRecord } from './plain-json.js';
import {
  listContainers,
  locatePrimaryContainer,
  parseTrialMetadataReference,
  trialTemplatePlaceholders,
} from './trial-template.js';

/** Where the trial template is validated: embedded (local processes) or against a cluster. */
export type ValidationMode = 'embedded' | 'cluster';

const TEMPLATE = SPEC.child('trialTemplate');

/** Fields of Katib's TrialTemplate (inline TrialSource included). */
const TRIAL_TEMPLATE_FIELDS = [
  'retain',
  'trialSpec',
  'configMap',
  'trialParameters',
  'primaryPodLabels',
  'primaryContainerName',
  'successCondition',
  'failureCondition',
];

/** Kinds Katib defaults success/failure conditions for (rule 8's hint lists them). */
const DEFAULTED_KINDS = 'Job, TFJob, PyTorchJob, XGBoostJob, MPIJob and TrainJob';

/**
 * Rule 8: the trial template, its parameters and (inline) manifest. Stop points follow Katib:
 * a missing `trialParameters`, a missing or doubled source, and an incomplete configMap end the
 * checks of the template. Never throws.
 */
export function validateTrialTemplate(spec: JsonRecord, mode: ValidationMode): FieldError[] {
  const tt = own(spec, 'trialTemplate');
  if (isNil(tt)) return [required(TEMPLATE)];
  if (!isRecord(tt)) return [wrongType(TEMPLATE, 'an object', tt)];
  const errs: FieldError[] = checkKnownFields(tt, TRIAL_TEMPLATE_FIELDS, TEMPLATE);

  const pcnPath = TEMPLATE.child('primaryContainerName');
  const pcn = own(tt, 'primaryContainerName');
  if (isEmptyString(pcn)) errs.push(required(pcnPath));
  else errs.push(...checkOptionalString(pcn, pcnPath));

  const success = own(tt, 'successCondition');
  const failure = own(tt, 'failureCondition');
  errs.push(...checkOptionalString(success, TEMPLATE.child('successCondition')));
  errs.push(...checkOptionalString(failure, TEMPLATE.child('failureCondition')));
  if (isEmptyString(success) || isEmptyString(failure)) {
    errs.push(
      TEMPLATE.error(
        `successCondition and failureCondition must be specified (they have defaults only for kinds ${DEFAULTED_KINDS})`,
      ),
    );
  }
  const retain = own(tt, 'retain');
  if (!isNil(retain) && typeof retain !== 'boolean')
    errs.push(wrongType(TEMPLATE.child('retain'), 'a boolean', retain));
  errs.push(...checkStringMap(own(tt, 'primaryPodLabels'), TEMPLATE.child('primaryPodLabels')));

  const tpsPath = TEMPLATE.child('trialParameters');
  const tps = own(tt, 'trialParameters');
  if (isNil(tps)) return [...errs, required(tpsPath)];
  if (!Array.isArray(tps)) return [...errs, wrongType(tpsPath, 'a list', tps)];

  const trialSpec = own(tt, 'trialSpec');
  const configMap = own(tt, 'configMap');
  if (isNil(trialSpec) && isNil(configMap)) {
    return [...errs, required(TEMPLATE, 'trialSpec or configMap must be specified')];
  }
  if (!isNil(trialSpec) && !isNil(configMap)) {
    return [
      ...errs,
      TEMPLATE.error(
        'only one of spec.trialTemplate.trialSpec or spec.trialTemplate.configMap can be specified',
      ),
    ];
  }
  if (!isNil(configMap)) {
    const cmPath = TEMPLATE.child('configMap');
    if (mode === 'embedded') {
      return [
        ...errs,
        cmPath.error(
          'configMap trial templates are not supported in embedded mode: put the manifest inline as spec.trialTemplate.trialSpec',
        ),
      ];
    }
    if (!isRecord(configMap)) return [...errs, wrongType(cmPath, 'an object', configMap)];
    errs.push(
      ...checkKnownFields(configMap, ['configMapName', 'configMapNamespace', 'templatePath'], cmPath),
    );
    const missing = ['configMapName', 'configMapNamespace', 'templatePath'].filter((k) =>
      isEmptyString(own(configMap, k)),
    );
    if (missing.length > 0) return [...errs, ...missing.map((k) => required(cmPath.child(k)))];
    // The ConfigMap is read by the cluster; here only what needs no template text is checked.
    return [...errs, ...checkTrialParameters(tps, spec, undefined)];
  }
  if (!isRecord(trialSpec)) {
    return [...errs, wrongType(TEMPLATE.child('trialSpec'), 'an object (a workload manifest)', trialSpec)];
  }
  errs.push(...checkTrialParameters(tps, spec, trialSpec));
  errs.push(...checkManifest(trialSpec, TEMPLATE.child('trialSpec'), mode));
  if (typeof pcn === 'string' && pcn !== '') errs.push(...checkPrimaryContainer(trialSpec, pcn, mode));
  return errs;
}

/** Names of `spec.parameters` when it is a list (entries without a string name are skipped). */
function parameterNames(spec: JsonRecord): string[] {
  const ps = own(spec, 'parameters');
  if (!Array.isArray(ps)) return [];
  return ps.map((p: unknown) => own(p, 'name')).filter((n): n is string => typeof n === 'string' && n !== '');
}

/**
 * Per trial parameter (rule 8): name and reference set, name without braces, names and references
 * unique, reference a parameter or a metadata key, and `${trialParameters.<name>}` used by the
 * template. Then, with a clean list: no undeclared placeholder in the template, and every
 * `spec.parameters` entry referenced (Katib fails every trial otherwise).
 */
function checkTrialParameters(
  tps: readonly unknown[],
  spec: JsonRecord,
  template: JsonRecord | undefined,
): FieldError[] {
  const errs: FieldError[] = [];
  const path = TEMPLATE.child('trialParameters');
  const params = parameterNames(spec);
  const placeholders = template ? new Set(trialTemplatePlaceholders(template)) : undefined;
  const names = new Set<string>();
  const references = new Set<string>();
  tps.forEach((tp: unknown, i) => {
    const at = path.index(i);
    if (!isRecord(tp)) {
      errs.push(wrongType(at, 'an object with name and reference', tp));
      return;
    }
    errs.push(...checkKnownFields(tp, ['name', 'description', 'reference'], at));
    const name = own(tp, 'name');
    const reference = own(tp, 'reference');
    errs.push(...checkOptionalString(own(tp, 'description'), at.child('description')));
    if (isEmptyString(name)) errs.push(required(at.child('name'), 'name and reference must be specified'));
    else if (typeof name !== 'string') errs.push(wrongType(at.child('name'), 'a string', name));
    if (isEmptyString(reference))
      errs.push(required(at.child('reference'), 'name and reference must be specified'));
    else if (typeof reference !== 'string')
      errs.push(wrongType(at.child('reference'), 'a string', reference));

    if (typeof name === 'string' && name !== '') {
      if (/[{}]/.test(name)) {
        errs.push(at.child('name').error("name can't contain '{' or '}'", name));
      } else if (names.has(name)) {
        errs.push(duplicate(at.child('name'), name));
      } else if (placeholders && !placeholders.has(name)) {
        errs.push(
          at
            .child('name')
            .error(
              `parameter name ${name} not found in spec.trialTemplate: it has no \${trialParameters.${name}}`,
              name,
            ),
        );
      }
      names.add(name);
    }
    if (typeof reference === 'string' && reference !== '') {
      if (references.has(reference)) errs.push(duplicate(at.child('reference'), reference));
      references.add(reference);
      errs.push(...checkReference(reference, at.child('reference'), params, template));
    }
  });
  if (errs.length > 0) return errs;

  if (placeholders) {
    const undeclared = [...placeholders].filter((n) => !names.has(n));
    if (undeclared.length > 0) {
      errs.push(
        TEMPLATE.error(
          `parameters: [${undeclared.map((n) => `\${trialParameters.${n}}`).join(' ')}] in spec.trialTemplate not found in spec.trialParameters`,
        ),
      );
    }
  }
  for (const p of params) {
    if (!references.has(p)) {
      errs.push(
        path.error(
          `parameter ${show(p)} of spec.parameters is referenced by no trial parameter, so every trial would fail; add {name: ${p}, reference: ${p}} and use \${trialParameters.${p}} in the template`,
        ),
      );
    }
  }
  return errs;
}

/** A trial parameter's reference: a `${trialSpec.…}` metadata key or, with spec.parameters set, a parameter name. */
function checkReference(
  reference: string,
  path: FieldPath,
  params: readonly string[],
  template: JsonRecord | undefined,
): FieldError[] {
  const meta = parseTrialMetadataReference(reference);
  if (meta === 'invalid') {
    return [
      path.error(
        `unknown trial metadata reference ${reference}: use \${trialSpec.Name}, Namespace, Kind, APIVersion, Labels[<key>] or Annotations[<key>]`,
        reference,
      ),
    ];
  }
  if (meta) {
    if (template && (meta.key === 'Labels' || meta.key === 'Annotations')) {
      const field = meta.key === 'Labels' ? 'labels' : 'annotations';
      if (typeof own(own(own(template, 'metadata'), field), meta.mapKey ?? '') !== 'string') {
        return [
          path.error(
            `illegal reference of trial metadata: spec.trialTemplate.trialSpec.metadata.${field} has no key ${show(meta.mapKey)}`,
            reference,
          ),
        ];
      }
    }
    return [];
  }
  if (params.length > 0 && !params.includes(reference)) {
    return [path.error(`parameter reference ${reference} does not exist in spec.parameters`, reference)];
  }
  return [];
}

// Field names of the Kubernetes types a batch/v1 Job is made of (Katib rejects unknown fields by
// round-tripping the Job through its Go type; we list them instead).
const OBJECT_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];
const JOB_SPEC_FIELDS = [
  'parallelism',
  'completions',
  'activeDeadlineSeconds',
  'podFailurePolicy',
  'successPolicy',
  'backoffLimit',
  'backoffLimitPerIndex',
  'maxFailedIndexes',
  'selector',
  'manualSelector',
  'template',
  'ttlSecondsAfterFinished',
  'completionMode',
  'suspend',
  'podReplacementPolicy',
  'managedBy',
];
const POD_TEMPLATE_FIELDS = ['metadata', 'spec'];
const POD_SPEC_FIELDS = [
  'volumes',
  'initContainers',
  'containers',
  'ephemeralContainers',
  'restartPolicy',
  'terminationGracePeriodSeconds',
  'activeDeadlineSeconds',
  'dnsPolicy',
  'nodeSelector',
  'serviceAccountName',
  'serviceAccount',
  'automountServiceAccountToken',
  'nodeName',
  'hostNetwork',
  'hostPID',
  'hostIPC',
  'shareProcessNamespace',
  'securityContext',
  'imagePullSecrets',
  'hostname',
  'subdomain',
  'affinity',
  'schedulerName',
  'tolerations',
  'hostAliases',
  'priorityClassName',
  'priority',
  'dnsConfig',
  'readinessGates',
  'runtimeClassName',
  'enableServiceLinks',
  'preemptionPolicy',
  'overhead',
  'topologySpreadConstraints',
  'setHostnameAsFQDN',
  'os',
  'hostUsers',
  'schedulingGates',
  'resourceClaims',
  'resources',
];

/** Pushes `unknown field "x"` for every key of `obj` not in `known`; returns `obj` when it is an object. */
function knownFields(
  obj: unknown,
  known: readonly string[],
  path: FieldPath,
  errs: FieldError[],
): JsonRecord | undefined {
  if (isNil(obj)) return undefined;
  if (!isRecord(obj)) {
    errs.push(wrongType(path, 'an object', obj));
    return undefined;
  }
  errs.push(...checkKnownFields(obj, known, path));
  return obj;
}

/**
 * The manifest itself (rule 8): apiVersion and kind set, metadata.name/namespace omitted (the
 * trial's are used), and for batch/v1 Jobs no unknown fields and at least one container.
 */
function checkManifest(trialSpec: JsonRecord, path: FieldPath, mode: ValidationMode): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of ['apiVersion', 'kind']) {
    const v = own(trialSpec, key);
    if (isEmptyString(v))
      errs.push(required(path.child(key), 'APIVersion and Kind in Trial template must be specified'));
    else errs.push(...checkOptionalString(v, path.child(key)));
  }
  const metadata = own(trialSpec, 'metadata');
  if (!isNil(metadata) && !isRecord(metadata))
    errs.push(wrongType(path.child('metadata'), 'an object', metadata));
  for (const key of ['name', 'namespace']) {
    if (!isEmptyString(own(metadata, key))) {
      errs.push(
        path
          .child('metadata')
          .child(key)
          .error('metadata.name and metadata.namespace in Trial template must be omitted'),
      );
    }
  }
  if (own(trialSpec, 'apiVersion') === 'batch/v1' && own(trialSpec, 'kind') === 'Job')
    checkJob(trialSpec, path, mode, errs);
  return errs;
}

/** Strict decoding of a batch/v1 Job, as Katib's round-trip through `batchv1.Job` does. */
function checkJob(job: JsonRecord, path: FieldPath, mode: ValidationMode, errs: FieldError[]): void {
  knownFields(job, OBJECT_FIELDS, path, errs);
  knownFields(own(job, 'metadata'), OBJECT_META_FIELDS, path.child('metadata'), errs);
  const specPath = path.child('spec');
  const jobSpec = own(job, 'spec');
  if (isNil(jobSpec)) {
    errs.push(required(specPath));
    return;
  }
  const js = knownFields(jobSpec, JOB_SPEC_FIELDS, specPath, errs);
  if (!js) return;
  const templatePath = specPath.child('template');
  const tpl = knownFields(own(js, 'template'), POD_TEMPLATE_FIELDS, templatePath, errs);
  if (!tpl) {
    if (isNil(own(js, 'template'))) errs.push(required(templatePath));
    return;
  }
  knownFields(own(tpl, 'metadata'), OBJECT_META_FIELDS, templatePath.child('metadata'), errs);
  const podPath = templatePath.child('spec');
  const pod = knownFields(own(tpl, 'spec'), POD_SPEC_FIELDS, podPath, errs);
  if (!pod) {
    if (isNil(own(tpl, 'spec'))) errs.push(required(podPath));
    return;
  }
  const restart = own(pod, 'restartPolicy');
  if (isNil(restart)) {
    if (mode === 'cluster')
      errs.push(required(podPath.child('restartPolicy'), "a Job's pods need Never or OnFailure"));
  } else if (restart !== 'Never' && restart !== 'OnFailure') {
    errs.push(podPath.child('restartPolicy').error("must be Never or OnFailure for a Job's pods", restart));
  }
  for (const key of ['containers', 'initContainers']) {
    const list = own(pod, key);
    const listPath = podPath.child(key);
    if (isNil(list)) {
      if (key === 'containers') errs.push(required(listPath));
      continue;
    }
    if (!Array.isArray(list)) {
      errs.push(wrongType(listPath, 'a list', list));
      continue;
    }
    if (key === 'containers' && list.length === 0) errs.push(listPath.error('must not be empty'));
    list.forEach((c: unknown, i) => {
      const at = listPath.index(i);
      const container = knownFields(c, CONTAINER_FIELDS, at, errs);
      if (container && isEmptyString(own(container, 'name'))) errs.push(required(at.child('name')));
    });
  }
}

/** Appends a path of segments (as `listContainers` reports them) to a FieldPath. */
function extend(base: FieldPath, segments: readonly (string | number)[]): FieldPath {
  return segments.reduce<FieldPath>((p, s) => (typeof s === 'number' ? p.index(s) : p.child(s)), base);
}

/** A list of strings (command, args): each entry must be a string. */
function checkStringList(v: unknown, path: FieldPath, errs: FieldError[]): void {
  if (isNil(v)) return;
  if (!Array.isArray(v)) {
    errs.push(wrongType(path, 'a list of strings', v));
    return;
  }
  v.forEach((s: unknown, i) => {
    if (typeof s !== 'string') {
      errs.push(path.index(i).error(`must be a string, got ${typeName(s)} ${show(s)} (quote it in YAML)`, s));
    }
  });
}

/**
 * The primary container: found in the manifest (always in embedded mode; in cluster mode when the
 * manifest lists containers at all), with well-typed command/args/env/workingDir, and, in embedded
 * mode, a non-empty `command` (we run it directly; there is no image entrypoint to fall back to).
 */
function checkPrimaryContainer(trialSpec: JsonRecord, name: string, mode: ValidationMode): FieldError[] {
  const base = TEMPLATE.child('trialSpec');
  const located = locatePrimaryContainer(trialSpec, name);
  if (!located) {
    const all = [...new Set(listContainers(trialSpec).map((c) => c.name))];
    if (mode === 'cluster' && all.length === 0) return [];
    const known =
      all.length > 0 ? `; containers found: ${all.join(', ')}` : '; the manifest lists no containers';
    return [
      TEMPLATE.child('primaryContainerName').error(
        `container ${show(name)} not found in spec.trialTemplate.trialSpec${known}`,
        name,
      ),
    ];
  }
  const errs: FieldError[] = [];
  const at = extend(base, located.path);
  const command = own(located.raw, 'command');
  checkStringList(command, at.child('command'), errs);
  checkStringList(own(located.raw, 'args'), at.child('args'), errs);
  errs.push(...checkOptionalString(own(located.raw, 'workingDir'), at.child('workingDir')));
  const env = own(located.raw, 'env');
  if (!isNil(env)) {
    if (!Array.isArray(env)) {
      errs.push(wrongType(at.child('env'), 'a list', env));
    } else {
      env.forEach((e: unknown, i) => {
        const ep = at.child('env').index(i);
        if (!isRecord(e)) errs.push(wrongType(ep, 'an object with name and value', e));
        else if (isEmptyString(own(e, 'name'))) errs.push(required(ep.child('name')));
        else {
          errs.push(...checkOptionalString(own(e, 'name'), ep.child('name')));
          const value = own(e, 'value');
          if (!isNil(value) && typeof value !== 'string') {
            errs.push(
              ep
                .child('value')
                .error(`must be a string, got ${typeName(value)} ${show(value)} (quote it in YAML)`, value),
            );
          }
        }
      });
    }
  }
  if (mode === 'embedded' && (isNil(command) || (Array.isArray(command) && command.length === 0))) {
    errs.push(
      required(
        at.child('command'),
        "embedded mode runs the primary container's command directly and cannot run an image's entrypoint; set command, e.g. [python3, train.py]",
      ),
    );
  }
  return errs;
}
