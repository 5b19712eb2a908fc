# shellcheck shell=bash
# Shared helpers for the scripts behind `make test` and `make demo`. Source it; do not run it.
#
# Layout it creates (all gitignored):
#   .venv/tools     Python 3.12, newest ansible-core + every test, lint and docs tool
#   .venv/core219   Python 3.11, the newest ansible-core Python 3.11 can run (2.19.x)
#   .venv/core220   Python 3.13, ansible-core 2.20.x
#   .venv/demo      ansible-core + requests only, for `make demo`
#   .venv/pybin     real interpreter symlinks, first on PATH (pyenv shims fail for inactive versions)
#   build/test/     scratch copies .../ansible_collections/ionoscloud/backup and step logs

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV_ROOT=$REPO_ROOT/.venv
REQ_DIR=$REPO_ROOT/scripts/requirements
PYBIN=$VENV_ROOT/pybin

log() { printf '%s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

banner() {
    local line='=================================================================='
    printf '\n%s\n== %s\n%s\n' "$line" "$*" "$line"
}

# find_python X.Y...: the path of a real interpreter for the first of the versions found, or nothing.
find_python() {
    local v root candidate
    root=${PYENV_ROOT:-$HOME/.pyenv}
    for v in "$@"; do
        candidate=$(printf '%s\n' "$root"/versions/"$v".*/bin/python"$v" | sort -V | tail -1)
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then
            printf '%s\n' "$candidate"
            return 0
        fi
        # Outside pyenv: an interpreter on PATH, but never a pyenv shim (they fail for inactive versions).
        candidate=$(command -v "python$v" 2>/dev/null || true)
        if [ -n "$candidate" ] && ! grep -q pyenv "$candidate" 2>/dev/null && "$candidate" -c '' 2>/dev/null; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
}

# Put real python3.X symlinks first on PATH so ansible-test --venv finds every installed version.
setup_pybin() {
    mkdir -p "$PYBIN"
    local v p
    for v in 3.8 3.9 3.10 3.11 3.12 3.13 3.14; do
        p=$(find_python "$v")
        if [ -n "$p" ]; then
            ln -sf "$p" "$PYBIN/python$v"
        else
            rm -f "$PYBIN/python$v"
        fi
    done
    case ":$PATH:" in
        *":$PYBIN:"*) ;;
        *) export PATH="$PYBIN:$PATH" ;;
    esac
}

installed_pythons() {
    local f
    for f in "$PYBIN"/python3.*; do
        [ -e "$f" ] && basename "$f" | sed 's/^python//'
    done | sort -V
}

# ensure_venv NAME PYTHON REQUIREMENTS [CONSTRAINTS]
# Creates .venv/NAME with PYTHON and installs REQUIREMENTS, unless its stamp (a hash of the
# interpreter version and the requirement files) already matches: repeat runs cost nothing.
ensure_venv() {
    local name=$1 python=$2 req=$3 constraints=${4:-}
    local dir=$VENV_ROOT/$name stamp want
    [ -n "$python" ] || die "no interpreter found for venv $name (see its ensure_* function in scripts/lib.sh for the versions)"
    want=$( { "$python" -c 'import sys; print(sys.version)'; cat "$req"; [ -z "$constraints" ] || cat "$constraints"; } | sha256sum | cut -d' ' -f1)
    stamp=$dir/.requirements-stamp
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$dir/bin/python" ]; then
        return 0
    fi
    log "Creating venv .venv/$name with $("$python" --version 2>&1) from ${req#"$REPO_ROOT"/}"
    rm -rf "$dir"
    "$python" -m venv "$dir"
    local args=(-q --disable-pip-version-check --no-input install -r "$req")
    [ -z "$constraints" ] || args+=(-c "$constraints")
    # pip prints a warning per unreachable extra index configured on some machines; keep the log readable.
    "$dir/bin/python" -m pip "${args[@]}" 2>&1 | grep -v 'is ignored: it is neither a file nor a directory' || true
    [ "${PIPESTATUS[0]}" -eq 0 ] || die "pip install into .venv/$name failed"
    "$dir/bin/python" -m pip -q check >/dev/null 2>&1 || log "warning: pip check reports conflicts in .venv/$name"
    printf '%s\n' "$want" > "$stamp"
}

