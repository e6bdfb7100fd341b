#!/usr/bin/env bash
# Boot tests: build small guest programs with `pith build`, boot them with `pith run` on KVM, and
# check their output and exit status; also the CLI's refusals, seccomp, tracing and specialisation.
#
# Usage: tests/boot/run.sh [NAME-REGEX]   (run only the tests whose names match)
# Environment: PITH, PITHCC override build/bin/pith and build/bin/pith-cc.
# Prints "ok - name" or "FAIL - name: why" per test, then "N passed, N failed"; exits 1 on failure.
# shellcheck disable=SC2317  # the test functions are called through check()
set -u
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
HERE=$ROOT/tests/boot
PITH=${PITH:-$ROOT/build/bin/pith}
PITHCC=${PITHCC:-$ROOT/build/bin/pith-cc}
FILTER=${1:-.}
VERSION=$(sed -n 's/^#define PITH_VERSION "\(.*\)"$/\1/p' include/pith/version.h)
ABI_VERSION=$(sed -n 's/^#define PITH_ABI_VERSION \([0-9]*\).*/\1/p' include/pith/abi.h)
HELLO_LINE='Hello from Pith! 355/113 = 3.141593'

# shellcheck source=tests/lib/suite.sh
. "$ROOT/tests/lib/suite.sh"
suite_start boot "$FILTER"

