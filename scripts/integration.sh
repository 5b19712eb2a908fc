#!/usr/bin/env bash
# Run every ansible-test integration target against a freshly started API emulator.
#
# usage: scripts/integration.sh VENV_DIR PYTHON_VERSION COLLECTION_COPY [extra ansible-test args]
#   VENV_DIR         venv whose ansible-test runs (.venv/tools or .venv/core219)
#   PYTHON_VERSION   the Python ansible-test creates its --venv from (3.12, 3.11, ...)
#   COLLECTION_COPY  a copy at .../ansible_collections/ionoscloud/backup (see make_workspace)
#
# It starts tests/mock_api/server.py on a free loopback port, writes
# tests/integration/integration_config.yml (passed to every target as -e @file), runs
# ansible-test and always stops the emulator, also when the run fails or is interrupted.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

venv=${1:?VENV_DIR}
pyver=${2:?PYTHON_VERSION}
copy=${3:?COLLECTION_COPY}
shift 3

setup_pybin
export PATH="$venv/bin:$PATH"

# Credentials only this emulator instance knows; the targets get them from integration_config.yml.
username=integration@example.com
password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
token=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')

state=$(mktemp -d)
cleanup() {
    local status=$?
    if [ "$status" -ne 0 ] && [ -s "$state/emulator.err" ]; then
        log "--- emulator stderr (last 40 lines) ---"
        tail -n 40 "$state/emulator.err" >&2 || true
    fi
    stop_emulator
    rm -f "$copy/tests/integration/integration_config.yml"
    rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_emulator "$venv/bin/python" "$state" --username="$username" --password="$password" --token="$token"
log "Emulator: $EMULATOR_URL (pid $EMULATOR_PID)"

cat > "$copy/tests/integration/integration_config.yml" <<EOF
---
ionos_api_url: "$EMULATOR_URL"
ionos_username: "$username"
ionos_password: "$password"
ionos_token: "$token"
emulator_control_url: "$(emulator_control_url "$EMULATOR_URL")"
EOF

cd "$copy"
ansible-test integration --venv --python "$pyver" --color no "$@"
