#!/bin/bash
# Tests the toolchain: Pith's musl (no syscall instruction, direct calls) and the pith-cc driver.
#
# Usage: tests/toolchain/run.sh      (after `make toolchain`; run from anywhere)
# Images are linked twice where possible: against a stand-in kernel archive built here from
# stub-kernel.c (so pith-cc and libc.a are tested on their own), and against the real kernel
# archives build/lib/pith/lib/libpith-*.a when they exist (otherwise those checks are skipped
# and say so). Nothing is run: the images are inspected with nm, objdump and readelf.
set -u
cd "$(dirname "$0")/../.." || exit 1
REPO=$(pwd)
HERE=$REPO/tests/toolchain
TOOL=$REPO/build/lib/pith
PITHCC=$REPO/build/bin/pith-cc
IMAGE_BASE=$(sed -nE 's/^#define PITH_IMAGE_BASE[[:space:]]+(0x[0-9a-fA-F]+)ULL.*/\1/p' include/pith/abi.h)

passed=0 failed=0 skipped=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { passed=$((passed + 1)); echo "PASS: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $1"; }

# check NAME COMMAND...: passes when COMMAND succeeds; its output is shown on failure.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$name"
	else
		fail "$name"
		[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/    /' | head -20
	fi
}

# True when the object, archive or image FILE contains a `syscall` instruction.
has_syscall_insn() {
	objdump -d "$1" | grep -qE '^\s+[0-9a-f]+:\s.*\ssyscall\s*$'
}
no_syscall_insn() { ! has_syscall_insn "$1"; }

# nm_has FILE 'TYPE SYMBOL': FILE's symbol table has SYMBOL with that nm type.
nm_has() { nm "$1" 2>/dev/null | grep -qE "^[0-9a-f ]* $2\$"; }
nm_lacks() { ! nm_has "$@"; }

# calls IMAGE FUNCTION TARGET: FUNCTION's code in IMAGE calls (or jumps to) TARGET directly.
calls() {
	objdump -d --no-show-raw-insn --disassemble="$2" "$1" |
		grep -qE "(call|jmp) +[0-9a-f]+ <$3>"
}

# ---- libc.a ---------------------------------------------------------------------------------

test_libc() {
	local lib=$TOOL/lib
	check "libc.a has no syscall instruction" no_syscall_insn "$lib/libc.a"
	check "crt1.o has no syscall instruction" no_syscall_insn "$lib/crt1.o"
	printf '\tsyscall\n\tret\n' >"$tmp/insn.s"
	gcc -c "$tmp/insn.s" -o "$tmp/insn.o"
	check "the syscall-instruction check finds one when present" has_syscall_insn "$tmp/insn.o"

	(cd "$tmp" && ar x "$lib/libc.a" getpid.o syscall.o syscall_cp.o read.o)
	check "musl's getpid calls pith_sys_getpid directly" nm_has "$tmp/getpid.o" 'U pith_sys_getpid'
	check "musl's getpid does not use the runtime dispatcher" \
		nm_lacks "$tmp/getpid.o" 'U pith_syscall'
	check "syscall(2) is Pith's: it calls pith_syscall_any" \
		nm_has "$tmp/syscall.o" 'U pith_syscall_any'
	check "__syscall_cp_asm calls the runtime dispatcher pith_syscall" \
		nm_has "$tmp/syscall_cp.o" 'U pith_syscall'
	check "musl's read (a cancellation point) calls pith_sys_read directly" \
		nm_has "$tmp/read.o" 'U pith_sys_read'
	check "musl's read neither calls __syscall_cp nor the runtime dispatcher" \
		nm_lacks "$tmp/read.o" 'U (__syscall_cp|pith_syscall)$'
}

# ---- the syscall layer, run on the host (arch_test.c) ------------------------------------------

# Adds the PASS/FAIL lines of a sub-test's output to the totals (its summary line is dropped).
count_lines() {
	local line
	while IFS= read -r line; do
		case $line in
		PASS:*) passed=$((passed + 1)) && echo "$line" ;;
		FAIL:*) failed=$((failed + 1)) && echo "$line" ;;
		*" passed, "*" failed") ;;
		*) echo "$line" ;;
		esac
	done
}

