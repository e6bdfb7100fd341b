/* The monitor's entry point: set up one VM for one image, then run it until it exits. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <pith/abi.h>

#include "abicheck.h"
#include "blk.h"
#include "blk_io.h"
#include "bootinfo.h"
#include "compat.h"
#include "crash.h"
#include "hypercall.h"
#include "load.h"
#include "helper.h"
#include "net.h"
#include "net_io.h"
#include "print.h"
#include "protect.h"
#include "seccomp_filter.h"
#include "stop.h"
#include "upcall.h"
#include "vm.h"
#include "vmm.h"
#include "x86_64/cpu.h"
#include "x86_64/cpuid.h"
#include "x86_64/cpuid_cache.h"
#include "x86_64/desc.h"
#include "x86_64/paging.h"

#define TIMER_MAX 16

/* Setup timings for --verbose. */
struct timer {
	uint64_t start, last;
	const char *name[TIMER_MAX];
	uint64_t ns[TIMER_MAX];
	unsigned n;
};

static uint64_t clock__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void timer__step(struct timer *t, const char *name)
{
	uint64_t now = clock__now_ns();

	if (t->n < TIMER_MAX) {
		t->name[t->n] = name;
		t->ns[t->n++] = now - t->last;
	}
	t->last = now;
}

static void timer__print(const struct timer *t, const char *what)
{
	print__err("pith: %s timings (ms):", what);
	for (unsigned i = 0; i < t->n; i++)
		print__err(" %s %.3f,", t->name[i], t->ns[i] / 1e6);
	print__err(" total %.3f\n", (t->last - t->start) / 1e6);
}

static int vm__open_images(struct vm *vm, char *err, size_t errlen)
{
	const char *path = vm->cfg->image_path;

	if (elf_image__open(&vm->image, path, PITH_MEM_MAX, err, errlen) < 0)
		return -1;
	if (!vm->image.has_abi_note)
		return compat__open_kernel(vm, err, errlen);
	if (abicheck__image(&vm->image, path, err, errlen) < 0)
		return -1;
	vm->entry = vm->image.entry;
	vm->compat_entry = vm->image.abi.compat_entry;
	return 0;
}

static int vm__map_memory(struct vm *vm, char *err, size_t errlen)
{
	uint64_t size = vm->cfg->mem_size;
	void *p;

	if (size < PITH_MEM_MIN || size > PITH_MEM_MAX || size % PITH_PAGE_SIZE) {
		snprintf(err, errlen,
			 "guest memory size %llu is not a multiple of 4 KiB in [2 MiB, 4 GiB]; "
			 "choose another size",
			 (unsigned long long)size);
		return -1;
	}
	size +=
	    layout__pt_pool_size(size); /* the monitor's page-table pool, above the guest's RAM */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen,
			 "cannot reserve %llu bytes of guest memory: %s; choose a smaller size",
			 (unsigned long long)size, strerror(errno));
		return -1;
	}
	madvise(p, size, MADV_NOHUGEPAGE); /* 4 KiB host pages keep the monitor's RSS small */
	vm->mem = (struct guest_mem){.base = p, .size = size, .user_lo = PITH_BOOTINFO_BASE};
	guest_mem__protect(&vm->mem, PITH_BOOTINFO_BASE, PITH_BOOTINFO_END); /* the first: fits */
	return 0;
}

/* Lay out and fill guest memory: images, descriptor tables, page tables. */
static int vm__fill_memory(struct vm *vm, char *err, size_t errlen)
{
	const struct elf_image *img[2] = {&vm->image};
	unsigned n = 1;

	if (vm->compat) {
		img[0] = &vm->kernel;
		img[1] = &vm->image;
		n = 2;
	}
	if (layout__build(&vm->layout, vm->cfg->mem_size, img, n, err, errlen) < 0)
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (load__image(img[i], &vm->mem) < 0 || load__protect(img[i], &vm->mem) < 0) {
			snprintf(
			    err, errlen,
			    "a segment does not fit in guest memory; give the guest more memory");
			return -1;
		}
	if (x86_desc__write(&vm->mem) < 0) {
		snprintf(err, errlen,
			 "the descriptor tables do not fit in guest memory; this is a bug in pith");
		return -1;
	}
	return x86_paging__build(&vm->layout, &vm->mem, &vm->cr3, err, errlen);
}

