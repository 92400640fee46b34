/** Small dense linear algebra on flat `Float64Array`s for the model-based algorithms. */
export {
  JITTER_LADDER,
  choleskyInverse,
  choleskySolve,
  choleskyWithJitter,
  factorRows,
  halfLogDeterminant,
  solveLower,
  solveUpper,
  solveUpperTransposed,
  transposed,
  type CholeskyFactor,
} from './cholesky.js';
export { minimizeLbfgs, type LbfgsOptions, type LbfgsResult } from './lbfgs.js';