# image NAME [SRC]: build SRC (default tests/boot/NAME.c) once into $TMP/NAME.pith; sets IMG.
image() {
	local name=$1 src=${2:-$HERE/$1.c}
	shift
	[ $# -gt 0 ] && shift # the rest: extra flags for pith build
	IMG=$TMP/$name.pith
	[ -f "$IMG" ] && return 0
	if ! "$PITH" build "$@" -o "$IMG" "$src" >"$TMP/$name.build.log" 2>&1; then
		rm -f "$IMG"
		WHY="pith build -o $name.pith $src failed: "
		WHY="$WHY$(head -c 300 "$TMP/$name.build.log" | tr '\n' '|')"
		return 1
	fi
	[ -f "$IMG" ] || { WHY="pith build succeeded but wrote no $name.pith"; return 1; }
}

# ---- the tests: hello, arguments, environment, exit status ------------------------------------

t_hello() {
	image hello "$ROOT/examples/hello/hello.c" || return 1
	run "$PITH" run "$IMG"
	want_status 0 && want_stdout "$HELLO_LINE" && want_no_stderr
}

t_hello_args_env() {
	image hello "$ROOT/examples/hello/hello.c" || return 1
	run "$PITH" run -e GREETING=hi "$IMG" -- one two
	want_status 0 && want_stdout "$HELLO_LINE" "argv[1] = one" "argv[2] = two" "GREETING = hi"
}

t_args() {
	image args || return 1
	run "$PITH" run -e GREETING=hi -e "OTHER=a b=c" "$IMG" -- one "two words" "" "x\$y*"
	want_status 0 || return 1
	want_stdout "argc=5" "argv0_set=1" "argv[1]=<one>" "argv[2]=<two words>" "argv[3]=<>" \
		"argv[4]=<x\$y*>" "argv_terminated=1" "GREETING=<hi>" "OTHER=<a b=c>" \
		"envc=2" && want_stderr "args: this line goes to stderr"
}

# 1000 arguments (one empty, one with a newline, the rest of varied length) come back exactly.
t_args_1000() {
	local i argv=() expected=("argc=1001" "argv0_set=1") xs=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
	image args || return 1
	for ((i = 1; i <= 1000; i++)); do
		argv+=("a$i-${xs:0:i % 31} \$i")
	done
	argv[99]="" argv[499]=$'two\nlines' argv[998]="x\$y* 'q' \"d\""
	for ((i = 1; i <= 1000; i++)); do
		expected+=("argv[$i]=<${argv[i - 1]}>")
	done
	run "$PITH" run "$IMG" -- "${argv[@]}"
	want_status 0 && want_stdout "${expected[@]}" "argv_terminated=1" "GREETING=<(unset)>" \
		"OTHER=<(unset)>" "envc=0"
}

t_args_none() {
	image args || return 1
	run "$PITH" run "$IMG"
	want_status 0 || return 1
	want_stdout "argc=1" "argv0_set=1" "argv_terminated=1" "GREETING=<(unset)>" \
		"OTHER=<(unset)>" "envc=0"
}

# ---- standard streams ---------------------------------------------------------------------------

# `pith run ... | head -1`: the first line arrives; the run ends as any program whose reader
# went away does: 0, or SIGPIPE (141 in a shell), never a crash report or a hang.
t_pipe_head() {
	image lines || return 1
	run_pipe "head -1" "$PITH" run "$IMG" -- 100000
	want_status 141 sig13 && want_stdout "line 1" && want_absent "guest crashed" "guest error"
}

# `pith run ... >&-`: with stdout closed the monitor must not crash; the guest still runs (its
# stderr line arrives) and exits 0, or pith refuses with one clear line.
t_stdout_closed() {
	image args || return 1
	# shellcheck disable=SC2016  # expanded by the inner sh
	run sh -c 'exec "$@" >&-' sh "$PITH" run "$IMG" -- one
	want_status 0 && want_stderr "args: this line goes to stderr"
}

# t_exit STATUS HOW: the guest's status comes back as pith run's status.
t_exit() {
	image exit || return 1
	run "$PITH" run "$IMG" -- "$1" "$2"
	want_status "$1" || return 1
	if [ "$2" = _exit ]; then
		want_stdout "exiting with $1 by $2"
	else
		want_stdout "exiting with $1 by $2" "atexit handler ran"
	fi
}

# ---- memory and time --------------------------------------------------------------------------

t_malloc() {
	image malloc || return 1
	run --timeout 60 "$PITH" run --mem 64M "$IMG"
	want_status 0 && want_output "^malloc: ok$" "malloc: ok"
}

t_clock_monotonic() {
	local host_before host_after guest
	image clock || return 1
	host_before=$(date +%s)
	run "$PITH" run "$IMG" -- mono
	host_after=$(date +%s)
	want_status 0 && want_output " 0 backwards" "0 backwards" || return 1
	guest=$(sed -n 's/^realtime=\([0-9]*\) .*/\1/p' "$OUT")
	if [ -z "$guest" ] || [ "$guest" -lt $((host_before - 1)) ] ||
		[ "$guest" -gt $((host_after + 1)) ]; then
		WHY="guest CLOCK_REALTIME '$guest' is not in the host's [$host_before, $host_after]"
		return 1
	fi
}

# The guest measures each 50 ms sleep with CLOCK_MONOTONIC (within 10%); the host checks that the
# extra wall time of the sleeping run over an immediate exit matches what the guest measured.
t_sleep() {
	local base_us slept_ns slept_us extra_us
	image clock || return 1
	run "$PITH" run "$IMG" -- none
	want_status 0 || return 1
	base_us=$WALL_US
	run "$PITH" run "$IMG" -- sleep
	want_status 0 || { WHY="$WHY (a sleep was off by more than 10%)"; return 1; }
	slept_ns=$(sed -n 's/^slept_ns=\([0-9]*\)$/\1/p' "$OUT")
	[ -n "$slept_ns" ] || { WHY="no slept_ns= line$(snippet)"; return 1; }
	slept_us=$((slept_ns / 1000))
	extra_us=$((WALL_US - base_us))
	if [ "$slept_us" -lt 180000 ] || [ $((extra_us * 10)) -lt $((slept_us * 9)) ] ||
		[ $((extra_us * 10)) -gt $((slept_us * 11)) ]; then
		WHY="guest measured ${slept_us} us of sleeping, host saw ${extra_us} us"
		WHY="$WHY more wall time than for an immediate exit"
		return 1
	fi
}

t_idle_cpu() {
	image clock || return 1
	run "$PITH" run "$IMG" -- idle
	want_status 0 || return 1
	if [ "$WALL_US" -lt 950000 ] || [ $((CPU_MS * 1000 * 10)) -ge "$WALL_US" ]; then
		WHY="monitor used ${CPU_MS} ms CPU in $((WALL_US / 1000)) ms wall (limit 10%)"
		return 1
	fi
}

t_enosys() {
	image enosys || return 1
	run "$PITH" run "$IMG"
	want_status 0 || return 1
	[ "$(grep -c ': -1 ENOSYS ok$' "$OUT")" -eq 5 ] ||
		{ WHY="not five ENOSYS results$(snippet)"; return 1; }
	want_re "^still running after unsupported syscalls: pid [0-9]+$"
}

# ---- crashes ----------------------------------------------------------------------------------

t_crash_null() {
	image crash || return 1
	run "$PITH" run "$IMG" -- null
	want_crash deref_null && want_output "0x0*7b8\b" "the faulting address 0x7b8"
}

t_crash_stack() {
	image crash || return 1
	run "$PITH" run "$IMG" -- stack
	want_crash recurse_forever && want_output "stack overflow|guard page" "a stack overflow"
}

t_crash_stack_protector() {
	image smash "$HERE/smash.c" -fstack-protector-strong || return 1
	run "$PITH" run "$IMG"
	want_crash smash_buffer && want_output "stack smashing detected" "the stack-protector cause"
}

t_kernel_assert() {
	image kassert || return 1
	run "$PITH" run "$IMG"
	want_status 139 && want_re '^pith: guest panic.*assertion failed: fd == 1 \|\| fd == 2' &&
		want_re '#[0-9]+ 0x[0-9a-f]+ pith_console_out(\.cold)?\+' && want_re '#[0-9]+ 0x[0-9a-f]+ main\+'
}

# syscall(2) with a number known only at run time (uname, 63) still finds its component.
t_syscall_any() {
	image syscall_any || return 1
	run "$PITH" run "$IMG" -- 63
	want_status 0 && want_stdout "sysname=Pith"
}

# A run that fails before boot (here: no image) leaves no process behind: the monitor's helper
# process must end with it, even when the monitor exits before the helper has started.
t_no_stray_helper() {
	local name="no-such-image-$$-$RANDOM" i
	for i in $(seq 1 30); do
		"$PITH" run "$TMP/$name" >/dev/null 2>&1
	done
	sleep 0.5
	if pgrep -f "$name" >/dev/null; then
		WHY="processes of 'pith run $name' are still alive: $(pgrep -af "$name" | head -3 |
			tr '\n' '|')"
		pkill -9 -f "$name"
		return 1
	fi
}

