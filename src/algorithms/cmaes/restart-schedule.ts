/**
 * Restart strategies of CMA-ES, as Katib's `restart_strategy` names them:
 * - `none`: one run (with one exception, see the designer: a run that can only revisit evaluated
 *   points restarts with the same population size).
 * - `ipop`: restart with the population doubled whenever a run stops (A. Auger and N. Hansen, "A
 *   Restart CMA Evolution Strategy With Increasing Population Size", CEC 2005).
 * - `bipop`: two interlaced regimes (N. Hansen, "Benchmarking a BI-Population CMA-ES on the
 *   BBOB-2009 Function Testbed", GECCO 2009): a large-population regime doubling λ at each of its
 *   restarts with the initial σ, and a small-population regime with λ_s = ⌊λ_def (½ λ_l/λ_def)^(U²)⌋
 *   and σ_s = σ_0·10^(−2U), U uniform in [0, 1), λ_l the latest large population. Each restart goes
 *   to the regime that has used fewer evaluations so far (the first run counts as large; ties go
 *   to the large regime).
 *
 * Every restart starts from a mean drawn uniformly in the unit cube, as Optuna's sampler does.
 */
import { Rng } from '../rng.js';

/** Katib's `restart_strategy` values (Optuna's service also accepts `None`). */
export type RestartStrategy = 'none' | 'ipop' | 'bipop';

/** The population and step size of one run. */
export interface RunPlan {
  /** 0 for the first run, then 1, 2, … */
  readonly restart: number;
  readonly lambda: number;
  readonly sigma: number;
  readonly regime: 'large' | 'small';
  /** Where the run starts, in the unit cube. */
  readonly mean: Float64Array;
}

/** Decides the population size, σ and start of each run. */
export class RestartSchedule {
  private evaluationsLarge = 0;
  private evaluationsSmall = 0;
  private largeRestarts = 0;

  constructor(
    private readonly strategy: RestartStrategy,
    private readonly dimensions: number,
    private readonly defaultLambda: number,
    private readonly sigma0: number,
    private readonly seed: number,
  ) {}

  /** The first run: default population, σ₀, centred in the cube. */
  first(): RunPlan {
    return {
      restart: 0,
      lambda: this.defaultLambda,
      sigma: this.sigma0,
      regime: 'large',
      mean: new Float64Array(this.dimensions).fill(0.5),
    };
  }

  /** Records the evaluations a finished generation of `plan` used. */
  spend(plan: RunPlan, evaluations: number): void {
    if (plan.regime === 'large') this.evaluationsLarge += evaluations;
    else this.evaluationsSmall += evaluations;
  }

  /** The run after `previous`, which stopped. */
  next(previous: RunPlan): RunPlan {
    const restart = previous.restart + 1;
    const rng = Rng.derive(this.seed, 'cmaes', 'restart', restart);
    const mean = Float64Array.from({ length: this.dimensions }, () => rng.next());
    switch (this.strategy) {
      case 'none':
        return { restart, lambda: previous.lambda, sigma: this.sigma0, regime: 'large', mean };
      case 'ipop':
        return { restart, lambda: previous.lambda * 2, sigma: this.sigma0, regime: 'large', mean };
      case 'bipop': {
        if (this.evaluationsLarge <= this.evaluationsSmall) {
          this.largeRestarts++;
          const lambda = this.defaultLambda * 2 ** this.largeRestarts;
          return { restart, lambda, sigma: this.sigma0, regime: 'large', mean };
        }
        const u = rng.next();
        const largeLambda = this.defaultLambda * 2 ** this.largeRestarts;
        const lambda = Math.max(
          4,
          Math.floor(this.defaultLambda * (0.5 * (largeLambda / this.defaultLambda)) ** (u * u)),
        );
        return { restart, lambda, sigma: this.sigma0 * 10 ** (-2 * u), regime: 'small', mean };
      }
    }
  }
}
