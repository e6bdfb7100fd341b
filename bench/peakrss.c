/* Peak RSS of a command's own memory (VmHWM), read at its exit with ptrace: prints KiB. */
/*
 * GNU time's %M (getrusage's ru_maxrss) cannot measure a process smaller than the one that
 * forked it: the kernel folds the pre-exec copy's high-water mark into the child's maxrss. Here
 * the command is stopped at its exit (PTRACE_O_TRACEEXIT), while its memory still exists, and
 * VmHWM is read from /proc/PID/status: the peak of the command's own address space (shared by
 * its CLONE_VM threads or helpers).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

static long vm_hwm_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void child(char **argv)
{
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	raise(SIGSTOP);
	execvp(argv[0], argv);
	perror(argv[0]);
	_exit(127);
}

/* Runs the traced command to its end; returns its peak RSS in KiB, or -1. */
static long trace(pid_t pid)
{
	long kib = -1;
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		return -1;
	ptrace(PTRACE_SETOPTIONS, pid, NULL,
	       (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL));
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	while (waitpid(pid, &status, 0) == pid && WIFSTOPPED(status)) {
		int sig = WSTOPSIG(status);

		if (sig == SIGTRAP && (status >> 16) == PTRACE_EVENT_EXIT) {
			kib = vm_hwm_kib(pid);
			sig = 0;
		} else if (sig == SIGTRAP) {
			sig = 0; /* the stop after execve */
		}
		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
	}
	return kib;
}

int main(int argc, char **argv)
{
	pid_t pid;
	long kib;

	if (argc < 2) {
		fprintf(stderr, "usage: peakrss COMMAND [ARGS...]\n");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0)
		child(argv + 1);
	kib = trace(pid);
	if (kib < 0) {
		fprintf(stderr, "peakrss: could not read the peak RSS of %s\n", argv[1]);
		return 1;
	}
	printf("%ld\n", kib);
	return 0;
}
