"""The Optuna peer of bench/quality.js and bench/latency.js: one long-lived process.

Reads one JSON request per line on stdin and writes one JSON reply per line on stdout, so a whole
set of runs pays for one interpreter start and one `import optuna`. Requests:

- {"cmd": "eval", "problem": p, "points": [{...}]}  -> {"values": [...]}  (parity check)
- {"cmd": "run", "problem": p, "sampler": s, "seed": n, "trials": n, "parallel": k,
   "durations": [...]}  -> {"best": f, "regret": r, "seconds": t, "values": [...]}
- {"cmd": "latency", "sampler": s, "seed": n, "dims": 6, "history": [[x..., y], ...],
   "reps": r}  -> {"ms": [...]}
- {"cmd": "ping"} -> {"ok": true}

Samplers: random, qmc, tpe, mvtpe, cmaes (see SAMPLERS).
"""
import heapq
import time
import warnings

import optuna
from optuna.distributions import FloatDistribution

from optuna_problems import PROBLEMS, hartmann6
from peer_loop import serve

optuna.logging.set_verbosity(optuna.logging.ERROR)
optuna.logging.disable_default_handler()
warnings.simplefilter("ignore")


def make_sampler(name, seed, parallel):
    """The Optuna sampler `name` seeded with `seed`; TPE uses a constant liar when trials run in parallel."""
    liar = parallel > 1
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "qmc":
        # scramble=True: unscrambled Sobol points ignore the seed, so every seed would be the same run.
        return optuna.samplers.QMCSampler(qmc_type="sobol", scramble=True, seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, constant_liar=liar)
    if name == "mvtpe":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=liar)
    if name == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=seed)
    raise ValueError(f"unknown sampler {name}")


def run(req):
    """One optimisation run: `trials` trials, `parallel` outstanding, told in order of simulated finish time."""
    problem = PROBLEMS[req["problem"]]
    n = int(req["trials"])
    parallel = max(1, int(req.get("parallel", 1)))
    durations = req.get("durations") or [1.0] * n
    study = optuna.create_study(sampler=make_sampler(req["sampler"], int(req["seed"]), parallel))
    values = [None] * n
    running = []  # heap of (finish time, index, trial)
    launched = 0
    t0 = time.perf_counter()

    def launch(now):
        nonlocal launched
        trial = study.ask()
        values[launched] = problem.objective(problem.suggest(trial))
        heapq.heappush(running, (now + float(durations[launched]), launched, trial))
        launched += 1

    while launched < min(parallel, n):
        launch(0.0)
    while running:
        finish, index, trial = heapq.heappop(running)
        study.tell(trial, values[index])
        if launched < n:
            launch(finish)
    seconds = time.perf_counter() - t0
    best = min(values)
    return {"best": best, "regret": best - problem.optimum, "seconds": seconds, "values": values}


def latency(req):
    """Milliseconds of study.ask() plus one suggest_float per dimension, after prefilling `history`."""
    dims = int(req["dims"])
    names = [f"x{i + 1}" for i in range(dims)]
    dist = {k: FloatDistribution(0.0, 1.0) for k in names}
    study = optuna.create_study(sampler=make_sampler(req["sampler"], int(req["seed"]), 1))
    study.add_trials(
        [
            optuna.trial.create_trial(params=dict(zip(names, row[:dims])), distributions=dist, value=row[dims])
            for row in req["history"]
        ]
    )
    ms = []
    for _ in range(int(req["reps"])):
        t0 = time.perf_counter()
        trial = study.ask()
        x = [trial.suggest_float(k, 0.0, 1.0) for k in names]
        ms.append((time.perf_counter() - t0) * 1000)
        # Keep the history growing as an engine's would: the suggested trial completes.
        study.tell(trial, hartmann6(dict(zip(names, x))) if dims == 6 else sum(x))
    return {"ms": ms}


def evaluate(req):
    problem = PROBLEMS[req["problem"]]
    return {"values": [problem.objective(p) for p in req["points"]]}


HANDLERS = {"run": run, "latency": latency, "eval": evaluate, "ping": lambda req: {"ok": True}}


if __name__ == "__main__":
    serve(HANDLERS)