# t_crash_at MODE FUNCTION: the guest prints the address it is about to misuse; the report names it.
t_crash_at() {
	local addr
	image crash || return 1
	run "$PITH" run "$IMG" -- "$1"
	want_crash "$2" || return 1
	addr=$(sed -n 's/.* at 0x\([0-9a-f]*\)$/\1/p' "$ERR" | head -1)
	[ -n "$addr" ] || { WHY="the guest did not print its target address$(snippet)"; return 1; }
	grep -v -E '^(writing to text|calling data) at 0x' "$ERR" | grep -Eqi "0x0*$addr\b" && return 0
	WHY="the crash report does not mention the faulting address 0x$addr$(snippet)"
	return 1
}

# t_bad_hypercall MODE ADDRESS: a hostile console hypercall ends the guest with a clear message.
t_bad_hypercall() {
	image badhc || return 1
	run "$PITH" run --mem 16M "$IMG" -- "$1"
	want_status 139 || return 1
	want_re "^pith: guest error: console hypercall with an invalid address 0x0*$2 " || return 1
	[ ! -s "$OUT" ] && return 0
	WHY="the guest's bad hypercall wrote to stdout: $(head -c 100 "$OUT")"
	return 1
}

t_good_hypercall() {
	image badhc || return 1
	run "$PITH" run --mem 16M "$IMG" -- ok
	want_status 0 && want_stdout "badhc: a valid console hypercall works"
}

