/* A per-user cache of KVM's supported CPUID table: spares ~0.4 ms of host CPUID work per run. */
#include "x86_64/cpuid_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#define CACHE_MAGIC   "PITHCPU1"
#define CACHE_FILE    "cpuid"
#define BOOT_ID_PATH  "/proc/sys/kernel/random/boot_id"
#define ROOT_CACHE    "/run/pith"
#define KVM_API_CACHE 12

/* The file: the key, the entry count, then the entries. */
struct cache_head {
	struct x86_cpuid_key key;
	uint32_t nent;
	uint32_t zero;
};

/* Where this user's cache lives: $XDG_RUNTIME_DIR/pith, or /run/pith for root; else "". */
static void cache__dir(char *dir, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	dir[0] = 0;
	if (xdg && xdg[0] == '/') {
		if ((size_t)snprintf(dir, len, "%s/pith", xdg) >= len)
			dir[0] = 0;
	} else if (geteuid() == 0) {
		snprintf(dir, len, "%s", ROOT_CACHE);
	}
}

static int boot_id__read(char *buf, size_t len)
{
	int fd = open(BOOT_ID_PATH, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	return n > 0 ? 0 : -1;
}

static int key__fill(struct x86_cpuid_key *k, int sys_fd)
{
	struct utsname u;
	struct stat st;

	memset(k, 0, sizeof(*k));
	if (uname(&u) < 0 || fstat(sys_fd, &st) < 0 ||
	    boot_id__read(k->boot_id, sizeof(k->boot_id)) < 0)
		return -1;
	memcpy(k->magic, CACHE_MAGIC, sizeof(k->magic));
	k->api = KVM_API_CACHE;
	k->entry_size = sizeof(struct kvm_cpuid_entry2);
	k->dev_ino = st.st_ino;
	k->dev_ctime_sec = (uint64_t)st.st_ctim.tv_sec;
	k->dev_ctime_nsec = (uint64_t)st.st_ctim.tv_nsec;
	snprintf(k->release, sizeof(k->release), "%s", u.release);
	return 0;
}

/* Ours and not writable by anyone else: nobody but this user can have put it there. */
static int file__is_ours(int fd, struct stat *st)
{
	return fstat(fd, st) == 0 && S_ISREG(st->st_mode) && st->st_uid == geteuid() &&
	       !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* Read the file into head and c's entries; 0 if it is exactly a head and head.nent entries. */
static int cache__read(int fd, struct cache_head *head, struct x86_cpuid *c)
{
	struct iovec iov[2] = {{head, sizeof(*head)}, {c->table.entry, sizeof(c->table.entry)}};
	struct stat st;
	ssize_t n;

	if (!file__is_ours(fd, &st) || (size_t)st.st_size > sizeof(*head) + sizeof(c->table.entry))
		return -1;
	n = readv(fd, iov, 2);
	if (n < (ssize_t)sizeof(*head) || n != st.st_size || head->nent > X86_CPUID_MAX_ENTRIES)
		return -1;
	return (size_t)n == sizeof(*head) + head->nent * sizeof(c->table.entry[0]) ? 0 : -1;
}

int x86_cpuid_cache__load(struct x86_cpuid_cache *cc, struct x86_cpuid *c)
{
	struct cache_head head;
	char path[sizeof(cc->dir) + sizeof(CACHE_FILE) + 1];
	int fd, rc;

	cache__dir(cc->dir, sizeof(cc->dir));
	if (!cc->dir[0] || key__fill(&cc->key, c->sys_fd) < 0) {
		cc->dir[0] = 0;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/" CACHE_FILE, cc->dir);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = cache__read(fd, &head, c);
	close(fd);
	if (rc < 0 || memcmp(&head.key, &cc->key, sizeof(head.key)) != 0 || head.zero != 0)
		return -1;
	c->table.head.nent = head.nent;
	c->rc = 0;
	return 0;
}

/* The cache folder, opened; created (mode 0700) if missing. Only if it is ours alone. */
static int cache__open_dir(const char *dir)
{
	struct stat st;
	int fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && st.st_uid == geteuid() && !(st.st_mode & (S_IWGRP | S_IWOTH)))
		return fd;
	close(fd);
	return -1;
}

static int cache__write(int fd, const struct x86_cpuid_cache *cc, const struct x86_cpuid *c)
{
	struct cache_head head = {.key = cc->key, .nent = c->table.head.nent};
	size_t body = head.nent * sizeof(c->table.entry[0]);
	struct iovec iov[2] = {{&head, sizeof(head)}, {(void *)c->table.entry, body}};

	return writev(fd, iov, 2) == (ssize_t)(sizeof(head) + body) ? 0 : -1;
}

void x86_cpuid_cache__store(const struct x86_cpuid_cache *cc, const struct x86_cpuid *c)
{
	char tmp[32];
	int dfd, fd;

	if (!cc->dir[0] || c->rc < 0 || c->table.head.nent > X86_CPUID_MAX_ENTRIES)
		return;
	dfd = cache__open_dir(cc->dir);
	if (dfd < 0)
		return;
	snprintf(tmp, sizeof(tmp), CACHE_FILE ".%ld", (long)getpid());
	unlinkat(dfd, tmp, 0); /* a leftover of a crashed run with the same pid */
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		int ok = cache__write(fd, cc, c) == 0;

		if (close(fd) == 0 && ok && renameat(dfd, tmp, dfd, CACHE_FILE) == 0)
			tmp[0] = 0;
		if (tmp[0])
			unlinkat(dfd, tmp, 0);
	}
	close(dfd);
}
