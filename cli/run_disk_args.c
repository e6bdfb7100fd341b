/* The disk option of `pith run`: --disk FILE[:MOUNTPOINT][:ro], repeatable. */
#include "run_args.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char disk_usage[] = "write --disk FILE[:MOUNTPOINT][:ro], e.g. --disk data.img:/data";

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int rc,
						      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* The component of len bytes at s is "." or "..". */
static int dot_component(const char *s, size_t len)
{
	return (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.');
}

/*
 * Normalize the absolute path of len bytes at s into out (PITH_BLK_MOUNT_MAX bytes): repeated
 * and trailing slashes dropped. 0, -1 on a "." or ".." component, -2 if it is too long.
 */
static int mount_normalize(const char *s, size_t len, char out[PITH_BLK_MOUNT_MAX])
{
	size_t n = 0, i = 0;

	while (i < len) {
		size_t start, clen;

		while (i < len && s[i] == '/')
			i++;
		start = i;
		while (i < len && s[i] != '/')
			i++;
		clen = i - start;
		if (!clen)
			break;
		if (dot_component(s + start, clen))
			return -1;
		if (n + 1 + clen >= PITH_BLK_MOUNT_MAX)
			return -2;
		out[n++] = '/';
		memcpy(out + n, s + start, clen);
		n += clen;
	}
	out[n] = 0;
	return 0;
}

static int take_mount(struct blk_disk_config *d, const char *spec, const char *m, size_t len,
		      char *err, size_t errlen)
{
	int rc = mount_normalize(m, len, d->mount);

	if (rc == -1)
		return fail(err, errlen, -1,
			    "run: --disk %s: the mount point has a '.' or '..' component; give a "
			    "plain absolute path such as /data",
			    spec);
	if (rc == -2)
		return fail(err, errlen, -1,
			    "run: --disk %s: the mount point is longer than %u bytes; give a "
			    "shorter one",
			    spec, PITH_BLK_MOUNT_MAX - 1);
	if (!d->mount[0])
		return fail(err, errlen, -1,
			    "run: --disk %s: the mount point cannot be /, the image's own root "
			    "filesystem; give another one such as /data",
			    spec);
	return 0;
}

/* FILE[:MOUNTPOINT][:ro] into d; the file name is copied (freed by run_disk_args__free). */
static int take_spec(struct blk_disk_config *d, const char *spec, char *err, size_t errlen)
{
	size_t len = strlen(spec);
	const char *colon;

	if (len >= 3 && strcmp(spec + len - 3, ":ro") == 0) {
		d->ro = true;
		len -= 3;
	}
	colon = memrchr(spec, ':', len);
	if (colon && colon[1] != '/')
		return fail(err, errlen, -1,
			    "run: --disk %s: '%.*s' is neither an absolute mount point nor ro; %s",
			    spec, (int)(len - (size_t)(colon + 1 - spec)), colon + 1, disk_usage);
	if (colon &&
	    take_mount(d, spec, colon + 1, len - (size_t)(colon + 1 - spec), err, errlen) < 0)
		return -1;
	if (colon)
		len = (size_t)(colon - spec);
	if (!len)
		return fail(err, errlen, -1, "run: --disk %s: no file given; %s", spec, disk_usage);
	d->path = strndup(spec, len);
	if (!d->path)
		return fail(err, errlen, -1, "out of memory for --disk %s", spec);
	return 0;
}

int run_disk_args__take(struct blk_config *cfg, int argc, char **argv, int *i, char *err,
			size_t errlen)
{
	char *val = NULL;
	int m = run_args__option_value(argc, argv, i, "--disk", NULL, &val);
	struct blk_disk_config d = {0};

	if (m <= 0)
		return m < 0
			   ? fail(err, errlen, -1, "run: --disk needs a disk image; %s", disk_usage)
			   : 0;
	if (cfg->count >= PITH_BLK_MAX)
		return fail(err, errlen, -1, "run: at most %u --disk options", PITH_BLK_MAX);
	if (!*val)
		return fail(err, errlen, -1, "run: --disk needs a disk image; %s", disk_usage);
	if (take_spec(&d, val, err, errlen) < 0)
		return -1;
	cfg->disks[cfg->count++] = d;
	return 1;
}

/* a is b, or an ancestor of b: "/data" and "/data/x" nest, "/data" and "/database" do not. */
static int mount_nests(const char *a, const char *b)
{
	size_t n = strlen(a);

	return strncmp(a, b, n) == 0 && (b[n] == 0 || b[n] == '/');
}

int run_disk_args__finish(struct blk_config *cfg, char *err, size_t errlen)
{
	for (unsigned i = 0; i < cfg->count; i++)
		if (!cfg->disks[i].mount[0])
			snprintf(cfg->disks[i].mount, sizeof(cfg->disks[i].mount), "/mnt/disk%u",
				 i);
	for (unsigned i = 0; i < cfg->count; i++)
		for (unsigned j = 0; j < cfg->count; j++) {
			const char *a = cfg->disks[i].mount, *b = cfg->disks[j].mount;

			if (i < j && strcmp(a, b) == 0)
				return fail(err, errlen, -1,
					    "run: --disk: disks %u and %u are both mounted at %s; "
					    "give each its own mount point",
					    i, j, a);
			if (i != j && strcmp(a, b) != 0 && mount_nests(a, b))
				return fail(err, errlen, -1,
					    "run: --disk: the mount points %s and %s nest; give "
					    "disjoint ones",
					    a, b);
		}
	return 0;
}

void run_disk_args__free(struct blk_config *cfg)
{
	for (unsigned i = 0; i < cfg->count; i++) {
		free((void *)cfg->disks[i].path);
		cfg->disks[i].path = NULL;
	}
	cfg->count = 0;
}
