#!/usr/bin/env bash
# Monitor tests: boot the freestanding guests of tests/guests/ with `pith run` and check exit
# statuses, hypercall-rule enforcement, crash reports, the compat path, seccomp and pre-boot errors.
#
# Usage: tests/guests/run.sh [NAME-REGEX]
# Environment: PITH (default build/bin/pith), GUESTS (default build/tests/guests), FUZZ_RUNS
# (runs of the fuzz guest, default 350) and FUZZ_SEED (its first seed, default 1).
# Prints "ok - name" or "FAIL - name: why" per test, then "N passed, N failed"; exits 1 on failure.
# shellcheck disable=SC2317  # the test functions are called through check()
set -u
cd "$(dirname "$0")/../.." || exit 1
PITH=${PITH:-$PWD/build/bin/pith}
GUESTS=${GUESTS:-$PWD/build/tests/guests}

# shellcheck source=tests/lib/suite.sh
. "$PWD/tests/lib/suite.sh"
suite_start guests "${1:-.}"

# ---- tests --------------------------------------------------------------------------------

t_hello() {
	run "$PITH" run "$GUESTS/hello" -- "one" "two words"
	want_status 7 && want "hello from a Pith test guest" "arg: one" "arg: two words" \
		"bootinfo ok" && want_absent "trace flag set"
}

t_hello_trace_flag() {
	run "$PITH" run --trace "$GUESTS/hello"
	want_status 7 && want "bootinfo ok" "trace flag set"
}

t_hello_small_memory() {
	run "$PITH" run --mem 2M "$GUESTS/hello"
	want_status 7 && want "bootinfo ok"
}

t_hello_big_memory() {
	run "$PITH" run --mem 4G "$GUESTS/hello"
	want_status 7 && want "bootinfo ok"
}

# hostile MODE REGEX: the guest breaks a rule; the monitor stops it with a guest error.
t_hostile() {
	run "$PITH" run "$GUESTS/hostile" "$1"
	want_status 139 && want_re "$2" && want_absent "monitor let the guest continue"
}

t_wait() {
	run "$PITH" run "$GUESTS/hostile" wait
	want_status 0 || return 1
	[ "$WALL_US" -ge 50000 ] && return 0
	WHY="the 50 ms wait took only $WALL_US us"
	return 1
}

t_panic() {
	run "$PITH" run "$GUESTS/hostile" panic
	want_status 139 && want "pith: guest panic: assertion failed: the test guest panics" \
		"backtrace:" "guest_main+"
}

# trap MODE TEXT...: the guest causes an exception; the report names it and the frames.
t_trap() {
	local mode=$1
	shift
	run "$PITH" run "$GUESTS/traps" "$mode"
	want_status 139 && want "$@" "backtrace:" "guest_main+" "rip "
}

# int3 at CPL3: #BP on this PVM host; hardware KVM delivers #GP for the DPL0 gate instead
# (docs/architecture.md). Either way a crash report whose backtrace starts in crash().
t_int3() {
	local bp='#BP breakpoint$' gp='#GP general protection: interrupt vector 3 through the IDT'
	run "$PITH" run "$GUESTS/traps" int3
	want_status 139 && want_re "^pith: guest crashed: ($bp|$gp)" &&
		want_re '^  #0 0x[0-9a-f]+ crash\+0x' && want "middle+" "guest_main+" "rip "
}

t_syscall() {
	run "$PITH" run "$GUESTS/syscall"
	want_status 3 && want "hello through the syscall instruction" "syscall: ok"
}

t_abi_mismatch() {
	run "$PITH" run "$GUESTS/abi-mismatch"
	want_pith_error || return 1
	want "pith: $GUESTS/abi-mismatch was built for Pith ABI 99, this pith speaks ABI" \
		"rebuild it with this pith build" && want_absent "should never run"
}

