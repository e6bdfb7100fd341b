/* pith disk: make disk images for `pith run --disk` (a sparse file formatted ext2 by mkfs.ext2). */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pith/abi.h>

#include "size.h"

#define DISK_MIN (1ULL << 20)  /* 1 MiB: smaller than what mkfs.ext2 makes useful */
#define DISK_MAX (16ULL << 40) /* 16 TiB: ext2's limit with 4 KiB blocks */

static const char disk_usage[] = "write 'pith disk create [--force] FILE SIZE', e.g. 'pith disk "
				 "create data.img 64M'";

struct disk_create {
	const char *file, *size_text;
	uint64_t size;
	bool force;
	char mkfs[4096];
};

/* Print "pith: <msg>" (fail) or "pith: <msg>; see 'pith help'" (misuse); return -1. */
__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli__error("%s", msg);
	return -1;
}

__attribute__((format(printf, 1, 2))) static int misuse(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli__usage_error("%s", msg);
	return -1;
}

/* mkfs.ext2 on PATH, else in /sbin or /usr/sbin (often not on a user's PATH). */
static int mkfs__find(char *out, size_t len)
{
	const char *path = getenv("PATH");
	char dirs[8192];

	snprintf(dirs, sizeof(dirs), "%s:/sbin:/usr/sbin", path ? path : "");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		if ((size_t)snprintf(out, len, "%s/mkfs.ext2", d) < len && access(out, X_OK) == 0)
			return 0;
	}
	return fail("disk create: mkfs.ext2 not found on PATH, in /sbin or in /usr/sbin; "
		    "install e2fsprogs (apt-get install e2fsprogs)");
}

/* Options anywhere: --force (-f); then exactly FILE and SIZE. */
static int args__parse(struct disk_create *c, int argc, char **argv)
{
	int n = 0;
	char err[256];

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0)
			c->force = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return misuse("disk create: unknown option '%s'", argv[i]);
		else if (n++ == 0)
			c->file = argv[i];
		else if (n == 2)
			c->size_text = argv[i];
	}
	if (n != 2)
		return misuse("disk create: needs a FILE and a SIZE; %s", disk_usage);
	if (size__parse("disk create: size", c->size_text, DISK_MIN, DISK_MAX, &c->size, err,
			sizeof(err)) < 0)
		return fail("%s", err);
	return 0;
}

/* Opened for writing, locked (never an image a pith run is using), empty. fd, or -1. */
static int file__create(const struct disk_create *c)
{
	struct stat st;
	int fd;

	if (lstat(c->file, &st) == 0 && !S_ISREG(st.st_mode))
		return fail("disk create: %s exists and is not a regular file; give another "
			    "path",
			    c->file);
	fd = open(c->file, O_WRONLY | O_CREAT | O_CLOEXEC | (c->force ? 0 : O_EXCL), 0644);
	if (fd < 0 && errno == EEXIST)
		return fail("disk create: %s exists; give --force to overwrite it", c->file);
	if (fd < 0)
		return fail("disk create: cannot create %s: %s", c->file, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return fail("disk create: %s is in use by a pith run; stop that run first",
			    c->file);
	}
	if (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)c->size) < 0) {
		fail("disk create: cannot size %s: %s", c->file, strerror(errno));
		close(fd);
		unlink(c->file);
		return -1;
	}
	return fd;
}

/* mkfs.ext2 -q -t ext2 -F FILE: 0, or -1 after a message. */
static int mkfs__run(const struct disk_create *c)
{
	char *argv[] = {(char *)c->mkfs, "-q", "-t", "ext2", "-F", (char *)c->file, NULL};
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return fail("disk create: cannot start %s: %s", c->mkfs, strerror(errno));
	if (pid == 0) {
		execv(c->mkfs, argv);
		fprintf(stderr, "pith: cannot run %s: %s\n", c->mkfs, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fail("disk create: lost track of %s: %s", c->mkfs, strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return fail("disk create: %s failed (%s %d); %s was removed", c->mkfs,
		    WIFEXITED(status) ? "status" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), c->file);
}

static int disk_create(int argc, char **argv)
{
	struct disk_create c = {0};
	int fd, rc;

	if (args__parse(&c, argc, argv) < 0 || mkfs__find(c.mkfs, sizeof(c.mkfs)) < 0)
		return PITH_EXIT_ERROR;
	fd = file__create(&c);
	if (fd < 0)
		return PITH_EXIT_ERROR;
	rc = mkfs__run(&c);
	if (rc < 0)
		unlink(c.file);
	close(fd); /* the lock goes with it */
	return rc < 0 ? PITH_EXIT_ERROR : 0;
}

int disk_cmd__main(int argc, char **argv)
{
	if (argc < 1)
		return cli__usage_error("disk: no subcommand given; %s", disk_usage);
	if (strcmp(argv[0], "create") == 0)
		return disk_create(argc - 1, argv + 1);
	if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0 ||
	    strcmp(argv[0], "help") == 0) {
		cli__help();
		return 0;
	}
	return cli__usage_error("disk: unknown subcommand '%s'; %s", argv[0], disk_usage);
}
