/**
 * The TypeScript SDK: `tune()` over an in-process objective, and `search` helpers.
 *
 * ```ts
 * import { tune, search } from 'katib-ts';
 * const { bestTrial } = await tune({ objective: (p) => (Number(p.x) - 2) ** 2, parameters: { x: search.double(-5, 5) } });
 * ```
 */
export * from './tune.js';
export * from './search.js';
export * from './report-metrics.js';
