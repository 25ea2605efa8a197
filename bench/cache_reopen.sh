#!/usr/bin/env bash
# The persistent cache (issue 18): first load vs reopen after eviction vs first view after a
# restart, on local disk (cold page cache) and from a loopback S3 server, in one run.
#
#   bench/cache_reopen.sh [REPS] [STORAGES]      # defaults: 3 local,s3
#
# Uses the reference logdir /tmp/vizjobs-bench/large (generated with ../shared/bench/gen.py as
# ../shared/bench/README.md says, when absent: 1.27 GB, about 3 minutes), a release build, and
# moto (installed by .ci/s3.sh; the script starts its own on a free port and uploads the logdir
# to it). Figures: bench/cache_reopen.py's table of medians; results go to
# /tmp/vizjobs-bench/cache_reopen.json.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
reps="${1:-3}"
storages="${2:-local,s3}"
logdir=/tmp/vizjobs-bench/large
venv=/tmp/vizjobs-bench/venv

if [ ! -f "$logdir.manifest.json" ]; then
    echo "==> generating $logdir (about 3 minutes)"
    "$venv/bin/python" "$repo/../shared/bench/gen.py" --out "$logdir" \
        --runs 50 --tags 20 --steps 20000 --hist-tags 2 --hist-every 100 \
        --image-tags 1 --image-every 1000 --text-tags 1 --text-every 1000
fi
bash "$repo/.ci/s3.sh" >/dev/null
target="${CARGO_TARGET_DIR:-$repo/target}"
cargo build --quiet --release -p vizjobs-cli
python3 "$repo/bench/cache_reopen.py" --binary "$target/release/vizjobs" --logdir "$logdir" \
    --reps "$reps" --storage "$storages" --json /tmp/vizjobs-bench/cache_reopen.json
