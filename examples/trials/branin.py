#!/usr/bin/env python3
"""Branin function as a katib-ts trial (Python 3 standard library only).

    python3 trials/branin.py --x1 <v> --x2 <v> [--metrics-file <path>]

Prints ``branin=<value>`` on stdout (Katib's default StdOut filter picks it up). With
``--metrics-file`` it also appends one JSON line in the format Katib's File collector reads with
``format: JSON`` (metric values are JSON strings, ``timestamp`` is epoch seconds)::

    {"branin": "<value>", "timestamp": <epoch float>}

Branin (Dixon & Szego 1978), usually searched over x1 in [-5, 10] and x2 in [0, 15]; to be
minimised, global minimum 0.397887 at (-pi, 12.275), (pi, 2.275) and (9.42478, 2.475).
Bad arguments: a message on stderr and exit code 2 (argparse's convention).
"""

import argparse
import json
import math
import os
import sys
import time


def branin(x1: float, x2: float) -> float:
    a = 1.0
    b = 5.1 / (4.0 * math.pi ** 2)
    c = 5.0 / math.pi
    r = 6.0
    s = 10.0
    t = 1.0 / (8.0 * math.pi)
    return a * (x2 - b * x1 ** 2 + c * x1 - r) ** 2 + s * (1.0 - t) * math.cos(x1) + s


def finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description="Branin function trial (minimise; global min 0.397887).")
    parser.add_argument("--x1", type=finite_float, required=True, help="first coordinate, usually in [-5, 10]")
    parser.add_argument("--x2", type=finite_float, required=True, help="second coordinate, usually in [0, 15]")
    parser.add_argument("--metrics-file", help="also append a JSON line {\"branin\": \"<v>\", \"timestamp\": <t>} here")
    args = parser.parse_args()

    print(f"branin trial: x1 {args.x1}, x2 {args.x2}", flush=True)
    value = branin(args.x1, args.x2)
    print(f"branin={value:.6f}", flush=True)

    if args.metrics_file:
        directory = os.path.dirname(args.metrics_file)
        try:
            if directory:
                os.makedirs(directory, exist_ok=True)
            with open(args.metrics_file, "a", encoding="utf-8") as f:
                f.write(json.dumps({"branin": f"{value:.6f}", "timestamp": time.time()}) + "\n")
        except OSError as e:
            print(f"branin.py: cannot write metrics file {args.metrics_file}: {e}", file=sys.stderr)
            return 1
        print(f"wrote metrics to {args.metrics_file}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
