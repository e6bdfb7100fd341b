/* The POSIX suite's file cases: open flags, read/write and their vectored forms, seek, size. */
#include "posix.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static int all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void open_create_excl(void)
{
	int fd;

	EXPECT_ERR("open-missing-enoent", open("io_missing", O_RDONLY), ENOENT);
	fd = open("io_a", O_RDWR | O_CREAT | O_EXCL, 0640);
	EXPECT_TRUE("open-creat-excl-new", fd >= 0);
	EXPECT_EQ("open-creat-write", write(fd, "hello world", 11), 11);
	close(fd);
	EXPECT_ERR("open-creat-excl-eexist", open("io_a", O_RDWR | O_CREAT | O_EXCL, 0640), EEXIST);
	fd = open("io_a", O_RDWR | O_CREAT, 0600); /* exists: no truncation, mode unchanged */
	EXPECT_EQ("open-creat-existing-keeps", lseek(fd, 0, SEEK_END), 11);
	close(fd);
	EXPECT_EQ("open-creat-mode-umask", file_size("io_a") >= 0, 1);
	struct stat st;
	EXPECT_EQ("open-creat-mode", stat("io_a", &st) == 0 ? (long)(st.st_mode & 07777) : -1,
		  0640 & ~022);
	fd = open("io_a", O_RDWR | O_TRUNC);
	EXPECT_EQ("open-trunc-size", lseek(fd, 0, SEEK_END), 0);
	close(fd);
	EXPECT_ERR("open-creat-missing-parent", open("io_nodir/x", O_CREAT | O_RDWR, 0644), ENOENT);
	unlink("io_a");
}

