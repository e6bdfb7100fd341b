# Linux VM and QEMU floor subjects for bench/compare.sh: Debian's kernel + a minimal initramfs
# under QEMU -M microvm, and a PVH guest that exits at once (sourced, not run).
#
# Interface (see bench/compare.sh):
#   linuxvm_prepare WORKDIR HELLO_BIN HTTPD_BIN WWW_DIR   builds everything, sets LINUXVM_KERNEL,
#                                   LINUXVM_KERNEL_VERSION, LINUXVM_ACCEL (tcg|kvm), LINUXVM_NOTE
#   linuxvm_hello_argv MEM_MIB      CMD=(qemu ...): boots hello as /init; its output on stdout
#                                   (lines end in CR LF: the serial tty); QEMU exits with status 0
#                                   when hello exits, and also when Linux panics before init (too
#                                   little memory): judge success by hello's output
#   linuxvm_httpd_argv MEM_MIB PORT CMD=(qemu ...): httpd on guest port 80, reachable on
#                                   127.0.0.1:PORT; runs until QEMU is killed
#   qemu_floor_argv [kvm]           CMD=(qemu ...): microvm running floor.elf, which exits at once
#                                   (QEMU's status is 1: isa-debug-exit reports (0 << 1) | 1)
#   linuxvm_sizes                   "kernel BYTES", "hello_initrd BYTES", "httpd_initrd BYTES"
# Also set by linuxvm_prepare: LINUXVM_KERNEL_END_MIB, the end of the kernel's loaded image in
# guest-physical memory (it is linked at 16 MiB): with less memory than that the guest cannot
# boot, and with PVH it hangs without output rather than exiting, so a search for the smallest
# working memory should start above it (and always run the VM under a timeout).
# Run the commands with stdin redirected (</dev/null): QEMU's serial console is on stdio.
#
# How the VM is built (details in the functions):
#  - Kernel: Debian's current linux-image-<ver>-amd64 from the apt archive (`apt-get download`,
#    cached in build/bench/cache/, never installed). Its vmlinuz is an xz-compressed bzImage;
#    under TCG the decompressor and the real-mode setup cost ~4.5 s before Linux prints anything,
#    so the VM boots the uncompressed vmlinux inside it directly through its PVH entry note
#    (CONFIG_PVH=y), the way microvm is meant to be used. LINUXVM_BOOT=bzimage boots the vmlinuz
#    instead. The kernel size reported is Debian's compressed vmlinuz, what is shipped (the
#    uncompressed vmlinux booted here is ~8x larger): the smaller figure, in the baseline's favour.
#  - virtio_mmio, virtio_net and their dependencies are modules in Debian's config (=m): the httpd
#    initramfs carries just those (resolved from each module's .modinfo "depends="), and a tiny
#    static init (bench/linuxvm/init.c) loads them with finit_module, configures eth0 and execs
#    httpd. microvm describes its virtio-mmio devices in ACPI (LNRO0005) since ACPI is on, which
#    Debian's virtio_mmio matches (its CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES is off). The 8250
#    serial console is built in.
#  - hello: the initramfs is hello as /init plus /dev/console. When init exits the kernel panics;
#    loglevel=0 keeps the panic off the console, panic=-1 reboot=t reboot at once by triple
#    fault, and -no-reboot turns the reboot into QEMU's exit.
#  - TCG: the kernel's TSC calibration against the PIT fails at random under TCG (the boot then
#    hangs); tsc_early_khz= gives it the host's TSC rate (TCG's rdtsc reads the host's TSC),
#    measured by bench/linuxvm/tsckhz.c. no_timer_check skips the IO-APIC timer check.
#  - Accelerator: KVM when a probe boot of hello under KVM prints hello's output within
#    LINUXVM_KVM_PROBE_S seconds (cached per kernel version), else TCG. LINUXVM_ACCEL=tcg|kvm
#    set beforehand skips the probe.

