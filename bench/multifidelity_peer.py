"""The Optuna side of bench/multifidelity.js: one long-lived process, one JSON request per line.

The learning-curve task is written out here formula for formula as in bench/learning-curve.js (and
examples/trials/learning-curve.mjs); every constant (R, eta, noise, target, cap) comes in the
request, and bench/learning-curve.js checks both sides on the same points before each run.

Requests:
- {"cmd": "curves", "points": [{"lr", "dropout", "epochs", "seed"}], "noise": sd}
    -> {"curves": [[loss per epoch], ...]}
- {"cmd": "run", "pruner": "hyperband" | "median", "seed": n, "task": {...}}
    -> {"trials": [{"epochs": e, "final": loss, "state": "COMPLETE" | "PRUNED"}], "seconds": t}
  Sequential: one trial at a time, RandomSampler(seed), each trial reporting its loss every epoch
  (trial.report(loss, step=epoch), epochs 1..R) and asking should_prune() after each report. The
  run stops once a trial ends with a loss <= the hardest target, or once the cap of epochs is spent.
- {"cmd": "ping"} -> {"ok": true}
"""
import math
import time
import warnings

import optuna
from peer_loop import serve

optuna.logging.set_verbosity(optuna.logging.ERROR)
optuna.logging.disable_default_handler()
warnings.simplefilter("ignore")

M32 = 0xFFFFFFFF


def _imul(a, b):
    """Math.imul: the low 32 bits of the product, as unsigned."""
    return (a * b) & M32


def mulberry32(seed):
    """mulberry32 as examples/trials/args.mjs has it: floats in [0, 1)."""
    state = [seed & M32]

    def next_float():
        state[0] = (state[0] + 0x6D2B79F5) & M32
        t = state[0]
        t = _imul(t ^ (t >> 15), t | 1)
        t = (t ^ ((t + _imul(t ^ (t >> 7), t | 61)) & M32)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296.0

    return next_float


def js_round(x):
    """JavaScript's Math.round (halves go up), for the seed formula."""
    return math.floor(x + 0.5)


def learning_curve(lr, dropout, epochs, seed, noise):
    """The losses of a run of `epochs` epochs, epoch 1 first (see bench/learning-curve.js)."""
    u = math.log10(lr)
    final = 0.05 + 0.1 * (u + 2.5) ** 2 + 0.2 * (dropout - 0.3) ** 2
    rate = 0.02 * 10 ** ((u + 5) / 2)
    rand = mulberry32(int(seed * 7919 + js_round(lr * 1e9) + js_round(dropout * 1e6)))
    out = []
    for e in range(1, epochs + 1):
        r1 = rand()
        r2 = rand()
        gaussian = math.sqrt(-2 * math.log(1 - r1)) * math.cos(2 * math.pi * r2)
        out.append(final + 1.5 * math.exp(-rate * e) + abs(gaussian) * noise)
    return out


def curves(req):
    noise = float(req["noise"])
    return {
        "curves": [
            learning_curve(float(p["lr"]), float(p["dropout"]), int(p["epochs"]), int(p["seed"]), noise)
            for p in req["points"]
        ]
    }


def make_pruner(name, task):
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=1, max_resource=int(task["maxEpochs"]), reduction_factor=int(task["eta"])
        )
    if name == "median":
        # n_startup_trials = medianstop's min_trials_required (3); steps are epochs 1..R, and Optuna
        # prunes from step >= n_warmup_steps, so 4 = medianstop's start_step (first check after the
        # 4th report).
        return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=4, interval_steps=1)
    raise ValueError(f"unknown pruner {name}")


def run(req):
    task = req["task"]
    seed = int(req["seed"])
    R = int(task["maxEpochs"])
    noise = float(task["noise"])
    cap = int(task["capEpochs"])
    stop_at = float(task["stopAt"])
    # A fixed study name: HyperbandPruner assigns trials to brackets by a hash of the study name and
    # the trial number, and the default name is random.
    study = optuna.create_study(
        study_name=f"multifidelity-{req['pruner']}-{seed}",
        sampler=optuna.samplers.RandomSampler(seed=seed),
        pruner=make_pruner(req["pruner"], task),
        direction="minimize",
    )
    trials = []
    spent = 0
    t0 = time.perf_counter()
    while spent < cap:
        trial = study.ask()
        lr = trial.suggest_float("lr", 1e-5, 0.1, log=True)
        dropout = trial.suggest_float("dropout", 0.0, 0.8)
        curve = learning_curve(lr, dropout, R, seed, noise)
        state = "COMPLETE"
        ran = 0
        for epoch, loss in enumerate(curve, start=1):
            trial.report(loss, step=epoch)
            ran = epoch
            if trial.should_prune():
                state = "PRUNED"
                break
        final = curve[ran - 1]
        if state == "PRUNED":
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, final)
        spent += ran
        trials.append({"epochs": ran, "final": final, "state": state, "lr": lr, "dropout": dropout})
        if final <= stop_at:
            break
    return {"trials": trials, "seconds": time.perf_counter() - t0}


HANDLERS = {"run": run, "curves": curves, "ping": lambda req: {"ok": True}}


if __name__ == "__main__":
    serve(HANDLERS)