static void open_append_dir_nofollow(void)
{
	char buf[32] = {0};
	int fd;

	put_file("io_b", "0123456789", 10);
	fd = open("io_b", O_RDWR | O_APPEND);
	lseek(fd, 0, SEEK_SET);
	EXPECT_EQ("open-append-write", write(fd, "ab", 2), 2);
	EXPECT_EQ("open-append-pos", lseek(fd, 0, SEEK_CUR), 12);
	close(fd);
	get_file("io_b", buf, sizeof(buf));
	check_str("open-append-content", buf, "0123456789ab");
	fd = open(".", O_RDONLY | O_DIRECTORY);
	EXPECT_TRUE("open-directory-dir", fd >= 0);
	close(fd);
	EXPECT_ERR("open-directory-file-enotdir", open("io_b", O_RDONLY | O_DIRECTORY), ENOTDIR);
	EXPECT_ERR("open-dir-wronly-eisdir", open(".", O_WRONLY), EISDIR);
	symlink("io_b", "io_b_link");
	/* Linux says ELOOP; FreeBSD's EMLINK is also documented for O_NOFOLLOW: both accepted. */
	EXPECT_ERR2("open-nofollow-symlink", open("io_b_link", O_RDONLY | O_NOFOLLOW), ELOOP,
		    EMLINK);
	fd = open("io_b", O_RDONLY | O_NOFOLLOW);
	EXPECT_TRUE("open-nofollow-regular", fd >= 0);
	close(fd);
	fd = open("io_b", O_RDONLY | O_CLOEXEC);
	EXPECT_EQ("open-cloexec", fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
	fd = open("io_b", O_RDONLY);
	EXPECT_EQ("open-no-cloexec", fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	EXPECT_ERR("write-rdonly-ebadf", write(fd, "x", 1), EBADF);
	close(fd);
	fd = open("io_b", O_WRONLY);
	EXPECT_ERR("read-wronly-ebadf", read(fd, buf, 1), EBADF);
	close(fd);
	unlink("io_b_link");
	unlink("io_b");
}

static void read_write_plain(void)
{
	char buf[64] = {0};
	int fd = open("io_c", O_RDWR | O_CREAT | O_TRUNC, 0644);

	EXPECT_EQ("write-returns-len", write(fd, "abcdefghij", 10), 10);
	EXPECT_EQ("write-moves-pos", lseek(fd, 0, SEEK_CUR), 10);
	EXPECT_EQ("read-at-eof-zero", read(fd, buf, sizeof(buf)), 0);
	lseek(fd, 2, SEEK_SET);
	EXPECT_EQ("read-short-at-end", read(fd, buf, sizeof(buf)), 8);
	EXPECT_EQ("read-content", memcmp(buf, "cdefghij", 8), 0);
	EXPECT_EQ("pwrite-len", pwrite(fd, "XY", 2, 4), 2);
	EXPECT_EQ("pwrite-keeps-pos", lseek(fd, 0, SEEK_CUR), 10);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ("pread-len", pread(fd, buf, 4, 3), 4);
	EXPECT_EQ("pread-content", memcmp(buf, "dXYg", 4), 0);
	EXPECT_EQ("pread-keeps-pos", lseek(fd, 0, SEEK_CUR), 10);
	EXPECT_EQ("pread-past-end-zero", pread(fd, buf, 4, 100), 0);
	EXPECT_ERR("pread-negative-einval", pread(fd, buf, 4, -1), EINVAL);
	close(fd);
	EXPECT_ERR("read-closed-ebadf", read(fd, buf, 1), EBADF);
	unlink("io_c");
}

static void read_write_vectored(void)
{
	char a[4], b[6], buf[16] = {0};
	struct iovec w[3] = {{"abc", 3}, {"", 0}, {"defghij", 7}};
	struct iovec r[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
	int fd = open("io_d", O_RDWR | O_CREAT | O_TRUNC, 0644);

	EXPECT_EQ("writev-len", writev(fd, w, 3), 10);
	lseek(fd, 0, SEEK_SET);
	EXPECT_EQ("readv-len", readv(fd, r, 2), 10);
	EXPECT_TRUE("readv-content", !memcmp(a, "abcd", 4) && !memcmp(b, "efghij", 6));
	struct iovec pw[2] = {{"12", 2}, {"34", 2}};
	EXPECT_EQ("pwritev-len", pwritev(fd, pw, 2, 8), 4);
	EXPECT_EQ("pwritev-keeps-pos", lseek(fd, 0, SEEK_CUR), 10);
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	EXPECT_EQ("preadv-len", preadv(fd, r, 2, 2), 10);
	EXPECT_TRUE("preadv-content", !memcmp(a, "cdef", 4) && !memcmp(b, "gh1234", 6));
	get_file("io_d", buf, sizeof(buf));
	check_str("pwritev-grew-file", buf, "abcdefgh1234");
	close(fd);
	unlink("io_d");
}

static void seek_and_holes(void)
{
	char buf[4096];
	int fd = open("io_e", O_RDWR | O_CREAT | O_TRUNC, 0644);

	write(fd, "0123456789", 10);
	EXPECT_EQ("lseek-set", lseek(fd, 3, SEEK_SET), 3);
	EXPECT_EQ("lseek-cur", lseek(fd, 2, SEEK_CUR), 5);
	EXPECT_EQ("lseek-end", lseek(fd, -1, SEEK_END), 9);
	EXPECT_ERR("lseek-negative-einval", lseek(fd, -100, SEEK_SET), EINVAL);
	EXPECT_ERR("lseek-bad-whence-einval", lseek(fd, 0, 77), EINVAL);
	EXPECT_EQ("lseek-past-end", lseek(fd, 200000, SEEK_SET), 200000);
	EXPECT_EQ("lseek-past-end-size-same", file_size("io_e"), 10);
	EXPECT_EQ("write-past-end", write(fd, "Z", 1), 1);
	EXPECT_EQ("hole-size", file_size("io_e"), 200001);
	memset(buf, 'q', sizeof(buf));
	EXPECT_EQ("hole-read-len", pread(fd, buf, sizeof(buf), 100000), (long)sizeof(buf));
	EXPECT_TRUE("hole-reads-zeros", all_zero(buf, sizeof(buf)));
	EXPECT_EQ("hole-head-kept", pread(fd, buf, 10, 0) == 10 && !memcmp(buf, "0123456789", 10),
		  1);
	/* SEEK_DATA/SEEK_HOLE are optional: EINVAL (unsupported) and ENXIO are accepted. */
	errno = 0;
	off_t d = lseek(fd, 0, SEEK_DATA);
	int e = errno;
	EXPECT_TRUE("seek-data", d == 0 || (d == -1 && (e == EINVAL || e == ENXIO)));
	errno = 0;
	off_t h = lseek(fd, 0, SEEK_HOLE);
	e = errno;
	EXPECT_TRUE("seek-hole",
		    (h >= 10 && h <= 200001) || (h == -1 && (e == EINVAL || e == ENXIO)));
	errno = 0;
	d = lseek(fd, 300000, SEEK_DATA);
	e = errno;
	EXPECT_TRUE("seek-data-past-end", d == -1 && (e == ENXIO || e == EINVAL));
	close(fd);
	unlink("io_e");
}

static void truncate_cases(void)
{
	char buf[8192];
	int fd;

	put_file("io_f", "abcdefghij", 10);
	EXPECT_EQ("truncate-grow", truncate("io_f", 5000), 0);
	EXPECT_EQ("truncate-grow-size", file_size("io_f"), 5000);
	memset(buf, 'q', sizeof(buf));
	EXPECT_EQ("truncate-grow-zeros",
		  get_file("io_f", buf, sizeof(buf)) == 5000 && !memcmp(buf, "abcdefghij", 10) &&
		      all_zero(buf + 10, 4990),
		  1);
	EXPECT_EQ("truncate-shrink", truncate("io_f", 4), 0);
	EXPECT_EQ("truncate-shrink-size", file_size("io_f"), 4);
	fd = open("io_f", O_RDWR);
	EXPECT_EQ("ftruncate-grow", ftruncate(fd, 70000), 0);
	EXPECT_EQ("ftruncate-grow-size", file_size("io_f"), 70000);
	EXPECT_EQ("ftruncate-zero", ftruncate(fd, 0), 0);
	EXPECT_EQ("ftruncate-regrow", ftruncate(fd, 3), 0);
	EXPECT_EQ("ftruncate-regrow-zeros", pread(fd, buf, 8, 0) == 3 && all_zero(buf, 3), 1);
	EXPECT_ERR("ftruncate-negative-einval", ftruncate(fd, -1), EINVAL);
	close(fd);
	fd = open("io_f", O_RDONLY);
	/* Linux answers EINVAL for a descriptor not open for writing; POSIX also allows EBADF. */
	EXPECT_ERR2("ftruncate-rdonly", ftruncate(fd, 0), EINVAL, EBADF);
	close(fd);
	EXPECT_ERR("truncate-missing-enoent", truncate("io_missing", 0), ENOENT);
	EXPECT_ERR("truncate-dir-eisdir", truncate(".", 0), EISDIR);
	unlink("io_f");
}

/*
 * fallocate mode 0 is required (issue 4). Linux's own ext2 driver answers EOPNOTSUPP to it (only
 * glibc's posix_fallocate emulates it there): run this suite natively on ext4 or tmpfs.
 */
static void fallocate_sync_cases(void)
{
	char buf[65536];
	int fd = open("io_g", O_RDWR | O_CREAT | O_TRUNC, 0644);

	write(fd, "keep", 4);
	EXPECT_EQ("fallocate-mode0", fallocate(fd, 0, 0, 65536), 0);
	EXPECT_EQ("fallocate-size", file_size("io_g"), 65536);
	memset(buf, 'q', sizeof(buf));
	EXPECT_EQ("fallocate-content",
		  pread(fd, buf, sizeof(buf), 0) == 65536 && !memcmp(buf, "keep", 4) &&
		      all_zero(buf + 4, 65532),
		  1);
	EXPECT_EQ("fallocate-inside-keeps-size", fallocate(fd, 0, 100, 10), 0);
	EXPECT_EQ("fallocate-inside-size", file_size("io_g"), 65536);
	EXPECT_ERR("fallocate-bad-len-einval", fallocate(fd, 0, 0, 0), EINVAL);
	EXPECT_EQ("fsync", fsync(fd), 0);
	EXPECT_EQ("fdatasync", fdatasync(fd), 0);
	EXPECT_EQ("syncfs", syncfs(fd), 0);
	sync();
	check_ok("sync");
	close(fd);
	EXPECT_ERR("fsync-closed-ebadf", fsync(fd), EBADF);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	EXPECT_EQ("fsync-directory", fsync(fd), 0);
	close(fd);
	unlink("io_g");
}

/* Beyond 4 GiB (sparse). RAM filesystems may refuse that much: EFBIG/ENOSPC/ENOMEM accepted. */
static void large_offset_case(void)
{
	const off_t off = (5LL << 30) + 123;
	char buf[8] = {0};
	int fd = open("io_h", O_RDWR | O_CREAT | O_TRUNC, 0644);

	errno = 0;
	ssize_t n = pwrite(fd, "bigfile", 7, off);
	if (n < 0 && (errno == EFBIG || errno == ENOSPC || errno == ENOMEM)) {
		check_ok("large-offset-refused-cleanly");
	} else {
		EXPECT_EQ("large-offset-pwrite", n, 7);
		EXPECT_EQ("large-offset-size", lseek(fd, 0, SEEK_END), off + 7);
		EXPECT_EQ("large-offset-pread",
			  pread(fd, buf, 7, off) == 7 && !strcmp(buf, "bigfile"), 1);
	}
	close(fd);
	unlink("io_h");
}

void posix_file_cases(void)
{
	open_create_excl();
	open_append_dir_nofollow();
	read_write_plain();
	read_write_vectored();
	seek_and_holes();
	truncate_cases();
	fallocate_sync_cases();
	large_offset_case();
}
