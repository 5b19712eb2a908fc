#!/usr/bin/env bash
# backupunit_sso_url is a script target because one of its checks is about what ansible-playbook
# prints: sequence.yml asserts the module's results; no_log_run.yml runs the module the way the docs
# tell users to (no_log: true) at -vvv, visible_run.yml runs it without no_log as a control, and
# scan_output.yml checks both outputs for the login tokens of their URLs.
set -eu
cd "$(dirname "$0")"

# The tokens of the URLs the runs got go to a private directory, not into the test output.
tokens_dir=$(mktemp -d)

run_playbook() {
    ansible-playbook -i "$INVENTORY_PATH" -e @../../integration_config.yml -e "output_dir=$OUTPUT_DIR" \
        -e "tokens_dir=$tokens_dir" "$@"
}

capture() { # capture LOG PLAYBOOK ARGS...: run a playbook with its output only in LOG (shown on failure)
    local log=$1
    shift
    run_playbook "$@" > "$log" 2>&1 || { cat "$log"; return 1; }
}

trap 'run_playbook cleanup.yml; rm -rf "$tokens_dir"' EXIT

run_playbook sequence.yml "$@"
capture "$OUTPUT_DIR/no_log_run.log" no_log_run.yml -vvv
capture "$OUTPUT_DIR/visible_run.log" visible_run.yml -v
run_playbook scan_output.yml "$@"
