/* Durability and filesystem figures: fsync, fdatasync, sync, syncfs, statfs, fstatfs. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include "core/core.h"
#include "syscall/syscall.h"
#include "vfs/internal.h"

/* f_type of the files that are not on a mount (Linux's include/uapi/linux/magic.h). */
#define PIPEFS_MAGIC	    0x50495045
#define SOCKFS_MAGIC	    0x534F434B
#define DEVPTS_SUPER_MAGIC  0x1cd1
#define ANON_INODE_FS_MAGIC 0x09041934

/* Linux's statfs f_flags: ST_VALID says f_flags is filled in (include/linux/statfs.h). */
#define ST_VALID 0x0020

/*
 * fsync/fdatasync: the filesystem's fsync makes the file's data and metadata durable on the
 * host (ext2: write-back, then a flush that is the host's fdatasync). Files that are not on a
 * mount (pipes, sockets, the console) answer -EINVAL, as Linux does for them and for a tty.
 */
static long do_fsync(int fd, bool datasync)
{
	struct pith_file *f = pith_vfs_fd_file(fd);
	struct pith_vnode *vn;
	long err;

	if (!f)
		return -EBADF;
	vn = pith_vfs_file_vnode(f);
	if (!vn)
		return -EINVAL;
	if (!vn->ops->fsync || vn->mnt->readonly)
		return 0; /* nothing is ever dirty on a read-only mount (Linux answers 0 too) */
	pith_vfs_enter();
	err = vn->ops->fsync(vn, datasync);
	pith_vfs_leave();
	return err;
}

PITH_SYSCALL1(fsync, int, fd)
{
	return do_fsync(fd, false);
}

PITH_SYSCALL1(fdatasync, int, fd)
{
	return do_fsync(fd, true);
}

/* sync(2) cannot fail: write-back errors show up in the next fsync of the file concerned. */
PITH_SYSCALL0(sync)
{
	pith_vfs_sync_all(true);
	return 0;
}

/* syncfs: fd's mount, flushed; a file on no mount (pipe, socket) has nothing to write. */
PITH_SYSCALL1(syncfs, int, fd)
{
	struct pith_file *f = pith_vfs_fd_file(fd);
	struct pith_vnode *vn;
	long err;

	if (!f)
		return -EBADF;
	vn = pith_vfs_file_vnode(f);
	if (!vn || !vn->mnt->type->sync)
		return 0;
	pith_vfs_enter();
	err = vn->mnt->type->sync(vn->mnt, true);
	pith_vfs_leave();
	return err;
}

/* The mount's figures into the user's buffer (checked after the lookup, as Linux). */
static long statfs_mount(struct pith_mount *m, struct statfs *ubuf)
{
	struct statfs st;
	long err;

	memset(&st, 0, sizeof(st));
	err = m->type->statfs(m, &st);
	if (err)
		return err;
	st.f_flags |= ST_VALID | (m->readonly ? ST_RDONLY : 0);
	if (!pith_user_writable(ubuf, sizeof(st)))
		return -EFAULT;
	memcpy(ubuf, &st, sizeof(st));
	return 0;
}

static long statfs_nd(struct pith_nameidata *nd, void *ctx)
{
	return statfs_mount(nd->vn->mnt, ctx);
}

PITH_SYSCALL2(statfs, const char *, path, struct statfs *, buf)
{
	return pith_vfs_at(AT_FDCWD, path, PITH_LOOKUP_FOLLOW, statfs_nd, buf);
}

/* What Linux reports for a file on its pseudo filesystems (pipefs, sockfs, devpts ...). */
static long statfs_pseudo(const struct pith_file *f, struct statfs *ubuf)
{
	struct statfs st;

	memset(&st, 0, sizeof(st));
	switch (f->ops->mode & S_IFMT) {
	case S_IFIFO:
		st.f_type = PIPEFS_MAGIC;
		break;
	case S_IFSOCK:
		st.f_type = SOCKFS_MAGIC;
		break;
	case S_IFCHR:
		st.f_type = DEVPTS_SUPER_MAGIC; /* the console stands for a terminal */
		break;
	default:
		st.f_type = ANON_INODE_FS_MAGIC; /* eventfd, epoll */
	}
	st.f_bsize = st.f_frsize = 4096;
	st.f_namelen = 255;
	st.f_flags = ST_VALID;
	if (!pith_user_writable(ubuf, sizeof(st)))
		return -EFAULT;
	memcpy(ubuf, &st, sizeof(st));
	return 0;
}

PITH_SYSCALL2(fstatfs, int, fd, struct statfs *, buf)
{
	struct pith_file *f = pith_fd_get(fd);
	struct pith_vnode *vn;

	if (!f)
		return -EBADF;
	vn = pith_vfs_file_vnode(f);
	return vn ? statfs_mount(vn->mnt, buf) : statfs_pseudo(f, buf);
}
