/* Names and messages of the Linux errno values a trace line may show. */
#include <errno.h>
#include <stddef.h>

#include "syscall/trace_fmt.h"

struct errno_info {
	const char *name;
	const char *msg;
};

#define E(n, m) [n] = {#n, m}

/* clang-format off */
static const struct errno_info errnos[] = {
	E(EPERM, "Operation not permitted"),
	E(ENOENT, "No such file or directory"),
	E(ESRCH, "No such process"),
	E(EINTR, "Interrupted system call"),
	E(EIO, "Input/output error"),
	E(ENXIO, "No such device or address"),
	E(E2BIG, "Argument list too long"),
	E(ENOEXEC, "Exec format error"),
	E(EBADF, "Bad file descriptor"),
	E(ECHILD, "No child processes"),
	E(EAGAIN, "Resource temporarily unavailable"),
	E(ENOMEM, "Cannot allocate memory"),
	E(EACCES, "Permission denied"),
	E(EFAULT, "Bad address"),
	E(EBUSY, "Device or resource busy"),
	E(EEXIST, "File exists"),
	E(EXDEV, "Invalid cross-device link"),
	E(ENODEV, "No such device"),
	E(ENOTDIR, "Not a directory"),
	E(EISDIR, "Is a directory"),
	E(EINVAL, "Invalid argument"),
	E(ENFILE, "Too many open files in system"),
	E(EMFILE, "Too many open files"),
	E(ENOTTY, "Inappropriate ioctl for device"),
	E(EFBIG, "File too large"),
	E(ENOSPC, "No space left on device"),
	E(ESPIPE, "Illegal seek"),
	E(EROFS, "Read-only file system"),
	E(EPIPE, "Broken pipe"),
	E(EDOM, "Numerical argument out of domain"),
	E(ERANGE, "Numerical result out of range"),
	E(EDEADLK, "Resource deadlock avoided"),
	E(ENAMETOOLONG, "File name too long"),
	E(ENOSYS, "Function not implemented"),
	E(ENOTEMPTY, "Directory not empty"),
	E(ELOOP, "Too many levels of symbolic links"),
	E(EOVERFLOW, "Value too large for defined data type"),
	E(ENOTSOCK, "Socket operation on non-socket"),
	E(EOPNOTSUPP, "Operation not supported"),
	E(EAFNOSUPPORT, "Address family not supported by protocol"),
	E(EADDRINUSE, "Address already in use"),
	E(ECONNRESET, "Connection reset by peer"),
	E(ETIMEDOUT, "Connection timed out"),
	E(ECONNREFUSED, "Connection refused"),
};
/* clang-format on */

static const struct errno_info *lookup(int err)
{
	if (err <= 0 || (size_t)err >= sizeof(errnos) / sizeof(errnos[0]) || !errnos[err].name)
		return NULL;
	return &errnos[err];
}

const char *pith_errno_name(int err)
{
	const struct errno_info *e = lookup(err);

	return e ? e->name : NULL;
}

const char *pith_errno_msg(int err)
{
	const struct errno_info *e = lookup(err);

	return e ? e->msg : NULL;
}
