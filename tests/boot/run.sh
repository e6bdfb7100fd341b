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
ABI_VERSION=$(sed -n 's/^#define PITH_ABI_VERSION \([0-9]*\).*/\1/p' include/pith/abi.h)
HELLO_LINE='Hello from Pith! 355/113 = 3.141593'

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pith-boot.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
PASSED=0 FAILED=0 RUNS=0

# ---- reporting ------------------------------------------------------------------------------

finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit
}

# A precondition for the whole suite failed: say so and fail (never pass silently).
abort() {
	echo "FAIL: $1"
	FAILED=$((FAILED + 1))
	finish
}

# check NAME FUNC [ARGS...]: run one test function; it returns non-zero with WHY set on failure.
check() {
	local name=$1
	shift
	[[ $name =~ $FILTER ]] || return 0
	WHY=""
	if "$@"; then
		echo "ok - $name"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL - $name: ${WHY:-failed}"
		FAILED=$((FAILED + 1))
	fi
}

# check_timing NAME FUNC [ARGS...]: as check, for a test of timing on a noisy shared machine: a
# failed first attempt is shown as a comment line and the test runs once more; both must fail
# for the test to fail.
check_timing() {
	local name=$1
	shift
	[[ $name =~ $FILTER ]] || return 0
	WHY=""
	"$@" && { check "$name" true; return; }
	echo "# $name: first attempt failed, trying once more: $WHY"
	check "$name" "$@"
}

# The start of the last run's stderr then stdout, on one line, for failure messages.
snippet() {
	local s
	s=$(cat "$ERR" "$OUT" 2>/dev/null | head -c 400 | tr '\n\t' '| ')
	printf '; output: %s' "${s:-(none)}"
}

# ---- running --------------------------------------------------------------------------------

