#!/usr/bin/env bash
# Storage tests that boot Pith with disks: the POSIX suite (ext2 and ramfs, against the same
# program run natively), persistence, ENOSPC, a 1 GiB file, 10,000 files, SIGKILL durability,
# corrupt images, the image's root filesystem, and specialisation. e2fsprogs are the oracle.
#
# Usage: tests/fs/run.sh [NAME-REGEX]     (run only the tests whose names match)
# Environment: PITH (default build/bin/pith); FS_MODE=native runs only the native cases (the
# suite's own check against Linux); FS_BIG_MIB (default 1024) for the big-file case;
# FS_KILLS (default 20) SIGKILL rounds.
# The guest programs come from `make fs-guests` (build/tests/fs/{native,pith}/). Every image,
# temp folder and process this script makes is removed at exit (trap). Needs /dev/kvm (pith
# mode): without it, it fails saying so.
# shellcheck disable=SC2317,SC2015  # functions called through check(); A && B || C
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
PITH=${PITH:-$ROOT/build/bin/pith}
FB=$ROOT/build/tests/fs
MODE=${FS_MODE:-pith}
BIG_MIB=${FS_BIG_MIB:-1024}
KILLS=${FS_KILLS:-20}

# shellcheck source=tests/lib/suite.sh
. "$ROOT/tests/lib/suite.sh"
suite_start fs "${1:-.}"
BGPID=""
trap 'fs_cleanup' EXIT
trap 'exit 130' INT TERM

fs_cleanup() {
	[ -n "$BGPID" ] && kill -KILL "$BGPID" 2>/dev/null && wait "$BGPID" 2>/dev/null
	mountpoint -q "$TMP/mnt" 2>/dev/null && umount "$TMP/mnt"
	rm -rf "$TMP"
}

preconditions() {
	for t in posix persist fill big many durable walk lsum; do
		[ -x "$FB/native/$t" ] || abort "$FB/native/$t missing: run make fs-guests"
	done
	[ "$MODE" = native ] && return 0
	require_kvm "storage tests"
	[ -x "$PITH" ] || abort "$PITH missing: build Pith first (make all)"
	for t in mkfs.ext2 e2fsck debugfs; do
		command -v "$t" >/dev/null || abort "$t missing: apt-get install e2fsprogs (make deps)"
	done
	for t in posix persist fill big many durable walk lsum; do
		[ -f "$FB/pith/$t.pith" ] || abort "$FB/pith/$t.pith missing: run make fs-guests"
	done
}

# ---- images and runs ---------------------------------------------------------------------------

# mkimg NAME SIZE [MKFS-OPTIONS...]: a fresh sparse ext2 image $TMP/NAME.img; sets DISK.
mkimg() {
	local name=$1 size=$2
	shift 2
	DISK=$TMP/$name.img
	rm -f "$DISK"
	truncate -s "$size" "$DISK" && mkfs.ext2 -q -F "$@" "$DISK" >"$TMP/mkfs.log" 2>&1 && return 0
	WHY="mkfs.ext2 $* $name ($size) failed: $(head -c 300 "$TMP/mkfs.log" | tr '\n' '|')"
	return 1
}

# fsck_clean IMG: `e2fsck -fn` finds nothing to fix.
fsck_clean() {
	e2fsck -fn "$1" >"$TMP/fsck.log" 2>&1 && return 0
	WHY="e2fsck -fn $(basename "$1") not clean: $(grep -v '^Pass\|^e2fsck 1' "$TMP/fsck.log" |
		head -c 500 | tr '\n' '|')"
	return 1
}

# boot [--timeout S] PROGRAM [PITH-RUN-OPTIONS...] -- ARGS...: `pith run` of the program's image.
boot() {
	local limit=60 prog opts=()
	if [ "$1" = --timeout ]; then
		limit=$2
		shift 2
	fi
	prog=$1
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	run --timeout "$limit" "$PITH" run "${opts[@]}" "$FB/pith/$prog.pith" -- "$@"
}

