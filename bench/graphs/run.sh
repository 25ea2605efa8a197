#!/usr/bin/env bash
# The Graphs benchmark (issue 14): a 24,000-node ResNet-shaped GraphDef and a 100,000-node one,
# written with TensorBoard's protos (gen_graphs.py), each opened in vizjobs' Graphs tab and in
# TensorBoard 2.21's, side by side in the same run (bench/graphs/measure.mjs), medians printed.
#
#   bench/graphs/run.sh [reps] [tensorboard timeout in seconds]
#
# Needs: a release build (cargo build --release -p vizjobs-cli; CARGO_TARGET_DIR as usual), the
# bench venv with tensorboard (/tmp/vizjobs-bench/venv, or $VENV), chromium, web/node_modules.
set -euo pipefail
repo="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
reps="${1:-3}"
tb_timeout="${2:-180}"
venv="${VENV:-/tmp/vizjobs-bench/venv}"
bin="${VIZJOBS_BIN:-${CARGO_TARGET_DIR:-/var/tmp/vizjobs-ci-target}/release/vizjobs}"
work="${WORK:-/var/tmp/vizjobs-graph-bench}"
[ -x "$bin" ] || { echo "no release binary at $bin" >&2; exit 1; }
[ -x "$venv/bin/tensorboard" ] || { echo "no tensorboard in $venv" >&2; exit 1; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 600); do curl -fsS -o /dev/null "$1" && return 0; sleep 0.2; done; echo "no answer from $1" >&2; return 1; }

for nodes in 24000 100000; do
  logdir="$work/g$nodes"
  if [ ! -d "$logdir/resnet" ]; then
    "$venv/bin/python" "$repo/bench/graphs/gen_graphs.py" large "$logdir/resnet" "$nodes"
  fi
  vport="$(free_port)"
  tport="$(free_port)"
  "$bin" board --logdir "$logdir" --listen "127.0.0.1:$vport" >"$work/vizjobs-$nodes.log" 2>&1 &
  pids+=($!)
  "$venv/bin/tensorboard" --logdir "$logdir" --host 127.0.0.1 --port "$tport" --load_fast=false >"$work/tb-$nodes.log" 2>&1 &
  pids+=($!)
  started=$(date +%s.%N)
  # Until each lists the graph: vizjobs has read and decoded it, TensorBoard has read it.
  until curl -fsS "http://127.0.0.1:$vport/data/graphs" 2>/dev/null | grep -q '"nodes":[1-9]'; do sleep 0.05; done
  viz_ready=$(date +%s.%N)
  until curl -fsS "http://127.0.0.1:$tport/data/plugin/graphs/info" 2>/dev/null | grep -q resnet; do sleep 0.05; done
  tb_ready=$(date +%s.%N)
  python3 -c "import sys; s, v, t = map(float, sys.argv[1:]); print(f'{{\"graph listed after start\": {{\"vizjobs_s\": {v - s:.2f}, \"tensorboard_s\": {t - s:.2f}}}}}')" "$started" "$viz_ready" "$tb_ready"
  (cd "$repo/web" && node "$repo/bench/graphs/measure.mjs" "http://127.0.0.1:$vport" "http://127.0.0.1:$tport" resnet "$nodes nodes" "$reps" "$tb_timeout")
  cleanup
  pids=()
done
