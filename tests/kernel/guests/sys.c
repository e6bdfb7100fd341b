/* Pith guest test: console fds, clocks and sleep, getrandom, process and system information. */
#define _GNU_SOURCE
#include <pith/abi.h>
#include <pith/version.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003

static int failed_with(long ret, int e)
{
	return ret == -1 && errno == e;
}

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void test_console(void)
{
	char buf[8];
	struct winsize ws;
	struct iovec iov[3] = {{"con", 3}, {NULL, 0}, {"sole ok\n", 8}};

	CHECK(read(0, buf, sizeof(buf)) == 0 && pread(0, buf, 4, 0) == 0);
	CHECK(readv(0, iov, 3) == 0);
	CHECK(failed_with(write(0, "x", 1), EBADF) && failed_with(read(1, buf, 1), EBADF));
	CHECK(failed_with(write(7, "x", 1), EBADF) && failed_with(close(7), EBADF));
	CHECK(writev(1, iov, 3) == 11 && write(1, "", 0) == 0);
	CHECK(failed_with(writev(1, iov, -1), EINVAL) && failed_with(writev(1, NULL, 1), EFAULT));
	CHECK(failed_with(write(1, NULL, 5), EFAULT));
	CHECK(failed_with(pwrite(1, "x", 1, -1), EINVAL) && pwrite(1, "pwrite ok\n", 10, 0) == 10);
	CHECK(failed_with(ioctl(1, TIOCGWINSZ, &ws), ENOTTY) && !isatty(0));
	CHECK(ioctl(1, FIOCLEX) == 0 && failed_with(ioctl(9, FIOCLEX), EBADF));
	CHECK(close(0) == 0 && failed_with(read(0, buf, 1), EBADF) && failed_with(close(0), EBADF));
}

/* The monitor's boot info: mapped read-only for the guest at PITH_BOOTINFO_BASE. */
static const struct pith_boot_info *boot_info(void)
{
	return (const struct pith_boot_info *)(uintptr_t)PITH_BOOTINFO_BASE;
}

/*
 * Bad buffers give EFAULT as on Linux (pipe or terminal) and never reach the monitor: before
 * the checks, an unchecked iov_base past the size cap made the monitor end the guest.
 */
static void test_console_faults(void)
{
	char *guard = (char *)(uintptr_t)boot_info()->heap_end; /* the page under the stack */
	char *top = (char *)(uintptr_t)boot_info()->stack_top, *kernel = (char *)(1UL << 63);
	struct iovec huge[2] = {{"hi\n", 3}, {NULL, 1UL << 62}};
	struct iovec null1[2] = {{"hi\n", 3}, {NULL, 1}};
	struct iovec in_guard[2] = {{"hi\n", 3}, {guard, 1UL << 40}};
	struct iovec past_ram[2] = {{"hi\n", 3}, {top - 5, 100}};
	struct iovec kernel0[2] = {{"hi\n", 3}, {kernel, 0}};
	struct iovec neg[2] = {{NULL, 1UL << 62}, {"x", (size_t)-1}};

	CHECK(failed_with(writev(1, huge, 2), EFAULT) && failed_with(writev(1, null1, 2), EFAULT));
	CHECK(failed_with(writev(1, null1 + 1, 1), EFAULT));
	CHECK(failed_with(writev(1, in_guard, 2), EFAULT));
	CHECK(failed_with(writev(1, past_ram, 2), EFAULT));
	CHECK(failed_with(writev(1, kernel0, 2), EFAULT) && failed_with(writev(1, neg, 2), EINVAL));
	CHECK(failed_with(write(1, guard, 1), EFAULT) &&
	      failed_with(write(2, guard - 2, 4), EFAULT));
	CHECK(failed_with(write(1, top - 5, 100), EFAULT));
	CHECK(failed_with(write(1, (void *)PITH_MONITOR_BASE, 1), EFAULT));
	CHECK(write(1, (void *)PITH_BOOTINFO_BASE, 0) == 0 && readv(0, null1, 2) == 0);
	CHECK(readv(0, huge, 2) == 0 && failed_with(readv(0, kernel0, 2), EFAULT));
	CHECK(read(0, NULL, 5) == 0 && failed_with(read(0, NULL, 1UL << 62), EFAULT));
}

