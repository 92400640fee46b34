"""Optuna peer for bench/throughput.js: prints trials per second of study.optimize."""
import os
import sys
import tempfile
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
storage_kind, n = sys.argv[1], int(sys.argv[2])


def objective(trial):
    x = trial.suggest_float("x", -5, 5)
    y = trial.suggest_float("y", -5, 5)
    return (x - 1) ** 2 + (y + 2) ** 2


with tempfile.TemporaryDirectory() as d:
    storage = None if storage_kind == "memory" else f"sqlite:///{os.path.join(d, 'o.db')}"
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1), storage=storage)
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=n)
    print(n / (time.perf_counter() - t0))
