/**
 * Which algorithms are served outside this process: the `runtime.suggestions` list of a config
 * file shaped like Katib's katib-config (katib-reference.md §2.7). Where Katib's entries name a
 * container image, ours name either an already-running Katib-compatible Suggestion service
 * (`endpoint: host:port`) or a command the engine starts, health-checks and stops (`command`, with
 * a `{port}` placeholder for the free port it picks).
 *
 * ```yaml
 * apiVersion: config.kubeflow.org/v1beta1
 * kind: KatibConfig
 * runtime:
 *   suggestions:
 *     - algorithmName: tpe
 *       endpoint: 127.0.0.1:6789
 *     - algorithmName: my-random
 *       command: [python3, my_server.py, --port, "{port}"]
 *       deadlineSeconds: 600
 * ```
 *
 * Katib's own katib-config.yaml (or its ConfigMap) parses too: `init`, `runtime.earlyStoppings`,
 * `runtime.metricsCollectors` and the container fields of an entry (`resources`, `imagePullPolicy`,
 * `volumeMountPath`, …) are accepted and ignored; an entry that has only an `image` is an error
 * naming the entry, since there is no cluster here to run it.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { yamlModule as yaml } from '../api/yaml-module.js';
import { CONTAINER_FIELDS } from '../api/container-fields.js';
import { FieldPath, SpecError, type FieldError } from '../api/index.js';
import { isNil as absent, isRecord, own, show } from '../api/plain-json.js';

/** Katib's apiVersion of the KatibConfig kind. */
export const KATIB_CONFIG_API_VERSION = 'config.kubeflow.org/v1beta1';

/** The config file used when none is given: `.katib/config.yaml` of the working directory. */
export const DEFAULT_CONFIG_FILE = path.join('.katib', 'config.yaml');

/** Replaced by the port the engine picked, in every `command`/`args` element and `env` value. */
export const PORT_PLACEHOLDER = '{port}';

/** How long a started command may take to report SERVING, unless the entry says otherwise: 60 s. */
export const DEFAULT_STARTUP_TIMEOUT_MS = 60_000;

/** How often a started command that dies is started again, unless the entry says otherwise. */
export const DEFAULT_MAX_RESTARTS = 3;

/** Fields every entry may have. */
interface EntryBase {
  /** The Katib algorithm name the entry serves (`spec.algorithm.algorithmName`). */
  readonly algorithmName: string;
  /** Where the entry is in the file, e.g. `runtime.suggestions[1]` (for messages). */
  readonly path: string;
  /** GetSuggestions deadline in ms (`deadlineSeconds`); absent: the engine's default. */
  readonly deadlineMs?: number;
}

/** An algorithm served by a Katib-compatible Suggestion service that is already running. */
export interface EndpointSuggestionEntry extends EntryBase {
  readonly kind: 'endpoint';
  /** `host:port` of the service (gRPC, plaintext). */
  readonly endpoint: string;
}

/** An algorithm served by a command the engine starts on a free port, health-checks and stops. */
export interface CommandSuggestionEntry extends EntryBase {
  readonly kind: 'command';
  /** argv (command then args), `{port}` not yet substituted; run without a shell. */
  readonly argv: readonly string[];
  /** A fixed port (`port`); absent: a free one is picked and substituted for `{port}`. */
  readonly port?: number;
  /** Extra environment variables (`{port}` not yet substituted). */
  readonly env: Readonly<Record<string, string>>;
  /** Absolute working directory of the process. */
  readonly workingDir: string;
  /** How long the process may take to report SERVING, in ms. @default 60000 */
  readonly startupTimeoutMs: number;
  /** How often the process is started again after it dies. @default 3 */
  readonly maxRestarts: number;
}

/** One `runtime.suggestions` entry. */
export type SuggestionServiceEntry = EndpointSuggestionEntry | CommandSuggestionEntry;

/** A parsed config: the algorithms served outside this process. */
export interface SuggestionConfig {
  /** The file it came from, when loaded from one. */
  readonly source?: string;
  /** Entries in file order; algorithm names are unique. */
  readonly suggestions: readonly SuggestionServiceEntry[];
}

/** Options of {@link parseSuggestionConfig}. */
export interface ParseSuggestionConfigOptions {
  /** Names the config in messages. */
  readonly source?: string;
  /** What a relative `workingDir` is relative to; also the default working directory. @default process.cwd() */
  readonly baseDir?: string;
}

type Json = Record<string, unknown>;