static int vm__boot_cpu(struct vm *vm, char *err, size_t errlen)
{
	struct x86_boot boot = {.cr3 = vm->cr3,
				.rip = vm->entry,
				.rdi = PITH_BOOTINFO_BASE,
				.rsp = vm->layout.stack_top,
				.xcr0 = vm->xcr0};

	return x86_cpu__boot(&vm->kvm, &boot, err, errlen);
}

/*
 * The VM, its memory contents, the vCPU and the boot info: all that needs no CPUID table. The
 * memory slot is registered by the helper meanwhile (registering one waits for an SRCU grace
 * period, ~0.1 ms here, which then overlaps this process's work).
 */
static int vm__build(struct vm *vm, struct kvm_memslot *slot, struct timer *t, char *err,
		     size_t errlen)
{
	if (vm__open_images(vm, err, errlen) < 0)
		return -1;
	timer__step(t, "image");
	if (kvm__create_vm(&vm->kvm, err, errlen) < 0)
		return -1;
	kvm__enable_local_apic(&vm->kvm, vm->mem.size); /* RAM and the page-table pool */
	timer__step(t, "create-vm");
	if (vm__map_memory(vm, err, errlen) < 0)
		return -1;
	*slot = (struct kvm_memslot){.kvm = &vm->kvm, .host = vm->mem.base, .size = vm->mem.size};
	helper__post(kvm__set_memory, slot);
	if (vm__fill_memory(vm, err, errlen) < 0)
		return -1;
	timer__step(t, "memory");
	if (kvm__create_vcpu(&vm->kvm, err, errlen) < 0)
		return -1;
	timer__step(t, "create-vcpu");
	vm->tsc_hz = x86_cpuid__tsc_hz(&vm->kvm);
	if (vm->cfg->net.kind != NET_NONE) {
		if (net_dev__init(vm, &vm->net_info, err, errlen) < 0)
			return -1;
		timer__step(t, "nic");
	}
	if (bootinfo__write(vm, err, errlen) < 0)
		return -1;
	timer__step(t, "bootinfo");
	return 0;
}

/*
 * Setup. KVM's CPUID table comes from a per-user cache (x86_64/cpuid_cache.c) or else from
 * the helper process, which fetches it (slow here: the host's own CPUID instructions trap,
 * ~0.4 ms) while this process builds the VM; the helper then registers the memory slot.
 */
static void cpuid__fetch_nothing(void *unused)
{
	(void)unused;
}

/*
 * The disks are opened once the monitor's fd table is its own: a lock taken in the table the
 * helper keeps would outlive `pith run` until the VM's teardown ends.
 */
static int vm__open_disks(struct vm *vm, struct timer *t, char *err, size_t errlen)
{
	if (!vm->cfg->blk.count)
		return 0;
	if (blk_dev__init(vm, err, errlen) < 0)
		return -1;
	bootinfo__write_disks(vm);
	timer__step(t, "disks");
	return 0;
}

static int vm__setup(struct vm *vm, struct timer *t, char *err, size_t errlen)
{
	static struct x86_cpuid cpuid;
	static struct x86_cpuid_cache cache;
	static struct kvm_memslot slot;
	bool cached;

	if (kvm__open(&vm->kvm, err, errlen) < 0)
		return -1;
	cpuid.sys_fd = vm->kvm.sys_fd;
	cached = x86_cpuid_cache__load(&cache, &cpuid) == 0;
	timer__step(t, cached ? "cpuid-cached" : "cpuid-fetch");
	helper__start(cached ? cpuid__fetch_nothing : x86_cpuid__fetch, &cpuid);
	timer__step(t, "helper");
	if (vm__build(vm, &slot, t, err, errlen) < 0)
		return -1;
	helper__forget(vm->cfg->ready_fd); /* closed by the monitor once the guest starts */
	helper__detach();		   /* every fd of the VM is open */
	if (vm__open_disks(vm, t, err, errlen) < 0)
		return -1;
	helper__wait();
	timer__step(t, "helper-wait");
	if (!cached)
		x86_cpuid_cache__store(&cache, &cpuid);
	if (kvm__memory_result(&slot, err, errlen) < 0 ||
	    x86_cpuid__set(&vm->kvm, &cpuid, &vm->xcr0, err, errlen) < 0 ||
	    vm__boot_cpu(vm, err, errlen) < 0)
		return -1;
	bootinfo__write_xsave(vm, &cpuid);
	timer__step(t, "vcpu-state");
	return 0;
}

