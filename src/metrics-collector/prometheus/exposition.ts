/**
 * The Prometheus text exposition format (version 0.0.4, https://prometheus.io/docs/instrumenting/exposition_formats/),
 * parsed into samples: `# HELP`/`# TYPE` and other comments are skipped; each sample line is
 * `name{label="value",…} value [timestamp_ms]`, with values as Go floats (`NaN`, `+Inf`, `-Inf`
 * allowed) and label values escaped with `\\`, `\"` and `\n`. A line that does not parse is
 * skipped and counted, never thrown on: the endpoint belongs to user code.
 */

/** One sample of an exposition. */
export interface PrometheusSample {
  readonly name: string;
  /** Labels in the order written. */
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Milliseconds since the epoch, when the line carries one. */
  readonly timestampMs?: number;
}

/** The samples of a scrape, and how many lines were not samples nor comments. */
export interface PrometheusExposition {
  readonly samples: readonly PrometheusSample[];
  readonly malformedLines: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** Parses a whole exposition body. */
export function parseExposition(text: string): PrometheusExposition {
  const samples: PrometheusSample[] = [];
  let malformedLines = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const s = parseSampleLine(line);
    if (s) samples.push(s);
    else malformedLines++;
  }
  return { samples, malformedLines };
}

/** One sample line, or undefined when it is not one. */
export function parseSampleLine(line: string): PrometheusSample | undefined {
  const m = NAME.exec(line);
  if (!m) return undefined;
  const name = m[0];
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    for (;;) {
      at = skipSpaces(line, at);
      if (line[at] === '}') {
        at++;
        break;
      }
      const ln = LABEL_NAME.exec(line.slice(at));
      if (!ln) return undefined;
      at = skipSpaces(line, at + ln[0].length);
      if (line[at] !== '=') return undefined;
      at = skipSpaces(line, at + 1);
      if (line[at] !== '"') return undefined;
      at++;
      let value = '';
      for (;;) {
        const c = line[at];
        if (c === undefined) return undefined;
        if (c === '"') break;
        if (c === '\\') {
          const n = line[at + 1];
          if (n === 'n') value += '\n';
          else if (n === '\\' || n === '"') value += n;
          else return undefined;
          at += 2;
        } else {
          value += c;
          at++;
        }
      }
      labels[ln[0]] = value;
      at = skipSpaces(line, at + 1);
      if (line[at] === ',') at++;
      else if (line[at] !== '}') return undefined;
    }
  }
  const rest = line.slice(at).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') return undefined;
  const value = parseGoFloat(rest[0] ?? '');
  if (value === undefined) return undefined;
  let timestampMs: number | undefined;
  if (rest.length === 2) {
    if (!/^-?\d+$/.test(rest[1] ?? '')) return undefined;
    timestampMs = Number(rest[1]);
  }
  return { name, labels, value, ...(timestampMs !== undefined ? { timestampMs } : {}) };
}

function skipSpaces(s: string, at: number): number {
  while (s[at] === ' ' || s[at] === '\t') at++;
  return at;
}

/** A Go `ParseFloat` value as Prometheus writes them, or undefined. */
function parseGoFloat(s: string): number | undefined {
  switch (s) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

/**
 * Parses a metric selector as a Katib metric name may give it: `name` or
 * `name{label="value",…}`. Undefined when it is neither.
 */
export function parseSelector(
  selector: string,
): { name: string; labels: Record<string, string> } | undefined {
  const s = parseSampleLine(`${selector} 0`);
  return s ? { name: s.name, labels: { ...s.labels } } : undefined;
}

/** True when the sample has the selector's name and at least its labels, with the same values. */
export function sampleMatches(
  sample: PrometheusSample,
  selector: { readonly name: string; readonly labels: Readonly<Record<string, string>> },
): boolean {
  if (sample.name !== selector.name) return false;
  return Object.entries(selector.labels).every(([k, v]) => sample.labels[k] === v);
}