/** Katib's own entry fields (beside the container). */
const KATIB_ENTRY_FIELDS = [
  'algorithmName',
  'serviceAccountName',
  'volumeMountPath',
  'persistentVolumeClaimSpec',
  'persistentVolumeSpec',
  'persistentVolumeLabels',
];
/** Our entry fields. */
const OWN_ENTRY_FIELDS = ['endpoint', 'deadlineSeconds', 'startupTimeoutSeconds', 'maxRestarts', 'port'];
/** Fields that only make sense when the engine starts the service. */
const COMMAND_ONLY_FIELDS = ['args', 'port', 'startupTimeoutSeconds', 'maxRestarts'];
const ENTRY_FIELDS = new Set([...CONTAINER_FIELDS, ...KATIB_ENTRY_FIELDS, ...OWN_ENTRY_FIELDS]);

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks an endpoint written as `host:port` (IPv6 hosts in brackets).
 * @returns the problem, or undefined when it is well-formed.
 */
export function endpointProblem(endpoint: string): string | undefined {
  const i = endpoint.lastIndexOf(':');
  const bad = `must be host:port, e.g. 127.0.0.1:6789 (got ${show(endpoint)})`;
  if (i <= 0) return bad;
  const host = endpoint.slice(0, i);
  const port = endpoint.slice(i + 1);
  if (!(HOSTNAME.test(host) || IPV6.test(host))) return bad;
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)
    return `must be host:port with a port from 1 to 65535 (got ${show(endpoint)})`;
  return undefined;
}

/**
 * Parses a config object (parsed YAML/JSON): a KatibConfig, or a ConfigMap holding one under
 * `data["katib-config.yaml"]`.
 * @throws SpecError listing every problem with its path, e.g.
 *   `runtime.suggestions[1].endpoint: must be host:port, e.g. 127.0.0.1:6789 (got "x")`.
 */
export function parseSuggestionConfig(
  raw: unknown,
  opts: ParseSuggestionConfigOptions = {},
): SuggestionConfig {
  const headline = `invalid suggestion config${opts.source ? ` ${opts.source}` : ''}`;
  if (isRecord(raw) && own(raw, 'kind') === 'ConfigMap') {
    const data = own(raw, 'data');
    const text = isRecord(data) ? own(data, 'katib-config.yaml') : undefined;
    if (typeof text !== 'string')
      throw new SpecError(
        [{ path: 'data[katib-config.yaml]', message: 'a ConfigMap must hold the KatibConfig as this key' }],
        headline,
      );
    return parseSuggestionConfigText(text, {
      ...opts,
      source: `${opts.source ?? 'ConfigMap'} data[katib-config.yaml]`,
    });
  }
  const errors: FieldError[] = [];
  const suggestions: SuggestionServiceEntry[] = [];
  if (!isRecord(raw)) {
    throw new SpecError(
      [{ path: '<root>', message: `must be an object (a KatibConfig), got ${show(raw)}` }],
      headline,
    );
  }
  const apiVersion = own(raw, 'apiVersion');
  if (!absent(apiVersion) && apiVersion !== KATIB_CONFIG_API_VERSION)
    errors.push({ path: 'apiVersion', message: `must be ${KATIB_CONFIG_API_VERSION}`, value: apiVersion });
  const kind = own(raw, 'kind');
  if (!absent(kind) && kind !== 'KatibConfig')
    errors.push({ path: 'kind', message: 'must be KatibConfig', value: kind });
  for (const k of Object.keys(raw))
    if (!['apiVersion', 'kind', 'init', 'runtime'].includes(k))
      errors.push({ path: k, message: 'unknown field (a KatibConfig has apiVersion, kind, init, runtime)' });
  const init = own(raw, 'init');
  if (!absent(init) && !isRecord(init)) errors.push({ path: 'init', message: 'must be an object' });
  const runtime = own(raw, 'runtime');
  if (!absent(runtime)) {
    if (!isRecord(runtime)) errors.push({ path: 'runtime', message: 'must be an object' });
    else {
      for (const k of Object.keys(runtime))
        if (!['suggestions', 'earlyStoppings', 'metricsCollectors'].includes(k))
          errors.push({
            path: `runtime.${k}`,
            message: 'unknown field (runtime has suggestions, earlyStoppings, metricsCollectors)',
          });
      const list = own(runtime, 'suggestions');
      if (!absent(list)) {
        if (!Array.isArray(list)) errors.push({ path: 'runtime.suggestions', message: 'must be a list' });
        else {
          const seen = new Map<string, string>();
          list.forEach((item: unknown, i) => {
            const at = FieldPath.root('runtime').child('suggestions').index(i);
            const entry = parseEntry(item, at, opts.baseDir ?? process.cwd(), errors);
            if (!entry) return;
            const first = seen.get(entry.algorithmName);
            if (first !== undefined) {
              errors.push(
                at
                  .child('algorithmName')
                  .error(`duplicate algorithm name ${show(entry.algorithmName)} (also at ${first})`),
              );
              return;
            }
            seen.set(entry.algorithmName, at.toString());
            suggestions.push(entry);
          });
        }
      }
    }
  }
  if (errors.length > 0) throw new SpecError(errors, headline);
  return { ...(opts.source !== undefined ? { source: opts.source } : {}), suggestions };
}

