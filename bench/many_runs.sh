#!/usr/bin/env bash
# Thousands of runs (issue 20): `vizjobs board` against TensorBoard 2.21 (`tb-fast`) on the
# many-runs logdirs, and the dashboard page in headless Chromium. Prints medians and ratios.
#
#   bench/many_runs.sh server [reps]   every series served, one request per tag, on 10,000
#                                      runs × 5 tags × 200 steps: the shared harness (bench_tb.py
#                                      --cmd-api vizjobs-multirun: JSON, parsed by CPython) vs
#                                      TensorBoard's scalars_multirun, then the same protocol with
#                                      the Rust client (serve_check's vizjobs-multirun: the binary
#                                      form; TensorBoard's JSON parsed by serde)
#   bench/many_runs.sh page [visits]   web/tests/e2e/measure.mjs on 5 runs (the 127 MB logdir of
#                                      ../shared/bench's README), 2,000 and 10,000 runs: first
#                                      chart, every chart of the first screen, filter typing and
#                                      hover; with BEFORE_DIST=<a vite build of another commit>
#                                      the same page of that commit too, through
#                                      bench/dist_proxy.mjs against the same board (on the
#                                      logdirs of BEFORE_LOGDIRS, default "runs5 runs2k")
#
# Logdirs (generated on first use with ../shared/bench/gen.py; 10,000 runs take about 5 minutes
# on 2 cores): /tmp/vizjobs-bench/runs10k (442 MB), runs2k (2,000 × 5 × 500, 223 MB), runs5.
#
# Environment: VIZJOBS_BIN (default: the release build in $CARGO_TARGET_DIR or target/),
# VIZJOBS_SHARED (default <repo>/../shared), CHROMIUM (default /usr/bin/chromium).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
shared="${VIZJOBS_SHARED:-$repo/../shared}"
bench=/tmp/vizjobs-bench
venv="$bench/venv"
what="${1:-server}"
reps="${2:-3}"
bin="${VIZJOBS_BIN:-${CARGO_TARGET_DIR:-$repo/target}/release/vizjobs}"
[ -x "$bin" ] || { echo "no vizjobs binary at $bin: cargo build --release (or set VIZJOBS_BIN)" >&2; exit 1; }
[ -x "$venv/bin/tensorboard" ] || { echo "no TensorBoard venv at $venv (see $shared/bench/README.md)" >&2; exit 1; }

generate() {
  local out="$1"
  shift
  [ -f "$out.manifest.json" ] && return
  echo "==> generating $out"
  "$venv/bin/python" "$shared/bench/gen.py" --out "$out" --force "$@"
}
generate "$bench/runs10k" --runs 10000 --tags 5 --steps 200 --hist-tags 0 --image-tags 0 --text-tags 0
generate "$bench/runs2k" --runs 2000 --tags 5 --steps 500 --hist-tags 0 --image-tags 0 --text-tags 0

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

case "$what" in
server)
  mkdir -p "$bench/work"
  # No warm-up start on an empty logdir: the harness's warm-up polls TensorBoard's path, which
  # the multirun API of vizjobs does not serve. TensorBoard's Python is compiled once here instead.
  "$venv/bin/python" -c "import tensorboard.main" >/dev/null 2>&1 || true
  "$venv/bin/python" "$shared/bench/bench_tb.py" --logdir "$bench/runs10k" \
    --tensorboard "$venv/bin/tensorboard" --server tb-fast \
    --cmd "vizjobs=$bin board --logdir {logdir} --listen {host}:{port}" --cmd-api vizjobs-multirun \
    --reps "$reps" --timeout 1200 --no-warmup --workdir "$bench/work" --json "$bench/many-runs-server.json"
  python3 - "$bench/many-runs-server.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
tb, vj = s["tb-fast"], s["vizjobs"]
def ratio(k):
    return "%.3f" % (vj[k] / tb[k]) if vj.get(k) and tb.get(k) else "n/a"
print("\nmedians of %d/%d reps: every series served %s s (TensorBoard) vs %s s (vizjobs), ratio %s; "
      "peak RSS %s MiB vs %s MiB, ratio %s; full pass %s s vs %s s, ratio %s"
      % (tb["ok"], vj["ok"], tb["t_done_median"], vj["t_done_median"], ratio("t_done_median"),
         tb["peak_rss_total_mib_median"], vj["peak_rss_total_mib_median"], ratio("peak_rss_total_mib_median"),
         tb["full_pass_s_median"], vj["full_pass_s_median"], ratio("full_pass_s_median")))
PY
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
  cargo build --release -q --manifest-path "$repo/Cargo.toml" -p vizjobs-engine --example serve_check
  "$CARGO_TARGET_DIR/release/examples/serve_check" --logdir "$bench/runs10k" --reps "$reps" --timeout 1200 \
    --server "tb-fast=tensorboard:$venv/bin/tensorboard --logdir {logdir} --host {host} --port {port} --load_fast=true" \
    --server "vizjobs=vizjobs-multirun:$bin board --logdir {logdir} --listen {host}:{port}" \
    | tee "$bench/many-runs-serve-check.txt"
  ;;
page)
  [ -f "$bench/runs5.manifest.json" ] || generate "$bench/runs5" --runs 5 --tags 20 --steps 20000 \
    --hist-tags 2 --hist-every 100 --image-tags 1 --image-every 1000 --text-tags 1 --text-every 1000
  for logdir in runs5 runs2k runs10k; do
    port="$(free_port)"
    "$bin" board --logdir "$bench/$logdir" --listen "127.0.0.1:$port" >/dev/null 2>&1 &
    board=$!
    # Wait until the whole logdir is loaded: the page is measured, not the first load.
    until curl -fsS "http://127.0.0.1:$port/data/logdir" 2>/dev/null | grep -q '"status":"ready"'; do sleep 0.5; done
    filter="run_00"
    echo "==> $logdir: this commit's page"
    (cd "$repo/web" && VIZJOBS_DASHBOARD_URL="http://127.0.0.1:$port/" VIZJOBS_VISITS="$reps" VIZJOBS_FILTER="$filter" \
      node tests/e2e/measure.mjs)
    # The older page on 10,000 runs takes minutes per visit: only where BEFORE_LOGDIRS says.
    if [ -n "${BEFORE_DIST:-}" ] && [[ " ${BEFORE_LOGDIRS:-runs5 runs2k} " == *" $logdir "* ]]; then
      proxy_port="$(free_port)"
      node "$repo/bench/dist_proxy.mjs" "$BEFORE_DIST" "http://127.0.0.1:$port" "$proxy_port" &
      proxy=$!
      sleep 0.5
      echo "==> $logdir: the page of $BEFORE_DIST"
      (cd "$repo/web" && VIZJOBS_DASHBOARD_URL="http://127.0.0.1:$proxy_port/" VIZJOBS_VISITS="$reps" VIZJOBS_FILTER="$filter" \
        timeout 900 node tests/e2e/measure.mjs) || echo "(did not finish)"
      kill "$proxy"
    fi
    kill "$board"
    wait "$board" 2>/dev/null || true
  done
  ;;
*)
  echo "usage: $0 server|page [reps]" >&2
  exit 2
  ;;
esac
