/* pith-oci: a terminal for the container, its master sent to the engine's console socket. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "oci.h"

/* A new pty (posix_openpt(3), grantpt(3), unlockpt(3)): master fd, its slave's name in name. */
static int console__openpt(char *name, size_t namelen, char *err, size_t errlen)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (master < 0) {
		snprintf(err, errlen, "cannot open a pty: posix_openpt: %s", strerror(errno));
		return -1;
	}
	if (grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, name, namelen) != 0) {
		snprintf(err, errlen, "cannot set up a pty: %s", strerror(errno));
		close(master);
		return -1;
	}
	return master;
}

/* The slave side: TIOCGPTPEER (ioctl_tty(2)) opens it without a path lookup; else by name. */
static int console__slave(int master, const char *name, char *err, size_t errlen)
{
	int fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);

	if (fd < 0)
		fd = open(name, O_RDWR | O_NOCTTY);
	if (fd < 0)
		snprintf(err, errlen, "cannot open the pty %s: %s", name, strerror(errno));
	return fd;
}

/*
 * The address of the UNIX socket at path. sun_path holds 107 characters (unix(7)): a longer path
 * is reached through its folder, opened O_PATH into *dirfd, as /proc/self/fd/N/NAME.
 */
static int console__address(const char *path, struct sockaddr_un *sa, int *dirfd, char *err,
			    size_t errlen)
{
	char folder[4096];
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;

	sa->sun_family = AF_UNIX;
	if (strlen(path) < sizeof(sa->sun_path)) {
		snprintf(sa->sun_path, sizeof(sa->sun_path), "%s", path);
		return 0;
	}
	if (!slash || len >= sizeof(folder)) {
		snprintf(err, errlen, "console socket %s: the path is too long", path);
		return -1;
	}
	memcpy(folder, path, len);
	folder[len] = '\0';
	*dirfd = open(len ? folder : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0) {
		snprintf(err, errlen, "console socket %s: %s", path, strerror(errno));
		return -1;
	}
	if (snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", *dirfd,
		     slash + 1) >= (int)sizeof(sa->sun_path)) {
		snprintf(err, errlen, "console socket %s: its name is too long", path);
		return -1;
	}
	return 0;
}

/* A stream connection to the console socket at path, or -1. */
static int console__connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	int dirfd = -1, s = -1;

	memset(&sa, 0, sizeof(sa));
	if (console__address(path, &sa, &dirfd, err, errlen) == 0) {
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			snprintf(err, errlen, "console socket: socket: %s", strerror(errno));
	}
	if (s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "cannot connect to the console socket %s: %s", path,
			 strerror(errno));
		close(s);
		s = -1;
	}
	if (dirfd >= 0)
		close(dirfd);
	return s;
}

/* As runc does: one message whose payload is the pty's name, the master fd in SCM_RIGHTS. */
static int console__send(int s, int master, const char *name, char *err, size_t errlen)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *c;

	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	if (sendmsg(s, &msg, MSG_NOSIGNAL) < 0) {
		snprintf(err, errlen, "cannot send the pty to the console socket: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

int oci_console__open(const char *console_socket, char *err, size_t errlen)
{
	char name[128];
	int master, slave = -1, s;

	master = console__openpt(name, sizeof(name), err, errlen);
	if (master < 0)
		return -1;
	s = console__connect(console_socket, err, errlen);
	if (s >= 0) {
		slave = console__slave(master, name, err, errlen);
		if (slave >= 0 && console__send(s, master, name, err, errlen) < 0) {
			close(slave);
			slave = -1;
		}
		close(s);
	}
	close(master);
	return slave;
}
