/* rename, renameat and renameat2 (RENAME_NOREPLACE; RENAME_EXCHANGE is refused as Linux's ext2). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "syscall/syscall.h"
#include "vfs/internal.h"

/* renameat2's flags (Linux's include/uapi/linux/fs.h; musl 1.2.3 does not define them). */
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE	 (1 << 1)
#define RENAME_WHITEOUT	 (1 << 2)

/* Deeper than any real tree: a ".." chain this long is a loop on a corrupt disk. */
#define DEPTH_MAX 65536

/*
 * Whether anc is dir or one of its ancestors on dir's mount (walking ".." up to the mount's
 * root): 1, 0 or -errno (an I/O error while walking; -EIO for a loop of ".." entries or one
 * that is not a directory).
 */
static int is_ancestor(struct pith_vnode *anc, struct pith_vnode *dir)
{
	struct pith_vnode *cur = dir, *up;
	unsigned depth = 0;
	int ret = 0;

	pith_vnode_hold(cur);
	while (cur != anc && cur != cur->mnt->root) {
		ret = ++depth > DEPTH_MAX ? -EIO : cur->ops->lookup(cur, "..", 2, &up);
		pith_vnode_put(cur);
		if (ret)
			return ret;
		cur = up;
		if (!S_ISDIR(cur->mode)) {
			pith_vnode_put(cur); /* a ".." that is not a directory: corrupt */
			return -EIO;
		}
	}
	ret = cur == anc;
	pith_vnode_put(cur);
	return ret;
}

/* The checks on the two existing entries, in Linux's order (do_renameat2, vfs_rename). */
static long check_entries(const struct pith_nameidata *o, const struct pith_nameidata *n,
			  unsigned flags)
{
	if (!o->vn)
		return -ENOENT;
	if ((flags & RENAME_NOREPLACE) && n->vn)
		return -EEXIST;
	if ((flags & RENAME_EXCHANGE) && !n->vn)
		return -ENOENT;
	if (!S_ISDIR(o->vn->mode) && (o->trailing_slash || n->trailing_slash))
		return -ENOTDIR;
	return 0;
}

/* A directory may not move into its own subtree (-EINVAL), nor replace one of the source's
   ancestors (-ENOTEMPTY: that directory holds the source). */
static long check_subtree(const struct pith_nameidata *o, const struct pith_nameidata *n)
{
	int r = 0;

	if (S_ISDIR(o->vn->mode))
		r = is_ancestor(o->vn, n->dir);
	if (r)
		return r < 0 ? r : -EINVAL;
	if (n->vn && S_ISDIR(n->vn->mode))
		r = is_ancestor(n->vn, o->dir);
	if (r)
		return r < 0 ? r : -ENOTEMPTY;
	return 0;
}

/* vfs_rename's checks once both entries are known; 1 for "same file: nothing to do". */
static long check_types(const struct pith_nameidata *o, const struct pith_nameidata *n)
{
	if (o->vn == n->vn)
		return 1;
	if (n->vn && S_ISDIR(o->vn->mode) && !S_ISDIR(n->vn->mode))
		return -ENOTDIR;
	if (n->vn && !S_ISDIR(o->vn->mode) && S_ISDIR(n->vn->mode))
		return -EISDIR;
	if (pith_vfs_busy(o->vn) || (n->vn && pith_vfs_busy(n->vn)))
		return -EBUSY;
	return 0;
}

/* Everything after both parent lookups. */
static long rename_looked_up(const struct pith_nameidata *o, const struct pith_nameidata *n,
			     unsigned flags)
{
	long err;

	if (o->dir->mnt != n->dir->mnt)
		return -EXDEV;
	if (o->last_dot)
		return -EBUSY;
	if (n->last_dot)
		return (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
	err = pith_vfs_writable(o->dir);
	if (!err)
		err = check_entries(o, n, flags);
	if (!err)
		err = check_subtree(o, n);
	if (!err)
		err = check_types(o, n);
	if (err)
		return err > 0 ? 0 : err;
	if (flags & RENAME_EXCHANGE)
		return -EINVAL; /* not supported (Linux's ext2 answers the same) */
	return o->dir->ops->rename(o->dir, o->name, o->len, o->vn, n->dir, n->name, n->len, n->vn);
}

static long do_rename(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
		      unsigned flags)
{
	struct pith_nameidata o, n;
	long err;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) && (flags & RENAME_EXCHANGE))
		return -EINVAL;
	if (flags & RENAME_WHITEOUT)
		return -EINVAL; /* overlay filesystems only (Linux's ext2 answers the same) */
	pith_vfs_enter();
	err = pith_namei(olddirfd, oldpath, PITH_LOOKUP_PARENT, &o);
	if (!err) {
		err = pith_namei(newdirfd, newpath, PITH_LOOKUP_PARENT, &n);
		if (!err) {
			err = rename_looked_up(&o, &n, flags);
			pith_nameidata_done(&n);
		}
		pith_nameidata_done(&o);
	}
	pith_vfs_leave();
	return err;
}

PITH_SYSCALL2(rename, const char *, oldpath, const char *, newpath)
{
	return do_rename(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

PITH_SYSCALL4(renameat, int, olddirfd, const char *, oldpath, int, newdirfd, const char *, newpath)
{
	return do_rename(olddirfd, oldpath, newdirfd, newpath, 0);
}

PITH_SYSCALL5(renameat2, int, olddirfd, const char *, oldpath, int, newdirfd, const char *, newpath,
	      unsigned, flags)
{
	return do_rename(olddirfd, oldpath, newdirfd, newpath, flags);
}
