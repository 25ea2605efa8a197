#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a set time each (not part of CI).
#
#   [MAX_LEN=BYTES] scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default 180 s, all targets)
#
# Needs `cargo install cargo-fuzz`. The toolchain here is stable, so RUSTC_BOOTSTRAP=1 lets
# cargo-fuzz pass its -Z flags; the sanitizer is off (AddressSanitizer needs a nightly std) —
# the code under test is safe Rust, so libFuzzer's coverage guidance plus Rust's own checks
# (bounds, overflow with debug assertions, our assertions) are what find bugs.
#
# The corpus grows in fuzz/corpus/<target>/ (not committed); crashes land in
# fuzz/artifacts/<target>/. Each crash must become a regression test in the crate's tests/
# (see docs/RELIABILITY.md). A summary line per target goes to fuzz/last-run.txt.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo/fuzz"
seconds="${1:-180}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(record_reader decode_event authorization canonical_request json_bodies)
fi
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/vizjobs-fuzz-target}"

# Seeds: the shared event fixtures and the signing vectors, when present.
seed() {
  local target="$1" dir="corpus/$1"
  mkdir -p "$dir"
  case "$target" in
    record_reader)
      find /work/shared/fixtures/events /work/shared/fixtures/mindspore -type f -size -256k 2>/dev/null |
        while read -r f; do { printf '\x07'; cat "$f"; } > "$dir/seed-$(basename "$f")-$(cksum < "$f" | cut -d' ' -f1)"; done ;;
    authorization)
      printf 'SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=%064d' 0 > "$dir/seed-valid" ;;
    json_bodies)
      printf '\x00{"job_name":"a","train_url":"/x/","schedule":{"type":"stop","time_unit":"HOURS","duration":2}}' > "$dir/seed-create"
      printf '\x01{"job_desc":"d"}' > "$dir/seed-update"
      printf '\x02status=8,10&per_page=10&page=2&sortBy=create_time&order=asc&search_content=x' > "$dir/seed-list" ;;
    canonical_request)
      printf 'GET\n/v1/p/visualization-jobs/\nb=2&a=1\nhost:x\ncontent-type:application/json\n\0{}' > "$dir/seed-get" ;;
  esac
}

summary="$repo/fuzz/last-run.txt"
: > "$summary"
for target in "${targets[@]}"; do
  seed "$target"
  log="$(mktemp)"
  echo "==> $target for ${seconds}s"
  status=0
  cargo fuzz run --sanitizer none "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 \
    -max_len="${MAX_LEN:-65536}" -print_final_stats=1 2>&1 | tee "$log" | grep -E '^(#[0-9]+ +(DONE|pulse)|==|SUMMARY|stat::number_of_executed_units)' || status=$?
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
  crashes=$(ls "artifacts/$target" 2>/dev/null | wc -l)
  echo "$target seconds=$seconds execs=$execs artifacts=$crashes" | tee -a "$summary"
  rm -f "$log"
done
