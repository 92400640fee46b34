export { pbtAlgorithm, perturb, PBT_GENERATION_LABEL, PBT_PARENT_LABEL } from './pbt.js';
export { pbtSettings, type PbtSettings } from './pbt-settings.js';
