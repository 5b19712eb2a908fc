# shellcheck shell=bash
# Helpers of scripts/demo.sh: the emulator and throwaway credentials.
# Source it; do not run it. (Virtual environments and test sessions: noxfile.py.)

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# random_secret N: N random bytes, URL-safe: a credential only this run knows.
random_secret() {
    python3 -c 'import secrets, sys; print(secrets.token_urlsafe(int(sys.argv[1])))' "$1"
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
