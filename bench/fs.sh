#!/usr/bin/env bash
# Storage benchmark: bench/fsbench.c natively on a host file and inside Pith on an ext2 disk image
# kept in the same host folder, one run each, side by side with the ratio Pith/native.
#
# Usage: bench/fs.sh [DIR]      (DIR: where the host file and the image live, default /var/tmp)
# Environment: PITH (default build/bin/pith), MIB (default 1024), RANDOM_READS (default 100000),
# FILES (default 10000). Needs /dev/kvm, mkfs.ext2 and a built tree (make bench-fs builds the
# two programs: build/tests/fs/native/fsbench and build/tests/fs/pith/fsbench.pith).
#
# What is measured (bench/fsbench.c says how): sequential write of MIB MiB in 1 MiB writes with
# the final fsync included (MB/s), sequential read of it right after (MB/s, warm on both sides:
# the host page cache holds the file, natively read directly, in Pith through the monitor's
# preads), 4 KiB random preads (ops/s), create + 512 B write + fsync + unlink of FILES small
# files (ops/s). The image is sparse, sized MIB + 512 MiB, and deleted afterwards with the host
# file. Target (issue 4): sequential I/O at least 0.7x native.
# shellcheck disable=SC2015  # A && B || die: die exits
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
PITH=${PITH:-$ROOT/build/bin/pith}
MIB=${MIB:-1024}
NRAND=${RANDOM_READS:-100000}
NFILES=${FILES:-10000}
FB=$ROOT/build/tests/fs
WORK=$(mktemp -d "${1:-/var/tmp}/pith-bench-fs.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT

die() {
	echo "bench/fs.sh: $*" >&2
	exit 1
}

{ [ -c /dev/kvm ] && (exec 9<>/dev/kvm); } 2>/dev/null || die "/dev/kvm is absent or cannot be opened"
[ -x "$FB/native/fsbench" ] && [ -f "$FB/pith/fsbench.pith" ] || die "run make bench-fs first"
command -v mkfs.ext2 >/dev/null || die "mkfs.ext2 missing: apt-get install e2fsprogs"

mkdir "$WORK/native"
"$FB/native/fsbench" "$WORK/native" "$MIB" "$NRAND" "$NFILES" >"$WORK/native.out" ||
	die "the native run failed: $(cat "$WORK/native.out")"
rm -rf "$WORK/native"

truncate -s $((MIB + 512))M "$WORK/disk.img" && mkfs.ext2 -q -F "$WORK/disk.img" ||
	die "mkfs.ext2 failed"
"$PITH" run --mem 256M --disk "$WORK/disk.img:/data" "$FB/pith/fsbench.pith" -- \
	/data "$MIB" "$NRAND" "$NFILES" >"$WORK/pith.out" 2>"$WORK/pith.err" ||
	die "the Pith run failed: $(cat "$WORK/pith.out" "$WORK/pith.err" | head -c 500)"
fsck=$(e2fsck -fn "$WORK/disk.img" >/dev/null 2>&1 && echo clean || echo "NOT clean")
rm -f "$WORK/disk.img"

for f in native pith; do
	grep -q '^sum seq-read-mismatches 0$' "$WORK/$f.out" || die "$f read back wrong data"
done
echo "fsbench: $MIB MiB sequential, $NRAND random 4 KiB reads, $NFILES small files; host folder ${1:-/var/tmp}"
printf '%-34s %12s %12s %8s\n' "" native pith ratio
for k in seq_write_MBps seq_read_MBps rand_read_4k_ops create_fsync_unlink_ops; do
	n=$(awk -v k="$k" '$1 == k { print $2 }' "$WORK/native.out")
	p=$(awk -v k="$k" '$1 == k { print $2 }' "$WORK/pith.out")
	printf '%-34s %12s %12s %8s\n' "$k" "$n" "$p" "$(awk -v n="$n" -v p="$p" \
		'BEGIN { if (n > 0) printf "%.2fx", p / n; else print "-" }')"
done
echo "e2fsck -fn of the image after the run: $fsck"