/*
 * A port exit: a trap stub or the syscall stub (a 1-byte out, as the stubs do), or else a
 * hypercall (hypercall__dispatch refuses anything else).
 */
static int vm__io(struct vm *vm)
{
	const struct kvm_run *run = vm->kvm.run;
	uint16_t port = run->io.port;
	int stub = run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 1 && run->io.count == 1;

	if (stub && port >= PITH_TRAP_PORT_BASE && port < PITH_TRAP_PORT_BASE + X86_IDT_VECTORS)
		return crash__trap(vm, port - PITH_TRAP_PORT_BASE);
	if (stub && port == PITH_TRAP_PORT_SYSCALL)
		return compat__syscall(vm);
	if (port == PITH_BLK_KICK_PORT) /* bound to an ioeventfd once a disk is set up */
		return crash__guest_error("port I/O to the disks' doorbell %#x %s", port,
					  vm->blk && vm->blk->doorbell
					      ? "that is not a 4-byte out"
					      : "before a disk was set up (PITH_HC_BLK_SETUP)");
	if (port == PITH_NET_KICK_PORT) /* bound to an ioeventfd once set up, for 4-byte outs */
		return crash__guest_error("port I/O to the NIC's doorbell %#x %s", port,
					  vm->net && vm->net->set_up
					      ? "that is not a 4-byte out"
					      : "before the NIC was set up (PITH_HC_NET_SETUP)");
	return hypercall__dispatch(vm, run);
}

/* For --stats: what made the vCPU leave the guest. */
static void vm__count_exit(struct vm *vm)
{
	const struct kvm_run *run = vm->kvm.run;
	uint32_t reason = run->exit_reason;
	uint16_t port = run->io.port;

	vm->exits++;
	vm->exits_by_reason[reason < VM_EXIT_REASONS ? reason : VM_EXIT_REASONS - 1]++;
	if (reason != KVM_EXIT_IO)
		return;
	if (port >= PITH_HC_PORT_BASE && port < PITH_HC_PORT_BASE + PITH_HC_COUNT)
		vm->exits_hypercall[port - PITH_HC_PORT_BASE]++;
	else if (port >= PITH_TRAP_PORT_BASE && port < PITH_TRAP_PORT_BASE + X86_IDT_VECTORS)
		vm->exits_trap++;
	else if (port == PITH_TRAP_PORT_SYSCALL)
		vm->exits_syscall++;
	else
		vm->exits_other_port++;
}

static void vm__print_stats(const struct vm *vm)
{
	static const char *const hc[PITH_HC_COUNT] = {"console",     "wait",	  "exit",
						      "panic",	     "net_setup", "blk_setup",
						      "sched_setup", "timer",	  "protect"};

	print__err("pith: stats: vm_exits %llu\n", (unsigned long long)vm->exits);
	for (unsigned r = 0; r < VM_EXIT_REASONS; r++)
		if (vm->exits_by_reason[r])
			print__err("pith: stats: vm_exits_reason_%u %llu\n", r,
				   (unsigned long long)vm->exits_by_reason[r]);
	for (unsigned i = 0; i < PITH_HC_COUNT; i++)
		print__err("pith: stats: vm_exits_hc_%s %llu\n", hc[i],
			   (unsigned long long)vm->exits_hypercall[i]);
	print__err("pith: stats: vm_exits_trap %llu\n", (unsigned long long)vm->exits_trap);
	print__err("pith: stats: vm_exits_syscall %llu\n", (unsigned long long)vm->exits_syscall);
	print__err("pith: stats: vm_exits_other_port %llu\n",
		   (unsigned long long)vm->exits_other_port);
	upcall__print_stats(vm);
	protect__print_stats(vm);
	net_dev__print_stats(vm);
	blk_dev__print_stats(vm);
}

/*
 * KVM_RUN returned -1: a stop signal ends the run; after PITH_HC_SCHED_SETUP, a timer or host
 * signal (EINTR) is given to the guest (vmm/upcall_run.c). KVM completed the last exit's port
 * I/O before it returned (the signals are blocked outside KVM_RUN: vmm/stop.h).
 */
