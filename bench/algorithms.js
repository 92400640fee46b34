// Which of our algorithms is compared with which Optuna sampler, shared by the quality and latency
// benchmarks. Our algorithms are picked by Katib name from the registry at run time.

/** Our algorithms under benchmark, by Katib name, in report order. */
export const OUR_ALGORITHMS = ['random', 'sobol', 'bayesianoptimization', 'tpe', 'multivariate-tpe', 'cmaes'];

/** Optuna samplers (the key is what bench/optuna_peer.py understands), in report order. */
export const PEER_SAMPLERS = {
  random: 'RandomSampler',
  qmc: 'QMCSampler(sobol)',
  tpe: 'TPESampler',
  mvtpe: 'TPESampler(multivariate)',
  cmaes: 'CmaEsSampler',
};

/**
 * The peer of each of our algorithms. `best` (GP-BO) means: the Optuna sampler with the lowest
 * median regret on that function and mode.
 */
export const PEER_OF = {
  random: 'random',
  sobol: 'qmc',
  bayesianoptimization: 'best',
  tpe: 'tpe',
  'multivariate-tpe': 'mvtpe',
  cmaes: 'cmaes',
};

/** Display name of a method: ours by Katib name, the peer by Optuna class. */
export function methodLabel(side, name) {
  return side === 'ours' ? `ours ${name}` : `Optuna ${PEER_SAMPLERS[name] ?? name}`;
}

/** Splits a comma-separated option value; `undefined` stays undefined. */
export function listOption(value) {
  if (value === undefined) return undefined;
  return String(value)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Parses a seed list: `1..15`, `1-15`, `1,2,7`, or `N` meaning 1..N. */
export function seedsOption(value, fallback) {
  if (value === undefined) return fallback;
  const out = [];
  for (const part of listOption(value)) {
    const m = part.match(/^(\d+)\s*(?:\.\.|-)\s*(\d+)$/);
    if (m) for (let s = Number(m[1]); s <= Number(m[2]); s++) out.push(s);
    else if (/^\d+$/.test(part) && !String(value).includes(','))
      for (let s = 1; s <= Number(part); s++) out.push(s);
    else if (/^\d+$/.test(part)) out.push(Number(part));
    else throw new Error(`bad --seeds ${value}: use 1..15, 1,2,7 or N`);
  }
  if (out.some((s) => s < 1)) throw new Error('seeds start at 1 (Optuna 3.1 treats seed 0 as "no seed")');
  return out;
}
