#!/bin/sh
# Tests of the pith command: usage errors, help, inspect, build's driving of pith-cc (with a
# stand-in pith-cc that records its arguments), none of which needs KVM; then pith run with closed
# standard fds, which does (the tiny fixture boots and crashes at its first instruction); --disk's
# syntax (no KVM) and files (KVM), and `pith disk create` (checked with e2fsck and dumpe2fs).
#
# Usage: tests/unit/cli_test.sh PITH FIXTURE-DIR
set -u
. "$(dirname "$0")/../lib/test.sh"
PITH=$1
FIX=$2
ABI=$(sed -n 's/^#define PITH_ABI_VERSION \([0-9]*\)u.*/\1/p' "$(dirname "$0")/../../include/pith/abi.h")
NEXT=$((ABI + 1))
USE="; see 'pith help'"

test_usage() {
	t_run "$PITH"
	t_status "no command" 125
	t_err "no command" "pith: no command given$USE"
	t_run "$PITH" frobnicate
	t_status "unknown command" 125
	t_err "unknown command" "pith: unknown command 'frobnicate'$USE"
	t_run "$PITH" help
	t_status "help" 0
	t_out_has "help" "  pith run [OPTIONS] [--] IMAGE [--] [ARGS...]"
	t_err "help is quiet on stderr" ""
	t_run "$PITH" --version
	t_out "version" "pith 0.1.0 (ABI version $ABI)"
}

test_run_usage() {
	t_run "$PITH" run
	t_status "run without image" 125
	t_err "run without image" "pith: run: no image given$USE"
	t_run "$PITH" run --mem 512 x.pith
	t_status "bare --mem" 125
	t_err "bare --mem" "pith: --mem 512: missing unit; write e.g. 512M or 2G"
	t_run "$PITH" run --mem=1T x.pith
	t_err "huge --mem" "pith: --mem 1T: too large; the most Pith supports is 4G"
	t_run "$PITH" run --mem 1M x.pith
	t_err "tiny --mem" "pith: --mem 1M: too small; the least is 2M"
	t_run "$PITH" run --frob x.pith
	t_status "unknown run option" 125
	t_err "unknown run option" "pith: run: unknown option '--frob'$USE"
	t_run "$PITH" run -e
	t_err "-e without value" "pith: run: -e needs NAME=VALUE or NAME$USE"
	t_run "$PITH" run --help
	t_status "run --help" 0
	t_out_has "run --help" "Usage:"
}

# --timeslice DURATION: digits and a unit (ns, us, ms, s), more than 0, at most 10 s. A valid one
# gets as far as opening the image (the boot info's timeslice_ns: tests/guests/run.sh).
test_run_timeslice() {
	t_run "$PITH" run --timeslice 10 x.pith
	t_status "bare --timeslice" 125
	t_err "bare --timeslice" "pith: --timeslice 10: missing unit; write e.g. 10ms or 500us"
	t_run "$PITH" run --timeslice=0ms x.pith
	t_err "zero --timeslice" "pith: --timeslice 0ms: must be longer than 0; write e.g. 10ms"
	t_run "$PITH" run --timeslice 10001ms x.pith
	t_err "long --timeslice" \
		"pith: --timeslice 10001ms: longer than the maximum, 10s; write e.g. 10ms"
	t_run "$PITH" run --timeslice 99999999999999999999s x.pith
	t_err "overflowing --timeslice" \
		"pith: --timeslice 99999999999999999999s: longer than the maximum, 10s; write e.g. 10ms"
	t_run "$PITH" run --timeslice 5m x.pith
	t_err "unknown --timeslice unit" \
		"pith: --timeslice 5m: unknown unit 'm'; use ns, us, ms or s, e.g. 10ms"
	t_run "$PITH" run --timeslice 1.5ms x.pith
	t_err "fractional --timeslice" \
		"pith: --timeslice 1.5ms: no fractions; use a smaller unit, e.g. 1500us"
	t_run "$PITH" run --timeslice -5ms x.pith
	t_err "negative --timeslice" \
		"pith: --timeslice '-5ms': not a duration; write e.g. 10ms or 500us"
	t_run "$PITH" run --timeslice
	t_err "--timeslice without value" \
		"pith: run: --timeslice needs a duration, e.g. --timeslice 10ms$USE"
	for d in 1ns 500us 10ms 10s 10000000000ns; do
		t_run "$PITH" run --timeslice "$d" "$T_DIR/none.pith"
		t_err "--timeslice $d accepted" \
			"pith: $T_DIR/none.pith cannot be opened: No such file or directory; check the path"
	done
	t_run "$PITH" help
	t_out_has "help lists --timeslice" "--timeslice DURATION"
}