# A static Linux program with a stand-in compat kernel, in a copy of pith's install layout.
t_compat_mini() {
	mkdir -p "$TMP/prefix/bin" "$TMP/prefix/lib/pith/lib"
	cp "$PITH" "$TMP/prefix/bin/pith"
	cp "$GUESTS/mini-compat-kernel" "$TMP/prefix/lib/pith/lib/compat-kernel.elf"
	run "$TMP/prefix/bin/pith" run "$GUESTS/linux-hello" x last-arg
	want_status 5 && want "hello from a static Linux program: 3 args, last last-arg, 2.50"
}

t_compat_too_small() {
	run "$PITH" run --mem 2M "$GUESTS/linux-hello"
	want_pith_error && want "pith: guest memory too small"
}

t_seccomp() {
	run "$PITH" run --selftest-seccomp "$GUESTS/hello"
	want_status sig31 || { WHY="expected death by SIGSYS: $WHY"; return 1; }
}

t_verbose() {
	run "$PITH" run --verbose "$GUESTS/hello"
	want_status 7 && want_seccomp_list && want_re '^pith: setup timings \(ms\): ' &&
		want_re '^pith: .*exit status 7$'
}

t_args_too_large() {
	local big
	big=$(head -c 120000 /dev/zero | tr '\0' x)
	run "$PITH" run "$GUESTS/hello" "$big" "$big" "$big" "$big" "$big"
	want_pith_error || return 1
	want_re "^pith: arguments and environment too large \([0-9]+ bytes; max [0-9]+\)"
}

t_missing_image() {
	run "$PITH" run "$TMP/no-such-image"
	want_pith_error && want_re "^pith: $TMP/no-such-image cannot be opened: "
}

t_no_kvm() {
	run unshare -m sh -c "mount -t tmpfs none /dev && exec \"$PITH\" run \"$GUESTS/hello\""
	want_pith_error && want "pith: /dev/kvm not found; this machine needs KVM"
}

# Deterministic whatever the host's /dev/kvm mode: in a private mount namespace a root-only
# (0600) node for the KVM device is bound over /dev/kvm, then pith runs as nobody.
t_kvm_denied() {
	local node=$TMP/kvm-0600
	rm -f "$node"
	# shellcheck disable=SC2016  # expanded by the inner sh
	run unshare -m sh -c 'mknod -m 0600 "$1" c 10 232 && mount --bind "$1" /dev/kvm &&
		exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$2" run "$3"' \
		sh "$node" "$PITH" "$GUESTS/hello"
	want_pith_error && want "pith: no permission to open /dev/kvm; add yourself to the kvm"
}

# ---- fuzz: whatever the guest does, the monitor ends it cleanly --------------------------------

FUZZ_RUNS=${FUZZ_RUNS:-350}
FUZZ_SEED=${FUZZ_SEED:-1}

# A line of a crash or panic report after its headline (vmm/crash.c): #PF details, registers,
# code bytes, the backtrace. Anything else (e.g. "(at CPL0, in a monitor stub: a monitor bug)",
# "(registers unavailable)") breaks the rules. Plain EREs: awk reads them from the environment.
FUZZ_HEX='0x[0-9a-f]+' FUZZ_REG='[a-z0-9]+ +[0-9a-f]+'
FUZZ_SYM="[A-Za-z_.][A-Za-z0-9_.]*[+](0|$FUZZ_HEX)"
FUZZ_BODY_RE="^(  (read|write|instruction fetch) at address $FUZZ_HEX [(]error code (0|$FUZZ_HEX)"
FUZZ_BODY_RE="$FUZZ_BODY_RE[)]|  $FUZZ_REG  $FUZZ_REG  $FUZZ_REG|  code at rip:( [0-9a-f][0-9a-f])+"
FUZZ_BODY_RE="$FUZZ_BODY_RE|backtrace:|  #[0-9]+ $FUZZ_HEX ([?][?]|$FUZZ_SYM)"
FUZZ_BODY_RE="$FUZZ_BODY_RE|  [.][.][.] the frame above [0-9]+ more times?)\$"
export FUZZ_BODY_RE

