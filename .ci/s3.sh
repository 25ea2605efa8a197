#!/usr/bin/env bash
# Installs the S3-compatible test server (moto, from PyPI) and starts one on loopback.
#
# - Installs `moto[server]` into its own virtualenv and links `moto_server` into /usr/local/bin,
#   where the tests look for it (they start their own instance per test, on free ports; a test
#   fails, never skips, when it cannot). VIZJOBS_S3_TEST_SERVER may name another executable.
# - Starts a shared instance on 127.0.0.1:${VIZJOBS_S3_PORT:-9000} for manual runs and the
#   benchmark, unless one already answers there; its pid goes to /tmp/vizjobs-s3.pid.
# Idempotent: a second run reuses the install and the running server.
set -euo pipefail

MOTO_VERSION="${MOTO_VERSION:-5.2.1}"
VENV="${VIZJOBS_S3_VENV:-/opt/vizjobs-s3/venv}"
PORT="${VIZJOBS_S3_PORT:-9000}"
PID_FILE=/tmp/vizjobs-s3.pid
LOG_FILE=/tmp/vizjobs-s3.log

if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    echo "==> installing python3 and venv (apt)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null
fi

if ! "$VENV/bin/python" -c "import moto, sys; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
    echo "==> installing moto[server]==$MOTO_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi
ln -sf "$VENV/bin/moto_server" /usr/local/bin/moto_server
echo "==> moto_server $MOTO_VERSION at $(command -v moto_server)"

answers() {
    "$VENV/bin/python" - "$PORT" <<'PY'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
except OSError:
    sys.exit(1)
PY
}

if answers; then
    echo "==> an S3 server already answers on 127.0.0.1:$PORT"
else
    nohup moto_server -H 127.0.0.1 -p "$PORT" >"$LOG_FILE" 2>&1 &
    echo $! >"$PID_FILE"
    for _ in $(seq 1 100); do
        answers && break
        sleep 0.2
    done
    if ! answers; then
        echo "the S3 test server did not start; see $LOG_FILE" >&2
        exit 1
    fi
    echo "==> S3 test server on http://127.0.0.1:$PORT (pid $(cat "$PID_FILE"), log $LOG_FILE)"
fi
