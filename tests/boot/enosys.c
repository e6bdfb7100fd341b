/* Boot test guest: syscalls Pith does not implement fail with ENOSYS and the program goes on. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/syscall.h>
#include <unistd.h>

static int expect_enosys(const char *what, long ret)
{
	int err = errno;

	errno = 0;
	if (ret == -1 && err == ENOSYS) {
		printf("%s: -1 ENOSYS ok\n", what);
		return 0;
	}
	printf("%s: FAIL returned %ld, errno %d (%s)\n", what, ret, err, strerror(err));
	return 1;
}

int main(void)
{
	int bad = 0;

	errno = 0;
	bad += expect_enosys("syscall(999)", syscall(999));
	bad += expect_enosys("syscall(SYS_msgget)", syscall(SYS_msgget, IPC_PRIVATE, 0600));
	bad += expect_enosys("msgget()", msgget(IPC_PRIVATE, 0600));
	bad += expect_enosys("syscall(-1)", syscall(-1));
	bad += expect_enosys("syscall(100000)", syscall(100000));
	printf("still running after unsupported syscalls: pid %ld\n", (long)getpid());
	return bad != 0;
}
