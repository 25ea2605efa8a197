#!/usr/bin/env bash
# Benchmark of the jobs API on SQLite, at 64 concurrent connections, with wrk.
#
# Scenarios: GET details, GET list (per_page=100 over >=100 jobs), POST create. Each is run
# RUNS times for DURATION after a warm-up; the medians of throughput and p99 latency are printed.
# Targets (issue 2, on the 2-core machine): details >= 5,000 req/s with p99 <= 20 ms;
# creates >= 500/s. See README.md beside this script.
#
# Env: CARGO_TARGET_DIR (default /var/tmp/vj-target-crash), RUNS (3), DURATION (10s),
# CONNECTIONS (64), THREADS (2), SEED_JOBS (150), PORT (free port picked by default),
# SERVE_ARGS (more `vizjobs serve` flags).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/vj-target-crash}"
runs="${RUNS:-3}"
duration="${DURATION:-10s}"
connections="${CONNECTIONS:-64}"
threads="${THREADS:-2}"
seed_jobs="${SEED_JOBS:-150}"

for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install $tool)" >&2; exit 1; }
done

echo "== building the release binary and starting vizjobs serve (SQLite)"
# shellcheck source=../../scripts/serve-for-test.sh
source "$repo/scripts/serve-for-test.sh"
echo "== $endpoint, data in $data"

echo "== seeding $seed_jobs jobs"
first_id=""
for i in $(seq 1 "$seed_jobs"); do
  answer="$(curl -fsS -H "X-Auth-Token: $token" -H 'Content-Type: application/json' \
    -d "{\"job_name\":\"seed_$i\",\"train_url\":\"$train_url\"}" "$endpoint$jobs_path")"
  [[ -n "$first_id" ]] || first_id="$(sed -n 's/.*"job_id":\([0-9]*\).*/\1/p' <<<"$answer")"
done
total="$(curl -fsS -H "X-Auth-Token: $token" "$endpoint$jobs_path?per_page=1" |
  sed -n 's/.*"job_total_count":\([0-9]*\).*/\1/p')"
echo "   $total jobs present; details target is job $first_id"

export VJ_TOKEN="$token" VJ_TRAIN_URL="$train_url"
results="$data/results"
mkdir -p "$results"

# Converts wrk's latency ("812.00us", "3.41ms", "1.02s") to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n = n / 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n = n * 60000; else if (v ~ /s$/) n = n * 1000
    printf "%.2f", n }'
}

# run_wrk NAME SCRIPT PATH [RUN_TAG]: one wrk run; appends "rps p99_ms non2xx" to NAME.txt.
run_wrk() {
  local name="$1" script="$2" path="$3" tag="${4:-r}"
  local out="$results/$name.$RANDOM.out"
  VJ_PATH="$path" VJ_RUN="$tag" wrk -t"$threads" -c"$connections" -d"$duration" --latency \
    -s "$here/$script" "$endpoint" >"$out"
  local rps p99 non2xx
  rps="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
  p99="$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")"
  non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$out")"
  echo "$rps $p99 ${non2xx:-0}" >>"$results/$name.txt"
  printf '   %-8s run: %10s req/s  p99 %8s ms  non-2xx %s\n' "$name" "$rps" "$p99" "${non2xx:-0}"
}

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo "== warm-up (details, 3s)"
VJ_PATH="$jobs_path/$first_id" wrk -t"$threads" -c"$connections" -d3s -s "$here/details.lua" \
  "$endpoint" >/dev/null

echo "== GET details x$runs ($duration each, $connections connections)"
for _ in $(seq 1 "$runs"); do run_wrk details details.lua "$jobs_path/$first_id"; done
echo "== GET list per_page=100 x$runs"
for _ in $(seq 1 "$runs"); do run_wrk list list.lua "$jobs_path?per_page=100"; done
echo "== POST create x$runs"
for r in $(seq 1 "$runs"); do run_wrk create create.lua "$jobs_path" "r$r"; done

total="$(curl -fsS -H "X-Auth-Token: $token" "$endpoint$jobs_path?per_page=1" |
  sed -n 's/.*"job_total_count":\([0-9]*\).*/\1/p')"

echo
echo "== medians of $runs runs (wrk $threads threads, $connections connections, $duration; SQLite)"
printf '%-8s %12s %10s %8s   %s\n' scenario "req/s" "p99 ms" non-2xx target
verdict() { awk -v a="$1" -v b="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? (a >= b) : (a <= b); print ok ? "met" : "MISSED" }'; }
for name in details list create; do
  rps="$(cut -d' ' -f1 "$results/$name.txt" | median)"
  p99="$(cut -d' ' -f2 "$results/$name.txt" | median)"
  bad="$(cut -d' ' -f3 "$results/$name.txt" | awk '{s += $1} END {print s + 0}')"
  case "$name" in
    details) target=">=5000 req/s: $(verdict "$rps" 5000 ">="), p99<=20ms: $(verdict "$p99" 20 "<=")" ;;
    create) target=">=500/s: $(verdict "$rps" 500 ">=")" ;;
    *) target="(none)" ;;
  esac
  printf '%-8s %12s %10s %8s   %s\n' "$name" "$rps" "$p99" "$bad" "$target"
done
echo "jobs in the database at the end: $total"
