/* The POSIX suite's metadata and descriptor cases: stat, modes, times, dup, fcntl, mmap. */
#include "posix.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* struct statx as Linux's UAPI lays it out (include/uapi/linux/stat.h): musl 1.2.3 has none. */
struct statx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t pad;
};
struct statx_buf {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, pad1;
	uint64_t ino, size, blocks, attributes_mask;
	struct statx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};
#define STATX_BASIC 0x7ffu

static void stat_cases(void)
{
	struct stat st, st2;
	struct statx_buf sx;
	int fd;

	put_file("st_f", "123456789", 9);
	fd = open("st_f", O_RDONLY);
	EXPECT_EQ("fstat", fstat(fd, &st), 0);
	EXPECT_TRUE("fstat-regular", S_ISREG(st.st_mode));
	EXPECT_EQ("fstat-size", st.st_size, 9);
	EXPECT_EQ("fstat-nlink", st.st_nlink, 1);
	/* st_blksize depends on the filesystem: any positive power of two is accepted. */
	EXPECT_TRUE("fstat-blksize", st.st_blksize > 0 && !(st.st_blksize & (st.st_blksize - 1)));
	EXPECT_EQ("stat-same-inode", stat("st_f", &st2) == 0 && st2.st_ino == st.st_ino, 1);
	EXPECT_EQ("fstatat", fstatat(posix_top, "st_f", &st2, 0) == 0 && st2.st_size == 9, 1);
	symlink("st_f", "st_l");
	EXPECT_EQ("fstatat-nofollow",
		  fstatat(AT_FDCWD, "st_l", &st2, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st2.st_mode),
		  1);
	EXPECT_EQ("stat-follows", stat("st_l", &st2) == 0 && st2.st_ino == st.st_ino, 1);
	EXPECT_EQ("fstat-dir", fstat(posix_top, &st2) == 0 && S_ISDIR(st2.st_mode), 1);
	memset(&sx, 0, sizeof(sx));
	EXPECT_EQ("statx", syscall(SYS_statx, AT_FDCWD, "st_f", 0, STATX_BASIC, &sx), 0);
	EXPECT_TRUE("statx-fields", sx.size == 9 && (sx.mode & S_IFMT) == S_IFREG &&
					sx.ino == (uint64_t)st.st_ino && sx.nlink == 1);
	EXPECT_EQ("statx-mtime", sx.mtime.tv_sec, st.st_mtime);
	EXPECT_ERR("fstat-closed-ebadf", fstat(999, &st2), EBADF);
	EXPECT_ERR("stat-enotdir", stat("st_f/x", &st2), ENOTDIR);
	close(fd);
	unlink("st_l");
	unlink("st_f");
}

/* mtime and ctime move forward on write (from an old explicit time, so coarse clocks pass). */
static void times_cases(void)
{
	struct timespec ts[2] = {{1000000000, 0}, {1200000000, 0}};
	struct stat st;
	int fd;

	put_file("tm_f", "x", 1);
	EXPECT_EQ("utimensat-explicit", utimensat(AT_FDCWD, "tm_f", ts, 0), 0);
	stat("tm_f", &st);
	/* Seconds only: ext2 stores no nanoseconds. */
	EXPECT_TRUE("utimensat-explicit-stored",
		    st.st_atime == 1000000000 && st.st_mtime == 1200000000);
	fd = open("tm_f", O_WRONLY | O_APPEND);
	write(fd, "y", 1);
	close(fd);
	stat("tm_f", &st);
	EXPECT_TRUE("write-moves-mtime", st.st_mtime > 1200000000 && st.st_mtime > time(NULL) - 60);
	EXPECT_TRUE("write-moves-ctime", st.st_ctime > 1200000000);
	struct timespec omit[2] = {{2000000000, 0}, {0, UTIME_OMIT}};
	time_t m = st.st_mtime;
	EXPECT_EQ("utimensat-omit", utimensat(AT_FDCWD, "tm_f", omit, 0), 0);
	stat("tm_f", &st);
	EXPECT_TRUE("utimensat-omit-kept", st.st_atime == 2000000000 && st.st_mtime == m);
	struct timespec nowt[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
	EXPECT_EQ("utimensat-now", utimensat(AT_FDCWD, "tm_f", nowt, 0), 0);
	stat("tm_f", &st);
	EXPECT_TRUE("utimensat-now-stored",
		    st.st_atime >= time(NULL) - 60 && st.st_atime < 2000000000);
	EXPECT_EQ("futimens-null", futimens(posix_top, NULL), 0);
	EXPECT_ERR("utimensat-missing-enoent", utimensat(AT_FDCWD, "tm_none", NULL, 0), ENOENT);
	unlink("tm_f");
}

static long mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (long)(st.st_mode & 07777);
}

