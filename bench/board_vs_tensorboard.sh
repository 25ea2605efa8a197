#!/usr/bin/env bash
# Side-by-side benchmark of `vizjobs board` against TensorBoard 2.21 (tb-fast), one command:
#   bench/board_vs_tensorboard.sh [small|large] [reps]
# On first use it sets up the venv and generates the logdir under /tmp/vizjobs-bench (outside the
# repository; see ../shared/bench/README.md), and writes a MindSpore logdir of the same shape with
# our own writer. Then, on a warm page cache:
#   1. parse throughput: `cat` of the logdir vs the engine's first load (all cores), for the
#      TensorBoard logdir and the MindSpore one;
#   2. the shared harness (bench_tb.py): t_done, peak RSS, CPU, A/B alternating repetitions;
#   3. the same polling protocol with a Rust client (serve_check), which takes the harness's
#      CPython parsing out of t_done (see bench/README.md for why that matters), fetching every
#      series as JSON and, separately, in the binary form (`format=binary`);
# and prints medians and ratios. Set SHARED_DIR if ../shared is elsewhere, CARGO_TARGET_DIR for
# the build directory, VIZJOBS_BOARD to time another command than `vizjobs board` (e.g. the engine's
# `board` example, which serves the same data API without the web page).
set -euo pipefail
size="${1:-small}"
reps="${2:-3}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
shared="${SHARED_DIR:-$repo/../shared}"
work=/tmp/vizjobs-bench
venv="$work/venv"
mkdir -p "$work"
case "$size" in
  small) runs=5 ;;
  large) runs=50 ;;
  *) echo "usage: $0 [small|large] [reps]" >&2; exit 2 ;;
esac
logdir="$work/$size"
ms_logdir="$work/mindspore-$size"

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores =="
if [ ! -x "$venv/bin/tensorboard" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q tensorboard==2.21.0 tensorboardX==2.6.5 numpy psutil
fi
if [ ! -f "$logdir.manifest.json" ]; then
  # --force: an interrupted generation (no manifest yet) starts over.
  "$venv/bin/python" "$shared/bench/gen.py" --force --out "$logdir" --runs "$runs" --tags 20 --steps 20000 \
    --hist-tags 2 --hist-every 100 --image-tags 1 --image-every 1000 --text-tags 1 --text-every 1000
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
if [ -z "${VIZJOBS_BOARD:-}" ]; then
  cargo build --release -q --manifest-path "$repo/Cargo.toml" -p vizjobs-cli
fi
cargo build --release -q --manifest-path "$repo/Cargo.toml" -p vizjobs-engine \
  --example throughput --example serve_check
cargo build --release -q --manifest-path "$repo/Cargo.toml" -p vizjobs-events --example mindspore_gen
bin="$CARGO_TARGET_DIR/release"
board_cmd="${VIZJOBS_BOARD:-$bin/vizjobs board}"
if [ ! -d "$ms_logdir" ]; then
  "$bin/examples/mindspore_gen" "$ms_logdir" "$runs" 20000 20
fi
out="$work/out-$size"
mkdir -p "$out"

# Median of the numbers on stdin.
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

echo "== parse throughput, warm page cache, medians of $reps =="
for dir in "$logdir" "$ms_logdir"; do
  bytes=$(du -sb "$dir" | cut -f1)
  cat "$dir"/*/* > /dev/null
  : > "$out/cat.txt"; : > "$out/load.txt"; : > "$out/load-lines.txt"
  for _ in $(seq "$reps"); do
    s=$(date +%s.%N); cat "$dir"/*/* > /dev/null; e=$(date +%s.%N)
    echo "$e - $s" | bc -l >> "$out/cat.txt"
    "$bin/examples/throughput" --logdir "$dir" | tee -a "$out/load-lines.txt" \
      | sed -E 's/.* in ([0-9.]+) s:.*/\1/' >> "$out/load.txt"
  done
  cat_s=$(median < "$out/cat.txt"); load_s=$(median < "$out/load.txt")
  awk -v b="$bytes" -v c="$cat_s" -v l="$load_s" -v d="$(basename "$dir")" 'BEGIN {
    printf "%-16s %7.1f MB  cat %.3f s (%.0f MB/s)  vizjobs load %.3f s (%.0f MB/s) = %.1f%% of cat\n",
      d, b/1e6, c, b/1e6/c, l, b/1e6/l, 100*c/l }'
  sed -n '1s/^/  first rep: /p' "$out/load-lines.txt"
done

echo "== shared harness (bench_tb.py): t_done, peak RSS =="
"$venv/bin/python" "$shared/bench/bench_tb.py" --logdir "$logdir" \
  --tensorboard "$venv/bin/tensorboard" --server tb-fast \
  --cmd "vizjobs=$board_cmd --logdir {logdir} --listen {host}:{port}" \
  --reps "$reps" --no-full-pass --workdir "$work/work" --json "$out/harness.json" | tee "$out/harness.txt"

echo "== same protocol, Rust client (serve_check) =="
"$bin/examples/serve_check" --logdir "$logdir" --reps "$reps" \
  --server "tb-fast=tensorboard:$venv/bin/tensorboard --logdir {logdir} --host {host} --port {port} --load_fast=true" \
  --server "vizjobs=vizjobs:$board_cmd --logdir {logdir} --listen {host}:{port}" \
  --server "vizjobs-bin=vizjobs-binary:$board_cmd --logdir {logdir} --listen {host}:{port}" \
  | tee "$out/serve_check.txt"

echo "== summary ($size logdir, $reps reps; load now: $(cut -d' ' -f1-3 /proc/loadavg)) =="
"$venv/bin/python" - "$out/harness.json" "$out/serve_check.txt" <<'PY'
import json, re, sys
s = json.load(open(sys.argv[1]))["summary"]
tb, vj = s["tb-fast"], s["vizjobs"]
def row(label, key, unit):
    a, b = tb.get(key), vj.get(key)
    ratio = "%.3f" % (b / a) if a and b is not None else "-"
    print("%-34s tb-fast %8s %s  vizjobs %8s %s  ratio %s" % (label, a, unit, b, unit, ratio))
row("harness t_done (median)", "t_done_median", "s")
row("harness t_canary (all loaded)", "t_canary_median", "s")
row("harness peak RSS (median)", "peak_rss_total_mib_median", "MiB")
row("harness CPU seconds (median)", "cpu_seconds_median", "s")
print("points per series: tb-fast %s, vizjobs %s" % (tb["points_per_series"], vj["points_per_series"]))
fast = {name: (float(t), float(m)) for name, t, m in re.findall(
    r"^(\S+)\s+median t_done ([0-9.]+) s, median peak RSS ([0-9.]+) MiB", open(sys.argv[2]).read(), re.M)}
for name, label in (("vizjobs", "JSON"), ("vizjobs-bin", "binary")):
    if "tb-fast" in fast and name in fast:
        (a, ra), (b, rb) = fast["tb-fast"], fast[name]
        print("%-34s tb-fast %8.3f s  %s %8.3f s  ratio %.3f" % ("Rust client t_done, %s" % label, a, name, b, b / a))
        print("%-34s tb-fast %8.1f MiB %s %8.1f MiB ratio %.3f" % ("Rust client peak RSS, %s" % label, ra, name, rb, rb / ra))
PY
