/**
 * Validation of `spec.parameters` and `spec.nasConfig`: Katib's webhook rules 9 and 10
 * (katib-reference.md §2.6) plus the numeric checks Katib leaves to its algorithm services
 * (numbers parse, min < max, step fits, lists non-empty and unique, …).
 */
import type { FieldError, FieldPath } from './field-error.js';
import {
  checkKnownFields,
  checkOptionalString,
  duplicate,
  required,
  SPEC,
  wrongType,
} from './field-rules.js';
import { isEmptyString, isNil, isRecord, own, show, type JsonRecord } from './plain-json.js';

/** Parameter types Katib's webhook accepts (rule 10) that we can tune (`unknown` is refused). */
const PARAMETER_TYPES = ['double', 'int', 'discrete', 'categorical'];
/** Distributions Katib's webhook accepts (rule 10); `unknown` is defaulted to `uniform`. */
const DISTRIBUTIONS = ['uniform', 'logUniform', 'normal', 'logNormal', 'unknown'];

/** A decimal number as Go's ParseFloat and Python's float() both read it (no hex, no `_`). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** An integer as Go's Atoi and Python's int() both read it. */
const INTEGER = /^[+-]?\d+$/;

/** A scalar as text: strings as they are, finite numbers and booleans as `String(v)`. */
function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/**
 * Parses a feasibleSpace number (`min`, `max`, `step`, a discrete list entry). Returns the number,
 * or pushes an error and returns `undefined`.
 */
function parseNumber(v: unknown, integer: boolean, path: FieldPath, errs: FieldError[]): number | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') {
    errs.push(wrongType(path, 'a number written as a string', v));
    return undefined;
  }
  const text = String(v).trim();
  if (integer) {
    const n = Number(text);
    if (!INTEGER.test(text) || !Number.isSafeInteger(n)) {
      errs.push(path.error(`must be an integer, got ${show(v)}`, v));
      return undefined;
    }
    return n;
  }
  const n = Number(text);
  if (!DECIMAL.test(text) || !Number.isFinite(n)) {
    errs.push(path.error(`must be a finite decimal number, got ${show(v)}`, v));
    return undefined;
  }
  return n;
}

/** True when a feasibleSpace field counts as set (Katib compares strings with ""). */
function isSet(v: unknown): boolean {
  return !isEmptyString(v);
}

/**
 * Validates one ParameterSpec at `path` (rule 10 and our numeric checks). Never throws.
 * Messages keep Katib's wording where Katib has a rule.
 */
export function validateParameter(p: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!isRecord(p)) return [wrongType(path, 'an object (a parameter spec)', p)];
  errs.push(...checkKnownFields(p, ['name', 'parameterType', 'feasibleSpace'], path));
  const name = own(p, 'name');
  if (isEmptyString(name)) errs.push(required(path.child('name')));
  else if (typeof name !== 'string') errs.push(wrongType(path.child('name'), 'a string', name));

  const typePath = path.child('parameterType');
  const rawType = own(p, 'parameterType');
  let type: string | undefined;
  if (isEmptyString(rawType)) {
    errs.push(required(typePath, 'parameterType must be double, int, discrete or categorical'));
  } else if (typeof rawType !== 'string' || !PARAMETER_TYPES.includes(rawType)) {
    errs.push(
      typePath.error(
        `parameterType: ${typeof rawType === 'string' ? rawType : show(rawType)} is not supported (use double, int, discrete or categorical)`,
        rawType,
      ),
    );
  } else {
    type = rawType;
  }

  const fsPath = path.child('feasibleSpace');
  const fs = own(p, 'feasibleSpace');
  if (!isNil(fs) && !isRecord(fs)) {
    errs.push(wrongType(fsPath, 'an object', fs));
    return errs;
  }
  const space: JsonRecord = fs ?? {};
  errs.push(...checkKnownFields(space, ['min', 'max', 'step', 'list', 'distribution'], fsPath));
  const distribution = own(space, 'distribution');
  if (
    !isEmptyString(distribution) &&
    (typeof distribution !== 'string' || !DISTRIBUTIONS.includes(distribution))
  ) {
    errs.push(
      fsPath
        .child('distribution')
        .error(
          `distribution: ${typeof distribution === 'string' ? distribution : show(distribution)} is not supported (use uniform, logUniform, normal or logNormal)`,
          distribution,
        ),
    );
  }
  const min = own(space, 'min');
  const max = own(space, 'max');
  const step = own(space, 'step');
  const list = own(space, 'list');
  if (!isSet(min) && !isSet(max) && !isSet(step) && isNil(list)) {
    errs.push(fsPath.error('feasibleSpace must be specified'));
    return errs;
  }
  if (type === 'double' || type === 'int') {
    checkRange(type, space, fsPath, errs);
  } else if (type === 'categorical' || type === 'discrete') {
    if (isSet(min) || isSet(max) || isSet(step)) {
      errs.push(
        fsPath.error(`feasibleSpace .max, .min and .step is not supported for parameterType: ${type}`),
      );
    }
    checkList(type, list, fsPath.child('list'), errs);
  }
  return errs;
}

