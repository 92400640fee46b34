/** `katib validate FILE`: prints every broken rule with its field path; exits non-zero if any. */
import { loadExperimentFile } from '../../api/index.js';
import { admitExperiment } from '../../controller/index.js';

/** Runs `katib validate`. Returns the exit code. */
export async function validateCommand(file: string, out: NodeJS.WritableStream): Promise<number> {
  const raw = await loadExperimentFile(file);
  const e = admitExperiment(raw);
  out.write(
    `${file}: experiment "${e.metadata.name}" is valid (${e.spec.algorithm.algorithmName}, ` +
      `${e.spec.parameters?.length ?? 0} parameters, objective ${e.spec.objective.type} ${e.spec.objective.objectiveMetricName})\n`,
  );
  return 0;
}
