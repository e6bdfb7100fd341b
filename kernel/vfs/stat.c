/* stat, lstat, newfstatat and statx (fstat is the fd component's: it calls the file's stat). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/core.h"
#include "syscall/syscall.h"
#include "vfs/internal.h"

/* The fd component's fstat: any file's stat (sockets, pipes, the console). */
long pith_sys_fstat(long a, long b, long c, long d, long e, long f);

/* struct statx as Linux's include/uapi/linux/stat.h lays it out (musl 1.2.3 has none). */
struct linux_statx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

struct linux_statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct linux_statx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};

_Static_assert(sizeof(struct linux_statx) == 256, "struct statx is 256 bytes");

#define LINUX_STATX_BASIC_STATS 0x7ffu
#define LINUX_STATX_RESERVED	0x80000000u
#define LINUX_AT_STATX_SYNC	0x6000 /* AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC */
#define LINUX_AT_NO_AUTOMOUNT	0x800

/* Whether the user's path is "" (an unreadable one is left to the lookup's -EFAULT). */
static bool path_empty(const char *path)
{
	return pith_user_readable(path, 1) && !path[0];
}

/*
 * fstatat's work into a kernel struct: the vnode the path names (dirfd's own file for "" with
 * AT_EMPTY_PATH: any fd, through fstat, as Linux does).
 */
static long stat_at(int dirfd, const char *path, int flags, struct stat *st)
{
	struct pith_nameidata nd;
	long err;

	if (flags &
	    ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | LINUX_AT_NO_AUTOMOUNT | LINUX_AT_STATX_SYNC))
		return -EINVAL;
	if ((flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD && path_empty(path))
		return pith_sys_fstat(dirfd, (long)st, 0, 0, 0, 0);
	err = pith_namei(dirfd, path,
			 (flags & AT_SYMLINK_NOFOLLOW ? 0 : PITH_LOOKUP_FOLLOW) |
			     (flags & AT_EMPTY_PATH ? PITH_LOOKUP_EMPTY : 0),
			 &nd);
	if (err)
		return err;
	pith_vfs_stat(nd.vn, st);
	pith_nameidata_done(&nd);
	return 0;
}

static long stat_out(int dirfd, const char *path, int flags, struct stat *ust)
{
	struct stat st;
	long err = stat_at(dirfd, path, flags, &st);

	if (err)
		return err;
	if (!pith_user_writable(ust, sizeof(*ust)))
		return -EFAULT;
	memcpy(ust, &st, sizeof(st));
	return 0;
}

PITH_SYSCALL2(stat, const char *, path, struct stat *, st)
{
	return stat_out(AT_FDCWD, path, 0, st);
}

PITH_SYSCALL2(lstat, const char *, path, struct stat *, st)
{
	return stat_out(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, st);
}

PITH_SYSCALL4(newfstatat, int, dirfd, const char *, path, struct stat *, st, int, flags)
{
	if (flags & LINUX_AT_STATX_SYNC)
		return -EINVAL; /* statx's flags only */
	return stat_out(dirfd, path, flags, st);
}

static struct linux_statx_ts statx_ts(struct timespec ts)
{
	return (struct linux_statx_ts){.tv_sec = ts.tv_sec, .tv_nsec = (uint32_t)ts.tv_nsec};
}

/* The basic fields (STATX_BASIC_STATS); no birth time, no attributes. */
static void statx_fill(const struct stat *st, struct linux_statx *sx)
{
	memset(sx, 0, sizeof(*sx));
	sx->mask = LINUX_STATX_BASIC_STATS;
	sx->blksize = (uint32_t)st->st_blksize;
	sx->nlink = (uint32_t)st->st_nlink;
	sx->uid = st->st_uid;
	sx->gid = st->st_gid;
	sx->mode = (uint16_t)st->st_mode;
	sx->ino = st->st_ino;
	sx->size = (uint64_t)st->st_size;
	sx->blocks = (uint64_t)st->st_blocks;
	sx->atime = statx_ts(st->st_atim);
	sx->mtime = statx_ts(st->st_mtim);
	sx->ctime = statx_ts(st->st_ctim);
	sx->rdev_major = major(st->st_rdev);
	sx->rdev_minor = minor(st->st_rdev);
	sx->dev_major = major(st->st_dev);
	sx->dev_minor = minor(st->st_dev);
}

PITH_SYSCALL5(statx, int, dirfd, const char *, path, int, flags, unsigned, mask, void *, buf)
{
	struct linux_statx sx;
	struct stat st;
	long err;

	if ((mask & LINUX_STATX_RESERVED) || (flags & LINUX_AT_STATX_SYNC) == LINUX_AT_STATX_SYNC)
		return -EINVAL;
	err = stat_at(dirfd, path, flags, &st);
	if (err)
		return err;
	statx_fill(&st, &sx);
	if (!pith_user_writable(buf, sizeof(sx)))
		return -EFAULT;
	memcpy(buf, &sx, sizeof(sx));
	return 0;
}
