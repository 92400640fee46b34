/** Katib's `sobol` algorithm, the Sobol' sequence behind it, and the normal CDF/quantile it maps with. */
export { sobolAlgorithm, sobolSettings, sobolToCodecPoint, type SobolSettings } from './sobol.js';
export {
  SobolSequence,
  directionNumbers,
  MAX_SOBOL_DIMENSIONS,
  MAX_SOBOL_INDEX,
  SOBOL_BITS,
  type SobolOptions,
} from './sobol-sequence.js';
export { normalCdf, normalQuantile } from '../math/normal.js';
