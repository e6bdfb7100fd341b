/* Synthesized files (PITH_SYNTH_FILE): created at boot where missing, filled when opened. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/core.h"
#include "mem/mem.h"
#include "vfs/internal.h"

/* Weak: an image whose components register no synthesized file has no such section. */
extern const struct pith_synth_file __start_pith_synth_files[] __attribute__((weak));
extern const struct pith_synth_file __stop_pith_synth_files[] __attribute__((weak));

/* passwd(5) and group(5): root and nobody, as a minimal system has them. */
static size_t copy_out(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(s);

	n = n < cap ? n : cap;
	memcpy(buf, s, n);
	return n;
}

static size_t passwd_fill(char *buf, size_t cap)
{
	return copy_out(buf, cap,
			"root:x:0:0:root:/root:/bin/sh\n"
			"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
}

static size_t group_fill(char *buf, size_t cap)
{
	return copy_out(buf, cap, "root:x:0:\nnogroup:x:65534:\n");
}

PITH_SYNTH_FILE(passwd, "/etc/passwd", passwd_fill);
PITH_SYNTH_FILE(group, "/etc/group", group_fill);

/* One open synthesized file: its vnode and the contents made at open time (one page). */
struct synth {
	struct pith_vnode *vn;
	size_t len;
	char data[PITH_PAGE - sizeof(struct pith_vnode *) - sizeof(size_t)];
};

static long synth_preadv(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total,
			 uint64_t pos)
{
	struct synth *s = f->priv;
	size_t n = pos < s->len ? s->len - (size_t)pos : 0;

	return (long)pith_iov_to(iov, iovcnt, 0, s->data + (n ? pos : 0), n < total ? n : total);
}

static long synth_readv(struct pith_file *f, const struct iovec *iov, int iovcnt, size_t total)
{
	long n = synth_preadv(f, iov, iovcnt, total, f->pos);

	f->pos += (uint64_t)n;
	return n;
}

static long synth_lseek(struct pith_file *f, int64_t off, int whence)
{
	return pith_vfs_seek(f, off, whence, ((struct synth *)f->priv)->len);
}

/* FIONREAD: the bytes left to read, as Linux answers for a regular file. */
static long synth_ioctl(struct pith_file *f, unsigned long req, unsigned long arg)
{
	struct synth *s = f->priv;

	return pith_vfs_fionread(req, arg, s->len, f->pos);
}

static long synth_stat(struct pith_file *f, struct stat *st)
{
	pith_vfs_stat(((struct synth *)f->priv)->vn, st);
	return 0;
}

static void synth_release(struct pith_file *f)
{
	struct synth *s = f->priv;

	pith_vnode_put(s->vn);
	pith_kfree(s, sizeof(*s));
}

static const struct pith_file_ops synth_ops = {
    .name = "synth",
    .readv = synth_readv,
    .ioctl = synth_ioctl,
    .release = synth_release,
    .mode = S_IFREG,
    .preadv = synth_preadv,
    .lseek = synth_lseek,
    .stat = synth_stat,
};

bool pith_vfs_is_synth(const struct pith_vnode *vn)
{
	return S_ISREG(vn->mode) && vn->rdev && major(vn->rdev) == PITH_VFS_SYNTH_MAJOR;
}

struct pith_vnode *pith_vfs_synth_vnode(struct pith_file *f)
{
	return f->ops == &synth_ops ? ((struct synth *)f->priv)->vn : NULL;
}

/* The entry of a synthesized file's vnode, or NULL (its index is the rdev's minor). */
static const struct pith_synth_file *synth_entry(const struct pith_vnode *vn)
{
	const struct pith_synth_file *sf = __start_pith_synth_files + minor(vn->rdev);

	return __start_pith_synth_files && sf < __stop_pith_synth_files ? sf : NULL;
}

/* Opens a synthesized file read-only, filled now: the new file or -errno. */
long pith_vfs_synth_open(struct pith_vnode *vn, int flags, struct pith_file **out)
{
	const struct pith_synth_file *sf = synth_entry(vn);
	struct synth *s;

	if (!sf)
		return -ENXIO;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		return -EROFS;
	s = pith_kmalloc(sizeof(*s));
	*out = s ? pith_file_new(&synth_ops, s, pith_vfs_file_flags(flags)) : NULL;
	if (!*out) {
		pith_kfree(s, sizeof(*s));
		return -ENOMEM;
	}
	pith_vnode_hold(vn);
	s->vn = vn;
	s->len = sf->fill(s->data, sizeof(s->data));
	if (s->len > sizeof(s->data))
		s->len = sizeof(s->data);
	return 0;
}

/* /proc/self/exe: a symlink to "/" + the basename of argv[0] (no argv[0]: none). */
static int exe_link(void)
{
	const struct pith_boot_info *bi = pith_boot_info;
	const char *argv0 = (const char *)(uintptr_t)bi->strings, *base = argv0;
	char target[PITH_NAME_MAX + 2] = "/";
	size_t len;

	if (!bi->argc || !bi->strings_len)
		return 0;
	for (const char *p = argv0; *p; p++)
		if (*p == '/' && p[1])
			base = p + 1;
	len = strnlen(base, PITH_NAME_MAX);
	while (len && base[len - 1] == '/')
		len--;
	if (!len)
		return 0;
	memcpy(target + 1, base, len);
	target[len + 1] = 0;
	return pith_vfs_create_at("/proc/self/exe", S_IFLNK | 0777, 0, target);
}

/* Creates every synthesized file, the devices and /proc/self/exe where missing. */
int pith_vfs_synth_boot(void)
{
	const struct pith_synth_file *sf = __start_pith_synth_files;
	int err = 0;

	for (unsigned i = 0; !err && sf && sf + i < __stop_pith_synth_files; i++) {
		err = pith_vfs_create_at(sf[i].path, S_IFREG | 0444,
					 makedev(PITH_VFS_SYNTH_MAJOR, i), NULL);
		if (err == -ENOTDIR)
			err = 0; /* the image has a file where a directory would be: leave it */
	}
	if (!err)
		err = pith_vfs_dev_boot();
	if (!err)
		err = exe_link();
	if (err)
		pith_vfs_log(NULL,
			     "the synthesized files (/etc, /dev, /proc/self/exe) could not be "
			     "created; check what the image's --rootfs puts there");
	return err;
}
