#!/usr/bin/env bash
# API fuzzing: schemathesis (PyPI) against /openapi.json of a live `vizjobs serve`, with auth.
# Pass criteria: no 5xx answer, and every answer matches the documented schema.
#
#   scripts/schemathesis.sh [MAX_EXAMPLES]     (default 100 per operation)
#
# Env: VIZJOBS_BIN, PROFILE (see serve-for-test.sh), VENV (default /tmp/vizjobs-schemathesis).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
max_examples="${1:-100}"
venv="${VENV:-/tmp/vizjobs-schemathesis}"
if [[ ! -x "$venv/bin/schemathesis" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q schemathesis
fi
source "$repo/scripts/serve-for-test.sh"

# A few jobs so that reads of existing ids are exercised too.
for i in 1 2 3; do
  curl -fsS -o /dev/null -H "X-Auth-Token: $token" -H 'Content-Type: application/json' \
    -d "{\"job_name\":\"st_$i\",\"train_url\":\"$train_url\"}" "$endpoint$jobs_path"
done

# The jobs API and the operations routes; the login routes are left out (they would lock the
# admin out through the throttle, which is their job) and so are the dashboard routes (they
# proxy to the engine and are fuzzed through its own tests).
# Requests go to the server's own project (a random project_id is only ever a 403).
config="$data/schemathesis.toml"
printf '[parameters]\n"path.project_id" = "%s"\n' "$project_id" > "$config"
status=0
"$venv/bin/schemathesis" --config-file "$config" run "$endpoint/openapi.json" \
  --url "$endpoint" \
  --header "X-Auth-Token: $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --max-examples "$max_examples" \
  --exclude-path-regex '^/(v3/auth|console|vj/)' \
  --request-timeout 30 \
  --seed 1 \
  --report junit --report-dir "$data/report" || status=$?
if grep -q ' panicked at ' "$data/server.log"; then
  echo "the server panicked:"; grep -A3 ' panicked at ' "$data/server.log"; status=1
fi
exit "$status"
