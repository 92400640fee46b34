/**
 * A small, private way to find a trial's primary container in its workload manifest, so the
 * local-process runner can run it. It only knows the container shape below and two places to look:
 * any `containers` array in the manifest (batch Job, PyTorchJob, JobSet, …) and a Kubeflow Trainer
 * TrainJob's `spec.trainer`, which runs as the container named `node`.
 *
 * Internal to src/runners: to be replaced by `findPrimaryContainer` from api/trial-template.ts
 * once that exists (same signature).
 */

/** The part of a Kubernetes container the embedded mode uses. */
export interface ContainerSpec {
  readonly name: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  /** `value` is absent when the manifest uses `valueFrom` (not supported locally). */
  readonly env?: readonly { readonly name: string; readonly value?: string }[];
  readonly workingDir?: string;
  readonly image?: string;
}

/** The container name Kubeflow Trainer gives a TrainJob's `spec.trainer`. */
export const TRAINJOB_CONTAINER_NAME = 'node';

/**
 * The container named `primaryContainerName` in `runSpec`, or undefined when there is none.
 * With no name given, the manifest's only container (if it has exactly one).
 */
export function findPrimaryContainer(
  runSpec: Readonly<Record<string, unknown>> | undefined,
  primaryContainerName: string | undefined,
): ContainerSpec | undefined {
  if (runSpec === undefined) return undefined;
  const found: ContainerSpec[] = [];
  collectContainers(runSpec, found, 0);
  const trainer = trainJobTrainer(runSpec);
  if (trainer !== undefined) found.push(trainer);
  if (primaryContainerName === undefined || primaryContainerName === '') {
    return found.length === 1 ? found[0] : undefined;
  }
  return found.find((c) => c.name === primaryContainerName);
}

const MAX_DEPTH = 32;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Walks the manifest and keeps every well-formed entry of every `containers` array. */
function collectContainers(node: unknown, out: ContainerSpec[], depth: number): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(node)) {
    for (const item of node) collectContainers(item, out, depth + 1);
    return;
  }
  if (!isRecord(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'containers' && Array.isArray(value)) {
      for (const c of value) {
        const container = toContainer(c, undefined);
        if (container !== undefined) out.push(container);
      }
    } else {
      collectContainers(value, out, depth + 1);
    }
  }
}

function trainJobTrainer(runSpec: Readonly<Record<string, unknown>>): ContainerSpec | undefined {
  const spec = runSpec['spec'];
  if (!isRecord(spec)) return undefined;
  const trainer = spec['trainer'];
  if (!isRecord(trainer)) return undefined;
  return toContainer(trainer, TRAINJOB_CONTAINER_NAME);
}

function stringArray(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.map(scalarString);
}

/** A manifest value as text: YAML may hand us `0.1` or `true` where the container wants a string. */
function scalarString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? '';
}

function toContainer(v: unknown, name: string | undefined): ContainerSpec | undefined {
  if (!isRecord(v)) return undefined;
  const containerName = name ?? v['name'];
  if (typeof containerName !== 'string') return undefined;
  const command = stringArray(v['command']);
  const args = stringArray(v['args']);
  const env = Array.isArray(v['env'])
    ? v['env'].filter(isRecord).flatMap((e) => {
        const envName = e['name'];
        if (typeof envName !== 'string') return [];
        const value = e['value'];
        return value === undefined || value === null
          ? [{ name: envName }]
          : [{ name: envName, value: scalarString(value) }];
      })
    : undefined;
  const workingDir = typeof v['workingDir'] === 'string' ? v['workingDir'] : undefined;
  const image = typeof v['image'] === 'string' ? v['image'] : undefined;
  return {
    name: containerName,
    ...(command !== undefined && { command }),
    ...(args !== undefined && { args }),
    ...(env !== undefined && { env }),
    ...(workingDir !== undefined && { workingDir }),
    ...(image !== undefined && { image }),
  };
}