# ---- refused images and options ---------------------------------------------------------------

# t_bad_image NAME REASON: a broken copy of hello, made by mk_NAME, is refused with one clear
# line that gives REASON (a fixed string).
t_bad_image() {
	local bad=$TMP/bad-$1.pith
	image hello "$ROOT/examples/hello/hello.c" || return 1
	if ! "mk_$1" "$IMG" "$bad" 2>"$TMP/mk.err"; then
		WHY="could not make the $1 image: $(head -c 200 "$TMP/mk.err")"
		return 1
	fi
	run "$PITH" run "$bad"
	want_pith_error && want "$2"
}

mk_random() { head -c 16384 /dev/urandom >"$2"; }
mk_empty() { : >"$2"; }
mk_truncated() { head -c $(($(stat -c %s "$1") / 2)) "$1" >"$2"; }
mk_missing() { rm -f "$2"; }
mk_magic() { patch_bytes "$1" "$2" 1 "\x46"; }   # "\x7fELF" -> "\x7fFLF"
mk_class() { patch_bytes "$1" "$2" 4 "\x01"; }   # ELFCLASS64 -> ELFCLASS32
mk_machine() { patch_bytes "$1" "$2" 18 "\x28"; } # EM_X86_64 -> EM_ARM

# patch_bytes IN OUT OFFSET BYTES: copy IN to OUT with BYTES (printf escapes) written at OFFSET.
patch_bytes() {
	cp "$1" "$2" && printf '%b' "$4" | dd of="$2" bs=1 seek="$3" conv=notrunc status=none
}

# mk_wrongabi: set abi_version in the image's "Pith" ABI note (n_namesz 5, n_descsz 16,
# n_type PITH_NOTE_ABI = 1, name padded to 8 bytes, then the desc) to PITH_ABI_VERSION + 1.
mk_wrongabi() {
	perl -e '
		my ($in, $out, $version) = @ARGV;
		local $/;
		open(my $f, "<:raw", $in) or die "$in: $!\n";
		my $d = <$f>;
		my $note = pack("VVV", 5, 16, 1) . "Pith\0\0\0\0";
		my @at;
		for (my $i = index($d, $note); $i >= 0; $i = index($d, $note, $i + 1)) {
			push @at, $i;
		}
		die "found " . scalar(@at) . " Pith ABI notes, expected 1\n" unless @at == 1;
		substr($d, $at[0] + length($note), 4) = pack("V", $version);
		open(my $o, ">:raw", $out) or die "$out: $!\n";
		print $o $d;
	' "$1" "$2" "$((ABI_VERSION + 1))"
}

t_wrong_abi() {
	t_bad_image wrongabi \
		"was built for Pith ABI $((ABI_VERSION + 1)), this pith speaks ABI $ABI_VERSION;"
}

# t_mem_refused SIZE: pith run --mem SIZE is a usage error.
t_mem_refused() {
	image hello "$ROOT/examples/hello/hello.c" || return 1
	run "$PITH" run --mem "$1" "$IMG"
	want_pith_error
}

# t_mem_runs SIZE: hello boots and runs with --mem SIZE.
t_mem_runs() {
	image hello "$ROOT/examples/hello/hello.c" || return 1
	run "$PITH" run --mem "$1" "$IMG"
	want_status 0 && want_stdout "$HELLO_LINE" && want_no_stderr
}

t_no_image_arg() {
	run "$PITH" run
	want_pith_error
}

