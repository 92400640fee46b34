/**
 * Validation of `spec.metricsCollectorSpec`: Katib's webhook rule 11 (katib-reference.md §2.6),
 * with metricsFormat filters compiled as JavaScript regular expressions, since that is what our
 * collectors run.
 */
import type { FieldError, FieldPath } from './field-error.js';
import { checkKnownFields, required, SPEC, wrongType } from './field-rules.js';
import { isEmptyString, isNil, isRecord, own, show, type JsonRecord } from './plain-json.js';

/** Collector kinds we know; Katib's plus `None` (no collection). */
const COLLECTOR_KINDS = ['StdOut', 'File', 'TensorFlowEvent', 'PrometheusMetric', 'Custom', 'Push', 'None'];

/**
 * Compiles a metricsFormat filter written for Katib (Go RE2 syntax) as a JavaScript RegExp.
 * Translated: named groups `(?P<name>…)` → `(?<name>…)`; a leading flag group `(?i)`, `(?m)`,
 * `(?s)` (or a combination) → RegExp flags; `\A` → `^` and `\z` → `$` (outside character
 * classes). Everything else must already be valid in both dialects.
 *
 * @throws SyntaxError when the pattern does not compile (or uses Go's ungreedy flag `U`).
 */
export function compileMetricsFormat(pattern: string): RegExp {
  let source = pattern;
  let flags = '';
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(source);
  if (lead) {
    for (const f of lead[1] ?? '') {
      if (f !== 'i' && f !== 'm' && f !== 's')
        throw new SyntaxError(`flag ${f} in (?${lead[1]}) is not supported`);
      if (!flags.includes(f)) flags += f;
    }
    source = source.slice(lead[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] ?? '';
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass && next === 'A') out += '^';
      else if (!inClass && next === 'z') out += '$';
      else out += c + next;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A `]` right after `[` or `[^` is a literal in RE2 and must be escaped for JavaScript.
      if (source[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (source[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && source.startsWith('?P<', i + 1)) {
      out += '(?<';
      i += 3;
      continue;
    }
    out += c;
  }
  return new RegExp(out, flags);
}

/** The number of capturing groups of a compiled expression. */
function groupCount(re: RegExp): number {
  const m = new RegExp(`(?:${re.source})|`, re.flags).exec('');
  return m ? m.length - 1 : 0;
}

/** Checks `source.filter.metricsFormat`: each entry compiles and has the two groups name and value. */
function checkFilter(filter: unknown, path: FieldPath, errs: FieldError[]): void {
  if (isNil(filter)) return;
  if (!isRecord(filter)) {
    errs.push(wrongType(path, 'an object', filter));
    return;
  }
  errs.push(...checkKnownFields(filter, ['metricsFormat'], path));
  const formats = own(filter, 'metricsFormat');
  const fmtPath = path.child('metricsFormat');
  if (isNil(formats)) return;
  if (!Array.isArray(formats)) {
    errs.push(wrongType(fmtPath, 'a list of regular expressions', formats));
    return;
  }
  formats.forEach((f: unknown, i) => {
    const at = fmtPath.index(i);
    if (typeof f !== 'string' || f === '') {
      errs.push(f === '' ? required(at) : wrongType(at, 'a string (a regular expression)', f));
      return;
    }
    let re: RegExp;
    try {
      re = compileMetricsFormat(f);
    } catch (e) {
      errs.push(
        at.error(`must compile as a regular expression: ${e instanceof Error ? e.message : show(e)}`, f),
      );
      return;
    }
    if (groupCount(re) < 2) {
      errs.push(
        at.error(
          'two top subexpressions are required: group 1 captures the metric name, group 2 its value',
          f,
        ),
      );
    }
  });
}

/** True for an absolute (container) path. */
function isAbsolutePath(v: unknown): boolean {
  return typeof v === 'string' && v.startsWith('/');
}

/** File and TensorFlowEvent need `source.fileSystemPath` with the right kind and an absolute path. */
function checkFileSystemPath(
  fsp: unknown,
  path: FieldPath,
  kinds: readonly string[],
  collectorKind: string,
  errs: FieldError[],
): JsonRecord | undefined {
  if (isNil(fsp)) {
    errs.push(required(path, 'file path where metrics file exists is required'));
    return undefined;
  }
  if (!isRecord(fsp)) {
    errs.push(wrongType(path, 'an object', fsp));
    return undefined;
  }
  errs.push(...checkKnownFields(fsp, ['path', 'kind', 'format'], path));
  const kind = own(fsp, 'kind');
  if (typeof kind !== 'string' || !kinds.includes(kind)) {
    errs.push(
      path.child('kind').error(`must be ${kinds.join(' or ')} for collector kind ${collectorKind}`, kind),
    );
  }
  if (!isAbsolutePath(own(fsp, 'path'))) {
    errs.push(path.child('path').error('must be an absolute path', own(fsp, 'path')));
  }
  return fsp;
}

/**
 * Rule 11: the metrics collector. Absent parts are fine (the defaulting webhook fills them).
 * Never throws.
 */
export function validateMetricsCollector(spec: JsonRecord): FieldError[] {
  const path = SPEC.child('metricsCollectorSpec');
  const mcs = own(spec, 'metricsCollectorSpec');
  if (isNil(mcs)) return [];
  if (!isRecord(mcs)) return [wrongType(path, 'an object', mcs)];
  const errs: FieldError[] = checkKnownFields(mcs, ['source', 'collector'], path);
  const sourcePath = path.child('source');
  const source = own(mcs, 'source');
  if (!isNil(source) && !isRecord(source)) errs.push(wrongType(sourcePath, 'an object', source));
  errs.push(...checkKnownFields(source, ['httpGet', 'fileSystemPath', 'filter'], sourcePath));
  const src: JsonRecord = isRecord(source) ? source : {};
  const fspPath = sourcePath.child('fileSystemPath');
  const fsp = own(src, 'fileSystemPath');

  const collectorPath = path.child('collector');
  const collector = own(mcs, 'collector');
  let kind: unknown = 'StdOut';
  if (!isNil(collector)) {
    if (!isRecord(collector)) errs.push(wrongType(collectorPath, 'an object', collector));
    else {
      errs.push(...checkKnownFields(collector, ['kind', 'customCollector'], collectorPath));
      kind = own(collector, 'kind');
    }
  }
  switch (kind) {
    case 'StdOut':
    case 'Push':
    case 'None':
      break;
    case 'File': {
      const checked = checkFileSystemPath(fsp, fspPath, ['File'], 'File', errs);
      const format = own(checked, 'format');
      if (checked && !isEmptyString(format) && format !== 'TEXT' && format !== 'JSON') {
        errs.push(fspPath.child('format').error('format must be TEXT or JSON', format));
      }
      if (format === 'JSON' && !isNil(own(src, 'filter'))) {
        errs.push(sourcePath.child('filter').error('filter must be nil when format of metrics file is json'));
      }
      break;
    }
    case 'TensorFlowEvent': {
      const checked = checkFileSystemPath(fsp, fspPath, ['Directory'], 'TensorFlowEvent', errs);
      if (checked && !isEmptyString(own(checked, 'format'))) {
        errs.push(
          fspPath
            .child('format')
            .error('must be empty for collector kind TensorFlowEvent', own(checked, 'format')),
        );
      }
      break;
    }
    case 'PrometheusMetric': {
      const httpPath = sourcePath.child('httpGet');
      const httpGet = own(src, 'httpGet');
      if (isNil(httpGet)) {
        errs.push(required(httpPath));
      } else if (!isRecord(httpGet)) {
        errs.push(wrongType(httpPath, 'an object', httpGet));
      } else {
        errs.push(...checkKnownFields(httpGet, ['path', 'port', 'host', 'scheme', 'httpHeaders'], httpPath));
        const port = own(httpGet, 'port');
        const n = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
        if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0 || n > 65535) {
          errs.push(httpPath.child('port').error('must be a positive port number (1-65535)', port));
        }
        const p = own(httpGet, 'path');
        if (typeof p !== 'string' || !p.startsWith('/')) {
          errs.push(httpPath.child('path').error("path must start with '/'", p));
        }
      }
      break;
    }
    case 'Custom': {
      const custom = own(collector, 'customCollector');
      if (isNil(custom)) errs.push(required(collectorPath.child('customCollector')));
      else if (!isRecord(custom))
        errs.push(wrongType(collectorPath.child('customCollector'), 'an object', custom));
      if (!isNil(fsp)) checkFileSystemPath(fsp, fspPath, ['Directory', 'File'], 'Custom', errs);
      break;
    }
    default:
      if (isRecord(collector) && isEmptyString(kind)) {
        errs.push(required(collectorPath.child('kind'), `one of ${COLLECTOR_KINDS.join(', ')}`));
      } else if (isRecord(collector)) {
        errs.push(
          collectorPath
            .child('kind')
            .error(
              `invalid metrics collector kind ${show(kind)}: must be one of ${COLLECTOR_KINDS.join(', ')}`,
              kind,
            ),
        );
      }
  }
  checkFilter(own(src, 'filter'), sourcePath.child('filter'), errs);
  return errs;
}
