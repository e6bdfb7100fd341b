/* The core component's interface: boot info, panic and assertions, user-pointer checks. */
#ifndef PITH_CORE_H
#define PITH_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pith/abi.h>

#define PITH_STR_(x) #x
#define PITH_STR(x)  PITH_STR_(x)

/* The monitor's boot info (read-only page at PITH_BOOTINFO_BASE), validated by pith_boot. */
extern const struct pith_boot_info *pith_boot_info;

/* End of guest RAM (boot_info->mem_size), cached for the pointer checks below. */
extern uint64_t pith_user_end;

/* Report a fatal kernel error to the monitor (PITH_HC_PANIC); never returns. No formatting. */
__attribute__((noreturn, cold)) void pith_panic(const char *msg);

/* Panic with the file, line and condition when cond is false. cond must have no side effects. */
#define PITH_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (__builtin_expect(!(cond), 0))                                                  \
			pith_panic(__FILE__ ":" PITH_STR(__LINE__) ": assertion failed: " #cond);  \
	} while (0)

/*
 * Whether [p, p + len) lies in guest RAM the program may name: reads from PITH_BOOTINFO_BASE up
 * (the monitor's own lower bound for hypercall buffers), writes from PITH_IMAGE_BASE up. They
 * turn obviously bad pointers (NULL, past the end of RAM) into -EFAULT as Linux does; a pointer
 * into a read-only page of the image still faults (the monitor reports a crash).
 */
static inline bool pith_user_range_ok(uintptr_t lo, const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p;

	return a >= lo && a <= pith_user_end && len <= pith_user_end - a;
}

static inline bool pith_user_readable(const void *p, size_t len)
{
	return pith_user_range_ok(PITH_BOOTINFO_BASE, p, len);
}

static inline bool pith_user_writable(const void *p, size_t len)
{
	return pith_user_range_ok(PITH_IMAGE_BASE, p, len);
}

#endif