# Reads a run's non-empty stderr; prints "ok KIND" (error, crashed, panic) if it is one report:
# a headline, then only report lines (for a panic, from the register dump on: the message
# before it is guest memory, printed as it is). Else "bad WHY".
# shellcheck disable=SC2016  # awk's own $0
FUZZ_AWK='
function fail(why) { if (bad == "") bad = why }
NR == 1 && /^pith: guest error: .*; guest stopped$/ { kind = "error" }
NR == 1 && /^pith: guest crashed: / { kind = "crashed" }
NR == 1 && /^pith: guest panic: / { kind = "panic"; from = 0 }
NR == 1 && kind == "" { fail("stderr does not start with a report headline: " $0) }
/pith: internal|Sanitizer|runtime error: |monitor bug/ { fail("stderr says: " $0) }
NR > 1 { line[NR] = $0 }
NR > 1 && kind == "panic" && /^  rip [0-9a-f]+  rsp / { from = NR }
END {
	if (kind == "error" && NR > 1)
		fail("more lines after a guest error: " line[2])
	if (kind == "panic" && !from)
		fail("a panic report without registers")
	for (i = kind == "panic" ? from : 2; kind != "error" && i <= NR; i++)
		if (line[i] !~ ENVIRON["FUZZ_BODY_RE"])
			fail("unexpected line in the report: " line[i])
	print bad == "" ? "ok " kind : "bad " bad
}'

# The last run ended as the monitor must end any guest: an exit, no signal, no hang; the guest's
# own status (never 125 or 139: tests/guests/fuzz.c avoids them) and nothing on stderr, or 139
# after exactly one report. Sets FUZZ_KIND: exit, error, crashed or panic.
fuzz__verdict() {
	local verdict
	FUZZ_KIND='exit'
	case $STATUS in
	timeout) WHY="pith did not finish within 5 s"; return 1 ;;
	sig* | unknown) WHY="pith was killed ($STATUS)$(snippet)"; return 1 ;;
	125) WHY="status 125 after the guest booted$(snippet)"; return 1 ;;
	esac
	if [ ! -s "$ERR" ]; then
		[ "$STATUS" != 139 ] && return 0
		WHY="status 139 without a report"
		return 1
	fi
	verdict=$(awk "$FUZZ_AWK" "$ERR")
	FUZZ_KIND=${verdict#ok }
	case $STATUS/$verdict in
	139/ok\ *) return 0 ;;
	*/ok\ *) WHY="status $STATUS after a report$(snippet)" ;;
	*) WHY="status $STATUS; ${verdict#bad }" ;;
	esac
	return 1
}

# "crashed x 268, exit x 80": an associative array's keys and values, most frequent first.
fuzz__counts() {
	local -n counts=$1
	local k
	for k in "${!counts[@]}"; do
		echo "${counts[$k]} $k"
	done | sort -k1,1nr -k2 | awk '{ printf "%s%s x %s", (NR > 1 ? ", " : ""), $2, $1 }'
}

