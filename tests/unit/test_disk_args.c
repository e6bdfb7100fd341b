/* Unit tests of `pith run --disk FILE[:MOUNTPOINT][:ro]` parsing (cli/run_disk_args.c). */
#include <stdio.h>
#include <string.h>

#include <pith/abi.h>

#include "run_args.h"
#include "test.h"

#define ARGS(...) ((char *[]){__VA_ARGS__, NULL})

static int parse(struct vmm_config *cfg, char *err, char **args)
{
	int n = 0;

	while (args[n])
		n++;
	err[0] = 0;
	return run_args__parse(cfg, n, args, NULL, err, 256);
}

/* Disk i of a successful parse: "path|mount|ro" or "path|mount|rw". */
static void expect_disk(struct vmm_config *cfg, unsigned i, const char *want)
{
	char got[256];
	const struct blk_disk_config *d = &cfg->blk.disks[i];

	snprintf(got, sizeof(got), "%s|%s|%s", d->path, d->mount, d->ro ? "ro" : "rw");
	CHECK_STR(got, want);
}

static bool parse_ok(struct vmm_config *cfg, char **args, unsigned ndisks)
{
	char err[256];

	if (!CHECKF(parse(cfg, err, args) == RUN_ARGS_OK, "%s ...: %s", args[0], err))
		return false;
	return CHECK_U64(cfg->blk.count, ndisks);
}

static void expect_error(char **args, const char *want)
{
	struct vmm_config cfg;
	char err[256];

	CHECKF(parse(&cfg, err, args) == RUN_ARGS_ERROR, "%s %s: an error", args[0], args[1]);
	CHECK_STR(err, want);
	CHECK_U64(cfg.blk.count, 0); /* freed on error */
}

static void test_forms(void)
{
	struct vmm_config cfg;

	if (parse_ok(&cfg, ARGS("--disk", "data.img", "img.pith"), 1))
		expect_disk(&cfg, 0, "data.img|/mnt/disk0|rw");
	run_args__free(&cfg);
	if (parse_ok(&cfg,
		     ARGS("--disk", "a.img:/data", "--disk=b.img:ro", "--disk", "c.img:/x/y/:ro",
			  "--disk", "/abs/d.img://srv//www", "img.pith", "--disk", "guest-arg"),
		     4)) {
		expect_disk(&cfg, 0, "a.img|/data|rw");
		expect_disk(&cfg, 1, "b.img|/mnt/disk1|ro");
		expect_disk(&cfg, 2, "c.img|/x/y|ro");
		expect_disk(&cfg, 3, "/abs/d.img|/srv/www|rw");
		CHECK_U64(cfg.argc, 3); /* --disk after the image is the guest's */
	}
	run_args__free(&cfg);
	if (parse_ok(&cfg, ARGS("--disk", "my:file.img:/data", "img.pith"), 1))
		expect_disk(&cfg, 0, "my:file.img|/data|rw");
	run_args__free(&cfg);
	if (parse_ok(&cfg, ARGS("--disk", "ro", "--disk", "x.img:/mnt/disk0x", "img.pith"), 2)) {
		expect_disk(&cfg, 0, "ro|/mnt/disk0|rw"); /* a file named ro */
		expect_disk(&cfg, 1, "x.img|/mnt/disk0x|rw");
	}
	run_args__free(&cfg);
}

static void test_limits(void)
{
	struct vmm_config cfg;
	char mount[PITH_BLK_MOUNT_MAX + 8], spec[128];

	memset(mount, 'm', sizeof(mount));
	mount[0] = '/';
	mount[PITH_BLK_MOUNT_MAX - 1] = 0; /* 63 bytes: fits */
	snprintf(spec, sizeof(spec), "x.img:%s", mount);
	if (parse_ok(&cfg, ARGS("--disk", spec, "img.pith"), 1))
		CHECK_U64(strlen(cfg.blk.disks[0].mount), PITH_BLK_MOUNT_MAX - 1);
	run_args__free(&cfg);
	mount[PITH_BLK_MOUNT_MAX - 1] = 'm';
	mount[PITH_BLK_MOUNT_MAX] = 0; /* 64 bytes: does not */
	snprintf(spec, sizeof(spec), "x.img:%s", mount);
	expect_error(ARGS("--disk", spec, "img.pith"),
		     "run: --disk "
		     "x.img:/mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm: the "
		     "mount point is longer than 63 bytes; give a shorter one");
	parse_ok(&cfg,
		 ARGS("--disk", "0", "--disk", "1", "--disk", "2", "--disk", "3", "--disk", "4",
		      "--disk", "5", "--disk", "6", "--disk", "7", "img.pith"),
		 PITH_BLK_MAX);
	run_args__free(&cfg);
	expect_error(ARGS("--disk", "0", "--disk", "1", "--disk", "2", "--disk", "3", "--disk", "4",
			  "--disk", "5", "--disk", "6", "--disk", "7", "--disk", "8", "img.pith"),
		     "run: at most 8 --disk options");
}