# ansible-test downloads a get-pip script from a host this kind of machine cannot reach.
# Write an offline stand-in built from the pinned pip wheel on PyPI (once per pip version).
# The one place that reads ansible-test's internals: no public interface tells which pip
# version it bootstraps, and it must match that version's cache file name.
seed_get_pip() {
    local python=$1 pipv cache whl
    pipv=$("$python" - <<'PYEOF'
import os, re, ansible_test
src = open(os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')).read()
print(re.search(r"pip='([0-9.]+)'", src).group(1))
PYEOF
)
    cache=$HOME/.ansible/test/cache
    [ -f "$cache/get_pip_${pipv//./_}.py" ] && [ -f "$cache/pip-$pipv-py3-none-any.whl" ] && return 0
    mkdir -p "$cache"
    "$python" -m pip download -q --no-deps --only-binary=:all: -d "$cache" "pip==$pipv" 2>&1 \
        | grep -v 'is ignored: it is neither a file nor a directory' || true
    whl=$cache/pip-$pipv-py3-none-any.whl
    [ -f "$whl" ] || die "could not download pip $pipv for ansible-test's bootstrap"
    cat > "$cache/get_pip_${pipv//./_}.py" <<PYEOF
# Offline replacement for the get-pip script ansible-test would download (written by scripts/lib.sh)
import sys
args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
sys.path.insert(0, '$whl')
from pip._internal.cli.main import main
sys.exit(main(['install', '--upgrade', '--force-reinstall'] + args))
PYEOF
    log "Seeded ansible-test's offline get-pip for pip $pipv"
}

ensure_tools_venv() {
    ensure_venv tools "$(find_python 3.12 3.13)" "$REQ_DIR/tools.txt" "$REQ_DIR/tools-constraints.txt"
    seed_get_pip "$VENV_ROOT/tools/bin/python"
}

# ensure_core_venv NAME PYTHON_VERSION: .venv/NAME from scripts/requirements/NAME.txt (one ansible-core).
ensure_core_venv() {
    ensure_venv "$1" "$(find_python "$2")" "$REQ_DIR/$1.txt"
    seed_get_pip "$VENV_ROOT/$1/bin/python"
}

# The demo's venv: ansible-core and requests only, on any Python the collection supports.
ensure_demo_venv() {
    local py
    py=$(find_python 3.12 3.13 3.11)
    ensure_venv demo "${py:-$(command -v python3)}" "$REQ_DIR/demo.txt"
}

# random_secret N: N random bytes, URL-safe: a credential only this run knows.
random_secret() {
    python3 -c 'import secrets, sys; print(secrets.token_urlsafe(int(sys.argv[1])))' "$1"
}

# galaxy-importer gets a venv of its own: it pins attrs<24, which the tools venv cannot hold.
ensure_importer_venv() {
    ensure_venv importer "$(find_python 3.12 3.13)" "$REQ_DIR/importer.txt" "$REQ_DIR/importer-constraints.txt"
}

# Every venv `make test` uses. They install independently and pip mostly waits on the network,
# so in parallel.
ensure_all_venvs() {
    local pids=() p
    ensure_tools_venv & pids+=($!)
    ensure_core_venv core219 3.11 & pids+=($!)
    ensure_core_venv core220 3.13 & pids+=($!)
    ensure_importer_venv & pids+=($!)
    ensure_demo_venv & pids+=($!)
    for p in "${pids[@]}"; do wait "$p" || die "setting up the virtual environments failed"; done
    local v
    for v in tools core219 core220; do echo "$v: $("$VENV_ROOT/$v/bin/ansible" --version | sed -n 1p)"; done
}

# write_secrets NAME LABEL=VALUE...: lists the secrets a test run used in $SECRETS_DIR/NAME.json,
# for scripts/secret_scan.py (nothing when SECRETS_DIR is unset, e.g. outside `make test`).
write_secrets() {
    [ -n "${SECRETS_DIR:-}" ] || return 0
    local name=$1
    shift
    python3 -c 'import json, sys; print(json.dumps(dict(a.split("=", 1) for a in sys.argv[1:])))' "$@" \
        > "$SECRETS_DIR/$name.json"
}

# copy_sources DEST: the clone's tracked and untracked-but-not-ignored files, copied into DEST (a new
# file counts before it is committed; a deleted one does not). Outside a git clone: every file.
copy_sources() {
    mkdir -p "$1"
    if git -C "$REPO_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        (cd "$REPO_ROOT" && git ls-files -z --cached --others --exclude-standard \
            | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
            | tar --null -T - -cf -) | tar -xf - -C "$1"
    else
        tar -C "$REPO_ROOT" --exclude=.git --exclude=.venv --exclude=build -cf - . | tar -xf - -C "$1"
    fi
}

