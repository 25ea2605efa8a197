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
die() {
  echo "e2e-graphs: $*" >&2
  exit 1
}
[ -d "$shared/fixtures/mindspore/graph_run" ] || die "no shared fixtures at $shared (set VIZJOBS_SHARED)"

# shellcheck source=.ci/e2e-board.sh
. "$repo/.ci/e2e-board.sh"
e2e_board_setup e2e-graphs

logdir="$work/logs"
mkdir -p "$logdir"
cp -r "$repo/crates/vizjobs-engine/tests/graphs/tf_small" "$repo/crates/vizjobs-engine/tests/graphs/tf_truncated" "$logdir/"
cp -r "$shared/fixtures/mindspore/graph_run" "$logdir/ms_graph"

e2e_start_board "$logdir"

cd "$repo/web"
VIZJOBS_URL="http://127.0.0.1:$port" VIZJOBS_SCREENSHOTS="$screenshots" CHROMIUM="$chromium" \
  node tests/e2e/graphs.mjs || { tail -n 30 "$work/board.log" >&2; die "graph browser tests failed (screenshots in $screenshots)"; }