# QEMU's options are comma-separated lists (SC2054); LINUXVM_NOTE is for the caller (SC2034).
# shellcheck shell=bash disable=SC2054,SC2034
LINUXVM_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LINUXVM_SRC_DIR=$(cd "$LINUXVM_LIB_DIR/../linuxvm" && pwd)
LINUXVM_CACHE=${LINUXVM_CACHE:-$(cd "$LINUXVM_LIB_DIR/../.." && pwd)/build/bench/cache}
LINUXVM_QEMU=${LINUXVM_QEMU:-qemu-system-x86_64}
LINUXVM_BOOT=${LINUXVM_BOOT:-pvh}
LINUXVM_KVM_PROBE_S=${LINUXVM_KVM_PROBE_S:-15}
LINUXVM_FLOOR_MEM_MIB=${LINUXVM_FLOOR_MEM_MIB:-16}
# Modules the httpd VM needs, dependencies added by linuxvm__module_order.
LINUXVM_MODULES=(virtio_mmio virtio_net)

linuxvm__say() {
	echo "linuxvm: $*" >&2
}

linuxvm__die() {
	echo "linuxvm: $*" >&2
	return 1
}

# Every host tool the preparation uses, with the Debian package that provides it.
linuxvm__need_tools() {
	local pair tool pkg missing=""
	for pair in "$LINUXVM_QEMU:qemu-system-x86" cpio:cpio gzip:gzip xz:xz-utils \
		musl-gcc:musl-tools gcc:gcc ld:binutils readelf:binutils dpkg-deb:dpkg apt-get:apt \
		timeout:coreutils; do
		tool=${pair%%:*} pkg=${pair##*:}
		command -v "$tool" >/dev/null || missing="$missing $pkg"
	done
	[ -z "$missing" ] || linuxvm__die "missing tools: apt-get install -y$missing"
}

# The kernel ABI name the archive's linux-image-amd64 points at now, e.g. 6.1.0-56-amd64.
linuxvm__archive_version() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -n 1
}

# Newest kernel already in the cache (for machines whose apt lists cannot resolve it).
linuxvm__cached_version() {
	local d
	for d in "$LINUXVM_CACHE"/linux-*/.done; do
		[ -e "$d" ] || continue
		basename "$(dirname "$d")"
	done | sed 's/^linux-//' | sort -V | tail -n 1
}

# The cached .deb of linux-image-VER, if any.
linuxvm__cached_deb() {
	local deb
	for deb in "$LINUXVM_CACHE"/linux-image-"$1"_*_amd64.deb; do
		if [ -e "$deb" ]; then echo "$deb"; fi
	done | tail -n 1
}

# Downloads linux-image-VER's .deb into the cache unless it is there; prints its path.
linuxvm__download() {
	local ver=$1 deb
	deb=$(linuxvm__cached_deb "$ver")
	if [ -z "$deb" ]; then
		linuxvm__say "downloading linux-image-$ver (apt-get download)"
		(cd "$LINUXVM_CACHE" && apt-get download -q "linux-image-$ver" >/dev/null 2>&1) ||
			linuxvm__die "apt-get download linux-image-$ver failed (try apt-get update)" ||
			return 1
		deb=$(linuxvm__cached_deb "$ver")
	fi
	echo "$deb"
}

# Prints "NAME PATH" for the module NAME's .ko under the extracted tree (underscores and dashes
# are the same in module names).
linuxvm__module_index() {
	find "$1" -name '*.ko' |
		awk -F/ '{ n = $NF; sub(/\.ko$/, "", n); gsub("-", "_", n); print n, $0 }'
}

# The dependencies of the module file KO, from the "depends=" string in its .modinfo section.
linuxvm__module_deps() {
	tr '\0' '\n' <"$1" | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' '
}

# Prints the paths of MODULES and all their dependencies, each after its dependencies.
linuxvm__module_order() {
	local index=$1 name path dep
	shift
	for name in "$@"; do
		path=$(awk -v n="$name" '$1 == n { print $2; exit }' "$index")
		[ -n "$path" ] || continue # not a module: built into the kernel
		for dep in $(linuxvm__module_deps "$path"); do
			linuxvm__module_order "$index" "$dep"
		done
		echo "$path"
	done
}

# Copies the needed modules, in load order, to DEST/0.ko, 1.ko, ... (dependencies first).
linuxvm__copy_modules() {
	local tree=$1 dest=$2 index path i=0 seen=" "
	index=$dest.index
	linuxvm__module_index "$tree" >"$index"
	mkdir -p "$dest"
	for path in $(linuxvm__module_order "$index" "${LINUXVM_MODULES[@]}"); do
		case $seen in *" $path "*) continue ;; esac
		seen="$seen$path "
		cp "$path" "$dest/$i.ko"
		basename "$path" >>"$dest/order"
		i=$((i + 1))
	done
	rm -f "$index"
}

