/* Unit tests of oci_console__open: the pty's master reaches the console socket, the slave works. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "oci.h"
#include "test.h"
#include "tmpdir.h"

static char top[64];

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n - 1; /* the folder's own fd */
}

/* A listening socket at path (made through its folder if the path is long). */
static int listen_at(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char here[4096];
	const char *slash = strrchr(path, '/');
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	char folder[4096];

	if (s < 0 || !getcwd(here, sizeof(here)))
		return -1;
	snprintf(folder, sizeof(folder), "%.*s", (int)(slash - path), path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", slash + 1);
	if (chdir(folder) < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s, 4) < 0 || chdir(here) < 0) {
		perror(path);
		close(s);
		return -1;
	}
	return s;
}

/* Receive one message with one fd; the payload into name. The fd, or -1. */
static int receive_fd(int s, char *name, size_t namelen)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = name, .iov_len = namelen - 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl)};
	struct cmsghdr *c;
	ssize_t n = recvmsg(s, &msg, MSG_CMSG_CLOEXEC);
	int fd = -1;

	if (n < 0)
		return -1;
	name[n] = '\0';
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static void check_pair(int master, int slave)
{
	char buf[64] = "";
	struct pollfd p = {master, POLLIN, 0};
	struct termios t;
	ssize_t n;

	/* Raw mode on the slave: bytes pass unchanged (no \n -> \r\n). */
	CHECK(tcgetattr(slave, &t) == 0);
	cfmakeraw(&t);
	CHECK(tcsetattr(slave, TCSANOW, &t) == 0);
	CHECK(write(slave, "from the guest", 14) == 14);
	CHECK(poll(&p, 1, 5000) == 1);
	n = read(master, buf, sizeof(buf) - 1);
	CHECKF(n == 14 && memcmp(buf, "from the guest", 14) == 0, "master read %zd '%s'", n, buf);
	CHECK(write(master, "typed", 5) == 5);
	p.fd = slave;
	CHECK(poll(&p, 1, 5000) == 1);
	memset(buf, 0, sizeof(buf));
	n = read(slave, buf, sizeof(buf) - 1);
	CHECKF(n == 5 && memcmp(buf, "typed", 5) == 0, "slave read %zd '%s'", n, buf);
}

/* The whole exchange with a listening socket at path. */
static void exchange(const char *path)
{
	char err[512] = "", name[128], want[128];
	int l = listen_at(path), before, slave, c, master, fl;

	if (!CHECKF(l >= 0, "cannot listen at %s", path))
		return;
	before = count_fds();
	slave = oci_console__open(path, err, sizeof(err));
	if (!CHECKF(slave >= 0, "%s", err)) {
		close(l);
		return;
	}
	/* Only the slave stays open here: the master and the connection are closed. */
	CHECKF(count_fds() == before + 1, "fds: %d before, %d after", before, count_fds());
	CHECK(isatty(slave));
	fl = fcntl(slave, F_GETFL);
	CHECK((fl & O_ACCMODE) == O_RDWR);
	c = accept(l, NULL, NULL);
	master = c >= 0 ? receive_fd(c, name, sizeof(name)) : -1;
	if (CHECKF(master >= 0, "no fd received")) {
		CHECK(ptsname_r(master, want, sizeof(want)) == 0);
		CHECK_STR(name, want);
		CHECK_STR(ttyname(slave), want);
		check_pair(master, slave);
		close(master);
	}
	if (c >= 0)
		close(c);
	close(slave);
	close(l);
	unlink(path);
}

static void test_short_path(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/console.sock", top);
	exchange(path);
}

/* Longer than sun_path's 107 characters: reached through /proc/self/fd/N/NAME. */
static void test_long_path(void)
{
	char path[512], folder[400];

	snprintf(folder, sizeof(folder), "%s/%0150d", top, 7);
	CHECK(mkdir(folder, 0700) == 0);
	snprintf(path, sizeof(path), "%s/console-with-a-long-name.sock", folder);
	CHECK(strlen(path) > 108);
	exchange(path);
}

static void test_errors(void)
{
	char err[512] = "", path[128], want[256];
	int fd;

	snprintf(path, sizeof(path), "%s/absent.sock", top);
	fd = oci_console__open(path, err, sizeof(err));
	CHECK(fd == -1);
	snprintf(want, sizeof(want),
		 "cannot connect to the console socket %s: No such file or directory", path);
	CHECK_STR(err, want);
	/* A regular file is not a socket. */
	snprintf(path, sizeof(path), "%s/file", top);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	fd = oci_console__open(path, err, sizeof(err));
	CHECK(fd == -1);
	CHECK_CONTAINS(err, "Connection refused");
}

int main(void)
{
	tmpdir__make(top, sizeof(top), "pith-test-console");
	test_short_path();
	test_long_path();
	test_errors();
	tmpdir__remove(top);
	return test__done();
}
