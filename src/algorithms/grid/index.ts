/** Katib's `grid` algorithm. */
export { gridAlgorithm, gridSettings, gridSize, type GridSettings } from './grid.js';
export { lexicographicOrder, permutedOrder, MAX_GRID_POSITIONS, type GridOrder } from './grid-order.js';