# The uncompressed vmlinux inside a bzImage compressed with xz (Debian's CONFIG_KERNEL_XZ):
# the payload starts at the first xz stream magic (FD 37 7A 58 5A 00).
linuxvm__extract_vmlinux() {
	local off
	off=$(LC_ALL=C grep -m 1 -obUaP '\xfd7zXZ\x00' "$1" | head -n 1 | cut -d: -f1) || true
	[ -n "$off" ] || linuxvm__die "$1: no xz payload found" || return 1
	tail -c "+$((off + 1))" "$1" | xz -dc 2>/dev/null >"$2.tmp" || true
	[ "$(head -c 4 "$2.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] ||
		linuxvm__die "$1: the xz payload is not an ELF vmlinux" || return 1
	mv "$2.tmp" "$2"
}

# Unpacks the kernel package once into the cache: boot/vmlinuz, vmlinux, config, modules/.
linuxvm__unpack() {
	local ver=$1 deb=$2 dir=$LINUXVM_CACHE/linux-$1 tmp
	[ -e "$dir/.done" ] && return 0
	linuxvm__say "extracting $(basename "$deb")"
	rm -rf "$dir" && mkdir -p "$dir"
	tmp=$(mktemp -d "$LINUXVM_CACHE/unpack.XXXXXX")
	dpkg-deb -x "$deb" "$tmp" &&
		cp "$tmp/boot/vmlinuz-$ver" "$dir/vmlinuz" &&
		cp "$tmp/boot/config-$ver" "$dir/config" &&
		linuxvm__copy_modules "$tmp/lib/modules/$ver" "$dir/modules" &&
		linuxvm__extract_vmlinux "$dir/vmlinuz" "$dir/vmlinux" &&
		touch "$dir/.done"
	local rc=$?
	rm -rf "$tmp"
	return $rc
}

# Sets LINUXVM_KERNEL_VERSION and LINUXVM_KERNEL, downloading and unpacking if needed.
linuxvm__kernel() {
	local ver deb
	mkdir -p "$LINUXVM_CACHE"
	ver=$(linuxvm__archive_version) || ver=""
	[ -n "$ver" ] || ver=$(linuxvm__cached_version) || ver=""
	[ -n "$ver" ] || linuxvm__die "no linux-image-amd64 in apt's lists (run apt-get update)" ||
		return 1
	if [ ! -e "$LINUXVM_CACHE/linux-$ver/.done" ]; then
		deb=$(linuxvm__download "$ver") || return 1
		linuxvm__unpack "$ver" "$deb" || return 1
	fi
	LINUXVM_KERNEL_VERSION=$ver
	LINUXVM_KERNEL_DEB=$(basename "$(linuxvm__cached_deb "$ver")")
	LINUXVM_KERNEL_END_MIB=$(linuxvm__kernel_end_mib "$LINUXVM_CACHE/linux-$ver/vmlinux")
	case $LINUXVM_BOOT in
	pvh) LINUXVM_KERNEL=$LINUXVM_CACHE/linux-$ver/vmlinux ;;
	bzimage) LINUXVM_KERNEL=$LINUXVM_CACHE/linux-$ver/vmlinuz ;;
	*) linuxvm__die "LINUXVM_BOOT must be pvh or bzimage (got $LINUXVM_BOOT)" || return 1 ;;
	esac
}

# The end of the kernel's LOAD segments in guest-physical memory, in MiB (rounded up).
linuxvm__kernel_end_mib() {
	local type off virt phys filesz memsz end=0
	while read -r type off virt phys filesz memsz _; do
		[ "$type" = LOAD ] || continue
		[ $((phys + memsz)) -gt "$end" ] && end=$((phys + memsz))
	done < <(readelf -lW "$1")
	echo $(((end + 1048575) / 1048576))
}

