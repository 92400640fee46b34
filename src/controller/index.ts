/**
 * The experiment controller: one level-triggered reconciler for every entry point and runner.
 *
 * ```ts
 * const controller = Controller.create({ store, suggestions, runner });
 * const final = await controller.runUntilComplete('my-experiment');
 * await controller.shutdown();
 * ```
 */
export * from './controller.js';
export * from './experiment-status.js';
export * from './optimal-trial.js';
export * from './trial-counts.js';
export * from './trial-factory.js';
export * from './trial-view.js';
export * from './local-trial.js';
export * from './admit.js';
export { WorkQueue } from './work-queue.js';
export { newTrialName } from './trial-name.js';