static void mode_owner_cases(void)
{
	struct stat st;
	int fd;

	EXPECT_EQ("umask-previous", umask(027), 022);
	fd = open("md_f", O_CREAT | O_RDWR, 0777);
	EXPECT_EQ("umask-file-mode", mode_of("md_f"), 0750);
	mkdir("md_d", 0777);
	EXPECT_EQ("umask-dir-mode", mode_of("md_d"), 0750);
	EXPECT_EQ("umask-restore", umask(022), 027);
	EXPECT_EQ("chmod", chmod("md_f", 0604), 0);
	EXPECT_EQ("chmod-stored", mode_of("md_f"), 0604);
	EXPECT_EQ("fchmod", fchmod(fd, 04751), 0);
	EXPECT_EQ("fchmod-stored", mode_of("md_f"), 04751);
	EXPECT_EQ("chmod-dir", chmod("md_d", 01777), 0);
	EXPECT_EQ("chmod-dir-stored", mode_of("md_d"), 01777);
	/* Everything runs as root (Pith does not enforce permissions): chown is stored. */
	EXPECT_EQ("chown", chown("md_f", 1234, 5678), 0);
	EXPECT_EQ("chown-stored", stat("md_f", &st) == 0 && st.st_uid == 1234 && st.st_gid == 5678,
		  1);
	EXPECT_EQ("fchown-keep-uid", fchown(fd, (uid_t)-1, 42), 0);
	EXPECT_EQ("fchown-stored", stat("md_f", &st) == 0 && st.st_uid == 1234 && st.st_gid == 42,
		  1);
	EXPECT_ERR("chmod-missing-enoent", chmod("md_none", 0644), ENOENT);
	close(fd);
	unlink("md_f");
	rmdir("md_d");
}

