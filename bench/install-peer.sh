#!/usr/bin/env bash
# Installs the benchmark peer (Optuna 3.1 with cmaes and scipy, from Debian's packages) for
# /usr/bin/python3 when it is missing. `npm run bench*` calls this first; it needs root and apt.
set -euo pipefail
if /usr/bin/python3 -c 'import optuna, cmaes, scipy' 2>/dev/null; then exit 0; fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-optuna python3-cmaes python3-scipy >/dev/null
