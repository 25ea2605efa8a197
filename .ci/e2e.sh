#!/usr/bin/env bash
# Unit tests of the web front end (vitest), then browser tests against a real `vizjobs serve`
# (issue 6).
#
# Self-contained: installs Debian's chromium if it is missing, the npm packages of web/ if they
# are not installed, builds the `vizjobs` binary unless $VIZJOBS_BIN names one, then starts the
# server on a free port with a fresh data directory, copies the tbx_basic fixture under its log
# root, adds a run whose text summary holds script payloads and one whose audio and image samples
# are HTML pages with scripts (both written by tensorboardX), and a MindSpore run (the `run_a`
# fixture, with scalars and a 2×3 tensor), runs web/tests/e2e/run.mjs and stops the server.
# Exits non-zero on any failure.
#
# Environment:
#   VIZJOBS_BIN          a built vizjobs binary [default: cargo build -p vizjobs-cli]
#   VIZJOBS_SHARED       the shared material [default: <repo>/../shared]
#   VIZJOBS_SCREENSHOTS  where screenshots go [default: <repo>/target/e2e-screenshots]
#   VIZJOBS_E2E_VENV     Python venv holding tensorboardX, made on first use
#                        [default: /var/tmp/vizjobs-e2e-venv]
#   CARGO_TARGET_DIR     as for any cargo build [default: /var/tmp/vizjobs-ci-target]
set -euo pipefail

repo="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
shared="${VIZJOBS_SHARED:-$repo/../shared}"
fixture="$shared/fixtures/events/tbx_basic"
ms_fixture="$shared/fixtures/mindspore/run_a"
screenshots="${VIZJOBS_SCREENSHOTS:-$repo/target/e2e-screenshots}"
venv="${VIZJOBS_E2E_VENV:-/var/tmp/vizjobs-e2e-venv}"
chromium="${CHROMIUM:-/usr/bin/chromium}"

say() { echo "==> $*"; }
die() {
  echo "e2e: $*" >&2
  exit 1
}

[ -d "$fixture" ] || die "fixture not found at $fixture (set VIZJOBS_SHARED to the shared/ folder)"
[ -d "$ms_fixture" ] || die "MindSpore fixture not found at $ms_fixture"

if [ ! -x "$chromium" ]; then
  say "installing chromium"
  command -v apt-get >/dev/null || die "$chromium is missing and apt-get is not available"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi

cd "$repo/web"
# npm ci only when node_modules was not made from this package-lock.json.
if ! cmp -s package-lock.json node_modules/.package-lock.json.e2e-stamp 2>/dev/null; then
  say "npm ci in web/"
  npm ci --no-audit --no-fund --prefer-offline
  cp package-lock.json node_modules/.package-lock.json.e2e-stamp
fi

say "unit tests of web/ (vitest)"
npm test --silent

# The front end's API types are generated from the OpenAPI document (web/openapi.json, which
# `cargo test -p vizjobs-server` checks is the server's current document): regenerate and fail on
# any difference.
say "generated API types match web/openapi.json"
npm run --silent check:api || die "src/generated/api.d.ts is stale: run \`npm run gen:api\` in web/"

if [ -n "${VIZJOBS_BIN:-}" ]; then
  bin="$VIZJOBS_BIN"
else
  say "cargo build -p vizjobs-cli"
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/vizjobs-ci-target}"
  (cd "$repo" && cargo build -q -p vizjobs-cli)
  bin="$CARGO_TARGET_DIR/debug/vizjobs"
fi
[ -x "$bin" ] || die "no vizjobs binary at $bin"

if ! "$venv/bin/python" -c "import tensorboardX" 2>/dev/null; then
  say "python venv with tensorboardX at $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q tensorboardX
fi

work="$(mktemp -d /tmp/vizjobs-e2e.XXXXXX)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

data="$work/data"
logdir="$data/logs/tbx_basic"
mkdir -p "$data/logs"
cp -r "$fixture" "$logdir"
"$venv/bin/python" "$repo/web/tests/e2e/write_hostile_text.py" "$logdir"
# A run whose audio and image samples are HTML/SVG pages with scripts (content types `text/html`,
# `image/svg+xml`): `data/blob` must not serve them as pages of the server's origin.
"$venv/bin/python" "$repo/web/tests/e2e/write_hostile_blobs.py" "$logdir"
# A six-session hparams sweep with differing keys and a run name holding markup (issue 15).
"$venv/bin/python" "$repo/web/tests/e2e/write_hparams_sweep.py" "$logdir"
# A custom-scalars layout with a margin chart (issue 15).
"$venv/bin/python" "$repo/web/tests/e2e/write_custom_scalars.py" "$logdir"
# Steps near 2^53, for the axis labels (issue 15).
"$venv/bin/python" "$repo/web/tests/e2e/write_huge_steps.py" "$logdir"
# A MindSpore run beside the TensorBoard ones: one logdir mixing both formats (issue 5).
cp -r "$ms_fixture" "$logdir/ms_run_a"
# A MindSpore sweep whose settings and metrics are in lineage files only (issue 15).
mkdir -p "$logdir/ms_sweep"
cp -r "$repo"/crates/vizjobs-engine/tests/mindspore_lineage/lr_* "$logdir/ms_sweep/"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
say "vizjobs serve on 127.0.0.1:$port"
"$bin" serve --listen "127.0.0.1:$port" --data-dir "$data" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  if [ -s "$data/credentials.json" ] && curl -fsS -o /dev/null "http://127.0.0.1:$port/"; then
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || { tail -n 50 "$work/server.log" >&2; die "the server exited"; }
  sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:$port/" || die "the server did not answer on port $port"

credential() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$data/credentials.json" "$1"; }

say "browser tests"
status=0
VIZJOBS_URL="http://127.0.0.1:$port" \
  VIZJOBS_ACCOUNT="$(credential account)" \
  VIZJOBS_USERNAME="$(credential username)" \
  VIZJOBS_PASSWORD="$(credential password)" \
  VIZJOBS_TRAIN_URL="$logdir" \
  VIZJOBS_MS_RUN="ms_run_a" \
  VIZJOBS_SCREENSHOTS="$screenshots" \
  CHROMIUM="$chromium" \
  node tests/e2e/run.mjs || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (secrets left out) ---" >&2
  grep -v -E '^ *(password|secret_key|access_key) ' "$work/server.log" | tail -n 50 >&2
  die "browser tests failed (screenshots in $screenshots)"
fi
say "screenshots in $screenshots"