# Hide /dev/kvm in a private mount namespace (a user namespace too when not root): pith must
# say so in one line.
t_no_kvm() {
	local userns=()
	[ "$(id -u)" = 0 ] || userns=(--map-root-user)
	image hello "$ROOT/examples/hello/hello.c" || return 1
	# shellcheck disable=SC2016  # expanded by the inner sh
	run unshare "${userns[@]}" --mount --propagation private sh -c \
		'mount -t tmpfs tmpfs /dev && exec "$0" run "$1"' "$PITH" "$IMG"
	want_pith_error && want "pith: /dev/kvm not found"
}

# ---- sandbox, tracing, inspection, specialisation ---------------------------------------------

t_seccomp() {
	image hello "$ROOT/examples/hello/hello.c" || return 1
	run "$PITH" run --selftest-seccomp "$IMG"
	want_status sig31 || { WHY="expected death by SIGSYS: $WHY"; return 1; }
}

t_verbose() {
	image hello "$ROOT/examples/hello/hello.c" || return 1
	run "$PITH" run --verbose "$IMG"
	want_status 0 && want_stdout "$HELLO_LINE" && want_seccomp_list
}

t_trace() {
	image hello "$ROOT/examples/hello/hello.c" || return 1
	run "$PITH" run --trace "$IMG"
	want_status 0 && want_output "writev\(" "writev(" &&
		want_output "exit_group\(" "exit_group(" && want_output "$HELLO_LINE" "the greeting"
}

t_inspect() {
	image hello "$ROOT/examples/hello/hello.c" || return 1
	run "$PITH" inspect "$IMG"
	want_status 0 && want_output "abi[^0-9]*$ABI_VERSION\b" "ABI version $ABI_VERSION" &&
		want_output "\bconsole\b" "the console component" &&
		want_output "^file size +[0-9]+ bytes" "the file size"
}

# t_components NAME SOURCE "COMPONENTS": pith inspect lists exactly these kernel components.
t_components() {
	local list
	image "$1" "$2" || return 1
	run "$PITH" inspect "$IMG"
	want_status 0 || return 1
	list=$(sed -n 's/^components *//p' "$OUT")
	[ "$list" = "$3" ] && return 0
	WHY="components '$list', expected '$3'$(snippet)"
	return 1
}

t_uname_runs() {
	image uname || return 1
	run "$PITH" run "$IMG"
	want_status 0 && want_stdout "sysname=Pith release=$VERSION-pith machine=x86_64"
}

# Every syscall is a plain call into the library OS: no `syscall` instruction in the image.
t_no_syscall_insn() {
	local n
	image hello "$ROOT/examples/hello/hello.c" || return 1
	n=$(objdump -d --no-show-raw-insn "$IMG" | grep -cw syscall)
	[ "$n" -eq 0 ] && return 0
	WHY="$n syscall instructions in hello.pith, in: "
	WHY="$WHY$(objdump -d "$IMG" | grep -w -B30 syscall | grep '>:$' | head -3 | tr '\n' ' ')"
	return 1
}

# ---- other toolchains: plain musl-gcc -static (compat path) and make CC=pith-cc ---------------

t_compat() {
	local elf=$TMP/compat.elf
	if ! command -v musl-gcc >/dev/null; then
		WHY="musl-gcc not installed (make deps installs musl-tools)"
		return 1
	fi
	musl-gcc -static -O2 -o "$elf" "$HERE/compat.c" || { WHY="musl-gcc failed"; return 1; }
	objdump -d "$elf" | grep -qw syscall || { WHY="compat.elf has no syscall insn"; return 1; }
	run "$PITH" run "$elf" -- x y
	want_status 7 && want_stdout "compat: argc=3 x y sum=3145728 ratio=3.14"
}

