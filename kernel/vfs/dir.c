/* getdents64, getcwd, chdir and fchdir. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include "core/core.h"
#include "syscall/syscall.h"
#include "vfs/internal.h"

/* Linux's struct linux_dirent64 (include/linux/dirent.h): records 8-byte aligned. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};

struct dents {
	char *buf; /* user memory, checked writable */
	size_t cap, used;
	bool full; /* an entry did not fit */
};

static bool dents_fill(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
		       uint64_t next)
{
	struct dents *d = ctx;
	size_t head = offsetof(struct linux_dirent64, d_name);
	size_t reclen = (head + len + 1 + 7) & ~(size_t)7;
	struct linux_dirent64 e = {ino, (int64_t)next, (uint16_t)reclen, (uint8_t)type};
	char *at = d->buf + d->used;

	if (reclen > d->cap - d->used) {
		d->full = true;
		return false;
	}
	memcpy(at, &e, head);
	memcpy(at + head, name, len);
	memset(at + head + len, 0, reclen - head - len);
	d->used += reclen;
	return true;
}

PITH_SYSCALL3(getdents64, int, fd, void *, buf, unsigned, count)
{
	struct pith_file *f = pith_fd_get(fd);
	struct pith_vnode *vn = f ? pith_vfs_file_vnode(f) : NULL;
	struct dents d = {buf, count, 0, false};
	uint64_t cookie;
	int err;

	if (!f || (vn && pith_vfs_file_is_path(f)))
		return -EBADF;
	if (!vn || !S_ISDIR(vn->mode))
		return -ENOTDIR;
	if (!pith_user_writable(buf, count))
		return -EFAULT;
	cookie = f->pos;
	pith_vfs_enter();
	err = vn->ops->readdir(vn, &cookie, dents_fill, &d);
	pith_vfs_leave();
	f->pos = cookie;
	if (err)
		return d.used ? (long)d.used : err;
	if (!d.used && d.full)
		return -EINVAL; /* not even one entry fits */
	return (long)d.used;
}

/* getcwd's search: the name under which a directory's parent lists inode `ino`. */
struct find {
	uint64_t ino;
	char *name;
	size_t len;
};

static bool find_fill(void *ctx, const char *name, size_t len, uint64_t ino, unsigned type,
		      uint64_t next)
{
	struct find *fd = ctx;

	(void)type, (void)next;
	if (ino != fd->ino || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return true;
	memcpy(fd->name, name, len);
	fd->len = len;
	return false;
}

/* Prepends "/" + vn's name in parent to path[*pos..]: -ENOENT (not listed), -ENAMETOOLONG. */
static int prepend_name(struct pith_vnode *parent, struct pith_vnode *vn, char *path, size_t *pos)
{
	char name[PITH_NAME_MAX + 1];
	struct find fd = {vn->ino, name, 0};
	uint64_t cookie = 0;
	int err = parent->ops->readdir(parent, &cookie, find_fill, &fd);

	if (err)
		return err;
	if (!fd.len)
		return -ENOENT;
	if (fd.len + 1 > *pos)
		return -ENAMETOOLONG;
	*pos -= fd.len;
	memcpy(path + *pos, name, fd.len);
	path[--*pos] = '/';
	return 0;
}

/* A mount's root stands for the directory it covers (held references swapped). */
static struct pith_vnode *climb_mounts(struct pith_vnode *vn)
{
	while (vn != pith_vfs_root() && vn == vn->mnt->root && vn->mnt->covered) {
		struct pith_vnode *up = vn->mnt->covered;

		pith_vnode_hold(up);
		pith_vnode_put(vn);
		vn = up;
	}
	return vn;
}

/*
 * The cwd's path, found by walking up with ".." and looking each name up in its parent (so it
 * stays right after renames), built backwards at the end of path[]; its start.
 */
static long cwd_path(char *path, size_t cap, size_t *start)
{
	struct pith_vnode *vn = pith_vfs_cwd(), *parent;
	size_t pos = cap - 1;
	long err = 0;

	path[pos] = 0;
	if (!vn->nlink)
		return -ENOENT; /* removed, as Linux */
	pith_vnode_hold(vn);
	while (!err && (vn = climb_mounts(vn)) != pith_vfs_root()) {
		err = vn->ops->lookup(vn, "..", 2, &parent);
		if (err)
			break;
		err = prepend_name(parent, vn, path, &pos);
		pith_vnode_put(vn);
		vn = parent;
	}
	pith_vnode_put(vn);
	if (pos == cap - 1)
		path[--pos] = '/';
	*start = pos;
	return err;
}

PITH_SYSCALL2(getcwd, char *, buf, size_t, size)
{
	char path[PITH_PATH_MAX];
	size_t start, len;
	long err;

	pith_vfs_enter();
	err = cwd_path(path, sizeof(path), &start);
	pith_vfs_leave();
	if (err)
		return err;
	len = sizeof(path) - start;
	if (size < len)
		return -ERANGE;
	if (!pith_user_writable(buf, len))
		return -EFAULT;
	memcpy(buf, path + start, len);
	return (long)len;
}

static long change_dir(struct pith_vnode *vn)
{
	if (!S_ISDIR(vn->mode))
		return -ENOTDIR;
	pith_vfs_set_cwd(vn);
	return 0;
}

PITH_SYSCALL1(chdir, const char *, path)
{
	struct pith_nameidata nd;
	long err = pith_namei(AT_FDCWD, path, PITH_LOOKUP_FOLLOW, &nd);

	if (err)
		return err;
	err = change_dir(nd.vn);
	pith_nameidata_done(&nd);
	return err;
}

PITH_SYSCALL1(fchdir, int, fd)
{
	struct pith_vnode *vn;
	long err = pith_vfs_fd_vnode(fd, &vn);

	if (err)
		return err == -EINVAL ? -ENOTDIR : err;
	return change_dir(vn);
}
