#!/usr/bin/env bash
# `make test`: installs what it needs, then runs every check of the collection and prints one
# summary line. Exit status is non-zero when any step failed.
#
# usage: scripts/test.sh [STEP...]      (default: every step; see `scripts/test.sh --list`)
# env:   TEST_JOBS=N   workers running steps in parallel (default 2); 1 streams the output live
#
# Two workers (TEST_JOBS) take the steps from one queue, longest first, each in its own scratch copy
# of the collection under build/test/. A failing step does not stop the others; every step's log
# is printed once the step ends, so parallel output never interleaves.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

ALL_STEPS=(sanity-2.21 units-2.21 sanity-2.19 units-2.19 integration-2.21 integration-2.19 molecule ansible-lint pytest-emulator pytest-system release-checks)

# Typical seconds of each step on 2 cores, used to start the longest steps first (so the workers
# finish close together) until build/test/logs holds the durations of an earlier run.
estimate() {
    case $1 in
        pytest-system) echo 150 ;; integration-2.21) echo 120 ;; sanity-2.21) echo 90 ;;
        integration-2.19) echo 90 ;; sanity-2.19) echo 60 ;; units-2.19) echo 60 ;;
        units-2.21) echo 55 ;; molecule) echo 40 ;; pytest-emulator) echo 30 ;; ansible-lint) echo 20 ;;
        *) echo 15 ;;
    esac
}

describe() {
    case $1 in
        sanity-2.21) echo "ansible-test sanity, ansible-core 2.21, every installed Python it supports" ;;
        units-2.21) echo "ansible-test units, ansible-core 2.21, every installed Python it supports" ;;
        sanity-2.19) echo "ansible-test sanity, ansible-core 2.19, every installed Python it supports" ;;
        units-2.19) echo "ansible-test units, ansible-core 2.19, every installed Python it supports" ;;
        integration-2.21) echo "ansible-test integration, ansible-core 2.21 on Python 3.12, against the emulator and its control API" ;;
        integration-2.19) echo "ansible-test integration, ansible-core 2.19 on Python 3.11, through the real-API command against an emulator used only as an API" ;;
        molecule) echo "Molecule default scenario: role ionoscloud.backup.backupunits against the emulator" ;;
        ansible-lint) echo "ansible-lint --profile production" ;;
        pytest-emulator) echo "pytest tests/mock_api: the emulator's own tests and its OpenAPI conformance test" ;;
        pytest-system) echo "pytest tests/system: real playbooks (demo, role, reliability...) against the emulator" ;;
        release-checks) echo "scripts/release_checks.sh: changelog + docs lint, build, offline install, ansible-doc, EE" ;;
        *) return 1 ;;
    esac
}

if [ "${1:-}" = "--list" ]; then
    for s in "${ALL_STEPS[@]}"; do printf '%-18s %s\n' "$s" "$(describe "$s")"; done
    exit 0
fi

WORK=$REPO_ROOT/build/test
LOGS=$WORK/logs
OUTPUT_LOCK=$WORK/.output.lock
TOOLS=$VENV_ROOT/tools
CORE219=$VENV_ROOT/core219

# ---------------------------------------------------------------- helpers used by the steps

has_files() { # has_files DIR FIND-ARGS...: true when find matches at least one file
    local dir=$1
    shift
    [ -d "$dir" ] && [ -n "$(find "$dir" "$@" -print -quit 2>/dev/null)" ]
}

skip() { # a step calls this when what it tests does not exist yet; the summary shows SKIP
    printf '%s\n' "$*" > "$SKIP_FILE"
    printf 'SKIPPED: %s\n' "$*"
}

with_venv() { # with_venv VENV CMD...: run CMD with VENV's bin and the real interpreters first on PATH
    local venv=$1
    shift
    PATH="$venv/bin:$PYBIN:$PATH" VIRTUAL_ENV=$venv "$@"
}