/** Rule 10 for int/double plus: numbers parse, min < max, 0 < step ≤ max − min, logUniform min > 0. */
function checkRange(type: 'double' | 'int', space: JsonRecord, fsPath: FieldPath, errs: FieldError[]): void {
  const integer = type === 'int';
  if (!isNil(own(space, 'list'))) {
    errs.push(fsPath.child('list').error(`feasibleSpace.list is not supported for parameterType: ${type}`));
  }
  const rawMin = own(space, 'min');
  const rawMax = own(space, 'max');
  const rawStep = own(space, 'step');
  for (const [key, v] of [
    ['min', rawMin],
    ['max', rawMax],
  ] as const) {
    if (!isSet(v))
      errs.push(fsPath.child(key).error('feasibleSpace.max or feasibleSpace.min must be specified'));
  }
  const min = isSet(rawMin) ? parseNumber(rawMin, integer, fsPath.child('min'), errs) : undefined;
  const max = isSet(rawMax) ? parseNumber(rawMax, integer, fsPath.child('max'), errs) : undefined;
  const step = isSet(rawStep) ? parseNumber(rawStep, integer, fsPath.child('step'), errs) : undefined;
  const ordered = min !== undefined && max !== undefined && min < max;
  if (min !== undefined && max !== undefined && !ordered) {
    errs.push(fsPath.child('min').error(`must be less than max (${scalarText(rawMax) ?? ''})`, rawMin));
  }
  if (step !== undefined) {
    if (step <= 0) {
      errs.push(fsPath.child('step').error('must be greater than 0', rawStep));
    } else if (ordered) {
      const width = max - min;
      if (step > width * (1 + 1e-12)) {
        errs.push(
          fsPath
            .child('step')
            .error(
              `step ${scalarText(rawStep) ?? ''} must fit in the range [${scalarText(rawMin) ?? ''}, ${scalarText(rawMax) ?? ''}]: it must not be greater than max - min`,
              rawStep,
            ),
        );
      }
    }
  }
  if (own(space, 'distribution') === 'logUniform' && min !== undefined && min <= 0) {
    errs.push(fsPath.child('min').error('must be greater than 0 for distribution logUniform', rawMin));
  }
}

/** Lists of categorical and discrete parameters: present, non-empty, strings, unique, numeric for discrete. */
function checkList(
  type: 'categorical' | 'discrete',
  list: unknown,
  path: FieldPath,
  errs: FieldError[],
): void {
  if (isNil(list)) {
    errs.push(required(path, `parameterType ${type} needs a list of values`));
    return;
  }
  if (!Array.isArray(list)) {
    errs.push(wrongType(path, 'a list', list));
    return;
  }
  if (list.length === 0) {
    errs.push(path.error('must not be empty'));
    return;
  }
  const seenText = new Set<string>();
  const seenNumber = new Set<number>();
  list.forEach((entry: unknown, j) => {
    const at = path.index(j);
    const text = scalarText(entry);
    if (text === undefined) {
      errs.push(wrongType(at, 'a string', entry));
      return;
    }
    if (type === 'discrete') {
      const n = parseNumber(entry, false, at, errs);
      if (n === undefined) return;
      if (seenNumber.has(n)) errs.push(duplicate(at, entry));
      seenNumber.add(n);
    } else {
      if (seenText.has(text)) errs.push(duplicate(at, entry));
      seenText.add(text);
    }
  });
}