/* Output buffers must be writable: read-only pages and the guard page give EFAULT. */
static void test_writable_checks(void)
{
	static const char rodata[64] = "read-only";
	char *guard = (char *)(uintptr_t)boot_info()->heap_end;
	struct timespec ts;

	CHECK(failed_with(getrandom((void *)rodata, 8, 0), EFAULT));
	CHECK(failed_with(getrandom((void *)boot_info(), 8, 0), EFAULT));
	CHECK(failed_with(getrandom(guard, 8, 0), EFAULT));
	CHECK(failed_with(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, guard), EFAULT));
	CHECK(failed_with(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)boot_info), EFAULT));
	CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0 && !strcmp(rodata, "read-only"));
	CHECK(failed_with(syscall(SYS_nanosleep, guard, NULL), EFAULT));
}

static void test_clocks(void)
{
	static const clockid_t ok[] = {CLOCK_REALTIME,		 CLOCK_MONOTONIC,
				       CLOCK_MONOTONIC_RAW,	 CLOCK_REALTIME_COARSE,
				       CLOCK_MONOTONIC_COARSE,	 CLOCK_BOOTTIME,
				       CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
	struct timespec ts, res;
	struct timeval tv;

	for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECKF(clock_gettime(ok[i], &ts) == 0 && clock_getres(ok[i], &res) == 0 &&
			   res.tv_sec == 0 && res.tv_nsec == 1,
		       "clock %d", (int)ok[i]);
	CHECK(failed_with(clock_gettime(100, &ts), EINVAL));
	CHECK(failed_with(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, NULL), EFAULT));
	uint64_t a = now_ns(CLOCK_MONOTONIC), b = now_ns(CLOCK_MONOTONIC);

	CHECK(b >= a && b - a < 1000000); /* monotonic, and reading it takes no exit */
	time_t t = time(NULL);

	CHECK(gettimeofday(&tv, NULL) == 0 && tv.tv_sec - t <= 1 && t > 1600000000);
	CHECK(now_ns(CLOCK_REALTIME) / 1000000000u - (uint64_t)t <= 1);
}

static void test_sleep(void)
{
	struct timespec d = {0, 20000000}, bad = {0, 1000000000}, abs;
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);

	CHECK(nanosleep(&d, NULL) == 0);
	uint64_t t1 = now_ns(CLOCK_MONOTONIC);

	CHECKF(t1 - t0 >= 20000000 && t1 - t0 < 200000000, "slept %llu ns",
	       (unsigned long long)(t1 - t0));
	CHECK(failed_with(nanosleep(&bad, NULL), EINVAL));
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_nsec += 10000000;
	abs.tv_sec += abs.tv_nsec / 1000000000;
	abs.tv_nsec %= 1000000000;
	CHECK(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs, NULL) == 0);
	CHECK(now_ns(CLOCK_REALTIME) >= (uint64_t)abs.tv_sec * 1000000000u + (uint64_t)abs.tv_nsec);
	CHECK(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &d, NULL) == EINVAL);
	CHECK(clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, &d, NULL) == EOPNOTSUPP);
}

static void test_random(void)
{
	unsigned char a[64], b[64];
	const unsigned char *at_random = (const void *)getauxval(AT_RANDOM);

	CHECK(getrandom(a, sizeof(a), 0) == 64 && getrandom(b, sizeof(b), GRND_NONBLOCK) == 64);
	CHECK(memcmp(a, b, sizeof(a)) != 0 && getrandom(a, 0, GRND_RANDOM) == 0);
	CHECK(failed_with(getrandom(a, 8, 0x80), EINVAL));
	CHECK(failed_with(getrandom(a, 8, GRND_RANDOM | GRND_INSECURE), EINVAL));
	CHECK(failed_with(getrandom(NULL, 8, 0), EFAULT));
	CHECK(at_random != NULL && memcmp(at_random, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16));
}