function parseEntry(
  item: unknown,
  at: FieldPath,
  baseDir: string,
  errors: FieldError[],
): SuggestionServiceEntry | undefined {
  if (!isRecord(item)) {
    errors.push(at.error(`must be an object, got ${show(item)}`));
    return undefined;
  }
  const before = errors.length;
  for (const k of Object.keys(item))
    if (!ENTRY_FIELDS.has(k))
      errors.push(
        at.child(k).error('unknown field (an entry has algorithmName and endpoint or command, see the docs)'),
      );
  const name = own(item, 'algorithmName');
  if (typeof name !== 'string' || name.trim() === '') {
    errors.push(at.child('algorithmName').error('must be a non-empty string', name));
  }
  const label = typeof name === 'string' && name !== '' ? ` (algorithm ${name})` : '';
  const endpoint = own(item, 'endpoint');
  const command = own(item, 'command');
  const image = own(item, 'image');
  if (absent(endpoint) && absent(command)) {
    errors.push(
      absent(image)
        ? at.error(`must have exactly one of endpoint (host:port of a running service) or command${label}`)
        : at
            .child('image')
            .error(
              `katib-ts cannot run container image ${show(image)}${label}; ` +
                'give the entry an endpoint (host:port of a running Katib-compatible service) ' +
                'or a command that starts one',
            ),
    );
    return undefined;
  }
  if (!absent(endpoint) && !absent(command)) {
    errors.push(at.error(`must have exactly one of endpoint or command, not both${label}`));
    return undefined;
  }
  const deadlineMs = seconds(item, 'deadlineSeconds', at, errors);
  if (!absent(endpoint)) {
    if (typeof endpoint !== 'string')
      errors.push(at.child('endpoint').error('must be a string host:port', endpoint));
    else {
      const problem = endpointProblem(endpoint);
      if (problem) errors.push(at.child('endpoint').error(problem));
    }
    for (const k of COMMAND_ONLY_FIELDS)
      if (!absent(own(item, k))) errors.push(at.child(k).error('applies only to an entry with a command'));
    if (errors.length > before) return undefined;
    return {
      kind: 'endpoint',
      algorithmName: name as string,
      path: at.toString(),
      endpoint: endpoint as string,
      ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    };
  }

  const argv = stringList(command, at.child('command'), errors, true);
  const args = absent(own(item, 'args'))
    ? []
    : stringList(own(item, 'args'), at.child('args'), errors, false);
  const portRaw = own(item, 'port');
  let port: number | undefined;
  if (!absent(portRaw)) {
    if (typeof portRaw !== 'number' || !Number.isInteger(portRaw) || portRaw < 1 || portRaw > 65535)
      errors.push(at.child('port').error('must be an integer from 1 to 65535', portRaw));
    else port = portRaw;
  }
  const full = [...(argv ?? []), ...(args ?? [])];
  if (argv && args && port === undefined && !full.some((a) => a.includes(PORT_PLACEHOLDER)))
    errors.push(
      at
        .child('command')
        .error(
          `must contain the ${PORT_PLACEHOLDER} placeholder (the engine picks a free port and passes it), ` +
            'or set port to the fixed port the service listens on',
        ),
    );
  const env = parseEnv(own(item, 'env'), at.child('env'), errors);
  const wd = own(item, 'workingDir');
  if (!absent(wd) && (typeof wd !== 'string' || wd === ''))
    errors.push(at.child('workingDir').error('must be a non-empty string', wd));
  const startup = seconds(item, 'startupTimeoutSeconds', at, errors);
  const restartsRaw = own(item, 'maxRestarts');
  if (
    !absent(restartsRaw) &&
    (typeof restartsRaw !== 'number' || !Number.isInteger(restartsRaw) || restartsRaw < 0)
  )
    errors.push(at.child('maxRestarts').error('must be a non-negative integer', restartsRaw));
  if (errors.length > before) return undefined;
  return {
    kind: 'command',
    algorithmName: name as string,
    path: at.toString(),
    argv: full,
    ...(port !== undefined ? { port } : {}),
    env,
    workingDir: typeof wd === 'string' ? path.resolve(baseDir, wd) : baseDir,
    startupTimeoutMs: startup ?? DEFAULT_STARTUP_TIMEOUT_MS,
    maxRestarts: typeof restartsRaw === 'number' ? restartsRaw : DEFAULT_MAX_RESTARTS,
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
  };
}

/** A positive number of seconds at `item[key]`, in ms. */
function seconds(item: Json, key: string, at: FieldPath, errors: FieldError[]): number | undefined {
  const v = own(item, key);
  if (absent(v)) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    errors.push(at.child(key).error('must be a positive number of seconds', v));
    return undefined;
  }
  return Math.round(v * 1000);
}

