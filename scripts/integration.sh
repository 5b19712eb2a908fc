#!/usr/bin/env bash
# Run every ansible-test integration target against a backup-unit API.
#
# usage: scripts/integration.sh [--emulator | --emulator-as-api] [--python X.Y] --copy DIR [ansible-test args]
#
#   (no mode)          the API in IONOS_API_URL (default https://api.ionos.com/cloudapi/v6), with
#                      IONOS_TOKEN, or IONOS_USERNAME and IONOS_PASSWORD, and IONOS_CONTRACT_NUMBER
#                      if set: what a maintainer with an account runs before a release (make integration-api)
#   --emulator         an emulator started here, whose control API the targets use for their
#                      request-log and fault assertions (nox -s integration-2.21)
#   --emulator-as-api  an emulator started here in its default mode and used only as an API, exactly
#                      as the real API is: proves the targets need no emulator internals (integration-2.19/2.20)
#   --python X.Y       the Python ansible-test creates its --venv from (default 3.12)
#   --copy DIR         the copy of the collection (.../ansible_collections/ionoscloud/backup) to run in
#
# Run by the nox sessions integration-* (noxfile.py), which make the copy and activate the venv whose
# ansible-test runs here.
# Every unit the targets create is named with a prefix unique to this run; at the end, also after a
# failure or Ctrl-C, every unit with that prefix is deleted. No other unit is ever touched.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

mode=api pyver=3.12 copy=''
while [ $# -gt 0 ]; do
    case $1 in
        --emulator) mode=emulator ;;
        --emulator-as-api) mode=emulator-as-api ;;
        --python) pyver=${2:?--python X.Y}; shift ;;
        --copy) copy=$(cd "${2:?--copy DIR}" && pwd); shift ;;
        *) break ;;
    esac
    shift
done

venv=${VIRTUAL_ENV:?no venv active: run it through nox (make integration-api)}
[ -n "$copy" ] || die "--copy DIR is required (nox makes it)"

state=$(mktemp -d)
config=
cleanup() {
    local status=$?
    if [ -n "$config" ] && [ -f "$config" ]; then
        log "Deleting every backup unit named ${IONOS_UNIT_PREFIX}*"
        ANSIBLE_COLLECTIONS_PATH=$(cd "$copy/../../.." && pwd) ansible-playbook -i localhost, -c local \
            -e "ansible_python_interpreter=$venv/bin/python" -e @"$config" \
            "$copy/tests/integration/delete_run_units.yml" || status=1
        rm -f "$config"
    fi
    if [ -n "${EMULATOR_PID:-}" ] && [ -n "${SECRETS_DIR:-}" ]; then   # for the secret scan of `make test`
        local tokens=()
        mapfile -t tokens < <(python3 - "$(emulator_control_url "$EMULATOR_URL")/sso-tokens" <<'PYEOF'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=30) as answer:
    for n, token in enumerate(json.load(answer)['tokens']):
        print('sso token %d=%s' % (n, token))
PYEOF
)
        write_secrets "integration-$mode-$$" "api password=$password" "api token=$token" \
            "basic authorization=$(printf '%s:%s' "$user" "$password" | base64 -w0)" "${tokens[@]}" || status=1
    fi
    if [ "$status" -ne 0 ] && [ -s "$state/emulator.err" ]; then
        log "--- emulator stderr (last 40 lines) ---"
        tail -n 40 "$state/emulator.err" >&2 || true
    fi
    stop_emulator
    rm -rf "$state"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

control_url=
if [ "$mode" != api ]; then
    # Credentials only this emulator instance knows.
    user=integration@example.com
    password=$(random_secret 18)
    token=$(random_secret 32)
    start_emulator "$venv/bin/python" "$state" --username="$user" --password="$password" --token="$token"
    IONOS_API_URL=$EMULATOR_URL
    unset IONOS_CONTRACT_NUMBER
    if [ "$mode" = emulator ]; then
        # Basic authentication here; the other emulator lane covers the token.
        IONOS_USERNAME=$user IONOS_PASSWORD=$password
        unset IONOS_TOKEN
        control_url=$(emulator_control_url "$EMULATOR_URL")
    else
        IONOS_TOKEN=$token      # as most users of the real API do: a token only
        unset IONOS_USERNAME IONOS_PASSWORD
    fi
fi
IONOS_API_URL=${IONOS_API_URL:-https://api.ionos.com/cloudapi/v6}
if [ -z "${IONOS_TOKEN:-}" ] && { [ -z "${IONOS_USERNAME:-}" ] || [ -z "${IONOS_PASSWORD:-}" ]; }; then
    die "no credentials: export IONOS_TOKEN, or IONOS_USERNAME and IONOS_PASSWORD (and IONOS_API_URL, IONOS_CONTRACT_NUMBER if needed)"
fi
IONOS_UNIT_PREFIX=ansible-it-$(python3 -c 'import secrets; print(secrets.token_hex(4))')-

log "API: $IONOS_API_URL${IONOS_CONTRACT_NUMBER:+, contract $IONOS_CONTRACT_NUMBER}${control_url:+ (emulator, control API $control_url)}"
log "This run creates, changes and deletes backup units named ${IONOS_UNIT_PREFIX}* (a prefix unique"
log "to this run) and, when it ends, deletes every unit with that prefix. No other unit is touched."

config=$copy/tests/integration/integration_config.yml
# JSON is YAML, and json.dumps quotes any credential safely.
IONOS_API_URL=$IONOS_API_URL IONOS_UNIT_PREFIX=$IONOS_UNIT_PREFIX CONTROL_URL=$control_url \
    IONOS_USERNAME=${IONOS_USERNAME:-} IONOS_PASSWORD=${IONOS_PASSWORD:-} \
    IONOS_TOKEN=${IONOS_TOKEN:-} python3 - > "$config" <<'PYEOF'
import json, os
names = {'ionos_api_url': 'IONOS_API_URL', 'ionos_token': 'IONOS_TOKEN', 'ionos_username': 'IONOS_USERNAME',
         'ionos_password': 'IONOS_PASSWORD', 'ionos_contract_number': 'IONOS_CONTRACT_NUMBER',
         'ionos_unit_prefix': 'IONOS_UNIT_PREFIX', 'emulator_control_url': 'CONTROL_URL'}
config = {key: os.environ[name] for key, name in names.items() if os.environ.get(name)}
if 'ionos_token' in config:     # a token wins over username/password, as in the modules
    config.pop('ionos_username', None)
    config.pop('ionos_password', None)
if 'ionos_contract_number' in config:
    config['ionos_contract_number'] = int(config['ionos_contract_number'])
print(json.dumps(config, indent=2))
PYEOF

cd "$copy"
ansible-test integration --venv --python "$pyver" --color no "$@"
