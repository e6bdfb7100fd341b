#!/bin/sh
# Replays the ext2 fuzzer's seeds once each, then fuzzes for SECONDS; "1 passed, 0 failed" if
# nothing crashed (a crash leaves its input in CORPUS.crashes/ and prints the sanitizer's
# report). Inputs are whole disk images, so the length limit is the largest seed's, not 4 KiB.
#
# Usage: tests/fs/ext2/fuzz_run.sh FUZZER SEEDS CORPUS SECONDS
set -u
fuzzer=$1 seeds=$2 corpus=$3 seconds=$4
crashes=$corpus.crashes
log=$(mktemp "${TMPDIR:-/tmp}/pith-fuzz-ext2.XXXXXX")
trap 'rm -f "$log"' EXIT
mkdir -p "$corpus" "$crashes"

fail() {
	echo "fuzz-ext2: $1:"
	grep -E '^Running: |^leak: |ERROR: |runtime error: |kernel panic: |^    #[0-9] ' "$log" |
		tail -n 30
	grep -E 'Test unit written to' "$log"
	echo "0 passed, 1 failed"
	exit 1
}

echo "fuzz-ext2: replaying $(ls "$seeds" | wc -l) seed images under ASan/UBSan"
"$fuzzer" "$seeds"/* >"$log" 2>&1 || fail "a seed crashed the filesystem"
echo "fuzz-ext2: fuzzing for $seconds s (corpus $corpus)"
"$fuzzer" -max_total_time="$seconds" -max_len=262144 -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" "$seeds" >"$log" 2>&1 ||
	fail "the fuzzer found a crash"
grep -E '^stat::number_of_executed_units|^stat::new_units_added|cov: ' "$log" | tail -n 3
echo "1 passed, 0 failed"
