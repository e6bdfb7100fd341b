/* The keeper: forks the monitor, reports its start, waits for it, records how it ended. */
#include "keeper.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pith/abi.h>

#include "cli.h"
#include "fds.h"

/* The status pith run reports for a wait status, and the signal that ended it (or 0). */
static int status__of(int ws, int *sig)
{
	*sig = WIFSIGNALED(ws) ? WTERMSIG(ws) : 0;
	return *sig ? 128 + *sig : WEXITSTATUS(ws);
}

/* The monitor's process: its own process group, then the monitor proper; never returns. */
static __attribute__((noreturn)) void monitor__main(struct vmm_config *cfg)
{
	setpgid(0, 0);
	_exit(vmm__run(cfg));
}

static int log__open(const struct instance *inst)
{
	char path[INSTANCE_PATH_MAX + 16];

	return open(instance__log_path(inst, path, sizeof(path)),
		    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

/* Record the run (the monitor's pid and start time, ours) in the instance's folder. */
static void keeper__record_run(const struct instance *inst, pid_t monitor)
{
	struct instance_run r = {
	    .keeper_pid = getpid(), .monitor_pid = monitor, .started = clock__realtime_ns()};

	proc__start_time(r.keeper_pid, &r.keeper_start);
	proc__start_time(r.monitor_pid, &r.monitor_start);
	if (instance__write_run(inst->dir, &r) < 0)
		fprintf(stderr, "pith: cannot record the run in %s: %s\n", inst->dir,
			strerror(errno));
}

/* Record the end; with rm, remove the instance instead. */
static void keeper__record_exit(const struct instance *inst, int status, int sig, bool rm)
{
	struct instance_exit ex = {status, sig, clock__realtime_ns()};

	if (rm)
		instance__remove(inst);
	else if (instance__write_exit(inst->dir, &ex) < 0)
		fprintf(stderr, "pith: cannot record the exit in %s: %s\n", inst->dir,
			strerror(errno));
}

/* Reap what else ends up with us (passt, the monitor's helper), for at most about a second. */
static void keeper__reap_orphans(void)
{
	for (int i = 0; i < 200; i++) {
		pid_t p = waitpid(-1, NULL, WNOHANG);

		if (p < 0)
			return; /* ECHILD: none left */
		if (p == 0)
			usleep(5000);
	}
}

/* Wait for the monitor, reaping any other child on the way; its wait status. */
static int keeper__wait_monitor(pid_t monitor)
{
	int ws = 0;
	pid_t p;

	do
		p = waitpid(-1, &ws, 0);
	while (p != monitor && (p > 0 || errno == EINTR));
	return p == monitor ? ws : 0;
}

/* The detached keeper's own setup: session, stdio, fds. 0 or -1. */
static int keeper__detach(struct vmm_config *cfg, const struct instance *inst, int report)
{
	int keep[3], logfd = log__open(inst), nullfd = open("/dev/null", O_RDONLY);

	if (logfd < 0 || nullfd < 0)
		return -1;
	setsid();
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	if (dup2(nullfd, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
		return -1;
	if (nullfd > 2)
		close(nullfd);
	if (logfd > 2)
		close(logfd);
	keep[0] = report;
	keep[1] = cfg->net.tap_fd;
	keep[2] = -1;
	fds__close_except(keep, 3);
	return 0;
}

/* The detached keeper, in its own process. Never returns. */
static __attribute__((noreturn)) void
keeper__detached_main(struct vmm_config *cfg, const struct instance *inst, int report, bool rm)
{
	int ready[2], ws, sig, status;
	pid_t monitor;
	char c = 0, msg[2];

	if (keeper__detach(cfg, inst, report) < 0 || pipe2(ready, O_CLOEXEC) < 0)
		_exit(PITH_EXIT_ERROR);
	monitor = fork();
	if (monitor == 0) {
		close(ready[0]);
		close(report);
		cfg->ready_fd = ready[1];
		monitor__main(cfg);
	}
	close(ready[1]);
	if (monitor > 0 && read(ready[0], &c, 1) == 1 && c == 'R') {
		keeper__record_run(inst, monitor);
		if (write(report, "R", 1) != 1)
			fprintf(stderr, "pith: cannot report the start\n");
		close(report);
		status = status__of(keeper__wait_monitor(monitor), &sig);
		keeper__record_exit(inst, status, sig, false);
		keeper__reap_orphans();
		if (rm)
			instance__remove(inst);
		_exit(0);
	}
	ws = monitor > 0 ? keeper__wait_monitor(monitor) : (PITH_EXIT_ERROR << 8);
	msg[0] = 'F';
	msg[1] = (char)status__of(ws, &sig);
	if (write(report, msg, 2) != 2)
		_exit(PITH_EXIT_ERROR);
	_exit(0);
}

/* Copy the log to stderr (what the monitor said when it could not start). */
static void log__print(const struct instance *inst)
{
	char path[INSTANCE_PATH_MAX + 16], buf[4096];
	int fd = open(instance__log_path(inst, path, sizeof(path)), O_RDONLY | O_CLOEXEC);
	ssize_t n;

	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		if (write(2, buf, (size_t)n) != n)
			break;
	if (fd >= 0)
		close(fd);
}

int keeper__detached(struct vmm_config *cfg, struct instance *inst, bool rm)
{
	int report[2], status = PITH_EXIT_ERROR;
	char msg[2] = {0, 0};
	ssize_t n;
	pid_t keeper;

	fflush(NULL);
	if (pipe2(report, O_CLOEXEC) < 0 || (keeper = fork()) < 0) {
		instance__remove(inst);
		return cli__error("cannot start the keeper: %s", strerror(errno));
	}
	if (keeper == 0) {
		close(report[0]);
		keeper__detached_main(cfg, inst, report[1], rm);
	}
	close(report[1]);
	do
		n = read(report[0], msg, 2);
	while (n < 0 && errno == EINTR);
	if (n >= 1 && msg[0] == 'R') {
		printf("%s\n", inst->id);
		return 0;
	}
	waitpid(keeper, NULL, 0);
	log__print(inst);
	if (n == 2 && msg[0] == 'F')
		status = (unsigned char)msg[1];
	else
		cli__error("the instance's keeper ended before the guest started");
	instance__remove(inst);
	return status;
}

/* The foreground keeper's state: the monitor, its output pipes, the log, our signals. */
struct fg {
	pid_t monitor;
	int out, err, log, sfd; /* out/err: -1 once at EOF */
	int ws;
	bool ended;
	struct sigaction pipe_action; /* the caller's SIGPIPE disposition, for the monitor */
};

/* Copy what one pipe holds to fd and the log; at EOF (or an error) close it. */
static void fg__copy(int *pipefd, int to, int log)
{
	char buf[4096];
	ssize_t n = read(*pipefd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(*pipefd);
		*pipefd = -1;
		return;
	}
	if (write(log, buf, (size_t)n) != n) {
		/* a full disk must not stop the guest */
	}
	if (write(to, buf, (size_t)n) < 0 && errno == EPIPE) {
		close(*pipefd); /* the monitor gets SIGPIPE (141), as without a keeper */
		*pipefd = -1;
	}
}

/* A signal arrived: pass a stop signal on; on SIGCHLD, reap (the monitor, orphans). */
static void fg__signal(struct fg *f)
{
	struct signalfd_siginfo si;
	pid_t p;
	int ws;

	if (read(f->sfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo != SIGCHLD) {
		kill(f->monitor, (int)si.ssi_signo);
		return;
	}
	while ((p = waitpid(-1, &ws, WNOHANG)) > 0)
		if (p == f->monitor) {
			f->ws = ws;
			f->ended = true;
		}
}

/* Until the monitor ended; then what is left in the pipes (non-blocking: a child of the
   monitor's may still hold them). */
static void fg__loop(struct fg *f)
{
	while (!f->ended) {
		struct pollfd p[3] = {
		    {f->out, POLLIN, 0}, {f->err, POLLIN, 0}, {f->sfd, POLLIN, 0}};

		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			fg__copy(&f->out, 1, f->log);
		if (p[1].revents)
			fg__copy(&f->err, 2, f->log);
		if (p[2].revents)
			fg__signal(f);
	}
	if (f->out >= 0)
		fcntl(f->out, F_SETFL, O_NONBLOCK);
	if (f->err >= 0)
		fcntl(f->err, F_SETFL, O_NONBLOCK);
	while (f->out >= 0 || f->err >= 0) {
		int before = f->out + f->err;

		if (f->out >= 0)
			fg__copy(&f->out, 1, f->log);
		if (f->err >= 0)
			fg__copy(&f->err, 2, f->log);
		if (f->out + f->err == before)
			break; /* nothing more now (EAGAIN): do not wait for another holder */
	}
}

/* Fork the monitor with its stdout/stderr on pipes and our signal mask restored. */
static int fg__start(struct fg *f, struct vmm_config *cfg, const sigset_t *old)
{
	int out[2], err[2];

	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	f->monitor = fork();
	if (f->monitor == 0) {
		sigaction(SIGPIPE, &f->pipe_action, NULL);
		sigprocmask(SIG_SETMASK, old, NULL);
		if (dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
			_exit(PITH_EXIT_ERROR);
		/* only the keeper reads: a closed stdout must reach the monitor as EPIPE */
		for (int i = 0; i < 2; i++) {
			close(out[i]);
			close(err[i]);
		}
		close(f->sfd);
		close(f->log);
		monitor__main(cfg);
	}
	close(out[1]);
	close(err[1]);
	f->out = out[0];
	f->err = err[0];
	return f->monitor < 0 ? -1 : 0;
}

int keeper__foreground(struct vmm_config *cfg, struct instance *inst, bool rm)
{
	struct fg f = {.log = log__open(inst), .out = -1, .err = -1};
	sigset_t sigs, old;
	int status, sig;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	sigaction(SIGPIPE, &(struct sigaction){.sa_handler = SIG_IGN}, &f.pipe_action);
	sigprocmask(SIG_BLOCK, &sigs, &old);
	f.sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (f.log < 0 || f.sfd < 0 || fg__start(&f, cfg, &old) < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		instance__remove(inst);
		return cli__error("cannot start the monitor: %s", strerror(errno));
	}
	keeper__record_run(inst, f.monitor);
	fg__loop(&f);
	status = status__of(f.ws, &sig);
	keeper__record_exit(inst, status, sig, rm);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}