t_fuzz() {
	local seed mem t0 ms runs=0 failed=0 first="" own=0
	local -a mems=(2M 4G 64M 64M 64M 64M 64M 64M) # guest RAM: smallest, largest, default
	local -A kind=() owns=()
	t0=$EPOCHREALTIME
	for ((seed = FUZZ_SEED; seed < FUZZ_SEED + FUZZ_RUNS; seed++)); do
		mem=${mems[seed % 8]}
		runs=$((runs + 1))
		run --timeout 5 "$PITH" run --mem "$mem" "$GUESTS/fuzz" "$seed"
		WHY=""
		if fuzz__verdict; then
			kind[$FUZZ_KIND]=$((${kind[$FUZZ_KIND]:-0} + 1))
			[ "$FUZZ_KIND" = exit ] && own=$((own + 1)) && owns[$STATUS]=1
			continue
		fi
		failed=$((failed + 1))
		echo "# fuzz: seed $seed (--mem $mem): $WHY"
		first=${first:-"seed $seed: $WHY (pith run --mem $mem $GUESTS/fuzz $seed -v)"}
		[ "$failed" -lt 10 ] || { echo "# fuzz: stopped after 10 failed runs"; break; }
	done
	ms=$(((${EPOCHREALTIME//[.,]/} - ${t0//[.,]/}) / 1000))
	echo "# fuzz: $runs runs (seeds $FUZZ_SEED..$((FUZZ_SEED + runs - 1))) in $ms ms:" \
		"139 x $((runs - failed - own)), the guest's own status x $own" \
		"(${#owns[@]} distinct values)"
	echo "# fuzz: endings: $(fuzz__counts kind)"
	[ "$failed" -eq 0 ] && return 0
	WHY="$failed of $runs runs broke the rules; first: $first"
	return 1
}

# ---- the NIC: tests/guests/netdev.c on a tap in a network namespace of its own ----------------

NETNS=""
# A namespace with a persistent tap pt0 (10.77.0.1/24, up) for the guest (10.77.0.2); removed at
# exit, also on failure. Sets NETNS; returns non-zero with WHY set if it cannot be made.
net__ns() {
	[ -n "$NETNS" ] && return 0
	NETNS=pith-guests-$$
	trap 'ip netns del "$NETNS" 2>/dev/null; rm -rf "$TMP"' EXIT
	if ! { ip netns add "$NETNS" && ip -n "$NETNS" tuntap add dev pt0 mode tap vnet_hdr &&
		ip -n "$NETNS" addr add 10.77.0.1/24 dev pt0 && ip -n "$NETNS" link set pt0 up; } \
		>"$TMP/netns.log" 2>&1; then
		WHY="cannot create a network namespace with a tap: $(tr '\n' ' ' <"$TMP/netns.log")"
		return 1
	fi
}

# net_run ARGS...: pith run --stats --net tap:pt0 ARGS inside the namespace.
net_run() {
	net__ns || return 1
	run ip netns exec "$NETNS" "$PITH" run --stats --net tap:pt0 "$@"
}

# stat NAME: the value of "pith: stats: NAME N" in the last run's stderr.
stat() {
	awk -v n="$1" '$1 == "pith:" && $2 == "stats:" && $3 == n { print $4 }' "$ERR"
}

t_net_no_nic() {
	run "$PITH" run "$GUESTS/netdev" nonic
	want_status 0 && want "netdev: no NIC: -ENODEV"
}

t_net_kick_before_setup() {
	run "$PITH" run "$GUESTS/netdev" kick
	want_status 139 && want_re "^pith: guest error: port I/O to the NIC's doorbell 0x510 before the NIC was set up \(PITH_HC_NET_SETUP\); guest stopped$"
}

t_net_bad_rings() {
	net_run "$GUESTS/netdev" badring
	want_status 0 && want "netdev: bad rings refused" && want "pith: stats: vm_exits_hc_net_setup 9"
}

# ARP and three ICMP echoes with the host's stack; the doorbell never exits to the monitor.
t_net_ping() {
	net_run "$GUESTS/netdev" ping
	want_status 0 && want "netdev: ping ok" || return 1
	[ "$(stat net_rx_frames)" -ge 4 ] && [ "$(stat net_tx_frames)" -ge 4 ] &&
		[ "$(stat vm_exits_other_port)" = 0 ] && return 0
	WHY="unexpected counters: $(grep 'stats: ' "$ERR" | tr '\n' ' ')"
	return 1
}

t_net_hostile_desc() {
	net_run "$GUESTS/netdev" hostile
	want_status 0 && want "netdev: ping ok" "pith: stats: net_drop_tx_bad_desc 6"
}

t_net_far_head() {
	net_run "$GUESTS/netdev" farhead
	want_status 0 && want "netdev: far-head done" &&
		want "pith: guest error: the NIC's transmit ring's head 1000 is 1000 slots past its tail 0 (at most 256); the NIC stopped"
}

t_net_verbose() {
	net_run --verbose "$GUESTS/netdev" ping
	want_status 0 && want_seccomp_list &&
		want "pith: seccomp allow-list of the NIC's I/O thread" "KVM_IOEVENTFD"
}

t_net_tap_denied() {
	net__ns || return 1
	# root without CAP_NET_ADMIN (nobody could not open /dev/kvm)
	run ip netns exec "$NETNS" setpriv --bounding-set=-net_admin \
		"$PITH" run --net tap:pt9 "$GUESTS/netdev" ping
	want_pith_error && want "pith: cannot open tap device pt9: Operation not permitted; run as root or give CAP_NET_ADMIN"
}

# pt0 held by another program (perl, through TUNSETIFF with IFF_TAP|IFF_NO_PI|IFF_VNET_HDR).
t_net_tap_busy() {
	net__ns || return 1
	# shellcheck disable=SC2016  # perl's own variables
	run ip netns exec "$NETNS" perl -e 'open(my $t, "+<", "/dev/net/tun") or die "tun: $!";
		my $r = pack("a16s", "pt0", 0x5002); ioctl($t, 0x400454ca, $r) or die "TUNSETIFF: $!";
		system(@ARGV); exit($? >> 8)' "$PITH" run --net tap:pt0 "$GUESTS/netdev" ping
	want_pith_error && want "pith: tap device pt0 is in use by another program"
}

# Frames/s the I/O thread moves guest -> tap (printed as a comment); a ring's worth of frames
# per kick at most, and no exit per frame.
t_net_flood() {
	local n=100000
	net_run "$GUESTS/netdev" flood "$n"
	want_status 0 && want "netdev: flood $n frames" || return 1
	echo "# net-flood: $(grep -h 'netdev: flood' "$OUT"); vm_exits $(stat vm_exits)," \
		"kicks $(stat net_kicks)"
	[ "$(stat net_tx_frames)" = "$n" ] && [ "$(stat vm_exits)" -lt 50 ] && return 0
	WHY="tx_frames $(stat net_tx_frames) (want $n), vm_exits $(stat vm_exits) (want < 50)"
	return 1
}

# Doorbell writes are taken by the host kernel (ioeventfd): no VM exit each.
t_net_kicks() {
	net_run "$GUESTS/netdev" kicks 10000
	want_status 0 && want "netdev: 10000 kicks" || return 1
	echo "# net-kicks: $(grep -h 'netdev: 10000 kicks' "$OUT"); vm_exits $(stat vm_exits)," \
		"kicks seen by the I/O thread $(stat net_kicks)"
	# 10000 exits are the setup hypercalls timed for scale; the kicks add none
	[ "$(stat vm_exits)" -lt 10050 ] && [ "$(stat net_kicks)" -ge 1 ] && return 0
	WHY="vm_exits $(stat vm_exits) (want < 10050), net_kicks $(stat net_kicks) (want >= 1)"
	return 1
}

# t_protect_guard ACCESS MEM GUEST-ARGS...: the guest guards a heap page (PITH_HC_PROTECT) and
# touches it; the report must name a page fault at the address the guest printed.
t_protect_guard() {
	local access=$1 mem=$2 addr
	shift 2
	run "$PITH" run --stats --mem "$mem" "$GUESTS/protect" "$@"
	want_status 139 || return 1
	addr=$(sed -n 's/^protect: touching //p' "$OUT")
	[ -n "$addr" ] || { WHY="the guest did not say which address it touched"; return 1; }
	want "pith: guest crashed: #PF page fault" "$access at address $addr" \
		"mode_guard" && want_absent "protect: FAIL"
}

t_protect_mode() {
	run "$PITH" run "$GUESTS/protect" "$1"
	want_status 0 && want "protect: $1 ok" && want_absent "protect: FAIL"
}

t_protect_device() {
	run "$PITH" run "$GUESTS/protect" device
	want_status 139 && want_re '^pith: guest error: console hypercall with an invalid address' &&
		want_absent "protect: FAIL"
}

# Many calls in 2 MiB of RAM (a 256 KiB page-table pool): the pool is reset (memory slot
# re-created) and the final guard page still holds.
t_protect_pool_reset() {
	t_protect_guard write 2M many 200 || return 1
	echo "# protect-pool-reset: $(grep -E 'stats: (protect|pt_pool)' "$ERR" | tr '\n' ' ')"
	[ "$(stat pt_pool_resets)" -ge 1 ] 2>/dev/null && return 0
	WHY="pt_pool_resets '$(stat pt_pool_resets)' (want >= 1)"
	return 1
}

# --timeslice reaches the boot info; xsave_features is XCR0 (x87 and SSE at least, AVX if the
# host has it) and xsave_size covers it: 576 (legacy area + header) + 256 with AVX.
t_upcall_timeslice() {
	local f s
	run "$PITH" run --timeslice 2500us "$GUESTS/upcall" bootinfo
	want_status 0 && want "upcall: timeslice_ns 2500000" || return 1
	f=$(sed -n 's/^upcall: xsave_features //p' "$OUT")
	s=$(sed -n 's/^upcall: xsave_size //p' "$OUT")
	case "$f:$s" in
	3:576 | 7:832) return 0 ;;
	esac
	WHY="xsave_features '$f', xsave_size '$s'"
	return 1
}

t_hostile_upcall_stack() {
	run "$PITH" run "$GUESTS/upcall" stack
	want_status 139 &&
		want_re '^pith: guest crashed: stack overflow: no room for an upcall frame below rsp'
}

# upcall MODE TEXT...: the upcall guest (PITH_HC_SCHED_SETUP, PITH_HC_TIMER) exits 0 saying TEXT.
t_upcall() {
	local mode=$1
	shift
	run "$PITH" run --stats "$GUESTS/upcall" "$mode"
	want_status 0 && want "$@"
}

# With nothing armed, no timer exits at all: a one-thread guest pays nothing for preemption.
t_upcall_none() {
	t_upcall none "upcall: upcalls without a timer: 0" || return 1
	[ "$(stat upcalls_timer)" = 0 ] && [ "$(stat vm_exits_interrupt)" = 0 ] && return 0
	WHY="upcalls_timer '$(stat upcalls_timer)', interrupts '$(stat vm_exits_interrupt)'"
	return 1
}

t_upcall_timer() {
	t_upcall timer "upcall: 3 timer upcalls" "upcall: timer upcalls after the cancel: 0" ||
		return 1
	[ "$(stat upcalls_timer)" -ge 3 ] && [ "$(stat timer_arms)" -ge 3 ] && return 0
	WHY="upcalls_timer '$(stat upcalls_timer)', timer_arms '$(stat timer_arms)'"
	return 1
}

# upcall_signal MODE TEXT...: SIGTERM to `pith run` once the guest said it is ready.
t_upcall_signal() {
	local mode=$1
	shift
	run sh -c '"$1" run --stats "$2" "$3" >"$4" 2>&1 & p=$!
		i=0; until grep -q "upcall: ready" "$4" || [ $i -ge 200 ]; do sleep 0.05; i=$((i+1)); done
		kill -TERM $p; wait $p; s=$?; cat "$4"; exit $s' \
		sh "$PITH" "$GUESTS/upcall" "$mode" "$TMP/upcall-signal.out"
	want_status 0 && want "$@"
}

# ---- main ---------------------------------------------------------------------------------

require_kvm "these tests"
[ -x "$PITH" ] || abort "$PITH not built: build Pith first (make all)"

check hello t_hello
check hello-trace-flag t_hello_trace_flag
check hello-2M t_hello_small_memory
check hello-4G t_hello_big_memory
check console-past-ram t_hostile end \
	'^pith: guest error: console hypercall with an invalid address 0x[0-9a-f]+ \(len 16\); guest stopped$'
check console-wraps t_hostile wrap \
	'^pith: guest error: console hypercall with an invalid address 0xfffffffffffff000 \(len 8192\); guest stopped$'
check console-monitor-pages t_hostile monitor \
	'^pith: guest error: console hypercall with an invalid address 0x1000 \(len 16\); guest stopped$'
check struct-past-ram t_hostile struct \
	'^pith: guest error: console hypercall with an invalid address 0x[0-9a-f]+ \(len 24\); guest stopped$'
check console-bad-stream t_hostile stream 'guest error: console hypercall with stream 3'
check hypercall-1-byte t_hostile byte 'guest error: console hypercall with a 1-byte out'
check hypercall-in t_hostile in 'guest error: exit hypercall with a 4-byte in'
check port-not-hypercall t_hostile port 'guest error: port I/O to port 0x509, which is not a hypercall port'
check syscall-port-in t_hostile syscallport-in 'guest error: port I/O to port 0x60, which is not a hypercall port'
check trap-port-closed t_hostile trapport '^pith: guest crashed: #GP general protection'
check cli-iopl0 t_hostile cli '^pith: guest crashed: #GP general protection'
check panic-bad-pointer t_hostile panic-bad 'guest error: panic hypercall with an invalid address'
check panic t_panic
check wait t_wait
check null-deref t_trap null "#PF page fault: NULL pointer dereference" \
	"read at address 0x0000000000000000" "#0 0x" "deref+0" "middle+"
check write-rodata t_trap write-rodata "write to read-only memory (code or rodata)"
check write-text t_trap write-text "write to read-only memory (code or rodata)"
check exec-data t_trap exec-data "executed non-executable memory" "instruction fetch"
check stack-overflow t_trap stack-overflow "stack overflow into the guard page" "recurse+" \
	"more times" "middle+"
check ud2 t_trap ud2 "#UD invalid opcode"
check int3 t_int3
check outside-ram t_trap unmapped "address outside guest memory"
check syscall-instruction t_syscall
check protect-guard-read t_protect_guard read 64M guard
check protect-guard-write t_protect_guard write 64M guard-write
check protect-unprotect t_protect_mode cycle
check protect-hostile t_protect_mode hostile
check protect-device-read t_protect_device
check protect-pool-reset t_protect_pool_reset
check abi-mismatch t_abi_mismatch
check compat-mini-kernel t_compat_mini
check compat-memory-too-small t_compat_too_small
check seccomp-sigsys t_seccomp
check verbose t_verbose
check args-too-large t_args_too_large
check missing-image t_missing_image
check no-kvm t_no_kvm
check kvm-permission-denied t_kvm_denied
check net-no-nic t_net_no_nic
check net-kick-before-setup t_net_kick_before_setup
check net-bad-rings t_net_bad_rings
check net-ping t_net_ping
check net-hostile-descriptors t_net_hostile_desc
check net-far-head t_net_far_head
check net-verbose t_net_verbose
check net-tap-denied t_net_tap_denied
check net-tap-busy t_net_tap_busy
check net-flood t_net_flood
check net-kicks t_net_kicks
check upcall-bootinfo-default t_upcall bootinfo "upcall: timeslice_ns 10000000"
check upcall-bootinfo-timeslice t_upcall_timeslice
check upcall-timer-before-setup t_upcall timer-before-setup "upcall: timer before setup: -22"
check upcall-none t_upcall_none
check upcall-timer t_upcall_timer
check upcall-masked t_upcall masked "upcall: upcalls while masked: 0" "upcall: pending: 1" \
	"pith: stats: upcalls_deferred 1"
check upcall-fault t_upcall fault "upcall: fault vector 6" "upcall: fault vector 14" \
	"upcall: fault cr2 0" "upcall: fault error 4" "upcall: faults 2"
check upcall-stack-overflow t_hostile_upcall_stack
check upcall-signal t_upcall_signal signal "upcall: host signals 16384" \
	"pith: stats: upcalls_signal 1"
check upcall-wait-signal t_upcall_signal wait-signal "upcall: waited ms < 5000: 1" \
	"upcall: pending: 2" "upcall: host signals 16384"
check fuzz t_fuzz
finish