test_inspect_pith_image() {
	t_run "$PITH" inspect "$FIX/tiny.elf"
	t_status "inspect tiny" 0
	t_out_has "inspect tiny" "kind          Pith image"
	t_out_has "inspect tiny" "ABI version   $ABI (this pith runs it)"
	t_out_has "inspect tiny" "components    console core"
	t_out_has "inspect tiny" "segments      4"
	t_out_has "inspect tiny" " (_start)"
	t_out_has "inspect tiny" " rw- "
	t_out_has "inspect tiny" ", data 32 B, bss 4.0 KiB"
	t_err "inspect tiny is quiet on stderr" ""

	# The same image claiming the next ABI version (the ABI note's desc follows its 20-byte head).
	off=$(readelf -lW "$FIX/tiny.elf" | awk '$1 == "NOTE" { print $2; exit }')
	cp "$FIX/tiny.elf" "$T_DIR/v2.pith"
	printf "\\$(printf %o "$NEXT")" | dd of="$T_DIR/v2.pith" bs=1 seek=$((off + 20)) conv=notrunc 2>/dev/null
	t_run "$PITH" inspect "$T_DIR/v2.pith"
	t_status "inspect ABI $NEXT" 0
	t_out_has "inspect ABI $NEXT" \
		"ABI version   $NEXT (this pith runs version $ABI only: rebuild the image with this pith)"
}

test_inspect_other() {
	t_run "$PITH" inspect "$FIX/hello-static"
	t_status "inspect static Linux ELF" 0
	t_out_has "inspect static Linux ELF" "kind          static Linux ELF"
	t_out_has "inspect static Linux ELF" "ABI version   none"
	t_run "$PITH" inspect "$FIX/hello-dynamic"
	t_status "inspect dynamic" 125
	t_err "inspect dynamic" "pith: $FIX/hello-dynamic is dynamically linked; Pith runs static \
images (build it with pith build, or link it with -static)"
	t_run "$PITH" inspect "$FIX/nothing-here"
	t_status "inspect missing" 125
	t_err "inspect missing" \
		"pith: $FIX/nothing-here cannot be opened: No such file or directory; check the path"
	t_run "$PITH" inspect
	t_err "inspect without image" "pith: inspect: no image given$USE"
	t_run "$PITH" inspect a b
	t_err "inspect two images" "pith: inspect: one image at a time (got 2 arguments)$USE"
}

# A private install: $T_DIR/p/bin/pith, with or without lib/pith and a stand-in pith-cc.
test_build_toolchain() {
	mkdir -p "$T_DIR/p/bin"
	cp "$PITH" "$T_DIR/p/bin/pith"
	P="$T_DIR/p/bin/pith"
	t_run "$P" build hello.c
	t_status "build without toolchain" 125
	t_err "build without toolchain" "pith: toolchain not found at $T_DIR/p/lib/pith; run make"
	mkdir -p "$T_DIR/p/lib/pith"
	t_run "$P" build hello.c
	t_err "build without pith-cc" "pith: pith-cc not found at $T_DIR/p/bin/pith-cc; run make"
	t_run "$P" build
	t_err "build without sources" "pith: build: no source files given$USE"
	t_run "$P" build -o
	t_err "build -o without value" "pith: build: -o needs a file name$USE"
	t_run "$P" build x.o
	t_err "build without a .c" "pith: build: no .c source to name the image after; give -o OUT$USE"
}

test_build_runs_pith_cc() {
	printf '#!/bin/sh\necho "$*" > "%s/args"\nexit 3\n' "$T_DIR" >"$T_DIR/p/bin/pith-cc"
	chmod +x "$T_DIR/p/bin/pith-cc"
	t_run "$P" build -Wall src/dir/hello.c util.c
	t_status "build passes on pith-cc's status" 3
	t_check "default OUT" grep -qx -- "-O2 -o hello.pith -Wall src/dir/hello.c util.c" "$T_DIR/args"
	t_run "$P" build -o out.pith -DX=1 a.c
	t_check "-o OUT" grep -qx -- "-O2 -o out.pith -DX=1 a.c" "$T_DIR/args"
	t_run "$P" build a.c -oout2.pith
	t_check "-oOUT" grep -qx -- "-O2 -o out2.pith a.c" "$T_DIR/args"
	printf '#!/bin/sh\nkill -9 $$\n' >"$T_DIR/p/bin/pith-cc"
	t_run "$P" build a.c
	t_status "pith-cc killed" 125
	t_err "pith-cc killed" "pith: $T_DIR/p/bin/pith-cc was killed by signal 9"
}