/**
 * Validates a list of ParameterSpecs at `path`: each entry (rule 10) and unique names. Never
 * throws.
 */
export function validateParameterList(list: unknown, path: FieldPath): FieldError[] {
  if (!Array.isArray(list)) return [wrongType(path, 'a list', list)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list.forEach((p: unknown, i) => {
    errs.push(...validateParameter(p, path.index(i)));
    const name = own(p, 'name');
    if (typeof name === 'string' && name !== '') {
      if (names.has(name)) errs.push(duplicate(path.index(i).child('name'), name));
      names.add(name);
    }
  });
  return errs;
}

/** An optional positive integer field of nasConfig. */
function checkPositiveInteger(v: unknown, path: FieldPath, errs: FieldError[]): void {
  if (isNil(v)) return;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
    errs.push(path.error(`must be a positive integer, got ${show(v)}`, v));
  }
}

/** `spec.nasConfig`: graph config numbers and operations, whose parameters follow rule 10. */
function validateNasConfig(nas: unknown, path: FieldPath): FieldError[] {
  if (!isRecord(nas)) return [wrongType(path, 'an object', nas)];
  const errs: FieldError[] = checkKnownFields(nas, ['graphConfig', 'operations'], path);
  const graph = own(nas, 'graphConfig');
  const graphPath = path.child('graphConfig');
  if (!isNil(graph)) {
    if (!isRecord(graph)) {
      errs.push(wrongType(graphPath, 'an object', graph));
    } else {
      errs.push(...checkKnownFields(graph, ['numLayers', 'inputSizes', 'outputSizes'], graphPath));
      checkPositiveInteger(own(graph, 'numLayers'), graphPath.child('numLayers'), errs);
      for (const key of ['inputSizes', 'outputSizes']) {
        const sizes = own(graph, key);
        if (isNil(sizes)) continue;
        if (!Array.isArray(sizes)) errs.push(wrongType(graphPath.child(key), 'a list of integers', sizes));
        else sizes.forEach((s: unknown, i) => checkPositiveInteger(s, graphPath.child(key).index(i), errs));
      }
    }
  }
  const opsPath = path.child('operations');
  const ops = own(nas, 'operations');
  if (isNil(ops)) {
    errs.push(required(opsPath, 'neural architecture search needs at least one operation'));
  } else if (!Array.isArray(ops)) {
    errs.push(wrongType(opsPath, 'a list', ops));
  } else if (ops.length === 0) {
    errs.push(opsPath.error('must not be empty'));
  } else {
    ops.forEach((op: unknown, i) => {
      const at = opsPath.index(i);
      if (!isRecord(op)) {
        errs.push(wrongType(at, 'an object', op));
        return;
      }
      errs.push(...checkKnownFields(op, ['operationType', 'parameters'], at));
      const opType = own(op, 'operationType');
      if (isEmptyString(opType)) errs.push(required(at.child('operationType')));
      else errs.push(...checkOptionalString(opType, at.child('operationType')));
      const params = own(op, 'parameters');
      if (!isNil(params)) errs.push(...validateParameterList(params, at.child('parameters')));
    });
  }
  return errs;
}

/**
 * Rules 9 and 10: exactly one of `spec.parameters` and `spec.nasConfig`, then each one's
 * contents. An empty `spec.parameters` list counts as not specified.
 */
export function validateSearchSpace(spec: JsonRecord): FieldError[] {
  const parameters = own(spec, 'parameters');
  const nas = own(spec, 'nasConfig');
  const hasParameters = !isNil(parameters) && !(Array.isArray(parameters) && parameters.length === 0);
  if (!hasParameters && isNil(nas)) {
    return [required(SPEC.child('parameters'), 'spec.parameters or spec.nasConfig must be specified')];
  }
  if (hasParameters && !isNil(nas)) {
    return [SPEC.error('only one of spec.parameters and spec.nasConfig can be specified')];
  }
  return hasParameters
    ? validateParameterList(parameters, SPEC.child('parameters'))
    : validateNasConfig(nas, SPEC.child('nasConfig'));
}