t_make_demo() {
	local dir=$TMP/make-demo native=$TMP/make-demo-native
	[ -x "$PITHCC" ] || { WHY="$PITHCC not found"; return 1; }
	mkdir -p "$dir" "$native"
	cp "$ROOT"/examples/make-demo/{Makefile,*.c,*.h} "$dir/"
	cp "$ROOT"/examples/make-demo/{Makefile,*.c,*.h} "$native/"
	run make -C "$dir" CC="$PITHCC"
	want_status 0 || { WHY="make CC=pith-cc: $WHY"; return 1; }
	run make -C "$native"
	want_status 0 || { WHY="native make: $WHY"; return 1; }
	"$native/demo" Pith >"$TMP/demo.expected"
	run "$PITH" inspect "$dir/demo"
	want_status 0 && want_output "abi[^0-9]*$ABI_VERSION\b" "a Pith ABI note" || return 1
	run "$PITH" run "$dir/demo" -- Pith
	want_status 0 || return 1
	cmp -s "$TMP/demo.expected" "$OUT" && return 0
	WHY="output differs from the native build: $(head -c 200 "$OUT" | tr '\n' '|')"
	return 1
}

# ---- main -------------------------------------------------------------------------------------

require_kvm "boot tests"
[ -x "$PITH" ] || abort "$PITH not found: build Pith first (make all)"

check hello t_hello
check hello-args-env t_hello_args_env
check argv-env-passthrough t_args
check argv-env-empty t_args_none
check argv-1000-args t_args_1000
check stdout-pipe-head-1 t_pipe_head
check stdout-closed t_stdout_closed
check exit-0 t_exit 0 return
check exit-1 t_exit 1 return
check exit-42 t_exit 42 return
check exit-42-exit t_exit 42 exit
check exit-42-_exit t_exit 42 _exit
check malloc-100mb t_malloc
check clock-monotonic t_clock_monotonic
check_timing sleep-accuracy t_sleep
check_timing idle-no-host-cpu t_idle_cpu
check unsupported-syscall-enosys t_enosys
check crash-null-deref t_crash_null
check crash-stack-overflow t_crash_stack
check crash-stack-protector t_crash_stack_protector
check crash-kernel-assertion t_kernel_assert
check crash-write-text t_crash_at text write_text
check crash-jump-data t_crash_at data jump_data
check hypercall-valid t_good_hypercall
check hypercall-data-past-ram t_bad_hypercall data 40000000
check hypercall-struct-past-ram t_bad_hypercall struct 3ff00000
check hypercall-wraparound t_bad_hypercall wrap fffffffffffff000
check hypercall-monitor-memory t_bad_hypercall monitor 1000
check image-random-bytes t_bad_image random "is not an ELF file"
check image-empty t_bad_image empty "is empty"
check image-truncated t_bad_image truncated "is truncated"
check image-missing t_bad_image missing "cannot be opened: No such file"
check image-bad-magic t_bad_image magic "is not an ELF file"
check image-elfclass32 t_bad_image class "is a 32-bit ELF file"
check image-wrong-machine t_bad_image machine "is built for another machine"
check image-wrong-abi t_wrong_abi
check mem-no-unit t_mem_refused 512
check mem-too-large t_mem_refused 1T
check mem-below-minimum t_mem_refused 1M
check mem-2m-runs-hello t_mem_runs 2M
check mem-4g-runs-hello t_mem_runs 4G
check run-without-image t_no_image_arg
check no-kvm-one-line t_no_kvm
check seccomp-forbidden-syscall t_seccomp
check verbose-lists-seccomp t_verbose
check trace-syscalls t_trace
check inspect-abi-components t_inspect
check syscall-runtime-number t_syscall_any
check no-stray-helper-after-error t_no_stray_helper
check specialisation-minimal t_components minimal "$HERE/minimal.c" "core mem proc random syscall"
check specialisation-hello t_components hello "$ROOT/examples/hello/hello.c" \
	"console core fd mem proc random syscall time"
check specialisation-uname t_components uname "$HERE/uname.c" \
	"console core fd mem proc random syscall sysinfo time"
check uname-runs t_uname_runs
check hello-no-syscall-instruction t_no_syscall_insn
check compat-musl-gcc-static t_compat
check make-cc-pith-cc t_make_demo
finish
