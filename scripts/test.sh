#!/usr/bin/env bash
# `make test`: creates the pinned venvs, runs every step, prints one summary line; fails if a step failed.
#
# usage: scripts/test.sh [STEP...]     (default: every step; `scripts/test.sh --list` lists them)
#
# By default the steps run in two lanes side by side (see LANE1 and LANE2; on this 2-core machine
# the steps took 443 s one after another and 290 s in two lanes), each lane in its own scratch
# copy of the collection under build/test/. The secret scan runs last, over what the others logged. Every
# step's output is kept in build/test/logs/STEP.log; a failing step does not stop the others, and
# the end of its log is printed with the summary. Steps named on the command line run one by one.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

LANE1=(sanity-2.21 units-2.21 integration-2.21 molecule ansible-lint release-checks pytest-emulator)
LANE2=(pytest-system sanity-2.19 units-2.19 integration-2.19 sanity-2.20 units-2.20 integration-2.20)
LAST=(secret-scan)

list_steps() {
    cat <<'LIST'
sanity-2.21       ansible-test sanity, ansible-core 2.21, every installed Python it supports
units-2.21        ansible-test units, ansible-core 2.21, every installed Python it supports
integration-2.21  integration targets, ansible-core 2.21 on Python 3.12, at -vvv, against the emulator and its control API
molecule          the role's Molecule scenario against the emulator, at -vvv
ansible-lint      ansible-lint --profile production
release-checks    scripts/release_checks.sh: changelog, docs, build, offline install, ansible-doc, EE
pytest-system     pytest tests/system: real playbooks (demo, role, reliability...) against the emulator
pytest-emulator   pytest tests/mock_api: the emulator's tests, its OpenAPI conformance, the vendor SDK
sanity-2.19       ansible-test sanity, ansible-core 2.19 on Python 3.11
units-2.19        ansible-test units, ansible-core 2.19 on Python 3.11
integration-2.19  integration targets, ansible-core 2.19 on Python 3.11, through the real-API command against an emulator used only as an API
sanity-2.20       ansible-test sanity, ansible-core 2.20 on Python 3.13
units-2.20        ansible-test units, ansible-core 2.20 on Python 3.13
integration-2.20  integration targets, ansible-core 2.20 on Python 3.13, through the real-API command against an emulator used only as an API
secret-scan       the logs of integration-* and molecule scanned for every credential, unit password and SSO token they used
LIST
}

WORK=${TEST_WORK:-$REPO_ROOT/build/test}     # TEST_WORK: another place, e.g. for two runs at once
LOGS=$WORK/logs
export SECRETS_DIR=$WORK/secrets       # where integration.sh and the molecule step list the secrets they used

venv() { # venv NAME CMD...: run CMD with the venv's bin, then the real interpreters, first on PATH
    local dir=$VENV_ROOT/$1
    shift
    PATH="$dir/bin:$PYBIN:$PATH" VIRTUAL_ENV=$dir "$@"
}

sanity() { # sanity VENV [ansible-test args]: no tests/sanity/ignore-*.txt allowed, then ansible-test sanity
    local ignores
    ignores=$(find tests/sanity -name 'ignore-*.txt' 2>/dev/null || true)
    [ -z "$ignores" ] || { echo "sanity ignore files are not allowed: $ignores"; return 1; }
    venv "$1" ansible-test sanity --venv --color no "${@:2}"
}

molecule_step() {
    # Molecule's prerun installs the collection into $ANSIBLE_HOME/collections: a scratch one.
    # The emulator password is chosen here, so that the secret scan knows it.
    local home password status=0
    home=$(mktemp -d)
    password=$(random_secret 18)
    write_secrets molecule "emulator password=$password"
    venv tools env ANSIBLE_HOME="$home" ANSIBLE_NOCOLOR=1 PY_COLORS=0 ANSIBLE_VERBOSITY=3 \
        MOLECULE_EMULATOR_PASSWORD="$password" molecule test --scenario-name default || status=$?
    rm -rf "$home"
    return "$status"
}

