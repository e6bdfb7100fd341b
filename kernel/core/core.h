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

/* Panic with the file, line and msg when cond is false. cond must have no side effects. */
#define PITH_ASSERT_MSG(cond, msg)                                                                 \
	do {                                                                                       \
		if (__builtin_expect(!(cond), 0))                                                  \
			pith_panic(__FILE__ ":" PITH_STR(__LINE__) ": " msg);                      \
	} while (0)

/* Panic with the file, line and condition when cond is false. */
#define PITH_ASSERT(cond) PITH_ASSERT_MSG(cond, "assertion failed: " #cond)

/*
 * The ranges of guest RAM that are mapped for the program, as the monitor built its page
 * tables: the boot info area (read-only), the image's PT_LOAD segments (page-rounded, writable
 * if PF_W), the heap arena [heap_start, heap_end) and the stack [heap_end + 4 KiB, stack_top).
 * Page 0, the monitor's pages, the guard page under the stack and any hole are not in it.
 */
#define PITH_USER_RANGES_MAX 24

struct pith_user_range {
	uint64_t start, end;
	bool writable;
};

struct pith_user_map {
	struct pith_user_range r[PITH_USER_RANGES_MAX];
	unsigned n;
};

/* The map of this guest, built by pith_boot. */
extern struct pith_user_map pith_user_map;

/* Builds m from the boot info (which must be valid); -E2BIG or -EINVAL on a bad layout. */
int pith_user_map_init(struct pith_user_map *m, const struct pith_boot_info *bi);

/* How many bytes from a (at most len) are mapped readable (or writable, if write). */
size_t pith_user_map_prefix(const struct pith_user_map *m, uint64_t a, size_t len, bool write);

/* Whether any mapped range meets [start, end). */
bool pith_user_map_overlaps(const struct pith_user_map *m, uint64_t start, uint64_t end);

/*
 * Hooks of components that need to run code at boot (after the built-in components, before
 * main) or at exit (before the monitor is told to end the guest, e.g. to print --stats).
 * They register themselves in the object that is linked with their component, so an image
 * runs exactly the hooks of its components. Order among hooks is unspecified.
 */
struct pith_hook {
	const char *name;
	void (*fn)(void);
};

#define PITH_INIT_HOOK(name_, fn_)                                                                 \
	static const struct pith_hook pith_init_hook_##name_                                       \
	    __attribute__((used, section("pith_init_hooks"), aligned(sizeof(void *)))) = {#name_,  \
											  fn_}
#define PITH_EXIT_HOOK(name_, fn_)                                                                 \
	static const struct pith_hook pith_exit_hook_##name_                                       \
	    __attribute__((used, section("pith_exit_hooks"), aligned(sizeof(void *)))) = {#name_,  \
											  fn_}

/* Runs every init hook (pith_boot does, once). */
void pith_run_init_hooks(void);

/* Runs every exit hook once (later calls do nothing). proc's exit calls it. */
void pith_run_exit_hooks(void);

/* Top of a Linux x86_64 process's address space (TASK_SIZE_MAX). */
#define PITH_TASK_SIZE 0x7ffffffff000ULL

/* Linux's access_ok: [p, p + len) lies below PITH_TASK_SIZE. Says nothing about mappings. */
static inline bool pith_user_access_ok(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p;

	return a <= PITH_TASK_SIZE && len <= PITH_TASK_SIZE - a;
}

/*
 * Whether all of [p, p + len) is mapped readable (writable) in pith_user_map and, if
 * pith_user_prot_ok is set, allowed by the page protections; an empty range always is. They
 * turn bad pointers into -EFAULT before the kernel or the monitor touches them.
 */
bool pith_user_readable(const void *p, size_t len);
bool pith_user_writable(const void *p, size_t len);

/*
 * Set by mem the first time it makes a heap page PROT_NONE or read-only (NULL until then: the
 * checks above cost nothing more): whether the protections of the pages of [a, a + len) allow
 * reading (writing). Called only for ranges pith_user_map already accepts.
 */
extern bool (*pith_user_prot_ok)(uint64_t a, size_t len, bool write);

#endif
