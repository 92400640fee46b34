"""The quality benchmark's test problems for the Optuna peer.

Parameters and optimum values come from bench/problems.json (shared with bench/problems.js);
the objectives below mirror bench/problems.js formula for formula. bench/check.js evaluates both
on the same points and fails when they disagree. Formulas: Surjanovic & Bingham, Virtual Library
of Simulation Experiments (sfu.ca/~ssurjano).
"""
import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(HERE, "problems.json"), encoding="utf-8") as f:
    PROBLEM_FILE = json.load(f)


def _vec(p, n):
    return [float(p[f"x{i + 1}"]) for i in range(n)]


def branin(p):
    x1, x2 = _vec(p, 2)
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


H6_ALPHA = [1.0, 1.2, 3.0, 3.2]
H6_A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
H6_P = [
    [1312, 1696, 5569, 124, 8283, 5886],
    [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650],
    [4047, 8828, 8732, 5743, 1091, 381],
]


def hartmann6(p):
    x = _vec(p, 6)
    f = 0.0
    for i in range(4):
        s = 0.0
        for j in range(6):
            s += H6_A[i][j] * (x[j] - H6_P[i][j] * 1e-4) ** 2
        f -= H6_ALPHA[i] * math.exp(-s)
    return f


def rosenbrock(x):
    f = 0.0
    for i in range(len(x) - 1):
        f += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1) ** 2
    return f


def ackley(x, shift):
    d = len(x)
    sq = 0.0
    cs = 0.0
    for i in range(d):
        z = x[i] - shift[i]
        sq += z * z
        cs += math.cos(2 * math.pi * z)
    return -20 * math.exp(-0.2 * math.sqrt(sq / d)) - math.exp(cs / d) + 20 + math.e


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    d = len(w)
    f = math.sin(math.pi * w[0]) ** 2
    for i in range(d - 1):
        f += (w[i] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2)
    f += (w[d - 1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[d - 1]) ** 2)
    return f


def mixed(p, categories):
    c = categories[str(p["optimizer"])]
    u = math.log10(float(p["lr"])) - c["m"]
    v = (float(p["layers"]) - c["k"]) / 8
    return c["a"] + u * u + v * v + 0.8 * u * v


_OBJECTIVES = {
    "branin": lambda d: branin,
    "hartmann6": lambda d: hartmann6,
    "rosenbrock5": lambda d: lambda p: rosenbrock(_vec(p, 5)),
    "ackley5": lambda d: lambda p: ackley(_vec(p, 5), d["shift"]),
    "levy10": lambda d: lambda p: levy(_vec(p, 10)),
    "mixed": lambda d: lambda p: mixed(p, d["categories"]),
}


class Problem:
    """One problem: Katib parameters, objective, optimum value and trial budget."""

    def __init__(self, d):
        self.name = d["name"]
        self.parameters = d["parameters"]
        self.optimum = float(d["optimum"])
        self.trials = int(d["trials"])
        self.objective = _OBJECTIVES[self.name](d)

    def suggest(self, trial):
        """Asks an Optuna trial for every parameter, mapping Katib's specs as Katib's optuna service does."""
        out = {}
        for spec in self.parameters:
            name, kind, fs = spec["name"], spec["parameterType"], spec["feasibleSpace"]
            log = fs.get("distribution") == "logUniform"
            if kind == "double":
                out[name] = trial.suggest_float(name, float(fs["min"]), float(fs["max"]), log=log)
            elif kind == "int":
                out[name] = trial.suggest_int(name, int(fs["min"]), int(fs["max"]), log=log)
            else:
                out[name] = trial.suggest_categorical(name, list(fs["list"]))
        return out


PROBLEMS = {d["name"]: Problem(d) for d in PROBLEM_FILE["problems"]}
