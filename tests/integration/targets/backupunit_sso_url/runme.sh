#!/usr/bin/env bash
# backupunit_sso_url is a script target because one of its checks is about what ansible-playbook
# prints: sso_url.yml gets URLs at -vvv with no_log, as users are told to, and one without (the
# control), and saves their login tokens; the output must show the control's token and no other.
set -eu
cd "$(dirname "$0")"
log=$OUTPUT_DIR/sso_url.log
tokens=$(mktemp)    # private, not in the test output
trap 'rm -f "$tokens"' EXIT

ansible-playbook -i "$INVENTORY_PATH" -e @../../integration_config.yml -e "tokens_file=$tokens" sso_url.yml -vvv \
    > "$log" 2>&1 || { cat "$log"; exit 1; }
control=$(head -n 1 "$tokens")
grep -vF -- "$control" "$log"   # the run, for the test log and make test's secret scan, without the control's token
grep -qF -- "$control" "$log" || { echo "the control's token is not in the output: the scan would miss a leak"; exit 1; }
if tail -n +2 "$tokens" | grep -qF -f - "$log"; then
    echo "the output shows the login token of a URL got with no_log"
    exit 1
fi
