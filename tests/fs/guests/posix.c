/* The POSIX file-API suite: the same cases natively (a host temp dir) and in Pith (ext2, ramfs). */
/*
 *   posix DIR [OTHER]   runs every case inside DIR (created if missing; left empty); with OTHER,
 *                       a directory on another filesystem, also the cross-mount cases (EXDEV)
 *   posix --synth       checks the files Pith synthesizes (/dev/null, /etc/passwd, ...), which
 *                       a Linux host has too
 * Each case prints "ok NAME" or "FAIL NAME: expected X got Y (errno NAME)"; the last line is
 * "N passed, N failed"; the exit status is 1 on any failure, 2 on bad usage.
 * Where Linux's answer depends on the filesystem (d_type, st_blksize, statfs figures, ELOOP or
 * EMLINK for O_NOFOLLOW, EISDIR or EPERM for unlink of a directory), both documented answers
 * are accepted; each such place says so.
 */
#include "posix.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int posix_top = -1;

static int usage(void)
{
	fprintf(stderr, "usage: posix DIR [OTHER-MOUNT-DIR] | posix --synth\n");
	return 2;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "--synth")) {
		posix_synth_cases();
		return check_finish();
	}
	if (argc < 2 || argc > 3)
		return usage();
	mkdir(argv[1], 0755); /* EEXIST is fine: the open below says whether DIR is usable */
	posix_top = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (posix_top < 0 || fchdir(posix_top) < 0) {
		printf("FAIL setup: cannot enter %s (errno %s)\n", argv[1], errno_name(errno));
		check_failed++;
		return check_finish();
	}
	umask(022);
	posix_file_cases();
	posix_dir_cases();
	posix_meta_cases();
	if (argc == 3)
		posix_exdev_cases(argv[2]);
	return check_finish();
}
