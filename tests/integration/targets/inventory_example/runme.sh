#!/usr/bin/env bash
# inventory_example runs the example of docs/docsite/rst/guide_inventory.rst, demo/inventory/, as a
# user would: over its own inventory of five hosts, with the connection in IONOS_* variables and the
# unit password from BACKUPUNIT_PASSWORD, at -vvv. It is a script target because its checks are about
# whole runs of that playbook. test.yml's steps around them:
#
#   prepare      web1's unit with an old email, and a unit of no host
#   first run    creates the missing units, corrects web1's email, writes the portal URLs
#   second run   changes nothing
#   check        one unit per host with its email, the reports, the URL files, changed=0 for every
#                host in the second run, and no unit password, API credential or login token in either output
#   cleanup      (on exit) deletes the units with the example's prefix, and no other
set -eu
cd "$(dirname "$0")"

example=../../../../demo/inventory
config=../../integration_config.yml

# The example takes its connection from IONOS_* like any real run; here it comes from the config.
# The prefix puts the example's units under this run's unit prefix, so that they are cleaned up too.
python - "$config" > "$OUTPUT_DIR/connection.sh" <<'PYEOF'
import shlex, sys, yaml
with open(sys.argv[1]) as f:
    config = yaml.safe_load(f)
names = {'ionos_api_url': 'IONOS_API_URL', 'ionos_token': 'IONOS_TOKEN', 'ionos_username': 'IONOS_USERNAME',
         'ionos_password': 'IONOS_PASSWORD', 'ionos_contract_number': 'IONOS_CONTRACT_NUMBER'}
for key, name in names.items():
    if key in config:
        print('export %s=%s' % (name, shlex.quote(str(config[key]))))
print('prefix=%s' % shlex.quote(config.get('ionos_unit_prefix', 'ansible-it-') + 'inv-'))
PYEOF
prefix=''   # set by connection.sh
# shellcheck source=/dev/null
. "$OUTPUT_DIR/connection.sh"
BACKUPUNIT_PASSWORD=Inv-$(python -c 'import secrets; print(secrets.token_urlsafe(12))')
export BACKUPUNIT_PASSWORD ANSIBLE_NOCOLOR=1

run_step() { # run_step TAG ARGS...: a step of test.yml, over both inventories
    ansible-playbook -i "$INVENTORY_PATH" -i "$example/hosts.yml" -e @"$config" -e "output_dir=$OUTPUT_DIR" \
        -e "backupunit_prefix=$prefix" test.yml --tags "$@"
}

run_example() { # run_example LOG ARGS...: the example at -vvv, its output only in LOG (shown on failure)
    local log=$1
    shift
    ansible-playbook -i "$example/hosts.yml" "$example/playbooks/backupunits.yml" -e "backupunit_prefix=$prefix" -vvv "$@" \
        > "$log" 2>&1 || { cat "$log"; return 1; }
    sed -n '/^PLAY RECAP/,$p' "$log"
}

trap 'run_step cleanup' EXIT

run_step prepare "$@"
run_example "$OUTPUT_DIR/first_run.log" -e "sso_url_dir=$OUTPUT_DIR/portal-urls"
run_example "$OUTPUT_DIR/second_run.log"
run_step check "$@"
