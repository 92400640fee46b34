/**
 * Embedded mode's view of a trial's workload: where it runs and which files it writes.
 *
 * - A relative container `workingDir` (e.g. `.`) is resolved against the directory of the
 *   experiment file, so an example's `node trials/quadratic.mjs` finds its script; without a
 *   `workingDir` the process runs in its own trial directory.
 * - The File collector's path (an absolute path inside a container, such as
 *   `/var/log/katib/metrics.log`) is mapped into the trial directory, and the same string is
 *   rewritten wherever it appears in the manifest (args, env), so parallel trials never share a file.
 */
import path from 'node:path';
import type { Trial } from '../api/index.js';
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
}

/** Plans the local run of `trial` in `trialDir`; `sourceDir` is the experiment file's directory. */
export function planLocalTrial(
  trial: Trial,
  trialDir: string,
  sourceDir: string | undefined,
): LocalTrialPlan {
  const directories = [trialDir];
  let metricsFile: string | undefined;
  let rewrite: ((s: string) => string) | undefined;
  const collector = trial.spec.metricsCollector;
  const fsPath = collector.source?.fileSystemPath?.path;
  if (collector.collector?.kind === 'File' && fsPath) {
    metricsFile = path.join(trialDir, 'metrics', fsPath.replace(/^\/+/, ''));
    directories.push(path.dirname(metricsFile));
    const from = fsPath;
    const to = metricsFile;
    rewrite = (s) => s.split(from).join(to);
  }
  const base = sourceDir ?? process.cwd();
  const runSpec = trial.spec.runSpec ? rewriteManifest(trial.spec.runSpec, base, rewrite) : undefined;
  const localTrial: Trial = runSpec ? { ...trial, spec: { ...trial.spec, runSpec } } : trial;
  const run: TrialRun = {
    trial: localTrial,
    workDir: trialDir,
    env: { KATIB_TRIAL_DIR: trialDir, ...(sourceDir ? { KATIB_EXPERIMENT_DIR: sourceDir } : {}) },
    ...(metricsFile ? { watchFiles: [metricsFile] } : {}),
  };
  return metricsFile ? { run, directories, metricsFile } : { run, directories };
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
