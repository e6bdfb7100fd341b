#!/usr/bin/env bash
# Attack-surface benchmark: what a guest (or a contained process) can reach on the host, counted.
#
# Usage: bench/surface.sh          (about 5 s; no arguments)
# Environment: PITH (default build/bin/pith), PITH_RESULTS (default build/bench/results),
# SURFACE_PORT (default 18990: a free host port for httpd's -p), LINUX_KERNEL (a Linux kernel
# image to size for the Linux VM path; default: the newest /boot/vmlinuz-* or a vmlinuz under
# build/bench), SECCOMP_PROFILE (a container engine's seccomp profile JSON; default: the first of
# /usr/share/containers/seccomp.json, /etc/containers/seccomp.json that exists).
# Needs: a built tree (make all examples: build/bin/pith, build/hello.pith, build/httpd.pith),
# /dev/kvm, gcc, perl (JSON::PP), curl, passt; cloc if present (else a small counter below);
# crun and qemu-system-x86 for their columns (make bench-deps installs them).
#
# Every figure is computed in this run, none is typed:
#  - hypercalls: a C program generated from include/pith/abi.h (every `#define PITH_HC_<X>
#    (PITH_HC_PORT_BASE + n)` and every `PITH_<X>_KICK_PORT`) is compiled and prints
#    PITH_HC_COUNT, each hypercall port and each doorbell port; the script checks that the count
#    and the number of port definitions agree.
#  - host syscalls the monitor allows: `pith run --verbose` prints each seccomp allow-list as it
#    installs it; run on build/hello.pith and on build/httpd.pith with -p (passt networking: the
#    NIC's I/O thread gets its own filter), httpd stopped with SIGTERM after it answered curl.
#    Distinct system call names are counted per filter and over the whole monitor process.
#    Also counted from vmm/seccomp.c: every system call named in a filter table or rule (this
#    includes the disk I/O thread's and the helper process's filters) and the KVM ioctls.
#  - lines of code (non-blank, non-comment; cloc): the monitor = vmm/ (all of it) + the parts of
#    cli/ that run in the `pith run` process (main.c, cli.h, run_*.[ch], paths.c, size.[ch]);
#    the guest kernel of an image = the components `pith inspect IMAGE` lists, as
#    kernel/<component>/ sources (core also kernel/arch/). musl is not counted in lines: its
#    linked code is reported in bytes instead.
#  - code size (text): .text + .init + .fini of build/*.pith (size -A). For the split by
#    origin each image is relinked in a temporary folder with `pith build ... -Wl,-Map=FILE`
#    (same source and options as examples/build.mk; a note says so if the file size differs
#    from build/*.pith) and the map's input sections of those output sections are summed per
#    origin: kernel (libpith-*.a), musl (libc.a, crt*.o), libgcc + padding, the program.
#  - the other paths: a process and a crun container (`crun spec`'s default config has no
#    seccomp section) can reach every x86_64 system call in the kernel headers' unistd_64.h;
#    with a container engine's profile, the calls it allows unconditionally are counted; QEMU
#    without -sandbox installs no filter, so all of them too. Sizes: crun's and QEMU's binaries
#    and shared libraries, the Linux kernel image if one is found.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
PITH=${PITH:-$ROOT/build/bin/pith}
RESULTS=${PITH_RESULTS:-$ROOT/build/bench/results}
PORT=${SURFACE_PORT:-18990}
UNISTD=/usr/include/x86_64-linux-gnu/asm/unistd_64.h
HTTPD_PID=
declare -A COMPONENTS

die() {
	echo "surface.sh: $*" >&2
	exit 1
}