test_arch_unit() {
	local dir=$tmp/unit
	mkdir -p "$dir"
	if ! (cd "$dir" && ar x "$TOOL/lib/libc.a" syscall.o syscall_cp.o) ||
		! gcc -std=c11 -O2 -Wall -Wextra -Werror -no-pie -I "$REPO/musl" \
			-I "$REPO/kernel/syscall" "$HERE/arch_test.c" "$dir/syscall_cp.o" \
			"$dir/syscall.o" -o "$dir/arch_test"; then
		fail "arch_test.c builds against libc.a's syscall layer"
		return
	fi
	local status before=$failed
	"$dir/arch_test" >"$dir/out" 2>&1
	status=$?
	count_lines <"$dir/out"
	[ $status -eq 0 ] || [ "$failed" -gt "$before" ] || fail "arch_test exited with status $status"
}

# ---- pith-cc without linking -------------------------------------------------------------------

is_relocatable() { readelf -h "$1" | grep -q 'Type: *REL '; }

refuses_shared() {
	local out
	! out=$("$PITHCC" -shared "$tmp/getpid.o" -o "$tmp/x.so" 2>&1) &&
		[[ $out == "pith-cc: -shared is not supported"* ]]
}

test_compile() {
	check "pith-cc -c produces a relocatable object" \
		"$PITHCC" -O2 -Wall -Wextra -c "$HERE/getpid.c" -o "$tmp/getpid.o"
	check "the object is ELF relocatable" is_relocatable "$tmp/getpid.o"
	check "the object calls getpid" nm_has "$tmp/getpid.o" 'U getpid'

	"$PITHCC" -E "$HERE/getpid.c" >"$tmp/getpid.i" 2>&1
	check "pith-cc -E reads Pith's musl headers" grep -q "\"$TOOL/include/unistd.h\"" "$tmp/getpid.i"
	check "pith-cc -E reads no host C library header" \
		bash -c "! grep -q '\"/usr/include/' '$tmp/getpid.i'"

	"$PITHCC" -v -c "$HERE/getpid.c" -o "$tmp/v.o" 2>"$tmp/v.err"
	check "pith-cc -v shows the gcc command" \
		grep -qE '^pith-cc: [^ ]*gcc .*-nostdinc .*-isystem .*-fno-pie .*-c ' "$tmp/v.err"
	check "pith-cc -v alone prints the version and does not link" "$PITHCC" -v
	check "pith-cc -M lists dependencies without linking" \
		bash -c "'$PITHCC' -M '$HERE/getpid.c' | grep -q 'unistd.h'"
	check "pith-cc refuses -shared with a clear message" refuses_shared
}

# ---- linked images ----------------------------------------------------------------------------