# want_all_passed: the program exited 0 after "N passed, 0 failed" with N > 0.
want_all_passed() {
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$OUT" | tail -n 1)
	if [ "$STATUS" = 0 ] && [[ $line =~ ^[1-9][0-9]*\ passed,\ 0\ failed$ ]]; then
		return 0
	fi
	WHY="status $STATUS, '${line:-no result line}'; $(grep -E '^FAIL' "$OUT" | head -n 8 |
		tr '\n' '|')$(grep -q . "$ERR" && printf ' stderr: %s' "$(head -c 300 "$ERR" | tr '\n' '|')")"
	return 1
}

# want_no_crash: not a crash report, not a timeout.
want_no_crash() {
	[ "$STATUS" != 139 ] && [ "$STATUS" != timeout ] && ! grep -q 'guest crashed' "$ERR" &&
		return 0
	WHY="status $STATUS$(snippet)"
	return 1
}

# ---- 1. the POSIX suite --------------------------------------------------------------------------

t_posix_native() {
	mkdir -p "$TMP/native"
	# /dev/shm (tmpfs) is another filesystem than $TMP here: the EXDEV cases run when it is.
	local other=()
	[ "$(stat -c %d /dev/shm 2>/dev/null)" != "$(stat -c %d "$TMP")" ] &&
		other=("$(mktemp -d /dev/shm/pith-fs.XXXXXX)")
	run "$FB/native/posix" "$TMP/native/suite" "${other[@]}"
	[ ${#other[@]} -gt 0 ] && rm -rf "${other[0]}"
	want_all_passed
}

t_posix_native_synth() {
	run "$FB/native/posix" --synth
	want_all_passed
}

t_posix_ext2() {
	mkimg posix 64M || return 1
	boot posix --disk "$DISK:/data" -- /data/suite /
	want_all_passed && fsck_clean "$DISK"
}

# In a fresh directory of the root ramfs; /data (ext2) is the other mount for the EXDEV cases.
t_posix_ramfs() {
	mkimg posix 64M || return 1
	boot posix --disk "$DISK:/data" -- /posix-suite /data
	want_all_passed
}

t_posix_synth() {
	boot posix -- --synth
	want_all_passed
}

# A disk given without a mount point appears at /mnt/disk0.
t_default_mount() {
	mkimg posix 64M || return 1
	boot posix --disk "$DISK" -- /mnt/disk0/suite
	want_all_passed && fsck_clean "$DISK"
}

# ---- 2. persistence ------------------------------------------------------------------------------

t_persist() {
	mkimg persist 64M || return 1
	boot persist --disk "$DISK:/data" -- write /data
	want_all_passed && fsck_clean "$DISK" || return 1
	boot persist --disk "$DISK:/data" -- check /data
	want_all_passed && fsck_clean "$DISK" || return 1
	local before
	before=$(sha256sum <"$DISK")
	boot persist --disk "$DISK:/data:ro" -- rocheck /data
	want_all_passed || return 1
	[ "$(sha256sum <"$DISK")" = "$before" ] || { WHY="the read-only boot changed the image"; return 1; }
	linux_reads "$DISK"
}

# linux_reads IMG: Linux's own ext2 driver reads what Pith wrote (needs a loop device; said
# when there is none).
linux_reads() {
	mkdir -p "$TMP/mnt"
	if ! mount -o loop,ro -t ext2 "$1" "$TMP/mnt" 2>"$TMP/mount.err"; then
		echo "# persist: no loop mount here ($(head -c 100 "$TMP/mount.err")): Linux-reads check skipped"
		return 0
	fi
	run "$FB/native/persist" check "$TMP/mnt"
	umount "$TMP/mnt"
	want_all_passed || { WHY="Linux reading Pith's image: $WHY"; return 1; }
}

# An image populated by mke2fs from a host tree (mkfs.ext2 -d) reads back in Pith.
t_persist_mke2fs() {
	mkdir -p "$TMP/tree"
	run "$FB/native/persist" write "$TMP/tree"
	want_all_passed || return 1
	mkimg persist 64M -d "$TMP/tree" || return 1
	rm -rf "$TMP/tree"
	boot persist --disk "$DISK:/data:ro" -- check /data
	want_all_passed
}

# ---- 3. ENOSPC, 4. a big file, 5. many files --------------------------------------------------

t_enospc() {
	mkimg small 4M || return 1
	boot fill --disk "$DISK:/data" -- /data
	want_all_passed && fsck_clean "$DISK" || return 1
	echo "# enospc: $(grep '^#' "$OUT" | tr '\n' ' ')"
}

t_big() {
	local native pith
	mkimg big $((BIG_MIB + 256))M || return 1
	run --timeout 300 "$FB/native/big" "$TMP/big.native" "$BIG_MIB"
	rm -f "$TMP/big.native"
	want_all_passed || { WHY="native: $WHY"; return 1; }
	native=$(grep '^wrote ' "$OUT")
	echo "# big native: $(grep '^# ' "$OUT")"
	boot --timeout 300 big --disk "$DISK:/data" -- /data/big "$BIG_MIB"
	want_all_passed || return 1
	pith=$(grep '^wrote ' "$OUT")
	echo "# big pith: $(grep '^# ' "$OUT")"
	[ -n "$native" ] && [ "$native" = "$pith" ] ||
		{ WHY="sums differ: native '$native', pith '$pith'"; return 1; }
	fsck_clean "$DISK"
	local rc=$?
	rm -f "$DISK"
	return "$rc"
}

t_many() {
	mkimg many 64M || return 1
	boot --timeout 120 many --disk "$DISK:/data" -- create /data/many 10000
	want_all_passed && fsck_clean "$DISK" || return 1
	echo "# many: $(grep '^# ' "$OUT")"
	boot --timeout 120 many --disk "$DISK:/data" -- delete /data/many 10000
	want_all_passed && fsck_clean "$DISK" || return 1
	echo "# many: $(grep '^# ' "$OUT")"
}

# ---- 6. SIGKILL durability -----------------------------------------------------------------------

# kill_round SEED MS: the writer killed after MS ms; e2fsck -p repairs; every synced file intact.
kill_round() {
	local seed=$1 ms=$2 n rc
	mkimg kill 64M || return 1
	"$PITH" run --disk "$DISK:/data" "$FB/pith/durable.pith" -- write /data "$seed" \
		>"$TMP/kill.out" 2>"$TMP/kill.err" </dev/null &
	BGPID=$!
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	kill -KILL "$BGPID" 2>/dev/null
	wait "$BGPID" 2>/dev/null
	BGPID=""
	n=$(grep -c '^synced ' "$TMP/kill.out")
	# The lines must be f0..f(n-1) in order: the checker derives names and contents from that.
	awk -v n="$n" '/^synced / { if ($2 !~ "/f" NR - 1 "$") bad = 1 } END { exit bad }' \
		"$TMP/kill.out" || { WHY="synced lines out of order: $(head -c 300 "$TMP/kill.out")"; return 1; }
	e2fsck -p "$DISK" >"$TMP/fsckp.log" 2>&1
	rc=$?
	[ "$rc" -le 1 ] || { WHY="after a kill at $ms ms: e2fsck -p status $rc: $(head -c 300 \
		"$TMP/fsckp.log" | tr '\n' '|')"; return 1; }
	[ "$rc" = 1 ] && REPAIRED=$((REPAIRED + 1))
	fsck_clean "$DISK" || { WHY="after e2fsck -p: $WHY"; return 1; }
	boot durable --disk "$DISK:/data" -- check /data "$seed" "$n"
	want_all_passed || { WHY="kill at $ms ms, $n synced: $WHY"; return 1; }
	SYNCED=$((SYNCED + n))
	[ "$n" -gt 0 ] && ROUNDS_WITH=$((ROUNDS_WITH + 1))
	echo "# kill at $ms ms: $n files synced, e2fsck -p status $rc"
}

t_sigkill() {
	local i ms
	SYNCED=0 REPAIRED=0 ROUNDS_WITH=0
	for ((i = 0; i < KILLS; i++)); do
		ms=$((50 + RANDOM % 1451))
		kill_round $((RANDOM * 32768 + RANDOM)) "$ms" || return 1
	done
	echo "# sigkill: $KILLS rounds, $SYNCED files synced in all, $ROUNDS_WITH rounds with some,"
	echo "#   $REPAIRED repaired by e2fsck -p"
	# A test where nothing was ever synced before the kill would prove nothing.
	[ "$ROUNDS_WITH" -ge $((KILLS / 2)) ] ||
		{ WHY="only $ROUNDS_WITH of $KILLS rounds synced a file before the kill"; return 1; }
}

# ---- 7. corrupt images ---------------------------------------------------------------------------

# corrupt_base: a 1 KiB-block image with dirs, files (one with an indirect block), a symlink.
corrupt_base() {
	rm -rf "$TMP/ctree"
	mkdir -p "$TMP/ctree/d" "$TMP/ctree/a/b"
	for i in 1 2 3 4 5 6; do echo "file $i" >"$TMP/ctree/d/file$i"; done
	head -c 200000 /dev/urandom >"$TMP/ctree/f"
	echo inner >"$TMP/ctree/a/b/inner"
	ln -s a/b/inner "$TMP/ctree/link"
	mkimg corrupt 8M -b 1024 -d "$TMP/ctree"
}

# debugfs_w CMD: run a debugfs write request on DISK.
debugfs_w() {
	debugfs -w -R "$1" "$DISK" >"$TMP/debugfs.log" 2>&1 && ! grep -qi 'error\|bad\|invalid' \
		"$TMP/debugfs.log" && return 0
	WHY="debugfs -w -R '$1' failed: $(head -c 200 "$TMP/debugfs.log" | tr '\n' '|')"
	return 1
}

# want_refused: the boot stopped with status 125 and one clear line, the image unchanged.
want_refused() {
	local before
	before=$(sha256sum <"$DISK")
	boot walk --disk "$DISK:/data" -- /data
	want_pith_error || return 1
	[ "$(sha256sum <"$DISK")" = "$before" ] || { WHY="a refused mount changed the image"; return 1; }
	echo "# refused: $(cat "$ERR")"
}

# want_walk_eio: the guest walks the tree to its end, meets EIO at least once, never crashes.
want_walk_eio() {
	boot walk --disk "$DISK:/data" -- /data
	want_no_crash && want_status 0 && want_re '^walk: ' || return 1
	echo "# $(grep '^walk: ' "$OUT"); $(grep '^# ' "$OUT" | head -n 3 | tr '\n' ' ')"
	grep -Eq '^walk: .* [1-9][0-9]* EIO' "$OUT" && return 0
	WHY="no EIO from the broken part: $(grep '^walk\|^#' "$OUT" | head -c 300 | tr '\n' '|')"
	return 1
}

t_corrupt_magic() {
	corrupt_base || return 1
	# s_magic: offset 56 in the superblock, which starts at byte 1024.
	printf '\0\0' | dd of="$DISK" bs=1 seek=$((1024 + 56)) conv=notrunc status=none
	want_refused
}

# An inode table outside the filesystem: refused at mount (as Linux does), or EIO on use.
t_corrupt_inode_table() {
	corrupt_base && debugfs_w "set_bg 0 inode_table 4000000000" || return 1
	boot walk --disk "$DISK:/data" -- /data
	want_no_crash || return 1
	[ "$STATUS" = 125 ] && { want_refused; return; }
	want_walk_eio
}

t_corrupt_rec_len() {
	local blk
	corrupt_base || return 1
	blk=$(debugfs -R "bmap /d 0" "$DISK" 2>/dev/null)
	[[ $blk =~ ^[0-9]+$ ]] || { WHY="no block for /d: $blk"; return 1; }
	# The third entry's rec_len (after "." and ".." of 12 bytes each), offset 4 in the entry.
	printf '\0\0' | dd of="$DISK" bs=1 seek=$((blk * 1024 + 24 + 4)) conv=notrunc status=none
	want_walk_eio
}

t_corrupt_indirect() {
	corrupt_base && debugfs_w "sif /f block[IND] 7000000" || return 1
	want_walk_eio
}

# A directory hard-linked into its own subtree: the walk must end (EIO, or the depth limit).
t_corrupt_dir_loop() {
	corrupt_base && debugfs_w "link /a /a/b/loop" || return 1
	boot --timeout 60 walk --disk "$DISK:/data" -- /data
	want_no_crash && want_status 0 && want_re '^walk: ' || return 1
	echo "# dir-loop: $(grep '^walk: ' "$OUT")"
}

# ---- 8. the image's root filesystem --------------------------------------------------------------

ROOT_PATHS="/index.html /run.sh /sub /sub/deep.txt /sub/link /big.bin /etc/extra.txt"

rootfs_tree() {
	rm -rf "$TMP/www"
	mkdir -p "$TMP/www/sub"
	echo '<h1>from the rootfs</h1>' >"$TMP/www/index.html"
	printf '#!/bin/sh\necho hi\n' >"$TMP/www/run.sh"
	chmod 0755 "$TMP/www/run.sh"
	echo deep >"$TMP/www/sub/deep.txt"
	chmod 0600 "$TMP/www/sub/deep.txt"
	ln -s ../index.html "$TMP/www/sub/link"
	head -c 1000000 /dev/urandom >"$TMP/www/big.bin"
	echo extra >"$TMP/extra.txt"
	chmod 0640 "$TMP/extra.txt"
	mkdir -p "$TMP/www/etc"
	cp -p "$TMP/extra.txt" "$TMP/www/etc/extra.txt" # the native listing's copy
}

# rootfs_image PROG SOURCES...: `pith build --rootfs www --copy extra.txt:/etc/extra.txt`.
rootfs_image() {
	local prog=$1
	shift
	IMG=$TMP/$prog-rootfs.pith
	rm -rf "$TMP/www/etc"
	run "$PITH" build --rootfs "$TMP/www" --copy "$TMP/extra.txt:/etc/extra.txt" -o "$IMG" "$@"
	mkdir -p "$TMP/www/etc" && cp -p "$TMP/extra.txt" "$TMP/www/etc/extra.txt"
	want_status 0 || { WHY="pith build --rootfs: $WHY"; return 1; }
}

t_rootfs() {
	rootfs_tree && rootfs_image lsum tests/fs/guests/lsum.c "$FS_CHECK_SRC" || return 1
	# shellcheck disable=SC2086  # the paths are words
	run "$FB/native/lsum" -C "$TMP/www" $ROOT_PATHS
	cp "$OUT" "$TMP/want.list"
	# shellcheck disable=SC2086
	run "$PITH" run "$IMG" -- $ROOT_PATHS
	want_status 0 || return 1
	cmp -s "$OUT" "$TMP/want.list" || { WHY="guest sees '$(tr '\n' '|' <"$OUT")', host has \
'$(tr '\n' '|' <"$TMP/want.list")'"; return 1; }
	run "$PITH" run "$IMG" -- --write /index.html changed-in-ram
	want_all_passed || return 1
	# shellcheck disable=SC2086
	run "$PITH" run "$IMG" -- $ROOT_PATHS
	cmp -s "$OUT" "$TMP/want.list" || { WHY="a write survived the reboot: $(head -n 1 "$OUT")"; return 1; }
}

# httpd built with --rootfs serves a file of it (and a big one: sendfile) through passt.
t_rootfs_httpd() {
	local port pid
	command -v passt >/dev/null || { WHY="passt missing (make deps)"; return 1; }
	rootfs_tree && rootfs_image httpd examples/httpd/httpd.c || return 1
	port=$((20000 + ($$ + RANDOM) % 20000))
	"$PITH" run -p "$port:80" "$IMG" >"$TMP/httpd.out" 2>"$TMP/httpd.err" </dev/null &
	BGPID=$! pid=$!
	run --timeout 40 curl -sS --max-time 10 --retry 8 --retry-connrefused --retry-delay 1 \
		-o "$TMP/got.html" "http://127.0.0.1:$port/index.html" \
		-o "$TMP/got.bin" "http://127.0.0.1:$port/big.bin"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	BGPID=""
	want_status 0 || { WHY="$WHY; httpd said: $(head -c 200 "$TMP/httpd.err" | tr '\n' '|')"; return 1; }
	cmp -s "$TMP/got.html" "$TMP/www/index.html" && cmp -s "$TMP/got.bin" "$TMP/www/big.bin" ||
		{ WHY="served files differ: got '$(head -c 100 "$TMP/got.html" | tr '\n' '|')'"; return 1; }
}

# ---- 9. specialisation ---------------------------------------------------------------------------

t_specialisation() {
	run "$PITH" build -o "$TMP/hello.pith" examples/hello/hello.c
	want_status 0 || return 1
	run "$PITH" inspect "$TMP/hello.pith"
	want_status 0 && want_re '^components ' || return 1
	local comps
	comps=$(grep '^components ' "$OUT")
	grep -Eq ' (vfs|ramfs|ext2|blk)( |$)' <<<"$comps" && { WHY="hello links $comps"; return 1; }
	run "$PITH" inspect "$FB/pith/persist.pith"
	comps=$(grep '^components ' "$OUT")
	for c in vfs ramfs ext2 blk; do
		grep -Eq " $c( |$)" <<<"$comps" || { WHY="persist.pith lacks $c: $comps"; return 1; }
	done
}

# ---- 10. the issue's user flow: pith disk create + examples/kv across boots ----------------------

# kv IMG ARGS...: examples/kv booted with IMG at /data.
kv() {
	local img=$1
	shift
	run --timeout 60 "$PITH" run --disk "$img:/data" "$TMP/kv.pith" -- "$@"
}

t_kv() {
	run "$PITH" build -o "$TMP/kv.pith" examples/kv/kv.c && want_status 0 || return 1
	run "$PITH" disk create "$TMP/kv.img" 16M && want_status 0 || return 1
	kv "$TMP/kv.img" set greeting hello && want_status 0 || return 1
	kv "$TMP/kv.img" set answer 42 && want_status 0 || return 1
	kv "$TMP/kv.img" del greeting && want_status 0 || return 1
	fsck_clean "$TMP/kv.img" || return 1
	kv "$TMP/kv.img" get answer && want_status 0 && want_re '^42$' || return 1
	kv "$TMP/kv.img" list && want_status 0 || return 1
	[ "$(cat "$OUT")" = answer ] || { WHY="list after del: $(tr '\n' ' ' <"$OUT")"; return 1; }
	kv "$TMP/kv.img" get greeting
	[ "$STATUS" = 1 ] && grep -q 'No such file' "$ERR" || { WHY="get of a deleted key: status $STATUS"; return 1; }
	fsck_clean "$TMP/kv.img"
}

# ---- the run -------------------------------------------------------------------------------------

FS_CHECK_SRC=tests/fs/guests/check.c
preconditions
check posix-native t_posix_native
check posix-native-synth t_posix_native_synth
if [ "$MODE" != native ]; then
	check specialisation t_specialisation
	check posix-ext2 t_posix_ext2
	check posix-ramfs t_posix_ramfs
	check posix-synth t_posix_synth
	check default-mount-point t_default_mount
	check persist t_persist
	check persist-mke2fs-image t_persist_mke2fs
	check enospc t_enospc
	check many-files t_many
	check corrupt-magic t_corrupt_magic
	check corrupt-inode-table t_corrupt_inode_table
	check corrupt-rec-len t_corrupt_rec_len
	check corrupt-indirect t_corrupt_indirect
	check corrupt-dir-loop t_corrupt_dir_loop
	check rootfs t_rootfs
	check rootfs-httpd t_rootfs_httpd
	check kv-example t_kv
	check sigkill-durability t_sigkill
	check big-file t_big
fi
finish
