/* The fd table (fds 0-2 start as the console), install/lookup, close and the dup family. */
#include <errno.h>
#include <fcntl.h>

#include "core/core.h"
#include "core/note.h"
#include "fd/internal.h"
#include "syscall/syscall.h"

PITH_COMPONENT_NOTE(fd);

#define NWORDS (PITH_FD_MAX / 64)

/* Zero-initialized (bss): a 32 KiB table in .data would grow every image by as much. */
static struct pith_file *table[PITH_FD_MAX];
static uint64_t open_bits[NWORDS]; /* fd is open */
static uint64_t cloexec_bits[NWORDS];

void pith_fd_init(void)
{
	for (int fd = 0; fd < 3; fd++)
		table[fd] = &pith_console_files[fd];
	open_bits[0] |= 0x7;
}

PITH_INIT_HOOK(fd, pith_fd_init);

static bool fd_valid(int fd)
{
	return fd >= 0 && fd < PITH_FD_MAX;
}

static void set_bit(uint64_t *bits, int fd, bool on)
{
	if (on)
		bits[fd / 64] |= 1ULL << (fd % 64);
	else
		bits[fd / 64] &= ~(1ULL << (fd % 64));
}

/* The lowest closed fd >= min, or -1. */
static int lowest_free(int min)
{
	for (int w = min / 64; w < NWORDS; w++) {
		uint64_t free = ~open_bits[w];

		if (w == min / 64)
			free &= ~0ULL << (min % 64);
		if (free)
			return w * 64 + __builtin_ctzll(free);
	}
	return -1;
}

struct pith_file *pith_fd_get(int fd)
{
	return fd_valid(fd) ? table[fd] : NULL;
}

struct pith_file *pith_fd_for(int fd, bool write_side)
{
	struct pith_file *f = pith_fd_get(fd);
	unsigned mode = f ? f->flags & O_ACCMODE : 0;

	if (!f || (write_side ? mode == O_RDONLY : mode == O_WRONLY))
		return NULL;
	return f;
}

bool pith_fd_cloexec(int fd)
{
	return cloexec_bits[fd / 64] & (1ULL << (fd % 64));
}

void pith_fd_set_cloexec(int fd, bool on)
{
	set_bit(cloexec_bits, fd, on);
}

int pith_fd_install(struct pith_file *f, int min, bool cloexec)
{
	int fd = fd_valid(min) ? lowest_free(min) : -1;

	if (fd < 0)
		return -EMFILE;
	pith_file_get(f);
	table[fd] = f;
	set_bit(open_bits, fd, true);
	set_bit(cloexec_bits, fd, cloexec);
	return fd;
}

/* Empties fd's slot and returns the file that was there (its reference now the caller's). */
static struct pith_file *fd_take(int fd)
{
	struct pith_file *f = table[fd];

	table[fd] = NULL;
	set_bit(open_bits, fd, false);
	set_bit(cloexec_bits, fd, false);
	return f;
}

void pith_fd_replace(int newfd, struct pith_file *f, bool cloexec)
{
	struct pith_file *old = table[newfd];

	pith_file_get(f);
	table[newfd] = f;
	set_bit(open_bits, newfd, true);
	set_bit(cloexec_bits, newfd, cloexec);
	if (old)
		pith_file_put(old); /* after the swap: release may look at the table */
}

int pith_fd_close(int fd)
{
	if (!pith_fd_get(fd))
		return -EBADF;
	pith_file_put(fd_take(fd));
	return 0;
}

void pith_fd_close_all(void)
{
	for (int fd = 0; fd < PITH_FD_MAX; fd++)
		if (table[fd])
			pith_fd_close(fd);
}

PITH_SYSCALL1(close, int, fd)
{
	return pith_fd_close(fd);
}

PITH_SYSCALL1(dup, int, oldfd)
{
	struct pith_file *f = pith_fd_get(oldfd);

	return f ? pith_fd_install(f, 0, false) : -EBADF;
}

static long dup_to(int oldfd, int newfd, bool cloexec)
{
	struct pith_file *f = pith_fd_get(oldfd);

	if (!f || !fd_valid(newfd))
		return -EBADF;
	pith_fd_replace(newfd, f, cloexec);
	return newfd;
}

PITH_SYSCALL2(dup2, int, oldfd, int, newfd)
{
	if (oldfd == newfd)
		return pith_fd_get(oldfd) ? newfd : -EBADF;
	return dup_to(oldfd, newfd, false);
}

PITH_SYSCALL3(dup3, int, oldfd, int, newfd, int, flags)
{
	if ((flags & ~O_CLOEXEC) || oldfd == newfd)
		return -EINVAL;
	return dup_to(oldfd, newfd, (flags & O_CLOEXEC) != 0);
}