# A copy of the toolchain whose only kernel archive is the stand-in built from stub-kernel.c.
make_stub_toolchain() {
	local tc=$tmp/stub f
	mkdir -p "$tc/bin" "$tc/lib/pith/lib"
	cp "$PITHCC" "$tc/bin/pith-cc"
	ln -s "$TOOL/include" "$tc/lib/pith/include"
	for f in "$TOOL"/lib/*.o "$TOOL"/lib/libc.a "$TOOL"/lib/libm.a; do
		ln -s "$f" "$tc/lib/pith/lib/"
	done
	gcc -O2 -c -ffunction-sections -I "$REPO/kernel/syscall" "$HERE/stub-kernel.c" -o "$tmp/stub.o" &&
		ar rcs "$tc/lib/pith/lib/libpith-stub.a" "$tmp/stub.o"
}

entry_is_pith_start() {
	local entry start
	entry=$(readelf -h "$1" | awk '/Entry point/ { print $4 }')
	start=$(nm "$1" | awk '$3 == "pith_start" { print $1 }')
	[ -n "$start" ] && [ $((entry)) -eq $((0x$start)) ]
}

lowest_load_is_image_base() {
	local low
	low=$(readelf -lW "$1" | awk '$1 == "LOAD" { print $3 }' | sort | head -1)
	[ -n "$low" ] && [ $((low)) -eq $((IMAGE_BASE)) ]
}

is_static_exec() {
	readelf -h "$1" | grep -q 'Type: *EXEC ' && ! readelf -lW "$1" | grep -qE 'INTERP|DYNAMIC'
}

# check_image LABEL CC: links getpid.c and read.c with CC and inspects the images.
check_image() {
	local label=$1 cc=$2 img=$tmp/getpid-$1
	check "$label: getpid.c links" "$cc" -O2 "$HERE/getpid.c" -o "$img" || return
	check "$label: the image is a static non-PIE executable" is_static_exec "$img"
	check "$label: the image starts at PITH_IMAGE_BASE ($IMAGE_BASE)" lowest_load_is_image_base "$img"
	check "$label: the entry point is pith_start" entry_is_pith_start "$img"
	check "$label: getpid calls pith_sys_getpid directly" calls "$img" getpid pith_sys_getpid
	check "$label: the image has no syscall instruction" no_syscall_insn "$img"
	check "$label: read.c (a cancellation point) links" \
		"$cc" -O2 "$HERE/read.c" -o "$tmp/read-$label"
	check "$label: read reaches the runtime dispatcher" nm_has "$tmp/read-$label" 'T pith_syscall'
	check "$label: cancel.c (read with pthread_cancel) links" \
		"$cc" -O2 "$HERE/cancel.c" -o "$tmp/cancel-$label"
	check "$label: it uses Pith's __syscall_cp_asm" \
		nm_has "$tmp/cancel-$label" '[Tt] __syscall_cp_asm'
	[ "$label" = stub ] ||
		check "$label: read's kernel function is linked" nm_has "$tmp/read-$label" 'T pith_sys_read'
}

test_link() {
	if make_stub_toolchain; then
		check_image stub "$tmp/stub/bin/pith-cc"
	else
		fail "cannot build the stand-in kernel archive"
	fi
	if compgen -G "$TOOL/lib/libpith-*.a" >/dev/null; then
		check_image kernel "$PITHCC"
	else
		skip "kernel archives not built ($TOOL/lib/libpith-*.a): real-kernel link checks"
	fi
}

# ---- make CC=pith-cc on an ordinary Makefile ----------------------------------------------------

# run_make DIR CC [TARGETS...]: a fresh copy of the tiny project built with CC.
run_make() {
	local dir=$1 cc=$2
	shift 2
	rm -rf "$dir" && mkdir -p "$dir" && cp "$HERE"/proj/* "$dir/" &&
		env -u MAKEFLAGS -u MFLAGS make -s -C "$dir" CC="$cc" "$@"
}

test_make() {
	check "make CC=pith-cc compiles an ordinary project" \
		run_make "$tmp/proj-c" "$PITHCC" main.o greet.o
	check "make CC=pith-cc links it (stand-in kernel)" \
		run_make "$tmp/proj-stub" "$tmp/stub/bin/pith-cc"
	check "the project image is a static executable" is_static_exec "$tmp/proj-stub/demo"
	check "-lm found musl's libm, the image calls musl's sqrt" nm_has "$tmp/proj-stub/demo" 'T sqrt'
	if compgen -G "$TOOL/lib/libpith-*.a" >/dev/null; then
		check "make CC=pith-cc links it (real kernel)" run_make "$tmp/proj-k" "$PITHCC"
	else
		skip "kernel archives not built: make CC=pith-cc link with the real kernel"
	fi
}

main() {
	if [ ! -f "$TOOL/lib/libc.a" ] || [ ! -x "$PITHCC" ]; then
		echo "FAIL: the toolchain is not built ($TOOL/lib/libc.a, $PITHCC); run make toolchain"
		echo "0 passed, 1 failed"
		exit 1
	fi
	test_libc
	test_arch_unit
	test_compile
	test_link
	test_make
	[ "$skipped" -eq 0 ] || echo "($skipped skipped: see SKIP above)"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

main