function stringList(
  v: unknown,
  at: FieldPath,
  errors: FieldError[],
  nonEmpty: boolean,
): string[] | undefined {
  if (!Array.isArray(v)) {
    errors.push(
      at.error(
        typeof v === 'string'
          ? 'must be a list of strings (argv, run without a shell), e.g. [python3, server.py, --port, "{port}"]'
          : 'must be a list of strings',
        v,
      ),
    );
    return undefined;
  }
  if (nonEmpty && v.length === 0) {
    errors.push(at.error('must not be empty'));
    return undefined;
  }
  let ok = true;
  v.forEach((x: unknown, i) => {
    if (typeof x === 'number') return; // YAML reads `--port, 6789` as a number; take it as text.
    if (typeof x !== 'string' || (i === 0 && nonEmpty && x === '')) {
      errors.push(
        at.index(i).error(i === 0 && nonEmpty ? 'must be a non-empty string' : 'must be a string', x),
      );
      ok = false;
    }
  });
  return ok ? v.map((x) => String(x as string | number)) : undefined;
}

/** `env` as corev1 lists it (`[{name, value}]`) or as a plain map. */
function parseEnv(v: unknown, at: FieldPath, errors: FieldError[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (absent(v)) return out;
  const put = (name: unknown, value: unknown, where: FieldPath): void => {
    if (typeof name !== 'string' || !ENV_NAME.test(name)) {
      errors.push(where.error('must be an environment variable name', name));
      return;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      errors.push(where.error('must have a string value (valueFrom is not supported here)'));
      return;
    }
    out[name] = String(value);
  };
  if (Array.isArray(v)) {
    v.forEach((e: unknown, i) => {
      if (!isRecord(e)) errors.push(at.index(i).error('must be an object {name, value}', e));
      else if (!absent(own(e, 'valueFrom')))
        errors.push(at.index(i).error('must have a string value (valueFrom is not supported here)'));
      else put(own(e, 'name'), own(e, 'value') ?? '', at.index(i));
    });
  } else if (isRecord(v)) {
    for (const [k, x] of Object.entries(v)) put(k, x, at.key(k));
  } else errors.push(at.error('must be a list of {name, value} or a map', v));
  return out;
}

/**
 * Parses config text (YAML or JSON).
 * @throws SpecError on syntax errors (at `<source>:line:col`) and on every invalid field.
 */
export function parseSuggestionConfigText(
  text: string,
  opts: ParseSuggestionConfigOptions = {},
): SuggestionConfig {
  const source = opts.source ?? '<config>';
  const doc = yaml().parseDocument(text.startsWith('\uFEFF') ? text.slice(1) : text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new SpecError(
      doc.errors.map((e) => {
        const [line, col] = lineCol(text, e.pos[0]);
        return { path: `${source}:${line}:${col}`, message: e.message };
      }),
      `cannot parse ${source}`,
    );
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  if (raw === null || raw === undefined)
    return { ...(opts.source ? { source: opts.source } : {}), suggestions: [] };
  return parseSuggestionConfig(raw, { ...opts, source });
}

function lineCol(text: string, offset: number): [number, number] {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  return [line, offset - before.lastIndexOf('\n')];
}

/**
 * The project directory of a config file: where relative `workingDir`s resolve and commands run.
 * It is the file's directory, or, for a file inside a `.katib` directory, the directory above it.
 */
export function configBaseDir(file: string): string {
  const dir = path.dirname(path.resolve(file));
  return path.basename(dir) === '.katib' ? path.dirname(dir) : dir;
}

/**
 * Reads and parses a config file.
 * @throws SpecError when the file cannot be read or is invalid.
 */
export async function loadSuggestionConfig(file: string): Promise<SuggestionConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = isRecord(e) ? own(e, 'code') : undefined;
    const message =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a directory, not a config file'
          : `cannot read the file: ${e instanceof Error ? e.message : String(e)}`;
    throw new SpecError([{ path: file, message }], `cannot load config file ${file}`);
  }
  return parseSuggestionConfigText(text, { source: file, baseDir: configBaseDir(file) });
}

/**
 * The config in effect: `file` when given, else `.katib/config.yaml` of `cwd` when present, else
 * none (every algorithm in-process).
 * @throws SpecError when the file cannot be read or is invalid.
 */
export async function resolveSuggestionConfig(
  file: string | undefined,
  cwd: string = process.cwd(),
): Promise<SuggestionConfig | undefined> {
  if (file !== undefined && file !== '') return loadSuggestionConfig(path.resolve(cwd, file));
  const fallback = path.join(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(fallback) ? loadSuggestionConfig(fallback) : undefined;
}

/** `text` with every `{port}` replaced by `port`. */
export function withPort(text: string, port: number): string {
  return text.split(PORT_PLACEHOLDER).join(String(port));
}
