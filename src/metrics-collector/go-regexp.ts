/**
 * Metrics filters (`spec.metricsCollectorSpec.source.filter.metricsFormat`) are Go (RE2) regular
 * expressions. This module rewrites the Go syntax a filter is likely to use into a JavaScript
 * RegExp, and rejects what JavaScript would read differently, so a filter that works here works
 * on a cluster and the other way round (katib-reference.md §2.6 rule 11, §6.2).
 */
import { SpecError } from '../api/errors.js';

/**
 * Katib's default filter: `name=value`, with optional spaces around `=`, a signed decimal value
 * and an optional exponent (`loss=0.3`, `Score=-7.53e-05`, `lr = 1e-3`). Group 1 is the name,
 * group 2 the value.
 */
export const DEFAULT_METRICS_FILTER = String.raw`([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)`;

/** Field path of the filters in an Experiment, for error messages. */
export const METRICS_FORMAT_PATH = 'spec.metricsCollectorSpec.source.filter.metricsFormat';

// Bracket-expression classes Go knows, as JavaScript class contents (ASCII, as in Go).
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/** A Go regexp rewritten for JavaScript. */
interface Translated {
  readonly source: string;
  readonly flags: string;
}

class FilterSyntaxError extends Error {}

function escapeLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** Rewrites Go regexp syntax into JavaScript syntax; throws FilterSyntaxError on what it cannot map. */
function translate(go: string): Translated {
  let flags = '';
  let i = 0;
  // A leading `(?flags)` group becomes JavaScript flags.
  const leading = /^\(\?([imsU-]+)\)/.exec(go);
  if (leading) {
    for (const f of leading[1] ?? '') {
      if (f === 'U' || f === '-')
        throw new FilterSyntaxError(`flag "${f}" in "${leading[0]}" is not supported`);
      if (!flags.includes(f)) flags += f;
    }
    i = leading[0].length;
  }
  let out = '';
  let inClass = false;
  let classStart = false; // just after `[` or `[^`, where `]` is a literal in Go
  while (i < go.length) {
    const c = go[i] ?? '';
    if (c === '\\') {
      const n = go[i + 1];
      if (n === undefined) throw new FilterSyntaxError('trailing backslash');
      if (n === 'Q') {
        const endQuote = go.indexOf('\\E', i + 2);
        const literal = go.slice(i + 2, endQuote === -1 ? go.length : endQuote);
        out += escapeLiteral(literal);
        i = endQuote === -1 ? go.length : endQuote + 2;
        classStart = false;
        continue;
      }
      if (n === 'A' || n === 'z') {
        if (inClass) throw new FilterSyntaxError(`\\${n} inside a character class`);
        out += n === 'A' ? '(?<![\\s\\S])' : '(?![\\s\\S])';
      } else if (n === 'p' || n === 'P') {
        throw new FilterSyntaxError(`Unicode classes (\\${n}) are not supported`);
      } else if (n >= '1' && n <= '9') {
        throw new FilterSyntaxError(`backreferences (\\${n}) are not valid in Go regexps`);
      } else if (n === 'x' && go[i + 2] === '{') {
        const close = go.indexOf('}', i + 3);
        const hex = close === -1 ? '' : go.slice(i + 3, close);
        if (!/^[0-9A-Fa-f]{1,6}$/.test(hex)) throw new FilterSyntaxError('bad \\x{…} escape');
        const code = parseInt(hex, 16);
        if (code > 0xffff) throw new FilterSyntaxError(`\\x{${hex}} above U+FFFF is not supported`);
        out += '\\u' + code.toString(16).padStart(4, '0');
        i = close + 1;
        classStart = false;
        continue;
      } else {
        out += c + n;
      }
      i += 2;
      classStart = false;
      continue;
    }
    if (inClass) {
      if (c === '[' && go[i + 1] === ':') {
        const close = go.indexOf(':]', i + 2);
        const name = close === -1 ? undefined : go.slice(i + 2, close);
        if (name !== undefined && /^\^?[a-z]+$/.test(name)) {
          if (name.startsWith('^')) throw new FilterSyntaxError(`negated class [:${name}:] is not supported`);
          const body = POSIX_CLASSES[name];
          if (body === undefined) throw new FilterSyntaxError(`unknown class [:${name}:]`);
          out += body;
          i = close + 2;
          classStart = false;
          continue;
        }
        out += '\\[';
      } else if (c === ']' && !classStart) {
        out += ']';
        inClass = false;
      } else if (c === ']' || c === '[') {
        out += '\\' + c;
      } else {
        out += c;
      }
      classStart = false;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      classStart = true;
      if (go[i + 1] === '^') {
        out += '[^';
        i += 2;
      } else {
        out += '[';
        i++;
      }
      continue;
    }
    if (c === '(' && go[i + 1] === '?') {
      const rest = go.slice(i + 2);
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 4;
        continue;
      }
      if (rest.startsWith('=') || rest.startsWith('!') || rest.startsWith('<=') || rest.startsWith('<!')) {
        throw new FilterSyntaxError('lookaround assertions are not valid in Go regexps');
      }
      if (rest.startsWith(':') || /^<[A-Za-z_]/.test(rest)) {
        out += '(?';
        i += 2;
        continue;
      }
      throw new FilterSyntaxError('inline flags are only supported at the start, as (?i)');
    }
    out += c;
    i++;
  }
  if (inClass) throw new FilterSyntaxError('missing closing ]');
  return { source: out, flags };
}

function capturingGroups(source: string, flags: string): number {
  // An alternative that matches the empty string reports every group (unset) in the result.
  return (new RegExp(`${source}|`, flags).exec('')?.length ?? 1) - 1;
}

/**
 * What is wrong with a metrics filter, in words, or `undefined` when it is usable: it must be a
 * Go regexp we can map to JavaScript and have at least two capturing groups (group 1 is the
 * metric name, group 2 its value).
 */
export function metricsFilterProblem(filter: string): string | undefined {
  try {
    const { source, flags } = translate(filter);
    if (capturingGroups(source, flags) < 2) {
      return 'two top subexpressions are required: group 1 is the metric name, group 2 its value';
    }
    return undefined;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return `not a usable Go regexp: ${reason}`;
  }
}

/**
 * Compiles a metrics filter (Go syntax) into a global JavaScript RegExp for `String.matchAll`.
 * `(?P<name>…)` becomes `(?<name>…)`, a leading `(?i)`/`(?s)`/`(?m)` becomes a flag, `\A`, `\z`,
 * `\Q…\E`, `\x{…}` and `[[:alpha:]]`-style classes are rewritten; lookarounds, backreferences and
 * `\p{…}` are refused. Unlike Go's RE2, JavaScript backtracks, so a pathological filter can be slow
 * on long lines (lines are capped by the collectors' `maxLineLength`).
 *
 * @param path - field path named in the error.
 * @throws SpecError when {@link metricsFilterProblem} finds a problem.
 */
export function compileMetricsFilter(filter: string, path: string = METRICS_FORMAT_PATH): RegExp {
  const problem = metricsFilterProblem(filter);
  if (problem !== undefined) {
    throw new SpecError([{ path, message: problem, value: filter }], 'invalid metrics filter');
  }
  const { source, flags } = translate(filter);
  return new RegExp(source, flags + 'g');
}
