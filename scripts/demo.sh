#!/usr/bin/env bash
# `make demo`: build and install the collection, then run demo/demo.yml with --diff.
#
# Without IONOS_API_URL it starts the embedded API emulator on a free loopback port and points the
# playbook at it (credentials through IONOS_* variables, as a user would set them). With
# IONOS_API_URL set it starts nothing and the same playbook talks to that API with the
# IONOS_USERNAME/IONOS_PASSWORD or IONOS_TOKEN you exported.
#
# env: DEMO_VENV  venv to use (default .venv/demo, created with ansible-core + requests)
# Arguments are passed to ansible-playbook (e.g. -e demo_unit_name=my-demo, -v).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

venv=${DEMO_VENV:-$VENV_ROOT/demo}
if [ "$venv" = "$VENV_ROOT/demo" ]; then
    ensure_demo_venv
fi
[ -x "$venv/bin/ansible-playbook" ] || die "$venv has no ansible-playbook"

work=$(mktemp -d)
cleanup() {
    stop_emulator
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Every Ansible command of the demo reads this scratch configuration, and no other (not an
# ansible.cfg of the current folder, not ~/.ansible.cfg): the scratch collections path is the
# configured one, so installing into it draws no warning, and the playbook finds the collection
# there and only there. The output a newcomer reads is the play itself.
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

if [ -z "${IONOS_API_URL:-}" ]; then
    export IONOS_USERNAME=demo@example.com
    IONOS_PASSWORD=$(random_secret 18)
    export IONOS_PASSWORD
    unset IONOS_TOKEN IONOS_CONTRACT_NUMBER
    start_emulator "$venv/bin/python" "$work/emulator" --username="$IONOS_USERNAME" --password="$IONOS_PASSWORD"
    export IONOS_API_URL=$EMULATOR_URL
    echo "== Started the API emulator at $IONOS_API_URL (it stops when the demo ends)"
else
    echo "== IONOS_API_URL is set: running against $IONOS_API_URL (no emulator started)"
fi

echo "== ansible-playbook demo/demo.yml --diff"
# Not exec: the EXIT trap must still stop the emulator when the playbook ends or fails.
"$venv/bin/ansible-playbook" "$REPO_ROOT/demo/demo.yml" --diff "$@"
