#!/bin/sh
# End-to-end tests of the root filesystem: `pith build --rootfs/--copy` packs a host tree, the
# guest finds it unpacked in its RAM filesystem with the same modes, sizes, mtimes, contents and
# symlinks as the host (tests/fs/ramfs/guests/tree.c run natively and in Pith, listings
# compared), writes to it, and `pith inspect` reports it. Needs KVM and the toolchain.
#
# Usage: tests/fs/ramfs/rootfs_test.sh PITH
set -u
. "$(dirname "$0")/../../lib/test.sh"
PITH=$1
SRC=$(cd "$(dirname "$0")" && pwd)
TREE_C="$SRC/guests/tree.c"

# A host tree with what a root filesystem holds: modes, old mtimes, nested and empty
# directories, symlinks (relative, absolute, dangling), an empty file, a 3 MiB file, a name with
# spaces, a hard-linked pair (stored as two files), 2,000 files in one directory.
make_tree() {
	R="$T_DIR/root"
	mkdir -p "$R/etc/app" "$R/var/empty" "$R/bin" "$R/many"
	echo "name=pith" >"$R/etc/app/config"
	printf '#!/bin/sh\necho hi\n' >"$R/bin/tool"
	chmod 0755 "$R/bin/tool"
	echo secret >"$R/etc/shadow"
	chmod 0600 "$R/etc/shadow"
	: >"$R/empty"
	head -c 3145728 /dev/urandom >"$R/big.bin"
	echo spaced >"$R/with space.txt"
	echo same >"$R/hard1"
	ln "$R/hard1" "$R/hard2"
	ln -s app/config "$R/etc/rel-link"
	ln -s /etc/app/config "$R/abs-link"
	ln -s /nowhere "$R/dangling"
	i=0
	while [ $i -lt 2000 ]; do
		echo $i >"$R/many/f$i"
		i=$((i + 1))
	done
	touch -h -d "2001-02-03 04:05:06" "$R/etc/app/config" "$R/bin/tool" "$R/etc/rel-link" \
		"$R/etc/app" "$R/var/empty"
	chmod 0750 "$R/var"
}

test_listing_matches_native() {
	t_check "native tree lister builds" cc -O2 -o "$T_DIR/tree" "$TREE_C"
	t_run "$PITH" build --rootfs "$R" --copy "$R/etc/app/config:/opt/config" \
		-o "$T_DIR/tree.pith" "$TREE_C"
	t_status "build --rootfs" 0
	t_err "build --rootfs is quiet" ""
	"$T_DIR/tree" "$R" >"$T_DIR/native.txt"
	t_run "$PITH" run "$T_DIR/tree.pith" -- /
	t_status "tree in Pith" 0
	# Pith's / also holds the --copy and the synthesized files (/dev, /proc, /etc/..., /tmp):
	# keep the host tree's paths only, plus the copied file's.
	tmp_line=$(printf '%s\n' "$T_OUT" | grep '^/tmp ' | cut -d' ' -f1-3)
	t_check "a sticky /tmp is made at boot" test "$tmp_line" = "/tmp d 1777"
	printf '%s\n' "$T_OUT" | grep -v -e '^/dev' -e '^/proc' -e '^/opt' -e '^/tmp ' \
		-e '^/etc/hosts ' -e '^/etc/resolv.conf ' -e '^/etc/passwd ' -e '^/etc/group ' \
		-e '^/ d' -e '^/etc d' >"$T_DIR/pith.txt"
	grep -v -e '^/ d' -e '^/etc d' "$T_DIR/native.txt" >"$T_DIR/native-cmp.txt"
	t_check "the image's tree equals the host's" diff "$T_DIR/native-cmp.txt" "$T_DIR/pith.txt"
	t_check "2,000 files in one directory" test "$(grep -c '^/many/f' "$T_DIR/pith.txt")" = 2000
	want=$(grep '^/etc/app/config ' "$T_DIR/native.txt" | cut -d' ' -f2-)
	t_out_has "--copy put the file at /opt/config" "/opt/config $want"
	t_out_has "root directory mode from DIR" "/ d 0$(stat -c %a "$R") "
}

test_writable() {
	t_run "$PITH" run "$T_DIR/tree.pith" -- -w /etc/app
	t_status "write in the root ramfs" 0
	t_out "write in the root ramfs" "write ok"
}

test_inspect() {
	n=$(find "$R" -mindepth 1 | wc -l)
	t_run "$PITH" inspect "$T_DIR/tree.pith"
	t_status "inspect" 0
	# find's entries, plus /opt and /opt/config from --copy
	t_out_has "inspect counts the files" "rootfs        $((n + 2)) files, 3."
	t_out_has "inspect lists ramfs" " ramfs "
	t_out_has "inspect lists vfs" " vfs"
}

test_reproducible() {
	t_run "$PITH" build --rootfs "$R" --copy "$R/etc/app/config:/opt/config" \
		-o "$T_DIR/tree2.pith" "$TREE_C"
	t_check "two builds give the same image" cmp -s "$T_DIR/tree.pith" "$T_DIR/tree2.pith"
}

test_program_without_files() {
	printf '#include <stdio.h>\nint main(void) { puts("no files"); return 0; }\n' >"$T_DIR/hello.c"
	t_run "$PITH" build --rootfs "$R" -o "$T_DIR/hello.pith" "$T_DIR/hello.c"
	t_status "hello with --rootfs" 0
	t_err "hello with --rootfs warns" \
		"pith: warning: --rootfs: the program never opens a file; the files are not included"
	t_run "$PITH" inspect "$T_DIR/hello.pith"
	case $T_OUT in *"rootfs "*) t_fail "hello's image holds a rootfs" ;; *) t_pass ;; esac
	case $T_OUT in *" vfs"* | *" ramfs"*) t_fail "hello links the vfs or ramfs" ;; *) t_pass ;; esac
	t_check "hello's image is small (the 3 MiB file is left out)" \
		test "$(stat -c %s "$T_DIR/hello.pith")" -lt 1000000
	t_run "$PITH" run "$T_DIR/hello.pith"
	t_out "hello still runs" "no files"
}

if t_require_kvm; then
	make_tree
	test_listing_matches_native
	test_writable
	test_inspect
	test_reproducible
	test_program_without_files
fi
t_done
