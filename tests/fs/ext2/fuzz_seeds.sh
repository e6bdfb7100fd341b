#!/bin/sh
# Seeds for the ext2 fuzzer: small images made by mkfs.ext2 and filled by debugfs (files with
# indirect blocks, directories, fast and slow symlinks, a hashed directory).
# Usage: tests/fs/ext2/fuzz_seeds.sh DIR
set -eu
dir=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/pith-ext2-seeds.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$dir"
head -c 20000 /dev/urandom >"$work/data"
printf 'hello\n' >"$work/small"

# seed NAME SIZE MKFS-OPTIONS: an image with a little of everything.
seed() {
	img=$dir/$1
	rm -f "$img"
	truncate -s "$2" "$img"
	mkfs.ext2 -q -F -t ext2 $3 "$img" >/dev/null 2>&1
	{
		echo "mkdir d"
		echo "write $work/small d/small"
		echo "write $work/data big"
		echo "symlink fast d/small"
		echo "symlink slow /a/target/path/that/is/longer/than/sixty/characters/xxxxxxxxxxx"
		echo "mkdir d/e"
		for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "write $work/small d/e/f$i"; done
	} >"$work/cmds"
	debugfs -w -f "$work/cmds" "$img" >/dev/null 2>&1
}

seed ext2-1k-128k.img 128K "-b 1024 -N 32 -m 0"
seed ext2-1k-norev.img 96K "-b 1024 -N 16 -m 0 -r 0"
seed ext2-2k-256k.img 256K "-b 2048 -N 32 -m 0 -O ^dir_index"
seed ext2-4k-256k.img 256K "-b 4096 -N 32 -m 0 -I 128"
e2fsck -fyD "$dir/ext2-1k-128k.img" >/dev/null 2>&1 || true
ls "$dir" | wc -l