static int vm__interrupted(struct vm *vm)
{
	if (errno != EINTR && errno != EAGAIN) {
		print__err("pith: KVM_RUN failed: %s; check that KVM works on this machine\n",
			   strerror(errno));
		return PITH_EXIT_ERROR;
	}
	vm->kvm.run->immediate_exit = 0;
	stop__drain();
	if (stop__requested())
		return 128 + stop__requested();
	if (!vm->upcall)
		return HC_RESUME;
	vm->exits++;
	vm->upcall->stats.interrupts++;
	return upcall__events(vm, true);
}

static int vm__loop(struct vm *vm)
{
	for (;;) {
		int rc;

		if (ioctl(vm->kvm.vcpu_fd, KVM_RUN, 0) < 0) {
			rc = vm__interrupted(vm);
		} else {
			vm__count_exit(vm);
			rc = vm->kvm.run->exit_reason == KVM_EXIT_IO ? vm__io(vm) : crash__exit(vm);
		}
		if (rc != HC_RESUME)
			return rc;
	}
}

/* Tell whoever waits on cfg->ready_fd (pith run -d) that the start succeeded. */
static void vm__signal_ready(const struct vmm_config *cfg)
{
	if (cfg->ready_fd < 0)
		return;
	if (write(cfg->ready_fd, "R", 1) != 1)
		print__err("pith: cannot signal the start: %s\n", strerror(errno));
	close(cfg->ready_fd);
}

/* Seccomp goes on last: after it, only the run loop's system calls are possible. */
static int vm__lock_down(struct vm *vm, struct timer *t, char *err, size_t errlen)
{
	struct seccomp_vcpu fds = {.vcpu_fd = vm->kvm.vcpu_fd,
				   .vm_fd =
				       vm->kvm.vm_fd, /* PITH_HC_PROTECT may re-create the slot */
				   .kick_fd = -1,
				   .wake_fd = -1,
				   .timer_id = -1};

	if (vm->net) {
		fds.kick_fd = vm->net->io.kick_fd;
		fds.wake_fd = vm->net->io.wake_fd;
	}
	if (vm->blk) {
		fds.disks = true;
		fds.blk_kick_fd = vm->blk->io.kick_fd;
		fds.blk_wake_fd = vm->blk->io.wake_fd;
	}
	if (upcall_timer__create(err, errlen) < 0)
		return -1;
	fds.timer_id = upcall_timer__id();
	if (stop__install(&vm->kvm, upcall_timer__signal(), upcall_timer__fired) < 0) {
		snprintf(err, errlen, "cannot install signal handlers: %s", strerror(errno));
		return -1;
	}
	fflush(NULL); /* the caller's buffered output goes out while write() to any fd is allowed */
	/* The I/O thread starts here, not earlier: a thread shares the fd table it was created
	   with, and until helper__detach that table is the helper's (which closes fds 0-2). */
	if (vm->net && net_io__start(&vm->net->io, vm->cfg->verbose, err, errlen) < 0)
		return -1;
	if (vm->blk && blk_dev__start(vm, err, errlen) < 0)
		return -1;
	vm__signal_ready(vm->cfg);
	if (seccomp__install(&fds, vm->cfg->verbose, err, errlen) < 0)
		return -1;
	timer__step(t, "seccomp");
	if (vm->cfg->selftest_seccomp)
		seccomp__selftest();
	return 0;
}

/*
 * Once the guest has run, the process exits here: the seccomp filter allows nothing but the run
 * loop's system calls (a caller's free() could need munmap), and nothing is torn down.
 */
int vmm__run(const struct vmm_config *cfg)
{
	static struct vm vm;
	struct timer t = {0};
	char err[512];
	int rc;

	t.start = t.last = clock__now_ns();
	vm = (struct vm){.cfg = cfg};
	if (vm__setup(&vm, &t, err, sizeof(err)) < 0 ||
	    vm__lock_down(&vm, &t, err, sizeof(err)) < 0) {
		helper__detach(); /* the caller's output must not wait for the helper */
		print__err("pith: %s\n", err);
		return PITH_EXIT_ERROR;
	}
	if (cfg->verbose)
		timer__print(&t, "setup");
	t.start = clock__now_ns();
	rc = vm__loop(&vm);
	if (cfg->verbose)
		print__err("pith: guest ran %.3f ms, %llu VM exits, exit status %d\n",
			   (clock__now_ns() - t.start) / 1e6, (unsigned long long)vm.exits, rc);
	if (cfg->stats)
		vm__print_stats(&vm);
	_exit(rc);
}
