#!/usr/bin/env bash
# `make bench`: create .venv/bench if needed (ansible-core, requests, matplotlib), then run every
# benchmark against the API emulator and rewrite docs/performance.md and its chart.
# Arguments go to benchmarks/bench.py (e.g. --quick, --only per_task,scale, --keep).
# Benchmarks are never part of `make test`: they measure, they do not judge the machine.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../scripts/lib.sh"

py=$(find_python 3.12)
[ -n "$py" ] || py=$(find_python 3.13)
[ -n "$py" ] || die "Python 3.12 or 3.13 is required for the benchmark venv"
ensure_venv bench "$py" "$REPO_ROOT/benchmarks/requirements.txt"
cd "$REPO_ROOT"
exec "$VENV_ROOT/bench/bin/python" benchmarks/bench.py "$@"