# The vCPU fd that `pith run --verbose` names in its seccomp allow-list, with REDIRS applied.
vcpu_fd_with() {
	sh -c "exec $1; exec \"\$0\" run --verbose \"\$1\"" "$PITH" "$FIX/tiny.elf" \
		2>"$T_DIR/verbose" >"$T_DIR/verbose-out"
	sed -n 's/^pith:   ioctl(fd \([0-9]*\), KVM_RUN)$/\1/p' "$T_DIR/verbose"
}

# The fd /dev/kvm was opened on, under strace, with REDIRS applied.
kvm_fd_with() {
	sh -c "exec $1; exec strace -f -e trace=open,openat -o \"\$2\" \"\$0\" run \"\$1\"" \
		"$PITH" "$FIX/tiny.elf" "$T_DIR/strace" 2>/dev/null >&2
	sed -n 's/.*"\/dev\/kvm".* = \([0-9]*\)$/\1/p' "$T_DIR/strace"
}

# A closed fd 0, 1 or 2 gets /dev/null: the guest's output must not go to a KVM fd.
test_run_closed_std_fds() {
	t_require_kvm || return
	T_CMD=
	normal=$(vcpu_fd_with "")
	t_check "vCPU fd found in --verbose" test -n "$normal"
	for r in ">&-" "<&-" "<&- >&-"; do
		got=$(vcpu_fd_with "$r")
		t_check "vCPU fd with $r is $got, as without ($normal)" test "$got" = "$normal"
	done
	if ! command -v strace >/dev/null; then
		t_fail "strace is not installed: the checks with a closed stderr need it"
		return
	fi
	for r in "" "2>&-" ">&- 2>&-" "<&- >&- 2>&-"; do
		got=$(kvm_fd_with "$r")
		t_check "/dev/kvm with $r opened on fd $got, not 0-2" test "${got:-0}" -ge 3
	done
}

# Output into a pipe whose reader has gone: SIGPIPE, status 141, as for a native program; and the
# reader of pith's output gets end-of-file when pith exits (the helper process keeps no copy).
test_run_sigpipe() {
	t_require_kvm || return
	T_CMD=
	{ sleep 0.3; "$PITH" run "$FIX/tiny.elf" 2>&1 >/dev/null; echo $? >"$T_DIR/st"; } | true
	t_check "crash report into a closed pipe: status 141 (got $(cat "$T_DIR/st"))" \
		test "$(cat "$T_DIR/st")" = 141
	timeout 10 sh -c '"$0" run "$1" 2>&1 | wc -l >"$2"' "$PITH" "$FIX/tiny.elf" "$T_DIR/n"
	t_check "reader of the output gets EOF at pith's exit" test "$?" = 0
	t_check "reader got the crash report ($(cat "$T_DIR/n") lines)" test "$(cat "$T_DIR/n")" -gt 5
}

# Networking options: usage errors need no KVM; passt missing and passt's exit with pith do.
test_run_net_usage() {
	t_run "$PITH" run -p 8080 x.pith
	t_status "bad -p" 125
	t_err "bad -p" "pith: run: -p needs HOST:GUEST ports (1-65535), e.g. -p 8080:80"
	t_run "$PITH" run --net tap:pith0 -p 8080:80 x.pith
	t_status "-p with --net tap" 125
	t_err "-p with --net tap" "pith: run: -p publishes ports through user-mode networking, \
not --net tap; drop -p, or use --net user"
	t_run "$PITH" run --net bridge x.pith
	t_err "bad --net" \
		"pith: run: --net needs tap:NAME, user, socket:PATH or none, e.g. --net tap:pith0"
	t_run "$PITH" run --ip 10.0.0.2/24 x.pith
	t_err "--ip without a network" \
		"pith: run: --ip needs a network; add --net tap:NAME, --net user or -p HOST:GUEST"
	t_run "$PITH" run --net user --mtu 100 x.pith
	t_err "bad --mtu" "pith: run: --mtu needs a number from 576 to 1500 (larger frames are not supported yet), e.g. --mtu 1400"
}

# Whether something listens on TCP port $1 of this host (ss, from iproute2).
port_listens() {
	ss -Hltn "sport = :$1" | grep -q .
}

