/** Katib's `random` algorithm. */
export { randomAlgorithm, randomSettings, drawPoint, assignmentKey, type RandomSettings } from './random.js';
