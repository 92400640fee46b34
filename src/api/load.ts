/**
 * Reading Experiment files: YAML or JSON text to a plain object, with syntax errors reported as
 * SpecErrors located at `<source>:line:col` (never a stack trace).
 */
import { readFile } from 'node:fs/promises';
import type { Document } from 'yaml';
import { yamlModule as yaml } from './yaml-module.js';
import { SpecError } from './errors.js';
import type { FieldError } from './field-error.js';
import { own } from './plain-json.js';

/** 1-based line and column of a character offset. */
function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.max(0, Math.min(offset, text.length));
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: end - lineStart + 1 };
}

/** The message of anything thrown, without a stack. */
function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Parses an Experiment file's text (YAML 1.2, or JSON, which is YAML too; `<<` merge keys are
 * allowed as in Kubernetes manifests) to a plain object. A multi-document file must contain
 * exactly one document with `kind: Experiment`, which is returned; a single document is returned
 * whatever its kind (validation reports a wrong kind).
 *
 * @param source names the text in errors (usually the file path).
 * @throws SpecError on syntax errors (every one, each at `<source>:line:col` with the parser's
 *   message, e.g. duplicate keys), on an empty file, and when a multi-document file has no or
 *   several Experiments (path `<source>`).
 */
export function parseExperimentText(text: string, source: string): unknown {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const trimmed = body.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(body) as unknown;
    } catch {
      // Not strict JSON: let the YAML parser read it (and locate any error).
    }
  }
  let docs: Document.Parsed[];
  try {
    docs = yaml().parseAllDocuments(body, { prettyErrors: false, merge: true });
  } catch (e) {
    throw new SpecError([{ path: source, message: messageOf(e) }], `cannot parse ${source}`);
  }
  const errors: FieldError[] = [];
  for (const doc of docs) {
    for (const err of doc.errors) {
      const { line, col } = lineCol(body, err.pos[0]);
      errors.push({ path: `${source}:${line}:${col}`, message: err.message });
    }
  }
  if (errors.length > 0) throw new SpecError(errors, `cannot parse ${source}`);

  const values: { value: unknown; line: number }[] = [];
  for (const doc of docs) {
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      const at = lineCol(body, doc.range[0]);
      throw new SpecError(
        [{ path: `${source}:${at.line}:${at.col}`, message: messageOf(e) }],
        `cannot parse ${source}`,
      );
    }
    if (value !== null && value !== undefined) values.push({ value, line: lineCol(body, doc.range[0]).line });
  }
  if (values.length === 0) {
    throw new SpecError(
      [{ path: source, message: 'the file is empty; expected an Experiment' }],
      `cannot parse ${source}`,
    );
  }
  if (values.length === 1) return values[0]?.value;
  const experiments = values.filter((v) => own(v.value, 'kind') === 'Experiment');
  if (experiments.length === 1) return experiments[0]?.value;
  const message =
    experiments.length === 0
      ? `none of the ${values.length} documents has kind: Experiment`
      : `${experiments.length} documents have kind: Experiment (at lines ${experiments.map((e) => e.line).join(', ')}); put one Experiment per file`;
  throw new SpecError([{ path: source, message }], `cannot parse ${source}`);
}

/**
 * Reads and parses an Experiment file (see `parseExperimentText`). The result is the raw object;
 * pass it to `parseExperiment` to default, validate and type it.
 *
 * @throws SpecError when the file cannot be read (not found, a directory, no permission) or parsed.
 */
export async function loadExperimentFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = own(e, 'code');
    const message =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a directory, not an Experiment file'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : `cannot read the file: ${messageOf(e)}`;
    throw new SpecError([{ path, message }], `cannot load Experiment file ${path}`);
  }
  return parseExperimentText(text, path);
}