test_run_passt() {
	t_require_kvm || return
	mkdir -p "$T_DIR/empty"
	t_run env PATH="$T_DIR/empty" "$PITH" run -p 8080:80 "$FIX/tiny.elf"
	t_status "passt missing" 125
	t_err "passt missing" "pith: passt is not installed; install Debian's passt package \
(apt-get install passt) or use --net tap:NAME"
	if ! command -v passt >/dev/null; then
		t_fail "passt is not installed: the checks with passt need it"
		return
	fi
	port=$((20000 + $$ % 20000))
	t_run "$PITH" run -p "$port:80" "$FIX/tiny.elf"
	t_status "tiny with -p crashes as without" 139
	n=0
	while port_listens "$port" && [ $n -lt 50 ]; do
		sleep 0.02
		n=$((n + 1))
	done
	t_check "passt gone after pith run (port $port closed within 1 s)" test "$n" -lt 50
}

DISK_USE="write --disk FILE[:MOUNTPOINT][:ro], e.g. --disk data.img:/data"

# --disk's syntax: checked before anything boots (no KVM needed).
test_run_disk_usage() {
	t_run "$PITH" run --disk
	t_status "--disk without value" 125
	t_err "--disk without value" "pith: run: --disk needs a disk image; $DISK_USE"
	t_run "$PITH" run --disk d.img:data x.pith
	t_err "--disk relative mount" \
		"pith: run: --disk d.img:data: 'data' is neither an absolute mount point nor ro; $DISK_USE"
	t_run "$PITH" run --disk d.img:/ x.pith
	t_err "--disk at /" "pith: run: --disk d.img:/: the mount point cannot be /, the image's own \
root filesystem; give another one such as /data"
	t_run "$PITH" run --disk d.img:/a/../b x.pith
	t_err "--disk with .." "pith: run: --disk d.img:/a/../b: the mount point has a '.' or '..' \
component; give a plain absolute path such as /data"
	t_run "$PITH" run --disk "d.img:/$(printf '%064d' 0)" x.pith
	t_err "--disk long mount" "pith: run: --disk d.img:/$(printf '%064d' 0): the mount point is \
longer than 63 bytes; give a shorter one"
	t_run "$PITH" run --disk a.img:/d --disk b.img:/d x.pith
	t_err "--disk same mount" "pith: run: --disk: disks 0 and 1 are both mounted at /d; give each \
its own mount point"
	t_run "$PITH" run --disk a.img:/d --disk b.img:/d/e x.pith
	t_err "--disk nested mounts" "pith: run: --disk: the mount points /d and /d/e nest; give \
disjoint ones"
	t_run "$PITH" run --disk :/d x.pith
	t_err "--disk without file" "pith: run: --disk :/d: no file given; $DISK_USE"
	t_run "$PITH" run --disk 0 --disk 1 --disk 2 --disk 3 --disk 4 --disk 5 --disk 6 --disk 7 \
		--disk 8 x.pith
	t_err "nine disks" "pith: run: at most 8 --disk options"
}

# --disk's files: checked when the monitor opens them (the tiny fixture then boots and crashes).
test_run_disk_files() {
	t_require_kvm || return
	d=$T_DIR/disks
	mkdir -p "$d/dir"
	head -c 1000 /dev/zero >"$d/odd.img"
	: >"$d/empty.img"
	truncate -s 1M "$d/ok.img"
	t_run "$PITH" run --disk "$d/none.img" "$FIX/tiny.elf"
	t_status "--disk missing file" 125
	t_err "--disk missing file" "pith: --disk $d/none.img: no such file; make one with 'pith disk \
create $d/none.img SIZE'"
	t_run "$PITH" run --disk "$d/odd.img" "$FIX/tiny.elf"
	t_status "--disk odd size" 125
	t_err "--disk odd size" "pith: --disk $d/odd.img: size 1000 is not a multiple of 512 bytes; \
round it up with 'truncate -s %512 $d/odd.img'"
	t_run "$PITH" run --disk "$d/empty.img:ro" "$FIX/tiny.elf"
	t_err "--disk empty" "pith: --disk $d/empty.img: the file is empty; make a disk image with \
'pith disk create FILE SIZE'"
	t_run "$PITH" run --disk "$d/dir:ro" "$FIX/tiny.elf"
	t_err "--disk directory" "pith: --disk $d/dir: not a regular file or block device; give a disk \
image file"
	t_run "$PITH" run --disk "$d/ok.img" --disk "$d/../disks/ok.img:/b" "$FIX/tiny.elf"
	t_err "--disk twice" "pith: --disk $d/../disks/ok.img: the same image is given twice (disk 0 \
and disk 1); give each image once"
	t_run "$PITH" run --disk "$d/ok.img" --stats "$FIX/tiny.elf"
	t_status "--disk ok: tiny boots (and crashes)" 139
	t_err_has "--disk ok: counters" "pith: stats: blk_reads 0"
	flock -x "$d/ok.img" sleep 3 &
	sleep 0.3
	t_run "$PITH" run --disk "$d/ok.img" "$FIX/tiny.elf"
	t_status "--disk locked" 125
	t_err "--disk locked" "pith: --disk $d/ok.img: in use by another pith run; stop that run or \
give another image"
	t_run "$PITH" run --disk "$d/ok.img:ro" "$FIX/tiny.elf"
	t_err "--disk :ro while written" "pith: --disk $d/ok.img: in use by another pith run; stop \
that run or give another image"
	wait
	flock -s "$d/ok.img" sleep 3 &
	sleep 0.3
	t_run "$PITH" run --disk "$d/ok.img:ro" "$FIX/tiny.elf"
	t_status "--disk :ro beside a reader" 139
	t_run "$PITH" run --disk "$d/ok.img" "$FIX/tiny.elf"
	t_status "--disk read-write beside a reader" 125
	wait
}

