# Sourced by scripts/schemathesis.sh, scripts/soak.sh and bench/api/run.sh: starts a throw-away
# `vizjobs serve` on SQLite and logs in. Sets: bin, data, server_pid, endpoint, project_id, token,
# jobs_path, train_url. Env: VIZJOBS_BIN (a built binary; otherwise `cargo build` with
# PROFILE=release|dev), PORT (a free one by default), SERVE_ARGS (more `vizjobs serve` flags).

json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

if [[ -n "${VIZJOBS_BIN:-}" ]]; then
  bin="$VIZJOBS_BIN"
else
  profile="${PROFILE:-release}"
  (cd "$repo" && cargo build --profile "$profile" -p vizjobs-cli)
  dir="$profile"; [[ "$profile" == dev ]] && dir=debug
  bin="${CARGO_TARGET_DIR:-$repo/target}/$dir/vizjobs"
fi

data="$(mktemp -d /tmp/vizjobs-test.XXXXXX)"
server_pid=""
stop_server() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap 'stop_server; rm -rf "$data"' EXIT

port="${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
endpoint="http://127.0.0.1:$port"
mkdir -p "$data/logs/exp/run_a"
train_url="$(cd "$data/logs/exp" && pwd -P)/"
env $(env | sed -n 's/^\(VIZJOBS_[A-Z_]*\)=.*/-u \1/p') RUST_LOG=warn \
  "$bin" serve --listen "127.0.0.1:$port" --data-dir "$data" --job-quota 1000000 ${SERVE_ARGS:-} \
  >"$data/server.out" 2>"$data/server.log" &
server_pid=$!
for _ in $(seq 1 300); do
  curl -fs "$endpoint/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "server died:"; cat "$data/server.log"; exit 1; }
  sleep 0.1
done
curl -fs "$endpoint/readyz" >/dev/null || { echo "server not ready"; exit 1; }

creds="$data/credentials.json"
project_id="$(json_field "$creds" project_id)"
login="$(printf '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"%s","password":"%s","domain":{"name":"%s"}}}},"scope":{"project":{"id":"%s"}}}}' \
  "$(json_field "$creds" username)" "$(json_field "$creds" password)" \
  "$(json_field "$creds" account)" "$project_id")"
token="$(curl -fsS -D - -o /dev/null -H 'Content-Type: application/json' -d "$login" \
  "$endpoint/v3/auth/tokens" | tr -d '\r' | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p')"
[[ -n "$token" ]] || { echo "login failed"; exit 1; }
jobs_path="/v1/$project_id/visualization-jobs"