integration_targets() {
    local copy=$1 d
    for d in "$copy"/tests/integration/targets/*/; do
        [ -d "$d" ] || continue
        d=$(basename "$d")
        # setup_* targets only run as dependencies; hidden targets carry the alias "hidden".
        case $d in setup_*|prepare_*) continue ;; esac
        grep -qsx 'hidden' "$copy/tests/integration/targets/$d/aliases" && continue
        printf '%s\n' "$d"
    done
}

# ---------------------------------------------------------------- the steps (run inside a copy)

step_sanity() { # step_sanity VENV
    # The team's rule: sanity passes without ignore files, so one appearing is a failure by itself.
    local ignores
    ignores=$(find tests/sanity -name 'ignore-*.txt' 2>/dev/null || true)
    if [ -n "$ignores" ]; then
        echo "sanity ignore files are not allowed: $ignores"
        return 1
    fi
    with_venv "$1" ansible-test sanity --venv --color no
}

step_units() { # step_units VENV
    if ! has_files tests/unit -name 'test_*.py'; then
        skip "no unit tests under tests/unit yet"
        return 0
    fi
    with_venv "$1" ansible-test units --venv --color no
}

step_integration() { # step_integration VENV PYTHON MODE (see scripts/integration.sh)
    if [ -z "$(integration_targets "$PWD")" ]; then
        skip "no integration targets under tests/integration/targets yet"
        return 0
    fi
    echo "Targets: $(integration_targets "$PWD" | tr '\n' ' ')"
    "$REPO_ROOT/scripts/integration.sh" "$3" --venv "$1" --python "$2" --copy "$PWD"
}

step_molecule() {
    if [ ! -d roles/backupunits ]; then
        skip "role roles/backupunits does not exist yet (scenario extensions/molecule/default is ready for it)"
        return 0
    fi
    # Molecule's prerun builds the collection and installs it into $ANSIBLE_HOME/collections.
    local home
    home=$(mktemp -d)
    local status=0
    with_venv "$TOOLS" env ANSIBLE_HOME="$home" ANSIBLE_NOCOLOR=1 PY_COLORS=0 \
        molecule test --scenario-name default || status=$?
    rm -rf "$home"
    return "$status"
}

step_ansible_lint() {
    with_venv "$TOOLS" env PY_COLORS=0 ANSIBLE_NOCOLOR=1 ansible-lint --profile production --nocolor
}

step_pytest() { # step_pytest DIR
    # One pytest run per folder: each folder has its own conftest.py, and tests import helpers from
    # it by the module name "conftest", which one process can hold only once.
    if ! has_files "$1" -name 'test_*.py'; then
        skip "no pytest suites under $1 yet"
        return 0
    fi
    # The demo test reuses the demo venv that setup made, instead of building one per copy.
    with_venv "$TOOLS" env DEMO_VENV="$VENV_ROOT/demo" \
        python -m pytest -p no:cacheprovider -n 2 -q -r fEs "$1"
}

step_release_checks() {
    # Provided by the docs/release side: changelog and docs lint, build, offline install, ansible-doc, EE.
    [ -f scripts/release_checks.sh ] || { echo "scripts/release_checks.sh is missing"; return 1; }
    with_venv "$TOOLS" bash scripts/release_checks.sh
}

run_step_body() {
    case $1 in
        sanity-2.21) step_sanity "$TOOLS" ;;
        units-2.21) step_units "$TOOLS" ;;
        sanity-2.19) step_sanity "$CORE219" ;;
        units-2.19) step_units "$CORE219" ;;
        integration-2.21) step_integration "$TOOLS" 3.12 --emulator ;;
        integration-2.19) step_integration "$CORE219" 3.11 --emulator-as-api ;;
        molecule) step_molecule ;;
        ansible-lint) step_ansible_lint ;;
        pytest-emulator) step_pytest tests/mock_api ;;
        pytest-system) step_pytest tests/system ;;
        release-checks) step_release_checks ;;
    esac
}

# ---------------------------------------------------------------- running steps and lanes

# What is printed of a step's log leaves out pip's progress chatter (ansible-test installs its
# requirements into a venv per Python); the full log stays in build/test/logs/STEP.log.
quiet_pip() {
    grep --line-buffered -v -E \
        -e 'is ignored: it is neither a file nor a directory' \
        -e '^(Looking in (indexes|links)|Collecting|Processing|Requirement already satisfied|Installing collected packages|Using cached pip)' \
        -e '^ +(Downloading|Using cached|Preparing metadata|Building wheel|Created wheel|Stored in directory|[━─])' \
        -e '^ *━' -e '^INFO: pip is looking at multiple versions' || true
}

# run_step STEP COPY STREAM: runs one step in COPY, records PASS/FAIL/SKIP and its duration.
run_step() {
    local step=$1 copy=$2 stream=$3 start status=0 result
    local logf=$LOGS/$step.log
    SKIP_FILE=$LOGS/$step.skip
    rm -f "$SKIP_FILE"
    start=$(date +%s)
    if [ "$stream" = 1 ]; then
        banner "$step: $(describe "$step")"
        (cd "$copy" && run_step_body "$step") 2>&1 | tee "$logf" | quiet_pip || status=$?
    else
        printf '[%s] started  %s\n' "$(date +%H:%M:%S)" "$step"
        (cd "$copy" && run_step_body "$step") > "$logf" 2>&1 || status=$?
    fi
    local secs=$(($(date +%s) - start))
    if [ "$status" -ne 0 ]; then result=FAIL
    elif [ -f "$SKIP_FILE" ]; then result=SKIP
    else result=PASS; fi
    printf '%s %s %s\n' "$result" "$secs" "$(cat "$SKIP_FILE" 2>/dev/null || true)" > "$LOGS/$step.result"
    if [ "$stream" != 1 ]; then
        # Print the whole log at once, so parallel lanes never interleave.
        {
            flock 9
            banner "$step: $(describe "$step")"
            quiet_pip < "$logf"
            printf -- '-- %s: %s in %ss\n' "$step" "$result" "$secs"
        } 9>>"$OUTPUT_LOCK"
    else
        printf -- '-- %s: %s in %ss\n' "$step" "$result" "$secs"
    fi
}

QUEUE=$WORK/.queue

next_step() { # prints the next queued step and removes it from the queue; nothing when empty
    local step
    {
        flock 8
        step=$(head -n1 "$QUEUE")
        [ -z "$step" ] || sed -i 1d "$QUEUE"
    } 8>>"$QUEUE.lock"
    printf '%s' "$step"
}

worker() { # worker NAME STREAM: runs queued steps in its own copy until the queue is empty
    local copy step
    copy=$(make_workspace "$WORK/$1")
    while step=$(next_step) && [ -n "$step" ]; do
        run_step "$step" "$copy" "$2"
    done
}

# ---------------------------------------------------------------- main

selected=("$@")
[ "${#selected[@]}" -gt 0 ] || selected=("${ALL_STEPS[@]}")
for s in "${selected[@]}"; do
    describe "$s" >/dev/null || die "unknown step '$s' (see scripts/test.sh --list)"
done
in_selection() { local s; for s in "${selected[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

total_start=$(date +%s)
mkdir -p "$LOGS"
# The queue: selected steps, longest first by the last run's durations (or the estimates).
for s in "${selected[@]}"; do
    secs=
    [ -f "$LOGS/$s.result" ] && read -r _ secs _ < "$LOGS/$s.result"
    printf '%s %s\n' "${secs:-$(estimate "$s")}" "$s"
done | sort -k1,1nr | cut -d' ' -f2 > "$QUEUE"
rm -f "$LOGS"/*.result "$LOGS"/*.skip
: > "$OUTPUT_LOCK"

banner "setup: virtual environments and interpreters"
setup_pybin
echo "Interpreters found: $(installed_pythons | tr '\n' ' ')"
setup_start=$(date +%s)
# The three venvs install independently; pip is mostly waiting on the network, so in parallel.
pids=()
ensure_tools_venv & pids+=($!)
ensure_core219_venv & pids+=($!)
ensure_venv demo "$(find_python 3.12)" "$REQ_DIR/demo.txt" & pids+=($!)
for p in "${pids[@]}"; do wait "$p" || die "setting up the virtual environments failed"; done
echo "tools:   $("$TOOLS/bin/ansible" --version | sed -n 1p)"
echo "core219: $("$CORE219/bin/ansible" --version | sed -n 1p)"
echo "setup done in $(($(date +%s) - setup_start))s"

jobs=${TEST_JOBS:-2}
if [ "$jobs" -le 1 ]; then
    worker lane1 1
else
    echo "Running $(wc -l < "$QUEUE") steps on $jobs workers: $(tr '\n' ' ' < "$QUEUE")"
    workers=()
    for n in $(seq 1 "$jobs"); do
        worker "lane$n" 0 & workers+=($!)
    done
    for p in "${workers[@]}"; do wait "$p" || true; done
fi

banner "summary"
passed=0 failed=0 skipped=0
for s in "${ALL_STEPS[@]}"; do
    in_selection "$s" || continue
    if [ ! -f "$LOGS/$s.result" ]; then
        printf '%-5s %-18s (did not finish)\n' FAIL "$s"
        failed=$((failed + 1))
        continue
    fi
    read -r result secs reason < "$LOGS/$s.result"
    printf '%-5s %-18s %5ss  %s\n' "$result" "$s" "$secs" "${reason:-}"
    case $result in
        PASS) passed=$((passed + 1)) ;;
        SKIP) skipped=$((skipped + 1)) ;;
        *) failed=$((failed + 1)) ;;
    esac
done
echo "logs: ${LOGS#"$REPO_ROOT"/}/  total wall time: $(($(date +%s) - total_start))s"
echo "steps: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
