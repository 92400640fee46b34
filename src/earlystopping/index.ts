/**
 * Early stopping: the {@link EarlyStopper} port, Katib's `medianstop` algorithm, the pure
 * {@link checkRules} decision for running trials, and Katib's `EarlyStopping` gRPC service.
 *
 * ```ts
 * import { checkRules, earlyStoppingAlgorithm } from './earlystopping/index.js';
 *
 * const stopper = earlyStoppingAlgorithm('medianstop')!;
 * const rules = await stopper.rules(experiment, trials, (t) => store.read.getObservationLog(t));
 * const decision = checkRules(rules, await store.read.getObservationLog('trial-7'), experiment.spec.objective);
 * if (decision) console.log(`stop trial-7: ${decision.reason}`);
 * ```
 */
export {
  checkRules,
  type EarlyStopDecision,
  type EarlyStopper,
  type ObservationLogReader,
} from './early-stopper.js';
export {
  MEDIANSTOP_DEFAULTS,
  MEDIANSTOP_NAME,
  firstReportsAverage,
  median,
  medianStop,
  parseMedianStopSettings,
  type MedianStopSettings,
} from './medianstop.js';
export {
  earlyStoppingAlgorithm,
  earlyStoppingAlgorithmNames,
  validateEarlyStoppingSpec,
} from './registry.js';
export {
  DBManagerClient,
  DEFAULT_DB_MANAGER_DEADLINE_MS,
  type DBManagerClientOptions,
} from './db-manager-client.js';
export {
  DEFAULT_EARLYSTOPPING_PORT,
  DEFAULT_MAX_EARLYSTOPPING_TRIALS,
  EARLYSTOPPING_HEALTH_SERVICE,
  EARLY_STOPPED_MESSAGE,
  EarlyStoppingServer,
  type EarlyStoppingServerOptions,
} from './grpc-server.js';
