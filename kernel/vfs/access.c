/* access, faccessat, faccessat2: existence plus root's rules (permissions are not enforced). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscall/syscall.h"
#include "vfs/internal.h"

/*
 * ctx: the mode (R_OK | W_OK | X_OK or F_OK). Root may read and write anything (Linux's
 * CAP_DAC_OVERRIDE), except that W_OK on a read-only mount is -EROFS for regular files,
 * directories and symlinks (Linux's sb_permission); X_OK needs a directory or some x bit.
 */
static long access_nd(struct pith_nameidata *nd, void *ctx)
{
	int mode = *(int *)ctx;
	uint32_t m = nd->vn->mode;

	if ((mode & W_OK) && (S_ISREG(m) || S_ISDIR(m) || S_ISLNK(m)) && pith_vfs_writable(nd->vn))
		return -EROFS;
	if ((mode & X_OK) && !S_ISDIR(m) && !(m & (S_IXUSR | S_IXGRP | S_IXOTH)))
		return -EACCES;
	return 0;
}

static long do_access(int dirfd, const char *path, int mode, int flags)
{
	unsigned lookup = PITH_LOOKUP_FOLLOW;

	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (flags & AT_SYMLINK_NOFOLLOW)
		lookup = 0;
	if (flags & AT_EMPTY_PATH)
		lookup |= PITH_LOOKUP_EMPTY;
	return pith_vfs_at(dirfd, path, lookup, access_nd, &mode);
}

PITH_SYSCALL2(access, const char *, path, int, mode)
{
	return do_access(AT_FDCWD, path, mode, 0);
}

PITH_SYSCALL3(faccessat, int, dirfd, const char *, path, int, mode)
{
	return do_access(dirfd, path, mode, 0);
}

PITH_SYSCALL4(faccessat2, int, dirfd, const char *, path, int, mode, int, flags)
{
	return do_access(dirfd, path, mode, flags);
}
