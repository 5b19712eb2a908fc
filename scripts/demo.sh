#!/usr/bin/env bash
# `make demo`: build and install the collection, then run demo/demo.yml with --diff.
#
# By default it starts the embedded API emulator on a free loopback port and points the playbook at it
# (credentials through IONOS_* variables, as a user would set them). The IONOS_* variables of the caller's
# shell are ignored: a shell set up for Terraform or an SDK must not make the demo touch a real account.
# DEMO_REAL_API=1 (`make demo DEMO_REAL_API=1`) starts nothing: the playbook talks to IONOS_API_URL (default
# https://api.ionos.com/cloudapi/v6) with the IONOS_TOKEN, or IONOS_USERNAME and IONOS_PASSWORD, you exported.
# DEMO_VENV: the venv to use (default: the active one; `make demo` runs it in nox's session demo).
# Arguments are passed to ansible-playbook (e.g. -e demo_unit_name=my-demo, -v).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

case ${DEMO_REAL_API:-0} in
    1) real_api=true ;;
    0 | "") real_api=false ;;
    *) die "DEMO_REAL_API must be 1 (run against the real API) or 0 (the emulator, the default), not '$DEMO_REAL_API'" ;;
esac
if $real_api && [ -z "${IONOS_TOKEN:-}" ] && { [ -z "${IONOS_USERNAME:-}" ] || [ -z "${IONOS_PASSWORD:-}" ]; }; then
    die "DEMO_REAL_API=1 needs your credentials: export IONOS_TOKEN, or IONOS_USERNAME and IONOS_PASSWORD"
fi

venv=${DEMO_VENV:-${VIRTUAL_ENV:-}}
[ -n "$venv" ] || die "no venv: run 'make demo', or set DEMO_VENV to a venv with ansible-core and requests"
[ -x "$venv/bin/ansible-playbook" ] || die "$venv has no ansible-playbook"

work=$(mktemp -d)
trap 'stop_emulator; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# Every Ansible command of the demo reads this scratch configuration and no other: installing into the
# configured collections path draws no warning, the playbook finds the collection there only, and the
# output a newcomer reads is the play itself.
cat > "$work/ansible.cfg" <<CFG
[defaults]
collections_path = $work/collections
collections_scan_sys_path = false
home = $work/ansible_home
local_tmp = $work/ansible_home/tmp
localhost_warning = false
retry_files_enabled = false

[inventory]
inventory_unparsed_warning = false
CFG
export ANSIBLE_CONFIG=$work/ansible.cfg
# Environment variables win over ansible.cfg: drop any the caller's shell would bring in.
unset ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS ANSIBLE_HOME ANSIBLE_LOCAL_TEMP

echo "== Building and installing the collection"
"$venv/bin/ansible-galaxy" collection build --force --output-path "$work/dist" "$REPO_ROOT" > "$work/build.log" \
    || { cat "$work/build.log"; die "ansible-galaxy collection build failed"; }
"$venv/bin/ansible-galaxy" collection install --offline -p "$work/collections" "$work"/dist/*.tar.gz > "$work/install.log" \
    || { cat "$work/install.log"; die "ansible-galaxy collection install failed"; }
echo "Installed $(basename "$work"/dist/*.tar.gz) into a scratch collections path"

if $real_api; then
    export IONOS_API_URL=${IONOS_API_URL:-https://api.ionos.com/cloudapi/v6}
    echo "== DEMO_REAL_API=1: running against the API at $IONOS_API_URL (no emulator started)"
    echo "   It creates, changes and deletes a backup unit there (ansible-demo-backupunit unless -e demo_unit_name=...),"
    echo "   with the credentials you exported${IONOS_CONTRACT_NUMBER:+, in contract $IONOS_CONTRACT_NUMBER}."
else
    [ -z "${IONOS_API_URL:-}" ] ||
        echo "== IONOS_API_URL is set in your shell but ignored: the demo uses its own emulator (run 'make demo DEMO_REAL_API=1' to use that API)"
    # None of the caller's IONOS_* settings may reach the playbook (a token, a contract number...).
    while read -r name; do unset "$name"; done < <(compgen -e | grep '^IONOS_' || true)
    export IONOS_USERNAME=demo@example.com
    IONOS_PASSWORD=$(random_secret 18)
    export IONOS_PASSWORD
    start_emulator "$venv/bin/python" "$work/emulator" --username="$IONOS_USERNAME" --password="$IONOS_PASSWORD"
    export IONOS_API_URL=$EMULATOR_URL
    echo "== Started the API emulator at $IONOS_API_URL (it stops when the demo ends)"
fi

echo "== ansible-playbook demo/demo.yml --diff"
# Not exec: the EXIT trap must still stop the emulator when the playbook ends or fails.
"$venv/bin/ansible-playbook" "$REPO_ROOT/demo/demo.yml" --diff "$@"
