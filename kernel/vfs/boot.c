/* The VFS at boot: the root ramfs with the image's archive and synthesized files, then disks. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "blk/blk.h"
#include "core/core.h"
#include "vfs/internal.h"

/* Longest path made at boot (mount points, synthesized files): buffers live on the stack. */
#define BOOT_PATH_MAX 256

/* proc's exit_group: the normal exit path (exit hooks, then the monitor ends the run). */
long pith_sys_exit_group(long a, long b, long c, long d, long e, long f);

void pith_vfs_fail(void)
{
	pith_sys_exit_group(PITH_EXIT_ERROR, 0, 0, 0, 0, 0);
	pith_panic("vfs: exit_group returned");
}

/* Creates the directory `path` (absolute) if it is missing; -ENOTDIR if something else is. */
static int mkdir_one(const char *path, uint32_t mode)
{
	struct pith_nameidata nd;
	struct pith_vnode *vn;
	int err = pith_namei_kernel(NULL, path, PITH_LOOKUP_PARENT | PITH_LOOKUP_FOLLOW, &nd);

	if (err)
		return err;
	if (nd.last_dot || nd.vn) {
		err = nd.vn && !S_ISDIR(nd.vn->mode) ? -ENOTDIR : 0;
	} else {
		err = pith_vfs_writable(nd.dir);
		if (!err)
			err = nd.dir->ops->mkdir(nd.dir, nd.name, nd.len, mode, &vn);
		if (!err)
			pith_vnode_put(vn);
	}
	pith_nameidata_done(&nd);
	return err;
}

int pith_vfs_mkdir_p(const char *path, uint32_t mode)
{
	char buf[BOOT_PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	for (size_t i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i])
			continue;
		if (path[i - 1] == '/')
			continue;
		memcpy(buf, path, i);
		buf[i] = 0;
		int err = mkdir_one(buf, mode);

		if (err)
			return err;
	}
	return 0;
}

/* The directory part of path ("/etc/hosts" -> "/etc") in buf. */
static void dirname_of(const char *path, char *buf, size_t cap)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] != '/')
		n--;
	if (n > 1)
		n--; /* drop the slash, not the root's */
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, path, n);
	buf[n] = 0;
}

/*
 * Creates a file (create, or symlink when target is set) at the absolute path unless something
 * is there already, making the directories above it (0755). 0 or -errno.
 */
int pith_vfs_create_at(const char *path, uint32_t mode, uint64_t rdev, const char *target)
{
	char dir[BOOT_PATH_MAX];
	struct pith_nameidata nd;
	struct pith_vnode *vn = NULL;
	int err;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	dirname_of(path, dir, sizeof(dir));
	err = pith_vfs_mkdir_p(dir, 0755);
	if (!err)
		err = pith_namei_kernel(NULL, path, PITH_LOOKUP_PARENT, &nd);
	if (err)
		return err;
	if (!nd.vn && !nd.last_dot)
		err = target ? nd.dir->ops->symlink(nd.dir, nd.name, nd.len, target, strlen(target),
						    &vn)
			     : nd.dir->ops->create(nd.dir, nd.name, nd.len, mode, rdev, &vn);
	if (vn)
		pith_vnode_put(vn);
	pith_nameidata_done(&nd);
	return err;
}

/* The root ramfs, filled from the image's archive. */
static int boot_root(void)
{
	uintptr_t start = (uintptr_t)pith_rootfs_start, end = (uintptr_t)pith_rootfs_end;
	int err = pith_vfs_mount_add(&pith_ramfs_type, NULL, false, NULL, "/");

	if (err) {
		pith_vfs_log(NULL, "the root file system could not be created");
		return err;
	}
	pith_vfs_set_cwd(pith_vfs_mount(0)->root);
	if (!start || end <= start)
		return 0;
	return pith_cpio_unpack(pith_vfs_root(), pith_rootfs_start, end - start);
}

/* "pith: <path>: <msg>" for a disk that has no mount yet. */
static void disk_log(const char *path, const char *msg)
{
	struct pith_mount m = {0};

	memcpy(m.path, path, strnlen(path, sizeof(m.path) - 1));
	pith_vfs_log(&m, msg);
}

/* Disk i at its mount point (default /mnt/diskN); a failure stops the boot. */
static int boot_disk(unsigned i)
{
	struct pith_blk *d = pith_blk_get(i);
	char path[PITH_BLK_MOUNT_MAX + 16] = "/mnt/disk0";
	const char *mp = pith_blk_mount_point(d);
	struct pith_nameidata nd;
	int err;

	if (mp && mp[0])
		memcpy(path, mp, strnlen(mp, PITH_BLK_MOUNT_MAX - 1) + 1);
	else
		path[9] = (char)('0' + i);
	err = pith_vfs_mkdir_p(path, 0755);
	if (!err)
		err = pith_namei_kernel(NULL, path, PITH_LOOKUP_FOLLOW, &nd);
	if (err) {
		disk_log(path, "the mount point cannot be made a directory; choose another one");
		return err;
	}
	if (nd.vn == nd.vn->mnt->root) { /* "/" or a disk's root */
		disk_log(path, "already a mount point; give each disk its own mount point");
		err = -EBUSY;
	} else {
		err = pith_vfs_mount_add(&pith_ext2_type, d, pith_blk_readonly(d), nd.vn, path);
		if (err && err != -EINVAL && err != -EIO) /* those were reported by ext2 */
			disk_log(path,
				 "the disk could not be mounted (out of memory?); the program "
				 "was not started");
	}
	pith_nameidata_done(&nd);
	return err;
}

int pith_vfs_boot(void)
{
	int err = boot_root();

	if (!err)
		err = pith_vfs_synth_boot();
	if (!err) /* programs expect a writable /tmp (sticky, as on Linux) */
		err = pith_vfs_mkdir_p("/tmp", 01777);
	for (unsigned i = 0; !err && i < pith_blk_count(); i++)
		err = boot_disk(i);
	return err;
}
