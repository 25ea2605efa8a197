#!/usr/bin/env bash
# Browser test of the dashboard on 2,000 runs (issue 20): `vizjobs board` on a sweep written by
# tensorboardX (web/tests/e2e/write_many_runs.py: 2,000 runs × 2 tags × 40 steps, about 15 s on
# 2 cores), driven by web/tests/e2e/many-runs.mjs in headless Chromium.
#
# Expects what .ci/e2e.sh prepares (run it first, as scripts/test does): Chromium, web/'s npm
# packages, and the tensorboardX venv.
#
# Environment:
#   VIZJOBS_BIN          a built vizjobs binary [default: cargo build -p vizjobs-cli]
#   VIZJOBS_E2E_VENV     Python venv holding tensorboardX [default: /var/tmp/vizjobs-e2e-venv]
#   VIZJOBS_SCREENSHOTS  where screenshots go [default: <repo>/target/e2e-screenshots]
#   VIZJOBS_MANY_RUNS    how many runs [default: 2000]
set -euo pipefail

repo="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
venv="${VIZJOBS_E2E_VENV:-/var/tmp/vizjobs-e2e-venv}"
runs="${VIZJOBS_MANY_RUNS:-2000}"
die() {
  echo "e2e-many-runs: $*" >&2
  exit 1
}
if ! "$venv/bin/python" -c "import tensorboardX" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q tensorboardX
fi
# shellcheck source=.ci/e2e-board.sh
. "$repo/.ci/e2e-board.sh"
e2e_board_setup e2e-many

echo "==> writing $runs runs with tensorboardX"
"$venv/bin/python" "$repo/web/tests/e2e/write_many_runs.py" "$work/logs" --runs "$runs" --steps 40

e2e_start_board "$work/logs"

echo "==> browser tests on $runs runs"
cd "$repo/web"
VIZJOBS_DASHBOARD_URL="http://127.0.0.1:$port/" VIZJOBS_MANY_RUNS="$runs" CHROMIUM="$chromium" \
  VIZJOBS_SCREENSHOTS="${VIZJOBS_SCREENSHOTS:-$repo/target/e2e-screenshots}" \
  node tests/e2e/many-runs.mjs || { tail -n 30 "$work/board.log" >&2; die "browser tests failed"; }
