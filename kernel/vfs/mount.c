/* The mount table, root and cwd, boot and exit of the VFS, and the periodic metadata sync. */
#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "console/console.h"
#include "core/core.h"
#include "core/note.h"
#include "time/time.h"
#include "time/wait.h"
#include "vfs/internal.h"

PITH_COMPONENT_NOTE(vfs);

#define MOUNTS_MAX	 (1 + PITH_BLK_MAX)
#define SYNC_INTERVAL_NS 5000000000ULL /* dirty metadata reaches the host within ~5 s */

static struct pith_mount mounts[MOUNTS_MAX];
static unsigned nmounts;
static struct pith_vnode *cwd;
static unsigned busy; /* filesystem operations in progress (pith_vfs_enter) */
static uint64_t next_sync = SYNC_INTERVAL_NS;

uint32_t pith_vfs_umask = 022;

struct pith_vnode *pith_vfs_root(void)
{
	return mounts[0].root;
}

struct pith_vnode *pith_vfs_cwd(void)
{
	return cwd;
}

void pith_vfs_set_cwd(struct pith_vnode *dir)
{
	pith_vnode_hold(dir);
	if (cwd)
		pith_vnode_put(cwd);
	cwd = dir;
}

int pith_vfs_writable(const struct pith_vnode *vn)
{
	return vn->mnt->readonly ? -EROFS : 0;
}

struct pith_mount *pith_vfs_mount(unsigned i)
{
	return i < nmounts ? &mounts[i] : NULL;
}

void pith_vfs_enter(void)
{
	busy++;
}

static void sync_due(uint64_t now);

/* The last operation done: a periodic sync the poller had to skip runs now. */
void pith_vfs_leave(void)
{
	PITH_ASSERT(busy > 0);
	if (!--busy && nmounts > 1)
		sync_due(pith_time_monotonic_ns());
}

void pith_vfs_now(struct timespec *ts)
{
	uint64_t ns = pith_time_realtime_ns();

	ts->tv_sec = (time_t)(ns / 1000000000);
	ts->tv_nsec = (long)(ns % 1000000000);
}

/* Appends s to buf (n bytes used of cap); the new length. */
static size_t put(char *buf, size_t cap, size_t n, const char *s)
{
	while (*s && n < cap)
		buf[n++] = *s++;
	return n;
}

void pith_vfs_log(const struct pith_mount *m, const char *msg)
{
	char line[256];
	size_t n = put(line, sizeof(line) - 1, 0, "pith: ");

	if (m && m->path[0]) {
		n = put(line, sizeof(line) - 1, n, m->path);
		n = put(line, sizeof(line) - 1, n, ": ");
	}
	n = put(line, sizeof(line) - 1, n, msg);
	line[n++] = '\n';
	pith_console_out(2, line, n);
}

/*
 * Mounts `type` (on dev) at the directory `on` (NULL: the root), after the mounts so far.
 * The mount is visible once it succeeded: `on` then holds a reference through covered.
 */
int pith_vfs_mount_add(const struct pith_fs_type *type, struct pith_blk *dev, bool readonly,
		       struct pith_vnode *on, const char *path)
{
	struct pith_mount *m;
	int err;

	if (nmounts == MOUNTS_MAX)
		return -ENOMEM;
	m = &mounts[nmounts];
	*m = (struct pith_mount){.type = type, .dev = dev, .readonly = readonly};
	m->dev_id = makedev(0, 32 + nmounts); /* anonymous devices, as Linux's tmpfs */
	for (size_t i = 0; path[i] && i < sizeof(m->path) - 1; i++)
		m->path[i] = path[i];
	err = type->mount(m);
	if (err)
		return err;
	if (on) {
		pith_vnode_hold(on);
		m->covered = on;
		on->mounted = m;
	}
	nmounts++;
	return 0;
}

/* Writes back every mount (disks first); the first error. */
int pith_vfs_sync_all(bool flush)
{
	int first = 0;

	pith_vfs_enter();
	for (unsigned i = nmounts; i-- > 0;) {
		int err = mounts[i].type->sync ? mounts[i].type->sync(&mounts[i], flush) : 0;

		if (err && !first)
			first = err;
	}
	pith_vfs_leave();
	return first;
}

/* Writes back every mount if SYNC_INTERVAL_NS passed, unless an operation is midway. */
static void sync_due(uint64_t now)
{
	if (now < next_sync || busy || nmounts < 2)
		return;
	next_sync = now + SYNC_INTERVAL_NS;
	pith_vfs_sync_all(false);
}

/* The poller: runs whenever the guest waits (a busy program gets it from pith_vfs_leave). */
static bool sync_poll(uint64_t now)
{
	sync_due(now);
	return false;
}

static uint64_t sync_deadline(void)
{
	return nmounts < 2 ? UINT64_MAX : next_sync;
}

PITH_POLLER(vfs_sync, .poll = sync_poll, .deadline = sync_deadline);

/* Unmounts m after dropping the VFS's references into it. */
static void unmount_one(struct pith_mount *m)
{
	if (m->covered) {
		m->covered->mounted = NULL;
		pith_vnode_put(m->covered);
		m->covered = NULL;
	}
	if (cwd && cwd->mnt == m) {
		pith_vnode_put(cwd);
		cwd = NULL;
	}
	pith_vnode_put(m->root);
	if (m->type->unmount && m->type->unmount(m))
		pith_vfs_log(m, "could not write everything back at unmount");
}

/* Exit: every file is closed first (proc's exit hook order is unspecified: close them here),
   then every disk is synced and unmounted (newest first), so images are clean. */
static void vfs_exit(void)
{
	pith_fd_close_all();
	pith_vfs_enter();
	while (nmounts > 1)
		unmount_one(&mounts[--nmounts]);
	pith_vfs_leave();
}

PITH_EXIT_HOOK(vfs, vfs_exit);

/* Boot: mounts "/" and the disks (boot.c); a failure (already reported) ends the run before
   main with PITH_EXIT_ERROR. */
static void vfs_init(void)
{
	if (pith_vfs_boot())
		pith_vfs_fail();
}

PITH_INIT_HOOK(vfs, vfs_init);
