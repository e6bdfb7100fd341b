/* uname, sysinfo, getrlimit and prlimit64: what the system is and what it allows. */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

#include <pith/version.h>

#include "core/core.h"
#include "core/note.h"
#include "mem/mem.h"
#include "syscall/syscall.h"
#include "time/time.h"

PITH_COMPONENT_NOTE(sysinfo);

#define NS_PER_SEC	   1000000000ULL
#define LINUX_RLIM_NLIMITS 16
#define LINUX_NR_OPEN	   1024

static void copy_field(char *dst, const char *src)
{
	size_t len = strlen(src);

	memcpy(dst, src, len + 1);
}

PITH_SYSCALL1(uname, struct utsname *, buf)
{
	if (!pith_user_writable(buf, sizeof(*buf)))
		return -EFAULT;
	memset(buf, 0, sizeof(*buf));
	copy_field(buf->sysname, "Pith");
	copy_field(buf->nodename, "pith");
	/* The release starts with a number, as programs expect. */
	copy_field(buf->release, PITH_VERSION "-pith");
	copy_field(buf->version, "Pith library OS " PITH_VERSION);
	copy_field(buf->machine, "x86_64");
	copy_field(buf->domainname, "(none)");
	return 0;
}

/* One process, no swap, no load average; memory from the boot info and the page allocator. */
PITH_SYSCALL1(sysinfo, struct sysinfo *, info)
{
	uint64_t total, free;

	if (!pith_user_writable(info, sizeof(*info)))
		return -EFAULT;
	pith_mem_stats(&total, &free);
	memset(info, 0, sizeof(*info));
	info->uptime = (long)(pith_time_monotonic_ns() / NS_PER_SEC);
	info->totalram = total;
	info->freeram = free;
	info->procs = 1;
	info->mem_unit = 1;
	return 0;
}

/* Limits the program has set, per resource; the others have their defaults. */
static struct rlimit limits[LINUX_RLIM_NLIMITS];
static unsigned limits_set;

/* The stack's real size, 1024 descriptors (Linux's default); nothing else is limited. */
static struct rlimit default_limit(int resource)
{
	const struct pith_boot_info *bi = pith_boot_info;
	uint64_t stack = bi->stack_top - bi->heap_end - PITH_PAGE_SIZE;

	switch (resource) {
	case RLIMIT_STACK:
		return (struct rlimit){stack, stack};
	case RLIMIT_NOFILE:
		return (struct rlimit){LINUX_NR_OPEN, LINUX_NR_OPEN};
	default:
		return (struct rlimit){RLIM_INFINITY, RLIM_INFINITY};
	}
}

static struct rlimit current_limit(int resource)
{
	return (limits_set & (1u << resource)) ? limits[resource] : default_limit(resource);
}

/*
 * A new limit is recorded (and reported back) but not enforced. Raising a hard limit above
 * what Pith has (the stack's size, its descriptor table) fails with EPERM even for root: the
 * resource does not exist to be granted.
 */
static long set_limit(int resource, const struct rlimit *want)
{
	if (want->rlim_cur > want->rlim_max)
		return -EINVAL;
	if (want->rlim_max > default_limit(resource).rlim_max)
		return -EPERM;
	limits[resource] = *want;
	limits_set |= 1u << resource;
	return 0;
}

PITH_SYSCALL4(prlimit64, int, pid, int, resource, const struct rlimit *, new_limit, struct rlimit *,
	      old_limit)
{
	struct rlimit old;

	if (pid != 0 && pid != 1)
		return -ESRCH;
	if (resource < 0 || resource >= LINUX_RLIM_NLIMITS)
		return -EINVAL;
	if ((new_limit && !pith_user_readable(new_limit, sizeof(*new_limit))) ||
	    (old_limit && !pith_user_writable(old_limit, sizeof(*old_limit))))
		return -EFAULT;
	old = current_limit(resource);
	if (new_limit) {
		long err = set_limit(resource, new_limit);

		if (err)
			return err;
	}
	if (old_limit)
		*old_limit = old;
	return 0;
}

PITH_SYSCALL2(getrlimit, int, resource, struct rlimit *, rlim)
{
	if (resource < 0 || resource >= LINUX_RLIM_NLIMITS)
		return -EINVAL;
	if (!pith_user_writable(rlim, sizeof(*rlim)))
		return -EFAULT;
	*rlim = current_limit(resource);
	return 0;
}