# Compiles init and tsckhz into WORKDIR/linuxvm-build, and WORKDIR/floor.elf: a 32-bit ELF
# (PVH enters in 32-bit mode) linked just above 1 MiB so that its loaded headers stay clear of the
# firmware below 1 MiB, without page alignment (a file of a few hundred bytes).
linuxvm__compile() {
	local b=$1/linuxvm-build
	mkdir -p "$b"
	musl-gcc -static -Os -std=c11 -D_GNU_SOURCE -Wall -Wextra -s \
		-o "$b/init" "$LINUXVM_SRC_DIR/init.c" &&
		gcc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -o "$b/tsckhz" "$LINUXVM_SRC_DIR/tsckhz.c" &&
		gcc -m32 -c -o "$b/floor.o" "$LINUXVM_SRC_DIR/floor.S" &&
		ld -m elf_i386 -static -nostdlib --build-id=none -z noseparate-code \
			-z max-page-size=16 -Ttext=0x100100 --section-start=.note.pvh=0x100110 \
			-e _start -o "$1/floor.elf" "$b/floor.o"
}

# Writes DIR's tree as a gzip'd newc cpio (owned by root) to OUT.
linuxvm__cpio() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet | gzip -9n) >"$2.tmp" && mv "$2.tmp" "$2"
}

# A root tree with /dev/console, which the kernel opens as init's stdin/stdout/stderr.
linuxvm__rootfs() {
	rm -rf "$1" && mkdir -p "$1/dev" || return 1
	mknod "$1/dev/console" c 5 1 || linuxvm__die "cannot create $1/dev/console (needs root)"
}

# WORKDIR/hello.cpio.gz: HELLO_BIN as /init.
linuxvm__hello_initrd() {
	local root=$1/linuxvm-build/hello-root
	linuxvm__rootfs "$root" || return 1
	cp "$2" "$root/init" && chmod 755 "$root/init" &&
		linuxvm__cpio "$root" "$1/hello.cpio.gz"
}

# WORKDIR/httpd.cpio.gz: our init, the virtio modules, HTTPD_BIN as /httpd, WWW_DIR as /www.
linuxvm__httpd_initrd() {
	local root=$1/linuxvm-build/httpd-root mods=$LINUXVM_CACHE/linux-$LINUXVM_KERNEL_VERSION/modules
	linuxvm__rootfs "$root" || return 1
	mkdir -p "$root/modules" "$root/www" &&
		cp "$mods"/*.ko "$root/modules/" &&
		cp "$1/linuxvm-build/init" "$root/init" &&
		cp "$2" "$root/httpd" && chmod 755 "$root/httpd" &&
		cp -R "$3/." "$root/www/" &&
		linuxvm__cpio "$root" "$1/httpd.cpio.gz"
}

# QEMU flags shared by every subject here: microvm, no default devices, no display, one vCPU.
# Sets CMD. ACCEL is tcg or kvm (KVM here needs arch-capabilities hidden from the guest).
linuxvm__base_argv() {
	local accel=$1 mem=$2
	CMD=("$LINUXVM_QEMU" -M microvm,x-option-roms=off -accel "$accel")
	[ "$accel" = kvm ] && CMD+=(-cpu host,-arch-capabilities)
	CMD+=(-smp 1 -m "${mem}M" -nodefaults -no-user-config -display none -no-reboot)
}

# The kernel command line: console on the 8250 serial port, nothing but the program's output
# on it, reboot (= QEMU exit with -no-reboot) at once when init exits.
linuxvm__cmdline() {
	local accel=$1 line="console=ttyS0 loglevel=0 panic=-1 reboot=t"
	[ "$LINUXVM_BOOT" = bzimage ] && line="$line edd=off"
	[ "$accel" = tcg ] && line="$line no_timer_check tsc_early_khz=$LINUXVM_TSC_KHZ"
	echo "$line"
}

# Sets CMD to boot INITRD with ACCEL and MEM_MIB, the serial console on stdio.
linuxvm__vm_argv() {
	local accel=$1 mem=$2 initrd=$3
	linuxvm__base_argv "$accel" "$mem"
	CMD+=(-serial stdio -kernel "$LINUXVM_KERNEL" -initrd "$initrd"
		-append "$(linuxvm__cmdline "$accel")")
}

# Does Linux boot hello under KVM here? Prints kvm or tcg; the answer is cached per kernel.
linuxvm__probe_accel() {
	local cache=$LINUXVM_CACHE/linux-$LINUXVM_KERNEL_VERSION/accel-$LINUXVM_BOOT out
	if [ -s "$cache" ]; then
		cat "$cache"
		return 0
	fi
	local accel=tcg
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		linuxvm__say "probing whether Linux boots under KVM (up to ${LINUXVM_KVM_PROBE_S}s)"
		linuxvm__vm_argv kvm 256 "$LINUXVM_WORKDIR/hello.cpio.gz"
		out=$(timeout -s KILL "$LINUXVM_KVM_PROBE_S" "${CMD[@]}" </dev/null 2>/dev/null) || out=""
		[ -n "$out" ] && accel=kvm
	fi
	echo "$accel" | tee "$cache"
}

# The one line saying how the VM runs.
linuxvm__note() {
	local qv why=""
	qv=$("$LINUXVM_QEMU" --version | sed -n '1s/.*version \([0-9.]*\).*/\1/p')
	[ "$LINUXVM_ACCEL" = tcg ] &&
		why=": KVM cannot boot Linux on this host (a probe boot under KVM printed nothing in ${LINUXVM_KVM_PROBE_S}s; nested PVM emulates guest CPL0)"
	local how="its uncompressed vmlinux through the PVH entry"
	[ "$LINUXVM_BOOT" = bzimage ] && how="its bzImage (vmlinuz)"
	LINUXVM_NOTE="Debian $LINUXVM_KERNEL_VERSION kernel (${LINUXVM_KERNEL_DEB:-cached}) booted as $how, QEMU $qv -M microvm, 1 vCPU, ${LINUXVM_ACCEL^^}$why"
}

