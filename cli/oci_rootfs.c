/* pith-oci: open the unikernel image inside a container's rootfs without ever leaving it. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "oci.h"

/* openat2(2): RESOLVE_IN_ROOT may fail with EAGAIN when a rename or mount raced it: retry. */
#define ROOTFS_EAGAIN_TRIES 32

static int rootfs__openat2(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how = {.flags = flags, .mode = 0, .resolve = resolve};
	int fd = -1;

	for (int i = 0; i < ROOTFS_EAGAIN_TRIES; i++) {
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return fd;
}

/*
 * openat2(2): with RESOLVE_IN_ROOT, absolute symlinks and ".." resolve as if dirfd were the
 * root (a chroot); with RESOLVE_NO_MAGICLINKS, /proc/.../fd-style links are refused. The image
 * is opened in two steps: O_PATH first (no open(2) side effects: a fifo does not block, a
 * device's driver is not called), then, only if that is a regular file, for reading.
 */
static int rootfs__resolve(int rootfd, const char *path, uint64_t flags)
{
	/* openat2 refuses O_PATH with flags other than O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW. */
	if (!(flags & O_PATH))
		flags |= O_NOCTTY;
	return rootfs__openat2(rootfd, path, flags | O_CLOEXEC,
			       RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

/*
 * Why did the path not resolve inside the root? RESOLVE_BENEATH (openat2(2)) fails with EXDEV
 * when resolution would leave dirfd: through "..", an absolute symlink, or the absolute path
 * itself (so the leading '/' is skipped). An absolute symlink that stays inside (/bin ->
 * /usr/bin) also gives EXDEV: it is reported as leading outside only if, resolved the host's
 * way, the path names something that exists (fstatat: no file is opened).
 */
static int rootfs__escapes(int rootfd, const char *path)
{
	struct stat st;
	const char *rel = path;
	int fd;

	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		return 0;
	fd = rootfs__openat2(rootfd, rel, O_PATH | O_CLOEXEC,
			     RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (errno != EXDEV)
		return 0;
	return fstatat(rootfd, rel, &st, 0) == 0;
}

static int rootfs__fail(int rootfd, const char *rootfs, const char *path, int e, char *err,
			size_t errlen)
{
	if ((e == ENOENT || e == ENOTDIR) && rootfs__escapes(rootfd, path))
		snprintf(err, errlen,
			 "%s leads outside the container's rootfs (through a symlink or '..'): "
			 "refusing",
			 path);
	else if (e == ENOENT || e == ENOTDIR)
		snprintf(err, errlen, "%s: no such file in the container's rootfs (%s)", path,
			 rootfs);
	else if (e == ELOOP)
		snprintf(err, errlen,
			 "%s: too many levels of symbolic links (a loop?) in the container's "
			 "rootfs (%s)",
			 path, rootfs);
	else if (e == ENOSYS)
		snprintf(err, errlen, "%s: cannot open safely: openat2 needs Linux 5.6 or later",
			 path);
	else
		snprintf(err, errlen, "%s: cannot open in the container's rootfs (%s): %s", path,
			 rootfs, strerror(e));
	return -1;
}

static int rootfs__not_regular(const char *path, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s is not a regular file", path);
	return -1;
}

/* Open path for reading (non-blocking while checked): it must still be the file want describes. */
static int rootfs__reopen(int rootfd, const char *path, const struct stat *want, char *err,
			  size_t errlen)
{
	struct stat st;
	int fd = rootfs__resolve(rootfd, path, O_RDONLY | O_NONBLOCK);

	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open for reading: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || st.st_dev != want->st_dev || st.st_ino != want->st_ino ||
	    !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s changed while it was being opened: refusing", path);
		return -1;
	}
	if (fcntl(fd, F_SETFL, 0) < 0) {
		snprintf(err, errlen, "%s: fcntl: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int rootfs__open_in(int rootfd, const char *rootfs, const char *path, char *err,
			   size_t errlen)
{
	struct stat st;
	int pfd = rootfs__resolve(rootfd, path, O_PATH);
	int rc;

	if (pfd < 0)
		return rootfs__fail(rootfd, rootfs, path, errno, err, errlen);
	rc = fstat(pfd, &st);
	close(pfd);
	if (rc < 0) {
		snprintf(err, errlen, "%s: fstat: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode))
		return rootfs__not_regular(path, err, errlen);
	return rootfs__reopen(rootfd, path, &st, err, errlen);
}

int oci_rootfs__open(const char *rootfs, const char *path, char *err, size_t errlen)
{
	int rootfd, fd;

	if (*path == '\0') {
		snprintf(err, errlen, "the image path is empty");
		return -1;
	}
	rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		snprintf(err, errlen, "cannot open the container's rootfs %s: %s", rootfs,
			 strerror(errno));
		return -1;
	}
	fd = rootfs__open_in(rootfd, rootfs, path, err, errlen);
	close(rootfd);
	return fd;
}