test_disk_create() {
	t_run "$PITH" disk
	t_status "disk without subcommand" 125
	t_err "disk without subcommand" "pith: disk: no subcommand given; write 'pith disk create \
[--force] FILE SIZE', e.g. 'pith disk create data.img 64M'$USE"
	t_run "$PITH" disk frob
	t_status "disk frob" 125
	t_err "disk frob" "pith: disk: unknown subcommand 'frob'; write 'pith disk create [--force] \
FILE SIZE', e.g. 'pith disk create data.img 64M'$USE"
	t_run "$PITH" disk create "$T_DIR/a.img"
	t_status "disk create without size" 125
	t_run "$PITH" disk create "$T_DIR/a.img" 512K
	t_err "disk create too small" "pith: disk create: size 512K: too small; the least is 1M"
	t_run "$PITH" disk create "$T_DIR/a.img" 64
	t_err "disk create bare size" "pith: disk create: size 64: missing unit; write e.g. 512M or 2G"
	t_check "nothing made on errors" test ! -e "$T_DIR/a.img"
	t_run "$PITH" disk create "$T_DIR/a.img" 64M
	t_status "disk create" 0
	t_check "disk create: 64 MiB" test "$(stat -c %s "$T_DIR/a.img")" = 67108864
	t_check "disk create: sparse" test "$(stat -c %b "$T_DIR/a.img")" -lt 16384
	t_run e2fsck -fn "$T_DIR/a.img"
	t_status "disk create: e2fsck -fn clean" 0
	t_run dumpe2fs -h "$T_DIR/a.img"
	t_out_has "disk create: ext2 revision 1" "Filesystem revision #:    1 (dynamic)"
	echo keep >"$T_DIR/b.img"
	t_run "$PITH" disk create "$T_DIR/b.img" 8M
	t_status "disk create over a file" 125
	t_err "disk create over a file" "pith: disk create: $T_DIR/b.img exists; give --force to \
overwrite it"
	t_check "the file is kept" test "$(cat "$T_DIR/b.img")" = keep
	t_run "$PITH" disk create --force "$T_DIR/b.img" 8M
	t_status "disk create --force" 0
	t_run e2fsck -fn "$T_DIR/b.img"
	t_status "disk create --force: e2fsck -fn clean" 0
	t_run "$PITH" disk create -f "$T_DIR" 8M
	t_err "disk create over a folder" "pith: disk create: $T_DIR exists and is not a regular file; \
give another path"
	flock -x "$T_DIR/b.img" sleep 3 &
	sleep 0.3
	t_run "$PITH" disk create --force "$T_DIR/b.img" 8M
	t_err "disk create --force of an image in use" "pith: disk create: $T_DIR/b.img is in use by \
a pith run; stop that run first"
	wait
	t_run "$PITH" help
	t_out_has "help lists disk" "  pith disk create [--force] FILE SIZE"
	t_out_has "help lists --disk" "  --disk FILE[:MOUNTPOINT][:ro]"
}

