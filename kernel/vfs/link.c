/* Hard links: link and linkat (AT_SYMLINK_FOLLOW, AT_EMPTY_PATH). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "syscall/syscall.h"
#include "vfs/internal.h"

/* ctx: the existing vnode. Linux's order: filename_create's checks, -EXDEV, then vfs_link's
   -EPERM for a directory and -ENOENT for a file already unlinked (AT_EMPTY_PATH). */
static long link_nd(struct pith_nameidata *nd, void *ctx)
{
	struct pith_vnode *vn = ctx;
	long err = pith_vfs_may_create(nd, false);

	if (err)
		return err;
	if (nd->dir->mnt != vn->mnt)
		return -EXDEV;
	if (S_ISDIR(vn->mode))
		return -EPERM;
	if (vn->nlink == 0)
		return -ENOENT;
	return nd->dir->ops->link(nd->dir, nd->name, nd->len, vn);
}

/* The new name's place. */
struct link_args {
	int newdirfd;
	const char *newpath;
};

/* ctx: the new name; nd: the existing file. */
static long old_nd(struct pith_nameidata *nd, void *ctx)
{
	struct link_args *a = ctx;

	if (nd->trailing_slash && !S_ISDIR(nd->vn->mode))
		return -ENOTDIR;
	return pith_vfs_at(a->newdirfd, a->newpath, PITH_LOOKUP_PARENT, link_nd, nd->vn);
}

static long do_link(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags)
{
	unsigned lookup = 0;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (flags & AT_SYMLINK_FOLLOW)
		lookup |= PITH_LOOKUP_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		lookup |= PITH_LOOKUP_EMPTY; /* root may link an fd's file (CAP_DAC_READ_SEARCH) */
	return pith_vfs_at(olddirfd, oldpath, lookup, old_nd,
			   &(struct link_args){newdirfd, newpath});
}

PITH_SYSCALL2(link, const char *, oldpath, const char *, newpath)
{
	return do_link(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

PITH_SYSCALL5(linkat, int, olddirfd, const char *, oldpath, int, newdirfd, const char *, newpath,
	      int, flags)
{
	return do_link(olddirfd, oldpath, newdirfd, newpath, flags);
}
