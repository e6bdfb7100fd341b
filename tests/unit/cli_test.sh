#!/bin/sh
# Tests of the pith command: usage errors, help, inspect, build's driving of pith-cc (with a
# stand-in pith-cc that records its arguments), none of which needs KVM; then pith run with closed
# standard fds, which does (the tiny fixture boots and crashes at its first instruction).
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

test_usage
test_run_usage
test_run_net_usage
test_inspect_pith_image
test_inspect_other
test_build_toolchain
test_build_runs_pith_cc
test_run_closed_std_fds
test_run_sigpipe
test_run_passt
t_done
