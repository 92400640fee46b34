/**
 * Embedded mode's view of a trial's workload: where it runs and which files it writes.
 *
 * - A relative container `workingDir` (e.g. `.`) is resolved against the directory of the
 *   experiment file, so an example's `node trials/quadratic.mjs` finds its script; without a
 *   `workingDir` the process runs in its own trial directory.
 * - The File collector's path (an absolute path inside a container, such as
 *   `/var/log/katib/metrics.log`) and the TensorFlowEvent collector's directory are mapped into
 *   the trial directory, and the same string is rewritten wherever it appears in the manifest
 *   (args, env), so parallel trials never share a file.
 * - pbt's `suggestion_trial_dir` (where Katib mounts the trial's checkpoint volume) becomes the
 *   trial's own `checkpoint/` directory in the same way, also given as `$KATIB_TRIAL_CHECKPOINT_DIR`.
 */
import path from 'node:path';
import type { ContainerSpec, Trial } from '../api/index.js';
import type { TrialRun } from '../runners/index.js';

/** Annotation holding the directory of the file an experiment was loaded from. */
export const SOURCE_DIR_ANNOTATION = 'katib-ts.dev/source-dir';

/** A trial's local run plus what it needs prepared. */
export interface LocalTrialPlan {
  readonly run: TrialRun;
  /** Directories to create before the start. */
  readonly directories: readonly string[];
  /** The metrics file the File collector tails, if any. */
  readonly metricsFile?: string;
  /** The directory the TensorFlowEvent collector reads, if any. */
  readonly metricsDir?: string;
  /** The trial's own checkpoint directory (pbt), if any. */
  readonly checkpointDir?: string;
  /** The Custom collector's container, paths mapped like the trial's, if any. */
  readonly customCollector?: ContainerSpec;
  /** Where the Custom collector's completion marker goes (its mapped metrics directory). */
  readonly markerDir?: string;
}

/** Environment variable naming a trial's checkpoint directory (pbt's `suggestion_trial_dir`, mapped). */
export const CHECKPOINT_DIR_ENV = 'KATIB_TRIAL_CHECKPOINT_DIR';

/** Extra inputs of {@link planLocalTrial}. */
export interface LocalTrialOptions {
  /**
   * A container path (pbt's `suggestion_trial_dir`) that becomes a per-trial local directory:
   * `<trialDir>/checkpoint`, substituted wherever the path appears in the manifest.
   */
  readonly checkpointPath?: string;
  /** More environment for the trial (e.g. the db-manager address for Push). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Plans the local run of `trial` in `trialDir`; `sourceDir` is the experiment file's directory. */
export function planLocalTrial(
  trial: Trial,
  trialDir: string,
  sourceDir: string | undefined,
  options: LocalTrialOptions = {},
): LocalTrialPlan {
  const directories = [trialDir];
  let metricsFile: string | undefined;
  let metricsDir: string | undefined;
  let checkpointDir: string | undefined;
  const rewrites: [from: string, to: string][] = [];
  const collector = trial.spec.metricsCollector;
  const kind = collector.collector?.kind;
  const fsPath = collector.source?.fileSystemPath?.path;
  let markerDir: string | undefined;
  if ((kind === 'File' || kind === 'TensorFlowEvent' || kind === 'Custom') && fsPath) {
    const local = path.join(trialDir, 'metrics', fsPath.replace(/^\/+/, ''));
    const isFile = kind === 'File' || collector.source?.fileSystemPath?.kind === 'File';
    if (kind === 'File') metricsFile = local;
    else if (kind === 'TensorFlowEvent') metricsDir = local;
    markerDir = isFile ? path.dirname(local) : local;
    directories.push(markerDir);
    rewrites.push([fsPath, local]);
  }
  if (options.checkpointPath) {
    checkpointDir = path.join(trialDir, 'checkpoint');
    // `/ckpt/` and `/ckpt` both name the directory: map the path without its trailing slash.
    const from = options.checkpointPath.replace(/\/+$/, '') || options.checkpointPath;
    rewrites.push([from, checkpointDir]);
  }
  const rewrite =
    rewrites.length > 0
      ? (s: string) => rewrites.reduce((acc, [from, to]) => acc.split(from).join(to), s)
      : undefined;
  const base = sourceDir ?? process.cwd();
  const runSpec = trial.spec.runSpec ? rewriteManifest(trial.spec.runSpec, base, rewrite) : undefined;
  const localTrial: Trial = runSpec ? { ...trial, spec: { ...trial.spec, runSpec } } : trial;
  const custom = kind === 'Custom' ? collector.collector?.customCollector : undefined;
  const customCollector = custom ? toLocalContainer(rewriteManifest(custom, base, rewrite)) : undefined;
  const run: TrialRun = {
    trial: localTrial,
    workDir: trialDir,
    env: {
      ...options.env,
      KATIB_TRIAL_DIR: trialDir,
      ...(sourceDir ? { KATIB_EXPERIMENT_DIR: sourceDir } : {}),
      ...(checkpointDir ? { [CHECKPOINT_DIR_ENV]: checkpointDir } : {}),
    },
    ...(metricsFile ? { watchFiles: [metricsFile] } : {}),
  };
  return {
    run,
    directories,
    ...(metricsFile ? { metricsFile } : {}),
    ...(metricsDir ? { metricsDir } : {}),
    ...(checkpointDir ? { checkpointDir } : {}),
    ...(customCollector ? { customCollector } : {}),
    ...(customCollector && markerDir ? { markerDir } : {}),
  };
}

/** The parts of a Kubernetes container a local process needs, from its raw manifest. */
function toLocalContainer(raw: Record<string, unknown>): ContainerSpec {
  const strings = (v: unknown): string[] | undefined =>
    Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  const command = strings(raw['command']);
  const args = strings(raw['args']);
  const env = Array.isArray(raw['env'])
    ? (raw['env'] as unknown[]).flatMap((e) => {
        if (typeof e !== 'object' || e === null) return [];
        const { name, value } = e as { name?: unknown; value?: unknown };
        return typeof name === 'string' ? [{ name, ...(typeof value === 'string' ? { value } : {}) }] : [];
      })
    : undefined;
  const workingDir = typeof raw['workingDir'] === 'string' ? raw['workingDir'] : undefined;
  return {
    name: typeof raw['name'] === 'string' ? raw['name'] : 'metrics-collector',
    ...(command ? { command } : {}),
    ...(args ? { args } : {}),
    ...(env ? { env } : {}),
    ...(workingDir !== undefined ? { workingDir } : {}),
  };
}

function rewriteManifest(
  value: Record<string, unknown>,
  baseDir: string,
  rewrite: ((s: string) => string) | undefined,
): Record<string, unknown> {
  const walk = (v: unknown, key: string | undefined): unknown => {
    if (typeof v === 'string') {
      const s = rewrite ? rewrite(v) : v;
      return key === 'workingDir' && !path.isAbsolute(s) ? path.resolve(baseDir, s) : s;
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, undefined));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, k);
      return out;
    }
    return v;
  };
  return walk(value, undefined) as Record<string, unknown>;
}
