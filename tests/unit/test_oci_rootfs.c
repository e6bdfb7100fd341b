/* Unit tests of oci_rootfs__open: paths inside a container's rootfs never lead out of it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "oci.h"
#include "test.h"
#include "tmpdir.h"

static char top[64];	     /* the temporary folder */
static char root[128];	     /* top/rootfs: the container's rootfs */
static char secret[128];     /* top/secret: a host file outside the rootfs */
static char secret_dir[128]; /* top/hostdir: a host folder outside the rootfs */

static void put(const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(p);
		exit(2);
	}
}

static void dir(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (mkdir(p, 0755) < 0) {
		perror(p);
		exit(2);
	}
}

static void link_(const char *target, const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (symlink(target, p) < 0) {
		perror(p);
		exit(2);
	}
}

static void setup(void)
{
	FILE *f;

	tmpdir__make(top, sizeof(top), "pith-test-rootfs");
	snprintf(root, sizeof(root), "%s/rootfs", top);
	snprintf(secret, sizeof(secret), "%s/secret", top);
	snprintf(secret_dir, sizeof(secret_dir), "%s/hostdir", top);
	if (mkdir(root, 0755) < 0 || mkdir(secret_dir, 0755) < 0 || !(f = fopen(secret, "w")) ||
	    fputs("HOST SECRET", f) < 0 || fclose(f) != 0) {
		perror("setup");
		exit(2);
	}
}

/* Opens path and checks the file's contents are want; the fd's flags too. */
static void opens(const char *path, const char *want)
{
	char err[512] = "", buf[64] = "";
	int fd = oci_rootfs__open(root, path, err, sizeof(err));
	ssize_t n;
	int fl, fdfl;

	if (!CHECKF(fd >= 0, "%.200s: %.300s", path, err))
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	CHECKF(n >= 0 && strcmp(buf, want) == 0, "%.200s: read '%s', want '%s'", path, buf, want);
	fl = fcntl(fd, F_GETFL);
	fdfl = fcntl(fd, F_GETFD);
	CHECKF((fl & O_ACCMODE) == O_RDONLY && !(fl & O_NONBLOCK), "%.200s: flags %#x", path, fl);
	CHECKF(fdfl & FD_CLOEXEC, "%.200s: no FD_CLOEXEC", path);
	close(fd);
}

static void fails(const char *path, const char *want)
{
	char err[8192] = "";
	int fd = oci_rootfs__open(root, path, err, sizeof(err));

	CHECKF(fd == -1, "%.200s: opened (fd %d), expected an error", path, fd);
	if (fd >= 0)
		close(fd);
	CHECK_STR(err, want);
}

static void fails_with(const char *path, const char *part)
{
	char err[8192] = "";
	int fd = oci_rootfs__open(root, path, err, sizeof(err));

	CHECKF(fd == -1, "%.200s: opened (fd %d), expected an error", path, fd);
	if (fd >= 0)
		close(fd);
	CHECK_CONTAINS(err, part);
}

static void test_inside(void)
{
	put("app.pith", "APP");
	dir("a");
	dir("a/b");
	dir("a/b/c");
	put("a/b/c/img.pith", "NESTED");
	link_("/a/b/c/img.pith", "abs.pith");
	link_("b/c/img.pith", "a/rel.pith");
	link_("/chain2", "chain1");
	link_("a/chain3", "chain2");
	link_("../abs.pith", "a/chain3");
	link_("/a/b", "bin");

	opens("/app.pith", "APP");
	opens("app.pith", "APP");
	opens("/a/b/c/img.pith", "NESTED");
	opens("//a/./b//c/img.pith", "NESTED");
	opens("/abs.pith", "NESTED");
	opens("/a/rel.pith", "NESTED");
	opens("/chain1", "NESTED");
	opens("/bin/c/img.pith", "NESTED");
	opens("/a/b/c/../../../app.pith", "APP");
}

static void test_dotdot_clamped(void)
{
	char p[256];

	/* ".." at the root stays at the root, as in a chroot. */
	opens("/../../../app.pith", "APP");
	opens("/a/../../../../a/b/c/img.pith", "NESTED");
	link_("../../../../../../app.pith", "a/b/up.pith");
	opens("/a/b/up.pith", "APP");
	/* The same path, resolved the host's way from the rootfs, names the secret. */
	snprintf(p, sizeof(p), "/../secret");
	fails(p, "/../secret leads outside the container's rootfs (through a symlink or '..'): "
		 "refusing");
}