static void test_errors(void)
{
	static const char usage[] =
	    "write --disk FILE[:MOUNTPOINT][:ro], e.g. --disk data.img:/data";
	char want[256];

	expect_error(ARGS("--disk"), "run: --disk needs a disk image; write --disk "
				     "FILE[:MOUNTPOINT][:ro], e.g. --disk data.img:/data");
	snprintf(want, sizeof(want), "run: --disk needs a disk image; %s", usage);
	expect_error(ARGS("--disk=", "img.pith"), want);
	snprintf(want, sizeof(want), "run: --disk :/data: no file given; %s", usage);
	expect_error(ARGS("--disk", ":/data", "img.pith"), want);
	snprintf(want, sizeof(want), "run: --disk :ro: no file given; %s", usage);
	expect_error(ARGS("--disk", ":ro", "img.pith"), want);
	snprintf(want, sizeof(want),
		 "run: --disk d.img:data: 'data' is neither an absolute mount point nor ro; %s",
		 usage);
	expect_error(ARGS("--disk", "d.img:data", "img.pith"), want);
	snprintf(want, sizeof(want),
		 "run: --disk d.img:/data:rw: 'rw' is neither an absolute mount point nor ro; %s",
		 usage);
	expect_error(ARGS("--disk", "d.img:/data:rw", "img.pith"), want);
	expect_error(ARGS("--disk", "d.img:/", "img.pith"),
		     "run: --disk d.img:/: the mount point cannot be /, the image's own root "
		     "filesystem; give another one such as /data");
	expect_error(ARGS("--disk", "d.img:///", "img.pith"),
		     "run: --disk d.img:///: the mount point cannot be /, the image's own root "
		     "filesystem; give another one such as /data");
	expect_error(ARGS("--disk", "d.img:/a/../b", "img.pith"),
		     "run: --disk d.img:/a/../b: the mount point has a '.' or '..' component; give "
		     "a plain absolute path such as /data");
	expect_error(ARGS("--disk", "d.img:/a/./b:ro", "img.pith"),
		     "run: --disk d.img:/a/./b:ro: the mount point has a '.' or '..' component; "
		     "give a plain absolute path such as /data");
	expect_error(ARGS("--disk", "a.img:/data", "--disk", "b.img:/data/", "img.pith"),
		     "run: --disk: disks 0 and 1 are both mounted at /data; give each its own "
		     "mount point");
	expect_error(ARGS("--disk", "a.img", "--disk", "b.img:/mnt/disk0", "img.pith"),
		     "run: --disk: disks 0 and 1 are both mounted at /mnt/disk0; give each its own "
		     "mount point");
	expect_error(ARGS("--disk", "a.img:/data/sub", "--disk", "b.img:/data", "img.pith"),
		     "run: --disk: the mount points /data and /data/sub nest; give disjoint ones");
	expect_error(ARGS("--disk", "a.img:/data", "--disk", "b.img:/data/x:ro", "img.pith"),
		     "run: --disk: the mount points /data and /data/x nest; give disjoint ones");
}

/* Disks do not disturb the other options. */
static void test_with_others(void)
{
	struct vmm_config cfg;

	if (parse_ok(&cfg, ARGS("--mem", "128M", "--disk", "a.img:/a", "--stats", "img.pith"), 1)) {
		CHECK_U64(cfg.mem_size, 128ull << 20);
		CHECK(cfg.stats);
		expect_disk(&cfg, 0, "a.img|/a|rw");
	}
	run_args__free(&cfg);
	CHECK_U64(cfg.blk.count, 0);
	CHECK(cfg.blk.disks[0].path == NULL);
	if (parse_ok(&cfg, ARGS("img.pith"), 0))
		CHECK_U64(cfg.blk.count, 0);
	run_args__free(&cfg);
}

int main(void)
{
	test_forms();
	test_limits();
	test_errors();
	test_with_others();
	return test__done();
}