# --rootfs / --copy: errors, and the archive pith build hands to pith-cc (a stand-in that keeps a
# copy of the generated .S and the archive it includes, then fails: no toolchain needed).
test_build_rootfs() {
	cat >"$T_DIR/p/bin/pith-cc" <<EOF
#!/bin/sh
echo "\$*" > "$T_DIR/args"
for a; do last=\$a; done
cp "\$last" "$T_DIR/rootfs.S"
cp "\$(sed -n 's/.*incbin "\\(.*\\)"/\\1/p' "\$last")" "$T_DIR/rootfs.cpio"
exit 3
EOF
	chmod +x "$T_DIR/p/bin/pith-cc"
	W="$T_DIR/www"
	mkdir -p "$W/sub"
	echo hello >"$W/index.html"
	echo x >"$W/sub/x.txt"
	ln -s index.html "$W/link"
	t_run "$P" build --rootfs "$T_DIR/nope" a.c
	t_status "--rootfs missing" 125
	t_err "--rootfs missing" "pith: --rootfs $T_DIR/nope: No such file or directory; give an existing directory"
	t_run "$P" build --rootfs "$W/index.html" a.c
	t_err "--rootfs a file" "pith: --rootfs $W/index.html: not a directory; give the directory whose files become the image's /"
	t_run "$P" build --rootfs "$W" --rootfs="$W" a.c
	t_err "--rootfs twice" "pith: build: --rootfs given twice; use --copy SRC:DEST for more files$USE"
	t_run "$P" build --rootfs
	t_err "--rootfs without value" "pith: build: --rootfs needs a value$USE"
	t_run "$P" build --copy "$W/index.html" a.c
	t_err "--copy without DEST" "pith: build: --copy needs SRC:DEST (got '$W/index.html')$USE"
	t_run "$P" build --copy "$W/index.html:etc/x" a.c
	t_err "--copy relative DEST" "pith: --copy $W/index.html:etc/x: the destination is not an absolute path; write SRC:/PATH-IN-THE-IMAGE"
	t_run "$P" build --copy "$T_DIR/nope:/x" a.c
	t_err "--copy missing SRC" "pith: --copy $T_DIR/nope: No such file or directory; give an existing file or directory"
	mkfifo "$W/fifo"
	t_run "$P" build --rootfs "$W" a.c
	t_err "--rootfs with a fifo" "pith: $W/fifo is a fifo; only files, directories and symlinks can go in the image"
	rm "$W/fifo"
	t_run "$P" build -o x.pith --rootfs "$W" --copy="$W/sub/x.txt:/etc/app/x.txt" a.c
	t_status "--rootfs build passes on pith-cc's status" 3
	t_check "--rootfs adds one .S input" \
		grep -qxE -- "-O2 -o x.pith a.c .*/pith-rootfs-[A-Za-z0-9]{6}/rootfs.S" "$T_DIR/args"
	t_check "the .S defines pith_rootfs_start" grep -q "^pith_rootfs_start:" "$T_DIR/rootfs.S"
	t_check "the .S is read-only data" grep -q 'section .rodata.pith_rootfs,"a"' "$T_DIR/rootfs.S"
	tmp=$(sed 's|.* \(.*\)/rootfs.S$|\1|' "$T_DIR/args")
	t_check "temporary files removed" test ! -e "$tmp"
	t_check "archive is newc" test "$(head -c 6 "$T_DIR/rootfs.cpio")" = 070701
	names=$(tr -c '[:print:]' '\n' <"$T_DIR/rootfs.cpio" |
		sed -n 's/^070701[0-9A-F]\{104\}//p' | tr '\n' ' ')
	t_check "archive names, sorted, with DEST's parents" \
		test "$names" = ". etc etc/app etc/app/x.txt index.html link sub sub/x.txt TRAILER!!! "
	cp "$T_DIR/rootfs.cpio" "$T_DIR/rootfs1.cpio"
	t_run "$P" build -o x.pith --rootfs "$W" --copy="$W/sub/x.txt:/etc/app/x.txt" a.c
	t_check "archive is reproducible" cmp -s "$T_DIR/rootfs.cpio" "$T_DIR/rootfs1.cpio"
	t_run "$PITH" help
	t_out_has "help lists --rootfs" "--rootfs DIR"
	t_out_has "help lists --copy" "--copy SRC:DEST"
}

test_usage
test_run_usage
test_run_timeslice
test_run_net_usage
test_inspect_pith_image
test_inspect_other
test_build_toolchain
test_build_runs_pith_cc
test_build_rootfs
test_run_closed_std_fds
test_run_sigpipe
test_run_passt
test_run_disk_usage
test_run_disk_files
test_disk_create
t_done