static void dup_cases(void)
{
	int fd = open("dp", O_RDWR | O_CREAT | O_TRUNC, 0644), d, flags;

	write(fd, "abcdef", 6);
	d = dup(fd);
	EXPECT_TRUE("dup", d >= 0 && d != fd);
	lseek(fd, 2, SEEK_SET);
	EXPECT_EQ("dup-shares-offset", lseek(d, 0, SEEK_CUR), 2);
	EXPECT_EQ("dup2", dup2(fd, 40), 40);
	EXPECT_EQ("dup2-same-fd", dup2(40, 40), 40);
	EXPECT_EQ("dup3-cloexec", dup3(fd, 41, O_CLOEXEC), 41);
	EXPECT_EQ("dup3-cloexec-set", fcntl(41, F_GETFD), FD_CLOEXEC);
	EXPECT_ERR("dup3-same-fd-einval", dup3(41, 41, 0), EINVAL);
	EXPECT_ERR("dup-bad-ebadf", dup(999), EBADF);
	EXPECT_ERR("dup2-bad-ebadf", dup2(999, 42), EBADF);
	EXPECT_EQ("fcntl-dupfd", fcntl(fd, F_DUPFD, 50), 50);
	EXPECT_EQ("fcntl-dupfd-not-cloexec", fcntl(50, F_GETFD), 0);
	EXPECT_EQ("fcntl-dupfd-cloexec", fcntl(fd, F_DUPFD_CLOEXEC, 50), 51);
	EXPECT_EQ("fcntl-dupfd-cloexec-set", fcntl(51, F_GETFD), FD_CLOEXEC);
	EXPECT_EQ("fcntl-setfd", fcntl(50, F_SETFD, FD_CLOEXEC), 0);
	EXPECT_EQ("fcntl-getfd", fcntl(50, F_GETFD), FD_CLOEXEC);
	flags = fcntl(fd, F_GETFL);
	EXPECT_EQ("fcntl-getfl", flags & O_ACCMODE, O_RDWR);
	EXPECT_EQ("fcntl-setfl-append", fcntl(fd, F_SETFL, flags | O_APPEND), 0);
	EXPECT_EQ("fcntl-getfl-append", fcntl(d, F_GETFL) & O_APPEND, O_APPEND);
	lseek(fd, 0, SEEK_SET);
	write(fd, "Z", 1);
	EXPECT_EQ("fcntl-append-writes-at-end", file_size("dp"), 7);
	EXPECT_ERR("fcntl-bad-ebadf", fcntl(999, F_GETFD), EBADF);
	int fds[] = {d, 40, 41, 50, 51, fd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		close(fds[i]);
	EXPECT_ERR("close-twice-ebadf", close(fd), EBADF);
	unlink("dp");
}

/* Record locks: the only process's locks are always granted; F_GETLK reports F_UNLCK. */
static void lock_cases(void)
{
	int fd = open("lk", O_RDWR | O_CREAT | O_TRUNC, 0644);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};

	EXPECT_EQ("fcntl-setlk", fcntl(fd, F_SETLK, &fl), 0);
	fl.l_type = F_WRLCK;
	EXPECT_EQ("fcntl-getlk", fcntl(fd, F_GETLK, &fl), 0);
	EXPECT_EQ("fcntl-getlk-unlocked", fl.l_type, F_UNLCK);
	fl.l_type = F_UNLCK;
	EXPECT_EQ("fcntl-setlk-unlock", fcntl(fd, F_SETLK, &fl), 0);
	close(fd);
	unlink("lk");
}

/* statfs figures depend on the filesystem (a RAM filesystem may say 0 blocks): sane, not equal. */
static void statfs_cases(void)
{
	struct statfs a, b;
	int fd = open(".", O_RDONLY | O_DIRECTORY);

	EXPECT_EQ("statfs", statfs(".", &a), 0);
	EXPECT_TRUE("statfs-sane", a.f_bsize > 0 && a.f_bfree <= a.f_blocks &&
				       a.f_bavail <= a.f_bfree && a.f_ffree <= a.f_files &&
				       a.f_namelen >= 255);
	EXPECT_EQ("fstatfs", fstatfs(fd, &b), 0);
	EXPECT_TRUE("fstatfs-same",
		    b.f_type == a.f_type && b.f_bsize == a.f_bsize && b.f_blocks == a.f_blocks);
	EXPECT_ERR("statfs-missing-enoent", statfs("sf_none", &a), ENOENT);
	close(fd);
}

static void sendfile_cases(void)
{
	static char data[10000], buf[2000];
	int fd, p[2];
	off_t off = 100;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 23);
	put_file("sf", data, sizeof(data));
	fd = open("sf", O_RDONLY);
	pipe(p);
	EXPECT_EQ("sendfile-offset", sendfile(p[1], fd, &off, 1000), 1000);
	EXPECT_EQ("sendfile-offset-advanced", off, 1100);
	EXPECT_EQ("sendfile-offset-keeps-pos", lseek(fd, 0, SEEK_CUR), 0);
	EXPECT_EQ("sendfile-offset-data",
		  read(p[0], buf, sizeof(buf)) == 1000 && !memcmp(buf, data + 100, 1000), 1);
	lseek(fd, 9500, SEEK_SET);
	EXPECT_EQ("sendfile-null-offset", sendfile(p[1], fd, NULL, 1000), 500);
	EXPECT_EQ("sendfile-null-moves-pos", lseek(fd, 0, SEEK_CUR), 10000);
	EXPECT_EQ("sendfile-null-data",
		  read(p[0], buf, sizeof(buf)) == 500 && !memcmp(buf, data + 9500, 500), 1);
	EXPECT_EQ("sendfile-at-eof", sendfile(p[1], fd, NULL, 10), 0);
	EXPECT_ERR("sendfile-bad-ebadf", sendfile(p[1], 999, NULL, 10), EBADF);
	close(p[0]);
	close(p[1]);
	close(fd);
	unlink("sf");
}

