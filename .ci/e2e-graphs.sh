#!/usr/bin/env bash
# Browser tests of the Graphs tab (issue 14) against a real `vizjobs board`.
#
# The logdir: the TensorBoard graph fixtures the engine tests use (crates/vizjobs-engine/tests/
# graphs: a GraphDef with scopes, a series, control and dangling inputs, unicode names, a Keras
# model and run metadata, written by bench/graphs/gen_graphs.py with TensorBoard's protos; and a
# truncated graph) and the MindSpore fixture with a graph (shared/fixtures/mindspore/graph_run).
# Runs web/tests/e2e/graphs.mjs with headless Chromium; screenshots of each state.
#
# Environment: VIZJOBS_BIN (a built vizjobs) [default: cargo build -p vizjobs-cli],
# VIZJOBS_SHARED, VIZJOBS_SCREENSHOTS, CHROMIUM, CARGO_TARGET_DIR as for .ci/e2e.sh.
set -euo pipefail

repo="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
shared="${VIZJOBS_SHARED:-$repo/../shared}"
screenshots="${VIZJOBS_SCREENSHOTS:-$repo/target/e2e-screenshots}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
die() {
  echo "e2e-graphs: $*" >&2
  exit 1
}
[ -d "$shared/fixtures/mindspore/graph_run" ] || die "no shared fixtures at $shared (set VIZJOBS_SHARED)"
[ -x "$chromium" ] || die "no chromium at $chromium (.ci/e2e.sh installs it)"
[ -d "$repo/web/node_modules/playwright-core" ] || die "web/node_modules is missing (.ci/e2e.sh runs npm ci)"

if [ -n "${VIZJOBS_BIN:-}" ]; then
  bin="$VIZJOBS_BIN"
else
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/vizjobs-ci-target}"
  (cd "$repo" && cargo build -q -p vizjobs-cli)
  bin="$CARGO_TARGET_DIR/debug/vizjobs"
fi

work="$(mktemp -d /tmp/vizjobs-e2e-graphs.XXXXXX)"
board_pid=""
cleanup() {
  if [ -n "$board_pid" ] && kill -0 "$board_pid" 2>/dev/null; then
    kill "$board_pid"
    wait "$board_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

logdir="$work/logs"
mkdir -p "$logdir"
cp -r "$repo/crates/vizjobs-engine/tests/graphs/tf_small" "$repo/crates/vizjobs-engine/tests/graphs/tf_truncated" "$logdir/"
cp -r "$shared/fixtures/mindspore/graph_run" "$logdir/ms_graph"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$bin" board --logdir "$logdir" --listen "127.0.0.1:$port" >"$work/board.log" 2>&1 &
board_pid=$!
for _ in $(seq 1 300); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/data/logdir" && break
  kill -0 "$board_pid" 2>/dev/null || { cat "$work/board.log" >&2; die "the board exited"; }
  sleep 0.1
done

cd "$repo/web"
VIZJOBS_URL="http://127.0.0.1:$port" VIZJOBS_SCREENSHOTS="$screenshots" CHROMIUM="$chromium" \
  node tests/e2e/graphs.mjs || { tail -n 30 "$work/board.log" >&2; die "graph browser tests failed (screenshots in $screenshots)"; }