# run [--timeout S] CMD...: run CMD with stdin from /dev/null. Sets OUT and ERR (files), STATUS
# ("N", "sigN" or "timeout"), CPU_MS (user+sys of CMD and its children) and WALL_US.
run() {
	local limit=30 t0 t1
	if [ "$1" = --timeout ]; then
		limit=$2
		shift 2
	fi
	RUNS=$((RUNS + 1))
	OUT=$TMP/run$RUNS.out ERR=$TMP/run$RUNS.err
	t0=$EPOCHREALTIME
	perl "$HERE/runcmd.pl" "$TMP/run$RUNS.status" "$limit" "$@" >"$OUT" 2>"$ERR"
	t1=$EPOCHREALTIME
	WALL_US=$((10#${t1//[.,]/} - 10#${t0//[.,]/}))
	STATUS=unknown CPU_MS=0
	read -r STATUS CPU_MS <"$TMP/run$RUNS.status"
}

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

# ---- assertions on the last run ---------------------------------------------------------------

want_status() {
	[ "$STATUS" = "$1" ] && return 0
	WHY="exit status $STATUS, expected $1$(snippet)"
	return 1
}

# want_stdout LINE...: stdout is exactly these lines.
want_stdout() {
	printf '%s\n' "$@" >"$TMP/expected"
	cmp -s "$TMP/expected" "$OUT" && return 0
	WHY="stdout differs: got '$(head -c 300 "$OUT" | tr '\n' '|')'"
	WHY="$WHY, expected '$(tr '\n' '|' <"$TMP/expected")'"
	return 1
}

want_no_stderr() {
	[ ! -s "$ERR" ] && return 0
	WHY="unexpected stderr: $(head -c 300 "$ERR" | tr '\n' '|')"
	return 1
}

# want_output ERE [WHAT]: stdout or stderr matches the extended regex (case-insensitive).
want_output() {
	cat "$OUT" "$ERR" | grep -Eqi -- "$1" && return 0
	WHY="output does not mention ${2:-/$1/}$(snippet)"
	return 1
}

# The run printed exactly one line "pith: ..." on stderr, nothing on stdout, and exited 125.
want_pith_error() {
	want_status 125 || return 1
	if [ -s "$OUT" ] || [ "$(wc -l <"$ERR")" -ne 1 ] || ! grep -q '^pith: ' "$ERR"; then
		WHY="expected one line 'pith: ...' on stderr and nothing on stdout$(snippet)"
		return 1
	fi
}

want_crash() {
	want_status 139 || return 1
	want_output "$1" "the function $1"
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
		"envc=2" || return 1
	want_output "^args: this line goes to stderr$" "the stderr line" || return 1
	grep -q "goes to stderr" "$OUT" && { WHY="stderr output appeared on stdout"; return 1; }
	return 0
}

t_args_none() {
	image args || return 1
	run "$PITH" run "$IMG"
	want_status 0 || return 1
	want_stdout "argc=1" "argv0_set=1" "argv_terminated=1" "GREETING=<(unset)>" \
		"OTHER=<(unset)>" "envc=0"
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
	want_status 0 && want_output "^still running after" "the line after the syscalls"
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
	want_status 139 && want_output "0x0*$2\b" "the invalid address 0x$2" || return 1
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

# t_bad_image NAME: a broken copy of hello, made by mk_NAME, is refused with one clear line.
t_bad_image() {
	local bad=$TMP/bad-$1.pith
	image hello "$ROOT/examples/hello/hello.c" || return 1
	if ! "mk_$1" "$IMG" "$bad" 2>"$TMP/mk.err"; then
		WHY="could not make the $1 image: $(head -c 200 "$TMP/mk.err")"
		return 1
	fi
	run "$PITH" run "$bad"
	want_pith_error
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
	t_bad_image wrongabi && want_output "abi" "the ABI"
}

# t_mem_refused SIZE: pith run --mem SIZE is a usage error.
t_mem_refused() {
	image hello "$ROOT/examples/hello/hello.c" || return 1
	run "$PITH" run --mem "$1" "$IMG"
	want_pith_error
}

t_mem_2m() {
	image hello "$ROOT/examples/hello/hello.c" || return 1
	run "$PITH" run --mem 2M "$IMG"
	want_status 0 && want_stdout "$HELLO_LINE"
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
	want_pith_error && want_output "kvm" "/dev/kvm"
}

# ---- sandbox, tracing, inspection, specialisation ---------------------------------------------

t_seccomp() {
	image hello "$ROOT/examples/hello/hello.c" || return 1
	run "$PITH" run --selftest-seccomp "$IMG"
	[ "$STATUS" = sig31 ] || [ "$STATUS" = 159 ] && return 0
	WHY="expected death by SIGSYS (signal 31), got status $STATUS$(snippet)"
	return 1
}

t_verbose() {
	image hello "$ROOT/examples/hello/hello.c" || return 1
	run "$PITH" run --verbose "$IMG"
	want_status 0 && want_output "seccomp" "seccomp" && want_output "ioctl" "the ioctl syscall"
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

# t_components NAME SRC YESNO: pith inspect lists (yes) or does not list (no) the sysinfo component.
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
	want_status 0 && want_output "^sysname=[^ ]+ " "a sysname"
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

kvm_usable() {
	[ -c /dev/kvm ] && (exec 9<>/dev/kvm) 2>/dev/null
}

kvm_usable || abort "/dev/kvm not available: boot tests need KVM"
[ -x "$PITH" ] || abort "$PITH not found: build Pith first (make all)"

check hello t_hello
check hello-args-env t_hello_args_env
check argv-env-passthrough t_args
check argv-env-empty t_args_none
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
check crash-write-text t_crash_at text write_text
check crash-jump-data t_crash_at data jump_data
check hypercall-valid t_good_hypercall
check hypercall-data-past-ram t_bad_hypercall data 40000000
check hypercall-struct-past-ram t_bad_hypercall struct 3ff00000
check hypercall-wraparound t_bad_hypercall wrap fffffffffffff000
check hypercall-monitor-memory t_bad_hypercall monitor 1000
check image-random-bytes t_bad_image random
check image-empty t_bad_image empty
check image-truncated t_bad_image truncated
check image-missing t_bad_image missing
check image-bad-magic t_bad_image magic
check image-elfclass32 t_bad_image class
check image-wrong-machine t_bad_image machine
check image-wrong-abi t_wrong_abi
check mem-no-unit t_mem_refused 512
check mem-too-large t_mem_refused 1T
check mem-below-minimum t_mem_refused 1M
check mem-2m-runs-hello t_mem_2m
check run-without-image t_no_image_arg
check no-kvm-one-line t_no_kvm
check seccomp-forbidden-syscall t_seccomp
check verbose-lists-seccomp t_verbose
check trace-syscalls t_trace
check inspect-abi-components t_inspect
check specialisation-minimal t_components minimal "$HERE/minimal.c" "core mem proc random syscall"
check specialisation-hello t_components hello "$ROOT/examples/hello/hello.c" \
	"console core mem proc random syscall"
check specialisation-uname t_components uname "$HERE/uname.c" \
	"console core mem proc random syscall sysinfo time"
check uname-runs t_uname_runs
check hello-no-syscall-instruction t_no_syscall_insn
check compat-musl-gcc-static t_compat
check make-cc-pith-cc t_make_demo
finish
