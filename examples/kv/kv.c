/* kv: a tiny persistent key-value store, one file per key under a directory (a Pith disk). */
/*
 * Usage: kv [-d DIR] set KEY VALUE | get KEY | del KEY | list
 * DIR defaults to /data. A value is replaced atomically: written to a temporary file, fsync'd,
 * renamed over the key's file, then the directory is fsync'd, so after a crash a key holds its
 * old or its new value, never a mix. Builds and runs the same as a Linux program.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *dir = "/data";

static int fail(const char *what, const char *key)
{
	fprintf(stderr, "kv: %s %s: %s\n", what, key, strerror(errno));
	return 1;
}

/* Keys are file names: 1..200 bytes of letters, digits, '-', '_' and '.', not starting '.'. */
static int key_ok(const char *k)
{
	size_t n = strlen(k);

	if (n == 0 || n > 200 || k[0] == '.')
		return 0;
	return strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w, n -= (size_t)w;
	}
	return 0;
}

static int sync_dir(void)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int kv_set(const char *key, const char *value)
{
	char tmp[256], path[256];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, key);
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail("set", key);
	if (write_all(fd, value, strlen(value)) || fsync(fd) || close(fd))
		return fail("set", key);
	if (rename(tmp, path) || sync_dir())
		return fail("set", key);
	return 0;
}

static int kv_get(const char *key)
{
	char path[256], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return fail("get", key);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	putchar('\n');
	close(fd);
	return n < 0 ? fail("get", key) : 0;
}

static int kv_del(const char *key)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	if (unlink(path) || sync_dir())
		return fail("del", key);
	return 0;
}

static int kv_list(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return fail("list", dir);
	while ((e = readdir(d)))
		if (key_ok(e->d_name))
			puts(e->d_name);
	closedir(d);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: kv [-d DIR] set KEY VALUE | get KEY | del KEY | list\n");
	return 2;
}

int main(int argc, char **argv)
{
	int i = 1;

	if (argc > 2 && !strcmp(argv[1], "-d"))
		dir = argv[2], i = 3;
	if (i < argc && !strcmp(argv[i], "list") && argc == i + 1)
		return kv_list();
	if (i + 1 >= argc || !key_ok(argv[i + 1]))
		return usage();
	if (!strcmp(argv[i], "set") && argc == i + 3)
		return kv_set(argv[i + 1], argv[i + 2]);
	if (!strcmp(argv[i], "get") && argc == i + 2)
		return kv_get(argv[i + 1]);
	if (!strcmp(argv[i], "del") && argc == i + 2)
		return kv_del(argv[i + 1]);
	return usage();
}
