# Sourced by the browser-test scripts that run against a `vizjobs board` (.ci/e2e-graphs.sh,
# .ci/e2e-many-runs.sh): what .ci/e2e.sh prepared (Chromium, web/'s npm packages), the binary,
# a work directory cleaned up on exit, and a board started on a free loopback port. The caller
# defines `die` first.
#
# After `e2e_board_setup NAME`: $chromium, $bin, $work. After `e2e_start_board LOGDIR`: $port, and the
# board's output in $work/board.log.

e2e_board_setup() {
  chromium="${CHROMIUM:-/usr/bin/chromium}"
  [ -x "$chromium" ] || die "no Chromium at $chromium (run .ci/e2e.sh first: it installs it)"
  [ -d "$repo/web/node_modules/playwright-core" ] || die "web/node_modules is missing (run .ci/e2e.sh first)"
  if [ -n "${VIZJOBS_BIN:-}" ]; then
    bin="$VIZJOBS_BIN"
  else
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/vizjobs-ci-target}"
    (cd "$repo" && cargo build -q -p vizjobs-cli)
    bin="$CARGO_TARGET_DIR/debug/vizjobs"
  fi
  work="$(mktemp -d "/tmp/vizjobs-$1.XXXXXX")"
  board_pid=""
  trap e2e_board_cleanup EXIT
}

e2e_board_cleanup() {
  if [ -n "$board_pid" ] && kill -0 "$board_pid" 2>/dev/null; then
    kill "$board_pid"
    wait "$board_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}

e2e_start_board() {
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  "$bin" board --logdir "$1" --listen "127.0.0.1:$port" >"$work/board.log" 2>&1 &
  board_pid=$!
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && return 0
    kill -0 "$board_pid" 2>/dev/null || { tail -n 30 "$work/board.log" >&2; die "the board exited"; }
    sleep 0.1
  done
  die "the board did not answer on port $port"
}
