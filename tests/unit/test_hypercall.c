/* Hypercall dispatch: the struct is checked and copied in, never written back to guest memory. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <pith/abi.h>

#include "crash.h"
#include "hypercall.h"
#include "test.h"
#include "vm.h"

#define TEST_PORT 0x500
#define ARG_SIZE  32

static char last_error[512];
static unsigned char seen[ARG_SIZE];
static unsigned calls;

/* Stands in for vmm/crash.c (which needs a whole VM): records the message. */
int crash__guest_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return PITH_EXIT_CRASH;
}

/* Records what it was given, then scribbles over its copy as a handler with OUT fields would. */
static int scribble__handle(struct vm *vm, void *arg)
{
	(void)vm;
	calls++;
	memcpy(seen, arg, ARG_SIZE);
	memset(arg, 0xaa, ARG_SIZE);
	return 7;
}

struct scribble_arg {
	unsigned char bytes[ARG_SIZE];
};
HYPERCALL(TEST_PORT, scribble, struct scribble_arg, scribble__handle);

/* A KVM_EXIT_IO of one `outl` of addr to port, in a run area of its own. */
static int dispatch(struct vm *vm, uint16_t port, uint8_t size, uint32_t addr)
{
	static _Alignas(8) unsigned char area[4096];
	struct kvm_run *run = (struct kvm_run *)area;

	memset(area, 0, sizeof(area));
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = 1;
	run->io.data_offset = 2048;
	memcpy(area + 2048, &addr, sizeof(addr));
	last_error[0] = 0;
	return hypercall__dispatch(vm, run);
}

int main(void)
{
	static uint8_t mem[2 << 20];
	static struct vm vm;
	unsigned char before[ARG_SIZE];

	vm.mem =
	    (struct guest_mem){.base = mem, .size = sizeof(mem), .user_lo = PITH_BOOTINFO_BASE};
	for (unsigned i = 0; i < ARG_SIZE; i++)
		mem[PITH_BOOTINFO_BASE + i] = (unsigned char)i;
	memcpy(before, mem + PITH_BOOTINFO_BASE, ARG_SIZE);

	/* A struct in the boot info (read-only to the guest): read, never written. */
	CHECK_U64(dispatch(&vm, TEST_PORT, 4, PITH_BOOTINFO_BASE), 7);
	CHECK_U64(calls, 1);
	CHECK(memcmp(seen, before, ARG_SIZE) == 0);
	CHECK(memcmp(mem + PITH_BOOTINFO_BASE, before, ARG_SIZE) == 0);

	/* Refused before the handler runs. */
	CHECK_U64(dispatch(&vm, TEST_PORT, 4, PITH_BOOTINFO_BASE - 8), PITH_EXIT_CRASH);
	CHECK_CONTAINS(last_error, "scribble hypercall with an invalid address");
	CHECK_U64(dispatch(&vm, TEST_PORT, 4, sizeof(mem) - ARG_SIZE + 1), PITH_EXIT_CRASH);
	CHECK_U64(dispatch(&vm, TEST_PORT, 1, PITH_BOOTINFO_BASE), PITH_EXIT_CRASH);
	CHECK_CONTAINS(last_error, "a 1-byte out");
	CHECK_U64(dispatch(&vm, TEST_PORT + 1, 4, PITH_BOOTINFO_BASE), PITH_EXIT_CRASH);
	CHECK_CONTAINS(last_error, "not a hypercall port");
	CHECK_U64(calls, 1);
	return test__done();
}