run_step_body() {
    case $1 in
        sanity-2.21) sanity tools ;;
        sanity-2.19) sanity core219 --python 3.11 ;;
        sanity-2.20) sanity core220 --python 3.13 ;;
        units-2.21) venv tools ansible-test units --venv --color no ;;
        units-2.19) venv core219 ansible-test units --venv --color no --python 3.11 ;;
        units-2.20) venv core220 ansible-test units --venv --color no --python 3.13 ;;
        integration-2.21) "$REPO_ROOT/scripts/integration.sh" --emulator --venv "$VENV_ROOT/tools" --python 3.12 --copy "$PWD" -vvv ;;
        integration-2.19) "$REPO_ROOT/scripts/integration.sh" --emulator-as-api --venv "$VENV_ROOT/core219" --python 3.11 --copy "$PWD" ;;
        integration-2.20) "$REPO_ROOT/scripts/integration.sh" --emulator-as-api --venv "$VENV_ROOT/core220" --python 3.13 --copy "$PWD" ;;
        molecule) molecule_step ;;
        ansible-lint) venv tools env PY_COLORS=0 ANSIBLE_NOCOLOR=1 ansible-lint --profile production --nocolor ;;
        # -n 2: the suites wait on subprocesses and the emulator much of the time.
        pytest-system) venv tools env DEMO_VENV="$VENV_ROOT/demo" python -m pytest -p no:cacheprovider -n 2 -q -r fEs tests/system ;;
        pytest-emulator) venv tools python -m pytest -p no:cacheprovider -n 2 -q -r fEs tests/mock_api ;;
        release-checks) venv tools bash scripts/release_checks.sh ;;
        secret-scan) venv tools python "$REPO_ROOT/scripts/secret_scan.py" "$SECRETS_DIR" \
            "$LOGS"/integration-*.log "$LOGS"/molecule.log ;;
        *) echo "unknown step '$1' (see scripts/test.sh --list)"; return 2 ;;
    esac
}

run_step() { # run_step STEP COPY: one step in COPY; its output to LOGS/STEP.log, its result to LOGS/STEP.result
    local step=$1 copy=$2 start status=0 result
    start=$(date +%s)
    (cd "$copy" && run_step_body "$step") > "$LOGS/$step.log" 2>&1 || status=$?
    result=$([ "$status" -eq 0 ] && echo PASS || echo FAIL)
    printf '%s %s\n' "$result" "$(($(date +%s) - start))" > "$LOGS/$step.result"
    printf '[%s] %s %s in %ss\n' "$(date +%H:%M:%S)" "$result" "$step" "$(($(date +%s) - start))"
}

run_lane() { # run_lane NAME STEP...: the steps one after another, in the lane's own copy
    local copy step
    copy=$(make_workspace "$WORK/$1")
    for step in "${@:2}"; do
        run_step "$step" "$copy"
    done
}

if [ "${1:-}" = "--list" ]; then
    list_steps
    exit 0
fi

start=$(date +%s)
# A full run starts clean; single steps keep the other steps' logs (secret-scan reads them).
[ $# -gt 0 ] || rm -rf "$LOGS" "$SECRETS_DIR"
mkdir -p "$LOGS" "$SECRETS_DIR"
banner "setup: virtual environments and interpreters"
setup_pybin
echo "Interpreters found: $(installed_pythons | tr '\n' ' ')"
ensure_all_venvs
echo "setup done in $(($(date +%s) - start))s"

banner "steps"
if [ $# -gt 0 ]; then
    selected=("$@")
    run_lane lane1 "$@"
else
    selected=("${LANE1[@]}" "${LANE2[@]}" "${LAST[@]}")
    run_lane lane1 "${LANE1[@]}" &
    lane1=$!
    run_lane lane2 "${LANE2[@]}" &
    lane2=$!
    wait "$lane1" || true
    wait "$lane2" || true
    run_lane lane1 "${LAST[@]}"
fi

banner "summary"
passed=0 failed=0
for step in "${selected[@]}"; do
    read -r result secs < "$LOGS/$step.result" || { result=FAIL; secs=-; }
    printf '%-5s %-18s %5ss\n' "$result" "$step" "$secs"
    if [ "$result" = PASS ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        printf -- '---- end of %s.log ----\n' "$step"
        tail -n 60 "$LOGS/$step.log" 2>/dev/null || true
        echo '----'
    fi
done
echo "logs: $LOGS/  total wall time: $(($(date +%s) - start))s"
echo "steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