linuxvm_prepare() {
	[ $# -eq 4 ] || linuxvm__die "usage: linuxvm_prepare WORKDIR HELLO_BIN HTTPD_BIN WWW_DIR" ||
		return 1
	local f
	for f in "$2" "$3"; do
		[ -x "$f" ] || linuxvm__die "$f: not an executable" || return 1
	done
	[ -d "$4" ] || linuxvm__die "$4: not a directory" || return 1
	linuxvm__need_tools || return 1
	mkdir -p "$1" && LINUXVM_WORKDIR=$(cd "$1" && pwd)
	linuxvm__kernel || return 1
	linuxvm__compile "$LINUXVM_WORKDIR" || linuxvm__die "compiling bench/linuxvm failed" ||
		return 1
	LINUXVM_TSC_KHZ=$("$LINUXVM_WORKDIR/linuxvm-build/tsckhz")
	linuxvm__hello_initrd "$LINUXVM_WORKDIR" "$2" || return 1
	linuxvm__httpd_initrd "$LINUXVM_WORKDIR" "$3" "$4" || return 1
	case ${LINUXVM_ACCEL:-} in
	tcg | kvm) ;;
	*) LINUXVM_ACCEL=$(linuxvm__probe_accel) ;;
	esac
	linuxvm__note
}

linuxvm_hello_argv() {
	linuxvm__vm_argv "$LINUXVM_ACCEL" "$1" "$LINUXVM_WORKDIR/hello.cpio.gz"
}

linuxvm_httpd_argv() {
	linuxvm__vm_argv "$LINUXVM_ACCEL" "$1" "$LINUXVM_WORKDIR/httpd.cpio.gz"
	CMD+=(-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$2-:80" -device virtio-net-device,netdev=n0)
}

# The floor: the same machine and flags, a guest that writes 0 to isa-debug-exit at its entry.
qemu_floor_argv() {
	local accel=$LINUXVM_ACCEL
	[ "${1:-}" = kvm ] && accel=kvm
	linuxvm__base_argv "$accel" "$LINUXVM_FLOOR_MEM_MIB"
	CMD+=(-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$LINUXVM_WORKDIR/floor.elf")
}

linuxvm_sizes() {
	echo "kernel $(stat -c %s "$(dirname "$LINUXVM_KERNEL")/vmlinuz")"
	echo "hello_initrd $(stat -c %s "$LINUXVM_WORKDIR/hello.cpio.gz")"
	echo "httpd_initrd $(stat -c %s "$LINUXVM_WORKDIR/httpd.cpio.gz")"
}
