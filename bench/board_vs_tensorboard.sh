#!/usr/bin/env bash
# Side-by-side benchmark of the vizjobs dashboard engine against TensorBoard 2.21, using the
# shared harness (../shared/bench). One command:
#   bench/board_vs_tensorboard.sh [small|large] [reps]
# Sets up the venv and generates the logdir under /tmp/vizjobs-bench on first use (outside the
# repository), builds the engine's `board` example in release mode, then runs bench_tb.py with
# repetitions alternating TensorBoard / vizjobs, and a parse-throughput figure next to `cat`.
set -euo pipefail
size="${1:-small}"
reps="${2:-3}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
shared="${SHARED_DIR:-$repo/../shared}"
work=/tmp/vizjobs-bench
venv="$work/venv"
mkdir -p "$work"
if [ ! -x "$venv/bin/tensorboard" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q tensorboard==2.21.0 tensorboardX==2.6.5 numpy psutil
fi
case "$size" in
  small) runs=5 ;;
  large) runs=50 ;;
  *) echo "usage: $0 [small|large] [reps]" >&2; exit 2 ;;
esac
logdir="$work/$size"
if [ ! -f "$logdir.manifest.json" ]; then
  "$venv/bin/python" "$shared/bench/gen.py" --out "$logdir" --runs "$runs" --tags 20 --steps 20000 \
    --hist-tags 2 --hist-every 100 --image-tags 1 --image-every 1000 --text-tags 1 --text-every 1000
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
cargo build --release -q -p vizjobs-engine --example board --manifest-path "$repo/Cargo.toml"
board="$CARGO_TARGET_DIR/release/examples/board"

echo "== parse throughput (warm cache) =="
cat "$logdir"/*/* > /dev/null
/usr/bin/time -f "cat: %e s" cat "$logdir"/*/* > /dev/null
"$board" --logdir "$logdir" --listen 127.0.0.1:0 --exit-after-load 2>/dev/null | sed 's/^/vizjobs load: /'

echo "== time until every series is served, peak RSS =="
"$venv/bin/python" "$shared/bench/bench_tb.py" --logdir "$logdir" \
  --tensorboard "$venv/bin/tensorboard" --server tb-fast \
  --cmd "vizjobs=$board --logdir {logdir} --listen {host}:{port}" \
  --reps "$reps" --workdir "$work/work" --json "$work/result-$size.json"