static void mmap_cases(void)
{
	static char data[3 * 4096], buf[16];
	int fd;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7 + i / 4096);
	put_file("mm", data, sizeof(data));
	fd = open("mm", O_RDWR);
	char *p = mmap(NULL, sizeof(data), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	EXPECT_TRUE("mmap-private", p != MAP_FAILED);
	if (p == MAP_FAILED)
		goto out;
	EXPECT_EQ("mmap-private-content", memcmp(p, data, sizeof(data)), 0);
	memcpy(p + 5000, "PRIVATE", 7);
	EXPECT_EQ("mmap-private-write-local", memcmp(p + 5000, "PRIVATE", 7), 0);
	EXPECT_EQ("mmap-private-not-in-file",
		  pread(fd, buf, 7, 5000) == 7 && !memcmp(buf, data + 5000, 7), 1);
	munmap(p, sizeof(data));
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
	EXPECT_TRUE("mmap-shared-read", p != MAP_FAILED);
	if (p != MAP_FAILED) {
		EXPECT_EQ("mmap-shared-offset-content", memcmp(p, data + 4096, 4096), 0);
		munmap(p, 4096);
	}
out:
	EXPECT_TRUE("mmap-bad-fd", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 999, 0) == MAP_FAILED &&
				       errno == EBADF);
	close(fd);
	unlink("mm");
}

void posix_meta_cases(void)
{
	stat_cases();
	times_cases();
	mode_owner_cases();
	dup_cases();
	lock_cases();
	statfs_cases();
	sendfile_cases();
	mmap_cases();
}

static void synth_read_cases(void)
{
	char buf[256];
	int fd, zero = 1, nonzero = 0;

	fd = open("/dev/null", O_RDWR);
	EXPECT_EQ("dev-null-read-eof", read(fd, buf, sizeof(buf)), 0);
	EXPECT_EQ("dev-null-write", write(fd, "abc", 3), 3);
	close(fd);
	fd = open("/dev/zero", O_RDONLY);
	memset(buf, 'q', sizeof(buf));
	EXPECT_EQ("dev-zero-read", read(fd, buf, sizeof(buf)), (long)sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		zero &= buf[i] == 0;
	EXPECT_TRUE("dev-zero-zeros", zero);
	close(fd);
	fd = open("/dev/urandom", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ("dev-urandom-read", read(fd, buf, 64), 64);
	for (int i = 0; i < 64; i++)
		nonzero += buf[i] != 0;
	EXPECT_TRUE("dev-urandom-random", nonzero > 32);
	close(fd);
}

void posix_synth_cases(void)
{
	static char buf[65536];
	const char *exist[] = {"/dev/random", "/dev/stdin",	  "/dev/stdout",
			       "/dev/stderr", "/etc/resolv.conf", "/etc/group"};
	struct stat st;

	synth_read_cases();
	memset(buf, 0, sizeof(buf));
	EXPECT_TRUE("etc-passwd", get_file("/etc/passwd", buf, sizeof(buf) - 1) > 0 &&
				      strstr(buf, "root:") != NULL);
	memset(buf, 0, sizeof(buf));
	EXPECT_TRUE("etc-hosts", get_file("/etc/hosts", buf, sizeof(buf) - 1) > 0 &&
				     strstr(buf, "localhost") != NULL);
	for (size_t i = 0; i < sizeof(exist) / sizeof(exist[0]); i++)
		EXPECT_EQ(exist[i], stat(exist[i], &st), 0);
	memset(buf, 0, sizeof(buf));
	EXPECT_TRUE("proc-self-exe",
		    readlink("/proc/self/exe", buf, PATH_MAX) > 1 && buf[0] == '/');
	int fd = open("/dev/stdout", O_WRONLY); /* no O_TRUNC: stdout may be the harness's file */
	fflush(stdout);
	EXPECT_EQ("dev-stdout-write", write(fd, "# via /dev/stdout\n", 18), 18);
	close(fd);
}
