#!/usr/bin/env bash
# Soak: GET details and list with auth at a steady rate for a while (default 10 minutes),
# sampling the server's resident memory every 10 s. Pass: no error answer, no socket error, and
# the RSS of the last third within 10% (+2 MiB) of the first sample after warm-up.
#
#   scripts/soak.sh [DURATION_SECS] [CONNECTIONS] [DELAY_MS]    (default 600 4 20: ~200 req/s)
#
# Plain wrk has no rate option; scripts/soak/steady.lua paces each connection with delay().
# Env: VIZJOBS_BIN, PROFILE (see serve-for-test.sh).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
duration="${1:-600}"
connections="${2:-4}"
delay_ms="${3:-20}"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
source "$repo/scripts/serve-for-test.sh"

first_id=""
for i in $(seq 1 150); do
  answer="$(curl -fsS -H "X-Auth-Token: $token" -H 'Content-Type: application/json' \
    -d "{\"job_name\":\"soak_$i\",\"train_url\":\"$train_url\"}" "$endpoint$jobs_path")"
  [[ -n "$first_id" ]] || first_id="$(sed -n 's/.*"job_id":\([0-9]*\).*/\1/p' <<<"$answer")"
done

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status"; }
samples="$data/rss.txt"
echo "== soak: ${duration}s, $connections connections, ${delay_ms} ms pause (~$((connections * 1000 / delay_ms)) req/s)"
VJ_TOKEN="$token" VJ_DETAILS="$jobs_path/$first_id" VJ_LIST="$jobs_path?per_page=50" \
  VJ_DELAY_MS="$delay_ms" wrk -t1 -c"$connections" -d"${duration}s" --latency --timeout 10s \
  -s "$repo/scripts/soak/steady.lua" "$endpoint" >"$data/wrk.out" &
wrk_pid=$!
start=$(date +%s)
while kill -0 "$wrk_pid" 2>/dev/null; do
  echo "$(( $(date +%s) - start )) $(rss_kib)" | tee -a "$samples"
  sleep 10
done
wait "$wrk_pid"
cat "$data/wrk.out"

requests="$(awk '/requests in/ {print $1}' "$data/wrk.out")"
non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$data/wrk.out")"
socket_errors="$(awk '/Socket errors:/ {print $0}' "$data/wrk.out")"
python3 - "$samples" "${non2xx:-0}" "$socket_errors" "$requests" <<'PY'
import sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 2]
non2xx, socket_errors, requests = int(sys.argv[2]), sys.argv[3], sys.argv[4]
warm = [r for r in rows if r[0] >= 30] or rows
base = warm[0][1]
tail = warm[len(warm) * 2 // 3:]
peak = max(r[1] for r in tail)
print(f"requests={requests} non2xx={non2xx} socket_errors={socket_errors or 'none'}")
print(f"rss_kib first={rows[0][1]} after_warmup={base} last={rows[-1][1]} max={max(r[1] for r in rows)} samples={len(rows)}")
ok = non2xx == 0 and not socket_errors and peak <= base * 1.10 + 2048
print("SOAK", "PASSED" if ok else "FAILED")
sys.exit(0 if ok else 1)
PY
