#!/usr/bin/env bash
# First-load time of a bench logdir from a loopback S3 server versus from local disk.
#
#   bench/s3/run.sh [LOGDIR]
#
# LOGDIR defaults to /tmp/vizjobs-bench/small (the README's `--runs 5` logdir), else
# /tmp/vizjobs-bench/large; if neither exists, a 2-run logdir is generated with
# ../shared/bench/gen.py in /tmp/vizjobs-bench/venv. The S3 server is moto (.ci/s3.sh installs
# it); the example starts its own on a free port, uploads the logdir, loads it twice from each
# source and prints one JSON line with the best times and their ratio.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"

logdir="${1:-}"
if [ -z "$logdir" ]; then
    for candidate in /tmp/vizjobs-bench/small /tmp/vizjobs-bench/large; do
        if [ -d "$candidate" ]; then logdir="$candidate"; break; fi
    done
fi
if [ -z "$logdir" ]; then
    logdir=/tmp/vizjobs-bench/s3-2runs
    venv=/tmp/vizjobs-bench/venv
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q tensorboardX==2.6.5 numpy
    fi
    echo "==> generating $logdir"
    "$venv/bin/python" "$repo/../shared/bench/gen.py" --out "$logdir" --runs 2 --tags 20 \
        --steps 20000 --force
fi

VIZJOBS_S3_PORT="${VIZJOBS_S3_PORT:-9000}" bash "$repo/.ci/s3.sh" >/dev/null
echo "==> loading $logdir from disk and from S3 (release build)"
cargo run --quiet --release -p vizjobs-objstore --example bench_load -- --logdir "$logdir"