static void test_auxv_and_ids(void)
{
	CHECK(getauxval(AT_PAGESZ) == 4096 && getauxval(AT_PHENT) == 56);
	CHECK(getauxval(AT_PHDR) != 0 && getauxval(AT_PHNUM) > 0 && getauxval(AT_ENTRY) != 0);
	CHECK(getauxval(AT_HWCAP) != 0 && getauxval(AT_CLKTCK) == 100 && !getauxval(AT_SECURE));
	CHECK(getpid() == 1 && getppid() == 0 && gettid() == 1);
	CHECK(getuid() == 0 && geteuid() == 0 && getgid() == 0 && getegid() == 0);
	CHECK(sched_yield() == 0 && syscall(SYS_set_tid_address, NULL) == 1);
}

static void test_tls_and_signals(void)
{
	uint64_t fs = 0;
	sigset_t set, old;
	struct sigaction sa = {.sa_handler = SIG_IGN}, prev;

	CHECK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs) == 0 && fs == (uint64_t)pthread_self());
	CHECK(syscall(SYS_arch_prctl, ARCH_SET_FS, fs) == 0);
	CHECK(failed_with(syscall(SYS_arch_prctl, ARCH_SET_FS, 1UL << 63), EPERM));
	CHECK(failed_with(syscall(SYS_arch_prctl, 0x3001, 0), EINVAL));
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0 && sigaction(SIGUSR1, NULL, &prev) == 0 &&
	      prev.sa_handler == SIG_IGN);
	CHECK(failed_with(sigaction(SIGKILL, &sa, NULL), EINVAL));
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGKILL);
	CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0 && sigprocmask(SIG_SETMASK, NULL, &old) == 0);
	CHECK(sigismember(&old, SIGUSR2) && !sigismember(&old, SIGKILL));
	CHECK(failed_with(syscall(SYS_rt_sigprocmask, 7, &set, NULL, 8), EINVAL));
}

static void test_sysinfo(void)
{
	struct utsname u;
	struct sysinfo si;
	struct rlimit r, low = {100, 200}, high = {100, RLIM_INFINITY};

	CHECK(uname(&u) == 0 && !strcmp(u.sysname, "Pith") && !strcmp(u.machine, "x86_64"));
	CHECK(!strcmp(u.nodename, "pith") && !strcmp(u.release, PITH_VERSION "-pith"));
	CHECK(sysinfo(&si) == 0 && si.totalram * si.mem_unit == 64ULL << 20 && si.procs == 1);
	CHECK(si.freeram > 0 && si.freeram < si.totalram);
	CHECK(getrlimit(RLIMIT_STACK, &r) == 0 && r.rlim_cur > 0 && r.rlim_cur == r.rlim_max);
	CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur == 1024);
	CHECK(getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur == RLIM_INFINITY);
	CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0 && getrlimit(RLIMIT_NOFILE, &r) == 0 &&
	      r.rlim_cur == 100 && r.rlim_max == 200);
	CHECK(failed_with(setrlimit(RLIMIT_NOFILE, &high), EPERM));
	CHECK(failed_with(prlimit(5, RLIMIT_NOFILE, NULL, &r), ESRCH));
	CHECK(failed_with(getrlimit(99, &r), EINVAL));
}

int main(int argc, char **argv)
{
	CHECK(argc >= 1 && argv[0][0] != '\0');
	argv[0][0] = 'X'; /* the strings are on the stack: writable */
	CHECK(argv[0][0] == 'X');
	test_console_faults();
	test_writable_checks();
	test_console();
	test_clocks();
	test_sleep();
	test_random();
	test_auxv_and_ids();
	test_tls_and_signals();
	test_sysinfo();
	CHECK(failed_with(syscall(999), ENOSYS));
	return test__done();
}