cleanup() {
	if [ -n "$HTTPD_PID" ]; then
		kill -KILL "$HTTPD_PID" 2>/dev/null || true
		wait "$HTTPD_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pith-surface.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT TERM
TSV=$TMP/surface.tsv
NOTES=$TMP/notes
: >"$TSV"
: >"$NOTES"

# fig METRIC SUBJECT N VALUE UNIT: one row of surface.tsv.
fig() {
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$TSV"
}

# val METRIC SUBJECT: a figure recorded above, or "-".
val() {
	awk -F'\t' -v m="$1" -v s="$2" '$1 == m && $2 == s { v = $4 } END { print v == "" ? "-" : v }' \
		"$TSV"
}

note() {
	echo "$*" >>"$NOTES"
}

kib_of() {
	awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'
}

preconditions() {
	[ -x "$PITH" ] || die "$PITH not found: make all"
	local f
	for f in build/hello.pith build/httpd.pith; do
		[ -f "$f" ] || die "$f not found: make examples"
	done
	{ [ -c /dev/kvm ] && (exec 9<>/dev/kvm); } 2>/dev/null || die "/dev/kvm is absent or cannot be opened"
	[ -f "$UNISTD" ] || die "$UNISTD not found: apt-get install linux-libc-dev"
	command -v curl >/dev/null || die "curl not found: make bench-deps"
}

# ---- the hypercall ABI --------------------------------------------------------------------

# Writes $TMP/abi.c: prints the ABI's hypercall count, its hypercall and doorbell ports.
abi_program() {
	local hdr=include/pith/abi.h name
	{
		echo '#include <stdio.h>'
		echo '#include <pith/abi.h>'
		echo 'int main(void) {'
		printf '%s\n' 'printf("count %d\n", PITH_HC_COUNT);'
		for name in $(sed -nE 's/^#define (PITH_HC_[A-Z0-9_]+)[[:space:]]+\(PITH_HC_PORT_BASE.*/\1/p' "$hdr"); do
			printf 'printf("hypercall %%s 0x%%x\\n", "%s", (unsigned)%s);\n' "$name" "$name"
		done
		for name in $(sed -nE 's/^#define (PITH_[A-Z0-9_]+_KICK_PORT)[[:space:]].*/\1/p' "$hdr"); do
			printf 'printf("doorbell %%s 0x%%x\\n", "%s", (unsigned)%s);\n' "$name" "$name"
		done
		echo 'return 0; }'
	} >"$TMP/abi.c"
}

measure_abi() {
	local count nhc ndb ports
	abi_program
	gcc -std=c11 -Wall -Iinclude -o "$TMP/abi" "$TMP/abi.c" || die "cannot compile the ABI counter"
	"$TMP/abi" >"$TMP/abi.out"
	count=$(awk '$1 == "count" { print $2 }' "$TMP/abi.out")
	nhc=$(grep -c '^hypercall ' "$TMP/abi.out" || true)
	ndb=$(grep -c '^doorbell ' "$TMP/abi.out" || true)
	ports=$(awk '$1 != "count" { print $3 }' "$TMP/abi.out" | sort -u | wc -l)
	[ "$count" = "$nhc" ] ||
		note "- WARNING: PITH_HC_COUNT is $count but abi.h defines $nhc hypercall ports."
	[ "$ports" = $((nhc + ndb)) ] || note "- WARNING: some hypercall/doorbell ports coincide."
	fig hypercalls pith - "$count" count
	fig doorbells pith - "$ndb" count
	HC_LIST=$(awk '$1 == "hypercall" { sub(/^PITH_HC_/, "", $2); printf "%s%s", s, tolower($2); s = ", " }' "$TMP/abi.out")
	DB_LIST=$(awk '$1 == "doorbell" { printf "%s%s (%s)", s, $2, $3; s = ", " }' "$TMP/abi.out")
}

# ---- the monitor's seccomp filters ----------------------------------------------------------

# allow_list FILE: "filter<TAB>syscall" for each name in the allow-lists `pith run --verbose`
# printed into FILE (vcpu: the monitor's main filter; net-io, blk-io: the I/O threads').
allow_list() {
	awk '
		/seccomp allow-list/ {
			f = /NIC.s I\/O thread/ ? "net-io" : /disk I\/O thread/ ? "blk-io" : "vcpu"
			inlist = 1
			next
		}
		inlist && /^pith:   / {
			line = substr($0, 9)
			sub(/\(.*/, "", line)
			n = split(line, a, /, */)
			for (i = 1; i <= n; i++)
				print f "\t" a[i]
			next
		}
		{ inlist = 0 }
	' "$1" | sort -u
}

port_free() {
	! ss -Htln "sport = :$PORT" 2>/dev/null | grep -q .
}

# Runs httpd with networking and --verbose until it answered one request, then SIGTERM.
run_httpd_verbose() {
	local _ code=
	port_free || die "port $PORT is in use: set SURFACE_PORT to a free one"
	"$PITH" run --verbose -p "$PORT:80" build/httpd.pith >"$TMP/httpd.out" 2>"$TMP/httpd.err" &
	HTTPD_PID=$!
	for _ in $(seq 1 100); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$PORT/" ||
			true)
		[ "$code" = 200 ] && break
		kill -0 "$HTTPD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "$HTTPD_PID" 2>/dev/null || true
	wait "$HTTPD_PID" 2>/dev/null || true
	HTTPD_PID=
	[ "$code" = 200 ] || die "httpd did not answer on port $PORT: $(cat "$TMP/httpd.err")"
}

# From vmm/seccomp.c: the system calls named in a filter table or rule, one a line.
source_syscalls() {
	grep -E '\{SYS_|filter__emit_(call|block)\(' vmm/seccomp.c |
		grep -oE 'SYS_[a-z0-9_]+' | sed 's/^SYS_//' | sort -u
}

# joined FILE: the lines of FILE, comma separated.
joined() {
	paste -sd, "$1" | sed 's/,/, /g'
}

measure_seccomp() {
	"$PITH" run --verbose build/hello.pith >"$TMP/hello.out" 2>"$TMP/hello.err" ||
		die "pith run --verbose build/hello.pith failed: $(cat "$TMP/hello.err")"
	run_httpd_verbose
	allow_list "$TMP/hello.err" >"$TMP/hello.allow"
	allow_list "$TMP/httpd.err" >"$TMP/httpd.allow"
	cut -f2 "$TMP/hello.allow" | sort -u >"$TMP/hello.sys"
	cut -f2 "$TMP/httpd.allow" | sort -u >"$TMP/httpd.sys"
	awk -F'\t' '$1 == "vcpu" { print $2 }' "$TMP/httpd.allow" >"$TMP/httpd.vcpu"
	awk -F'\t' '$1 == "net-io" { print $2 }' "$TMP/httpd.allow" >"$TMP/httpd.netio"
	[ -s "$TMP/hello.sys" ] || die "pith run --verbose printed no seccomp allow-list"
	source_syscalls >"$TMP/source.sys"
	fig host_syscalls_allowed.hello pith - "$(wc -l <"$TMP/hello.sys")" syscalls
	fig host_syscalls_allowed.httpd pith - "$(wc -l <"$TMP/httpd.sys")" syscalls
	fig host_syscalls_allowed.httpd_vcpu pith - "$(wc -l <"$TMP/httpd.vcpu")" syscalls
	fig host_syscalls_allowed.httpd_netio pith - "$(wc -l <"$TMP/httpd.netio")" syscalls
	fig host_syscalls_allowed pith - "$(sort -u "$TMP/hello.sys" "$TMP/httpd.sys" | wc -l)" syscalls
	fig host_syscalls_allowed_source pith - "$(wc -l <"$TMP/source.sys")" syscalls
	measure_ioctls
}

# The KVM ioctls the filters allow (vmm/seccomp.c's tables), and any the verbose lists omit.
measure_ioctls() {
	local missing
	grep -oE '\{KVM_[A-Z0-9_]+,' vmm/seccomp.c | tr -d '{,' | sort -u >"$TMP/source.ioctl"
	cat "$TMP/hello.err" "$TMP/httpd.err" | grep '^pith:   ' | grep -oE 'KVM_[A-Z0-9_]+' |
		sort -u >"$TMP/printed.ioctl"
	fig kvm_ioctls_allowed pith - "$(wc -l <"$TMP/source.ioctl")" ioctls
	missing=$(comm -23 "$TMP/source.ioctl" "$TMP/printed.ioctl" | paste -sd, -)
	[ -z "$missing" ] || note "- vmm/seccomp.c allows ioctl ${missing//,/, }" \
		"but \`pith run --verbose\` does not print it."
}

# ---- lines of code ------------------------------------------------------------------------

# count_loc FILE...: lines left after removing /* */ and // comments and blank lines (a plain
# counter for when cloc is absent; a "//" or "/*" inside a string literal fools it).
count_loc() {
	awk '
		function code(line,   out, i, j) {
			out = ""
			while (line != "") {
				if (incomment) {
					i = index(line, "*/")
					if (!i)
						return out
					line = substr(line, i + 2)
					incomment = 0
					continue
				}
				i = index(line, "/*")
				j = index(line, "//")
				if (j && (!i || j < i))
					return out substr(line, 1, j - 1)
				if (!i)
					return out line
				out = out substr(line, 1, i - 1) " "
				line = substr(line, i + 2)
				incomment = 1
			}
			return out
		}
		FNR == 1 { incomment = 0 }
		code($0) ~ /[^[:space:]]/ { n++ }
		END { print n + 0 }
	' "$@"
}

# loc FILE...: non-blank, non-comment lines of the files, with cloc when it is installed.
loc() {
	[ $# -gt 0 ] || {
		echo 0
		return
	}
	if [ "$LOC_TOOL" = cloc ]; then
		printf '%s\n' "$@" >"$TMP/loc.list"
		cloc --quiet --csv --list-file="$TMP/loc.list" |
			awk -F, 'NR > 1 && $2 != "SUM" && $5 ~ /^[0-9]+$/ { n += $5 } END { print n + 0 }'
	else
		count_loc "$@"
	fi
}

# The sources of the `pith run` process: the monitor and the CLI code that runs before it.
monitor_vmm_files() {
	ls vmm/*.[ch] vmm/x86_64/*.[ch] 2>/dev/null
}

monitor_cli_files() {
	ls cli/main.c cli/cli.h cli/run_*.[ch] cli/paths.c cli/size.[ch] 2>/dev/null
}

# The keeper of registered runs (-d, --name, --rm): a separate process, not counted above.
keeper_files() {
	ls cli/keeper.[ch] cli/instance.[ch] 2>/dev/null || true
}

# kernel_files COMPONENT...: the sources of those kernel components (core: also kernel/arch/).
kernel_files() {
	local c
	for c in "$@"; do
		ls kernel/"$c"/*.[chS] 2>/dev/null || true
		[ "$c" != core ] || find kernel/arch -type f -name '*.[chS]' | sort
	done
}

components_of() {
	"$PITH" inspect "$1" | sed -n 's/^components[[:space:]]*//p'
}

all_components() {
	find kernel -mindepth 1 -maxdepth 1 -type d ! -name arch -printf '%f\n' | sort
}

measure_loc() {
	local vmm cli img name comps
	LOC_TOOL=counter
	command -v cloc >/dev/null && LOC_TOOL=cloc
	# shellcheck disable=SC2046  # one file name a word
	vmm=$(loc $(monitor_vmm_files))
	# shellcheck disable=SC2046
	cli=$(loc $(monitor_cli_files))
	fig monitor_loc pith - $((vmm + cli)) lines
	fig monitor_loc.vmm pith - "$vmm" lines
	fig monitor_loc.cli pith - "$cli" lines
	# shellcheck disable=SC2046
	[ -z "$(keeper_files)" ] || fig keeper_loc pith - "$(loc $(keeper_files))" lines
	for name in hello httpd; do
		img=build/$name.pith
		comps=$(components_of "$img")
		[ -n "$comps" ] || die "pith inspect $img lists no components"
		COMPONENTS[$name]=$comps
		# shellcheck disable=SC2046,SC2086
		fig "guest_kernel_loc_$name" pith - "$(loc $(kernel_files $comps))" lines
	done
	# shellcheck disable=SC2046
	fig guest_kernel_loc_all pith - "$(loc $(kernel_files $(all_components)))" lines
	MONITOR_CLI_LIST=$(monitor_cli_files | paste -sd' ' -)
}

# ---- code size by origin ------------------------------------------------------------------

# text_by_origin MAP: "origin bytes" of the code (.text, .init, .fini input sections) in a GNU ld
# map file; origin = app, musl, libgcc, kernel:<component> (and "fill" for alignment padding).
text_by_origin() {
	awk '
		function hex(s,   n, i, c) {
			n = 0
			s = tolower(substr(s, 3))
			for (i = 1; i <= length(s); i++) {
				c = index("0123456789abcdef", substr(s, i, 1)) - 1
				n = n * 16 + c
			}
			return n
		}
		function origin(f) {
			if (match(f, /libpith-[a-z0-9_]+\.a/))
				return "kernel:" substr(f, RSTART + 8, RLENGTH - 10)
			if (f ~ /lib\/pith\/lib\/(libc\.a|[a-z]*crt[1in]\.o)/)
				return "musl"
			if (f ~ /libgcc/)
				return "libgcc"
			return "app"
		}
		/^Linker script and memory map/ { m = 1; next }
		!m { next }
		/^[^ ]/ { code = ($1 ~ /^\.(text|init|fini)$/); pending = 0; next }
		!code { next }
		$1 == "*fill*" { sum["fill"] += hex($3); next }
		$1 ~ /^\./ && NF == 1 { pending = 1; next }
		$1 ~ /^\./ && NF >= 4 && $2 ~ /^0x/ && $3 ~ /^0x/ { sum[origin($4)] += hex($3); next }
		pending && NF >= 3 && $1 ~ /^0x/ && $2 ~ /^0x/ { sum[origin($3)] += hex($2) }
		{ pending = 0 }
		END { for (o in sum) if (sum[o]) print o, sum[o] }
	' "$1" | sort
}

# relink NAME SOURCE: build/NAME.pith again with a link map, into $TMP/NAME.{pith,map}.
relink() {
	"$PITH" build -o "$TMP/$1.pith" "-Wl,-Map=$TMP/$1.map" "$2" >"$TMP/$1.build.log" 2>&1 ||
		die "pith build of $2 failed: $(cat "$TMP/$1.build.log")"
	[ "$(stat -c %s "$TMP/$1.pith")" = "$(stat -c %s "build/$1.pith")" ] ||
		note "- the relinked $1 image differs in size from build/$1.pith (stale build?)."
}

# sum_origin FILE PATTERN: the bytes of the origins matching PATTERN (an awk regex).
sum_origin() {
	awk -v p="$2" '$1 ~ p { n += $2 } END { print n + 0 }' "$1"
}

measure_text() {
	local name src t
	for name in hello httpd; do
		src=examples/$name/$name.c
		relink "$name" "$src"
		text_by_origin "$TMP/$name.map" >"$TMP/$name.origin"
		t=$(size -A "build/$name.pith" | awk '$1 ~ /^\.(text|init|fini)$/ { n += $2 } END { print n + 0 }')
		fig "$name.text_kib" pith - "$(kib_of "$t")" KiB
		fig "$name.kernel_text_kib" pith - "$(kib_of "$(sum_origin "$TMP/$name.origin" '^kernel:')")" KiB
		fig "$name.musl_text_kib" pith - "$(kib_of "$(sum_origin "$TMP/$name.origin" '^musl$')")" KiB
		fig "$name.app_text_kib" pith - "$(kib_of "$(sum_origin "$TMP/$name.origin" '^app$')")" KiB
		fig "$name.other_text_kib" pith - "$(kib_of "$(sum_origin "$TMP/$name.origin" '^(libgcc|fill)$')")" KiB
		fig "$name.size_kib" pith - "$(kib_of "$(stat -c %s "build/$name.pith")")" KiB
	done
}

# ---- the other paths: a process, a crun container, a Linux VM under QEMU --------------------

host_syscalls() {
	sed -nE 's/^#define __NR_([a-z0-9_]+)[[:space:]]+[0-9]+.*/\1/p' "$UNISTD" | sort -u
}

# reachable JSON: the host system calls (of $TMP/host.sys) a seccomp section allows, one a line.
# JSON is an OCI config.json (linux.seccomp; none = every call) or an engine's profile (Docker
# and containers-common format). A call counts when some rule allows it without needing an added
# capability (includes.caps) on x86_64; rules with argument conditions count (allowed for some
# arguments). With an allowing default action, every call no unconditional rule denies.
reachable() {
	perl -MJSON::PP -e '
		my ($json, $hostlist) = @ARGV;
		local $/;
		open(my $f, "<", $json) or die "$json: $!\n";
		my $d = decode_json(<$f>);
		open(my $h, "<", $hostlist) or die "$hostlist: $!\n";
		my @host = split /\n/, <$h>;
		my $s = exists $d->{ociVersion} ? $d->{linux}{seccomp} : $d;
		if (!$s) { print "$_\n" for @host; exit 0 }
		my $allow = sub { $_[0] =~ /^SCMP_ACT_(ALLOW|LOG)$/ };
		my (%ok, %deny);
		for my $r (@{$s->{syscalls} || []}) {
			my @names = @{$r->{names} || [$r->{name} // ()]};
			my $inc = $r->{includes} || {};
			next if $inc->{caps} && @{$inc->{caps}};
			next if $inc->{arches} && !grep { /^(amd64|x86_64)$/ } @{$inc->{arches}};
			if ($allow->($r->{action})) { $ok{$_} = 1 for @names }
			elsif (!$r->{args} || !@{$r->{args}}) { $deny{$_} = 1 for @names }
		}
		for (@host) {
			print "$_\n" if $allow->($s->{defaultAction}) ? !$deny{$_} : $ok{$_};
		}
	' "$1" "$TMP/host.sys"
}

# binary_figs SUBJECT PATH: the binary's size and its shared libraries' (ldd) number and size.
binary_figs() {
	local libs
	fig runtime_binary_kib "$1" - "$(kib_of "$(stat -L -c %s "$2")")" KiB
	libs=$(ldd "$2" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
		sort -u)
	fig runtime_libs "$1" - "$(printf '%s' "$libs" | grep -c . || true)" count
	fig runtime_libs_kib "$1" - "$(kib_of "$(printf '%s\n' "$libs" | grep . |
		xargs -r stat -L -c %s | awk '{ n += $1 } END { print n + 0 }')")" KiB
}

measure_crun() {
	local profile=${SECCOMP_PROFILE:-}
	if ! command -v crun >/dev/null; then
		note "- crun is not installed: no container figures (make bench-deps)."
		return 0
	fi
	mkdir "$TMP/spec"
	(cd "$TMP/spec" && crun spec) || die "crun spec failed"
	fig host_syscalls_reachable crun - "$(reachable "$TMP/spec/config.json" | wc -l)" syscalls
	binary_figs crun "$(command -v crun)"
	CRUN_VERSION=$(crun --version | head -1)
	if [ -z "$profile" ]; then
		for profile in /usr/share/containers/seccomp.json /etc/containers/seccomp.json ""; do
			[ -z "$profile" ] || [ -f "$profile" ] && break
		done
	fi
	PROFILE=$profile
	[ -z "$profile" ] ||
		fig host_syscalls_reachable.profile crun - "$(reachable "$profile" | wc -l)" syscalls
}

linux_kernel() {
	local k=${LINUX_KERNEL:-}
	[ -n "$k" ] || k=$(ls -t /boot/vmlinuz-* 2>/dev/null | head -1 || true)
	[ -n "$k" ] || k=$(find build/bench -name 'vmlinuz*' -type f 2>/dev/null | head -1 || true)
	echo "$k"
}

measure_linuxvm() {
	local qemu kernel
	qemu=$(command -v qemu-system-x86_64 || true)
	if [ -n "$qemu" ]; then
		# QEMU installs a seccomp filter only with -sandbox on: by default, every call.
		fig host_syscalls_reachable linuxvm - "$(wc -l <"$TMP/host.sys")" syscalls
		binary_figs linuxvm "$qemu"
		QEMU_VERSION=$("$qemu" --version | head -1)
	else
		note "- qemu-system-x86_64 is not installed: no Linux VM figures (make bench-deps)."
	fi
	kernel=$(linux_kernel)
	LINUX_KERNEL_USED=$kernel
	[ -z "$kernel" ] || fig linux_kernel_kib linuxvm - "$(kib_of "$(stat -L -c %s "$kernel")")" KiB
}

measure_others() {
	host_syscalls >"$TMP/host.sys"
	fig host_syscalls_reachable native - "$(wc -l <"$TMP/host.sys")" syscalls
	fig runtime_binary_kib pith - "$(kib_of "$(stat -c %s "$PITH")")" KiB
	measure_crun
	measure_linuxvm
}

# ---- the report -----------------------------------------------------------------------------

row() {
	local c out="|"
	for c in "$@"; do
		out="$out $c |"
	done
	echo "$out"
}

# v METRIC SUBJECT [SUFFIX]: a figure with a unit suffix, or "-" when it was not measured.
v() {
	local x
	x=$(val "$1" "$2")
	if [ "$x" = - ]; then echo "-"; else echo "$x${3:-}"; fi
}

machine() {
	echo "Machine: $(uname -srm), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
		"$(nproc) cores; Pith $(git describe --always --dirty 2>/dev/null || echo '?');" \
		"$(date -u '+%Y-%m-%d %H:%M UTC'). Command: \`bench/surface.sh\`."
}

comparison_table() {
	local all
	all=$(val host_syscalls_reachable native)
	row "measure" "Pith hello" "Pith httpd" "native process" "crun container" "Linux VM (QEMU)"
	row "---" "---:" "---:" "---:" "---:" "---:"
	row "guest -> host calls" "$(v hypercalls pith) hypercalls + $(v doorbells pith) doorbells" \
		"same ABI" "$all syscalls" "$all syscalls" "virtual devices (not counted)"
	row "host syscalls reachable if the workload takes over its host process" \
		"$(v host_syscalls_allowed.hello pith)" "$(v host_syscalls_allowed.httpd pith)" \
		"$(v host_syscalls_reachable native)" "$(v host_syscalls_reachable crun)" \
		"$(v host_syscalls_reachable linuxvm)"
	row "monitor / runtime source (lines of code)" "$(v monitor_loc pith)" "$(v monitor_loc pith)" \
		"-" "not measured (binary only)" "not measured (binary only)"
	row "monitor / runtime binary" "$(v runtime_binary_kib pith ' KiB') (static)" "same" "-" \
		"$(v runtime_binary_kib crun ' KiB') + $(v runtime_libs crun) libs ($(v runtime_libs_kib crun ' KiB'))" \
		"$(v runtime_binary_kib linuxvm ' KiB') + $(v runtime_libs linuxvm) libs ($(v runtime_libs_kib linuxvm ' KiB'))"
	row "guest kernel (lines of code)" "$(v guest_kernel_loc_hello pith)" \
		"$(v guest_kernel_loc_httpd pith)" "the host's Linux" "the host's Linux" \
		"Linux: $(v linux_kernel_kib linuxvm ' KiB image' | sed 's/^-$/image not found/')"
	row "image code (text)" "$(v hello.text_kib pith ' KiB')" "$(v httpd.text_kib pith ' KiB')" \
		"-" "-" "-"
}

detail_table() {
	local name
	row "image" "components (guest kernel)" "kernel LOC" "text: kernel" "text: musl" \
		"text: program" "text: libgcc + padding" "text total" "file"
	row "---" "---" "---:" "---:" "---:" "---:" "---:" "---:" "---:"
	for name in hello httpd; do
		row "build/$name.pith" "${COMPONENTS[$name]}" "$(v "guest_kernel_loc_$name" pith)" \
			"$(v "$name.kernel_text_kib" pith ' KiB')" "$(v "$name.musl_text_kib" pith ' KiB')" \
			"$(v "$name.app_text_kib" pith ' KiB')" "$(v "$name.other_text_kib" pith ' KiB')" \
			"$(v "$name.text_kib" pith ' KiB')" "$(v "$name.size_kib" pith ' KiB')"
	done
}

how_measured() {
	echo "- Hypercalls: include/pith/abi.h compiled into a counter (PITH_HC_COUNT, checked against the"
	echo "  port definitions): $HC_LIST. Doorbells (ioeventfd, no exit): $DB_LIST."
	echo "- Host syscalls allowed: the allow-lists \`pith run --verbose\` prints, distinct names."
	echo "  hello (vCPU thread): $(joined "$TMP/hello.sys")."
	echo "  httpd with \`-p $PORT:80\`: vCPU thread $(joined "$TMP/httpd.vcpu"); NIC I/O thread" \
		"$(joined "$TMP/httpd.netio")."
	echo "  Every filter in vmm/seccomp.c (also the disk I/O thread's and the helper process's):" \
		"$(val host_syscalls_allowed_source pith) calls ($(joined "$TMP/source.sys")), and" \
		"$(val kvm_ioctls_allowed pith) KVM ioctls ($(joined "$TMP/source.ioctl"))."
	echo "  The monitor's setup before the filters go on, and passt (its own process and seccomp"
	echo "  filter) are not counted."
	echo "- Lines of code: $LOC_TOOL, non-blank non-comment. Monitor = vmm/ ($(val monitor_loc.vmm pith))"
	echo "  + the CLI code of the \`pith run\` process ($(val monitor_loc.cli pith): $MONITOR_CLI_LIST)."
	[ "$(val keeper_loc pith)" = - ] || echo "  Not counted: the keeper of registered runs" \
		"($(keeper_files | paste -sd' ' -), $(val keeper_loc pith) lines), a separate process."
	echo "  Guest kernel = the sources of the components \`pith inspect\` lists (core with kernel/arch/);"
	echo "  the linker drops unused functions, so this is an upper bound. musl is not counted in lines:"
	echo "  its linked code is in the text columns (from each image's link map). All components"
	echo "  (the compat kernel): $(val guest_kernel_loc_all pith) lines."
	echo "- Process, container, VM: $(val host_syscalls_reachable native) = every x86_64 system call"
	echo "  in $UNISTD. crun ($CRUN_VERSION): \`crun spec\`'s default config has"
	echo "  $([ "$(val host_syscalls_reachable crun)" = "$(val host_syscalls_reachable native)" ] &&
		echo "no seccomp section" || echo "a seccomp section") ($(val host_syscalls_reachable crun) reachable)."
	if [ -n "$PROFILE" ]; then
		echo "  With the engine profile $PROFILE: $(val host_syscalls_reachable.profile crun) allowed" \
			"without added capabilities."
	else
		echo "  No container engine seccomp profile (containers-common, docker) is installed here."
	fi
	echo "  QEMU ($QEMU_VERSION) installs a seccomp filter only with \`-sandbox on\`."
	echo "  Linux kernel image: ${LINUX_KERNEL_USED:-none found (set LINUX_KERNEL)}."
	cat "$NOTES"
}

report() {
	echo "### Attack surface"
	echo
	machine
	echo
	comparison_table
	echo
	detail_table
	echo
	how_measured
}

main() {
	CRUN_VERSION="not installed" QEMU_VERSION="not installed" PROFILE='' LINUX_KERNEL_USED=''
	preconditions
	measure_abi
	measure_seccomp
	measure_loc
	measure_text
	measure_others
	report >"$TMP/surface.md"
	cat "$TMP/surface.md"
	mkdir -p "$RESULTS"
	cp "$TSV" "$RESULTS/surface.tsv"
	cp "$TMP/surface.md" "$RESULTS/surface.md"
}

main "$@"
