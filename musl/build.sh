#!/bin/sh
# Builds Debian's musl 1.2.3 with Pith's syscall_arch.h and overrides, and installs it.
#
# Usage: musl/build.sh BUILD_DIR PREFIX     (run from the repository root; paths may be relative)
# Extracts the cached Debian source (musl/fetch.sh) into BUILD_DIR/src afresh, replaces
# arch/x86_64/syscall_arch.h, removes the x86_64 assembly files that contain a `syscall`
# instruction (the generic C versions then apply), drops in Pith's overrides, then configures,
# builds and installs headers, libc.a and the crt objects into PREFIX.
set -eu

[ $# -eq 2 ] || { echo "usage: musl/build.sh BUILD_DIR PREFIX" >&2; exit 2; }
repo=$(pwd)
mkdir -p "$1" "$2"
build=$(cd "$1" && pwd)
prefix=$(cd "$2" && pwd)

# The x86_64 files that issue a `syscall` instruction, and what replaces each:
#   signal/x86_64/restore.s            generic src/signal/restore.c (no sa_restorer trampoline)
#   process/x86_64/vfork.s             generic src/process/vfork.c (SYS_fork through the kernel)
#   thread/x86_64/__set_thread_area.s  generic src/thread/__set_thread_area.c (SYS_set_thread_area)
#   thread/x86_64/__unmapself.s        Pith's musl/overrides/src/thread/x86_64/__unmapself.c
#                                      (pith_unmapself: unmaps the stack after leaving it)
#   thread/x86_64/clone.s              Pith's musl/overrides/src/thread/x86_64/clone.c
#                                      (pith_clone: a thread of the library OS's scheduler)
#   thread/x86_64/syscall_cp.s         Pith's musl/overrides/src/thread/x86_64/syscall_cp.s
REMOVED="src/signal/x86_64/restore.s src/process/x86_64/vfork.s
src/thread/x86_64/__set_thread_area.s src/thread/x86_64/__unmapself.s
src/thread/x86_64/clone.s src/thread/x86_64/syscall_cp.s"

# -fno-pie: images are linked non-PIE, so libc.a needs no PIC (musl's configure then builds .o,
# not .lo, objects even though Debian's gcc defaults to PIE).
# No -O level: musl's configure then uses its own defaults (-Os, with -O2 for its hot paths:
# malloc, string functions, internals).
CFLAGS="-fno-omit-frame-pointer -ffunction-sections -fdata-sections -fno-pie"
CFLAGS="$CFLAGS -I$repo/kernel/syscall"

extract() {
	dsc=$("$repo/musl/fetch.sh")
	rm -rf "$build/src"
	dpkg-source --skip-debianization -x "$dsc" "$build/src" >"$build/extract.log" 2>&1 ||
		{ cat "$build/extract.log" >&2; echo "pith: cannot extract $dsc; delete it and rerun make" >&2; exit 1; }
}

# A Pith guest has one vCPU: while a thread spins waiting for another (musl spins up to 100
# times before a futex wait in sem_wait, mutex and rwlock locks), the other cannot run, so each
# `pause` only delays the futex wait that lets it run (about 3 us per handoff here). a_spin
# becomes a compiler barrier: the loops still re-read the lock word, at no cost.
no_spin_pause() {
	local h=arch/x86_64/atomic_arch.h pause='__asm__ __volatile__( "pause" : : : "memory" );'
	grep -qF "$pause" "$h" || { echo "pith: no pause in $h's a_spin; update musl/build.sh" >&2; exit 1; }
	sed -i "s|__asm__ __volatile__( \"pause\" : : : \"memory\" );|__asm__ __volatile__( \"\" : : : \"memory\" );|" "$h"
	! grep -qF "$pause" "$h" || { echo "pith: a_spin still pauses in $h" >&2; exit 1; }
}

apply_pith() {
	cd "$build/src"
	grep -q '^1\.2\.3$' VERSION || { echo "pith: expected musl 1.2.3 in $dsc" >&2; exit 1; }
	cp "$repo/musl/syscall_arch.h" arch/x86_64/syscall_arch.h
	for f in $REMOVED; do
		[ -f "$f" ] || { echo "pith: $f missing from the musl source; update musl/build.sh" >&2; exit 1; }
		rm "$f"
	done
	cp -R "$repo/musl/overrides/." .
	no_spin_pause
	left=$(grep -lE '^[[:space:]]*syscall([[:space:]]|$)' src/*/x86_64/*.[sS] crt/x86_64/*.[sS] \
		2>/dev/null || true)
	[ -z "$left" ] || { echo "pith: x86_64 assembly with syscall left: $left" >&2; exit 1; }
}

configure_and_build() {
	# Keep the outer make's flags and variables (e.g. CC=pith-cc) out of musl's own build.
	unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
	CFLAGS="$CFLAGS" ./configure --prefix="$prefix" --disable-shared --disable-wrapper CC=gcc \
		>"$build/configure.log" 2>&1 || { cat "$build/configure.log" >&2; exit 1; }
	# Syscalls on paths a Pith guest never takes go through the weak table (syscall_arch.h).
	printf '%s: CFLAGS_ALL += -DPITH_RUNTIME_SYSCALLS\n' \
		obj/src/env/__libc_start_main.o obj/src/env/__libc_start_main.lo >>config.mak
	make -j"$(nproc)" >"$build/make.log" 2>&1 || { tail -30 "$build/make.log" >&2; exit 1; }
	make install-headers install-libs >"$build/install.log" 2>&1 ||
		{ tail -30 "$build/install.log" >&2; exit 1; }
}

extract
apply_pith
configure_and_build
echo "musl installed in $prefix (logs in $build)"
