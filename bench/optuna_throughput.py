"""Optuna peer for bench/throughput.js: prints trials per second of study.optimize."""
import os
import sys
import tempfile
import time

import optuna

storage_kind, n = sys.argv[1], int(sys.argv[2])
# "quiet" (default): Optuna's per-trial INFO log line is switched off, its fastest setting;
# "log": as study.optimize runs out of the box (one INFO line per trial on stderr).
if (sys.argv[3] if len(sys.argv) > 3 else "quiet") != "log":
    optuna.logging.set_verbosity(optuna.logging.WARNING)


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
