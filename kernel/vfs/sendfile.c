/* sendfile: from a file to any writable fd (socket, pipe, console, file) via a bounce buffer. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include "console/console.h"
#include "core/core.h"
#include "mem/mem.h"
#include "syscall/syscall.h"
#include "vfs/internal.h"

#define BOUNCE (64u * 1024) /* bytes read from the file per round */

/*
 * Writes n bytes of buf to out with out's own writev, waiting while it is full in blocking
 * mode (up to SO_SNDTIMEO, as write does): the bytes written, short when out is non-blocking,
 * timed out or failed after some; -errno when none.
 */
static long write_all(struct pith_file *out, const char *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		struct iovec iov = {(void *)(buf + done), n - done};
		long w = out->ops->writev(out, &iov, 1, n - done);

		if (w == -EAGAIN && !(out->flags & O_NONBLOCK) &&
		    !pith_file_wait(out, EPOLLOUT, out->snd_timeout_ns))
			continue;
		if (w <= 0)
			return done ? (long)done : w;
		done += (size_t)w;
	}
	return (long)done;
}

/* Reads up to n bytes of in at pos into buf (one filesystem operation). */
static long read_chunk(struct pith_file *in, char *buf, size_t n, uint64_t pos)
{
	struct iovec iov = {buf, n};
	long r;

	pith_vfs_enter();
	r = in->ops->preadv(in, &iov, 1, n, pos);
	pith_vfs_leave();
	return r;
}

/* Copies up to count bytes from in at *pos to out, advancing *pos: bytes sent or -errno. */
static long copy_loop(struct pith_file *out, struct pith_file *in, uint64_t *pos, size_t count,
		      char *buf)
{
	size_t total = 0;
	long err = 0;

	while (total < count) {
		size_t chunk = count - total < BOUNCE ? count - total : BOUNCE;
		long r = read_chunk(in, buf, chunk, *pos), w;

		if (r <= 0) {
			err = r; /* 0: end of file */
			break;
		}
		w = write_all(out, buf, (size_t)r);
		if (w < 0) {
			err = w;
			break;
		}
		*pos += (uint64_t)w;
		total += (size_t)w;
		if (w < r)
			break; /* out is full (non-blocking) or failed midway */
	}
	return total ? (long)total : err;
}

/* in: open for reading and a regular file of the VFS (else -EINVAL, as Linux without
   splice_read); out: open for writing, not O_APPEND (Linux's do_splice_direct: -EINVAL). */
static long check_files(struct pith_file *in, struct pith_file *out)
{
	struct pith_vnode *vn;

	if (!in || (in->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	vn = pith_vfs_file_vnode(in);
	if (!vn || !S_ISREG(vn->mode) || !in->ops->preadv)
		return -EINVAL;
	if (!out || (out->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if ((out->flags & O_APPEND) || !out->ops->writev)
		return -EINVAL;
	return 0;
}

static long do_sendfile(struct pith_file *out, struct pith_file *in, uint64_t *pos, size_t count)
{
	char *buf;
	long ret;

	if (count > PITH_MAX_RW_COUNT)
		count = PITH_MAX_RW_COUNT;
	if (count == 0)
		return 0;
	buf = pith_kmalloc(BOUNCE);
	if (!buf)
		return -ENOMEM;
	ret = copy_loop(out, in, pos, count, buf);
	pith_kfree(buf, BOUNCE);
	return ret;
}

/*
 * offset NULL: from in's position, which advances; else from *offset (read first, -EFAULT as
 * Linux before any fd check), written back with the position reached; in's position stays.
 */
PITH_SYSCALL4(sendfile, int, out_fd, int, in_fd, long *, offset, size_t, count)
{
	struct pith_file *in = pith_vfs_fd_file(in_fd), *out = pith_vfs_fd_file(out_fd);
	uint64_t pos;
	long ret;

	if (offset && !pith_user_writable(offset, sizeof(*offset)))
		return -EFAULT;
	ret = check_files(in, out);
	if (ret)
		return ret;
	if (offset && *offset < 0)
		return -EINVAL;
	pos = offset ? (uint64_t)*offset : in->pos;
	ret = do_sendfile(out, in, &pos, count);
	if (offset)
		*offset = (long)pos;
	else
		in->pos = pos;
	return ret;
}