/* The host file is never what gets opened, even where the rootfs has the same path. */
static void test_escape(void)
{
	char err[512] = "";
	struct stat host, got;
	char shadow[512];
	int fd;

	link_(secret, "esc.pith");
	link_("../secret", "rel-esc.pith");
	link_("../../../..", "a/b/c/up4"); /* on the host: top; inside: the rootfs */
	fails("/esc.pith", "/esc.pith leads outside the container's rootfs (through a symlink or "
			   "'..'): refusing");
	fails("/rel-esc.pith", "/rel-esc.pith leads outside the container's rootfs (through a "
			       "symlink or '..'): refusing");
	/* Through a symlinked folder: up4 stays at the rootfs, so this is rootfs/secret. */
	fails("/a/b/c/up4/secret", "/a/b/c/up4/secret leads outside the container's rootfs "
				   "(through a symlink or '..'): refusing");

	/* Give the rootfs its own file at the secret's absolute path: that one is opened. */
	snprintf(shadow, sizeof(shadow), "mkdir -p '%s%s' && echo -n INSIDE > '%s%s/secret'", root,
		 top, root, top);
	if (system(shadow) != 0) {
		CHECKF(0, "cannot make %s", shadow);
		return;
	}
	CHECK(stat(secret, &host) == 0);
	fd = oci_rootfs__open(root, "/esc.pith", err, sizeof(err));
	if (CHECKF(fd >= 0, "/esc.pith: %s", err)) {
		CHECK(fstat(fd, &got) == 0);
		CHECKF(got.st_ino != host.st_ino || got.st_dev != host.st_dev,
		       "opened the host's file through an escaping symlink");
		close(fd);
	}
	opens("/esc.pith", "INSIDE");
	put("secret", "ROOT SECRET");
	opens("/a/b/c/up4/secret", "ROOT SECRET");
}

static void test_missing(void)
{
	char want[512];

	snprintf(want, sizeof(want), "/nope.pith: no such file in the container's rootfs (%s)",
		 root);
	fails("/nope.pith", want);
	/* An absolute symlink that stays inside (bin -> /a/b), to a missing file: not an escape. */
	snprintf(want, sizeof(want),
		 "/bin/missing.pith: no such file in the container's rootfs (%s)", root);
	fails("/bin/missing.pith", want);
	/* A dangling absolute symlink whose target does not exist on the host either. */
	link_("/pho6-no-such-host-file", "dangling.pith");
	snprintf(want, sizeof(want), "/dangling.pith: no such file in the container's rootfs (%s)",
		 root);
	fails("/dangling.pith", want);
	/* Through a file: ENOTDIR. */
	snprintf(want, sizeof(want), "/app.pith/x: no such file in the container's rootfs (%s)",
		 root);
	fails("/app.pith/x", want);
	fails("", "the image path is empty");
}

static void test_loops(void)
{
	link_("/loop2", "loop1");
	link_("loop1", "loop2");
	link_("self", "self");
	fails_with("/loop1", "/loop1: too many levels of symbolic links (a loop?)");
	fails_with("/self", "/self: too many levels of symbolic links (a loop?)");
	fails_with("/self/x.pith", "/self/x.pith: too many levels of symbolic links");
}

static void test_not_regular(void)
{
	char p[512];

	fails("/a", "/a is not a regular file");
	fails("/", "/ is not a regular file");
	fails("/bin", "/bin is not a regular file");
	snprintf(p, sizeof(p), "%s/fifo.pith", root);
	CHECK(mkfifo(p, 0644) == 0);
	/* Opening a fifo for reading would block until a writer comes: alarm() turns that into
	   a failed test instead of a hang. */
	alarm(10);
	fails("/fifo.pith", "/fifo.pith is not a regular file");
	alarm(0);
	snprintf(p, sizeof(p), "%s/null", root);
	CHECK(mknod(p, S_IFCHR | 0666, makedev(1, 3)) == 0);
	fails("/null", "/null is not a regular file");
	link_("null", "null-link");
	fails("/null-link", "/null-link is not a regular file");
	link_(secret_dir, "hostdir-link");
	fails("/hostdir-link", "/hostdir-link leads outside the container's rootfs (through a "
			       "symlink or '..'): refusing");
	/* Nothing at all behind the escape: reported as missing (the host has no such file). */
	snprintf(p, sizeof(p), "/hostdir-link/x: no such file in the container's rootfs (%s)",
		 root);
	fails("/hostdir-link/x", p);
}

static void test_long_names(void)
{
	static char path[4097 + 8];
	char want[512];

	/* 4096 bytes, PATH_MAX with its NUL: too long for the kernel. */
	path[0] = '/';
	memset(path + 1, 'x', 4095);
	path[4096] = '\0';
	fails_with(path, "File name too long");
	/* One component longer than NAME_MAX (255). */
	memset(path + 1, 'y', 300);
	path[301] = '\0';
	fails_with(path, "File name too long");
	/* A long but valid path: 16 folders of 200 bytes. */
	snprintf(want, sizeof(want),
		 "cd '%s' && for i in $(seq 16); do d=$(printf 'd%%0199d' $i);"
		 " mkdir $d && cd $d; done && echo -n DEEP > deep.pith",
		 root);
	if (!CHECK(system(want) == 0))
		return;
	path[0] = '\0';
	for (int i = 1; i <= 16; i++)
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "/d%0199d", i);
	strcat(path, "/deep.pith");
	opens(path, "DEEP");
}

static void test_bad_rootfs(void)
{
	char err[512] = "";
	int fd = oci_rootfs__open("/pho6-no-such-rootfs", "/app.pith", err, sizeof(err));

	CHECK(fd == -1);
	CHECK_STR(err, "cannot open the container's rootfs /pho6-no-such-rootfs: No such file or "
		       "directory");
	fd = oci_rootfs__open(secret, "/app.pith", err, sizeof(err));
	CHECK(fd == -1);
	CHECK_CONTAINS(err, "Not a directory");
}

int main(void)
{
	setup();
	test_inside();
	test_dotdot_clamped();
	test_missing();
	test_loops();
	test_not_regular();
	test_long_names();
	test_bad_rootfs();
	test_escape();
	tmpdir__remove(top);
	return test__done();
}