# make_workspace DIR: a fresh copy of the working tree (tracked + untracked, not ignored files) at
# DIR/ansible_collections/ionoscloud/backup, made a git repository so ansible-test lists files
# through git and honours .gitignore. Keeps tests/output/ of an earlier copy: ansible-test caches
# its per-Python venvs there, which keeps repeat runs fast.
make_workspace() {
    local base=$1 dest keep=
    dest=$base/ansible_collections/ionoscloud/backup
    if [ -d "$dest/tests/output/.tmp" ]; then
        keep=$base/.output-keep
        rm -rf "$keep"
        mv "$dest/tests/output" "$keep"
    fi
    rm -rf "$dest"
    copy_sources "$dest"
    if [ -n "$keep" ]; then
        mkdir -p "$dest/tests"
        mv "$keep" "$dest/tests/output"
    fi
    (cd "$dest" && git init -q && git add -A)
    printf '%s\n' "$dest"
}

# start_emulator PYTHON STATE_DIR [server args...]: starts tests/mock_api/server.py on a free port;
# sets EMULATOR_PID and EMULATOR_URL. The server prints its base URL once it accepts connections.
start_emulator() {
    local python=$1 state=$2
    shift 2
    local server=$REPO_ROOT/tests/mock_api/server.py
    [ -f "$server" ] || die "tests/mock_api/server.py does not exist yet"
    mkdir -p "$state"
    : > "$state/emulator.out"
    "$python" "$server" --port 0 --host 127.0.0.1 "$@" > "$state/emulator.out" 2> "$state/emulator.err" &
    EMULATOR_PID=$!
    # Generous: on a loaded 2-core machine a Python start-up can take several seconds.
    for _ in $(seq 1 600); do
        EMULATOR_URL=$(head -n1 "$state/emulator.out" 2>/dev/null || true)
        case "$EMULATOR_URL" in http*) return 0 ;; esac
        kill -0 "$EMULATOR_PID" 2>/dev/null || { cat "$state/emulator.err" >&2; die "the emulator exited before it printed its URL"; }
        sleep 0.1
    done
    kill "$EMULATOR_PID" 2>/dev/null || true
    die "the emulator did not print its URL within 60 s"
}

stop_emulator() {
    if [ -n "${EMULATOR_PID:-}" ] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
        kill -TERM "$EMULATOR_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$EMULATOR_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$EMULATOR_PID" 2>/dev/null || true
        wait "$EMULATOR_PID" 2>/dev/null || true
    fi
    EMULATOR_PID=
}

# The emulator's control API lives on the same host and port, under /_emulator.
emulator_control_url() {
    printf '%s\n' "$1" | sed -E 's#^(https?://[^/]+).*#\1/_emulator#'
}
