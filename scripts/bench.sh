#!/usr/bin/env bash
# `make bench`: the benchmark suite (benchmarks/bench.py) with the tools venv; results go to
# docs/performance.md. Arguments are passed on (e.g. --quick, --only per_task,requests).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

setup_pybin
ensure_tools_venv
cd "$REPO_ROOT"
PATH="$VENV_ROOT/tools/bin:$PATH" "$VENV_ROOT/tools/bin/python" benchmarks/bench.py "$@"
